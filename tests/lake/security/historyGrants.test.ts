/**
 * A transaction's line in `history/transactions` carries the mutations and effects of the
 * documents the caller may see the history of, and no others: a contributor (history on
 * `drafts.**` only) asking for a draft's log got the published document written in the same
 * transaction, whole, in `mutations`, with or without `includeIdentifiedDocumentsOnly`.
 */
import {afterAll, beforeAll, expect, it} from 'vitest'
import type {RoleName} from '../../../lake/core/grants.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
const tokens = new Map<RoleName, string>()
const SECRET = 'প্রকাশিত লেখার গোপন অংশ'

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  const store = lake.server.lake.auth!.store
  for (const role of ['contributor', 'viewer'] as const) {
    tokens.set(role, (await store.createToken({label: `history ${role}`, role})).token)
  }
  // One transaction writes a draft and a published document (as the editor's token).
  await lake
    .client()
    .transaction()
    .createOrReplace({_id: 'drafts.refd', _type: 'article', title: 'খসড়া'})
    .createOrReplace({_id: 'weakr', _type: 'article', title: 'প্রকাশিত', body: SECRET})
    .commit()
})

afterAll(async () => {
  await lake?.close()
})

type Line = {documentIDs: string[]; mutations?: unknown[]; effects?: Record<string, unknown>}

async function log(role: RoleName, query: string): Promise<Line[]> {
  const res = await fetch(
    `${lake.url}/v2025-03-01/data/history/test/transactions/drafts.refd?${query}`,
    {headers: {authorization: `Bearer ${tokens.get(role)}`}},
  )
  const text = await res.text()
  expect(res.status, text).toBe(200)
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Line)
}

const queries = [
  'includeIdentifiedDocumentsOnly=true',
  'includeIdentifiedDocumentsOnly=true&effectFormat=mendoza',
  '',
  'effectFormat=mendoza',
]

it.each(queries)('a contributor sees only the draft in the line (%s)', async (query) => {
  const lines = await log('contributor', query)
  expect(lines).toHaveLength(1)
  const [line] = lines
  expect(JSON.stringify(line)).not.toContain(SECRET)
  expect(JSON.stringify(line)).not.toContain('weakr')
  expect(line.documentIDs).toEqual(['drafts.refd'])
  expect(line.mutations).toMatchObject([
    {createOrReplace: {_id: 'drafts.refd', _type: 'article', title: 'খসড়া'}},
  ])
  if (query.includes('mendoza')) expect(Object.keys(line.effects!)).toEqual(['drafts.refd'])
})

it('a viewer (history everywhere) still gets the whole transaction unless it asks for less', async () => {
  const [whole] = await log('viewer', 'effectFormat=mendoza')
  expect(whole.documentIDs.sort()).toEqual(['drafts.refd', 'weakr'])
  expect(JSON.stringify(whole.mutations)).toContain(SECRET)
  expect(Object.keys(whole.effects!).sort()).toEqual(['drafts.refd', 'weakr'])
  const [identified] = await log('viewer', 'includeIdentifiedDocumentsOnly=true')
  expect(identified.documentIDs).toEqual(['drafts.refd'])
  expect(JSON.stringify(identified.mutations)).not.toContain(SECRET)
})
