/** `npm run sort-keys` against a real lake: the backfill of the Bengali sort key. */
import {describe, expect, it} from 'vitest'
import {sortKey} from '../../bangla/index.ts'
import {run} from '../../scripts/sortKeys.ts'
import {captureIo} from '../helpers/io.ts'
import {useTestLake} from '../helpers/lake.ts'

const lake = useTestLake()

const env = () => ({
  SANITY_STUDIO_API_HOST: lake().url,
  LAKE_DATA: lake().dataDir,
  SANITY_STUDIO_DATASET: 'test',
})

const ARTICLES = [
  {_id: 'a-old', _type: 'article', title: '৫ দফা দাবিতে অবরোধ'},
  {_id: 'drafts.a-old', _type: 'article', title: 'ড়াকাত ধরা পড়ল'},
  {_id: 'versions.r1.a-old', _type: 'article', title: 'উৎসবের প্রস্তুতি'},
  {_id: 'a-stale', _type: 'article', title: 'ঢাকায় বৃষ্টি', sortKey: 'stale'},
]
const HEADLINES = [{_id: 'h-old', _type: 'headline', text: 'রাশিয়ার সঙ্গে বৈঠক'}]
const OTHERS = [{_id: 's-1', _type: 'source', name: 'বাসস'}]

async function keys() {
  return lake()
    .client()
    .fetch<{_id: string; sortKey: string | null}[]>(
      '*[_type in ["article", "headline", "source"]]{_id, sortKey} | order(_id)',
      {},
      {perspective: 'raw'},
    )
}

describe('npm run sort-keys', () => {
  it('writes the key on every article and headline that lacks it or has a stale one, in every perspective', async () => {
    const tx = lake().client().transaction()
    for (const doc of [...ARTICLES, ...HEADLINES, ...OTHERS])
      tx.createOrReplace<Record<string, unknown>>(doc)
    await tx.commit()

    const dry = captureIo({env: env()})
    expect(await run(['--dry-run'], dry)).toBe(0)
    expect(dry.out()).toBe('5 of 5 articles and headlines would get a new sort key.\n')
    // Nothing written: a key missing from a document reads as null in the projection.
    expect((await keys()).map((doc) => doc.sortKey)).toEqual([
      null,
      'stale',
      null,
      null,
      null,
      null,
    ])

    const io = captureIo({env: env()})
    expect(await run([], io)).toBe(0)
    expect(io.out()).toBe('5 of 5 articles and headlines got a new sort key.\n')
    const expected = Object.fromEntries([
      ...ARTICLES.map((doc) => [doc._id, sortKey(doc.title)]),
      ...HEADLINES.map((doc) => [doc._id, sortKey(doc.text)]),
    ])
    for (const doc of await keys()) expect(doc.sortKey).toBe(expected[doc._id] ?? null)
  })

  it('changes nothing on a second run', async () => {
    const revisions = await lake().client().fetch<string[]>('*._rev', {}, {perspective: 'raw'})
    const io = captureIo({env: env()})
    expect(await run([], io)).toBe(0)
    expect(io.out()).toBe('0 of 5 articles and headlines got a new sort key.\n')
    expect(await lake().client().fetch('*._rev', {}, {perspective: 'raw'})).toEqual(revisions)
  })

  it('says when the lake cannot be reached, with exit code 1', async () => {
    const io = captureIo({env: {...env(), SANITY_STUDIO_API_HOST: 'https://127.0.0.1:9'}})
    expect(await run([], io)).toBe(1)
    expect(io.err()).not.toBe('')
  })
})
