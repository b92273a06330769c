/**
 * The WAL is cut back to the store's limit (journal_size_limit) when the log starts over, whichever
 * connection starts it: SQLite trims the file at the COMMIT of the connection that wrote the new
 * log's first frame, and only to that connection's own limit. A commit thread's connection without
 * one left a large log at its largest size until the idle checkpoint emptied it; so did the search
 * analyzer's thread, whose index rows are often the first write after a checkpoint.
 */
import {existsSync, statSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterEach, expect, test} from 'vitest'
import {buildTransaction, commitBuilt, runTransaction} from '../../../lake/core/transaction.ts'
import {applyWrites, type Writes} from '../../../lake/core/writes.ts'
import {createEventBus} from '../../../lake/events/bus.ts'
import {createCommitThread, type CommitThread} from '../../../lake/store/commitThread.ts'
import {
  createSearchAnalyzer,
  type AnalyzerTarget,
  type SearchAnalyzer,
} from '../../../lake/store/searchAnalyzer.ts'
import {createSqliteStore} from '../../../lake/store/sqliteStore.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

/** About 2.6 MB of JSON: over the 2 MiB from which a commit goes to the thread. */
const article = (_id: string) => ({
  _id,
  _type: 'article',
  items: Array.from({length: 40_000}, (_, i) => ({
    _key: `k${i}`,
    t: `${i}-শিরোনাম`.padEnd(40, 'x'),
  })),
})

const PAGE = 16384
const KEEP = 256 << 10

test('a WAL the commit thread starts over is cut back to the store limit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lake-wal-limit-'))
  const path = join(dir, 'test.sqlite')
  const thread = createCommitThread()
  let onThread = 0
  const committer: CommitThread = {
    commit: (task) => (onThread++, thread.commit(task)),
    warm: () => thread.warm(),
    close: () => thread.close(),
  }
  // Nothing but the thread writes: no index rows from the event loop, no idle checkpoint.
  const store = createSqliteStore(path, 'test', {
    committer,
    walKeepBytes: KEEP,
    searchIndex: false,
    idleCheckpointMs: 600_000,
  })
  const other = new DatabaseSync(path)
  cleanup.push(() => rm(dir, {recursive: true, force: true}))
  cleanup.push(async () => {
    other.close()
    await thread.close()
    store.close()
  })
  let clock = Date.parse('2026-03-01T00:00:00.000Z')
  const options = {
    store,
    bus: createEventBus(),
    identity: 'pEditor',
    now: () => new Date((clock += 1000)),
  }
  const large = async (id: string, writes: Writes) => {
    const built = structuredClone(
      await buildTransaction({...options, transactionId: id, serialise: true}, (ws) =>
        applyWrites(ws, writes),
      ),
    )
    return commitBuilt({...options, transactionId: id}, built)
  }
  const checkpoint = () =>
    other.prepare('PRAGMA wal_checkpoint(PASSIVE)').get() as {log: number; checkpointed: number}
  const wal = () => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0)

  const mutations = ['a1', 'a2', 'a3', 'a4'].map((id) => ({createOrReplace: article(id)}))
  await large('big', {kind: 'mutations', mutations})
  const grown = wal()
  expect(grown).toBeGreaterThan(8 * KEEP)
  // Every frame copied into the file: the next writer starts the log over.
  const copied = checkpoint()
  expect(copied.checkpointed).toBe(copied.log)
  // Large in its effects alone (what it reverts): a few frames of its own.
  await large('shrink', {kind: 'mutations', mutations: [{patch: {id: 'a1', unset: ['items']}}]})
  expect(onThread).toBe(2)
  const {log} = checkpoint()
  const written = 32 + log * (PAGE + 24)
  expect(written).toBeLessThan(grown / 2)
  expect(wal()).toBeLessThanOrEqual(Math.max(KEEP, written))
}, 120_000)

test("a WAL the search analyzer's thread starts over is cut back to the store limit", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lake-wal-limit-'))
  const path = join(dir, 'test.sqlite')
  cleanup.push(() => rm(dir, {recursive: true, force: true}))
  // Articles for the index, written by a store that analyses nothing itself before it closes.
  const store = createSqliteStore(path, 'test', {walKeepBytes: KEEP, idleCheckpointMs: 600_000})
  await runTransaction(
    {store, bus: createEventBus(), identity: 'pEditor', now: () => new Date()},
    (ws) =>
      applyWrites(ws, {
        kind: 'mutations',
        mutations: Array.from({length: 40}, (_, i) => ({
          create: {_id: `a${i}`, _type: 'article', title: `ঢাকায় বৈঠক ${i}`},
        })),
      }),
  )
  store.close()
  const other = new DatabaseSync(path)
  const analyzer = createSearchAnalyzer()
  cleanup.push(async () => {
    other.close()
    await analyzer.close()
  })
  other.exec('INSERT OR IGNORE INTO search_queue (id) SELECT id FROM documents')
  // A large log (another connection's write), every frame then copied into the file.
  other.exec(`CREATE TABLE scratch (b BLOB);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12)
    INSERT INTO scratch SELECT randomblob(1048576) FROM n`)
  const checkpoint = () =>
    other.prepare('PRAGMA wal_checkpoint(PASSIVE)').get() as {log: number; checkpointed: number}
  const wal = () => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0)
  const grown = wal()
  expect(grown).toBeGreaterThan(8 * KEEP)
  const copied = checkpoint()
  expect(copied.checkpointed).toBe(copied.log)
  // The analyzer's index rows are the first write of the log started over.
  const target = {path, opening: 'test', walKeepBytes: KEEP}
  expect(await analyzer.analyze({...target, after: '', limit: 64, source: 'queue'})).toMatchObject({
    read: 40,
  })
  expect(await analyzer.write(target)).toMatchObject({applied: 40})
  const {log} = checkpoint()
  const written = 32 + log * (PAGE + 24)
  expect(written).toBeLessThan(grown / 2)
  expect(wal()).toBeLessThanOrEqual(Math.max(KEEP, written))
}, 120_000)

test("the store gives the search analyzer's thread its limit with the index's writes", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lake-wal-limit-'))
  const path = join(dir, 'test.sqlite')
  const thread = createSearchAnalyzer()
  const targets: AnalyzerTarget[] = []
  const analyzer: SearchAnalyzer = Object.assign(Object.create(thread) as SearchAnalyzer, {
    write: (target: AnalyzerTarget) => (targets.push(target), thread.write(target)),
  })
  const store = createSqliteStore(path, 'test', {
    analyzer,
    walKeepBytes: KEEP,
    idleCheckpointMs: 600_000,
  })
  cleanup.push(() => rm(dir, {recursive: true, force: true}))
  cleanup.push(async () => {
    store.close()
    await thread.close()
  })
  await runTransaction(
    {store, bus: createEventBus(), identity: 'pEditor', now: () => new Date()},
    (ws) =>
      applyWrites(ws, {
        kind: 'mutations',
        mutations: [{create: {_id: 'a', _type: 'article', title: 'ঢাকায় বৈঠক'}}],
      }),
  )
  await expect.poll(() => targets.length, {timeout: 30_000}).toBeGreaterThan(0)
  expect(targets[0]).toMatchObject({path, walKeepBytes: KEEP})
}, 60_000)
