/**
 * Precision and recall of `text::query()` over newsroom words, in the lake over HTTP once its
 * index has caught up: a light stemmer strips a noun's inflections but derives no homograph (the
 * verb করতে is not the noun কর "tax", the quantifier একটি is not the numeral এক); a word and a
 * number written together (কোভিড১৯) find the two written apart (কোভিড-১৯) and the word alone; and
 * compatibility forms (full-width Latin, ligatures) find the letters they stand for. Each expected
 * set lists every article that should come back, so anything else is a false hit.
 */
import type {SanityClient} from '@sanity/client'
import {firstValueFrom} from 'rxjs'
import {createSchema, createSearch, getSearchableTypes} from 'sanity'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {schemaTypes} from '../../../schemas/index.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {searchIndexCaughtUp} from '../../helpers/searchIndex.ts'

let lake: TestLake
let client: SanityClient

// Ids hold none of the words searched: the filter reads `_id` too.
const TITLES: Record<string, string> = {
  tax: 'বাজেটে নতুন কর, ব্যবসায়ীরা করের হার কমানোর দাবি জানান',
  'verb-infinitive': 'কাজ শেষ করতে চায় কমিশন',
  'verb-progressive': 'তদন্ত করছে পুলিশ',
  'verb-perfect': 'প্রতিবেদন প্রকাশ করেছে কমিশন',
  'verb-future': 'আগামীকাল ঘোষণা করবে দল',
  'one-classifier': 'একটি সেতুর উদ্বোধন',
  'one-bare': 'এক দিনের সফরে প্রধানমন্ত্রী',
  'committee-genitive': 'কমিটির প্রতিবেদন জমা',
  'election-bare': 'নির্বাচন কমিশনের বৈঠক',
  'election-locative': 'নির্বাচনে ভোট পড়েছে কম',
  'election-genitive': 'নির্বাচনের তারিখ ঘোষণা',
  'government-bare': 'সরকার নতুন নীতি দিল',
  'government-genitive': 'সরকারের সিদ্ধান্ত',
  'country-bare': 'বাংলাদেশ জিতেছে',
  'country-genitive': 'বাংলাদেশের রপ্তানি বেড়েছে',
  'virus-joined': 'কোভিড১৯ টিকার দ্বিতীয় ডোজ',
  'virus-hyphen': 'কোভিড-১৯ পরীক্ষা বাড়ছে',
  'virus-bare': 'কোভিড নিয়ে সতর্কতা',
  'virus-latin-joined': 'covid19 vaccine',
  'virus-latin-hyphen': 'COVID-19 cases',
  'agency-fullwidth': 'ＷＨＯ সতর্ক করল',
  'agency-ascii': 'WHO বিবৃতি',
  'match-ligature': '\uFB01nal ম্যাচ',
  'match-plain': 'final টিকিট',
  // Compatibility symbols stay apart from the words beside them.
  'brand-trademark': 'Apple™ নতুন ফোন',
  'rice-kilogram': '১০㎏ চাল',
  'rice-half': '২½ কেজি ডাল',
  'blessing-ligature': 'নবী ﷺ বলেছেন',
}

beforeAll(async () => {
  lake = await startTestLake({serverOptions: {queryTimeoutMs: 600_000}})
  client = lake.client({apiVersion: '2025-02-19', useCdn: false, perspective: 'raw'})
  const tx = client.transaction()
  for (const [id, title] of Object.entries(TITLES))
    tx.createOrReplace({_id: id, _type: 'article', title, publishedAt: '2026-12-01T00:00:00Z'})
  await tx.commit()
  await searchIndexCaughtUp(lake.dataDir, 'test')
})

afterAll(async () => {
  await lake?.close()
})

async function found(query: string): Promise<string[]> {
  const ids = await client.fetch<string[]>(
    '*[_type == "article" && [@, _id] match text::query($q)]._id',
    {q: query},
  )
  return [...ids].sort()
}

const CASES: [query: string, expected: string[]][] = [
  // A verb form is not the noun it is spelled like, either way.
  ['কর', ['tax']],
  ['করের', ['tax']],
  ['করতে', ['verb-infinitive']],
  ['করছে', ['verb-progressive']],
  ['করেছে', ['verb-perfect']],
  ['করবে', ['verb-future']],
  // A quantifier (numeral + classifier) is not the numeral.
  ['একটি', ['one-classifier']],
  ['এক', ['one-bare']],
  // A protected word's inflection folds back to it, not past it (কমিটি is not কমি).
  ['কমি', []],
  ['কমিটি', ['committee-genitive']],
  // A noun's inflections still meet.
  ['নির্বাচন', ['election-bare', 'election-genitive', 'election-locative']],
  ['নির্বাচনে', ['election-bare', 'election-genitive', 'election-locative']],
  ['নির্বাচনের', ['election-bare', 'election-genitive', 'election-locative']],
  ['সরকার', ['government-bare', 'government-genitive']],
  ['সরকারের', ['government-bare', 'government-genitive']],
  ['বাংলাদেশ', ['country-bare', 'country-genitive']],
  ['বাংলাদেশের', ['country-bare', 'country-genitive']],
  // Letters then digits: written together or apart, each finds the other, and the word alone.
  ['কোভিড', ['virus-bare', 'virus-hyphen', 'virus-joined']],
  ['কোভিড১৯', ['virus-hyphen', 'virus-joined']],
  ['কোভিড-১৯', ['virus-hyphen', 'virus-joined']],
  ['কোভিড19', ['virus-hyphen', 'virus-joined']],
  ['১৯', ['virus-hyphen', 'virus-joined', 'virus-latin-hyphen', 'virus-latin-joined']],
  ['covid', ['virus-latin-hyphen', 'virus-latin-joined']],
  ['covid19', ['virus-latin-hyphen', 'virus-latin-joined']],
  ['COVID-19', ['virus-latin-hyphen', 'virus-latin-joined']],
  // Compatibility forms are the letters they stand for.
  ['who', ['agency-ascii', 'agency-fullwidth']],
  ['ＷＨＯ', ['agency-ascii', 'agency-fullwidth']],
  ['final', ['match-ligature', 'match-plain']],
  ['\uFB01nal', ['match-ligature', 'match-plain']],
  // ... but a symbol (™ ㎏ ½ ﷺ) is not made letters that join the word beside it or new words.
  ['apple', ['brand-trademark']],
  ['১০', ['rice-kilogram']],
  ['21', []],
  ['عليه', []],
]

describe('text::query precision and recall over newsroom words', () => {
  for (const [query, expected] of CASES) {
    test(JSON.stringify(query), async () => {
      expect(await found(query)).toEqual([...expected].sort())
    })
  }

  test('ranked: a word written apart from its number ranks with the joined one', async () => {
    const ids = await client.fetch<string[]>(
      `*[_type == "article"] | score(title match text::query($q)) [_score > 0]
        | order(_score desc, _id asc)._id`,
      {q: 'কোভিড১৯'},
    )
    expect([...ids].sort()).toEqual(['virus-hyphen', 'virus-joined'])
  })
})

test('GROQ `match` keeps its own tokens: full-width is not folded (groq-js)', async () => {
  const ids = await client.fetch<string[]>('*[_type == "article" && title match "who"]._id')
  expect(ids).toEqual(['agency-ascii'])
})

describe("the Studio's search box (groq2024, the last word a prefix)", () => {
  const schema = createSchema({name: 'default', types: schemaTypes})
  const types = getSearchableTypes(schema).filter((type) => type.name === 'article')

  test.each([
    ['কোভিড১৯', ['virus-hyphen', 'virus-joined']],
    ['কোভিড-১৯', ['virus-hyphen', 'virus-joined']],
    ['covid19', ['virus-latin-hyphen', 'virus-latin-joined']],
  ])('%s', async (query, expected) => {
    const search = createSearch(types, client, {
      strategy: 'groq2024',
      perspective: 'drafts',
      unique: true,
    } as Parameters<typeof createSearch>[2])
    const result = await firstValueFrom(search(query, {limit: 50}))
    expect(result.hits.map(({hit}) => (hit as {_id: string})._id).sort()).toEqual(expected)
  })
})
