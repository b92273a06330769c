/**
 * Behind a bulk load the search analyzer's thread analyses a batch below the event loop's
 * priority, lowering itself once the batch's read is done; a write group that waits for that
 * batch (a quiet checkpoint, the queue past its bound) and the lake's stop raise it back
 * (sqliteStore.ts hurryAnalysis). A raise that came while the batch was still being read was
 * undone by the thread lowering itself after it, and the group waited for a thread getting a tenth
 * of a core. The thread reads the hurry from the task's shared flag when it would lower itself.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {getPriority, tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, expect, test} from 'vitest'
import {runTransaction} from '../../../lake/core/transaction.ts'
import {applyWrites} from '../../../lake/core/writes.ts'
import {createEventBus} from '../../../lake/events/bus.ts'
import {mayRaiseTo, ownThreadId, setThreadNice} from '../../../lake/query/priority.ts'
import {
  createSearchAnalyzer,
  type SearchAnalyzerThread,
} from '../../../lake/store/searchAnalyzer.ts'
import {createSqliteStores} from '../../../lake/store/sqliteStore.ts'

let dir: string
let file: string
let analyzer: SearchAnalyzerThread

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-hurry-'))
  // A dataset file in this lake's format (its queue table).
  const stores = createSqliteStores(dir)
  const store = stores.get('test')
  const bus = createEventBus()
  await runTransaction({store, bus, identity: 'p', now: () => new Date()}, (ws) =>
    applyWrites(ws, {kind: 'mutations', mutations: [{create: {_id: 'a', _type: 't'}}]}),
  )
  stores.close()
  file = join(dir, 'datasets', 'test.sqlite')
  analyzer = createSearchAnalyzer()
})

afterAll(async () => {
  await analyzer.close()
  await rm(dir, {recursive: true, force: true})
})

test('a batch hurried before its read is done is analysed at the lake’s priority, not lowered', async () => {
  const target = {path: file, opening: 'test', after: '', limit: 16, source: 'queue' as const}
  const before = await analyzer.priority()
  // Only where the thread may take the lake's priority back does it lower itself at all.
  const lowers = before.lakeNice !== null && mayRaiseTo(before.lakeNice)
  // Not hurried: lowered (the control).
  await analyzer.analyze({...target, demote: true, hurry: new SharedArrayBuffer(4)})
  const lowered = await analyzer.priority()
  expect(lowered.demotedBatches).toBe(before.demotedBatches + (lowers ? 1 : 0))
  // Hurried (the store's flag set) before the thread would lower itself: it does not.
  const hurry = new SharedArrayBuffer(4)
  Atomics.store(new Int32Array(hurry), 0, 1)
  await analyzer.analyze({...target, demote: true, hurry})
  const hurried = await analyzer.priority()
  expect(hurried.demotedBatches).toBe(lowered.demotedBatches)
  expect(hurried.nice).toBe(hurried.lakeNice)
})

test('a lowered batch’s thread waits for its next task at the lake’s priority, so that the write a group waits for does not start 10 nice steps down', async () => {
  // The write raised the thread itself, once it ran: woken at the lowered priority, on a loaded
  // machine the write group behind it waited for that thread to get a core (a tenth of one).
  const target = {path: file, opening: 'test', after: '', limit: 16, source: 'queue' as const}
  const before = await analyzer.priority()
  const lowers = before.lakeNice !== null && mayRaiseTo(before.lakeNice)
  await analyzer.analyze({...target, demote: true, hurry: new SharedArrayBuffer(4)})
  const after = await analyzer.priority()
  expect(after.demotedBatches).toBe(before.demotedBatches + (lowers ? 1 : 0))
  expect(after.nice).toBe(after.lakeNice)
})

test('a lowered batch whose analysis throws leaves its thread at the lake’s priority', async () => {
  // The task module itself, on this thread: a task given in-process is not copied, so its
  // `hurry` can throw when read the second time, after the thread lowered itself (as a failure
  // in the analysis would). On a thread of its own the next task found it 10 nice steps down.
  const {default: run} = await import('../../../lake/store/searchAnalyzerWorker.ts')
  const tid = ownThreadId()
  const lakeNice = tid === null ? null : getPriority(tid)
  if (tid === null || lakeNice === null || !mayRaiseTo(lakeNice)) {
    // Without /proc or the right to come back, the thread is never lowered.
    expect(run({kind: 'priority'})).toMatchObject({demotedBatches: 0})
    return
  }
  let reads = 0
  const task = {
    kind: 'analyze' as const,
    path: file,
    opening: 'test',
    after: '',
    limit: 16,
    source: 'queue' as const,
    demote: true,
    get hurry(): SharedArrayBuffer {
      // Read twice by the first look (is it there, its flag), then again once lowered.
      if (++reads > 2) throw new Error('the analysis failed')
      return new SharedArrayBuffer(4)
    },
  }
  try {
    expect(() => run(task)).toThrow('the analysis failed')
    expect(run({kind: 'priority'})).toMatchObject({demotedBatches: 1})
    expect(getPriority(tid)).toBe(lakeNice)
  } finally {
    setThreadNice(tid, lakeNice)
    run({kind: 'close'})
  }
})
