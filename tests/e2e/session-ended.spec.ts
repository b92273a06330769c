// An editor's session ends on the lake (signed out on another device) while they type in a story.
// The lake's listeners of that session hear nothing more but stay open: a `disconnect` made the
// Studio 6.9.2 show "The structure tool crashed" where the editor typed, and no sign-in came. Now the
// save is refused with hosted Sanity's 401 for a session gone (errorCode SIO-401-ANF), the Studio
// signs out to its sign-in screen saying so, and signing in again shows what was saved before.
// What was typed after the session ended is not saved: the Studio's parked save lives in the page.
import type {Page} from '@playwright/test'
import bn from '../../studio/locale/bn-BD/studio.ts'
import {DATASET, PROJECT_ID, STUDIO_URL, USERS} from './support/config.ts'
import {expect, test} from './support/fixtures.ts'
import {input, openArticle, SEED, signIn, signInHere, waitSaved} from './support/studio-ui.ts'

test('signed out elsewhere while typing: no crash, a session 401, the saved text after signing in again', async ({
  page,
  lake,
}) => {
  // Signing in twice and opening the story twice on two busy cores (one run took 6 minutes).
  test.setTimeout(600_000)
  const listenerErrors = endedListenerErrors(page)
  const refused = new Promise<unknown>((resolve) => {
    page.on('response', (response) => {
      if (response.status() === 401 && response.url().includes('/data/actions/')) {
        resolve(response.json().catch(() => null))
      }
    })
  })
  await signIn(page, 'editor')
  const pane = await openArticle(page, SEED.title)
  await input(pane, 'kicker').click()
  await page.keyboard.type('আগে')
  await waitSaved(pane)

  // Another device signs this session out through the lake's API (the Studio's own sign-out call).
  await signOut(lake.url, await studioToken(page))

  // The editor keeps typing: the save is refused as a session gone, and the Studio signs out at
  // once, to its sign-in screen with its toast (as with hosted Sanity's 401).
  await page.keyboard.type(' পরে')
  expect(await refused).toMatchObject({statusCode: 401, errorCode: 'SIO-401-ANF'})
  await expect(page.getByText(bn['login.logged-out.title'])).toBeVisible()
  await expect(page.getByText(bn['login.logged-out.generic'])).toBeVisible()
  expect(listenerErrors).toEqual([])

  // Signing in again from that screen brings the editor back to the story with what was saved.
  await signInHere(page, 'editor')
  await page.goto('/structure')
  const again = await openArticle(page, SEED.title)
  await expect(input(again, 'kicker')).toHaveValue('আগে')
  const drafts = await lake
    .client()
    .withConfig({perspective: 'raw'})
    .fetch<{kicker?: string}[]>('*[_id in path("drafts.**") && _type == "article"]{kicker}')
  expect(drafts).toEqual([{kicker: 'আগে'}])
  expect(listenerErrors).toEqual([])
})

// The signed-out tab stays open with its muted listeners, which still count among the editor's 100;
// signed in again elsewhere, the editor gets all 100 (before, a 429 once the tab's and the new ones
// made 100): the new ones end the oldest muted ones, the tab's, each asking its EventSource to wait
// hours before reconnecting (a reconnect would get the ended session's 401, which @sanity/client
// makes a ConnectionFailedError). The tab ends on its sign-in screen, not a crash.
test('signed out in one tab and signed in again elsewhere: the tab’s listeners make room, no crash', async ({
  page,
  lake,
}) => {
  test.setTimeout(600_000)
  const listenerErrors = endedListenerErrors(page)
  const refused: string[] = []
  page.on('response', (response) => {
    if (response.status() === 401) refused.push(response.url())
  })
  await signIn(page, 'editor')
  const pane = await openArticle(page, SEED.title)
  await expect(input(pane, 'kicker')).toBeEditable()
  const token = await studioToken(page)
  const listenUrl = `${lake.url}/v2025-02-19/data/listen/${DATASET}?query=${encodeURIComponent('*[_type == "article"]')}`
  const listen = (as: string) => fetch(listenUrl, {headers: {authorization: `Bearer ${as}`}})
  const opened: Response[] = []
  try {
    // A listener of the same session, opened after the tab's: when it hears that it is muted, the
    // tab's are muted too (all in one pass), and it is the newest of them.
    const witness = await listen(token)
    opened.push(witness)
    await signOut(lake.url, token)
    const reader = witness.body!.getReader()
    const decoder = new TextDecoder()
    let heard = ''
    while (!/revoked/.test(heard)) {
      const {done, value} = await reader.read()
      if (done) throw new Error(`the listener ended before it was muted: ${heard}`)
      heard += decoder.decode(value, {stream: true})
    }

    // Signed in again elsewhere: all 100 of the editor's listeners are admitted.
    const ended = page.waitForEvent('requestfinished', (request) =>
      request.url().includes('/data/listen/'),
    )
    const again = await sessionToken(lake.url, USERS.editor.email, USERS.editor.password)
    for (let i = 0; i < 100; i++) {
      const response = await listen(again)
      opened.push(response)
      expect(response.status).toBe(200)
    }
    await ended
    // A request of the tab's gets the session's 401 (its own, or a listener its stores open again
    // on `reconnect`): the sign-in screen, saying so.
    await expect(page.getByText(bn['login.logged-out.title'])).toBeVisible()
    expect(refused).not.toEqual([])
    expect(listenerErrors).toEqual([])
  } finally {
    await Promise.all(opened.map((response) => response.body?.cancel().catch(() => {})))
  }
})

/**
 * The console errors the Studio reports when an open listener is ended under it (its structure
 * tool crashes), as they come, each by its first line.
 */
function endedListenerErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message) => {
    if (/DisconnectError|ConnectionFailedError|ChannelError/.test(message.text())) {
      errors.push(message.text().split('\n')[0]!)
    }
  })
  return errors
}

/** The Studio's session token, as the page keeps it. */
async function studioToken(page: Page): Promise<string> {
  const {token} = await page.evaluate(() =>
    JSON.parse(localStorage.getItem('__studio_auth_token_local') ?? '{}'),
  )
  return token
}

/** Signs the session out through the lake's API, as another device does (the Studio's own call). */
async function signOut(lakeUrl: string, token: string): Promise<void> {
  const out = await fetch(`${lakeUrl}/v2025-03-01/auth/logout`, {
    method: 'POST',
    headers: {authorization: `Bearer ${token}`},
  })
  expect(out.status).toBe(204)
}

/** A session token for `email`, as a browser elsewhere gets one (sign-in form, then auth/fetch). */
async function sessionToken(lakeUrl: string, email: string, password: string): Promise<string> {
  const login = await fetch(`${lakeUrl}/auth/login/local`, {
    method: 'POST',
    headers: {'content-type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams({
      email,
      password,
      origin: STUDIO_URL,
      projectId: PROJECT_ID,
    }).toString(),
    redirect: 'manual',
  })
  expect(login.status).toBe(302)
  const sid = /sid=([^&]+)/.exec(login.headers.get('location')!)![1]
  const fetched = await fetch(`${lakeUrl}/v2026-05-04/auth/fetch?sid=${sid}`)
  return ((await fetched.json()) as {token: string}).token
}
