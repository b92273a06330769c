/**
 * What the isolation tests that run a lake of their own share: the lake process (a child, as a
 * developer runs it, so this process's pings measure the lake's event loop alone) and the pings.
 */
import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, expect} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import {
  QUERY_THREAD_NAME,
  WARM_UP_THREAD_NAME,
  WRITE_THREAD_NAME,
} from '../../../lake/query/priority.ts'
import {timed} from './pathological.ts'

export const API = 'v2025-02-19'

/** The file's lake, once its `beforeAll` has run. */
export interface ChildLake {
  readonly url: string
  /** The scripts' token (role editor). */
  readonly token: string
  /** Its process id (for /proc: cpuTimes). */
  readonly pid: number
  /** Its data folder (to add a token with `lake tokens create --data`); useChildLake's has one. */
  readonly dataDir?: string
  /** The CA its certificate is signed by (useChildLake's with `tls: true`). */
  readonly caPath?: string | null
  /** A JSON request's headers with the token. */
  headers(): Record<string, string>
}

/**
 * A lake process of the test file's own over a new data folder (`lake-<name>-…`), started before
 * its tests and stopped, its folder removed, after them. `args`: further `lake start` options.
 * `warm`: a first query answered on a query thread (no `*`, so never in place) waits for the
 * threads to load, as a cold start is not what the tests measure (plain HTTP only). `tls`: HTTPS
 * with HTTP/2, its CA at `caPath` (this process trusts it only where a test passes it).
 */
export function useChildLake(
  name: string,
  options: {args?: readonly string[]; warm?: boolean; tls?: boolean} = {},
): ChildLake {
  let lake: LakeProcess | undefined
  let dataDir: string | undefined
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), `lake-${name}-`))
    // Its start is not what the tests measure: at load 34 it took over the default 60 s.
    lake = await startLakeProcess({
      dataDir,
      tls: options.tls ?? false,
      args: options.args,
      timeoutMs: 180_000,
    })
    if (options.warm) {
      const query = encodeURIComponent('count(string::split("ab", ""))')
      await timed(`${lake.url}/${API}/data/query/test?query=${query}`, {headers: child.headers()})
    }
  }, 240_000)
  afterAll(async () => {
    await lake?.stop()
    if (dataDir) await rm(dataDir, {recursive: true, force: true})
  })
  const started = () => {
    if (!lake) throw new Error('the lake starts in beforeAll: use it inside a test or hook')
    return lake
  }
  const child: ChildLake = {
    get url() {
      return started().url
    },
    get token() {
      return started().token
    },
    get pid() {
      return started().child.pid!
    },
    get dataDir() {
      return started().dataDir
    },
    get caPath() {
      return started().caPath
    },
    headers: () => ({
      authorization: `Bearer ${started().token}`,
      'content-type': 'application/json',
    }),
  }
  return child
}

/**
 * Pings `lake` every `everyMs` while `done` runs: their times. With `holds`, each ping's entry
 * there is the CPU the lake's event loop spent while it waited (/proc, 10 ms ticks): a wait that
 * the loop's own work made, which a loaded machine's scheduling alone does not.
 */
export async function pingsWhile(
  lake: ChildLake,
  done: Promise<unknown>,
  everyMs = 50,
  holds?: number[],
): Promise<number[]> {
  let finished = false
  void done.finally(() => (finished = true)).catch(() => {})
  const pings: number[] = []
  await sleep(20)
  while (!finished) {
    const loop = holds ? (await cpuTimes(lake.pid)).main : 0
    pings.push((await timed(`${lake.url}/${API}/ping`)).ms)
    if (holds) holds.push((await cpuTimes(lake.pid)).main - loop)
    await sleep(everyMs)
  }
  return pings
}

/**
 * A worker thread's name in /proc/<pid>/task/<tid>/comm: Node names each one's OS thread
 * "WorkerThread", and query, warm-up and write threads rename themselves as they start
 * (QUERY_THREAD_NAME, WARM_UP_THREAD_NAME, WRITE_THREAD_NAME).
 */
export const isWorkerThread = (comm: string): boolean =>
  comm === 'WorkerThread' ||
  comm === QUERY_THREAD_NAME ||
  comm === WARM_UP_THREAD_NAME ||
  comm === WRITE_THREAD_NAME

/** The names of process `pid`'s threads (/proc/<pid>/task/<tid>/comm). */
async function threadNames(pid: number): Promise<string[]> {
  const tasks = await readdir(`/proc/${pid}/task`)
  const names = await Promise.all(
    tasks.map((task) => readFile(`/proc/${pid}/task/${task}/comm`, 'utf8').catch(() => '')),
  )
  return names.map((name) => name.trim())
}

/**
 * The write threads of a lake process: started on demand, so a count that grows tells that a
 * request's work went to one. The store's threads (analyzer, checkpointer, commit thread) start
 * with work and end 2 s idle on their own, so all worker threads counted could grow or shrink
 * with the machine's load whatever the request did.
 */
export async function writeThreadsOf(pid: number): Promise<number> {
  return (await threadNames(pid)).filter((name) => name === WRITE_THREAD_NAME).length
}

/**
 * Resolves once a query thread of process `pid` has used `ms` of CPU since it was first seen here
 * (named QUERY_THREAD_NAME, which it takes after loading its modules), or `settled` holds: the
 * work sent is running on a thread, where a fixed wait on a loaded machine may end before it has
 * begun. Polled every 20 ms.
 */
export async function untilQueryThreadBusy(
  pid: number,
  ms: number,
  settled: () => boolean,
): Promise<void> {
  const seen = new Map<string, number>()
  while (!settled()) {
    for (const task of await readdir(`/proc/${pid}/task`).catch(() => [])) {
      const [comm, stat] = await Promise.all([
        readFile(`/proc/${pid}/task/${task}/comm`, 'utf8').catch(() => ''),
        readFile(`/proc/${pid}/task/${task}/stat`, 'utf8').catch(() => ''),
      ])
      if (comm.trim() !== QUERY_THREAD_NAME || !stat) continue
      const used = ticksMs(stat)
      const first = seen.get(task)
      if (first === undefined) seen.set(task, used)
      else if (used - first >= ms) return
    }
    await sleep(20)
  }
}

/** utime and stime, fields 14 and 15 of a /proc stat line, in clock ticks (100 a second). */
function ticksMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/**
 * CPU milliseconds a process has used so far (/proc, Linux): on its main thread, the event
 * loop's, and on all its threads, ended ones included. Unlike a ping's wait, CPU time does not
 * grow with the machine's load, so what the event loop did can be compared with what the threads did.
 */
export async function cpuTimes(pid: number): Promise<{main: number; all: number}> {
  // utime and stime, fields 14 and 15, in clock ticks (100 a second); the name before them may hold spaces.
  const ms = (stat: string) => {
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  }
  const [main, all] = await Promise.all([
    readFile(`/proc/${pid}/task/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/stat`, 'utf8'),
  ])
  return {main: ms(main), all: ms(all)}
}

/** A write to a child lake's dataset (`test` unless named) that must be answered 200. */
export async function mutateChild(
  lake: ChildLake,
  mutations: unknown[],
  dataset = 'test',
): Promise<void> {
  const res = await fetch(`${lake.url}/${API}/data/mutate/${dataset}`, {
    method: 'POST',
    headers: lake.headers(),
    body: JSON.stringify({mutations}),
  })
  expect(res.status, await res.clone().text()).toBe(200)
  await res.arrayBuffer()
}

/** A POST query to a child lake's dataset (`test` unless named) that must be answered 200. */
export async function queryChild(
  lake: ChildLake,
  query: string,
  dataset = 'test',
): Promise<{result: unknown; syncTags: string[]}> {
  const res = await fetch(`${lake.url}/${API}/data/query/${dataset}`, {
    method: 'POST',
    headers: lake.headers(),
    body: JSON.stringify({query}),
  })
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()) as {result: unknown; syncTags: string[]}
}

/** The CPU (ms, /proc) a child lake's event loop and all its threads spent while `work` ran. */
export async function cpuWhile(
  pid: number,
  work: () => Promise<unknown>,
): Promise<{loop: number; all: number}> {
  const before = await cpuTimes(pid)
  await work()
  const after = await cpuTimes(pid)
  return {loop: after.main - before.main, all: after.all - before.all}
}
