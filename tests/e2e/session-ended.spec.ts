// An editor's session ends on the lake (signed out on another device) while they type in a story.
// The lake's listeners of that session hear nothing more but stay open: a `disconnect` made the
// Studio 6.9.2 show "The structure tool crashed" where the editor typed, and no sign-in came. Now the
// save is refused with hosted Sanity's 401 for a session gone (errorCode SIO-401-ANF), the Studio
// signs out to its sign-in screen saying so, and signing in again shows what was saved before.
// What was typed after the session ended is not saved: the Studio's parked save lives in the page.
import bn from '../../studio/locale/bn-BD/studio.ts'
import {STUDIO_URL, USERS} from './support/config.ts'
import {expect, test} from './support/fixtures.ts'
import {input, openArticle, SEED, signIn, submitLoginForm, waitSaved} from './support/studio-ui.ts'

test('signed out elsewhere while typing: no crash, a session 401, the saved text after signing in again', async ({
  page,
  lake,
}) => {
  // Signing in twice and opening the story twice on two busy cores (one run took 6 minutes).
  test.setTimeout(600_000)
  // What the Studio reports when an open listener is ended under it: its structure tool crashes.
  const listenerErrors: string[] = []
  page.on('console', (message) => {
    if (/DisconnectError|ConnectionFailedError|ChannelError/.test(message.text())) {
      listenerErrors.push(message.text().split('\n')[0]!)
    }
  })
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
  const {token} = await page.evaluate(() =>
    JSON.parse(localStorage.getItem('__studio_auth_token_local') ?? '{}'),
  )
  const out = await fetch(`${lake.url}/v2025-03-01/auth/logout`, {
    method: 'POST',
    headers: {authorization: `Bearer ${token}`},
  })
  expect(out.status).toBe(204)

  // The editor keeps typing: the save is refused as a session gone, and the Studio signs out at
  // once, to its sign-in screen with its toast (as with hosted Sanity's 401).
  await page.keyboard.type(' পরে')
  expect(await refused).toMatchObject({statusCode: 401, errorCode: 'SIO-401-ANF'})
  await expect(page.getByText(bn['login.logged-out.title'])).toBeVisible()
  await expect(page.getByText(bn['login.logged-out.generic'])).toBeVisible()
  expect(listenerErrors).toEqual([])

  // Signing in again from that screen brings the editor back to the story with what was saved.
  await submitLoginForm(page, USERS.editor.email, USERS.editor.password)
  await page.waitForURL(`${STUDIO_URL}/**`)
  await expect(page.getByTestId('studio-navbar')).toBeVisible()
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
