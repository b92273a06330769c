/** A title line of invisible characters only is refused, naming its line, not skipped. */
import {expect, it} from 'vitest'
import {isArticleParseError, parseArticle} from '../../scripts/lib/parseArticle.ts'

it('refuses a line of only zero-width characters before the title, naming its line', () => {
  const text = '\u200b\u200c\u200d\n\nআজ ২৬ মার্চ সকালে মেলা বসে।\nদ্বিতীয় অনুচ্ছেদ।\nসূত্র: বাসস।\n'
  let caught: unknown
  try {
    parseArticle(text, {file: 'zw.txt', asOf: '2025-07-20'})
  } catch (error) {
    caught = error
  }
  expect(isArticleParseError(caught)).toBe(true)
  expect(caught).toMatchObject({file: 'zw.txt', line: 1})
  expect((caught as {problem: string}).problem).toMatch(/only invisible characters/)
})
