/**
 * The dataset-wide transactions export, `GET data/history/{dataset}/transactions` (no document
 * ids), as Sanity's History API reference and its "find and restore deleted documents" flow use
 * it: NDJSON, oldest first, with the ids form's parameters; what a caller may not see the history
 * of is not there; bounded by `limit` (a default and a maximum) and streamed a page at a time.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {RoleName} from '../../lake/core/grants.ts'
import {startTestLake, type TestLake} from '../helpers/lake.ts'

let lake: TestLake
const tokens = new Map<RoleName, string>()
/** A body only the published document of the mixed transaction carries. */
const SECRET = 'প্রকাশিত লেখার গোপন অংশ'
const BIG = 5_000

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  const store = lake.server.lake.auth!.store
  for (const role of ['contributor', 'viewer'] as const) {
    tokens.set(role, (await store.createToken({label: `log ${role}`, role})).token)
  }
}, 60_000)

afterAll(async () => {
  await lake?.close()
})

interface Line {
  id: string
  timestamp: string
  author: string
  documentIDs: string[]
  mutations?: Record<string, {id?: string; _id?: string}>[]
  effects?: Record<string, unknown>
}

/** GET the dataset-wide log of `dataset` with `query`, as `token` (none: anonymous). */
async function get(dataset: string, query = '', token: string | null = lake.token) {
  const headers: Record<string, string> = token ? {authorization: `Bearer ${token}`} : {}
  const res = await fetch(
    `${lake.url}/v2025-02-19/data/history/${dataset}/transactions${query && `?${query}`}`,
    {headers},
  )
  return {status: res.status, text: await res.text()}
}

async function lines(dataset: string, query = '', token: string | null = lake.token) {
  const {status, text} = await get(dataset, query, token)
  expect(status, text).toBe(200)
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line)
}

describe('the restore-deleted-documents flow', () => {
  it('finds a deleted document in the log and restores its last content', async () => {
    const client = lake.client({dataset: 'restore'})
    await client.create({_id: 'story-1', _type: 'article', title: 'প্রথম খসড়া'})
    await client.patch('story-1').set({title: 'শেষ শিরোনাম', body: 'ঢাকায় বৃষ্টি'}).commit()
    await client.create({_id: 'story-2', _type: 'article', title: 'অন্য খবর'})
    await client.delete('story-1')

    // The guide's request: the dataset's newest transactions, mutations without content.
    const raw = await client.request<string>({
      uri: '/data/history/restore/transactions',
      query: {excludeContent: 'true', reverse: 'true', limit: '100'},
    })
    const log = String(raw)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Line)
    expect(log.map((tx) => tx.documentIDs)).toEqual([
      ['story-1'],
      ['story-2'],
      ['story-1'],
      ['story-1'],
    ])
    const deletions = log.flatMap((tx) =>
      (tx.mutations ?? []).flatMap((m) => (m.delete?.id ? [m.delete.id] : [])),
    )
    expect(deletions).toEqual(['story-1'])

    // Its last content before the deletion, then written back.
    const {documents} = await client.request<{documents: Record<string, unknown>[]}>({
      uri: `/data/history/restore/documents/${deletions[0]}`,
      query: {lastRevision: 'true'},
    })
    const {_rev, _updatedAt, ...last} = documents[0] as Record<string, unknown>
    expect({_rev, _updatedAt}).toMatchObject({_rev: log[2].id})
    await client.createOrReplace(last as {_id: string; _type: string})
    expect(await client.getDocument('story-1')).toMatchObject({
      title: 'শেষ শিরোনাম',
      body: 'ঢাকায় বৃষ্টি',
    })
    // The restore is the log's newest transaction.
    const [newest] = await lines('restore', 'reverse=true&limit=1')
    expect(newest.documentIDs).toEqual(['story-1'])
    expect(newest.mutations).toMatchObject([{createOrReplace: {_id: 'story-1'}}])
  })
})

describe('who sees what', () => {
  beforeAll(async () => {
    const client = lake.client({dataset: 'grants'})
    // A draft and a published document in one transaction, then a published one alone.
    await client
      .transaction()
      .createOrReplace({_id: 'drafts.mixed', _type: 'article', title: 'খসড়া'})
      .createOrReplace({_id: 'mixed', _type: 'article', title: 'প্রকাশিত', body: SECRET})
      .commit({transactionId: 'tx-mixed'})
    await client
      .transaction()
      .createOrReplace({_id: 'alone', _type: 'article', title: 'একা', body: SECRET})
      .commit({transactionId: 'tx-published-only'})
  })

  it('an anonymous caller of a private dataset is refused as by the ids form', async () => {
    const wide = await get('grants', '', null)
    const byIds = await fetch(`${lake.url}/v2025-02-19/data/history/grants/transactions/mixed`)
    expect(wide.status).toBe(403)
    expect(wide.status).toBe(byIds.status)
    expect(wide.text).not.toContain(SECRET)
  })

  it('a contributor sees only its grants: drafts, and no transaction that wrote none', async () => {
    const log = await lines('grants', 'effectFormat=mendoza', tokens.get('contributor')!)
    expect(log.map((tx) => tx.id)).toEqual(['tx-mixed'])
    expect(log[0].documentIDs).toEqual(['drafts.mixed'])
    expect(Object.keys(log[0].effects!)).toEqual(['drafts.mixed'])
    expect(JSON.stringify(log)).not.toContain(SECRET)
    // Naming the hidden transaction is the 404 of one that does not exist.
    for (const bound of ['fromTransaction', 'toTransaction']) {
      const hidden = await get('grants', `${bound}=tx-published-only`, tokens.get('contributor')!)
      const none = await get('grants', `${bound}=tx-never`, tokens.get('contributor')!)
      expect(hidden.status).toBe(404)
      expect(hidden.text.replace('tx-published-only', 'tx-never')).toBe(none.text)
    }
  })

  it('a viewer (history everywhere) sees every transaction whole', async () => {
    const log = await lines('grants', '', tokens.get('viewer')!)
    expect(log.map((tx) => tx.id)).toEqual(['tx-mixed', 'tx-published-only'])
    expect(log[0].documentIDs.sort()).toEqual(['drafts.mixed', 'mixed'])
    expect(JSON.stringify(log[1].mutations)).toContain(SECRET)
  })
})

describe('bounds', () => {
  const ids: string[] = []
  beforeAll(async () => {
    const client = lake.client({dataset: 'bounds'})
    for (let i = 0; i < 6; i++) {
      const {transactionId} = await client
        .transaction()
        .createOrReplace({_id: `d${i}`, _type: 'n', i})
        .commit()
      ids.push(transactionId)
    }
  })

  it('limit, reverse, transaction and time bounds (inclusive)', async () => {
    const all = await lines('bounds')
    expect(all.map((tx) => tx.id)).toEqual(ids)
    const ofIds = async (query: string) => (await lines('bounds', query)).map((tx) => tx.id)
    expect(await ofIds('limit=2')).toEqual(ids.slice(0, 2))
    expect(await ofIds('reverse=true&limit=2')).toEqual([ids[5], ids[4]])
    expect(await ofIds(`fromTransaction=${ids[1]}&toTransaction=${ids[3]}`)).toEqual(
      ids.slice(1, 4),
    )
    const from = encodeURIComponent(all[2].timestamp)
    const to = encodeURIComponent(all[4].timestamp)
    expect(await ofIds(`fromTime=${from}&toTime=${to}`)).toEqual(ids.slice(2, 5))
    expect(await ofIds(`fromTime=${from}&toTime=${to}&reverse=true&limit=2`)).toEqual([
      ids[4],
      ids[3],
    ])
    expect(await ofIds('authors=someone-else')).toEqual([])
    expect(await ofIds(`authors=${all[0].author}&limit=1`)).toEqual([ids[0]])
    const noMutations = await lines('bounds', 'excludeMutations=true&limit=1')
    expect(noMutations[0]).not.toHaveProperty('mutations')
  })

  it('reversed, a client reads on with `toTransaction`, and a bad limit says so', async () => {
    const ofIds = async (query: string) => (await lines('bounds', query)).map((tx) => tx.id)
    // Inclusive, as lake-api.md says: the last line of a page comes again first on the next.
    expect(await ofIds(`reverse=true&limit=2&toTransaction=${ids[4]}`)).toEqual([ids[4], ids[3]])
    const reversed = await get('bounds', 'reverse=true&limit=10001')
    expect(reversed.status).toBe(400)
    expect(reversed.text).toContain('with `toTransaction`')
    expect(reversed.text).not.toContain('fromTransaction')
    const forward = await get('bounds', 'limit=10001')
    expect(forward.text).toContain('with `fromTransaction`')
  })

  it('an unknown parameter or a bad time or limit is a 400 naming it', async () => {
    const cases: [string, string][] = [
      ['documentIds=d1', 'documentIds'],
      ['fromtime=2026-01-01', 'fromtime'],
      ['fromTime=04/12/2026', 'fromTime'],
      ['toTime=2026-02-30', 'toTime'],
      ['limit=-1', 'limit'],
      ['limit=10001', 'limit'],
      ['reverse=maybe', 'reverse'],
      ['effectFormat=json', 'effectFormat'],
    ]
    for (const [query, name] of cases) {
      const {status, text} = await get('bounds', query)
      expect({query, status}).toEqual({query, status: 400})
      expect(text, query).toContain(name)
    }
  })
})

describe('a large log', () => {
  beforeAll(async () => {
    const client = lake.client({dataset: 'big'})
    const body = 'x'.repeat(1_000)
    let next = 0
    // One transaction a request, a few requests at a time.
    await Promise.all(
      Array.from({length: 8}, async () => {
        while (next < BIG) {
          const i = next++
          await client.createOrReplace({_id: `n${i % 500}`, _type: 'n', i, body})
        }
      }),
    )
  }, 300_000)

  it('streams a page at a time; without `limit`, its default', async () => {
    // Read a chunk at a time; after each, what the lake holds of the answer not yet sent (its
    // pages are counted until the client's socket takes them).
    const res = await fetch(`${lake.url}/v2025-02-19/data/history/big/transactions?limit=${BIG}`, {
      headers: {authorization: `Bearer ${lake.token}`},
    })
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    let mostHeld = 0
    for (;;) {
      const {done, value} = await reader.read()
      if (done) break
      text += decoder.decode(value, {stream: true})
      mostHeld = Math.max(mostHeld, lake.server.lake.context.answers.held)
    }
    const sent = text.split('\n').filter(Boolean)
    expect(sent).toHaveLength(BIG)
    expect(sent.every((line) => (JSON.parse(line) as Line).mutations?.length === 1)).toBe(true)
    // About 5 MB sent, never more than two pages of it (256 Ki characters each) held at once:
    // the page the socket has not taken and the one read next. Built whole, all of it was.
    expect(text.length).toBeGreaterThan(4 * 2 ** 20)
    expect(mostHeld).toBeLessThan(2 ** 20)
    // Without `limit`, the default: the first thousand.
    expect(await lines('big')).toHaveLength(1_000)
    // Nothing of them is held once they were read.
    await expect.poll(() => lake.server.lake.context.answers.held).toBe(0)
  }, 120_000)
})
