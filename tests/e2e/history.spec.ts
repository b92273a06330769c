// The document's history lists its revisions, and restoring an earlier one brings its text back.
import {expect, test} from './support/fixtures.ts'
import {input, openArticle, publish, SEED, signIn, waitSaved} from './support/studio-ui.ts'

test('history lists the revisions and restoring an earlier one works', async ({
  page,
  lake,
  timing,
}) => {
  await signIn(page)
  const pane = await openArticle(page, SEED.title)

  // Revision 1 (published): a kicker. Revision 2 (draft): a different kicker.
  await input(pane, 'kicker').click()
  await page.keyboard.type('বিশ্ব')
  await waitSaved(pane)
  await publish(pane)
  await input(pane, 'kicker').fill('')
  await page.keyboard.type('কূটনীতি')
  await waitSaved(pane)

  await pane.getByTestId('pane-context-menu-button').click()
  const opening = Date.now()
  await page.getByRole('menuitem', {name: 'History'}).click()
  const items = page.getByTestId('timeline-item-button')
  await expect(items.first()).toContainText('Edited')
  timing('history timeline visible', Date.now() - opening)
  await expect(items.filter({hasText: 'Published'})).toHaveCount(1)
  await expect(items.filter({hasText: 'Created'})).toHaveCount(1)
  expect(await items.count()).toBeGreaterThanOrEqual(3)

  // Select the published revision: the form shows its kicker, read-only.
  await items.filter({hasText: 'Published'}).click()
  await expect(input(pane, 'kicker')).toHaveValue('বিশ্ব')
  await pane.getByTestId('action-reverttorevision').click()
  await expect(page.getByText('Are you sure you want to restore this document?')).toBeVisible()
  await page.getByRole('button', {name: 'Confirm'}).click()

  await expect(input(pane, 'kicker')).toHaveValue('বিশ্ব')
  await expect(input(pane, 'kicker')).toBeEditable()
  // The restore is a new draft revision in the lake, not just what the form shows.
  await expect
    .poll(() =>
      lake
        .client()
        .withConfig({perspective: 'drafts'})
        .fetch('*[_type == "article" && title == $title][0].kicker', {title: SEED.title}),
    )
    .toBe('বিশ্ব')
})
