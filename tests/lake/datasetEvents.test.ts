// The Events API through the dataset service (lake/dataset.ts): paging through a document's events
// decodes its log once, not once per page, a page after a new transaction sees it, and what is kept
// for the next pages is bounded.
import {expect, test} from 'vitest'
import {createDatasetService, type DatasetServiceOptions} from '../../lake/dataset.ts'
import type {Store, TransactionQuery} from '../../lake/core/store.ts'
import type {SanityDocument} from '../../lake/core/types.ts'
import {createEventBus} from '../../lake/events/bus.ts'
import {createListenerRegistry} from '../../lake/listen/stream.ts'
import type {QueryPool} from '../../lake/query/pool.ts'
import {createSqliteStore} from '../../lake/store/sqliteStore.ts'

const unused = (): never => {
  throw new Error('not used by the Events API')
}

/** A store in memory, counting the transactions its log readers read (decoded or outlined). */
function countingStore(): {store: Store; decoded: () => number} {
  const store = createSqliteStore(':memory:', 'test')
  let decoded = 0
  const counting = Object.assign(Object.create(store) as Store, {
    getTransactions(query: TransactionQuery) {
      const read = store.getTransactions(query)
      decoded += read.length
      return read
    },
    transactionOutlines(ids: readonly string[]) {
      const read = store.transactionOutlines(ids)
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

/** The dataset service over `store`, with only what the Events API uses. */
function eventsService(store: Store, recentEvents?: DatasetServiceOptions['recentEvents']) {
  return createDatasetService({
    dataDir: '',
    store,
    queries: {run: unused, build: unused, filter: unused, close: unused} as QueryPool,
    bus: createEventBus(),
    listeners: createListenerRegistry(),
    now: () => new Date('2026-01-02T00:00:00Z'),
    config: {projectId: 'test'},
    errorBody: (err) => err,
    ...(recentEvents ? {recentEvents} : {}),
  })
}

/** `rounds` publishes of `id`: each writes its draft, then publishes it (two transactions). */
async function publishes(store: Store, id: string, rounds: number) {
  for (let round = 0; round < rounds; round++) {
    await commit(store, {[`drafts.${id}`]: article(`drafts.${id}`, `draft ${round}`)})
    await commit(store, {[`drafts.${id}`]: null, [id]: article(id, `published ${round}`)})
  }
}

/** Pages through the events of `id`, two a page; their types. */
function pageThrough(service: ReturnType<typeof eventsService>, id: string): string[] {
  const types: string[] = []
  let cursor: string | undefined
  do {
    const page = service.documentEvents(id, {limit: 2, cursor})
    types.push(...page.events.map((event) => event.type))
    cursor = page.nextCursor || undefined
  } while (cursor)
  return types
}

test("paging through a document's events decodes its log once; a new transaction is seen", async () => {
  const {store, decoded} = countingStore()
  const service = eventsService(store)
  await publishes(store, 'a', 10)
  const logSize = 20

  const before = decoded()
  expect(pageThrough(service, 'a')).toEqual(Array(10).fill('publishDocumentVersion'))
  // Five pages: the log once; whether the document changed is asked without decoding anything.
  expect(decoded() - before).toBe(logSize)

  await commit(store, {'drafts.a': null, a: null})
  const first = service.documentEvents('a', {limit: 2})
  expect(first.events.map((event) => event.type)).toEqual([
    'deleteDocumentGroup',
    'publishDocumentVersion',
  ])
  expect(decoded() - before).toBe(logSize + logSize + 1)
})

test('what is kept for the next pages is bounded in documents and in events', async () => {
  const {store, decoded} = countingStore()
  // Room for 15 events: one document of 10 at a time.
  const service = eventsService(store, {documents: 32, events: 15})
  await publishes(store, 'a', 10)
  await publishes(store, 'b', 10)
  await publishes(store, 'c', 4)

  let before = decoded()
  pageThrough(service, 'a')
  expect(decoded() - before).toBe(20)
  // b's 10 events push a's out: a's next pages decode its log again, once.
  pageThrough(service, 'b')
  before = decoded()
  pageThrough(service, 'a')
  expect(decoded() - before).toBe(20)
  // c's 4 events fit beside a's 10: both stay.
  pageThrough(service, 'c')
  before = decoded()
  pageThrough(service, 'a')
  pageThrough(service, 'c')
  expect(decoded() - before).toBe(0)

  // A document with more events than the whole room is decoded for each of its pages.
  const small = eventsService(store, {documents: 32, events: 8})
  before = decoded()
  expect(pageThrough(small, 'a')).toHaveLength(10)
  expect(decoded() - before).toBe(5 * 20)

  // At most `documents` documents: with room for one, paging c drops a.
  const one = eventsService(store, {documents: 1, events: 1000})
  pageThrough(one, 'a')
  pageThrough(one, 'c')
  before = decoded()
  pageThrough(one, 'a')
  expect(decoded() - before).toBe(20)
})
