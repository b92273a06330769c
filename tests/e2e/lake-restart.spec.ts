// An editor has a story open in the Studio when the lake restarts under it: stopped cleanly
// (SIGTERM: an update) or killed (SIGKILL: a crash), then started again on the same port and data
// folder. Without a reload, the Studio must follow what others write once the lake is back, save
// what the editor types, keep an edit that was on its way when the lake went, and say it is
// connected again. What the real Studio does meanwhile (its sources, sanity 6): a document whose
// listener is reconnecting is read-only (useConnectionState: 'reconnecting' 200 ms after the
// client's `reconnect`), a toast says 'Trying to connect…' (useReconnectingToast, after 2 s), and
// edits typed before that stay buffered and are committed again with backoff until the lake takes
// them (BufferedDocument; a 5xx or a network error is retried, a 400/403/404/409… drops them).
import type {Page} from '@playwright/test'
import {expect, test} from './support/fixtures.ts'
import {input, openArticle, SEED, signIn, waitSaved} from './support/studio-ui.ts'

/** The Bengali 'Trying to connect…' of the toast and the document list (studio/locale/bn-BD). */
const RECONNECTING = 'সংযোগের চেষ্টা চলছে…'
const SEED_QUERY = '*[_type == "article" && title == $title && !(_id in path("drafts.**"))][0]._id'

function navigations(page: Page): Promise<number> {
  return page.evaluate(() => performance.getEntriesByType('navigation').length)
}

/** The Studio is connected again: no toast says it is trying, and the form takes typing. */
async function expectConnected(page: Page, field: ReturnType<typeof input>): Promise<void> {
  await expect(field).not.toHaveAttribute('readonly', {timeout: 60_000})
  await expect(page.getByText(RECONNECTING)).toHaveCount(0)
}

test('an open story and its list follow the lake through a clean restart, and typing is saved', async ({
  page,
  lake,
  newContext,
  timing,
}) => {
  // Two sign-ins, a restart and the Studio's reconnects: over 180 s at load 20.
  test.slow()
  const client = lake.client()
  const seedId = await client.fetch<string>(SEED_QUERY, {title: SEED.title})
  const other = await (await newContext()).newPage()
  await Promise.all([signIn(page, 'admin'), signIn(other, 'editor')])
  const pane = await openArticle(page, SEED.title)
  const list = page.getByTestId('document-list-pane')

  await lake.restart('SIGTERM', async () => {
    // While the lake is gone the Studio says so and takes no typing.
    await expect(input(pane, 'kicker')).toHaveAttribute('readonly')
    await expect(page.getByText(RECONNECTING).first()).toBeVisible()
  })
  const back = Date.now()

  // (a) Another client writes as soon as the lake is back: a field of the open story, a new story.
  const kicker = 'লেক ফিরেছে'
  const title = 'লেক চালু হওয়ার পর লেখা প্রতিবেদন'
  await client.patch(seedId).set({kicker}).commit()
  await client.create({_id: 'after-restart', _type: 'article', title})
  await expect(input(pane, 'kicker')).toHaveValue(kicker, {timeout: 60_000})
  await expect(list.getByRole('link', {name: new RegExp(title)})).toBeVisible({timeout: 60_000})
  timing('another client’s write seen after the restart', Date.now() - back)

  // (c) Connected again, without a reload.
  await expectConnected(page, input(pane, 'subheadline'))
  timing('Studio connected again after the restart', Date.now() - back)

  // (b) What the editor types now is saved.
  const subheadline = 'পুনরায় চালুর পর সম্পাদকের লেখা'
  await input(pane, 'subheadline').click()
  await page.keyboard.type(subheadline)
  await waitSaved(pane)
  await expect
    .poll(async () => (await client.getDocument(`drafts.${seedId}`))?.subheadline)
    .toBe(subheadline)

  // Presence: a second editor who opens the story now sees the first, and the first sees them.
  const theirs = await openArticle(other, SEED.title)
  await expect(pane.getByTestId('document-level-presence')).toBeVisible({timeout: 60_000})
  await expect(theirs.getByTestId('document-level-presence')).toBeVisible({timeout: 60_000})

  await expect(page.getByText(RECONNECTING)).toHaveCount(0)
  expect(await navigations(page)).toBe(1)
})

test('after a crash (SIGKILL) and a start at once, the open story follows the lake and typing is saved', async ({
  page,
  lake,
  timing,
}) => {
  // Two sign-ins, a restart and the Studio's reconnects: over 180 s at load 20.
  test.slow()
  const client = lake.client()
  const seedId = await client.fetch<string>(SEED_QUERY, {title: SEED.title})
  await signIn(page, 'admin')
  const pane = await openArticle(page, SEED.title)
  const list = page.getByTestId('document-list-pane')

  // Started again at once, as a supervisor would: a lake gone for long makes the Studio give up on
  // its reads ('The structure tool crashed'), which is the Studio's doing whatever the server.
  await lake.restart('SIGKILL')
  const back = Date.now()

  const kicker = 'লেক আবার চালু'
  const title = 'ক্র্যাশের পর লেখা প্রতিবেদন'
  await client.patch(seedId).set({kicker}).commit()
  await client.create({_id: 'after-crash', _type: 'article', title})
  await expect(input(pane, 'kicker')).toHaveValue(kicker, {timeout: 60_000})
  await expect(list.getByRole('link', {name: new RegExp(title)})).toBeVisible({timeout: 60_000})
  timing('another client’s write seen after the crash', Date.now() - back)

  await expectConnected(page, input(pane, 'subheadline'))
  const subheadline = 'ক্র্যাশের পর সম্পাদকের লেখা'
  await input(pane, 'subheadline').click()
  await page.keyboard.type(subheadline)
  await waitSaved(pane)
  await expect
    .poll(async () => (await client.getDocument(`drafts.${seedId}`))?.subheadline)
    .toBe(subheadline)
  await expect(page.getByText(RECONNECTING)).toHaveCount(0)
  expect(await navigations(page)).toBe(1)
})
