// Hostile text through the parser and the document builder: whatever a file holds, the result is
// an article (maybe a draft, with warnings at real lines) or a clear error naming a line, never
// another exception. The work per file is linear in its size by construction: the dateline forms
// see a bounded window, a credit line is split in one pass, and a slug transliterates a bounded
// prefix of its text.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {ArticleParseError, parseArticle} from '../../scripts/lib/parseArticle.ts'
import {toDocuments} from '../../scripts/lib/toDocuments.ts'
import {slugify} from '../../bangla/index.ts'

const parse = (text: string) => parseArticle(text, {file: 'story.txt', asOf: '2026-12-06'})

// Pieces of real datelines and credit lines, and what breaks naive parsers.
const PIECES = [
  'ঢাকা',
  'টেকনাফ (কক্সবাজার)',
  ', ',
  ' ',
  '৫',
  '২০২৬',
  '2026',
  '5',
  ' ডিসেম্বর',
  ' ডিসে.',
  ' অগ্রহায়ণ',
  '১৪৩৩',
  ' খ্রিস্টাব্দ',
  ' ইং',
  'খ্রিঃ',
  'শনিবার',
  ' সকালে',
  ' দিবাগত রাতে',
  'গতকাল ',
  '(',
  ')',
  ' / ',
  ' — ',
  ' : ',
  ':',
  '।',
  '\n',
  '\n\n',
  'সূত্র: ',
  'আবদুল করিম',
  'মো. ',
  '-',
  'বাসস',
  'রয়টার্স',
  'নিজস্ব প্রতিবেদক',
  'এমএসএম/',
  '\u200b',
  '\u200f',
  '\u202e',
  '\u2066',
  '\u200d',
  '\ud800',
  '\udc00',
  '২4',
]

function expectHandled(text: string) {
  let article
  try {
    article = parse(text)
  } catch (error) {
    expect(error).toBeInstanceOf(ArticleParseError)
    const {line} = error as ArticleParseError
    expect(line).toBeGreaterThanOrEqual(1)
    return
  }
  const lineCount = text.split(/\r\n|\r|\n/).length
  const docs = toDocuments(article)
  for (const warning of [...article.warnings, ...docs.warnings]) {
    expect(warning.line).toBeGreaterThanOrEqual(1)
    expect(warning.line).toBeLessThanOrEqual(lineCount)
  }
  expect(docs.article._id).toMatch(/^(?:drafts\.)?article-[0-9a-f]{16}$/u)
}

describe('hostile input to the import', () => {
  it('gives an article or a clear error for any mix of dateline and credit pieces', () => {
    const story = fc
      .tuple(
        fc.array(fc.constantFrom(...PIECES), {maxLength: 30}),
        fc.array(fc.constantFrom(...PIECES), {maxLength: 30}),
      )
      .map(([body, credit]) => `শিরোনাম\n\n${body.join('')}\nসূত্র: ${credit.join('')}\n`)
    fc.assert(
      fc.property(story, (text) => expectHandled(text)),
      {numRuns: 3000},
    )
  })

  it('reads a 5 MB credit line of hyphenated names in one pass', () => {
    // 55,000 long names: the old search for known names over every remaining piece, joined each
    // time, was quadratic (50,000 short names ran past 5 minutes).
    const name = 'আবদুল করিম খান '.repeat(6).trim()
    const names = `${name}-`.repeat(55_000)
    expect(names.length).toBeGreaterThan(4_900_000)
    const article = parse(`শিরোনাম\n\nআজ ৬ ডিসেম্বর সকালে…\nসূত্র: ${names}রহিম, বাসস।\n`)
    expect(article.credits).toHaveLength(55_001)
    expect(article.credits[0]).toBe(name.normalize('NFC'))
    expect(article.organisation).toBe('বাসস')
    expect(article.date).toBe('2026-12-06')
    expect(toDocuments(article).article.credits).toHaveLength(55_001)
  })

  it('slugs a 5 MB title or organisation from its start, as a short one', () => {
    const start = 'টেকনাফে নৌকাডুবিতে নিখোঁজ ১২ জন '.repeat(8)
    const huge = start + 'ক '.repeat(2_500_000)
    expect(slugify(huge)).toBe(slugify(start + 'ক ক ক ক ক ক ক ক'))
    const article = parse(`শিরোনাম\n\nআজ ৬ ডিসেম্বর সকালে…\nসূত্র: ${huge.trim()}।\n`)
    const docs = toDocuments(article)
    expect(docs.sources[0]!._id).toBe(`source-${slugify(start)}`)
  })

  it('reads a dateline past bidirectional overrides pasted around it', () => {
    expectHandled('শিরোনাম\n\n\u202eঢাকা, ৫ ডিসেম্বর —\u202c প্রধান উপদেষ্টা…\nসূত্র: বাসস।\n')
    const article = parse('শিরোনাম\n\n\u202eঢাকা, ৫ ডিসেম্বর —\u202c প্রধান উপদেষ্টা…\nসূত্র: বাসস।\n')
    expect(article.date).toBe('2026-12-05')
  })
})
