/**
 * `node bench/smallQueries.ts [--against DIR] [--rounds N] [--size N | --full] [--samples N]
 * [--only NAME] [--no-queries] [--no-isolation]`: issue 9's seven small front-page queries and the
 * isolation row alone, with many samples, to tell a change from the noise. The archive is loaded
 * once (by the first side's lake, then copied for the other; `--size` counts articles, default
 * 10,000, `--full` the archive's 161,070 documents); then each round starts each side's lake on
 * its copy in turn (with `--against DIR`, another checkout of this repository with its
 * node_modules, as A; this one as B; the order alternates) and starts its query threads as `npm
 * run bench` does. Each query is then sent as the bench's row does (one warm-up, 30 samples:
 * "first 30"), then 20 times unmeasured, then `--samples` times (default 200; 0 for the first 30
 * alone), one after another over one keep-alive node:http connection, POSTed; printed: the p50s,
 * the p90 and the lake's CPU a query by thread over the last samples. Then the isolation row
 * (bench/isolation.ts) and its parts: the by-id p50 idle and during the pathological query, each
 * alone and beside a write loop (the bench compares the two beside writes). Nothing is written to
 * bench/results.
 * `BENCH_CPU_PROF=<dir>` makes each lake write a V8 CPU profile there, as in bench/run.ts.
 */
import http from 'node:http'
import {cp, mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import type {LakeProcess} from '../kit/lakeProcess.ts'
import {ARCHIVE, archiveOf, archiveDocuments} from './data.ts'
import {benchIsolation, isolationTraffic} from './isolation.ts'
import {
  abSides,
  alternated,
  loadArchiveFolder,
  postJson,
  startLake,
  threadSecondsOf,
  threadShares,
  threadsSettled,
} from './lake.ts'
import {QUERY_THREAD_NAME} from '../lake/query/priority.ts'
import {archiveQueries} from './queries.ts'
import {benchFlags} from './flags.ts'

const flags = benchFlags(import.meta.filename, {
  against: {type: 'string'},
  rounds: {type: 'string', default: '2'},
  size: {type: 'string'},
  full: {type: 'boolean'},
  samples: {type: 'string', default: '200'},
  'no-isolation': {type: 'boolean'},
  'no-queries': {type: 'boolean'},
  only: {type: 'string'},
})
const rounds = Number(flags.rounds)
const samples = Number(flags.samples)
const articles = flags.full ? ARCHIVE.articles : Number(flags.size ?? 10_000)
const SIZE = archiveOf(articles)
const API = 'v2025-02-19'
const SMALL = archiveQueries(SIZE)
  .slice(0, 7)
  .filter((q) => !flags.only || q.name === flags.only)

const sides = await abSides(flags.against)
const agent = new http.Agent({keepAlive: true, maxFreeSockets: 1})

const query = (lake: LakeProcess, q: string, params: Record<string, unknown>) =>
  postJson(
    agent,
    lake,
    `/${API}/data/query/archive?returnQuery=false&perspective=published`,
    JSON.stringify({query: q, params}),
  )

const at = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]

const dataDir = await mkdtemp(join(tmpdir(), 'lake-bench-small-'))
try {
  // Loaded by the first side (A, the older checkout when comparing) and copied for the others: a
  // side may migrate its copy on its first start, into a folder an older lake refuses.
  const folderOf = (side: {name: string}) => join(dataDir, side.name)
  await loadArchiveFolder(agent, folderOf(sides[0]), archiveDocuments(SIZE), sides[0].start)
  for (const side of sides.slice(1)) await cp(folderOf(sides[0]), folderOf(side), {recursive: true})
  type Row = {side: string; name: string; p50: number; p90: number; cpu: string; load: number}
  const rows: Row[] = []
  for (const {side} of alternated(sides, rounds)) {
    const lake = await startLake(folderOf(side), [], side.start)
    try {
      const pid = lake.child.pid!
      // As the bench: the query threads started before the rows.
      await Promise.all(
        Array.from({length: 6}, () => query(lake, 'count(*[title match $w])', {w: 'warm-up'})),
      )
      await threadsSettled(pid, QUERY_THREAD_NAME)
      if (!flags['no-queries']) {
        for (const {name, query: q, params} of SMALL) {
          // As the bench's rows: one warm-up, then (at most) 30 samples; then 20 more unmeasured.
          await query(lake, q, params)
          const first: number[] = []
          for (let i = 0; i < 30; i++) {
            const t0 = performance.now()
            await query(lake, q, params)
            first.push(performance.now() - t0)
          }
          first.sort((a, b) => a - b)
          for (let i = 0; i < (samples ? 20 : 0); i++) await query(lake, q, params)
          const before = threadSecondsOf(pid)
          const times: number[] = []
          for (let i = 0; i < samples; i++) {
            const t0 = performance.now()
            await query(lake, q, params)
            times.push(performance.now() - t0)
          }
          const shares = threadShares(before, threadSecondsOf(pid), Math.max(1, samples), 1000)
          times.sort((a, b) => a - b)
          if (!samples) times.push(NaN)
          const cpu = [...shares]
            .filter(([, value]) => value >= 0.01)
            .map(([thread, value]) => `${thread} ${value.toFixed(2)}`)
            .join('  ')
          const row = {
            side: side.name,
            name,
            p50: at(times, 0.5),
            p90: at(times, 0.9),
            cpu,
            load: loadavg()[0],
          }
          rows.push(row)
          console.log(
            `${side.name} ${name.padEnd(28)} first 30 p50 ${at(first, 0.5).toFixed(2)}  p50 ${row.p50.toFixed(2)} p90 ${row.p90.toFixed(2)} ms  ` +
              `load ${row.load.toFixed(2)}  cpu ms/query: ${cpu}`,
          )
        }
      }
      if (!flags['no-isolation']) {
        const parts = await isolationParts(lake)
        console.log(`${side.name} isolation parts: ${parts}  load ${loadavg()[0].toFixed(2)}`)
        const iso = await benchIsolation(lake)
        console.log(
          `${side.name} isolation: by-id ${iso.idleReadP50.toFixed(2)} -> ${iso.loadedReadP50.toFixed(2)} ms ` +
            `(${(iso.loadedReadP50 / iso.idleReadP50).toFixed(2)}x, ${iso.reads} reads); writes ` +
            `${iso.idleWriteP50.toFixed(2)} -> ${iso.loadedWriteP50.toFixed(2)} ms; ` +
            `${iso.pathological.status} ${iso.pathological.seconds.toFixed(1)} s  load ${loadavg()[0].toFixed(2)}`,
        )
      }
    } finally {
      await lake.stop()
    }
  }
  if (rows.length > 0) {
    for (const side of sides) {
      for (const {name} of SMALL) {
        const mine = rows.filter((row) => row.side === side.name && row.name === name)
        const p50s = mine.map((row) => row.p50.toFixed(2)).join(' / ')
        console.log(`${side.name} ${name.padEnd(28)} p50s ${p50s}`)
      }
    }
  }
} finally {
  agent.destroy()
  await rm(dataDir, {recursive: true, force: true})
}

/**
 * By-id p50 (bench/isolation.ts's traffic, on its dataset) idle and during the pathological query,
 * each alone and beside a write loop: which part of the bench's ratio (idle beside writes against
 * loaded beside writes, since 124c5fb) is the query's, and what the writes add.
 */
async function isolationParts(lake: LakeProcess): Promise<string> {
  const {read, write, startThreads, pathological} = await isolationTraffic(lake, 'iso-p-')
  const phase = async (ms: number, writes: boolean) => {
    const end = performance.now() + ms
    const times: number[] = []
    await Promise.all([
      (async () => {
        while (performance.now() < end) times.push(await read())
      })(),
      writes
        ? (async () => {
            while (performance.now() < end) await write()
          })()
        : null,
    ])
    times.sort((a, b) => a - b)
    return at(times, 0.5)
  }
  await startThreads()
  for (let i = 0; i < 50; i++) await read()
  const idleAlone = await phase(2000, false)
  const idleWrites = await phase(2000, true)
  const slow = pathological()
  await new Promise((resolve) => setTimeout(resolve, 300))
  const loadedAlone = await phase(4000, false)
  const loadedWrites = await phase(4000, true)
  await slow
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`
  return (
    `idle ${idleAlone.toFixed(2)} / with writes ${idleWrites.toFixed(2)}; loaded ${loadedAlone.toFixed(2)} / with writes ${loadedWrites.toFixed(2)} ms: ` +
    `alone ${x(loadedAlone, idleAlone)}, with writes (the bench's) ${x(loadedWrites, idleWrites)}, loaded with writes against idle alone ${x(loadedWrites, idleAlone)}`
  )
}
