/**
 * `node bench/flood.ts [--clients N] [--seconds N] [--rounds N]`: does a flood of anonymous
 * callers starve a signed-in editor? A lake of its own (plain HTTP) with a public dataset of 2,000
 * small documents; the editor sends single-document writes one after another, and a by-id read
 * after each, timed, first with the lake otherwise idle, then while `--clients` anonymous
 * callers (default 500, each its own keep-alive connection, all from 127.0.0.1 as every local
 * process) send queries that scan the dataset back to back. Rounds alternate idle and flood
 * (`--rounds`, default 2: idle, flood, idle, flood); printed: the editor's p50 and p90 per phase
 * (and the medians of its writes and of its reads apart),
 * the ratio of the flood's to idle's in the same run, and what the flood's requests got (statuses).
 * Nothing is written to bench/results.
 */
import http from 'node:http'
import {execFileSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {benchFlags} from './flags.ts'
import {startLake} from './lake.ts'
import {median, quantile} from './stats.ts'

const flags = benchFlags(import.meta.filename, {
  clients: {type: 'string', default: '500'},
  seconds: {type: 'string', default: '8'},
  rounds: {type: 'string', default: '2'},
})
const CLIENTS = Number(flags.clients)
const SECONDS = Number(flags.seconds)
const ROUNDS = Number(flags.rounds)
const API = 'v2025-02-19'
const DATASET = 'flood'
/** Scans every document (no index answers a `length` of a field), about what a web page may send. */
const FLOOD_QUERY = '*[_type == "item" && length(title) > 20] | order(n desc)[0...20]{_id, n}'

const t0 = performance.now()
const mark = (what: string) =>
  process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(1)} s: ${what}\n`)
const dataDir = await mkdtemp(join(tmpdir(), 'lake-flood-'))
const lake = await startLake(dataDir)
const editorAgent = new http.Agent({keepAlive: true, maxSockets: 1})
const floodAgent = new http.Agent({keepAlive: true, maxSockets: CLIENTS})

function send(
  agent: http.Agent,
  method: string,
  path: string,
  body?: string,
  token?: string,
): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request(
      `${lake.url}/${API}${path}`,
      {
        method,
        agent,
        headers: {
          ...(token ? {authorization: `Bearer ${token}`} : {}),
          ...(body ? {'content-type': 'application/json'} : {}),
        },
      },
      (response) => {
        response.resume()
        response.once('end', () => resolve(response.statusCode ?? 0))
      },
    )
    request.once('error', () => resolve(0))
    request.end(body)
  })
}

const mutate = (mutations: unknown[]) =>
  send(editorAgent, 'POST', `/data/mutate/${DATASET}`, JSON.stringify({mutations}), lake.token)

try {
  const items = Array.from({length: 2000}, (_, n) => ({
    createOrReplace: {_id: `item-${n}`, _type: 'item', n, title: `Item ${n} ${'x'.repeat(n % 40)}`},
  }))
  mark('lake started')
  if ((await mutate(items)) !== 200) throw new Error('seeding failed')
  mark('seeded')
  execFileSync(
    process.execPath,
    ['lake/cli.ts', 'datasets', 'visibility', DATASET, 'public', '--data', dataDir],
    {stdio: 'ignore'},
  )
  // The CLI's change is picked up within a second.
  await new Promise((resolve) => setTimeout(resolve, 1500))

  const editorTurns = async (seconds: number) => {
    const samples: number[] = []
    const writes: number[] = []
    const until = performance.now() + seconds * 1000
    for (let i = 0; performance.now() < until; i++) {
      const started = performance.now()
      const written = await mutate([{patch: {id: `item-${i % 2000}`, inc: {n: 1}}}])
      writes.push(performance.now() - started)
      const read = await send(
        editorAgent,
        'GET',
        `/data/doc/${DATASET}/item-${i % 2000}`,
        '',
        lake.token,
      )
      if (written !== 200 || read !== 200) throw new Error(`editor got ${written} / ${read}`)
      samples.push(performance.now() - started)
    }
    // Each turn's read: what it took beyond its write.
    return {samples, writes, reads: samples.map((sample, i) => sample - writes[i]!)}
  }
  const phases: {
    phase: string
    p50: number
    p90: number
    write: number
    read: number
    turns: number
    statuses?: string
  }[] = []
  for (let round = 0; round < ROUNDS; round++) {
    for (const phase of ['idle', 'flood']) {
      let flooding = phase === 'flood'
      const statuses = new Map<number, number>()
      const flood = Array.from({length: flooding ? CLIENTS : 0}, async () => {
        const path = `/data/query/${DATASET}?query=${encodeURIComponent(FLOOD_QUERY)}`
        while (flooding) {
          const status = await send(floodAgent, 'GET', path)
          statuses.set(status, (statuses.get(status) ?? 0) + 1)
          // A refused caller waits as Retry-After asks (1 s), as @sanity/client does.
          if (status === 429 || status === 503) await new Promise((r) => setTimeout(r, 1000))
        }
      })
      // The flood's connections open and its first queries queue before the editor starts.
      if (flooding) await new Promise((resolve) => setTimeout(resolve, 1000))
      const {samples, writes, reads} = await editorTurns(SECONDS)
      flooding = false
      await Promise.all(flood)
      mark(`${phase} done`)
      phases.push({
        phase,
        p50: median(samples),
        p90: quantile(samples, 0.9),
        write: median(writes),
        read: median(reads),
        turns: samples.length,
        statuses: phase === 'flood' ? JSON.stringify(Object.fromEntries(statuses)) : undefined,
      })
    }
  }
  console.log(
    `load ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}, ${CLIENTS} anonymous clients`,
  )
  for (const {phase, p50, p90, write, read, turns, statuses} of phases) {
    console.log(
      `${phase.padEnd(5)} editor write+read p50 ${p50.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms ` +
        `(write p50 ${write.toFixed(1)}, read ${read.toFixed(1)}), ` +
        `${turns} turns${statuses ? `; flood answers ${statuses}` : ''}`,
    )
  }
  const p50s = (phase: string) => median(phases.filter((p) => p.phase === phase).map((p) => p.p50))
  console.log(`ratio flood/idle (p50s' medians): ${(p50s('flood') / p50s('idle')).toFixed(2)}x`)
} finally {
  editorAgent.destroy()
  floodAgent.destroy()
  mark('stopping')
  await lake.stop()
  mark('stopped')
  await rm(dataDir, {recursive: true, force: true})
}
