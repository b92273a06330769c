/**
 * `node bench/writers.ts [--against DIR] [--rounds N] [--transactions N] [--threads]`: the 50 concurrent
 * single-document writers alone, as `npm run bench -- --writes` measures them (a lake of their
 * own, 300 warm-up transactions on another dataset, createOrReplace of one new article per
 * transaction over keep-alive node:http), with the lake's CPU per transaction, all threads and the
 * event loop's alone (`--threads`: each kind of thread's, as named in /proc), how long the event
 * loop waited for a core a transaction (ready to run, other threads on both cores: the machine's
 * other load, or the lake's and the client's own threads), and how long after the round the
 * full-text index caught up (the rate leaves that out). With `--against DIR` (another checkout of this repository, with its
 * node_modules) rounds alternate between that checkout's lake (A) and this one's (B), so that an
 * A/B shares the machine's load; the medians per side are printed. Nothing is written to
 * bench/results: this is for comparing changes to the write path on a shared machine.
 * `BENCH_CPU_PROF=<dir>` makes each lake write a V8 CPU profile there, as in bench/run.ts;
 * `BENCH_PERF_MAP=1` starts it with `--perf-basic-prof`, for Linux perf.
 */
import http from 'node:http'
import {readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import type {LakeProcess} from '../kit/lakeProcess.ts'
import {
  abSides,
  alternated,
  cpuSecondsOf,
  indexCaughtUp,
  startLake,
  threadSecondsOf,
  threadShares,
  postMutations,
} from './lake.ts'
import {newsroomDocuments, type BenchDocument} from './data.ts'
import {benchFlags, usageError} from './flags.ts'

const flags = benchFlags(import.meta.filename, {
  against: {type: 'string'},
  rounds: {type: 'string', default: '4'},
  transactions: {type: 'string', default: '3000'},
  threads: {type: 'boolean'},
})
const rounds = Number(flags.rounds)
const transactions = Number(flags.transactions)
if (
  !Number.isInteger(rounds) ||
  rounds < 1 ||
  !Number.isInteger(transactions) ||
  transactions < 100
) {
  usageError(import.meta.filename, '--rounds must be at least 1 and --transactions at least 100')
}
const WARM_UP = 300
const WRITERS = 50

const sides = await abSides(flags.against)

const agent = new http.Agent({keepAlive: true})

function mutate(lake: LakeProcess, dataset: string, doc: BenchDocument): Promise<void> {
  return postMutations(agent, lake, dataset, JSON.stringify({mutations: [{createOrReplace: doc}]}))
}

async function writers(lake: LakeProcess, dataset: string, total: number): Promise<number> {
  const docs = newsroomDocuments(total, 99).filter(
    (doc) => doc._type === 'article' && !doc._id.startsWith('drafts.'),
  )
  let next = 0
  await Promise.all(
    Array.from({length: WRITERS}, async () => {
      while (next < docs.length) await mutate(lake, dataset, docs[next++])
    }),
  )
  return docs.length
}

/**
 * Waits (at most 5 s) until the lake uses under 2 % of a core over 250 ms. The query thread it
 * starts once listening loads the engine (named lake-query only once loaded) for up to a second
 * or two of CPU, after the warm-up: the round measured it, 0.03 ms a transaction of 6,000 and
 * more of fewer, unevenly from round to round. In `npm run bench` it has long started before the
 * writers.
 */
async function settled(pid: number): Promise<void> {
  const started = performance.now()
  let last = cpuSeconds(pid)
  while (performance.now() - started < 5000) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    const now = cpuSeconds(pid)
    if (!(now - last >= 0.005)) return
    last = now
  }
}

/** Ms the event loop's thread has waited on a run queue so far (schedstat's second field). */
function runQueueMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'latin1').split(' ')[1]) / 1e6
  } catch {
    return NaN
  }
}

/** Off Linux the CPU figures read NaN rather than stop the rounds. */
const cpuSeconds = (pid: number, mainThread = false) => cpuSecondsOf(pid, mainThread) ?? NaN

type Round = {
  side: string
  perSecond: number
  /** Seconds from the round's last answer until the full-text index had caught up. */
  catchUp: number
  /** Ms a transaction the event loop was ready to run but waited for a core. */
  waitMs: number
  cpuMs: number
  loopMs: number
  load: number
  /** With `--threads`: CPU ms a transaction by kind of thread, worker threads largest first. */
  threads: Map<string, number>
}

async function round(side: (typeof sides)[number]): Promise<Round> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-bench-writers-'))
  const lake = await startLake(dir, [], side.start)
  try {
    await writers(lake, 'warm-up', WARM_UP)
    await indexCaughtUp(dir, 'warm-up')
    const pid = lake.child.pid!
    await settled(pid)
    console.error(`${side.name}: measuring lake ${pid}`)
    const cpu0 = cpuSeconds(pid)
    const loop0 = cpuSeconds(pid, true)
    const threads0 = threadSecondsOf(pid)
    // A thread that ends during the round (an idle worker) is counted as last seen.
    const seen = new Map(threads0)
    const sampler = flags.threads
      ? setInterval(() => {
          for (const [id, thread] of threadSecondsOf(pid)) seen.set(id, thread)
        }, 50)
      : null
    const wait0 = runQueueMs(pid)
    const t0 = performance.now()
    const count = await writers(lake, 'fifty-writers', transactions)
    const waited = runQueueMs(pid) - wait0
    const seconds = (performance.now() - t0) / 1000
    // The rate leaves it out: an analyzer that fell behind during the round shows here.
    const catchUp = await indexCaughtUp(dir, 'fifty-writers')
    if (sampler) clearInterval(sampler)
    for (const [id, thread] of threadSecondsOf(pid)) seen.set(id, thread)
    return {
      threads: threadShares(threads0, seen, count, 1000),
      side: side.name,
      perSecond: count / seconds,
      catchUp,
      waitMs: waited / count,
      cpuMs: ((cpuSeconds(pid) - cpu0) * 1000) / count,
      loopMs: ((cpuSeconds(pid, true) - loop0) * 1000) / count,
      load: loadavg()[0],
    }
  } finally {
    await lake.stop()
    await rm(dir, {recursive: true, force: true})
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const sharesText = (shares: Map<string, number>) =>
  [...shares]
    .filter(([, ms]) => ms >= 0.0005)
    .map(([name, ms]) => `${name} ${ms.toFixed(3)}`)
    .join('  ')

const results: Round[] = []
for (const {side} of alternated(sides, rounds)) {
  const r = await round(side)
  results.push(r)
  console.log(
    `${r.side} ${Math.round(r.perSecond)}/s  lake ${r.cpuMs.toFixed(3)} ms  loop ${r.loopMs.toFixed(3)} ms  waited ${r.waitMs.toFixed(3)} ms  indexed +${r.catchUp.toFixed(2)} s  load ${r.load.toFixed(1)}`,
  )
  if (flags.threads) console.log(`  ${sharesText(r.threads)}`)
}
for (const side of sides) {
  const mine = results.filter((r) => r.side === side.name)
  console.log(
    `${side.name} (${side.root}) median of ${mine.length}: ` +
      `${Math.round(median(mine.map((r) => r.perSecond)))}/s, ` +
      `lake ${median(mine.map((r) => r.cpuMs)).toFixed(3)} ms, ` +
      `event loop ${median(mine.map((r) => r.loopMs)).toFixed(3)} ms a transaction, ` +
      `waited for a core ${median(mine.map((r) => r.waitMs)).toFixed(3)} ms`,
  )
  if (flags.threads) {
    const names = new Set(mine.flatMap((r) => [...r.threads.keys()]))
    const medians = new Map(
      [...names].map((name) => [name, median(mine.map((r) => r.threads.get(name) ?? 0))]),
    )
    console.log(`  medians: ${sharesText(medians)}`)
  }
}
agent.destroy()
