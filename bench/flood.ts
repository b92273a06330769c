/**
 * `node bench/flood.ts [--clients N] [--addresses N] [--seconds N] [--rounds N] [--warm N]
 * [--against DIR --runs N]`:
 * does a flood of anonymous callers starve a signed-in editor? A lake of its own (plain HTTP) with
 * a public dataset of 2,000 small documents; the editor sends single-document writes one after
 * another, and a by-id read after each, timed, first with the lake otherwise idle, then while
 * `--clients` anonymous callers (default 500, each its own keep-alive connection) send queries that
 * scan the dataset back to back. The clients come from `--addresses` loopback addresses (default
 * 10, 127.0.0.2 onwards: a flood of many visitors comes from many, and one address's anonymous
 * callers may have 200 requests under way, past which each gets a 429); `--addresses 1` sends them
 * all from 127.0.0.1, as every local process, the flood the bench sent until 2026-12-06. They run
 * on a thread of their own (bench/floodClients.ts); `--same-loop` runs them on the editor's. The
 * lake runs in a session of its own; `--same-session` in the bench's (below). A flood of
 * `--warm` seconds (default 8; 0: none) comes first, timed as the rounds' floods: the first
 * flood on a fresh lake, printed as its own row (its CPU per thread, the query
 * threads before and after, its p50 over the idle phases' in its own ratio) and out of the
 * rounds' ratio: it met threads still loading and compiled the flood's paths, and the editor's p50
 * in it was 4-15 times idle's against 0.8-4.3 after it (2026-12-06). `--against DIR` (another
 * checkout with its node_modules) runs the whole bench on a fresh lake of each, DIR's as A,
 * alternated A B, B A for `--runs` rounds (default 1).
 * Rounds alternate idle and flood (`--rounds`, default 2: idle, flood, idle, flood); printed: the
 * editor's p50 and p90 per phase (and the medians of its writes and of its reads apart), the
 * lake's threads' CPU (ran, and waited for a core) per phase, the ratio of the flood's to idle's in
 * the same run, and what the flood's requests got (200s, 429s, 504s apart).
 * Nothing is written to bench/results.
 */
import http from 'node:http'
import {execFileSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {benchFlags} from './flags.ts'
import {startFlood, type Statuses} from './floodClients.ts'
import {abSides, alternated, startLake, threadWaits, threadWaitsOf, type StartLake} from './lake.ts'
import {median, quantile} from './stats.ts'

const flags = benchFlags(import.meta.filename, {
  clients: {type: 'string', default: '500'},
  addresses: {type: 'string', default: '10'},
  seconds: {type: 'string', default: '8'},
  rounds: {type: 'string', default: '2'},
  'same-loop': {type: 'boolean', default: false},
  'same-session': {type: 'boolean', default: false},
  warm: {type: 'string', default: '8'},
  against: {type: 'string'},
  runs: {type: 'string', default: '1'},
})
const CLIENTS = Number(flags.clients)
const ADDRESSES = Number(flags.addresses)
const SECONDS = Number(flags.seconds)
const ROUNDS = Number(flags.rounds)
const WARM = Number(flags.warm)
const API = 'v2025-02-19'
const DATASET = 'flood'
/** Scans every document (no index answers a `length` of a field), about what a web page may send. */
const FLOOD_QUERY = '*[_type == "item" && length(title) > 20] | order(n desc)[0...20]{_id, n}'

const t0 = performance.now()
const mark = (what: string) =>
  process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(1)} s: ${what}\n`)

for (const {side} of alternated(await abSides(flags.against), Number(flags.runs))) {
  if (flags.against) console.log(`side ${side.name} (${side.root})`)
  await floodRun(side.start)
}

/** The whole bench on a fresh lake started by `start`. */
async function floodRun(start: StartLake) {
  const dataDir = await mkdtemp(join(tmpdir(), 'lake-flood-'))
  // A session of its own, as a lake run as a service has: Linux shares the CPU fairly between
  // sessions (autogroups) first, so in the bench's session the lake's event loop competed with the
  // flood's own clients for that session's share of a loaded machine, which real visitors' machines
  // do not. `--same-session` keeps it in the bench's session, as until 2026-12-06.
  const lake = await startLake(dataDir, [], start, {detached: !flags['same-session']})
  const editorAgent = new http.Agent({keepAlive: true, maxSockets: 1})

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
      createOrReplace: {
        _id: `item-${n}`,
        _type: 'item',
        n,
        title: `Item ${n} ${'x'.repeat(n % 40)}`,
      },
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
      threads: string
      statuses?: Statuses
    }[] = []
    const floodOptions = {
      origin: `http://127.0.0.1:${lake.port}`,
      path: `/${API}/data/query/${DATASET}?query=${encodeURIComponent(FLOOD_QUERY)}`,
      clients: CLIENTS,
      addresses: ADDRESSES,
    }
    const queryThreads = () =>
      [...threadWaitsOf(lake.child.pid!).values()].filter(({name}) => name === 'lake-query').length
    let first: {p50: number; line: string} | undefined
    if (WARM > 0) {
      const threadsBefore = queryThreads()
      const flood = await startFlood(floodOptions, flags['same-loop'])
      // As in the rounds' flood phases: timed from the first second on, past the connections'
      // burst (timed from the first request, its p50 was 4-5 times idle's on either side of the
      // change that loads every query thread at the lake's start, at load 22-25).
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const before = threadWaitsOf(lake.child.pid!)
      const started = performance.now()
      const {samples, writes, reads} = await editorTurns(WARM)
      const seconds = (performance.now() - started) / 1000
      const threads = threadLine(threadWaits(before, threadWaitsOf(lake.child.pid!)), seconds)
      const threadsAtEnd = queryThreads()
      const statuses = await flood.stop()
      first = {
        p50: median(samples),
        line:
          `first flood (fresh lake, out of the rounds' ratio) editor write+read p50 ` +
          `${median(samples).toFixed(1)} ms, p90 ${quantile(samples, 0.9).toFixed(1)} ms ` +
          `(write p50 ${median(writes).toFixed(1)}, read ${median(reads).toFixed(1)}), ` +
          `${samples.length} turns; query threads ${threadsBefore} before, ${threadsAtEnd} at its ` +
          // A client gone stops its query: its thread is terminated, and a new one loads.
          `end, ${queryThreads()} once its clients left; ` +
          `flood answers ${answers(statuses)}\n      lake threads, CPU share ran / waited for a core: ${threads}`,
      }
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const phase of ['idle', 'flood']) {
        const flood =
          phase === 'flood' ? await startFlood(floodOptions, flags['same-loop']) : undefined
        // The flood's connections open and its first queries queue before the editor starts.
        if (flood) await new Promise((resolve) => setTimeout(resolve, 1000))
        const before = threadWaitsOf(lake.child.pid!)
        const benchBefore = threadWaitsOf(process.pid)
        const started = performance.now()
        const {samples, writes, reads} = await editorTurns(SECONDS)
        const seconds = (performance.now() - started) / 1000
        const threads = threadLine(threadWaits(before, threadWaitsOf(lake.child.pid!)), seconds)
        const bench = [...threadWaits(benchBefore, threadWaitsOf(process.pid)).values()].reduce(
          (sum, {ran}) => sum + ran,
          0,
        )
        const statuses = await flood?.stop()
        mark(`${phase} done`)
        phases.push({
          phase,
          p50: median(samples),
          p90: quantile(samples, 0.9),
          write: median(writes),
          read: median(reads),
          turns: samples.length,
          threads: `${threads}; the bench (editor and clients) ran ${Math.round((bench / seconds) * 100)}%`,
          statuses,
        })
      }
    }
    console.log(
      `load ${loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')}, ${CLIENTS} anonymous clients from ${ADDRESSES} address` +
        `${ADDRESSES === 1 ? ' (127.0.0.1)' : 'es'}` +
        `${flags['same-loop'] ? ", on the editor's event loop" : ''}` +
        `${flags['same-session'] ? "; the lake in the bench's session" : ''}`,
    )
    for (const {phase, p50, p90, write, read, turns, threads, statuses} of phases) {
      console.log(
        `${phase.padEnd(5)} editor write+read p50 ${p50.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms ` +
          `(write p50 ${write.toFixed(1)}, read ${read.toFixed(1)}), ` +
          `${turns} turns${statuses ? `; flood answers ${answers(statuses)}` : ''}`,
      )
      console.log(`      lake threads, CPU share ran / waited for a core: ${threads}`)
    }
    const p50s = (phase: string) =>
      median(phases.filter((p) => p.phase === phase).map((p) => p.p50))
    if (first) {
      console.log(first.line)
      console.log(`ratio first flood/idle: ${(first.p50 / p50s('idle')).toFixed(2)}x`)
    }
    console.log(`ratio flood/idle (p50s' medians): ${(p50s('flood') / p50s('idle')).toFixed(2)}x`)
  } finally {
    editorAgent.destroy()
    mark('stopping')
    await lake.stop()
    mark('stopped')
    await rm(dataDir, {recursive: true, force: true})
  }
}

/** The flood's answers: 200s, the 429s (an address's share) and 504s (deadline) apart. */
function answers(statuses: Statuses): string {
  const {200: ok = 0, 429: refused = 0, 504: late = 0, ...rest} = statuses
  const other = Object.entries(rest).map(
    ([status, n]) => `, ${status === '0' ? 'failed' : status} ${n}`,
  )
  return `200 ${ok}, 429 ${refused}, 504 ${late}${other.join('')}`
}

/**
 * The lake's busiest threads in a phase: the share of the phase's seconds each ran and waited
 * for a core (runnable, not running), the event loop (`MainThread`) and the query threads summed.
 */
function threadLine(byName: ReturnType<typeof threadWaits>, seconds: number): string {
  const percent = (x: number) => `${Math.round((x / seconds) * 100)}%`
  return [...byName]
    .filter(([, {ran}]) => ran / seconds >= 0.02)
    .sort(([, a], [, b]) => b.ran - a.ran)
    .map(([name, {ran, waited}]) => `${name} ${percent(ran)} / ${percent(waited)}`)
    .join(', ')
}
