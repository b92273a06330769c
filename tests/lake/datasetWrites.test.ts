// Large writes through the dataset service (lake/dataset.ts): built off the event loop and
// committed if nothing they read changed. Editors writing the same large draft at once must all
// be applied, not built again on each other's commits until a 409 loses an edit. A bulk load's
// batches of small documents are built in place, in slices.
import {setTimeout as sleep} from 'node:timers/promises'
import {afterEach, expect, test} from 'vitest'
import {createDatasetService} from '../../lake/dataset.ts'
import type {Principal} from '../../lake/core/grants.ts'
import {buildTransaction} from '../../lake/core/transaction.ts'
import {applyWrites} from '../../lake/core/writes.ts'
import {createEventBus} from '../../lake/events/bus.ts'
import {createListenerRegistry} from '../../lake/listen/stream.ts'
import type {QueryPool, TaskOptions} from '../../lake/query/pool.ts'
import type {TransactionTask} from '../../lake/query/wire.ts'
import {createSqliteStore} from '../../lake/store/sqliteStore.ts'

const stores: ReturnType<typeof createSqliteStore>[] = []
afterEach(() => stores.splice(0).forEach((store) => store.close()))

const unused = (): never => {
  throw new Error('not used by writes')
}
const editor: Principal = {id: 'pEditor', kind: 'user', role: 'editor', name: 'সম্পাদক'}

/**
 * The service over a store in memory, its write thread played in process: each build reads the
 * store after `delayMs` (a large draft takes a while to read and patch), as a thread reads its
 * own connection.
 */
function service(delayMs: number) {
  const store = createSqliteStore(':memory:', 'test')
  stores.push(store)
  let builds = 0
  let running = 0
  let most = 0
  /** Whose turn each build on a write thread took (the pool's build). */
  const holders: (string | undefined)[] = []
  const build = async (task: TransactionTask, {holder}: TaskOptions = {}) => {
    holders.push(holder)
    builds++
    most = Math.max(most, ++running)
    try {
      await sleep(delayMs)
      const built = await buildTransaction({store, identity: task.identity}, (ws) =>
        applyWrites(ws, task.writes),
      )
      return {ok: true as const, built}
    } finally {
      running--
    }
  }
  const dataset = createDatasetService({
    dataDir: '',
    store,
    queries: {run: unused, build, filter: unused, close: unused} as unknown as QueryPool,
    bus: createEventBus(),
    listeners: createListenerRegistry(),
    now: () => new Date(),
    config: {projectId: 'test'},
    errorBody: (err) => err,
  })
  return {dataset, figures: () => ({builds, most}), holders}
}

/** A request past the in-place bound on its length alone, so it is built off the event loop. */
const LARGE = {length: 2 * 1024 * 1024, errorType: 'actionError' as const}

test("editors' large edits of one draft at once are all applied, each built once", async () => {
  const {dataset, figures} = service(20)
  await dataset.write(
    editor,
    {length: 100},
    {
      kind: 'mutations',
      mutations: [{create: {_id: 'drafts.story', _type: 'article', n: 0}}],
    },
  )
  const edit = (field: string) =>
    dataset.write(editor, LARGE, {
      kind: 'actions',
      actions: [
        {
          actionType: 'sanity.action.document.edit',
          draftId: 'drafts.story',
          publishedId: 'story',
          patch: {inc: {n: 1}, set: {[field]: true}},
        },
      ],
    })
  // Before: all four built from the same revision; each commit left the others stale, and the
  // last was built three times and refused with a 409 (revisionMismatchError).
  const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd'].map(edit))
  expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(4).fill('fulfilled'))
  expect(dataset.currentDocuments(['drafts.story'])[0]).toMatchObject({
    n: 4,
    a: true,
    b: true,
    c: true,
    d: true,
  })
  expect(figures()).toEqual({builds: 4, most: 1})
})

test('a large write of another draft is not held behind them', async () => {
  const {dataset, figures} = service(50)
  await dataset.write(
    editor,
    {length: 100},
    {
      kind: 'mutations',
      mutations: [
        {create: {_id: 'drafts.story', _type: 'article', n: 0}},
        {create: {_id: 'drafts.other', _type: 'article', n: 0}},
      ],
    },
  )
  const inc = (id: string) =>
    dataset.write(editor, LARGE, {kind: 'mutations', mutations: [{patch: {id, inc: {n: 1}}}]})
  await Promise.all([inc('drafts.story'), inc('drafts.story'), inc('drafts.other')])
  // The other draft's build ran beside the first of the story's, which waited for each other.
  expect(figures()).toEqual({builds: 3, most: 2})
  expect(dataset.currentDocuments(['drafts.story', 'drafts.other']).map((doc) => doc?.n)).toEqual([
    2, 1,
  ])
})

/** A bulk load's batch as the bench sends it: 1,000 articles of about 2 kB, over 1 MiB. */
function bulkBatch(from: number) {
  const mutations = Array.from({length: 1000}, (_, i) => ({
    createOrReplace: {
      _id: `article-${from + i}`,
      _type: 'article',
      title: `শিরোনাম ${from + i}`,
      source: {_type: 'reference', _ref: 'source-1'},
      body: [{_type: 'block', _key: 'p0', children: [{_type: 'span', text: 'খবর '.repeat(400)}]}],
    },
  }))
  return {mutations, length: JSON.stringify({mutations}).length}
}

test("a bulk load's batch is built in place, a slice at a time, not on a write thread", async () => {
  const {dataset, figures} = service(0)
  await dataset.write(
    editor,
    {length: 100},
    {kind: 'mutations', mutations: [{create: {_id: 'source-1', _type: 'source'}}]},
  )
  const {mutations, length} = bulkBatch(0)
  expect(length).toBeGreaterThan(1024 * 1024)
  // Turns of the event loop while the batch is built and committed.
  let turns = 0
  let writing = true
  const turn = () => {
    turns++
    if (writing) setImmediate(turn)
  }
  setImmediate(turn)
  const outcome = await dataset.write(editor, {length}, {kind: 'mutations', mutations})
  writing = false
  expect(outcome.result).toHaveLength(1000)
  expect(outcome.result[0]).toEqual({id: 'article-0', operation: 'create'})
  // Before, it was copied to a write thread, serialised there and handed back as bytes: more CPU
  // than building it (docs/query-engine.md#writes-off-the-event-loop).
  expect(figures().builds).toBe(0)
  // About 1.8 million characters of JSON, in slices of 256 k.
  expect(turns).toBeGreaterThanOrEqual(6)
  expect(dataset.currentDocuments(['article-0', 'article-999']).map((doc) => doc?._rev)).toEqual([
    outcome.transaction.id,
    outcome.transaction.id,
  ])
  // Replaced: the stored documents count as well as the new ones, still in place.
  const again = await dataset.write(editor, {length}, {kind: 'mutations', mutations})
  expect(again.result[999]).toEqual({id: 'article-999', operation: 'update'})
  expect(figures().builds).toBe(0)
})

test('a bulk request with a patch, or a document past 64 kB, is still built on a write thread', async () => {
  const {dataset, figures} = service(0)
  const {mutations, length} = bulkBatch(0)
  const large = {createOrReplace: {_id: 'large', _type: 'article', text: 'x'.repeat(70_000)}}
  await dataset.write(editor, {length}, {kind: 'mutations', mutations: [...mutations, large]})
  expect(figures().builds).toBe(1)
  const patched = {patch: {id: 'article-1', set: {title: 'নতুন'}}}
  await dataset.write(editor, {length}, {kind: 'mutations', mutations: [...mutations, patched]})
  expect(figures().builds).toBe(2)
  // A stored document past 64 kB that the request replaces counts too.
  const small = {createOrReplace: {_id: 'large', _type: 'article', text: 'x'}}
  await dataset.write(editor, {length}, {kind: 'mutations', mutations: [...mutations, small]})
  expect(figures().builds).toBe(3)
})

test("a build on a write thread takes its writer's turn there", async () => {
  const {dataset, holders} = service(0)
  await dataset.write(
    editor,
    {length: 100},
    {kind: 'mutations', mutations: [{create: {_id: 'drafts.long', _type: 'article', n: 0}}]},
  )
  await dataset.write(editor, LARGE, {
    kind: 'mutations',
    mutations: [{patch: {id: 'drafts.long', inc: {n: 1}}}],
  })
  // On main no caller reached the write threads, which served first come, first served.
  expect(holders).toEqual([editor.id])
})
