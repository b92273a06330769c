// The Events API through the dataset service (lake/dataset.ts): paging through a document's events
// decodes its log once, not once per page, and a page after a new transaction sees it.
import {expect, test} from 'vitest'
import {createDatasetService} from '../../lake/dataset.ts'
import type {Store, TransactionQuery} from '../../lake/core/store.ts'
import type {SanityDocument} from '../../lake/core/types.ts'
import {createEventBus} from '../../lake/events/bus.ts'
import {createListenerRegistry} from '../../lake/listen/stream.ts'
import type {QueryPool} from '../../lake/query/pool.ts'
import {createSqliteStore} from '../../lake/store/sqliteStore.ts'

const unused = (): never => {
  throw new Error('not used by the Events API')
}

/** A store in memory, counting the transactions its log readers decode. */
function countingStore(): {store: Store; decoded: () => number} {
  const store = createSqliteStore(':memory:', 'test')
  let decoded = 0
  const counting = Object.assign(Object.create(store) as Store, {
    getTransactions(query: TransactionQuery) {
      const read = store.getTransactions(query)
      decoded += read.length
      return read
    },
  })
  return {store: counting, decoded: () => decoded}
}

let seq = 0
/** Commits `after` (null: a deletion) for each id, as one transaction. */
async function commit(store: Store, states: Record<string, SanityDocument | null>) {
  const id = `t${++seq}`
  const found = store.getDocuments(Object.keys(states)).filter((doc) => doc !== null)
  const before = new Map(found.map((doc) => [doc._id, doc]))
  await store.transact((writer) =>
    writer.commit({
      id,
      dataset: 'test',
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(),
      identity: 'editor',
      changes: Object.entries(states).map(([docId, after]) => ({
        id: docId,
        before: before.get(docId) ?? null,
        after: after && {...after, _rev: id},
        mutations: [],
        effects: {
          apply: after ? [0, after] : [0, null],
          revert: before.has(docId) ? [0, before.get(docId)] : [0, null],
        },
      })),
    }),
  )
  return id
}

const article = (id: string, title: string): SanityDocument =>
  ({_id: id, _type: 'article', title}) as SanityDocument

test("paging through a document's events decodes its log once; a new transaction is seen", async () => {
  const {store, decoded} = countingStore()
  const service = createDatasetService({
    dataDir: '',
    store,
    queries: {run: unused, filter: unused, close: unused} as QueryPool,
    bus: createEventBus(),
    listeners: createListenerRegistry(),
    now: () => new Date('2026-01-02T00:00:00Z'),
    config: {projectId: 'test'},
    errorBody: (err) => err,
  })
  // Ten publishes: each writes a draft, then publishes it (the draft deleted, the article written).
  for (let round = 0; round < 10; round++) {
    await commit(store, {'drafts.a': article('drafts.a', `draft ${round}`)})
    await commit(store, {'drafts.a': null, a: article('a', `published ${round}`)})
  }
  const logSize = 20

  const types: string[] = []
  let cursor: string | undefined
  const before = decoded()
  do {
    const page = service.documentEvents('a', {limit: 2, cursor})
    types.push(...page.events.map((event) => event.type))
    cursor = page.nextCursor || undefined
  } while (cursor)
  expect(types).toEqual(Array(10).fill('publishDocumentVersion'))
  // Five pages: the log once, and each page one transaction to see whether the document changed.
  expect(decoded() - before).toBe(logSize + 5)

  await commit(store, {'drafts.a': null, a: null})
  const first = service.documentEvents('a', {limit: 2})
  expect(first.events.map((event) => event.type)).toEqual([
    'deleteDocumentGroup',
    'publishDocumentVersion',
  ])
})
