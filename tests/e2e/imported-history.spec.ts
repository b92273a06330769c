// Issue 10, item 3: an imported article's history, through the lake's Events API (the Studio's
// default history, `beta.eventsAPI.documents`). The import is one transaction, so the published
// version's history shows ONE entry for it, and opening that entry shows the article as imported
// (not an empty form with "We couldn't find the document revision selected"). After an edit and a
// publish, restoring that entry brings the imported text back as a new draft.
import {expect, test} from './support/fixtures.ts'
import {
  documentPane,
  input,
  openArticle,
  publish,
  SEED,
  signIn,
  waitSaved,
} from './support/studio-ui.ts'

test('an imported article’s history opens its one import entry, and restoring it works', async ({
  page,
  lake,
  timing,
}) => {
  // A long journey (three histories, an edit, a publish, a restore) on two shared cores.
  test.slow()
  await signIn(page)
  const pane = await openArticle(page, SEED.title)
  const kickerBefore = await input(pane, 'kicker').inputValue()
  const items = page.getByTestId('timeline-item-button')
  const history = page.getByRole('tabpanel', {name: 'ইতিহাস'})
  /** The version chips above the form: the draft (the default) and the published version. */
  const chip = (name: 'প্রকাশিত' | 'খসড়া') => pane.getByRole('button', {name, exact: true})

  const openHistory = async () => {
    await pane.getByTestId('pane-context-menu-button').click()
    await page.getByRole('menuitem', {name: 'ইতিহাস'}).click()
  }

  // The history of the draft (the version the Studio opens): an imported article has no draft.
  const opening = Date.now()
  await openHistory()
  await expect(history).toContainText('ডকুমেন্টের কোনো ইতিহাস নেই')
  await expect(page.getByText('সংস্করণের ইতিহাস দেখানো হচ্ছে')).toContainText('খসড়া')

  // The published version's history: the import is ONE entry, "Created", and it opens.
  await chip('প্রকাশিত').click()
  await expect(items.first()).toContainText('তৈরি')
  timing('history of the published version visible', Date.now() - opening)
  await expect(items).toHaveCount(1)
  await items.first().click()
  await expect(input(pane, 'title')).toHaveValue(SEED.title)
  await expect(input(pane, 'title')).not.toBeEditable()
  await expect(page.getByText(/couldn't find|খুঁজে পাওয়া যায়নি/i)).toHaveCount(0)

  // Edit and publish from the draft: the draft's history shows its creation and the publish.
  await chip('খসড়া').click()
  await input(pane, 'kicker').click()
  await page.keyboard.type('বিশ্ব')
  await waitSaved(pane)
  await publish(pane)
  // A fresh pane (closed and opened again): the Studio 6.9.2 lists a publish twice when it arrives while an edit event with
  // the same id (the draft's last revision, the publish's versionRevisionId) is already listed
  // (removeDupes keeps it under its id and under `<id>-publishDocumentVersion`).
  await pane.locator('a[href="/structure/articles"]').click()
  await page.getByTestId('document-list-pane').getByRole('link', {name: SEED.title}).click()
  await documentPane(page, SEED.title)
  await openHistory()
  await expect(items.first()).toBeVisible()
  await expect(items.filter({hasText: 'প্রকাশিত'})).toHaveCount(1)
  await expect(items.filter({hasText: 'খসড়া তৈরি'})).toHaveCount(1)

  // The published version's history: the publish above the import.
  await chip('প্রকাশিত').click()
  await expect(items).toHaveCount(2)
  await expect(items.nth(0)).toContainText('প্রকাশিত')
  await expect(items.nth(1)).toContainText('তৈরি')

  // Restore the import: the kicker goes back to what was imported, as a new draft in the lake.
  await items.nth(1).click()
  await expect(input(pane, 'kicker')).toHaveValue(kickerBefore)
  await pane.getByTestId('action-এইসংস্করণপুনরুদ্ধারকরুন').click()
  await page.getByRole('button', {name: 'নিশ্চিত করুন'}).click()
  await expect
    .poll(() =>
      lake
        .client()
        .withConfig({perspective: 'raw'})
        .fetch('*[_type == "article" && _id in path("drafts.**")]{title, kicker}'),
    )
    .toEqual([{title: SEED.title, kicker: kickerBefore || null}])
})
