/**
 * `npm run bench`: the lake's speed and memory as ratios against baselines measured in this same
 * run (never absolute thresholds, never assertions): query latency over HTTP against groq-js in
 * process over the same documents (results must be identical, or the bench fails), the lake's peak
 * memory over the query set, the data file against the documents' JSON, bulk and concurrent write
 * throughput, and the import script's rate. Prints a table and writes bench/results/latest.md.
 *
 * Flags: --size <articles> (default 100,000, with half as many headlines and a source per hundred
 * articles; 10000 makes a quick run), --out <file> (default bench/results/latest.md).
 */
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {evaluate, parse} from 'groq-js'
import {
  ARCHIVE,
  archiveDocuments,
  COMMON_PREFIX,
  newsroomDocuments,
  RARE_WORDS,
  type BenchDocument,
} from './data.ts'
import {type LakeProcess} from '../kit/lakeProcess.ts'
import {startLake} from './lake.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const API = 'v2025-02-19'

const {values: flags} = parseArgs({
  options: {size: {type: 'string'}, out: {type: 'string'}},
})
const articles = flags.size ? Number(flags.size) : ARCHIVE.articles
if (!Number.isInteger(articles) || articles < 100) {
  console.error('--size must be a whole number of articles, at least 100')
  process.exit(2)
}
const SIZE = {
  articles,
  headlines: Math.round((articles * ARCHIVE.headlines) / ARCHIVE.articles),
  sources: Math.max(10, Math.round((articles * ARCHIVE.sources) / ARCHIVE.articles)),
}
const outFile = flags.out ?? join(ROOT, 'bench/results/latest.md')

// ---------------------------------------------------------------------------------------------
// The lake in a child process

/** Resident and peak memory of a process in MB (Linux /proc; `ps` elsewhere, without peak). */
function memoryOf(pid: number): {rss: number; peak: number | null} {
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

/**
 * fetch, retried once when the server closed an idle keep-alive connection just as the request
 * went out (undici's "other side closed"); every request here is idempotent.
 */
async function send(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (err) {
    const code = (err as {cause?: {code?: string}}).cause?.code
    if (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET') throw err
    return fetch(url, init)
  }
}

function auth(lake: LakeProcess): Record<string, string> {
  return {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'}
}

async function mutate(lake: LakeProcess, dataset: string, docs: BenchDocument[]): Promise<void> {
  const response = await send(`${lake.url}/${API}/data/mutate/${dataset}?visibility=sync`, {
    method: 'POST',
    headers: auth(lake),
    body: JSON.stringify({mutations: docs.map((doc) => ({createOrReplace: doc}))}),
  })
  if (!response.ok) throw new Error(`mutate ${response.status}: ${await response.text()}`)
  await response.arrayBuffer()
}

async function load(lake: LakeProcess, dataset: string, docs: BenchDocument[], batch: number) {
  for (let i = 0; i < docs.length; i += batch) await mutate(lake, dataset, docs.slice(i, i + batch))
}

async function lakeQuery(
  lake: LakeProcess,
  dataset: string,
  query: string,
  params: Record<string, unknown>,
): Promise<{result: unknown; ms: number}> {
  const search = new URLSearchParams({query, returnQuery: 'false', perspective: 'published'})
  for (const [name, value] of Object.entries(params)) search.set(`$${name}`, JSON.stringify(value))
  const response = await send(`${lake.url}/${API}/data/query/${dataset}?${search}`, {
    headers: auth(lake),
  })
  if (!response.ok) throw new Error(`query ${response.status}: ${await response.text()}`)
  return (await response.json()) as {result: unknown; ms: number}
}

// ---------------------------------------------------------------------------------------------
// Measuring

type Timing = {median: number; p95: number; runs: number}

/** Times `fn` after one warm-up run, for at least 3 and at most 30 runs or about 1.5 s. */
async function time(fn: () => Promise<unknown>): Promise<Timing> {
  await fn()
  const samples: number[] = []
  const started = performance.now()
  while (samples.length < 3 || (samples.length < 30 && performance.now() - started < 1500)) {
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

/** A Markdown table; also the console output. */
function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')
}

// ---------------------------------------------------------------------------------------------
// The benchmarks

type Goal = {text: string; met: (lake: number, groq: number) => boolean}
const LOOKUP: Goal = {
  text: '≤ 5 ms and ≥ 100× groq-js',
  met: (lake, groq) => lake <= 5 && groq / lake >= 100,
}
const MATCH: Goal = {
  text: '≤ 20 ms and ≥ 50× groq-js',
  met: (lake, groq) => lake <= 20 && groq / lake >= 50,
}

/** The query list, in the published perspective. */
const QUERIES: {name: string; query: string; params: Record<string, unknown>; goal: Goal}[] = [
  {
    name: 'by _id',
    query: '*[_id == $id][0]{_id, title, publishedAt}',
    params: {id: `article-${Math.floor(SIZE.articles / 3)}`},
    goal: LOOKUP,
  },
  {
    name: 'by slug',
    query:
      '*[_type == "article" && slug.current == $slug][0]{_id, title, publishedAt, body, "source": source->name}',
    params: {slug: `article-${Math.floor(SIZE.articles / 2)}`},
    goal: LOOKUP,
  },
  {
    name: 'latest 20',
    query:
      '*[_type == "article" && defined(publishedAt)] | order(publishedAt desc) [0...20] {_id, title, publishedAt, "source": source->name}',
    params: {},
    goal: LOOKUP,
  },
  {
    name: "source's latest 20",
    query:
      '*[_type == "article" && source._ref == $source] | order(publishedAt desc) [0...20] {_id, title, publishedAt}',
    params: {source: 'source-7'},
    goal: LOOKUP,
  },
  {
    name: 'section + order + [20...40]',
    query:
      '*[_type == "article" && section == $section] | order(publishedAt desc) [20...40] {_id, title, publishedAt}',
    params: {section: 'খেলা'},
    goal: LOOKUP,
  },
  {
    name: 'count by type',
    query: 'count(*[_type == "article"])',
    params: {},
    goal: LOOKUP,
  },
  {
    name: 'references($id)',
    query: '*[references($id)]{_id, _type}',
    params: {id: 'source-7'},
    goal: LOOKUP,
  },
  {
    name: 'match, common prefix',
    query:
      '*[_type == "article" && title match $word] | order(publishedAt desc) [0...20] {_id, title}',
    params: {word: COMMON_PREFIX},
    goal: MATCH,
  },
  {
    name: 'match, rare two-word AND',
    query: '*[_type == "article" && title match $words] {_id, title}',
    params: {words: RARE_WORDS},
    goal: MATCH,
  },
  {
    name: 'full scan, common field',
    query: '*[length(title) > $n]._id',
    params: {n: 75},
    goal: {text: '≥ 10× groq-js', met: (lake, groq) => groq / lake >= 10},
  },
  {
    name: 'full scan, other field',
    query: '*[_type == "article" && length(body[1].children[0].text) > $n]._id',
    params: {n: 150},
    goal: {text: '≤ 1.5× groq-js', met: (lake, groq) => lake <= 1.5 * groq},
  },
  {
    name: 'headlines with article and source',
    query:
      '*[_type == "headline"] | order(position asc, _id asc) [0...10] {text, "article": article->{title, "source": source->name}}',
    params: {},
    goal: {text: '(no goal)', met: () => true},
  },
]

/** groq-js in this process over the published documents: the engine without HTTP or storage. */
async function groqJs(docs: BenchDocument[], query: string, params: Record<string, unknown>) {
  const value = await evaluate(parse(query, {params}), {dataset: docs, params})
  return value.get()
}

type QueryResult = {
  name: string
  lake: Timing
  serverMs: number
  groq: Timing
  same: boolean
  goal: Goal
  results: number
}

async function benchQueries(lake: LakeProcess, dataset: string, docs: BenchDocument[]) {
  const published = docs.filter((doc) => !doc._id.startsWith('drafts.'))
  published.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0))
  const queries: QueryResult[] = []
  for (const {name, query, params, goal} of QUERIES) {
    const serverMs: number[] = []
    let lakeResult: unknown
    const lakeTiming = await time(async () => {
      const answer = await lakeQuery(lake, dataset, query, params)
      serverMs.push(answer.ms)
      lakeResult = answer.result
    })
    let groqResult: unknown
    const groqTiming = await time(async () => {
      groqResult = await groqJs(published, query, params)
    })
    const same = JSON.stringify(lakeResult) === JSON.stringify(groqResult)
    serverMs.sort((a, b) => a - b)
    const results = Array.isArray(groqResult) ? groqResult.length : 1
    queries.push({
      name,
      lake: lakeTiming,
      serverMs: serverMs[Math.floor(serverMs.length / 2)],
      groq: groqTiming,
      same,
      goal,
      results,
    })
    log(
      `  ${name}: lake ${ms(lakeTiming.median)} ms, groq-js ${ms(groqTiming.median)} ms${same ? '' : ' DIFFERENT RESULT'}`,
    )
  }
  return queries
}

/** Bytes of the dataset's documents as JSON (the export, one document per line). */
async function exportedBytes(lake: LakeProcess, dataset: string): Promise<number> {
  const response = await send(`${lake.url}/${API}/data/export/${dataset}`, {headers: auth(lake)})
  if (!response.ok) throw new Error(`export ${response.status}: ${await response.text()}`)
  return (await response.arrayBuffer()).byteLength
}

function fileBytes(dataDir: string, dataset: string): number {
  const base = join(dataDir, 'datasets', `${dataset}.sqlite`)
  return [base, `${base}-wal`].reduce(
    (sum, path) => sum + (existsSync(path) ? statSync(path).size : 0),
    0,
  )
}

/**
 * `writers` clients each send createOrReplace of one new article per transaction, the next only
 * after the previous was acknowledged, until `total` transactions are done.
 */
async function concurrentWriters(
  lake: LakeProcess,
  dataset: string,
  writers: number,
  total: number,
) {
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

type MutateResult = {mode: string; documents: number; transactions: number; perSecond: number}

async function benchMutations(lake: LakeProcess): Promise<MutateResult[]> {
  const results: MutateResult[] = []
  const articles = (count: number, seed: number) =>
    newsroomDocuments(count, seed).filter(
      (doc) => doc._type === 'article' && !doc._id.startsWith('drafts.'),
    )
  const single = articles(300, 11)
  let t0 = performance.now()
  for (const doc of single) await mutate(lake, 'mutate-single', [doc])
  results.push({
    mode: 'one document per transaction',
    documents: single.length,
    transactions: single.length,
    perSecond: single.length / ((performance.now() - t0) / 1000),
  })
  for (const batch of [10, 100, 1000]) {
    const docs = articles(5000, batch)
    t0 = performance.now()
    await load(lake, `mutate-batch-${batch}`, docs, batch)
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
    const output = await run(process.execPath, [script, dir, '--as-of', '2025-07-20'], {
      SANITY_STUDIO_API_HOST: lake.url,
      SANITY_STUDIO_DATASET: 'import-bench',
      SANITY_API_TOKEN: lake.token,
    })
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

// ---------------------------------------------------------------------------------------------

const dataDir = await mkdtemp(join(tmpdir(), 'lake-bench-'))
const lake = await startLake(dataDir)
const benchStarted = performance.now()
// Other work on the machine slows everything; the report states the load it ran under.
const loadAtStart = loadavg()[0]
let failed = false
try {
  // Let the lake finish starting before taking its idle memory.
  await fetch(`${lake.url}/v2025-03-01/ping`)
  const idle = memoryOf(lake.child.pid!)
  log(`lake idle: ${mb(idle.rss)} MB`)

  const dataset = 'archive'
  const docs = archiveDocuments(SIZE)
  log(`loading ${rate(docs.length)} documents…`)
  const loadStart = performance.now()
  await load(lake, dataset, docs, 1000)
  const loadSeconds = (performance.now() - loadStart) / 1000
  const jsonBytes = await exportedBytes(lake, dataset)
  const sqliteBytes = fileBytes(dataDir, dataset)
  const afterLoad = memoryOf(lake.child.pid!)

  const peakReset = resetPeak(lake.child.pid!)
  log('queries…')
  const queries = await benchQueries(lake, dataset, docs)
  const afterQueries = memoryOf(lake.child.pid!)
  failed = queries.some((q) => !q.same)

  // Writes get a fresh lake, so the archive and its memory do not weigh on them.
  const writeDir = await mkdtemp(join(tmpdir(), 'lake-bench-writes-'))
  const writeLake = await startLake(writeDir)
  let mutations: MutateResult[]
  let imported: ImportResult
  let writers: {transactions: number; perSecond: number}
  let oneWriter: {transactions: number; perSecond: number}
  try {
    log('writers…')
    oneWriter = await concurrentWriters(writeLake, 'one-writer', 1, 300)
    writers = await concurrentWriters(writeLake, 'fifty-writers', 50, 3000)
    log('mutations…')
    mutations = await benchMutations(writeLake)
    log('import…')
    imported = await benchImport(writeLake, 200)
  } finally {
    await writeLake.stop()
    await rm(writeDir, {recursive: true, force: true})
  }

  // -------------------------------------------------------------------------------------------
  const queryRows = queries.map((q) => [
    q.name,
    rate(q.results),
    ms(q.lake.median),
    ms(q.lake.p95),
    String(q.serverMs),
    ms(q.groq.median),
    ratio(q.groq.median / q.lake.median),
    q.goal.text,
    q.goal.met(q.lake.median, q.groq.median) ? 'met' : 'MISSED',
    q.same ? 'yes' : 'NO',
  ])
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
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd: ROOT}).toString().trim()
    } catch {
      return 'unknown'
    }
  })()
  const groqVersion = (
    JSON.parse(readFileSync(join(ROOT, 'node_modules/groq-js/package.json'), 'utf8')) as {
      version: string
    }
  ).version
  const loadRate = docs.length / loadSeconds
  const peak = peakReset ? afterQueries.peak : null
  const report = [
    '# Benchmark results',
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at commit ${commit}: Node ${process.version}, groq-js ${groqVersion}, ` +
      `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}; the lake runs in its own process over plain HTTP on 127.0.0.1, ` +
      `SQLite in a temporary folder. Total ${((performance.now() - benchStarted) / 1000).toFixed(0)} s; ` +
      `load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end (the machine is shared). ` +
      'Ratios compare with a baseline measured in the same run; absolute times depend on the machine.',
    '',
    `Dataset: ${rate(SIZE.articles)} articles (about 1.9 kB of JSON each, five years of dates; a draft for about one in ten), ` +
      `${rate(SIZE.headlines)} headlines and ${rate(SIZE.sources)} sources: ${rate(docs.length)} documents.`,
    '',
    '## Query latency: lake over HTTP vs groq-js in process',
    '',
    'Published perspective. "lake" is the client-side round trip (median and p95), "server" the median `ms` the lake reports, ' +
      '"groq-js" the same query evaluated in this process over the same published documents already in memory (the baseline); ' +
      '"speed-up" is groq-js / lake. Every result must be identical to groq-js’s, or the bench fails.',
    '',
    table(
      [
        'query',
        'results',
        'lake median ms',
        'lake p95 ms',
        'server ms',
        'groq-js median ms',
        'speed-up',
        'goal',
        'goal met',
        'same result',
      ],
      queryRows,
    ),
    '',
    '## Storage and memory',
    '',
    table(
      ['measure', 'value', 'goal', 'goal met'],
      [
        [
          'bulk load, createOrReplace in transactions of 1,000',
          `${rate(loadRate)} documents/s (${loadSeconds.toFixed(1)} s)`,
          '≥ 15,000 documents/s',
          loadRate >= 15_000 ? 'met' : 'MISSED',
        ],
        [
          'data file (with WAL) / JSON of the current documents',
          `${ratio(sqliteBytes / jsonBytes)} (${mb(sqliteBytes / 1048576)} MB / ${mb(jsonBytes / 1048576)} MB)`,
          '≤ 1.5×',
          sqliteBytes / jsonBytes <= 1.5 ? 'met' : 'MISSED',
        ],
        [
          'lake peak RSS over the query set',
          peak === null
            ? `not measurable here (RSS after: ${mb(afterQueries.rss)} MB)`
            : `${mb(peak)} MB`,
          '≤ 400 MB',
          peak === null ? '?' : peak <= 400 ? 'met' : 'MISSED',
        ],
        ['lake RSS idle / after load', `${mb(idle.rss)} MB / ${mb(afterLoad.rss)} MB`, '', ''],
      ],
    ),
    '',
    '## Writes',
    '',
    'Concurrent writers: each client sends createOrReplace of one new article per transaction and waits for the acknowledgement ' +
      '(durable) before the next; the baseline is one such client alone. Group commit makes many waiting transactions share one fsync.',
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
          writers.perSecond >= 2000 ? 'met' : 'MISSED',
        ],
      ],
    ),
    '',
    'Sequential createOrReplace requests of new articles to a fresh lake, each transaction acknowledged before the next; ' +
      'the baseline is one document per transaction.',
    '',
    table(
      ['mode', 'documents', 'transactions', 'documents/s', 'vs one per transaction'],
      mutateRows,
    ),
    '',
    '## Import of seed-format files',
    '',
    'scripts/import.ts over 200 variants of data/seed/*.txt (a number added to the title and to each related headline, so ids differ; the source is shared), one transaction per file, into an empty dataset; the time includes starting the script.',
    '',
    importText,
    '',
  ].join('\n')
  await mkdir(join(ROOT, 'bench/results'), {recursive: true})
  await writeFile(outFile, report)
  console.log(report)
  log(`written to ${outFile}`)
  if (failed) log('FAILED: the lake and groq-js gave different results (see "same result")')
} finally {
  await lake.stop()
  await rm(dataDir, {recursive: true, force: true})
}
if (failed) process.exitCode = 1
