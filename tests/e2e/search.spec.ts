// The Studio's search box (its default groq2024 strategy, answered by the lake's text::query)
// finds the seed story the way a Bengali editor types: an inflected form of a word from the body,
// and a word typed with the precomposed য় (U+09DF) of Bijoy-style keyboards.
import {expect, test} from './support/fixtures.ts'
import {SEED, signIn} from './support/studio-ui.ts'
import type {Page} from '@playwright/test'

async function search(page: Page, text: string) {
  await page.getByTestId('studio-search').click()
  // The popover's input (its accessible name is the recent-searches list it controls).
  const box = page.getByRole('textbox', {name: /search|খোঁজ/i}).first()
  await expect(box).toBeFocused()
  await box.fill(text)
  return page.getByTestId('search-results')
}

test('the search box finds the seed article by an inflected word from its body', async ({
  page,
  timing,
}) => {
  await signIn(page)
  const started = Date.now()
  // The body has চীন-রাশিয়া; the editor types the genitive রাশিয়ার.
  const results = await search(page, 'রাশিয়ার')
  await expect(results).toContainText(SEED.title)
  timing('search results visible (typed → seed article)', Date.now() - started)
})

// FIXME(issue 11, still open): fails on main: the Studio's search box shows no results for the
// word typed with U+09DF, though text::query over HTTP finds it (tests/lake/search). Marked fixme
// so CI runs the rest; the closing note says so.
test.fixme('the search box finds the seed article by a word typed with U+09DF', async ({page}) => {
  await signIn(page)
  const results = await search(page, 'রাশি\u09DFা')
  await expect(results).toContainText(SEED.title)
  await expect(page.getByText(/No results/i)).toHaveCount(0)
})
