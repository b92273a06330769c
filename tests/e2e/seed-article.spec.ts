// The imported seed story as an editor finds it: in the Articles list with its Bengali date, and
// opened with its title, four paragraphs, source, credits and eleven related headlines — all in
// the Studio's bundled Bengali font.
import {expect, test} from './support/fixtures.ts'
import {documentPane, input, openArticles, SEED, showGroup, signIn} from './support/studio-ui.ts'
import type {Locator} from '@playwright/test'

/** Texts of an array field's item previews, once all have loaded (they load as they scroll in). */
async function arrayItemTitles(field: Locator, expected: number): Promise<string[]> {
  const headers = field.getByTestId('default-preview__header')
  await field.getByRole('button', {name: 'আইটেম যোগ করুন'}).scrollIntoViewIfNeeded()
  await expect
    .poll(async () => (await headers.allInnerTexts()).filter((text) => text.trim()).length)
    .toBe(expected)
  return (await headers.allInnerTexts()).map((text) => text.trim())
}

test('the Articles list shows the seed article with its Bengali date, and it opens whole', async ({
  page,
  timing,
}, testInfo) => {
  await signIn(page)
  const started = Date.now()
  const list = await openArticles(page)
  const item = list.getByRole('link', {name: new RegExp(SEED.title)})
  await expect(item).toBeVisible()
  timing('Articles list visible (click → seed item)', Date.now() - started)
  await expect(item).toContainText(SEED.date)
  await expect(item).toContainText('৩১ আষাঢ় ১৪৩২ বঙ্গাব্দ') // the Bangla calendar date
  await expect(item).toContainText('১৪৪৭ হিজরি') // and the Hijri one
  await expect(item).toContainText(SEED.source)

  const opening = Date.now()
  await item.click()
  const pane = await documentPane(page, SEED.title)
  await expect(input(pane, 'title')).toHaveValue(SEED.title)
  timing('seed article form visible', Date.now() - opening)

  const paragraphs = pane.getByTestId('field-body').getByTestId('text-block')
  await expect(paragraphs).toHaveCount(4)
  await expect(paragraphs.first()).toContainText(SEED.firstParagraphStart)

  // Bengali renders with the self-hosted Noto Sans Bengali, not a system or CDN font.
  const fonts = await page.evaluate(async () => {
    await document.fonts.ready
    return {
      faces: [...document.fonts]
        .filter((face) => face.family.replace(/"/g, '') === 'Noto Sans Bengali Variable')
        .map((face) => ({status: face.status, range: face.unicodeRange})),
      check: document.fonts.check('16px "Noto Sans Bengali Variable"', 'বাংলা'),
    }
  })
  const bengaliFace = fonts.faces.find((face) => /U\+9[89a-f]/i.test(face.range))
  expect(bengaliFace?.status, JSON.stringify(fonts.faces)).toBe('loaded')
  expect(fonts.check).toBe(true)
  const titleFont = await input(pane, 'title').evaluate((el) => getComputedStyle(el).fontFamily)
  expect(titleFont).toContain('Noto Sans Bengali Variable')
  await testInfo.attach('seed-article.png', {
    body: await page.screenshot(),
    contentType: 'image/png',
  })

  await showGroup(pane, 'meta')
  // The source reference shows the referenced document's preview (name, short name, kind).
  await expect(pane.getByTestId('form-view')).toContainText(`${SEED.source}`)
  await expect(pane.getByTestId('form-view')).toContainText('সিএমজি')
  const credits = pane.getByTestId('field-credits').locator('input')
  await expect(credits).toHaveCount(SEED.credits.length)
  for (const [index, name] of SEED.credits.entries()) {
    await expect(credits.nth(index)).toHaveValue(name)
  }

  await showGroup(pane, 'related')
  const related = pane.getByTestId('field-relatedHeadlines')
  await expect(related.getByTestId('default-preview__header').first()).toBeVisible()
  const headlines = await arrayItemTitles(related, SEED.relatedCount)
  expect(headlines, headlines.join('\n')).toHaveLength(SEED.relatedCount)
  expect(headlines).not.toContain(SEED.title)
  expect(headlines.at(-1)).toContain('গাজায় যুদ্ধবিরতি চুক্তি')
  await testInfo.attach('related-headlines.png', {
    body: await page.screenshot(),
    contentType: 'image/png',
  })
})
