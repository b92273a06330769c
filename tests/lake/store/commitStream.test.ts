/**
 * A bulk load's batch is streamed to the commit thread (docs/query-engine.md#writes-off-the-event-loop):
 * at each pause of its build the slice's changes go to the thread, which writes their rows in one
 * SQL transaction left open while the event loop builds the next slice, and commits it at the
 * transaction's commit. The file must hold exactly what the event loop's own commit writes, the
 * listeners must hear the same events, and a batch refused or cut short leaves nothing behind.
 */
import {existsSync, statSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterEach, expect, test, vi} from 'vitest'
import {runTransaction} from '../../../lake/core/transaction.ts'
import type {CommittedTransaction} from '../../../lake/core/types.ts'
import {applyWrites, bulkPace, bulkWork, type Writes} from '../../../lake/core/writes.ts'
import {createEventBus} from '../../../lake/events/bus.ts'
import {UnavailableError} from '../../../lake/core/errors.ts'
import {
  createCommitThread,
  type CommitStreamTask,
  type CommitThread,
} from '../../../lake/store/commitThread.ts'
import {createSqliteStore} from '../../../lake/store/sqliteStore.ts'
import {eventLines} from '../../helpers/events.ts'
import {committedRows} from '../../helpers/store.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
  vi.unstubAllEnvs()
})

/**
 * A store over a new file, its clock a second per transaction, with the commit thread or without
 * (then every commit is the event loop's), the streamed commits' steps listed as sent.
 */
async function lake(withThread: boolean, worker?: string, shared?: CommitThread) {
  const dir = await mkdtemp(join(tmpdir(), 'lake-commit-stream-'))
  const path = join(dir, 'test.sqlite')
  // The lake has one commit thread for all its datasets (lake/index.ts).
  const thread = shared ?? (withThread ? createCommitThread(worker) : null)
  /** Each step as sent: its kind, and for rows how many changes and how many pauses came before. */
  const steps: string[] = []
  let pauses = 0
  /** Run at each pause of a bulk build, the slices before it streamed (the readers' test). */
  const hooks: {paused?: () => Promise<void>; step?: (task: CommitStreamTask) => void} = {}
  /** The thread's answer to the last step sent (each is sent once the one before is answered). */
  let sent: Promise<void> = Promise.resolve()
  const committer: CommitThread | undefined = thread
    ? {
        commit: (task) => thread.commit(task),
        stream: (id: string, task: CommitStreamTask) => {
          steps.push(
            task.kind === 'rows' ? `rows ${task.changes.length} after ${pauses}` : task.kind,
          )
          hooks.step?.(task)
          return (sent = thread.stream!(id, task))
        },
        warm: () => thread.warm(),
        close: () => thread.close(),
      }
    : undefined
  const store = createSqliteStore(path, 'test', {committer})
  cleanup.push(() => rm(dir, {recursive: true, force: true}))
  cleanup.push(async () => {
    if (!shared) await thread?.close()
    store.close()
  })
  const published: CommittedTransaction[] = []
  const bus = createEventBus()
  bus.subscribe('test', (tx) => published.push(tx))
  let clock = Date.parse('2026-03-01T00:00:00.000Z')
  const options = {store, bus, identity: 'pEditor', now: () => new Date((clock += 1000))}
  const small = (id: string, writes: Writes) =>
    runTransaction({...options, transactionId: id}, (ws) => applyWrites(ws, writes))
  /** As the dataset runs a bulk load's batch (lake/dataset.ts): streamed, flushed at each pause. */
  const bulk = (id: string, writes: Writes) => {
    const sizes = (ids: readonly string[]) => store.heads(ids).map((head) => head?.bytes ?? 0)
    const work = bulkWork(writes, sizes)
    if (!work) throw new Error('not a bulk request')
    return runTransaction({...options, transactionId: id, stream: true}, (ws) =>
      applyWrites(
        ws,
        writes,
        bulkPace(work, () => {
          ws.flush()
          pauses++
          return new Promise<void>((resolve) => setImmediate(resolve)).then(hooks.paused)
        }),
      ).finally(() => steps.push('built')),
    )
  }
  /**
   * Until the thread has answered every step the store handed it: the store sends the next in
   * microtasks after an answer, so a turn of the event loop that sent none leaves none queued.
   * (How far a thread gets while a batch is built is the machine's load, not the store's.)
   */
  const caughtUp = async () => {
    for (;;) {
      const last = sent
      await last.catch(() => undefined)
      await new Promise<void>((resolve) => setImmediate(resolve))
      if (sent === last) return
    }
  }
  /** Every row, once the full-text index has what was queued (emptied as time allows). */
  const rows = () => {
    store.flushSearchIndex()
    return committedRows(path)
  }
  return {path, store, published, steps, hooks, caughtUp, small, bulk, rows}
}

const mutations = (list: Record<string, unknown>[]): Writes => ({
  kind: 'mutations',
  mutations: list,
})

/** `n` articles of about 2 kB each (a slice of 64 kB is about 30 of them), referencing a source. */
const articles = (from: number, n: number, title = 'শিরোনাম') =>
  Array.from({length: n}, (_, i) => ({
    createOrReplace: {
      _id: `article-${from + i}`,
      _type: 'article',
      title: `${title} ${from + i}`,
      source: {_type: 'reference', _ref: 's1'},
      body: 'খবর সংবাদ '.repeat(100),
    },
  }))

/** Creates, replaces (some twice in a batch), deletes, and a batch of one slice only. */
async function history(target: Awaited<ReturnType<typeof lake>>) {
  await target.small('seed', mutations([{create: {_id: 's1', _type: 'source', name: 'বার্তা'}}]))
  await target.bulk('b1', mutations(articles(0, 300)))
  // b1b's build waits at its first pause for the thread b1 started to answer what it was sent:
  // how far the thread gets while a batch is built is the machine's load (a thread 500 ms late
  // with its begin's answer, as a descheduled one is, answered it only after the build).
  let waited = false
  target.hooks.paused = async () => {
    if (waited) return
    waited = true
    await target.caughtUp()
  }
  await target.bulk('b1b', mutations(articles(300, 300)))
  target.hooks.paused = undefined
  await target.bulk(
    'b2',
    mutations([
      ...articles(200, 200, 'আবার'),
      {delete: {id: 'article-5'}},
      {delete: {id: 'article-never'}},
      // Written again after its slice was handed over: the store writes the batch whole instead.
      ...articles(210, 1, 'তৃতীয়'),
    ]),
  )
  await target.bulk('b3', mutations(articles(1000, 5)))
  await target.small('after', mutations([{patch: {id: 'article-7', set: {title: 'নতুন'}}}]))
}

test("a bulk batch's rows are written on the commit thread while it is built, stored and announced as the event loop's commit", async () => {
  const streamed = await lake(true)
  const inPlace = await lake(false)
  await history(streamed)
  await history(inPlace)
  expect(streamed.rows()).toEqual(inPlace.rows())
  expect(streamed.published.map((tx) => tx.id)).toEqual(['seed', 'b1', 'b1b', 'b2', 'b3', 'after'])
  expect(streamed.published.map(eventLines)).toEqual(inPlace.published.map(eventLines))
  // Each streamed in slices sent at the pauses of its build; b1b's, the thread started by b1's,
  // while its build went on (b1's waited for the thread to start).
  const firstEnd = streamed.steps.indexOf('end')
  const b1b = streamed.steps.slice(firstEnd + 1, streamed.steps.indexOf('end', firstEnd + 1) + 1)
  expect(b1b[0]).toBe('begin')
  const rows = b1b.filter((step) => step.startsWith('rows'))
  expect(rows.length).toBeGreaterThan(5)
  expect(b1b.indexOf(rows[0])).toBeLessThan(b1b.indexOf('built'))
  expect(b1b.at(-1)).toBe('end')
  // b2 wrote a document again after its slice went: rolled back and written whole, as one.
  const b2 = streamed.steps.slice(firstEnd + 1 + b1b.length)
  expect(b2).toContain('abort')
  expect(streamed.store.getTransaction('b2')!.changes).toHaveLength(201)
  // A hang guard, as the cases below have: 25-35 s at load 24-32.
}, 60_000)

test('a batch refused in the middle of its build writes nothing, says what as without streaming, and the next one commits', async () => {
  const refusals = []
  for (const target of [await lake(true), await lake(false)]) {
    await target.small('seed', mutations([{create: {_id: 's1', _type: 'source'}}]))
    await target.bulk('b1', mutations(articles(0, 10)))
    const before = target.rows()
    // The 601st mutation changes a stored document's type: refused, after 600 were streamed.
    const bad = mutations([
      ...articles(100, 600),
      {createOrReplace: {_id: 'article-3', _type: 'headline'}},
      ...articles(700, 100),
    ])
    refusals.push(await target.bulk('bad', bad).catch((err: unknown) => err))
    // Refused at its end, after every slice was streamed: it deletes the source the stored
    // articles strongly reference.
    const dangling = mutations([...articles(100, 500), {delete: {id: 's1'}}])
    refusals.push(await target.bulk('dangling', dangling).catch((err: unknown) => err))
    expect(target.rows()).toEqual(before)
    expect(target.store.getTransaction('bad')).toBeNull()
    expect(target.store.getTransaction('dangling')).toBeNull()
    expect(target.published.map((tx) => tx.id)).toEqual(['seed', 'b1'])
    await target.bulk('good', mutations(articles(100, 300)))
    await target.small('small', mutations([{patch: {id: 'article-3', set: {title: 'ঠিক'}}}]))
    expect(target.published.map((tx) => tx.id)).toEqual(['seed', 'b1', 'good', 'small'])
    expect(target.store.committed().getDocuments(['article-399'])[0]).toMatchObject({
      title: 'শিরোনাম 399',
    })
  }
  const [badStreamed, danglingStreamed, badInPlace, danglingInPlace] = refusals
  expect(badStreamed).toMatchObject({name: 'MutationError'})
  expect(badStreamed).toEqual(badInPlace)
  expect(danglingStreamed).toEqual(danglingInPlace)
  expect(danglingStreamed).toMatchObject({name: 'ConflictError'})
  expect(JSON.stringify(danglingStreamed)).toMatch(/documentHasExistingReferencesError/)
}, 60_000)

test('a commit thread that stops in the middle of a streamed batch: a 503 to send it again, nothing written, and the next one commits', async () => {
  const flags = await mkdtemp(join(tmpdir(), 'lake-commit-stream-flags-'))
  cleanup.push(() => rm(flags, {recursive: true, force: true}))
  vi.stubEnv('COMMIT_THREAD_EXIT_FLAG', join(flags, 'exited'))
  vi.stubEnv('COMMIT_THREAD_EXIT_AT_ROWS', '3')
  const target = await lake(true, new URL('./commitThreadExits.ts', import.meta.url).href)
  await target.small('seed', mutations([{create: {_id: 's1', _type: 'source'}}]))
  const before = target.rows()
  const err = await target.bulk('cut', mutations(articles(0, 300))).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(UnavailableError)
  expect((err as Error).message).toMatch(/commit thread.*nothing was written.*send it again/i)
  expect(target.rows()).toEqual(before)
  await target.bulk('cut', mutations(articles(0, 300)))
  await target.small('after', mutations([{patch: {id: 'article-1', set: {title: 'পরে'}}}]))
  expect(target.published.map((tx) => tx.id)).toEqual(['seed', 'cut', 'after'])
  expect(target.store.committed().getDocuments(['article-299'])[0]).toMatchObject({
    title: 'শিরোনাম 299',
  })
}, 60_000)

test('a commit thread that stops right after a streamed COMMIT, before it answers: the batch is answered as stored once synced, and heard as the event loop would announce it', async () => {
  const flags = await mkdtemp(join(tmpdir(), 'lake-commit-stream-flags-'))
  cleanup.push(() => rm(flags, {recursive: true, force: true}))
  const exited = join(flags, 'exited')
  vi.stubEnv('COMMIT_THREAD_EXIT_FLAG', exited)
  vi.stubEnv('COMMIT_THREAD_EXIT_AT_END', '1')
  const streamed = await lake(true, new URL('./commitThreadExits.ts', import.meta.url).href)
  const inPlace = await lake(false)
  for (const target of [streamed, inPlace]) {
    await target.small('seed', mutations([{create: {_id: 's1', _type: 'source'}}]))
    // Not a 503: it is in the file, and sent again it would be applied twice.
    await target.bulk('cut', mutations(articles(0, 300)))
    await target.small('after', mutations([{patch: {id: 'article-1', set: {title: 'পরে'}}}]))
  }
  expect(existsSync(exited)).toBe(true)
  expect(streamed.steps).toContain('end')
  expect(streamed.rows()).toEqual(inPlace.rows())
  expect(streamed.published.map((tx) => tx.id)).toEqual(['seed', 'cut', 'after'])
  expect(streamed.published.map(eventLines)).toEqual(inPlace.published.map(eventLines))
}, 60_000)

test("two datasets' batches streamed at once through the lake's one commit thread: each file holds its own batch, both commit", async () => {
  const thread = createCommitThread()
  cleanup.push(() => thread.close())
  const one = await lake(true, undefined, thread)
  const other = await lake(true, undefined, thread)
  const alone = await lake(false)
  for (const target of [one, other, alone]) {
    await target.small('seed', mutations([{create: {_id: 's1', _type: 'source'}}]))
  }
  // Their slices interleave on the thread: each is built in pauses while the other streams.
  const outcomes = await Promise.allSettled([
    one.bulk('b1', mutations(articles(0, 300))),
    other.bulk('b1', mutations(articles(1000, 300, 'অন্য'))),
  ])
  expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok'))).toEqual([
    'ok',
    'ok',
  ])
  expect(one.steps.filter((step) => step.startsWith('rows')).length).toBeGreaterThan(5)
  expect(other.steps.filter((step) => step.startsWith('rows')).length).toBeGreaterThan(5)
  await alone.bulk('b1', mutations(articles(0, 300)))
  expect(one.rows()).toEqual(alone.rows())
  const titles = (target: typeof one) =>
    target.store
      .committed()
      .getDocuments(['article-0', 'article-299', 'article-1000', 'article-1299'])
      .map((doc) => doc?.title ?? null)
  expect(titles(other)).toEqual([null, null, 'অন্য 1000', 'অন্য 1299'])
  expect(other.store.getTransaction('b1')!.changes).toHaveLength(300)
  expect(one.published.map((tx) => tx.id)).toEqual(['seed', 'b1'])
  expect(other.published.map((tx) => tx.id)).toEqual(['seed', 'b1'])
}, 60_000)

test('readers never see part of a streamed batch: another connection and the committed view see none of it until its commit, then all', async () => {
  const target = await lake(true)
  await target.small('seed', mutations([{create: {_id: 's1', _type: 'source'}}]))
  // The thread started (its start held the first batch's rows until its build was done).
  await target.bulk('b0', mutations(articles(1000, 300)))
  const other = new DatabaseSync(target.path, {readOnly: true})
  cleanup.push(() => other.close())
  const seen: string[] = []
  const read = () => {
    const row = other
      .prepare(
        `SELECT (SELECT count(*) FROM documents WHERE id LIKE 'article-%') AS documents,
           (SELECT count(*) FROM changes) AS changes, (SELECT count(*) FROM transactions) AS txs`,
      )
      .get()!
    const view = target.store
      .committed()
      .getDocuments(['article-0', 'article-299'])
      .filter((doc) => doc !== null).length
    seen.push(`${row.documents} ${row.changes} ${row.txs} ${view}`)
  }
  // At each pause the thread has written the slices handed to it, its transaction open.
  target.hooks.paused = () => target.caughtUp().then(read)
  const from = target.steps.length
  await target.bulk('b1', mutations(articles(0, 300)))
  target.hooks.paused = undefined
  expect(seen.length).toBeGreaterThan(3)
  expect(new Set(seen)).toEqual(new Set(['300 301 2 0']))
  const steps = target.steps.slice(from)
  const streamed = steps.findIndex((step) => step.startsWith('rows'))
  expect(streamed).toBeGreaterThan(-1)
  expect(streamed).toBeLessThan(steps.indexOf('built'))
  read()
  expect(seen.at(-1)).toBe('600 601 3 2')
}, 60_000)

test("a streamed batch's pages stay in the commit thread's page cache until its COMMIT", async () => {
  // 560 documents of about 40 kB: some 22 MB of pages, more than the store's 16 MB page cache
  // (PAGE_CACHE_KIB), as a batch of 1,000 with ids as the Studio makes them dirties about 57 MB
  // of B-tree leaves. Spilled to the WAL before the COMMIT, each page was written there, read back
  // and written again as the batch went on.
  const target = await lake(true)
  await target.small('seed', mutations([{create: {_id: 's1', _type: 'source', name: 'বার্তা'}}]))
  const wal = () => statSync(`${target.path}-wal`).size
  const sizes: Record<string, number> = {}
  target.hooks.step = (task) => {
    if (task.kind === 'begin' || task.kind === 'end') sizes[task.kind] = wal()
  }
  const large = Array.from({length: 560}, (_, i) => ({
    createOrReplace: {
      _id: `article-${i}`,
      _type: 'article',
      title: `শিরোনাম ${i}`,
      body: Array.from({length: 2400}, (_, j) => `${i}-${j} খবর`).join(' '),
    },
  }))
  await target.bulk('large', mutations(large))
  expect(target.steps.filter((step) => step.startsWith('rows')).length).toBeGreaterThan(10)
  // Every row written before the end was sent (each step waits for the one before).
  expect(sizes.end - sizes.begin).toBe(0)
  // And all of it in the WAL once committed.
  expect(wal() - sizes.begin).toBeGreaterThan(20e6)
}, 120_000)

test("batches in flight: the next batches are built and committed while an earlier one's sync runs, and share the next sync; none answered before its own", async () => {
  // @sanity/import keeps six batches in flight. Each streamed batch is a write group of its own
  // (its own COMMIT on the thread), but the WAL's sync is not per batch: groups committed while a
  // sync runs wait for the next one, which covers them all.
  const dir = await mkdtemp(join(tmpdir(), 'lake-commit-stream-'))
  const path = join(dir, 'test.sqlite')
  const thread = createCommitThread()
  /** Each sync asked for, held until released; what each covered is read from the log then. */
  const syncs: {done: (err: NodeJS.ErrnoException | null) => void; fd: number}[] = []
  let syncAsked: () => void = () => undefined
  const syncWal = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => {
    syncs.push({fd, done})
    syncAsked()
  }
  /** Resolved when the thread has answered a batch's `end` step (its COMMIT). */
  const ended = new Map<string, () => void>()
  const committedOnThread = (id: string) => new Promise<void>((resolve) => ended.set(id, resolve))
  const committer: CommitThread = {
    commit: (task) => thread.commit(task),
    stream: (id, task) =>
      thread.stream!(id, task).then(() => {
        if (task.kind === 'end') ended.get(id)?.()
      }),
    warm: () => thread.warm(),
    close: () => thread.close(),
  }
  const store = createSqliteStore(path, 'test', {committer, syncWal})
  cleanup.push(() => rm(dir, {recursive: true, force: true}))
  cleanup.push(async () => {
    for (const sync of syncs.splice(0)) sync.done(null)
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
  const bulk = (id: string, writes: Writes) => {
    const work = bulkWork(writes, (ids) => store.heads(ids).map((head) => head?.bytes ?? 0))!
    return runTransaction({...options, transactionId: id, stream: true}, (ws) =>
      applyWrites(
        ws,
        writes,
        bulkPace(work, () => {
          ws.flush()
          return new Promise<void>((resolve) => setImmediate(resolve))
        }),
      ),
    )
  }
  const nextSync = () => new Promise<void>((resolve) => (syncAsked = resolve))
  const answered: string[] = []
  const send = (id: string, from: number) =>
    bulk(id, mutations(articles(from, 120))).then(() => answered.push(id))

  const firstSync = nextSync()
  const first = send('b1', 0)
  await firstSync
  expect(syncs).toHaveLength(1)
  // b1 is committed and its sync held: b2 and b3, sent now, are built and committed meanwhile.
  const b2 = committedOnThread('b2')
  const b3 = committedOnThread('b3')
  const later = [send('b2', 1000), send('b3', 2000)]
  await Promise.all([b2, b3])
  const db = new DatabaseSync(path, {readOnly: true})
  cleanup.push(() => db.close())
  const inFile = () =>
    (db.prepare('SELECT id FROM transactions ORDER BY id').all() as {id: string}[]).map((r) => r.id)
  expect(inFile()).toEqual(['b1', 'b2', 'b3'])
  // Committed is not durable: nobody is answered, and no second sync started beside the first.
  await new Promise<void>((resolve) => setImmediate(resolve))
  expect(answered).toEqual([])
  expect(syncs).toHaveLength(1)

  // The first sync done: b1 is answered, and one sync for b2 and b3 together.
  const secondSync = nextSync()
  syncs[0].done(null)
  await first
  await secondSync
  expect(answered).toEqual(['b1'])
  expect(syncs).toHaveLength(2)
  syncs[1].done(null)
  await Promise.all(later)
  expect(answered).toEqual(['b1', 'b2', 'b3'])
  expect(syncs).toHaveLength(2)
}, 60_000)

test("batches queued behind each other build on what the ones before them wrote: a replace sees the earlier batch's version, a type change and a delete of what an earlier batch wrote or references are refused, and the refused lose nothing else", async () => {
  // @sanity/import keeps six batches in flight, so they wait in the store's queue together. Each
  // must be built on what the batches before it wrote, whatever SQL transaction holds them: a
  // batch built on the committed state alone would take article-5 (written by b1) for new, and
  // miss that b2's articles reference s2.
  const outcomes: string[][] = []
  const results = []
  for (const target of [await lake(true), await lake(false)]) {
    await target.small('seed', mutations([{create: {_id: 's1', _type: 'source'}}]))
    const batches: [string, Writes][] = [
      ['b1', mutations([{create: {_id: 's2', _type: 'source'}}, ...articles(0, 150)])],
      [
        'b2',
        mutations(
          articles(0, 150, 'আবার').map(({createOrReplace}) => ({
            createOrReplace: {...createOrReplace, source: {_type: 'reference', _ref: 's2'}},
          })),
        ),
      ],
      [
        'b3',
        mutations([
          ...articles(500, 150),
          {createOrReplace: {_id: 'article-5', _type: 'headline'}},
          ...articles(650, 50),
        ]),
      ],
      ['b4', mutations([...articles(700, 150), {delete: {id: 's2'}}])],
      ['b5', mutations(articles(900, 150))],
    ]
    // Sent in one turn: each waits in the store's queue for the one before it.
    const settled = await Promise.allSettled(batches.map(([id, writes]) => target.bulk(id, writes)))
    outcomes.push(
      settled.map((outcome) =>
        outcome.status === 'fulfilled' ? 'stored' : (outcome.reason as Error).name,
      ),
    )
    results.push({
      refusals: settled.flatMap((outcome) =>
        outcome.status === 'rejected' ? [outcome.reason] : [],
      ),
      rows: target.rows(),
      published: target.published.map(eventLines),
    })
    expect(target.published.map((tx) => tx.id)).toEqual(['seed', 'b1', 'b2', 'b5'])
    // b2 replaced b1's version: heard as an update of it.
    const replaced = target.published
      .find((tx) => tx.id === 'b2')!
      .changes.find((change) => change.id === 'article-5')
    expect(replaced?.before).toMatchObject({title: 'শিরোনাম 5', source: {_ref: 's1'}})
    expect(target.store.committed().getDocuments(['article-5', 's2', 'article-1049'])).toEqual([
      expect.objectContaining({
        _type: 'article',
        title: 'আবার 5',
        source: expect.objectContaining({_ref: 's2'}),
      }),
      expect.objectContaining({_type: 'source'}),
      expect.objectContaining({title: 'শিরোনাম 1049'}),
    ])
  }
  expect(outcomes).toEqual([
    ['stored', 'stored', 'MutationError', 'ConflictError', 'stored'],
    ['stored', 'stored', 'MutationError', 'ConflictError', 'stored'],
  ])
  const [streamed, inPlace] = results
  expect(streamed.rows).toEqual(inPlace.rows)
  expect(streamed.published).toEqual(inPlace.published)
  expect(streamed.refusals).toEqual(inPlace.refusals)
}, 60_000)
