// The Events API through the dataset service (lake/dataset.ts): a page is read off the log newest
// first, a few transactions at a time, so the first page of a document with a long history reads
// as much of the log as one with a short history, and every page equals the whole log's reading.
import {expect, test} from 'vitest'
import {createDatasetService} from '../../lake/dataset.ts'
import {documentEvents} from '../../lake/core/historyEvents.ts'
import type {Principal} from '../../lake/core/grants.ts'
import type {Store} from '../../lake/core/store.ts'
import type {SanityDocument} from '../../lake/core/types.ts'
import {createEventBus} from '../../lake/events/bus.ts'
import {createListenerRegistry} from '../../lake/listen/stream.ts'
import type {QueryPool} from '../../lake/query/pool.ts'
import {createSqliteStore} from '../../lake/store/sqliteStore.ts'

const EDITOR: Principal = {id: 'editor', kind: 'token', role: 'editor'}

const unused = (): never => {
  throw new Error('not used by the Events API')
}

/** A store in memory, counting the transactions its log readers give (decoded or outlined). */
function countingStore(): {store: Store; read: () => number} {
  const store = createSqliteStore(':memory:', 'test')
  let read = 0
  const counted =
    (name: string) =>
    (...args: unknown[]) => {
      const out = (store as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args)
      read += Array.isArray(out) ? out.length : 0
      return out
    }
  const counting = Object.assign(Object.create(store) as Store, {
    getTransactions: counted('getTransactions'),
    // The whole log's outline (what the Events API read before it paged in SQL), and its pages.
    transactionOutlines: counted('transactionOutlines'),
    groupTransactions: counted('groupTransactions'),
  })
  return {store: counting, read: () => read}
}

let seq = 0
/** Commits `after` (null: a deletion) for each id, as one transaction by `identity`. */
async function commit(
  store: Store,
  states: Record<string, SanityDocument | null>,
  identity = 'editor',
) {
  const id = `t${++seq}`
  const found = store.getDocuments(Object.keys(states)).filter((doc) => doc !== null)
  const before = new Map(found.map((doc) => [doc._id, doc]))
  await store.transact((writer) =>
    writer.commit({
      id,
      dataset: 'test',
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      identity,
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
function eventsService(store: Store) {
  return createDatasetService({
    dataDir: '',
    store,
    queries: {
      run: unused,
      build: unused,
      read: unused,
      documents: unused,
      history: unused,
      filter: unused,
      filterTasks: unused,
      start: unused,
      close: unused,
    } as QueryPool,
    bus: createEventBus(),
    listeners: createListenerRegistry(),
    now: () => new Date('2026-01-02T00:00:00Z'),
    config: {projectId: 'test'},
    errorBody: (err) => err,
  })
}

/** `rounds` publishes of `id`: each writes its draft (`edits` times), then publishes it. */
async function publishes(store: Store, id: string, rounds: number, edits = 1) {
  for (let round = 0; round < rounds; round++) {
    for (let edit = 0; edit < edits; edit++) {
      const who = edit % 2 ? 'ana' : 'bo'
      await commit(store, {[`drafts.${id}`]: article(`drafts.${id}`, `${round}.${edit}`)}, who)
    }
    await commit(store, {[`drafts.${id}`]: null, [id]: article(id, `published ${round}`)})
  }
}

/** Pages through the events of `id`, `limit` a page. */
function pageThrough(service: ReturnType<typeof eventsService>, id: string, limit: number) {
  const events = []
  let cursor: string | undefined
  do {
    const page = service.documentEvents(EDITOR, id, {limit, cursor})
    expect(page.events.length).toBeLessThanOrEqual(limit)
    events.push(...page.events)
    cursor = page.nextCursor || undefined
  } while (cursor)
  return events
}

test('the first page of a long history reads as much of the log as that of a short one', async () => {
  const {store, read} = countingStore()
  const service = eventsService(store)
  await publishes(store, 'short', 3, 5)
  await publishes(store, 'long', 300, 5)
  // A draft edited 2,000 times since it was created: one event in its own view.
  await commit(store, {'drafts.edited': article('drafts.edited', '0')})
  for (let i = 1; i < 2_000; i++) {
    await commit(store, {'drafts.edited': article('drafts.edited', `${i}`)})
  }

  const firstPage = (id: string) => {
    const before = read()
    const page = service.documentEvents(EDITOR, id, {limit: 10})
    return {events: page.events.length, read: read() - before}
  }
  for (const view of ['', 'drafts.']) {
    const short = firstPage(`${view}short`)
    const long = firstPage(`${view}long`)
    expect(long.events).toBe(10)
    expect(long.read, view).toBeLessThanOrEqual(Math.max(short.read, 2 * 11))
  }
  expect(service.documentEvents(EDITOR, 'drafts.edited', {limit: 10}).events).toHaveLength(1)
  const before = read()
  service.documentEvents(EDITOR, 'drafts.edited', {limit: 10})
  expect(read() - before).toBeLessThanOrEqual(2)
})

test('pages of every view equal the whole log read at once', async () => {
  const store = createSqliteStore(':memory:', 'test')
  const service = eventsService(store)
  const version = 'versions.rSpring.g'
  await publishes(store, 'g', 3, 3)
  // An unpublish that keeps the draft, a live edit, a release version published, the group deleted.
  await commit(store, {'drafts.g': article('drafts.g', 'again')}, 'ana')
  await commit(store, {g: null})
  await commit(store, {g: article('g', 'live')}, 'cy')
  await commit(store, {g: article('g', 'live 2')}, 'cy')
  await commit(store, {[version]: article(version, 'spring')}, 'bo')
  await commit(store, {[version]: article(version, 'spring 2')}, 'ana')
  await commit(store, {[version]: null, g: article('g', 'spring')})
  await commit(store, {'drafts.g': null, g: null})
  await commit(store, {'drafts.g': article('drafts.g', 'after')})
  await commit(store, {g: null, 'drafts.g': article('drafts.g', 'unpublished')})

  const log = store.getTransactions({ids: ['g', 'drafts.g', version]})
  for (const id of ['g', 'drafts.g', version]) {
    const whole = documentEvents(id, log).map(({event}) => event)
    expect(whole.length, id).toBeGreaterThan(1)
    for (const limit of [1, 2, 3, 100]) {
      expect(pageThrough(service, id, limit), `${id} ${limit}`).toEqual(whole)
    }
  }
  store.close()
})

test("a publish's contributors: the draft's creator and the authors of its newest 1,000 changes", async () => {
  const store = createSqliteStore(':memory:', 'test')
  await commit(store, {'drafts.a': article('drafts.a', '0')}, 'cy')
  await commit(store, {'drafts.a': article('drafts.a', '1')}, 'dee')
  for (let i = 0; i < 1_000; i++) {
    await commit(store, {'drafts.a': article('drafts.a', `${i}`)}, i % 2 ? 'ana' : 'bo')
  }
  await commit(store, {'drafts.a': null, a: article('a', 'published')})
  const [publish] = eventsService(store).documentEvents(EDITOR, 'drafts.a', {limit: 1}).events
  // dee's one edit is older than the newest 1,000: a long draft is not walked whole.
  expect(publish).toMatchObject({type: 'publishDocumentVersion', contributors: ['cy', 'bo', 'ana']})
  store.close()
})

test('a cursor that is no transaction is refused', async () => {
  const store = createSqliteStore(':memory:', 'test')
  await publishes(store, 'a', 2)
  expect(() =>
    eventsService(store).documentEvents(EDITOR, 'a', {limit: 1, cursor: 'nope'}),
  ).toThrow(/Unknown `nextCursor` "nope"/)
  store.close()
})
