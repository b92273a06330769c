/**
 * The benchmarks' lake: `lake/cli.ts start` in its own process (kit/lakeProcess.ts), plain HTTP on
 * loopback, so its memory is measured apart from the benchmark's and client and server never share
 * an event loop.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {cp, mkdir, rm} from 'node:fs/promises'
import http from 'node:http'
import {availableParallelism, loadavg} from 'node:os'
import {join, resolve} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {pathToFileURL} from 'node:url'
import {startLakeProcess, type LakeProcess, type LakeProcessOptions} from '../kit/lakeProcess.ts'
import type {SanityDocument} from '../lake/core/types.ts'

/** `BENCH_CPU_PROF=<dir>`: each lake writes a V8 CPU profile there when it stops. */
const profileDir = process.env.BENCH_CPU_PROF

/** A checkout's startLakeProcess. */
export type StartLake = (options: LakeProcessOptions) => Promise<LakeProcess>

/**
 * The sides of an A/B: with `against` (another checkout of this repository, with its
 * node_modules) its lake is A and this one's B; without, B alone.
 */
export async function abSides(
  against: string | undefined,
): Promise<{name: string; root: string; start: StartLake}[]> {
  const here = resolve(import.meta.dirname, '..')
  const roots = against
    ? [
        ['A', resolve(against)],
        ['B', here],
      ]
    : [['B', here]]
  const sides: {name: string; root: string; start: StartLake}[] = []
  for (const [name, root] of roots) {
    const kit = (await import(pathToFileURL(join(root, 'kit/lakeProcess.ts')).href)) as {
      startLakeProcess: StartLake
    }
    sides.push({name, root, start: kit.startLakeProcess})
  }
  return sides
}

/**
 * Each round's sides of an A/B (abSides), the first alternating (A B, B A, A B, …) so that neither
 * always follows the other.
 */
export function* alternated<Side>(
  sides: readonly Side[],
  rounds: number,
): Generator<{round: number; side: Side}> {
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 ? [...sides].reverse() : sides) yield {round, side}
  }
}

/**
 * CPU a unit of work by the threads' names between two readings of threadSecondsOf, in `perSecond`
 * parts of a second (1e6: µs, 1000: ms); worker threads (the search analyzer's, the
 * checkpointer's) all share one name, so they are told apart by rank, largest first. Query threads
 * name themselves (lake/query/priority.ts QUERY_THREAD_NAME) and are summed under that name.
 */
export function threadShares(
  before: ReturnType<typeof threadSecondsOf>,
  after: ReturnType<typeof threadSecondsOf>,
  count: number,
  perSecond: number,
): Map<string, number> {
  const byName = new Map<string, number>()
  const workers: number[] = []
  for (const [id, {name, seconds}] of after) {
    const share = ((seconds - (before.get(id)?.seconds ?? 0)) * perSecond) / count
    if (name === 'WorkerThread') workers.push(share)
    else byName.set(name, (byName.get(name) ?? 0) + share)
  }
  workers.sort((a, b) => b - a).forEach((share, i) => byName.set(`WorkerThread ${i + 1}`, share))
  return byName
}

/**
 * Resolves once the threads of `pid` named `name` (the lake's query threads: lake-query) have used
 * no CPU for `quietMs`, or after `maxMs`; the milliseconds waited. The bench's warm-up of the query
 * threads returns once one thread answered it, while the others still load the engine (on the
 * full archive, 2 of 3 threads started after it and took 240 ms of CPU over the next second, on a
 * machine of two cores shared with the bench's client): the first small row measured that.
 */
export async function threadsSettled(
  pid: number,
  name: string,
  quietMs = 300,
  maxMs = 5000,
): Promise<number> {
  const started = performance.now()
  const used = () => {
    let seconds = 0
    let count = 0
    for (const thread of threadSecondsOf(pid).values()) {
      if (thread.name === name) {
        seconds += thread.seconds
        count++
      }
    }
    return `${count}:${seconds}`
  }
  let last = used()
  let quietSince = performance.now()
  while (performance.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    const now = used()
    if (now !== last) {
      last = now
      quietSince = performance.now()
    } else if (performance.now() - quietSince >= quietMs) break
  }
  return performance.now() - started
}

/**
 * `start`: another checkout's startLakeProcess, to compare two (bench/writers.ts); `more`: other
 * options of it (`detached`: a session of its own, bench/flood.ts).
 * `BENCH_PERF_MAP=1` starts the lake with `--perf-basic-prof`, for `perf record -p <pid>`;
 * `BENCH_NODE_FLAGS` adds Node or V8 flags (space-separated) to every lake it starts, to try one or
 * to trace the JIT (`--log-code --logfile=…`).
 */
export function startLake(
  dataDir: string,
  args: readonly string[] = [],
  start: StartLake = startLakeProcess,
  more: Partial<LakeProcessOptions> = {},
): Promise<LakeProcess> {
  return start({
    ...more,
    dataDir,
    args,
    nodeFlags: [
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ...(process.env.BENCH_PERF_MAP ? ['--perf-basic-prof'] : []),
      ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []),
    ],
    tls: false,
    // A throwaway administrator for the throwaway data folder.
    env: {
      // A profiled lake writes its profile as it stops, past the 1.5 s stop limit on a busy
      // machine (the event loop's profile went unwritten): give it a minute unless one is set.
      ...(profileDir ? {LAKE_STOP_LIMIT_MS: '60000'} : {}),
      ...process.env,
      LAKE_ADMIN_EMAIL: 'bench@localhost',
      LAKE_ADMIN_PASSWORD: 'bench-password-not-secret',
    },
  })
}

/**
 * Seconds until the lake's full-text index holds every document: it is filled after commits from a
 * queue (store/searchIndex.ts), read here through the dataset file.
 */
export async function indexCaughtUp(dataDir: string, dataset: string): Promise<number> {
  const started = performance.now()
  const db = new DatabaseSync(join(dataDir, 'datasets', `${dataset}.sqlite`), {readOnly: true})
  try {
    // The re-index's backlog has a table of its own since its migration (not in an older A side).
    const reindex = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'search_reindex'").get()
      ? ' + (SELECT count(*) FROM search_reindex)'
      : ''
    const queued = db.prepare(`SELECT (SELECT count(*) FROM search_queue)${reindex} AS n`)
    while (Number((queued.get() as {n: number}).n) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    db.close()
  }
  return (performance.now() - started) / 1000
}

/**
 * CPU seconds a process has used so far, all its threads, or with `mainThread` its event loop's
 * thread alone (Linux /proc; null elsewhere).
 */
export function cpuSecondsOf(pid: number, mainThread = false): number | null {
  try {
    return statSeconds(
      readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8'),
    )
  } catch {
    return null
  }
}

/**
 * CPU seconds each thread of a process has used so far, by thread id, with the thread's name
 * (`MainThread`, `WorkerThread`, V8's `V8Worker`, libuv's `libuv-worker`) and nice value (Linux
 * /proc, empty elsewhere). A thread that has ended is not listed.
 */
export function threadSecondsOf(
  pid: number,
): Map<string, {name: string; seconds: number; nice: number}> {
  return eachThread(pid, (task) => {
    const stat = readFileSync(`${task}/stat`, 'utf8')
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    // Field 19 of proc(5), counted from the state (field 3) after the name.
    const nice = Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[16])
    return {name, seconds: statSeconds(stat), nice}
  })
}

/**
 * `read` of each thread of `pid` (its /proc/<pid>/task/<tid> folder), by thread id; empty where
 * there is no /proc. A thread that ends while it is read (or whose file the kernel lacks) is left out.
 */
function eachThread<T>(pid: number, read: (task: string) => T): Map<string, T> {
  const threads = new Map<string, T>()
  let ids: string[] = []
  try {
    ids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return threads
  }
  for (const id of ids) {
    try {
      threads.set(id, read(`/proc/${pid}/task/${id}`))
    } catch {
      // It ended meanwhile.
    }
  }
  return threads
}

/**
 * Each thread of `pid` so far, by thread id: its name (as threadSecondsOf), the seconds it ran
 * and the seconds it was runnable but waited for a core (Linux /proc/<pid>/task/<tid>/schedstat,
 * the scheduler's own sums; empty elsewhere). A thread that has ended is not listed.
 */
export function threadWaitsOf(
  pid: number,
): Map<string, {name: string; ran: number; waited: number}> {
  return eachThread(pid, (task) => {
    const name = readFileSync(`${task}/comm`, 'utf8').trim()
    const [ran, waited] = readFileSync(`${task}/schedstat`, 'utf8')
      .split(' ')
      .map((ns) => Number(ns) / 1e9)
    return {name, ran: ran!, waited: waited!}
  })
}

/**
 * What each thread ran and waited for a core between two readings of threadWaitsOf, in seconds,
 * by name, worker threads told apart by rank of what they ran (as threadShares). A thread that
 * ended between the readings is missed; one started meanwhile counts from 0.
 */
export function threadWaits(
  before: ReturnType<typeof threadWaitsOf>,
  after: ReturnType<typeof threadWaitsOf>,
): Map<string, {ran: number; waited: number}> {
  const byName = new Map<string, {ran: number; waited: number}>()
  const workers: {ran: number; waited: number}[] = []
  for (const [id, {name, ran, waited}] of after) {
    const first = before.get(id)
    const delta = {ran: ran - (first?.ran ?? 0), waited: waited - (first?.waited ?? 0)}
    if (name === 'WorkerThread') workers.push(delta)
    else {
      const sum = byName.get(name) ?? {ran: 0, waited: 0}
      byName.set(name, {ran: sum.ran + delta.ran, waited: sum.waited + delta.waited})
    }
  }
  workers
    .sort((a, b) => b.ran - a.ran)
    .forEach((delta, i) => byName.set(`WorkerThread ${i + 1}`, delta))
  return byName
}

/**
 * Whether a lake's query threads have all loaded, between two readings of threadWaitsOf: `expected`
 * threads named lake-query, none of which ran `quietSeconds` or more in between (a thread names
 * itself first, then loads groq-js and the engine; one started in between counts from 0).
 */
export function queryThreadsSettled(
  before: ReturnType<typeof threadWaitsOf>,
  after: ReturnType<typeof threadWaitsOf>,
  expected: number,
  quietSeconds = 0.001,
): boolean {
  let named = 0
  for (const [id, {name, ran}] of after) {
    if (name !== QUERY_THREAD) continue
    named++
    if (ran - (before.get(id)?.ran ?? 0) >= quietSeconds) return false
  }
  return named >= expected
}

const QUERY_THREAD = 'lake-query'

/**
 * Waits (at most `timeoutMs`) until the lake `pid`'s query threads have loaded (queryThreadsSettled
 * over 500 ms): a lake started by `lake start` loads them one after another after it listens,
 * niced, for seconds of CPU, and a round begun meanwhile counts that start-up as its own. The
 * pool's size is the lake's default (lake/query/pool.ts: the cores, at least 3). Returns the
 * seconds waited, or null when it gave up (no /proc, or still loading).
 */
export async function queryThreadsLoaded(pid: number, timeoutMs = 120_000): Promise<number | null> {
  const expected = Math.max(3, availableParallelism())
  const started = performance.now()
  let before = threadWaitsOf(pid)
  while (performance.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    const after = threadWaitsOf(pid)
    if (queryThreadsSettled(before, after, expected)) return (performance.now() - started) / 1000
    before = after
  }
  return null
}

/**
 * CPU seconds the threads of `pid` named `name` (Linux /proc) use from now until `stop()`, those
 * that end meanwhile included: a thread's /proc entry goes with it (the lake replaces a query
 * thread stopped at its deadline), so they are read every `everyMs` and an ended thread counts as
 * last read (what it used after that reading is missed). Each from its reading now, or from 0 if
 * started meanwhile.
 */
export function threadCpuSince(pid: number, name: string, everyMs = 100): {stop(): number} {
  const first = new Map<string, number>()
  const last = new Map<string, number>()
  let ended = 0
  const read = (starting: boolean) => {
    const now = new Map<string, number>()
    for (const [id, thread] of threadSecondsOf(pid)) {
      if (thread.name === name) now.set(id, thread.seconds)
    }
    for (const [id, seconds] of last) {
      // Gone, or its id taken by a thread started since (which has used less).
      if ((now.get(id) ?? -1) < seconds) {
        ended += seconds - first.get(id)!
        first.delete(id)
        last.delete(id)
      }
    }
    for (const [id, seconds] of now) {
      if (!first.has(id)) first.set(id, starting ? seconds : 0)
      last.set(id, seconds)
    }
  }
  read(true)
  const timer = setInterval(() => read(false), everyMs)
  timer.unref()
  return {
    stop() {
      clearInterval(timer)
      read(false)
      let running = 0
      for (const [id, seconds] of last) running += seconds - first.get(id)!
      return ended + running
    },
  }
}

/** utime and stime of a /proc stat line, in clock ticks (100 a second on Linux). */
function statSeconds(stat: string): number {
  // After the name, which may hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** A JSON body POSTed to the lake's `path` with its token; the answer's text, rejected unless 200. */
export function postJson(
  agent: http.Agent,
  lake: LakeProcess,
  path: string,
  body: string,
): Promise<string> {
  return new Promise((done, fail) => {
    const request = http.request(
      `${lake.url}${path}`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${lake.token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          if (response.statusCode === 200) done(text)
          else
            fail(new Error(`${path.split('?')[0]} ${response.statusCode}: ${text.slice(0, 300)}`))
        })
      },
    )
    request.on('error', fail)
    request.end(body)
  })
}

/**
 * Loads `docs` into the dataset "archive" of a lake started on `dataDir` (by `start`), in
 * transactions of 1,000, waits for the full-text index to hold them all, and stops the lake: a data
 * folder each side of an A/B then starts from (bench/smallQueries.ts, bench/subqueries.ts).
 */
export async function loadArchiveFolder(
  agent: http.Agent,
  dataDir: string,
  docs: readonly object[],
  start: StartLake = startLakeProcess,
): Promise<void> {
  const lake = await startLake(dataDir, [], start)
  try {
    console.error(`loading ${docs.length} documents, load ${loadavg()[0].toFixed(2)}`)
    for (let i = 0; i < docs.length; i += 1000) {
      const batch = docs.slice(i, i + 1000).map((doc) => ({createOrReplace: doc}))
      await postMutations(agent, lake, 'archive', JSON.stringify({mutations: batch}))
    }
    await indexCaughtUp(dataDir, 'archive')
  } finally {
    await lake.stop()
  }
}

/**
 * The data folders of an A/B's sides under `root` (`names`, the first the side that loads): the
 * first side's loaded by `load` unless it holds the dataset already (`--data` keeps it for the next
 * run), and every other side's a copy of it (a side may migrate its copy on its first start, into a
 * folder an older lake refuses). A first side loaded now is copied over the others' folders: one
 * kept from an earlier run (a run of B alone loads B's) is another load, whose `_updatedAt`s rank a
 * search's ties among documents without `publishedAt` differently (bench/studioSearch.ts: "a
 * source's name" answered differently, exit 1).
 */
export async function abFolders(
  root: string,
  names: readonly string[],
  load: (dir: string) => Promise<void>,
): Promise<void> {
  const first = join(root, names[0])
  const loaded = !existsSync(join(first, 'datasets', 'archive.sqlite'))
  if (loaded) {
    await mkdir(root, {recursive: true})
    await load(first)
  }
  for (const name of names.slice(1)) {
    const dir = join(root, name)
    if (loaded) await rm(dir, {recursive: true, force: true})
    if (!existsSync(dir)) await cp(first, dir, {recursive: true})
  }
}

/**
 * The dataset "archive" as a lake started on `dataDir` (by `start`) stores it (its `_updatedAt` and
 * the rest): its export, read before the lake stops.
 */
export async function exportedArchive(
  dataDir: string,
  start: StartLake = startLakeProcess,
): Promise<SanityDocument[]> {
  const lake = await startLake(dataDir, [], start)
  try {
    const response = await fetch(`${lake.url}/v2025-02-19/data/export/archive`, {
      headers: {authorization: `Bearer ${lake.token}`},
    })
    if (!response.ok) throw new Error(`export ${response.status}: ${await response.text()}`)
    return (await response.text())
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as SanityDocument)
  } finally {
    await lake.stop()
  }
}

/** A mutate request's body (`{mutations: [...]}`) POSTed with `visibility=sync`; rejects unless 200. */
export async function postMutations(
  agent: http.Agent,
  lake: LakeProcess,
  dataset: string,
  body: string,
): Promise<void> {
  await postJson(agent, lake, `/v2025-02-19/data/mutate/${dataset}?visibility=sync`, body)
}

/**
 * What the data file holds, per table and index (SQLite's dbstat): bytes in pages, and the share
 * of those pages left unused (page tails, half-filled index pages). FTS5's shadow tables are
 * named search_fts_*.
 */
export function fileParts(
  dataDir: string,
  dataset: string,
): {name: string; bytes: number; unused: number}[] {
  const db = new DatabaseSync(join(dataDir, 'datasets', `${dataset}.sqlite`), {readOnly: true})
  try {
    return db
      .prepare(
        'SELECT name, sum(pgsize) AS bytes, sum(unused) AS unused FROM dbstat GROUP BY name ORDER BY bytes DESC',
      )
      .all() as {name: string; bytes: number; unused: number}[]
  } finally {
    db.close()
  }
}

/**
 * Waits until the dataset's file is at rest: its WAL emptied and neither file's size changed for
 * `quietMs` (the lake packs its indexes at the quiet moments after a load, store/packIndex.ts,
 * a step at a time), or `maxMs` passed.
 */
export async function fileSettled(
  dataDir: string,
  dataset: string,
  quietMs = 2000,
  maxMs = 60_000,
): Promise<void> {
  const file = join(dataDir, 'datasets', `${dataset}.sqlite`)
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0)
  const sizes = () => `${size(file)} ${size(`${file}-wal`)}`
  const until = performance.now() + maxMs
  let last = sizes()
  let since = performance.now()
  while (performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const now = sizes()
    if (now !== last) {
      last = now
      since = performance.now()
    } else if (size(`${file}-wal`) === 0 && performance.now() - since >= quietMs) return
  }
}

/** Resident and peak memory of a process in MB (Linux /proc; `ps` elsewhere, without peak). */
export function memoryOf(pid: number): {rss: number; peak: number | null} {
  const status = `/proc/${pid}/status`
  if (existsSync(status)) {
    const text = readFileSync(status, 'utf8')
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN)
    return {rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024}
  }
  const rss = Number(
    execFileSync('ps', ['-o', 'rss=', '-p', String(pid)])
      .toString()
      .trim(),
  )
  return {rss: rss / 1024, peak: null}
}
