// An editor writes a new story: Bengali typed on the keyboard, the grapheme counter, the Latin
// slug from ‘তৈরি করুন’ (Generate), the Bengali message that blocks publishing an untitled article, and
// publishing. The published story is then read back with GROQ (@sanity/client and Vision).
import {expect, test} from './support/fixtures.ts'
import {
  documentPane,
  footer,
  input,
  openArticles,
  publish,
  signIn,
  waitSaved,
  publishButton,
} from './support/studio-ui.ts'
import type {Page} from '@playwright/test'

const TITLE = 'ঢাকায় বর্ষার প্রথম বৃষ্টি'
const SLUG = 'dhakay-barshar-pratham-brishti'

async function newArticle(page: Page) {
  await signIn(page)
  await openArticles(page)
  await page.getByTestId('action-intent-button').click()
  return documentPane(page)
}

test('a new article typed in Bengali gets a counter, a Latin slug, and publishes', async ({
  page,
  lake,
  timing,
}) => {
  const pane = await newArticle(page)
  const title = input(pane, 'title')
  const counter = pane.getByTestId('field-title').getByTestId('grapheme-counter')
  await expect(counter).toHaveText('০ / ৯০ অক্ষর')

  // Real key presses, letter by letter, as an editor with a Bengali layout produces them.
  await title.click()
  await page.keyboard.type(TITLE)
  await expect(title).toHaveValue(TITLE)
  // 14 graphemes ('ঢা', 'কা', 'য়', ' ', 'ব', 'র্ষা', …), not the 25 UTF-16 code units.
  await expect(counter).toHaveText('১৪ / ৯০ অক্ষর')

  await pane.getByTestId('field-slug').getByRole('button', {name: 'তৈরি করুন'}).click()
  await expect(input(pane, 'slug')).toHaveValue(SLUG)

  // Without a title the Studio refuses to publish and says why, in Bengali.
  await title.fill('')
  await expect(counter).toHaveText('০ / ৯০ অক্ষর')
  await expect(publishButton(pane)).toBeDisabled()
  await pane.getByRole('button', {name: 'যাচাই'}).click()
  // The validation inspector lists the field with its message.
  await expect(page.getByRole('button', {name: 'শিরোনাম শিরোনাম দিন'})).toBeVisible()

  await title.click()
  await page.keyboard.type(TITLE)
  await expect(counter).toHaveText('১৪ / ৯০ অক্ষর')
  await waitSaved(pane)
  timing('publish round trip (click → ‘প্রকাশিত’)', await publish(pane))
  await expect(pane.getByTestId('document-header-প্রকাশিত-chip')).toBeVisible()

  // The lake serves the published article to any GROQ client.
  const started = Date.now()
  const published = await lake
    .client()
    .withConfig({perspective: 'published'})
    .fetch('*[_type == "article" && slug.current == $slug][0]{_id, title, publishedAt}', {
      slug: SLUG,
    })
  timing('GROQ read-back via @sanity/client', Date.now() - started)
  expect(published).toMatchObject({title: TITLE})
  expect(published._id).not.toMatch(/^drafts\./)
  expect(published.publishedAt).toEqual(expect.any(String))
  await expect(footer(pane)).toContainText(/প্রকাশ/)
})

test('the published article is found with GROQ in the Vision tool', async ({page, lake}) => {
  // Published through the lake by the project's own token, so this test is only about Vision.
  await lake.client().create({
    _id: 'vision-check',
    _type: 'article',
    title: TITLE,
    slug: {_type: 'slug', current: SLUG},
    publishedAt: '2025-07-16T04:00:00Z',
  })
  await signIn(page)
  await page.getByRole('link', {name: 'Vision'}).first().click()
  const editor = page.getByTestId('vision-query-editor').locator('.cm-content')
  await editor.click()
  await page.keyboard.type(`*[_type == "article" && slug.current == "${SLUG}"]{title}`)
  await page.getByRole('button', {name: 'চালান'}).click()
  const result = page.getByTestId('vision-result')
  await expect(result).toContainText(TITLE)
  await expect(result).toContainText('1 item')
})
