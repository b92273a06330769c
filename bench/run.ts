/**
 * `npm run bench`: the lake at archive scale, as ratios against baselines measured in this same
 * run (never absolute thresholds, never assertions). Query latency over HTTP against groq-js in
 * process over the same documents (results must be identical, or the bench fails with exit code
 * 1), each with issue 9's or issue 11's goal; the lake's peak memory over the query set; the data
 * file against the documents' JSON; bulk and concurrent write throughput; isolation from a
 * pathological query; what the full-text index costs writes; the import script's rate. Prints a
 * report and writes bench/results/latest.md.
 *
 * Flags: --size <articles> (default 2,000: a few minutes on a laptop), --full (the issue's
 * archive: 100,000 articles, 50,000 headlines, 1,000 sources; half an hour on a busy 2-core
 * machine), --out <file> (default bench/results/latest.md). Headlines and sources scale with the
 * articles as in the archive. --writes measures only the write goals (bulk load, one and fifty
 * writers, with the lake's CPU per document and per transaction), into bench/results/writes.md
 * unless --out says otherwise: minutes at --full, for iterating on the write path. --queries
 * measures only the query rows (into bench/results/queries.md unless --out says otherwise). --storage
 * measures only the data file and what each table and index takes, into bench/results/storage.md.
 * --no-import-tool leaves out the @sanity/import row (at --full, about seven minutes of the tool's
 * own preparation).
 */
import {createClient} from '@sanity/client'
import {sanityImport} from '@sanity/import'
import {execFileSync, spawn} from 'node:child_process'
import http from 'node:http'
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {
  ARCHIVE,
  archiveOf,
  archiveDocuments,
  IMPORT_IN_FLIGHT,
  importToolBatches,
  withSanityIds,
  newsroomDocuments,
  type BenchDocument,
} from './data.ts'
import {benchRevisions, type RevisionTiming} from './history.ts'
import {benchIsolation, SPLIT_LENGTH, type IsolationResult} from './isolation.ts'
import {EXIT, parseOptions, UsageError} from '../kit/cli.ts'
import {type LakeProcess} from '../kit/lakeProcess.ts'
import {QUERY_THREAD_NAME} from '../lake/query/priority.ts'
import {
  cpuSecondsOf,
  fileParts,
  fileSettled,
  indexCaughtUp,
  memoryOf,
  startLake,
  threadsSettled,
} from './lake.ts'
import {archiveQueries, groqJs, type BenchQuery} from './queries.ts'
import {benchIndexWrites, type IndexWriteRate} from './search.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const API = 'v2025-02-19'

const HELP = `Usage: npm run bench -- [--size N | --full] [--writes | --queries | --storage] [--out FILE]
       [--no-import-tool]
       npm run bench -- --storage [--size N | --full] [--random-ids] [--out FILE]
       npm run bench -- --mixed [--size N | --full] [--minutes M] [--out FILE]

The lake at archive scale, as ratios against baselines measured in the same run (never
assertions): query latency against groq-js in process (identical results or exit 1), memory, the
data file, write throughput, isolation, the full-text index's cost, the import. Writes
bench/results/latest.md (docs/benchmarks.md).

  --size N           articles (default 2000; at least 100); headlines and sources scale with them
  --full             the archive: 100,000 articles, 50,000 headlines, 1,000 sources
  --writes           the write goals alone (bench/results/writes.md)
  --queries          the query rows alone (bench/results/queries.md)
  --storage          the data file alone, per table and index (bench/results/storage.md)
  --random-ids       with --storage: every _id and _ref as the Studio makes them (UUIDs in random
                     order, bench/data.ts withSanityIds) instead of the archive's article-N
  --out FILE         write the report there instead
  --no-import-tool   leave out the @sanity/import row (about seven minutes at --full)
  --mixed            the newsroom's day at once, then its invariants, for --minutes M (default 3)
                     on the full archive unless --size (\`--mixed --help\`; bench/results/mixed.md)

Examples:
  npm run bench
  npm run bench -- --full --no-import-tool
  npm run bench -- --writes --size 10000

Exit codes: 0 measured · 1 a result differed from its baseline's · 2 bad arguments
`

// `--mixed` is its own run with its own flags (bench/mixed.ts).
if (process.argv.slice(2).includes('--mixed')) {
  const {mixedMain} = await import('./mixed.ts')
  process.exit(await mixedMain(process.argv.slice(2).filter((arg) => arg !== '--mixed')))
}
const {values: flags} = parseFlags()

/** The flags, or the usage error (exit 2) or help (exit 0) every command of the project gives. */
function parseFlags() {
  try {
    return parseOptions({
      options: {
        help: {type: 'boolean', short: 'h'},
        size: {type: 'string'},
        full: {type: 'boolean'},
        out: {type: 'string'},
        writes: {type: 'boolean'},
        storage: {type: 'boolean'},
        queries: {type: 'boolean'},
        'import-tool': {type: 'boolean', default: true},
        'random-ids': {type: 'boolean'},
      },
      allowNegative: true,
    })
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    console.error(`${error.message}\nRun \`npm run bench -- --help\` for the usage.`)
    process.exit(EXIT.USAGE_ERROR)
  }
}
if (flags.help) {
  process.stdout.write(HELP)
  process.exit(EXIT.SUCCESS)
}
const articles = flags.full ? ARCHIVE.articles : flags.size ? Number(flags.size) : 2000
if (!Number.isInteger(articles) || articles < 100) {
  console.error('--size must be a whole number of articles, at least 100')
  process.exit(EXIT.USAGE_ERROR)
}
const SIZE = archiveOf(articles)
// The query rows name the archive's own ids, so only the data file is measured with the Studio's.
if (flags['random-ids'] && !flags.storage) {
  console.error("--random-ids goes with --storage only (the query rows name the archive's ids)")
  process.exit(EXIT.USAGE_ERROR)
}
/** Writes are measured on their own lake; a quick run measures fewer of them. */
const LARGE = articles >= 50_000
const WRITES = LARGE
  ? {oneWriter: 300, fiftyWriters: 3000, batchDocs: 5000, importFiles: 200, indexDocs: 2000}
  : {oneWriter: 100, fiftyWriters: 1000, batchDocs: 2000, importFiles: 50, indexDocs: 500}
const outFile =
  flags.out ??
  join(
    ROOT,
    flags.writes
      ? 'bench/results/writes.md'
      : flags.storage
        ? 'bench/results/storage.md'
        : flags.queries
          ? 'bench/results/queries.md'
          : 'bench/results/latest.md',
  )

// ---------------------------------------------------------------------------------------------
// The lake in a child process

/**
 * A line of the memory trace: RSS, peak, threads, and RSS split into anonymous memory (heaps) and
 * file pages (the binary, mapped files), the anonymous part split again (anonSplit).
 */
function memLine(pid: number, m: {rss: number; peak: number | null}): string {
  const threads = readdirSync(`/proc/${pid}/task`).length
  let parts = ''
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN)
    parts = ` anon ${mb(kb('RssAnon') / 1024)} file ${mb(kb('RssFile') / 1024)}${anonSplit(pid)}`
  } catch {
    // Gone, or no /proc status: the line without the split.
  }
  return `rss ${mb(m.rss)} peak ${mb(m.peak ?? NaN)} threads ${threads}${parts}`
}

/**
 * Anonymous RSS by who mapped it (/proc smaps), to tell which kind of memory a high run holds:
 * glibc's main arena (`[heap]`), its threads' arenas (mappings at a 64 MB boundary, glibc's heap
 * alignment; a V8 page can fall on one too, rarely), and the rest: V8's heaps of every thread
 * and malloc's large blocks. '' where smaps cannot be read.
 */
function anonSplit(pid: number): string {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8')
  } catch {
    return ''
  }
  const kb = {main: 0, arenas: 0, other: 0}
  let kind: keyof typeof kb | null = null
  for (const line of text.split('\n')) {
    const mapping = /^([0-9a-f]+)-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (mapping) {
      const [, start, perms, path] = mapping
      if (path === '[heap]') kind = 'main'
      else if (path !== '') kind = null
      else
        kind = BigInt(`0x${start}`) % (64n << 20n) === 0n && perms === 'rw-p' ? 'arenas' : 'other'
    } else if (kind && line.startsWith('Rss:')) {
      kb[kind] += Number(line.split(/\s+/)[1])
    }
  }
  return ` (main arena ${mb(kb.main / 1024)}, thread arenas ${mb(kb.arenas / 1024)}, V8 and other ${mb(kb.other / 1024)})`
}

/** Waits until a process's RSS moves less than 1 MB in a second (at most 20 s). */
async function settled(pid: number): Promise<void> {
  const until = performance.now() + 20_000
  let last = memoryOf(pid).rss
  while (performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const now = memoryOf(pid).rss
    if (Math.abs(now - last) < 1) return
    last = now
  }
}

/** Resets a process's peak RSS (VmHWM) on Linux, so a phase's peak can be read on its own. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

/** Socket errors of a keep-alive race: the lake closed an idle connection as a request went out. */
const RACE_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'])

/**
 * fetch, retried once when the server closed an idle keep-alive connection just as the request
 * went out: undici reports "other side closed" (UND_ERR_SOCKET), ECONNRESET, or — when the body
 * is large and was still being written — EPIPE, which is what ended full-size runs while loading
 * (the first 2 MB batch went out on the connection the ping had left idle during the seconds the
 * archive took to generate). Every request here is idempotent (queries, createOrReplace).
 */
async function send(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (err) {
    const cause = (err as {cause?: {code?: string}}).cause
    if (!RACE_CODES.has(cause?.code ?? '')) throw err
    return fetch(url, init)
  }
}

function auth(lake: LakeProcess): Record<string, string> {
  return {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'}
}

/** Keep-alive connections for the writes, one per concurrent writer. */
const writeAgent = new http.Agent({keepAlive: true})

/** One transaction through node:http (see post()), as @sanity/client sends it in Node. */
async function mutate(lake: LakeProcess, dataset: string, docs: BenchDocument[]): Promise<void> {
  await mutateBody(lake, dataset, mutationsBody(docs))
}

/** A transaction's JSON body: createOrReplace of each document. */
function mutationsBody(docs: BenchDocument[]): string {
  return JSON.stringify({mutations: docs.map((doc) => ({createOrReplace: doc}))})
}

async function mutateBody(lake: LakeProcess, dataset: string, body: string): Promise<void> {
  const response = await post(
    `${lake.url}/${API}/data/mutate/${dataset}?visibility=sync`,
    auth(lake),
    body,
    writeAgent,
  )
  if (response.status !== 200) throw new Error(`mutate ${response.status}: ${response.text}`)
}

/** CPU seconds of this process (the bench client) since `since` (process.cpuUsage()). */
function clientSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}

/**
 * The bulk load's transactions of `batch` documents, serialised before the timed section, as an
 * export's batches (NDJSON) are already text before a tool sends them: the client's
 * JSON.stringify of each 2 MB body then no longer shares the two cores with the lake inside the
 * timed loop (about 8 µs a document; loadSerialisedInLoop measures the old way).
 */
function serialisedBatches(docs: BenchDocument[], batch: number): string[] {
  const bodies: string[] = []
  for (let i = 0; i < docs.length; i += batch) bodies.push(mutationsBody(docs.slice(i, i + batch)))
  return bodies
}

/**
 * The bulk load's bodies, sent one transaction at a time (or `inFlight` at a time, each sender
 * taking the next body once answered); the client's CPU seconds meanwhile.
 */
async function loadBodies(
  lake: LakeProcess,
  dataset: string,
  bodies: string[],
  inFlight = 1,
): Promise<number> {
  const cpu0 = process.cpuUsage()
  let next = 0
  const sender = async () => {
    while (next < bodies.length) await mutateBody(lake, dataset, bodies[next++])
  }
  await Promise.all(Array.from({length: inFlight}, sender))
  return clientSeconds(cpu0)
}

/**
 * The bulk load as the bench sent it until 2026-12-03: each transaction's body serialised inside
 * the timed loop, before it is sent. The client's CPU seconds meanwhile.
 */
async function loadSerialisedInLoop(
  lake: LakeProcess,
  dataset: string,
  docs: BenchDocument[],
  batch: number,
): Promise<number> {
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < docs.length; i += batch) await mutate(lake, dataset, docs.slice(i, i + batch))
  return clientSeconds(cpu0)
}

/** The import shape's row, in both reports: the tool's batches from the bench's client. */
const IMPORT_SHAPE_ROW =
  "the same documents in @sanity/import 7's batches (≤ 256 kB of JSON each), 6 in flight, from the bench's client on a lake of its own (the tool's shape, not the goal's row)"

/** The import row's label, in both reports. */
const SANITY_IMPORT_ROW =
  'bulk load as `sanity dataset import` sends it: @sanity/import 7, ≤ 256 kB batches, 6 in flight, createOrReplace'

type SanityImportResult = {
  documents: number
  seconds: number
  /** Before the first batch went out: the tool reading, keying and weakening the documents. */
  prepareSeconds: number
  strengthenSeconds: number
  /** CPU seconds of this process (the tool and its client) while it ran. */
  clientCpuSeconds: number
}

/**
 * The documents loaded by `@sanity/import` itself (what `sanity dataset import --replace` runs):
 * strong references weakened, batches of at most 256 kB, 6 transactions in flight, then the
 * references strengthened by patches (30 in flight), through @sanity/client pointed at the lake.
 * It edits the documents it is given, so it gets a copy. Seconds until sanityImport resolved, the
 * part before the first batch went out and the part spent strengthening.
 */
async function sanityImportLoad(
  lake: LakeProcess,
  dataset: string,
  docs: BenchDocument[],
): Promise<SanityImportResult> {
  const copy = structuredClone(docs)
  const client = createClient({
    projectId: 'local',
    dataset,
    apiHost: lake.url,
    useProjectHostname: false,
    apiVersion: '2025-02-19',
    token: lake.token,
    useCdn: false,
  })
  let importStart: number | null = null
  let strengthenStart: number | null = null
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  // @sanity/import's types name its own nested copy of @sanity/client; the instance is the same API.
  const result = await sanityImport(copy, {
    client: client as unknown as Parameters<typeof sanityImport>[1]['client'],
    operation: 'createOrReplace',
    onProgress: (event) => {
      if (importStart === null && event.step === 'Importing documents') {
        importStart = performance.now()
      }
      if (strengthenStart === null && event.step === 'Strengthening references') {
        strengthenStart = performance.now()
      }
    },
  })
  const end = performance.now()
  const cpu = process.cpuUsage(cpu0)
  // The tool retries failed batches and reports its own count: the lake's is what counts.
  const held = Number(
    await client.fetch('count(*[!(_id in path("_.**"))])', {}, {perspective: 'raw'}),
  )
  if (held !== docs.length || result.numDocs !== docs.length) {
    throw new Error(
      `@sanity/import reported ${result.numDocs} documents and the lake holds ${held}, not ${docs.length}`,
    )
  }
  return {
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
    documents: result.numDocs,
    seconds: (end - t0) / 1000,
    prepareSeconds: ((importStart ?? t0) - t0) / 1000,
    strengthenSeconds: strengthenStart === null ? 0 : (end - strengthenStart) / 1000,
  }
}

/** Where the @sanity/import row's time went, for the reports. */
function toolPhases(result: SanityImportResult): string {
  return (
    `${result.prepareSeconds.toFixed(1)} s before its first batch, ${result.strengthenSeconds.toFixed(1)} s strengthening ` +
    `the weakened references (a patch of every document that holds one), the batches in between at ` +
    `${rate(result.documents / (result.seconds - result.prepareSeconds - result.strengthenSeconds))} documents/s; the tool's own CPU ` +
    `${((result.clientCpuSeconds * 1000) / result.documents).toFixed(2)} ms per document on the same cores`
  )
}

/** Keep-alive connections for the queries (one is used at a time once the warm-up is over). */
let queryAgent = newQueryAgent()

function newQueryAgent(): http.Agent {
  return new http.Agent({keepAlive: true, maxFreeSockets: 1})
}

/**
 * Closes the idle query connections. After a baseline that held this process's event loop for
 * longer than the lake's keep-alive timeout (5 s), the lake has closed them, but this process
 * has not yet heard: the next request would go out on a dead socket ("socket hang up").
 */
function dropIdleConnections(): void {
  queryAgent.destroy()
  queryAgent = newQueryAgent()
}

/**
 * A POST through node:http, as @sanity/client sends requests in Node (get-it's node adapter);
 * undici's fetch costs the client about half a millisecond more per request than that, which is
 * a quarter of an index-answered query's whole round trip. Retried once on a new connection after
 * a keep-alive race, as send() is.
 */
function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  agent = queryAgent,
  retry = true,
) {
  return new Promise<{status: number; text: string}>((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {...headers, 'content-length': Buffer.byteLength(body)},
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () =>
          resolve({status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8')}),
        )
        response.on('error', reject)
      },
    )
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (!retry || !RACE_CODES.has(err.code ?? '')) return reject(err)
      const forQueries = agent === queryAgent
      if (forQueries) dropIdleConnections()
      resolve(post(url, headers, body, forQueries ? queryAgent : agent, false))
    })
    request.end(body)
  })
}

async function lakeQuery(
  lake: LakeProcess,
  dataset: string,
  query: string,
  params: Record<string, unknown>,
): Promise<{result: unknown; ms: number}> {
  const body = JSON.stringify({query, params})
  const search = new URLSearchParams({returnQuery: 'false', perspective: 'published'})
  // POST, as @sanity/client does for long queries (the Studio's search query is one).
  const response = await post(
    `${lake.url}/${API}/data/query/${dataset}?${search}`,
    auth(lake),
    body,
  )
  if (response.status !== 200) throw new Error(`query ${response.status}: ${response.text}`)
  return JSON.parse(response.text) as {result: unknown; ms: number}
}

/**
 * The dataset's documents as the lake stores them (with the `_createdAt`, `_updatedAt` and `_rev`
 * it sets, which a query can read), and their bytes as JSON: the export, one document per line.
 */
async function exported(
  lake: LakeProcess,
  dataset: string,
): Promise<{bytes: number; documents: BenchDocument[]}> {
  const response = await send(`${lake.url}/${API}/data/export/${dataset}`, {headers: auth(lake)})
  if (!response.ok) throw new Error(`export ${response.status}: ${await response.text()}`)
  const text = Buffer.from(await response.arrayBuffer())
  const documents = text
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as BenchDocument)
  return {bytes: text.byteLength, documents}
}

/** fileParts as report rows: MB, share of the documents' JSON, unused. */
function partRows(parts: {name: string; bytes: number; unused: number}[], jsonBytes: number) {
  return parts
    .filter((part) => part.bytes >= 1048576 / 10)
    .map((part) => [
      part.name,
      (part.bytes / 1048576).toFixed(1),
      `${((100 * part.bytes) / jsonBytes).toFixed(1)} %`,
      `${((100 * part.unused) / part.bytes).toFixed(0)} %`,
    ])
}

const PART_HEAD = ['table or index', 'MB', 'of the JSON', 'unused']

function fileBytes(dataDir: string, dataset: string): number {
  const base = join(dataDir, 'datasets', `${dataset}.sqlite`)
  return [base, `${base}-wal`].reduce(
    (sum, path) => sum + (existsSync(path) ? statSync(path).size : 0),
    0,
  )
}

// ---------------------------------------------------------------------------------------------
// Measuring

type Timing = {median: number; p95: number; runs: number}

/**
 * Times `fn` after one warm-up run (which also takes the lake's cold start: its query workers and
 * the dataset file's first open), for at least 3 and at most 30 runs or about 1.5 s. When the
 * warm-up took over 3 s, one more run is all; with `warmUpCounts`, the warm-up itself is the one
 * sample (a baseline's full scan of the archive, where JIT warm-up is noise, would otherwise take
 * many minutes).
 */
async function time(fn: () => Promise<unknown>, warmUpCounts = false): Promise<Timing> {
  const w0 = performance.now()
  await fn()
  const warmUp = performance.now() - w0
  const slow = warmUp > 3000
  if (slow && warmUpCounts) return {median: warmUp, p95: warmUp, runs: 1}
  const samples: number[] = []
  const started = performance.now()
  while (
    samples.length < (slow ? 1 : 3) ||
    (!slow && samples.length < 30 && performance.now() - started < 1500)
  ) {
    const t0 = performance.now()
    await fn()
    samples.push(performance.now() - t0)
  }
  samples.sort((a, b) => a - b)
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]
  return {median: at(0.5), p95: at(0.95), runs: samples.length}
}

const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1))
const ratio = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)}×`
const mb = (value: number) => value.toFixed(0)
const rate = (value: number) => Math.round(value).toLocaleString('en-US')
const met = (ok: boolean) => (ok ? 'met' : 'MISSED')

/** A Markdown table; also the console output. */
function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')
}

// ---------------------------------------------------------------------------------------------
// The benchmarks

type QueryResult = BenchQuery & {
  lake: Timing
  serverMs: number
  baselineTiming: Timing
  same: boolean
  results: number
  /** The lake's error, when it gave one instead of a result. */
  lakeError?: string
}

const QUERY_HEAD = [
  'query',
  'results',
  'lake median ms',
  'lake p95 ms',
  'server ms',
  'baseline median ms',
  'speed-up',
  'goal',
  'goal met',
  'same result',
]

function queryRows(queries: QueryResult[]): string[][] {
  return queries.map((q) => [
    q.baselineName ? `${q.name} (baseline: ${q.baselineName})` : q.name,
    rate(q.results),
    ms(q.lake.median),
    ms(q.lake.p95),
    String(q.serverMs),
    ms(q.baselineTiming.median),
    ratio(q.baselineTiming.median / q.lake.median),
    q.goal.text,
    met(q.goal.met(q.lake.median, q.baselineTiming.median)),
    q.same ? 'yes' : q.lake.runs === 0 ? `NO: ${JSON.stringify(q.lakeError)}` : 'NO',
  ])
}

/**
 * `BENCH_MEM_TRACE=1`: the lake's RSS, peak and threads after the load and after each query row,
 * to find which row sets the peak (each row's peak is read on its own).
 */
const MEM_TRACE = Boolean(process.env.BENCH_MEM_TRACE)
let tracedPeak = 0

async function benchQueries(lake: LakeProcess, dataset: string, docs: BenchDocument[]) {
  const published = docs.filter((doc) => !doc._id.startsWith('drafts.'))
  published.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0))
  const results: QueryResult[] = []
  // Queries answered from an index run in place; the rest go to the query workers, which start
  // with the first such query (seconds: each thread loads the engine). Start them all here, so
  // that no row's warm-up is the pool's start (a warm-up over 3 s leaves a row one sample).
  await Promise.all(
    Array.from({length: 6}, () =>
      lakeQuery(lake, dataset, 'count(*[title match $w])', {w: 'warm-up'}),
    ),
  )
  await threadsSettled(lake.child.pid!, QUERY_THREAD_NAME)
  // The same for the path that answers in place: the first row (by _id) otherwise paid that
  // path's first use (its code not yet compiled by V8), which a lake serving a front page paid long
  // before: by _id took 2.1-2.3 ms over its first 30 runs against 0.7-1.5 ms over the next 200
  // (bench/smallQueries.ts, 2026-12-03). A different id and shape, so no row's answer is cached.
  for (let i = 0; i < 50; i++) {
    await lakeQuery(lake, dataset, '*[_id == $id][0]._id', {
      id: published[i % published.length]._id,
    })
  }
  for (const benchQuery of archiveQueries(SIZE)) {
    const {name, query, params, baseline} = benchQuery
    const serverMs: number[] = []
    let lakeResult: unknown
    let lakeTiming: Timing
    let lakeError: string | undefined
    try {
      lakeTiming = await time(async () => {
        const answer = await lakeQuery(lake, dataset, query, params)
        serverMs.push(answer.ms)
        lakeResult = answer.result
      })
    } catch (err) {
      // A timeout (or any error) is a result too: reported, and the run fails.
      log(`  ${name}: ${(err as Error).message}`)
      lakeTiming = {median: NaN, p95: NaN, runs: 0}
      lakeError = (err as Error).message.slice(0, 200)
    }
    let baselineResult: unknown
    const baselineTiming = await time(async () => {
      baselineResult = await (baseline ?? groqJs)(published, query, params)
    }, true)
    dropIdleConnections()
    if (MEM_TRACE) {
      // Each row's own peak; the query set's is the highest of them.
      const pid = lake.child.pid!
      const m = memoryOf(pid)
      log(`  mem ${name}: ${memLine(pid, m)}`)
      tracedPeak = Math.max(tracedPeak, m.peak ?? 0)
      resetPeak(pid)
    }
    const same = JSON.stringify(lakeResult) === JSON.stringify(baselineResult)
    // The first is the warm-up's (the lake's cold start), which `time` does not count either.
    serverMs.shift()
    serverMs.sort((a, b) => a - b)
    results.push({
      ...benchQuery,
      lake: lakeTiming,
      serverMs: serverMs[Math.floor(serverMs.length / 2)] ?? NaN,
      baselineTiming,
      same,
      lakeError,
      results: Array.isArray(baselineResult) ? baselineResult.length : 1,
    })
    log(
      `  ${name}: lake ${ms(lakeTiming.median)} ms, baseline ${ms(baselineTiming.median)} ms${same ? '' : ' DIFFERENT RESULT'}`,
    )
  }
  return results
}

type Rate = {transactions: number; perSecond: number}

/**
 * `writers` clients each send createOrReplace of one new article per transaction, the next only
 * after the previous was acknowledged, until `total` transactions are done.
 */
async function concurrentWriters(
  lake: LakeProcess,
  dataset: string,
  writers: number,
  total: number,
): Promise<Rate> {
  const docs = newsroomDocuments(total, 99).filter(
    (doc) => doc._type === 'article' && !doc._id.startsWith('drafts.'),
  )
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({length: writers}, async () => {
      while (next < docs.length) await mutate(lake, dataset, [docs[next++]])
    }),
  )
  return {transactions: docs.length, perSecond: docs.length / ((performance.now() - t0) / 1000)}
}

/** Single-document transactions written before a write row is measured (see warmUpWrites). */
const WARM_UP_WRITES = 300

/**
 * Warms the lake's write path up on a dataset of its own: 300 single-document transactions from
 * 50 writers, so that a row measures the lake compiled (V8 optimises the path within the first
 * few hundred requests), not its JIT. Before 2026-12-02 10:36 UTC (eb15df7) a row followed one write.
 */
async function warmUpWrites(lake: LakeProcess, dataDir: string): Promise<void> {
  await concurrentWriters(lake, 'warm-up', 50, WARM_UP_WRITES)
  await indexCaughtUp(dataDir, 'warm-up')
}

type MutateResult = {mode: string; documents: number; transactions: number; perSecond: number}

async function benchMutations(lake: LakeProcess): Promise<MutateResult[]> {
  const results: MutateResult[] = []
  const articles = (count: number, seed: number) =>
    newsroomDocuments(count, seed).filter(
      (doc) => doc._type === 'article' && !doc._id.startsWith('drafts.'),
    )
  const single = articles(WRITES.oneWriter, 11)
  let t0 = performance.now()
  for (const doc of single) await mutate(lake, 'mutate-single', [doc])
  results.push({
    mode: 'one document per transaction',
    documents: single.length,
    transactions: single.length,
    perSecond: single.length / ((performance.now() - t0) / 1000),
  })
  for (const batch of [10, 100, 1000]) {
    const docs = articles(WRITES.batchDocs, batch)
    t0 = performance.now()
    await loadSerialisedInLoop(lake, `mutate-batch-${batch}`, docs, batch)
    results.push({
      mode: `${batch} documents per transaction`,
      documents: docs.length,
      transactions: Math.ceil(docs.length / batch),
      perSecond: docs.length / ((performance.now() - t0) / 1000),
    })
  }
  return results
}

type ImportResult = {files: number; documents: number; seconds: number} | {skipped: string}

/** Runs scripts/import.ts over `files` variants of the seed files against the lake. */
async function benchImport(lake: LakeProcess, files: number): Promise<ImportResult> {
  const script = join(ROOT, 'scripts/import.ts')
  if (!existsSync(script)) return {skipped: 'scripts/import.ts does not exist yet'}
  const seedDir = join(ROOT, 'data/seed')
  const seeds = (await readdir(seedDir)).filter((name) => name.endsWith('.txt'))
  if (seeds.length === 0) return {skipped: 'no seed files in data/seed'}
  const dir = await mkdtemp(join(tmpdir(), 'bench-import-'))
  try {
    for (let i = 0; i < files; i++) {
      const text = readFileSync(join(seedDir, seeds[i % seeds.length]), 'utf8')
      await writeFile(join(dir, `variant-${String(i).padStart(4, '0')}.txt`), variant(text, i + 1))
    }
    const t0 = performance.now()
    const output = await run(
      process.execPath,
      [script, dir, '--as-of', '2025-07-20', '--create-dataset'],
      {
        SANITY_STUDIO_API_HOST: lake.url,
        SANITY_STUDIO_DATASET: 'import-bench',
        SANITY_API_TOKEN: lake.token,
      },
    )
    const seconds = (performance.now() - t0) / 1000
    if (output.code !== 0) return {skipped: `import failed (exit ${output.code}): ${output.tail}`}
    const count = await lakeQuery(lake, 'import-bench', 'count(*)', {})
    return {files, documents: count.result as number, seconds}
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

/**
 * A seed file made distinct: a number after the title and before each related headline, so the
 * content-derived ids differ, while the credit line (and so the shared source) stays the same.
 */
function variant(text: string, n: number): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n')
  const title = lines[0]
  const credit = lines.findIndex((line) => /^\s*সূত্র\s*:/.test(line))
  const desk = credit !== -1 && /\S\s*\/\s*\S/.test(lines[credit + 1] ?? '') ? credit + 1 : credit
  return lines
    .map((line, index) => {
      if (index === 0 || line === title) return `${title} ${n}`
      if (index > desk && desk !== -1 && line.trim() !== '') return `${n} ${line}`
      return line
    })
    .join('\n')
}

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{code: number | null; tail: string}> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {cwd: ROOT, env: {...process.env, ...env}})
    let output = ''
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-2000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('close', (code) =>
      resolve({code, tail: output.trim().split('\n').slice(-3).join(' ')}),
    )
  })
}

function log(message: string): void {
  process.stderr.write(`${message}\n`)
}

/** The commit measured, for a report's first line. */
function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd: ROOT}).toString().trim()
  } catch {
    return 'unknown'
  }
}

/** Now, to the minute, as a report says it (UTC). */
function measuredAt(): string {
  return new Date().toISOString().slice(0, 16).replace('T', ' ')
}

/** Load averages (1 / 5 / 15 min) as a report says them. */
function loads(averages: number[]): string {
  return averages.map((value) => value.toFixed(1)).join(' / ')
}

/** The goal's bulk-load row: its bodies serialised before the timer (serialisedBatches). */
const BULK_ROW = 'bulk load, createOrReplace in transactions of 1,000 (documents)'
/** The same bodies, two transactions in flight (`@sanity/import` keeps six): not the goal's row. */
const BULK_TWO_ROW = 'the same, 2 transactions in flight'
const BULK_IN_LOOP_ROW =
  'the same, each body serialised inside the timed loop (the bench until 2026-12-03)'

/** What the bulk-load rows' client does, and what serialising its bodies beforehand cost it. */
function bulkClientNote(serialiseMs: number): string {
  return (
    `The bulk load's client sends one transaction at a time (the goal's row; the next row two at a time, as a client that overlaps its sends would); for the goal's row it serialised the bodies before the timer ` +
    `(${serialiseMs.toFixed(3)} ms of its CPU a document), as an export's batches are text before a tool sends them; ` +
    'the row after it serialises each body inside the timed loop, as the bench did before 2026-12-03. ' +
    'Bench client CPU: this process while the rows ran, on the same two cores as the lake.'
  )
}

/**
 * `--writes`: the write goals alone, each on a fresh lake — the archive loaded in transactions of
 * 1,000, then one and fifty single-document writers — with the lake's CPU time per document or
 * transaction beside the rates (on a shared machine the rates move with the load; the CPU less).
 */
async function benchWritesOnly(): Promise<void> {
  const started = performance.now()
  const loadAtStart = loadavg()
  const measure = async (
    name: string,
    dataset: string,
    /** The documents or transactions written, and the client's CPU seconds if it measured them. */
    run: (lake: LakeProcess, dataset: string) => Promise<{count: number; clientSeconds?: number}>,
  ) => {
    const dir = await mkdtemp(join(tmpdir(), 'lake-bench-writes-'))
    const lake = await startLake(dir)
    try {
      await send(`${lake.url}/v2025-03-01/ping`).then((response) => response.arrayBuffer())
      await warmUpWrites(lake, dir)
      const pid = lake.child.pid!
      const cpu0 = cpuSecondsOf(pid)
      const loop0 = cpuSecondsOf(pid, true)
      const t0 = performance.now()
      const {count, clientSeconds} = await run(lake, dataset)
      const seconds = (performance.now() - t0) / 1000
      const indexed = seconds + (await indexCaughtUp(dir, dataset))
      const cpu = cpu0 === null ? null : cpuSecondsOf(pid)! - cpu0
      const loop = loop0 === null ? null : cpuSecondsOf(pid, true)! - loop0
      log(`  ${name}: ${rate(count / seconds)}/s, indexed ${rate(count / indexed)}/s`)
      return {
        name,
        count,
        perSecond: count / seconds,
        indexedPerSecond: count / indexed,
        cpuMs: cpu === null ? null : (cpu * 1000) / count,
        loopMs: loop === null ? null : (loop * 1000) / count,
        clientMs: clientSeconds === undefined ? null : (clientSeconds * 1000) / count,
      }
    } finally {
      await lake.stop()
      await rm(dir, {recursive: true, force: true})
    }
  }
  const docs = archiveDocuments(SIZE)
  const serialising = process.cpuUsage()
  const bodies = serialisedBatches(docs, 1000)
  const serialiseMs = (clientSeconds(serialising) * 1000) / docs.length
  const shapeBodies = importToolBatches(docs).map(mutationsBody)
  log(`loading ${rate(docs.length)} documents…`)
  let imported: SanityImportResult | undefined
  const rows = [
    await measure(BULK_ROW, 'archive', async (lake, dataset) => ({
      count: docs.length,
      clientSeconds: await loadBodies(lake, dataset, bodies),
    })),
    await measure(BULK_TWO_ROW, 'archive', async (lake, dataset) => ({
      count: docs.length,
      clientSeconds: await loadBodies(lake, dataset, bodies, 2),
    })),
    await measure(BULK_IN_LOOP_ROW, 'archive', async (lake, dataset) => ({
      count: docs.length,
      clientSeconds: await loadSerialisedInLoop(lake, dataset, docs, 1000),
    })),
    await measure(IMPORT_SHAPE_ROW, 'archive', async (lake, dataset) => ({
      count: docs.length,
      clientSeconds: await loadBodies(lake, dataset, shapeBodies, IMPORT_IN_FLIGHT),
    })),
    ...(flags['import-tool']
      ? [
          await measure(SANITY_IMPORT_ROW, 'archive', async (lake, dataset) => {
            imported = await sanityImportLoad(lake, dataset, docs)
            return {count: imported.documents}
          }),
        ]
      : []),
    await measure(
      'one writer, one document per transaction',
      'one-writer',
      async (lake, dataset) => ({
        count: (await concurrentWriters(lake, dataset, 1, WRITES.oneWriter)).transactions,
      }),
    ),
    await measure(
      '50 writers, one document per transaction',
      'fifty-writers',
      async (lake, dataset) => ({
        count: (await concurrentWriters(lake, dataset, 50, WRITES.fiftyWriters)).transactions,
      }),
    ),
  ]
  const goalOf = new Map([
    [BULK_ROW, 15_000],
    ['50 writers, one document per transaction', 2000],
  ])
  const goals = rows.map((row) => goalOf.get(row.name) ?? null)
  const report = [
    '# Write benchmark (`npm run bench -- --writes`)',
    '',
    `Measured ${measuredAt()} UTC at commit ${gitCommit()}: ` +
      `${rate(docs.length)} archive documents, Node ${process.version}, ${cpus().length} CPUs; ` +
      `load average ${loads(loadAtStart)} at the start, ${loads(loadavg())} at the end; ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s. Each row on a fresh lake over HTTP ` +
      `on 127.0.0.1 after ${WARM_UP_WRITES} single-document transactions to warm it up (another dataset); the bench client shares the machine. "Per second" ` +
      'counts acknowledged (durable) writes, "indexed" until the full-text index held them too. ' +
      "Lake CPU: user + system time of the lake's process (all threads), and of its event loop's " +
      'thread alone, from the first write until indexed, per document or transaction. ' +
      (imported
        ? `The @sanity/import row runs the tool in this process (its own work on the documents included) and ends when it resolves. ` +
          `Of its ${imported.seconds.toFixed(1)} s, ${toolPhases(imported)}. The goal is judged on the row above it.`
        : 'The @sanity/import row was left out (--no-import-tool).') +
      ' ' +
      bulkClientNote(serialiseMs),
    '',
    table(
      [
        'write',
        'count',
        'per second',
        'indexed per second',
        'lake CPU ms each',
        'event loop CPU ms each',
        'bench client CPU ms each',
        'goal',
        '',
      ],
      rows.map((row, i) => [
        row.name,
        rate(row.count),
        rate(row.perSecond),
        rate(row.indexedPerSecond),
        row.cpuMs === null ? '' : row.cpuMs.toFixed(3),
        row.loopMs === null ? '' : row.loopMs.toFixed(3),
        row.clientMs === null ? '' : row.clientMs.toFixed(3),
        goals[i] === null ? '' : `≥ ${rate(goals[i]!)}/s`,
        goals[i] === null ? '' : met(row.perSecond >= goals[i]!),
      ]),
    ),
    '',
  ].join('\n')
  await writeFile(outFile, report)
  process.stdout.write(report)
}

if (flags.writes) {
  await benchWritesOnly()
  process.exit(0)
}
if (flags.storage) {
  await benchStorageOnly()
  process.exit(0)
}

/**
 * `--storage`: the data file alone — the archive bulk-loaded over HTTP, the full-text index caught
 * up, the WAL emptied — against the JSON of the current documents, with what each table and index
 * takes (minutes at --full, for iterating on the file's layout).
 */
async function benchStorageOnly(): Promise<void> {
  const started = performance.now()
  const loadAtStart = loadavg()
  const dir = await mkdtemp(join(tmpdir(), 'lake-bench-storage-'))
  const lake = await startLake(dir)
  try {
    const dataset = 'archive'
    const docs = flags['random-ids']
      ? withSanityIds(archiveDocuments(SIZE))
      : archiveDocuments(SIZE)
    log(`loading ${rate(docs.length)} documents…`)
    await loadSerialisedInLoop(lake, dataset, docs, 1000)
    await indexCaughtUp(dir, dataset)
    const {bytes: jsonBytes} = await exported(lake, dataset)
    // At rest: once writes pause, the lake empties the WAL and packs its indexes (store/sqliteStore.ts).
    await fileSettled(dir, dataset)
    const sqliteBytes = fileBytes(dir, dataset)
    const report = [
      '# Storage benchmark (`npm run bench -- --storage`)',
      '',
      `Measured ${measuredAt()} UTC at commit ${gitCommit()}: ${rate(docs.length)} archive documents ` +
        `bulk-loaded over HTTP in transactions of 1,000${flags['random-ids'] ? ', every id as the Studio makes them (--random-ids)' : ''}; load average ${loads(loadAtStart)} at the start, ` +
        `${loads(loadavg())} at the end; ${((performance.now() - started) / 1000).toFixed(0)} s. ` +
        `Data file (with WAL, at rest) / JSON of the current documents (the export): ` +
        `**${ratio(sqliteBytes / jsonBytes)}** (${(sqliteBytes / jsonBytes).toFixed(3)}: ${(sqliteBytes / 1048576).toFixed(1)} MB / ${(jsonBytes / 1048576).toFixed(1)} MB; goal ≤ 1.5×).`,
      '',
      table(PART_HEAD, partRows(fileParts(dir, dataset), jsonBytes)),
      '',
    ].join('\n')
    await writeFile(outFile, report)
    process.stdout.write(report)
  } finally {
    await lake.stop()
    await rm(dir, {recursive: true, force: true})
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * The archive's lake has a long deadline: on a busy machine a full scan of the archive can take
 * longer than the default 10 s, and the bench measures it rather than the refusal. (The isolation
 * section runs on the writes' lake, with the default deadline.)
 */
const QUERY_TIMEOUT_S = 120
const dataDir = await mkdtemp(join(tmpdir(), 'lake-bench-'))
const lake = await startLake(dataDir, ['--query-timeout', String(QUERY_TIMEOUT_S)])
const benchStarted = performance.now()
// Other work on the machine slows everything; the report states the load it ran under.
const loadAtStart = loadavg()
let failed = false
try {
  // Let the lake finish starting before taking its idle memory: it answers, and its first query
  // thread (started once it listens) has loaded, which its memory holding still for 1 s tells.
  await send(`${lake.url}/v2025-03-01/ping`).then((response) => response.arrayBuffer())
  await settled(lake.child.pid!)
  const idle = memoryOf(lake.child.pid!)
  log(`lake idle: ${mb(idle.rss)} MB`)

  const dataset = 'archive'
  const docs = archiveDocuments(SIZE)
  const serialising = process.cpuUsage()
  const bodies = serialisedBatches(docs, 1000)
  const serialiseMs = (clientSeconds(serialising) * 1000) / docs.length
  log(`loading ${rate(docs.length)} documents…`)
  const loadStart = performance.now()
  const loadClientMs = ((await loadBodies(lake, dataset, bodies)) * 1000) / docs.length
  const loadSeconds = (performance.now() - loadStart) / 1000
  const indexSeconds = (await indexCaughtUp(dataDir, dataset)) + loadSeconds
  const {bytes: jsonBytes, documents: stored} = await exported(lake, dataset)
  // At rest: once writes pause, the lake empties the WAL and packs its indexes (store/sqliteStore.ts).
  await fileSettled(dataDir, dataset)
  const sqliteBytes = fileBytes(dataDir, dataset)
  const parts = fileParts(dataDir, dataset)
  const afterLoad = memoryOf(lake.child.pid!)

  if (MEM_TRACE) log(`  mem after load: ${memLine(lake.child.pid!, afterLoad)}`)
  const peakReset = resetPeak(lake.child.pid!)
  log('queries…')
  // The baselines read the documents as stored: a headline's search score breaks ties by its
  // _updatedAt, which the lake sets (the generated documents have none).
  const queries = await benchQueries(lake, dataset, stored)
  const afterQueries = memoryOf(lake.child.pid!)
  failed = queries.some((q) => !q.same)
  await lake.stop()
  if (flags.queries) {
    const report = [
      '# Query benchmark',
      '',
      `Measured ${measuredAt()} UTC at commit ${gitCommit()} with \`npm run bench -- --queries${flags.full ? ' --full' : flags.size ? ` --size ${flags.size}` : ''}\`: ` +
        `${rate(docs.length)} documents; load average (1 / 5 / 15 min) ${loads(loadAtStart)} at the start, ` +
        `${loads(loadavg())} at the end (the machine is shared). Columns as in latest.md.`,
      '',
      table(QUERY_HEAD, queryRows(queries)),
      '',
    ].join('\n')
    await writeFile(outFile, report)
    log(report)
    process.exitCode = failed ? 1 : 0
    process.exit()
  }

  // Writes get a fresh lake, so the archive and its memory do not weigh on them.
  const writeDir = await mkdtemp(join(tmpdir(), 'lake-bench-writes-'))
  const writeLake = await startLake(writeDir)
  let mutations: MutateResult[]
  let imported: ImportResult
  let writers: Rate
  let oneWriter: Rate
  let isolation: IsolationResult
  let revisions: RevisionTiming
  try {
    log('isolation…')
    isolation = await benchIsolation(writeLake)
    log('writers…')
    await warmUpWrites(writeLake, writeDir)
    oneWriter = await concurrentWriters(writeLake, 'one-writer', 1, WRITES.oneWriter)
    writers = await concurrentWriters(writeLake, 'fifty-writers', 50, WRITES.fiftyWriters)
    log('mutations…')
    mutations = await benchMutations(writeLake)
    log('history…')
    revisions = await benchRevisions(writeLake)
    // A wrong revision fails the run, as a wrong query result does.
    if (!revisions.same) failed = true
    log('import…')
    imported = await benchImport(writeLake, WRITES.importFiles)
  } finally {
    await writeLake.stop()
    await rm(writeDir, {recursive: true, force: true})
  }
  // On a lake of its own: the same documents in @sanity/import's batches and in flight as it
  // sends them, from this client (the tool's own preparation left out): the goal's row stays the
  // one-at-a-time load above.
  log("@sanity/import's shape…")
  const shapeDir = await mkdtemp(join(tmpdir(), 'lake-bench-shape-'))
  const shapeLake = await startLake(shapeDir)
  let shapeSeconds: number
  let shapeIndexSeconds: number
  try {
    await send(`${shapeLake.url}/v2025-03-01/ping`).then((response) => response.arrayBuffer())
    const shapeBodies = importToolBatches(docs).map(mutationsBody)
    const shapeStart = performance.now()
    await loadBodies(shapeLake, dataset, shapeBodies, IMPORT_IN_FLIGHT)
    shapeSeconds = (performance.now() - shapeStart) / 1000
    shapeIndexSeconds = shapeSeconds + (await indexCaughtUp(shapeDir, dataset))
  } finally {
    await shapeLake.stop()
    await rm(shapeDir, {recursive: true, force: true})
  }
  // After every archive row, on a lake of its own: the same documents as @sanity/import sends them.
  let toolLoad: SanityImportResult | null = null
  let toolIndexSeconds = 0
  if (flags['import-tool']) {
    log('@sanity/import…')
    const importDir = await mkdtemp(join(tmpdir(), 'lake-bench-import-'))
    const importLake = await startLake(importDir)
    try {
      await send(`${importLake.url}/v2025-03-01/ping`).then((response) => response.arrayBuffer())
      toolLoad = await sanityImportLoad(importLake, dataset, docs)
      toolIndexSeconds = toolLoad.seconds + (await indexCaughtUp(importDir, dataset))
    } finally {
      await importLake.stop()
      await rm(importDir, {recursive: true, force: true})
    }
  }
  log('full-text index writes…')
  const indexWrites: IndexWriteRate[] = await benchIndexWrites(WRITES.indexDocs)

  // -------------------------------------------------------------------------------------------
  const single = mutations[0].perSecond
  const mutateRows = mutations.map((m) => [
    m.mode,
    rate(m.documents),
    rate(m.transactions),
    rate(m.perSecond),
    ratio(m.perSecond / single),
  ])
  const batched100 = mutations.find((m) => m.mode.startsWith('100 '))!.perSecond
  const importText =
    'skipped' in imported
      ? `Import: ${imported.skipped}.`
      : table(
          [
            'files',
            'documents in dataset',
            'seconds',
            'files/s',
            'documents/s',
            'vs 100-per-tx mutate',
          ],
          [
            [
              rate(imported.files),
              rate(imported.documents),
              imported.seconds.toFixed(1),
              (imported.files / imported.seconds).toFixed(1),
              rate(imported.documents / imported.seconds),
              ratio(imported.documents / imported.seconds / batched100),
            ],
          ],
        )

  const cpu = cpus()
  const groqVersion = (
    JSON.parse(readFileSync(join(ROOT, 'node_modules/groq-js/package.json'), 'utf8')) as {
      version: string
    }
  ).version
  const loadRate = docs.length / loadSeconds
  const peak = peakReset ? Math.max(afterQueries.peak ?? 0, tracedPeak) : null
  const loadAtEnd = loadavg()
  const report = [
    '# Benchmark results',
    '',
    `Measured ${measuredAt()} UTC at commit ${gitCommit()} with \`npm run bench${flags.full ? ' -- --full' : flags.size ? ` -- --size ${flags.size}` : ''}\`: ` +
      `Node ${process.version}, groq-js ${groqVersion}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}; ` +
      'the lake runs in its own process over plain HTTP on 127.0.0.1, SQLite in a temporary folder. ' +
      `Total ${((performance.now() - benchStarted) / 1000).toFixed(0)} s; load average (1 / 5 / 15 min) ${loads(loadAtStart)} at the start, ` +
      `${loads(loadAtEnd)} at the end (the machine is shared). ` +
      'Ratios compare with a baseline measured in the same run; absolute times depend on the machine and its load.',
    '',
    `Dataset: ${rate(SIZE.articles)} articles (about 2 kB of JSON each, five years of dates; a draft for about one in ten), ` +
      `${rate(SIZE.headlines)} headlines and ${rate(SIZE.sources)} sources: ${rate(docs.length)} documents.`,
    '',
    '## Query latency: lake over HTTP vs groq-js in process',
    '',
    'Published perspective. "lake" is the client-side round trip (median and p95), "server" the median `ms` the lake reports, ' +
      '"baseline" groq-js evaluating the same query in this process over the same published documents as the lake stores them (its export), already in memory ' +
      '(for `text::query`, which groq-js does not have, the lake’s evaluator over every document without the index); ' +
      '"speed-up" is baseline / lake. Every result must be identical to the baseline’s, or the bench fails. ' +
      `This lake runs with \`--query-timeout ${QUERY_TIMEOUT_S}\`, so a slow scan is measured rather than stopped.`,
    '',
    table(QUERY_HEAD, queryRows(queries)),
    '',
    '## Storage and memory',
    '',
    table(
      ['measure', 'value', 'goal', 'goal met'],
      [
        [
          'bulk load, createOrReplace in transactions of 1,000 over HTTP, one at a time, the bodies serialised before the timer ' +
            `(the client's CPU: ${serialiseMs.toFixed(3)} ms a document to serialise, ${loadClientMs.toFixed(3)} ms to send; ` +
            'until 2026-12-03 the bench serialised inside the timed loop: `--writes` measures both ways)',
          `${rate(loadRate)} documents/s (${loadSeconds.toFixed(1)} s)`,
          '≥ 15,000 documents/s',
          met(loadRate >= 15_000),
        ],
        [
          'the same, until the full-text index (filled after the commits) held every document',
          `${rate(docs.length / indexSeconds)} documents/s (${indexSeconds.toFixed(1)} s)`,
          '',
          '',
        ],
        [
          IMPORT_SHAPE_ROW,
          `${rate(docs.length / shapeSeconds)} documents/s (${shapeSeconds.toFixed(1)} s; ` +
            `until indexed ${rate(docs.length / shapeIndexSeconds)}/s)`,
          '',
          '',
        ],
        ...(toolLoad
          ? [
              [
                `${SANITY_IMPORT_ROW}, on a lake of its own after the other rows (${toolPhases(toolLoad)})`,
                `${rate(toolLoad.documents / toolLoad.seconds)} documents/s (${toolLoad.seconds.toFixed(1)} s)`,
                '',
                '',
              ],
              [
                'the same, until the full-text index held every document',
                `${rate(toolLoad.documents / toolIndexSeconds)} documents/s (${toolIndexSeconds.toFixed(1)} s)`,
                '',
                '',
              ],
            ]
          : [[SANITY_IMPORT_ROW, 'not measured (--no-import-tool)', '', '']]),
        [
          'data file (with WAL, at rest) / JSON of the current documents',
          `${ratio(sqliteBytes / jsonBytes)} (${mb(sqliteBytes / 1048576)} MB / ${mb(jsonBytes / 1048576)} MB)`,
          '≤ 1.5×',
          met(sqliteBytes / jsonBytes <= 1.5),
        ],
        [
          'lake peak RSS over the query set',
          peak === null
            ? `not measurable here (RSS after: ${mb(afterQueries.rss)} MB)`
            : `${mb(peak)} MB`,
          '≤ 400 MB',
          peak === null ? '?' : met(peak <= 400),
        ],
        ['lake RSS idle / after load', `${mb(idle.rss)} MB / ${mb(afterLoad.rss)} MB`, '', ''],
      ],
    ),
    '',
    'What the data file holds, per table and index (SQLite’s dbstat; parts under 0.1 MB left out):',
    '',
    table(PART_HEAD, partRows(parts, jsonBytes)),
    '',
    '## Writes',
    '',
    'On a lake of their own (without the archive), after the isolation rows and ' +
      `${WARM_UP_WRITES} single-document transactions from 50 writers on another dataset, so the rows measure the write ` +
      'path compiled (runs before 2026-12-02 10:36 UTC followed one write). Concurrent writers: each client sends createOrReplace of one new article per transaction and waits for the ' +
      'acknowledgement (durable) before the next; the baseline is one such client alone. Group commit makes many waiting ' +
      'transactions share one fsync.',
    '',
    table(
      [
        'writers',
        'transactions',
        'acknowledged transactions/s',
        'vs one writer',
        'goal',
        'goal met',
      ],
      [
        ['1', rate(oneWriter.transactions), rate(oneWriter.perSecond), '1.00×', '', ''],
        [
          '50',
          rate(writers.transactions),
          rate(writers.perSecond),
          ratio(writers.perSecond / oneWriter.perSecond),
          '≥ 2,000/s',
          met(writers.perSecond >= 2000),
        ],
      ],
    ),
    '',
    'Sequential createOrReplace requests of new articles, each transaction acknowledged before the next; ' +
      'the baseline is one document per transaction.',
    '',
    table(
      ['mode', 'documents', 'transactions', 'documents/s', 'vs one per transaction'],
      mutateRows,
    ),
    '',
    '## Full-text index cost on writes',
    '',
    'New articles straight into a store (no HTTP around it, so the index’s largest share), with and without the full-text ' +
      'index, alternated twice each. The index is filled after each commit from a durable queue, between commits: ' +
      '"acknowledged" is the rate transactions were durable and answered, "caught up" the rate until the index held ' +
      'every document too. Goal (issue 11): with the index within 20 % of without.',
    '',
    table(
      [
        'mode',
        'documents',
        'documents/s with index, acknowledged',
        'caught up',
        'without',
        'acknowledged / without',
        'caught up / without',
        'goal met',
      ],
      indexWrites.map((w) => [
        w.mode,
        rate(w.documents),
        rate(w.withIndex),
        rate(w.withIndexCaughtUp),
        rate(w.withoutIndex),
        ratio(w.withIndex / w.withoutIndex),
        ratio(w.withIndexCaughtUp / w.withoutIndex),
        met(w.withIndex / w.withoutIndex >= 0.8),
      ]),
    ),
    '',
    '## History: a document at any revision',
    '',
    `One article edited in ${rate(revisions.edits)} transactions (a title change each, a paragraph every tenth), then read ` +
      'at every revision through `data/history/…/documents/{id}?revision=` over HTTP, three times each (its fastest counts: ' +
      'what the revision costs, where a hiccup of a loaded machine would hit any request alike). ' +
      'The log stores a snapshot every 64th change of a document and rebuilds other revisions by walking reverts ' +
      'back from the nearest one. Goal (issue 9): any revision in ≤ 50 ms.',
    '',
    table(
      [
        'revisions',
        'median ms',
        'p95 ms',
        'slowest ms',
        'goal',
        'goal met',
        'every revision right',
      ],
      [
        [
          rate(revisions.revisions),
          ms(revisions.median),
          ms(revisions.p95),
          ms(revisions.worst),
          '≤ 50 ms',
          met(revisions.worst <= 50),
          revisions.same ? 'yes' : 'NO',
        ],
      ],
    ),
    '',
    '## Isolation: a pathological query running until its deadline',
    '',
    'An anonymous `count(string::split($s, "")[count(string::split($s, "")[@ == ^]) > 0])` with a ' +
      `${rate(SPLIT_LENGTH)}-character \`$s\`, POSTed (with 1,500 characters it held the whole lake for ~7 s before queries ran on ` +
      'worker threads; this is four times the work, well past the deadline) runs until the lake stops it; meanwhile a by-id ' +
      'query and single-document writes run back to back, side by side. Baselines: the same by-id query and writes, side by side, on the lake just before, without the pathological query ' +
      `(by-id alone, without the writes: ${ms(isolation.aloneReadP50)} ms p50). ` +
      'Goal: the by-id p50 within 2× idle, writes keep committing, the query ends with the timeout error at the deadline.',
    '',
    table(
      ['measure', 'idle', 'during the pathological query', 'ratio'],
      [
        [
          'by-id query p50 ms',
          ms(isolation.idleReadP50),
          `${ms(isolation.loadedReadP50)} (${isolation.reads} queries)`,
          ratio(isolation.loadedReadP50 / isolation.idleReadP50),
        ],
        [
          'single-document write p50 ms',
          ms(isolation.idleWriteP50),
          `${ms(isolation.loadedWriteP50)} (${isolation.writes} writes)`,
          ratio(isolation.loadedWriteP50 / isolation.idleWriteP50),
        ],
        [
          'writes/s',
          rate(isolation.idleWritesPerSecond),
          rate(isolation.loadedWritesPerSecond),
          ratio(isolation.loadedWritesPerSecond / isolation.idleWritesPerSecond),
        ],
      ],
    ),
    '',
    `The pathological query ended after ${isolation.pathological.seconds.toFixed(1)} s with HTTP ${isolation.pathological.status} ` +
      `${isolation.pathological.errorType ?? '(no error)'}${isolation.pathological.description ? ` ("${isolation.pathological.description}")` : ''} ` +
      `(deadline: the default --query-timeout of 10 s): the timeout error at the deadline ${met(isolation.pathological.timedOut)}.`,
    '',
    '## Import of seed-format files',
    '',
    `scripts/import.ts over ${WRITES.importFiles} variants of data/seed/*.txt (a number added to the title and to each related headline, so ids differ; the source is shared), consecutive files in one transaction as the import sends them (up to 100, 1,000 mutations or about 4 MiB a transaction), into an empty dataset; the time includes starting the script.`,
    '',
    importText,
    '',
  ].join('\n')
  await mkdir(join(outFile, '..'), {recursive: true})
  await writeFile(outFile, report)
  console.log(report)
  log(`written to ${outFile}`)
  if (failed) log('FAILED: the lake and its baseline gave different results (see "same result")')
} finally {
  await lake.stop()
  await rm(dataDir, {recursive: true, force: true})
}
if (failed) process.exitCode = 1
