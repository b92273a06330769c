/**
 * A search's candidates read at the paths the query reads (core/view.ts, searchPaths): where the
 * query reads its matched `*` only through a projection, order() and a slice, the store hands out
 * stand-ins (`_id`, `_type` and those paths) instead of parsing whole bodies. The result is
 * groq-js's over every document, in the published and raw perspectives.
 */
import {evaluate, parse} from 'groq-js'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import type {DocumentPath} from '../../../lake/core/documentPaths.ts'
import type {ScanHint, Store} from '../../../lake/core/store.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {executeQuery} from '../../../lake/query/execute.ts'
import type {createSqliteStore} from '../../../lake/store/sqliteStore.ts'
import {memoryStore} from '../../helpers/store.ts'

const ADMIN = {id: 'admin', kind: 'token', role: 'administrator'} as const

let store: ReturnType<typeof createSqliteStore>
const documents: SanityDocument[] = []

function article(i: number): SanityDocument {
  const title = [`শিরোনাম ${i}`]
  if (i % 7 === 3) title.push('প্রবাল')
  if (i % 11 === 5) title.push('প্রবালের')
  const doc: Record<string, unknown> = {
    _id: `article-${String(i).padStart(3, '0')}`,
    _type: i % 5 === 0 ? 'headline' : 'article',
    _rev: 'tx1',
    _createdAt: '2025-01-01T00:00:00Z',
    _updatedAt: '2025-01-01T00:00:00Z',
    title: title.join(' '),
    summary: i % 9 === 0 ? 'প্রবাল দ্বীপ' : 'সারাংশ',
    publishedAt: new Date(Date.UTC(2024, 0, 1) + (i % 13) * 3_600_000).toISOString(),
    author: i % 4 === 0 ? {name: `লেখক ${i % 3}`, role: 'staff'} : undefined,
    tags: i % 3 === 0 ? ['প্রবাল', `t${i}`] : [`t${i}`],
    source: {_type: 'reference', _ref: `source-${i % 2}`},
    body: [{_type: 'block', _key: 'b', children: [{_type: 'span', _key: 's', text: `প্রবাল ${i}`}]}],
  }
  // Missing and odd values where the query reads.
  if (i % 17 === 0) delete doc.title
  if (i % 19 === 0) doc.publishedAt = 42
  return doc as SanityDocument
}

beforeAll(async () => {
  for (let i = 0; i < 200; i++) documents.push(article(i))
  documents.push({...article(3), _id: 'drafts.article-003', title: 'প্রবাল খসড়া'})
  documents.push({...article(8), _id: 'drafts.article-008', title: 'প্রবাল নতুন'})
  for (const n of [0, 1]) {
    documents.push({_id: `source-${n}`, _type: 'source', _rev: 'tx1', name: `সূত্র ${n}`} as never)
  }
  store = await memoryStore(documents)
  store.flushSearchIndex()
})

afterAll(() => store.close())

/** The lake's answer, with the paths each search scan was asked to read at (null: whole). */
async function run(query: string, params: Record<string, unknown>, perspective: string) {
  const scans: (readonly DocumentPath[] | null)[] = []
  const watched = Object.assign(Object.create(store) as Store, {
    scan(hint?: ScanHint, paths?: readonly DocumentPath[]) {
      if (hint?.search) scans.push(paths ?? null)
      return store.scan(hint, paths)
    },
  })
  const result = await executeQuery(
    watched,
    {query, params, perspective, apiVersion: '2025-02-19'},
    ADMIN,
    {now: new Date(), projectId: 'p', dataset: 'standins'},
  )
  return {result, scans}
}

async function groqJs(query: string, params: Record<string, unknown>, perspective: string) {
  const dataset =
    perspective === 'raw'
      ? documents
      : documents
          .filter((doc) => !doc._id.startsWith('drafts.'))
          .map((doc) => ({...doc, _originalId: doc._id}))
  return (await evaluate(parse(query, {params}), {dataset, params})).get()
}

const LEAN = [
  '*[_type == "article" && title match $w] {_id, title}',
  '*[title match $w] {_id, _type, "name": author.name, tags, summary}',
  // (A slice reads rows off an index instead: orderedMatch.test.ts.)
  '*[title match $w] | order(publishedAt desc, _id) {_id, publishedAt}',
  '*[[title, summary] match $w && count(tags) > 1] {_id, "n": count(tags)}',
  '*[title match $w] {_id, "source": source->name}',
  '*[title match $w] {_id, "original": _originalId}',
]
const WHOLE = ['*[title match $w]', '*[title match $w] {...}', '*[title match $w] {_id, "b": @}']

describe('a match read at the paths the query reads', () => {
  for (const [name, word] of [
    ['a word', 'প্রবাল'],
    ['a prefix', 'প্রবা*'],
    ['no word', 'অনুপস্থিত'],
  ]) {
    test.each(LEAN)(`${name}: %s reads stand-ins, groq-js's result`, async (query) => {
      for (const perspective of ['published', 'raw']) {
        const {result, scans} = await run(query, {w: word}, perspective)
        expect(result).toEqual(await groqJs(query, {w: word}, perspective))
        expect(scans.length).toBeGreaterThan(0)
        expect(scans.every((paths) => paths !== null)).toBe(true)
      }
    })
  }

  test.each(WHOLE)('%s reads whole documents, groq-js result', async (query) => {
    for (const perspective of ['published', 'raw']) {
      const {result, scans} = await run(query, {w: 'প্রবাল'}, perspective)
      expect(result).toEqual(await groqJs(query, {w: 'প্রবাল'}, perspective))
      expect(scans).toEqual([null])
    }
  })

  test('the store yields stand-ins holding the values at the paths, in id order', () => {
    const hint: ScanHint = {search: {column: 'tokens', text: 'প্রবাল'}}
    const paths = [['title'], ['author', 'name'], ['missing']]
    const standIns = [...store.scan(hint, paths)]
    const whole = [...store.scan(hint)]
    expect(standIns.map((doc) => doc._id)).toEqual(whole.map((doc) => doc._id))
    expect(standIns).toEqual(
      whole.map((doc) => {
        const out: Record<string, unknown> = {_id: doc._id, _type: doc._type}
        if (doc.title !== undefined) out.title = doc.title
        const author = doc.author as {name?: string} | undefined
        if (author?.name !== undefined) out.author = {name: author.name}
        return out
      }),
    )
  })
})
