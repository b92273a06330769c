/**
 * The Events API shows a caller only events of transactions it may see the history of. A
 * contributor (history on `drafts.**` only) asking for a draft's events got the unpublish of its
 * published document by a transaction that never touched the draft: who took the story down, and
 * when, which `history/transactions` of the same draft does not list. Each role over HTTP, with
 * the other history routes beside it.
 */
import {afterAll, beforeAll, expect, it} from 'vitest'
import type {RoleName} from '../../../lake/core/grants.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
const tokens = new Map<RoleName | 'revoked', string>()
let unpublishTx = ''
let publishTx = ''

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  const store = lake.server.lake.auth!.store
  for (const role of ['contributor', 'viewer', 'editor'] as const) {
    tokens.set(role, (await store.createToken({label: `events ${role}`, role})).token)
  }
  const revoked = await store.createToken({label: 'events revoked', role: 'editor'})
  store.revokeToken(revoked.token)
  tokens.set('revoked', revoked.token)
  const client = lake.client()
  await client.create({_id: 'drafts.gone', _type: 'article', title: 'খসড়া'})
  // Published from the draft: the draft's own history (its deletion) and the published document's.
  publishTx = (
    await client
      .transaction()
      .delete('drafts.gone')
      .create({_id: 'gone', _type: 'article', title: 'খসড়া'})
      .commit()
  ).transactionId
  await client.create({_id: 'drafts.gone', _type: 'article', title: 'আবার খসড়া'})
  // Taken down while the new draft stays: a transaction of the published document alone.
  unpublishTx = (await client.transaction().delete('gone').commit()).transactionId
})

afterAll(async () => {
  await lake?.close()
})

function get(path: string, who: RoleName | 'revoked' | 'anonymous'): Promise<Response> {
  const token = who === 'anonymous' ? undefined : tokens.get(who)
  return fetch(`${lake.url}/v2025-03-01/data/history/test/${path}`, {
    headers: token ? {authorization: `Bearer ${token}`} : {},
  })
}

type Event = {type: string; timestamp: string; author: string; versionRevisionId?: string}

async function events(who: RoleName, id: string): Promise<Event[]> {
  const res = await get(`events/documents/${id}`, who)
  const body = (await res.json()) as {events: Record<string, Event[]>}
  expect(res.status, JSON.stringify(body)).toBe(200)
  return body.events[id]
}

async function transactionIds(who: RoleName, id: string): Promise<string[]> {
  const res = await get(`transactions/${id}?excludeMutations=true`, who)
  const text = await res.text()
  expect(res.status, text).toBe(200)
  return text
    .trimEnd()
    .split('\n')
    .map((line) => (JSON.parse(line) as {id: string}).id)
}

it('a contributor sees no event of a transaction that wrote only the published document', async () => {
  const seen = await events('contributor', 'drafts.gone')
  expect(seen.map((event) => event.type)).not.toContain('unpublishDocument')
  expect(JSON.stringify(seen)).not.toContain(unpublishTx)
  // What it does see is what its transactions log lists: the draft's creations and its publish.
  expect(seen.map((event) => event.type)).toEqual([
    'createDocumentVersion',
    'publishDocumentVersion',
    'createDocumentVersion',
  ])
  expect(await transactionIds('contributor', 'drafts.gone')).not.toContain(unpublishTx)
  expect(await transactionIds('contributor', 'drafts.gone')).toContain(publishTx)
})

it.each(['viewer', 'editor'] as const)(
  'a %s (history of both) still sees the unpublish',
  async (role) => {
    const seen = await events(role, 'drafts.gone')
    expect(seen[0]).toMatchObject({type: 'unpublishDocument', author: expect.any(String)})
    const published = await events(role, 'gone')
    expect(published.map((event) => event.type)).toContain('unpublishDocument')
  },
)

it.each([
  ['contributor', 403],
  ['anonymous', 403],
  ['revoked', 401],
] as const)(
  "the published document's history is refused to %s on every route",
  async (who, status) => {
    for (const path of [
      'events/documents/gone',
      'transactions/gone',
      `documents/gone?revision=${publishTx}`,
    ]) {
      const res = await get(path, who)
      const text = await res.text()
      expect(res.status, `${path}: ${text}`).toBe(status)
      expect(text).not.toContain(unpublishTx)
    }
  },
)
