import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {slugify, sortKey} from '../../bangla/index.ts'
import {parseArticle} from '../../scripts/lib/parseArticle.ts'
import {
  articleId,
  headlineId,
  type ImportDocument,
  sourceId,
  toDocuments,
} from '../../scripts/lib/toDocuments.ts'
import {toNdjson, parseNdjson} from '../../scripts/lib/ndjson.ts'

const SEED = readFileSync(
  join(import.meta.dirname, '../../data/seed/000_6a6c5dd935f09d3d.txt'),
  'utf8',
)
const parsed = parseArticle(SEED, {file: 'seed.txt', asOf: '2025-07-20'})
const docs = toDocuments(parsed)

// Sanity document ids: letters, digits, '.', '_' and '-', at most 128 characters.
const SANITY_ID = /^[A-Za-z0-9._-]{1,128}$/

type Ref = {_type: string; _ref: string; _key?: string; _weak?: boolean}

describe('toDocuments on the seed', () => {
  it('gives 14 documents: 1 article, 12 headlines and 1 source', () => {
    expect(docs.documents).toHaveLength(14)
    expect(docs.documents.filter((doc) => doc._type === 'article')).toHaveLength(1)
    expect(docs.documents.filter((doc) => doc._type === 'headline')).toHaveLength(12)
    expect(docs.documents.filter((doc) => doc._type === 'source')).toHaveLength(1)
    expect(new Set(docs.documents.map((doc) => doc._id)).size).toBe(14)
    for (const doc of docs.documents) expect(doc._id).toMatch(SANITY_ID)
    expect(docs.draft).toBe(false)
  })

  it('derives every id and key from the content, so a second run gives the same documents', () => {
    const again = toDocuments(parseArticle(SEED, {file: 'other/name.txt', asOf: '2025-09-01'}))
    expect(again.documents).toEqual(docs.documents)
    expect(docs.article._id).toBe(articleId(parsed.title, parsed.paragraphs[0]))
    // The same title with another dateline is another story; the inferred year never changes the id.
    expect(docs.article._id).not.toBe(articleId(parsed.title, 'বুধবার (১৬ই জুলাই) সকালে'))
    const later = toDocuments(parseArticle(SEED, {file: 'seed.txt', asOf: '2025-09-10'}))
    expect(later.article._id).toBe(docs.article._id)
  })

  it('builds the article with slug, dateline, publishedAt at 00:00 Dhaka, credits and desk', () => {
    const {article} = docs
    expect(article).toMatchObject({
      _type: 'article',
      title: parsed.title,
      slug: {_type: 'slug', current: slugify(parsed.title)},
      dateline: {_type: 'dateline', text: 'মঙ্গলবার (১৫ই জুলাই) সকালে'},
      publishedAt: '2025-07-14T18:00:00.000Z',
      credits: ['অনুপমা', 'আলিম', 'ছাই'],
      deskInitials: 'এমএসএম / এমএসএম',
      source: {_type: 'reference', _ref: docs.sources[0]!._id},
    })
    expect((article.slug as {current: string}).current).toMatch(/^[a-z0-9-]+$/)
  })

  it('writes the body as Portable Text: one normal block per paragraph, one span, exact text', () => {
    const body = docs.article.body as {
      _type: string
      _key: string
      style: string
      markDefs: unknown[]
      children: {_type: string; _key: string; text: string; marks: unknown[]}[]
    }[]
    expect(body).toHaveLength(4)
    body.forEach((block, index) => {
      expect(block).toMatchObject({_type: 'block', style: 'normal', markDefs: []})
      expect(block.children).toEqual([
        {_type: 'span', _key: expect.any(String), text: parsed.paragraphs[index], marks: []},
      ])
    })
    const keys = body.flatMap((block) => [block._key, block.children[0]!._key])
    expect(new Set(keys).size).toBe(8)
  })

  it('references the eleven other headlines in order, with unique keys', () => {
    const related = docs.article.relatedHeadlines as Ref[]
    const headlineIds = docs.headlines.map((doc) => doc._id)
    expect(related.map((ref) => ref._ref)).toEqual([
      ...headlineIds.slice(0, 4),
      ...headlineIds.slice(5),
    ])
    expect(related.every((ref) => ref._type === 'reference' && !ref._weak)).toBe(true)
    expect(new Set(related.map((ref) => ref._key)).size).toBe(11)
  })

  it('numbers the headlines 1..12, keeps speakers and links the title headline to the article', () => {
    expect(docs.headlines.map((doc) => doc.position)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    ])
    expect(docs.headlines.filter((doc) => doc.speaker)).toHaveLength(4)
    expect(docs.headlines[4]).toEqual({
      _id: headlineId(parsed.title, undefined),
      _type: 'headline',
      text: parsed.title,
      sortKey: sortKey(parsed.title),
      position: 5,
      article: {_type: 'reference', _ref: docs.article._id},
    })
    expect(docs.headlines.filter((doc) => doc.article)).toHaveLength(1)
    expect(docs.headlines[11]).toMatchObject({speaker: 'ট্রাম্প'})
  })

  it('makes one source per organisation, with its short name and kind', () => {
    expect(docs.sources).toEqual([
      {
        _id: sourceId('চায়না মিডিয়া গ্রুপ'.normalize('NFC')),
        _type: 'source',
        name: 'চায়না মিডিয়া গ্রুপ'.normalize('NFC'),
        slug: {_type: 'slug', current: slugify('চায়না মিডিয়া গ্রুপ'.normalize('NFC'))},
        shortName: 'সিএমজি',
        kind: 'broadcaster',
      },
    ])
  })

  it('writes NDJSON with one document per line and Bengali unescaped', () => {
    const ndjson = toNdjson(docs.documents)
    expect(ndjson.split('\n')).toHaveLength(15)
    expect(ndjson).toContain('চায়না'.normalize('NFC'))
    expect(ndjson).not.toMatch(/\\u09/)
    expect(parseNdjson(ndjson)).toEqual(docs.documents)
  })
})

describe('toDocuments on an undated article', () => {
  const text = 'শিরোনাম এক\n\nকোনো তারিখ নেই।\nসূত্র: বাসস।\n\nশিরোনাম এক\n\nঅন্য খবর : ট্রাম্প\n'
  const undated = toDocuments(parseArticle(text, {file: 'u.txt', asOf: '2025-07-20'}))

  it('makes the article a draft without publishedAt', () => {
    expect(undated.draft).toBe(true)
    expect(undated.article._id).toBe(`drafts.${articleId('শিরোনাম এক', 'কোনো তারিখ নেই।')}`)
    expect(undated.article.publishedAt).toBeUndefined()
  })

  it('links the title headline to the future published article with a weak reference', () => {
    const own = undated.headlines.find((doc: ImportDocument) => doc.article)!
    expect(own.article).toEqual({
      _type: 'reference',
      _ref: articleId('শিরোনাম এক', 'কোনো তারিখ নেই।'),
      _weak: true,
      _strengthenOnPublish: {type: 'article'},
    })
  })

  it('recognises বাসস as the Bangladesh news agency', () => {
    expect(undated.sources[0]).toMatchObject({
      name: 'বাংলাদেশ সংবাদ সংস্থা',
      shortName: 'বাসস',
      kind: 'agency',
    })
  })
})
