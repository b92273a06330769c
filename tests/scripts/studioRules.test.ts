// The import publishes only what the Studio accepts: a document the schema's own validation
// (Sanity's validateDocument, as editors see it) gives an error is imported as a draft, with a
// warning naming the field and the rule, never published silently.
import {describe, expect, it} from 'vitest'
import {parseArticle} from '../../scripts/lib/parseArticle.ts'
import {toDocuments} from '../../scripts/lib/toDocuments.ts'
import {validate} from '../schemas/_validate.ts'

const TITLE = 'শ্রমিক ছাঁটাইয়ের প্রতিবাদে বিক্ষোভ'

function story(title: string, headline = 'সীমান্তে সতর্কতা জারি') {
  return (
    `${title}\n\nআজ ৬ ডিসেম্বর সকালে শ্রমিকেরা বিক্ষোভ করেন।\n` +
    `সূত্র: আবদুল করিম, বাসস।\n\n${headline}\n`
  )
}

function importOf(text: string) {
  const parsed = parseArticle(text, {file: 'story.txt', asOf: '2026-12-06'})
  const docs = toDocuments(parsed)
  return {parsed, docs}
}

async function errorsOf(document: Record<string, unknown>) {
  return (await validate(document)).filter((marker) => marker.level === 'error')
}

/** Every published document of the file passes the Studio's error-level rules. */
async function expectPublishedValid(docs: ReturnType<typeof toDocuments>) {
  for (const document of docs.documents) {
    if (document._id.startsWith('drafts.')) continue
    expect(await errorsOf(document), document._id).toEqual([])
  }
}

describe('documents the Studio would refuse', () => {
  it('publishes a clean story, every document valid', async () => {
    const {docs} = importOf(story(TITLE))
    expect(docs.draft).toBe(false)
    await expectPublishedValid(docs)
  })

  it('collapses a double space in the title (a safe fix) and publishes', async () => {
    const {parsed, docs} = importOf(story('শ্রমিক ছাঁটাইয়ের  প্রতিবাদে বিক্ষোভ'))
    expect(parsed.title).toBe(TITLE)
    expect(docs.draft).toBe(false)
    await expectPublishedValid(docs)
  })

  it('imports a title with mixed digits (২০23) as a draft, naming the rule', async () => {
    const {docs} = importOf(story('২০23 সালের বাজেট ঘোষণা'))
    expect(docs.draft).toBe(true)
    expect(docs.article._id).toMatch(/^drafts\./u)
    expect(await errorsOf(docs.article)).not.toEqual([])
    expect(docs.warnings).toContainEqual({
      line: 1,
      message: expect.stringMatching(/title.*mixes Bengali and ASCII digits.*draft/u),
    })
    await expectPublishedValid(docs)
  })

  it('imports a related headline over 120 graphemes as a draft headline', async () => {
    const long = 'ক'.repeat(123)
    const {docs} = importOf(story(TITLE, long))
    const headline = docs.headlines.find((document) => document.text === long)!
    expect(headline._id).toMatch(/^drafts\.headline-/u)
    expect(await errorsOf(headline)).not.toEqual([])
    expect(docs.warnings).toContainEqual({
      line: 6,
      message: expect.stringMatching(/headline.*123 graphemes.*at most 120.*draft/u),
    })
    // The published article points at it weakly, as the Studio does for a draft.
    expect(docs.draft).toBe(false)
    expect(docs.article.relatedHeadlines).toEqual([
      expect.objectContaining({_ref: headline._id.replace(/^drafts\./u, ''), _weak: true}),
    ])
    await expectPublishedValid(docs)
  })
})

// Each warning for a field the Studio would refuse names the line the field came from (1-based,
// as an editor's text editor shows it), and a source is checked like every other document.
describe('refused fields, named at their own lines', () => {
  it('points the dateline, the credit and the desk line at their lines, the title at line 1', async () => {
    const text =
      `২০23 সালের বাজেট ঘোষণা\n\nনিজস্ব প্রতিবেদক\nঢাকা, ৫ ডিসেম্বর ২০2৬ — বাজেট ঘোষণা করা হয়।\n` +
      `দ্বিতীয় অনুচ্ছেদ।\nসূত্র: রহিম ১2-করিম, প্রথম আলো।\nবাসস/এসএইচ/১8৩০\n`
    const {docs} = importOf(text)
    expect(docs.draft).toBe(true)
    expect(await errorsOf(docs.article)).not.toEqual([])
    const byLine = Object.fromEntries(docs.warnings.map(({line, message}) => [line, message]))
    expect(
      Object.keys(byLine)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([1, 4, 6, 7])
    expect(byLine[1]).toMatch(/^the title mixes Bengali and ASCII digits.*draft/u)
    expect(byLine[4]).toMatch(/^the dateline mixes Bengali and ASCII digits.*draft/u)
    expect(byLine[6]).toMatch(/^the credit 'রহিম ১2' mixes Bengali and ASCII digits.*draft/u)
    expect(byLine[7]).toMatch(/^the desk initials mix(?:es)? Bengali and ASCII digits.*draft/u)
  })

  it('imports a source the Studio would refuse as a draft source, named at the credit line', async () => {
    const text =
      `শ্রমিক ছাঁটাইয়ের প্রতিবাদে বিক্ষোভ\n\nআজ ৬ ডিসেম্বর সকালে শ্রমিকেরা বিক্ষোভ করেন।\n` +
      `দ্বিতীয় অনুচ্ছেদ।\nসূত্র: আবদুল করিম, চ্যানেল ২4।\n`
    const {docs} = importOf(text)
    const source = docs.sources[0]!
    expect(source._id).toMatch(/^drafts\.source-/u)
    expect(await errorsOf(source)).not.toEqual([])
    expect(docs.warnings).toEqual([
      {
        line: 5,
        message: expect.stringMatching(
          /^the source name 'চ্যানেল ২4' mixes Bengali and ASCII digits.*the source is imported as a draft/u,
        ),
      },
    ])
    // The article is published and points at the draft source weakly, as the Studio does.
    expect(docs.draft).toBe(false)
    expect(docs.article.source).toEqual({
      _type: 'reference',
      _ref: source._id.replace(/^drafts\./u, ''),
      _weak: true,
      _strengthenOnPublish: {type: 'source'},
    })
    await expectPublishedValid(docs)
  })
})
