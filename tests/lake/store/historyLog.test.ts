// The log's paged text export and the Events API's pages give what decoding the whole log gives:
// the transactions export passes stored JSON on as it is, and the Events API reads what each
// change did from the log's indexes, newest first, instead of its mendoza effects.
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterAll, beforeAll, expect, test} from 'vitest'
import {createSqliteStore} from '../../../lake/store/sqliteStore.ts'
import {getPublishedId} from '../../../lake/core/ids.ts'
import {documentEvents, documentEventsPage} from '../../../lake/core/historyEvents.ts'
import type {Store, TransactionQuery} from '../../../lake/core/store.ts'
import {createTestLake, type InProcessLake} from '../../helpers/lake.ts'

let lake: InProcessLake
let store: Store

const mutate = async (...mutations: object[]) => {
  const res = await lake.fetch(`${lake.url}/v2025-02-19/data/mutate/test`, {
    method: 'POST',
    headers: {Authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'},
    body: JSON.stringify({mutations}),
  })
  expect(res.status, await res.text()).toBe(200)
}

beforeAll(async () => {
  lake = await createTestLake()
  const big = (n: number) => `${n}`.padEnd(5_000, 'ক')
  await mutate({create: {_id: 'a', _type: 'article', title: 'এক'}})
  for (let i = 0; i < 70; i++) await mutate({patch: {id: 'a', set: {n: i, body: big(i)}}})
  await mutate({createOrReplace: {_id: 'a', _type: 'article', title: 'দুই'}})
  await mutate({createOrReplace: {_id: 'a', _type: 'article', title: 'তিন', body: big(1)}})
  await mutate({delete: {id: 'a'}})
  await mutate({createIfNotExists: {_id: 'a', _type: 'article', title: 'চার'}})
  await mutate({create: {_id: 'drafts.b', _type: 'article', title: 'খসড়া'}})
  await mutate({patch: {id: 'drafts.b', set: {title: 'খসড়া ২'}}})
  await mutate({delete: {id: 'drafts.b'}}, {create: {_id: 'b', _type: 'article', title: 'খসড়া ২'}})
  await mutate({create: {_id: 'versions.r1.b', _type: 'article', title: 'r1'}})
  await mutate(
    {delete: {id: 'versions.r1.b'}},
    {createOrReplace: {_id: 'b', _type: 'article', title: 'r1'}},
    {patch: {id: 'a', set: {x: {create: null}}}},
    {create: {_id: 'c', _type: 'article'}},
  )
  await mutate({delete: {id: 'b'}})
  // A reader of its own on the dataset's file, as the lake's query threads are.
  store = createSqliteStore(join(lake.dataDir, 'datasets', 'test.sqlite'), 'test')
})

afterAll(async () => {
  store?.close()
  await lake?.close()
})

const IDS = [['a'], ['b', 'drafts.b'], ['b', 'drafts.b', 'versions.r1.b'], ['a', 'b']]

test.each(['a', 'b', 'drafts.b', 'versions.r1.b'])(
  'the events of %s, read newest first from the indexes, are those of the decoded log',
  (id) => {
    const group = [getPublishedId(id), `drafts.${getPublishedId(id)}`, 'versions.r1.b']
    const whole = documentEvents(id, store.getTransactions({ids: group}))
    expect(whole.length).toBeGreaterThan(0)
    for (const limit of [1, 2, 100]) {
      const read = []
      let cursor: string | undefined
      do {
        const page = documentEventsPage(id, store, limit, cursor)
        read.push(...page.events)
        cursor = page.nextCursor || undefined
      } while (cursor)
      expect(read, `${limit}`).toEqual(whole.map(({event}) => event))
    }
  },
)

test("a document's first snapshot is half as far from its creation as the next ones", () => {
  const db = new DatabaseSync(join(lake.dataDir, 'datasets', 'test.sqlite'), {readOnly: true})
  const changes = db
    .prepare(
      "SELECT snapshot IS NOT NULL AS snapshot FROM changes WHERE doc_id = 'a' ORDER BY tx_seq",
    )
    .all()
    .map((row) => row.snapshot === 1)
  db.close()
  // Created, then 70 edits: the revisions before the first snapshot are rebuilt backwards from it.
  expect(changes.length).toBeGreaterThan(70)
  expect(changes.slice(0, 71).flatMap((snapshot, i) => (snapshot ? [i + 1] : []))).toEqual([32])
})

test.each(IDS)('pages of the log of %s, read in any bounds, are the decoded log', (...ids) => {
  const all = store.getTransactions({ids})
  const queries: TransactionQuery[] = [
    {ids},
    {ids, reverse: true},
    {ids, fromTransaction: all[1].id, toTransaction: all.at(-2)!.id},
    {ids, reverse: true, toTransaction: all.at(-2)!.id},
  ]
  for (const query of queries) {
    for (const budget of [
      {transactions: 3, bytes: 1},
      {transactions: 100, bytes: 1 << 20},
    ]) {
      const known = new Map()
      const read = []
      let after: number | null = null
      for (;;) {
        const page = store.transactionPage(
          query,
          after,
          {mutations: true, effects: true},
          budget,
          known,
        )
        read.push(...page.transactions)
        if (page.next === null) break
        after = page.next
      }
      const parsed = read.map((tx) => ({
        ...tx,
        changes: tx.changes.map((change) => ({
          id: change.id,
          mutations: JSON.parse(change.mutations!),
          effects: JSON.parse(change.effects!),
        })),
      }))
      expect(parsed, JSON.stringify({query, budget})).toEqual(store.getTransactions(query))
    }
  }
})
