/**
 * A large transaction (built as text, over 2 MiB) is committed on the commit thread, in a write
 * group of its own (docs/query-engine.md#writes-off-the-event-loop): the file must hold exactly
 * what the event loop's commit writes (documents, side rows, references, type counts, the log with
 * its snapshots, the full-text queue) and listeners must hear the same events, byte for byte.
 */
import {existsSync, fdatasync, readdirSync, readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {DatabaseSync} from 'node:sqlite'
import {afterEach, expect, test, vi} from 'vitest'
import {buildTransaction, commitBuilt, runTransaction} from '../../../lake/core/transaction.ts'
import type {CommittedTransaction} from '../../../lake/core/types.ts'
import {applyWrites, type Writes} from '../../../lake/core/writes.ts'
import {createEventBus} from '../../../lake/events/bus.ts'
import {eventLines} from '../../helpers/events.ts'
import {committedRows} from '../../helpers/store.ts'
import {createCommitThread, type CommitThread} from '../../../lake/store/commitThread.ts'
import {UnavailableError} from '../../../lake/core/errors.ts'
import {createSqliteStore} from '../../../lake/store/sqliteStore.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

/** About 2.6 MB of JSON: over the 2 MiB from which a commit goes to the thread. */
const article = (title: string, refs: string[] = []) => ({
  _id: 'drafts.big',
  _type: 'article',
  title,
  refs: refs.map((ref, i) => ({_key: `r${i}`, _type: 'reference', _ref: ref})),
  items: Array.from({length: 40_000}, (_, i) => ({
    _key: `k${i}`,
    t: `${i}-শিরোনাম`.padEnd(40, 'x'),
  })),
})

/** A store over a new file, its clock a second per transaction, the commit thread counted. */
async function lake(
  withThread: boolean,
  cacheBytes?: number,
  /** Sends each commit to the thread (`commit`) in its own way. */
  via?: (
    task: Parameters<CommitThread['commit']>[0],
    commit: CommitThread['commit'],
  ) => Promise<ArrayBuffer[]>,
  /** How the store syncs its write-ahead log (its fdatasync by default). */
  syncWal?: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void,
  /** The commit thread's task module (the lake's by default). */
  worker?: string,
) {
  const dir = await mkdtemp(join(tmpdir(), 'lake-commit-thread-'))
  const path = join(dir, 'test.sqlite')
  const thread = withThread ? createCommitThread(worker) : null
  const commits: string[] = []
  const committer: CommitThread | undefined = thread
    ? {
        commit: (task) => {
          commits.push(task.tx.id)
          return via ? via(task, (t) => thread.commit(t)) : thread.commit(task)
        },
        warm: () => thread.warm(),
        close: () => thread.close(),
      }
    : undefined
  const store = createSqliteStore(path, 'test', {committer, cacheBytes, syncWal})
  cleanup.push(() => rm(dir, {recursive: true, force: true}))
  cleanup.push(async () => {
    await thread?.close()
    store.close()
  })
  const published: CommittedTransaction[] = []
  const bus = createEventBus()
  bus.subscribe('test', (tx) => published.push(tx))
  let clock = Date.parse('2026-03-01T00:00:00.000Z')
  const options = {store, bus, identity: 'pEditor', now: () => new Date((clock += 1000))}
  /** In place, as a small write is. */
  const small = (id: string, writes: Writes) =>
    runTransaction({...options, transactionId: id}, (ws) => applyWrites(ws, writes))
  /** Built as a write thread builds it: as text, handed over as a structured clone. */
  const build = async (id: string, writes: Writes) =>
    structuredClone(
      await buildTransaction({...options, transactionId: id, serialise: true}, (ws) =>
        applyWrites(ws, writes),
      ),
    )
  const commit = (built: Awaited<ReturnType<typeof build>>) =>
    commitBuilt({...options, transactionId: built.id}, built)
  const large = async (id: string, writes: Writes) => commit(await build(id, writes))
  return {path, store, bus, published, commits, small, build, commit, large}
}

const mutations = (...list: Record<string, unknown>[]): Writes => ({
  kind: 'mutations',
  mutations: list,
})

/** The same writes, small and large: creates, replaces, patches (a snapshot due), a delete. */
async function history(target: Awaited<ReturnType<typeof lake>>) {
  await target.small(
    'seed',
    mutations(
      {create: {_id: 's1', _type: 'source', name: 'বার্তা'}},
      {create: {_id: 's2', _type: 'source'}},
    ),
  )
  await target.large('big1', mutations({createOrReplace: article('প্রথম', ['s1'])}))
  await target.large('big2', mutations({createOrReplace: article('দ্বিতীয়', ['s2'])}))
  // Large in its effects alone (what it reverts).
  await target.large('shrink', mutations({patch: {id: 'drafts.big', unset: ['items']}}))
  for (let i = 1; i <= 29; i++) {
    await target.small(`p${i}`, mutations({patch: {id: 'drafts.big', set: {title: `${i}`}}}))
  }
  // The 32nd change after the creation stores a snapshot (log.ts), of the large document.
  const {items} = article('')
  await target.large('grow', mutations({patch: {id: 'drafts.big', set: {items}}}))
  await target.small('small', mutations({patch: {id: 's1', set: {name: 'নতুন'}}}))
  await target.large('gone', mutations({delete: {id: 'drafts.big'}}))
}

test('a large transaction committed on the thread is stored and announced as on the event loop', async () => {
  const onLoop = await lake(false)
  const onThread = await lake(true)
  await history(onLoop)
  await history(onThread)
  // Every large one went to the thread; the small ones did not.
  expect(onThread.commits).toEqual(['big1', 'big2', 'shrink', 'grow', 'gone'])
  expect(onLoop.commits).toEqual([])
  expect(onThread.published.map((tx) => tx.id)).toEqual(onLoop.published.map((tx) => tx.id))
  // What listeners hear, byte for byte (the bytes lent to the thread are back in place).
  expect(onThread.published.flatMap(eventLines)).toEqual(onLoop.published.flatMap(eventLines))
  expect(JSON.stringify(onThread.published)).toBe(JSON.stringify(onLoop.published))
  for (const revision of ['big2', 'p10', 'grow']) {
    expect(onThread.store.documentAt('drafts.big', {revision})).toEqual(
      onLoop.store.documentAt('drafts.big', {revision}),
    )
  }
  // Both indexed what they queued (the queue is emptied between write groups, as time allows).
  for (const {store} of [onLoop, onThread]) {
    store.flushSearchIndex()
    store.close()
  }
  const expected = committedRows(onLoop.path)
  // A snapshot was written, and the references of both versions came and went.
  expect(expected.changes).toContain('"snapshot":"{')
  expect(committedRows(onThread.path)).toEqual(expected)
}, 300_000)

test('a large transaction between small ones commits alone, in order, and each is answered', async () => {
  const {store, small, build, commit, commits} = await lake(true)
  await small('seed', mutations({create: {_id: 's1', _type: 'source'}}))
  const built = await build('big', mutations({createOrReplace: article('মাঝে')}))
  // Queued together: the first one's group ends before the large one, the last waits for it.
  const outcomes = await Promise.all([
    small('before', mutations({create: {_id: 'a', _type: 'article'}})),
    commit(built),
    small('after', mutations({patch: {id: 'drafts.big', set: {title: 'পরে'}}})),
  ])
  expect(outcomes.map((outcome) => outcome.committed)).toEqual([true, true, true])
  expect(commits).toEqual(['big'])
  const log = store.getTransactions({ids: ['a', 'drafts.big']}).map((tx) => tx.id)
  expect(log).toEqual(['before', 'big', 'after'])
  expect(store.committed().getDocuments(['drafts.big'])[0]).toMatchObject({title: 'পরে'})
})

test('a commit the thread cannot make writes nothing, fails as SQLite does, and the next one commits', async () => {
  const {path, store, small, build, commit, large, published} = await lake(true)
  await small('seed', mutations({create: {_id: 's1', _type: 'source'}}))
  // Another process holds the write lock past the thread's busy timeout (5 s).
  const other = new DatabaseSync(path)
  other.exec('BEGIN IMMEDIATE')
  const built = await build('big', mutations({createOrReplace: article('ব্যস্ত')}))
  // Meanwhile the event loop is free: it waits for events (idle) while the thread waits for the
  // lock. Held by that wait (SQLite's busy handler sleeps, so its CPU would tell nothing), it would
  // be busy throughout, the whole 5 s. A share of the loop's own time, not of the clock's: a
  // loaded machine that runs the process less leaves it as it is.
  const before = performance.eventLoopUtilization()
  const err = await commit(built).catch((e: unknown) => e)
  const {utilization} = performance.eventLoopUtilization(before)
  other.exec('ROLLBACK')
  other.close()
  expect(err).toMatchObject({code: 'ERR_SQLITE_ERROR', errcode: 5})
  expect(utilization).toBeLessThan(0.5)
  expect(store.getTransaction('big')).toBeNull()
  expect(store.committed().getDocuments(['drafts.big'])).toEqual([null])
  expect(published.map((tx) => tx.id)).toEqual(['seed'])
  await large('big', mutations({createOrReplace: article('আবার')}))
  expect(store.committed().getDocuments(['drafts.big'])[0]).toMatchObject({title: 'আবার'})
  expect(published.map((tx) => tx.id)).toEqual(['seed', 'big'])
}, 30_000)

test('a commit whose thread task fails (the thread gone, the task not sent) is a 503 to send again, nothing written, and the next one commits', async () => {
  // Piscina rejects a task whose thread exits, is killed or cannot take it (here: a value that
  // cannot cross to the thread). The thread wrote nothing, and the bytes it was lent may be gone
  // with it: the caller must send the write again, told so, not given a bare 500.
  let failedOnce = false
  const {store, small, large, published} = await lake(true, undefined, (task, commit) =>
    task.tx.id === 'big' && !failedOnce
      ? ((failedOnce = true), commit({...task, tx: {...task.tx, cannotCross: () => 0} as never}))
      : commit(task),
  )
  await small('seed', mutations({create: {_id: 's1', _type: 'source'}}))
  const err = await large('big', mutations({createOrReplace: article('প্রথম')})).catch((e) => e)
  expect(err).toBeInstanceOf(UnavailableError)
  expect((err as Error).message).toMatch(/commit thread.*nothing was written.*send it again/i)
  expect(store.getTransaction('big')).toBeNull()
  expect(store.committed().getDocuments(['drafts.big'])).toEqual([null])
  expect(published.map((tx) => tx.id)).toEqual(['seed'])
  await large('big', mutations({createOrReplace: article('আবার')}))
  expect(store.committed().getDocuments(['drafts.big'])[0]).toMatchObject({title: 'আবার'})
  await small('after', mutations({create: {_id: 's2', _type: 'source'}}))
  expect(published.map((tx) => tx.id)).toEqual(['seed', 'big', 'after'])
}, 60_000)

test('a commit thread that stops after its COMMIT: the write is answered once it is synced, and listeners hear it as from any commit', async () => {
  // The thread exits after its COMMIT, before its answer is posted (as a thread killed then
  // would), and the bytes lent to it go with it. The caller was told "was written, listeners
  // were not told" one fdatasync before the sync, and no listener heard of the write: the Studio
  // showed the document as it was before.
  const flags = await mkdtemp(join(tmpdir(), 'lake-commit-thread-exit-'))
  cleanup.push(() => rm(flags, {recursive: true, force: true}))
  vi.stubEnv('COMMIT_THREAD_EXIT_FLAG', join(flags, 'exited'))
  vi.stubEnv('COMMIT_THREAD_EXIT_AFTER', 'big2')
  cleanup.push(() => void vi.unstubAllEnvs())
  // Room in the committed view's parse cache for the large document.
  const room = JSON.stringify(article('প্রথম')).length + 100_000
  const order: string[] = []
  const stops = await lake(
    true,
    room,
    undefined,
    (fd, done) =>
      fdatasync(fd, (err) => {
        order.push('synced')
        done(err)
      }),
    new URL('./commitThreadExits.ts', import.meta.url).href,
  )
  const goesOn = await lake(true, room)
  const outcomes: Record<string, unknown>[] = []
  for (const target of [goesOn, stops]) {
    await target.small('seed', mutations({create: {_id: 's1', _type: 'source'}}))
    await target.large('big1', mutations({createOrReplace: article('প্রথম', ['s1'])}))
    order.length = 0
    const outcome = await target
      .large('big2', mutations({createOrReplace: article('দ্বিতীয়')}))
      .then(
        ({committed, transaction}) => ({committed, ids: transaction.changes.map((c) => c.id)}),
        (err: Error) => ({failed: err.message}),
      )
    order.push('answered')
    outcomes.push(outcome)
    // Its revision is the one the next write is checked against.
    await target.small(
      'after',
      mutations({patch: {id: 'drafts.big', ifRevisionID: 'big2', set: {title: 'তৃতীয়'}}}),
    )
    // The next large write goes to a new thread.
    await target.large('big3', mutations({patch: {id: 'drafts.big', unset: ['refs']}}))
  }
  expect(existsSync(join(flags, 'exited')), 'the thread stopped after big2').toBe(true)
  expect(stops.commits).toEqual(['big1', 'big2', 'big3'])
  // Answered once its group is on disk, as every acknowledged write is.
  expect(order.slice(0, 2)).toEqual(['synced', 'answered'])
  expect(outcomes[1]).toEqual(outcomes[0])
  // What listeners hear, as from a commit whose thread went on (read back from the log, a
  // document's `previous` state lists `_rev` last).
  expect(stops.published.map((tx) => tx.id)).toEqual(['seed', 'big1', 'big2', 'after', 'big3'])
  const heard = (tx: CommittedTransaction) => eventLines(tx).map((line) => JSON.parse(line))
  expect(stops.published.flatMap(heard)).toEqual(goesOn.published.flatMap(heard))
  const scan = () => [...stops.store.committed().scan({types: ['article']})]
  expect(scan()[0]).toMatchObject({title: 'তৃতীয়'})
  const again = createSqliteStore(stops.path, 'test')
  cleanup.push(() => again.close())
  expect(again.getTransaction('big2')).not.toBeNull()
  expect(again.getDocuments(['drafts.big'])[0]).toMatchObject({title: 'তৃতীয়'})
}, 120_000)

test('a commit thread that stops after its COMMIT, its transaction not read back from the log: after the sync its listeners are told to start over and the write is answered as committed', async () => {
  // Not an event made of what the log does not hold. Until 2026-12-04 the listeners were told
  // nothing (the Studio showed the document as it was until reloaded) and the caller got a 500,
  // which the Studio retries (applied twice): now every listener of the dataset hears that it
  // missed a transaction (bus.unannounced) and starts over, and the write is answered.
  const flags = await mkdtemp(join(tmpdir(), 'lake-commit-thread-exit-'))
  cleanup.push(() => rm(flags, {recursive: true, force: true}))
  vi.stubEnv('COMMIT_THREAD_EXIT_FLAG', join(flags, 'exited'))
  vi.stubEnv('COMMIT_THREAD_EXIT_AFTER', 'big2')
  vi.stubEnv('COMMIT_THREAD_EXIT_DROPS_LOG', '1')
  cleanup.push(() => void vi.unstubAllEnvs())
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
  cleanup.push(() => logged.mockRestore())
  const order: string[] = []
  const {store, bus, small, large, published} = await lake(
    true,
    undefined,
    undefined,
    (fd, done) =>
      fdatasync(fd, (err) => {
        order.push('synced')
        done(err)
      }),
    new URL('./commitThreadExits.ts', import.meta.url).href,
  )
  bus.subscribe(
    'test',
    () => {},
    (reason) => order.push(`missed: ${reason}`),
  )
  await small('seed', mutations({create: {_id: 's1', _type: 'source'}}))
  await large('big1', mutations({createOrReplace: article('প্রথম')}))
  order.length = 0
  const outcome = await large('big2', mutations({createOrReplace: article('দ্বিতীয়')}))
  order.push('answered')
  expect(existsSync(join(flags, 'exited')), 'the thread stopped after big2').toBe(true)
  // Its changes are not known: the answer reads its documents from the store.
  expect(outcome).toMatchObject({committed: true, unannounced: true, transaction: {id: 'big2'}})
  expect(outcome.transaction.changes).toEqual([])
  expect(outcome.result.map(({id}) => id)).toEqual(['drafts.big'])
  expect(order).toEqual([
    'synced',
    expect.stringMatching(/^missed: .*"big2".*could not be read back/),
    'answered',
  ])
  expect(published.map((tx) => tx.id)).toEqual(['seed', 'big1'])
  expect(store.getTransaction('big2')).not.toBeNull()
  await small('after', mutations({patch: {id: 'drafts.big', set: {title: 'তৃতীয়'}}}))
  expect(published.map((tx) => tx.id)).toEqual(['seed', 'big1', 'after'])
}, 120_000)

test('a store closed while the thread commits answers the commit once it is synced, and keeps it', async () => {
  const first = await lake(true)
  await first.small('seed', mutations({create: {_id: 's1', _type: 'source'}}))
  const built = await first.build('big', mutations({createOrReplace: article('বন্ধের সময়')}))
  const committing = first.commit(built)
  // The commit is on the thread (its job runs at once): the store closes meanwhile.
  await new Promise((resolve) => setImmediate(resolve))
  first.store.close()
  expect((await committing).committed).toBe(true)
  expect(first.published.map((tx) => tx.id)).toEqual(['seed', 'big'])
  const again = createSqliteStore(first.path, 'test')
  cleanup.push(() => again.close())
  expect(again.getDocuments(['drafts.big'])[0]).toMatchObject({title: 'বন্ধের সময়'})
}, 60_000)

test("the committed view's parse cache lets go of what the thread's commit changed", async () => {
  // Room for the large document and not much more.
  const room = JSON.stringify(article('পুরনো')).length + 100_000
  const {store, small, large, commits} = await lake(true, room)
  await large('big', mutations({createOrReplace: article('পুরনো')}))
  const scan = () => [...store.committed().scan({types: ['article']})]
  expect(scan().map((doc) => doc._id)).toEqual(['drafts.big'])
  await large('gone', mutations({delete: {id: 'drafts.big'}}))
  expect(commits).toEqual(['big', 'gone'])
  await small('a', mutations({create: {_id: 'a', _type: 'article', body: 'খ'.repeat(500_000)}}))
  // Cached once read: the deleted document's copy no longer takes the room.
  const [first] = scan()
  const [second] = scan()
  expect(first._id).toBe('a')
  expect(second).toBe(first)
}, 60_000)

test('the commit thread is started while a large write is built, and stays between an editor’s commits', async () => {
  // Started in the commit, its start (Node's, about 100 ms of a core; 0.7-1 s at load 20) held
  // the commit; ended 2 s after it, an editor typing in a 20 MB article paid it at each pause.
  // Node names a worker's OS thread "WorkerThread" (libuv's and V8's threads come and go too).
  // By their ids, not a count: the test process's other worker threads (an earlier file's, in
  // the same process) may end meanwhile.
  const threads = () =>
    readdirSync('/proc/self/task').filter(
      (task) => readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === 'WorkerThread',
    )
  const started = (before: string[]) => threads().filter((task) => !before.includes(task))
  const {store, large, commits} = await lake(true)
  const none = threads()
  await large('seed', mutations({createOrReplace: article('প্রথম')}))
  const deadline = Date.now() + 70_000
  const running = started(none)
  expect(running).toHaveLength(1)
  await new Promise((resolve) => setTimeout(resolve, 5000))
  expect(threads(), 'the thread stays 5 s after a large commit').toEqual(
    expect.arrayContaining(running),
  )
  // A lake with no commit thread yet: a large write starts it while it is built.
  const again = await lake(true)
  const before = threads()
  again.store.largeWriteComing!()
  while (started(before).length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const warmed = started(before)
  expect(warmed).toHaveLength(1)
  await again.large('big', mutations({createOrReplace: article('আবার')}))
  expect(again.commits).toEqual(['big'])
  expect(started(before)).toEqual(warmed)
  expect(commits).toEqual(['seed'])
  expect(store.committed().getDocuments(['drafts.big'])[0]).toMatchObject({title: 'প্রথম'})
}, 120_000)
