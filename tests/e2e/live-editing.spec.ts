// Two editors in two browsers open the same story: what one types shows up in the other without
// a reload (the lake's listener → the Studio's document store).
import {expect, test} from './support/fixtures.ts'
import {input, openArticle, SEED, signIn, waitSaved} from './support/studio-ui.ts'

test('a change typed by one editor appears live for the other', async ({
  page,
  newContext,
  timing,
}) => {
  const other = await (await newContext()).newPage()
  await Promise.all([signIn(page, 'admin'), signIn(other, 'editor')])
  const [mine, theirs] = await Promise.all([
    openArticle(page, SEED.title),
    openArticle(other, SEED.title),
  ])

  const kicker = 'আন্তর্জাতিক'
  await input(mine, 'kicker').click()
  await page.keyboard.type(kicker)
  await waitSaved(mine)
  const started = Date.now()
  await expect(input(theirs, 'kicker')).toHaveValue(kicker)
  timing('live update seen by the second editor (after save)', Date.now() - started)

  // And back the other way, into a field the first editor is not touching.
  const subheadline = 'বেইজিংয়ে দুই দেশের কৌশলগত আলোচনা'
  await input(theirs, 'subheadline').click()
  await other.keyboard.type(subheadline)
  await expect(input(mine, 'subheadline')).toHaveValue(subheadline)
  await expect(input(mine, 'kicker')).toHaveValue(kicker)
  // Neither browser reloaded: the first one's document pane is the same element throughout.
  expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1)
})
