/**
 * `npm run bench`: the lake's speed and memory as ratios against baselines measured in this same
 * run (never absolute thresholds, never assertions): query latency over HTTP against groq-js in
 * process over the same documents, mutation throughput of single-document transactions against
 * batches, the import script's rate, and the lake process's memory. Prints a table and writes
 * bench/results/latest.md.
 *
 * Flags: --sizes 1000,10000[,100000] (default: 1000 and 10000, plus 100000 when 10000 predicts it
 * finishes within about two minutes), --out <file> (default bench/results/latest.md).
 */
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {evaluate, parse} from 'groq-js'
import {MATCH_WORD, newsroomDocuments, type BenchDocument} from './data.ts'
import {benchIsolation, type IsolationResult} from './isolation.ts'
import {type LakeProcess} from '../kit/lakeProcess.ts'
import {startLake} from './lake.ts'
import {benchIndexWrites, SEARCH_QUERIES, type IndexWriteResult} from './search.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const API = 'v2025-02-19'

const {values: flags} = parseArgs({
  options: {sizes: {type: 'string'}, out: {type: 'string'}},
})
const explicitSizes = flags.sizes?.split(',').map((size) => Number(size.trim()))
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

type Baseline = (
  docs: BenchDocument[],
  query: string,
  params: Record<string, unknown>,
) => Promise<unknown>

const QUERIES: {
  name: string
  query: string
  params: (size: number) => Record<string, unknown>
  /** Instead of groq-js (which cannot run text::query), e.g. the lake's evaluator without index. */
  baseline?: Baseline
  baselineName?: string
}[] = [
  {
    name: 'latest 20 by publishedAt',
    query:
      '*[_type == "article" && defined(publishedAt)] | order(publishedAt desc) [0...20] {_id, title, publishedAt, "source": source->name}',
    params: () => ({}),
  },
  {
    name: 'article by slug',
    query:
      '*[_type == "article" && slug.current == $slug][0]{_id, title, publishedAt, body, "source": source->name}',
    params: (size) => ({slug: `article-${Math.floor(size / 2)}`}),
  },
  {
    name: 'text match, 20 newest',
    query:
      '*[_type == "article" && title match $word] | order(publishedAt desc) [0...20] {_id, title}',
    params: () => ({word: MATCH_WORD}),
  },
  {
    name: 'headlines with article and source',
    query:
      '*[_type == "headline"] | order(position asc, _id asc) [0...10] {text, "article": article->{title, "source": source->name}}',
    params: () => ({}),
  },
  ...SEARCH_QUERIES,
]

/** groq-js in this process over the published documents: the engine without HTTP or storage. */
async function groqJs(docs: BenchDocument[], query: string, params: Record<string, unknown>) {
  const value = await evaluate(parse(query, {params}), {dataset: docs, params})
  return value.get()
}

type SizeResult = {
  size: number
  documents: number
  loadSeconds: number
  rssAfterLoad: number
  queries: {name: string; lake: Timing; serverMs: number; groq: Timing; same: boolean}[]
  seconds: number
}

async function benchSize(lake: LakeProcess, size: number): Promise<SizeResult> {
  const started = performance.now()
  const docs = newsroomDocuments(size, size)
  const dataset = `bench-${size}`
  const loadStart = performance.now()
  await load(lake, dataset, docs, 500)
  const loadSeconds = (performance.now() - loadStart) / 1000
  const rssAfterLoad = memoryOf(lake.child.pid!).rss
  const published = docs.filter((doc) => !doc._id.startsWith('drafts.'))
  published.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0))
  const queries: SizeResult['queries'] = []
  for (const {name, query, params, baseline, baselineName} of QUERIES) {
    const p = params(size)
    const serverMs: number[] = []
    let lakeResult: unknown
    const lakeTiming = await time(async () => {
      const answer = await lakeQuery(lake, dataset, query, p)
      serverMs.push(answer.ms)
      lakeResult = answer.result
    })
    let groqResult: unknown
    const groqTiming = await time(async () => {
      groqResult = await (baseline ?? groqJs)(published, query, p)
    })
    const same = JSON.stringify(lakeResult) === JSON.stringify(groqResult)
    serverMs.sort((a, b) => a - b)
    queries.push({
      name: baselineName ? `${name} (baseline: ${baselineName})` : name,
      lake: lakeTiming,
      serverMs: serverMs[Math.floor(serverMs.length / 2)],
      groq: groqTiming,
      same,
    })
    log(`  ${size} ${name}: lake ${ms(lakeTiming.median)} ms, groq-js ${ms(groqTiming.median)} ms`)
  }
  return {
    size,
    documents: docs.length,
    loadSeconds,
    rssAfterLoad,
    queries,
    seconds: (performance.now() - started) / 1000,
  }
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
try {
  // Let the lake finish starting before taking its idle memory.
  await fetch(`${lake.url}/v2025-03-01/ping`)
  const idle = memoryOf(lake.child.pid!)
  log(`lake idle: ${mb(idle.rss)} MB`)

  const sizes: SizeResult[] = []
  for (const size of explicitSizes ?? [1000, 10_000]) sizes.push(await benchSize(lake, size))
  const tenK = sizes.find((result) => result.size === 10_000)
  let hundredK = explicitSizes ? 'only if listed in --sizes' : 'measured'
  if (!explicitSizes && tenK) {
    // Loading and each query scale about linearly; at 100,000 every query runs 4 times (1 + 3).
    const perRun = tenK.queries.reduce((sum, q) => sum + q.lake.median + q.groq.median, 0) / 1000
    const predicted = 10 * (tenK.loadSeconds + 4 * perRun) * 1.2
    if (predicted < 120) sizes.push(await benchSize(lake, 100_000))
    else {
      hundredK = `skipped: 10,000 predicts about ${predicted.toFixed(0)} s for 100,000`
    }
  }
  const afterQueries = memoryOf(lake.child.pid!)

  // Writes get a fresh lake, so the large query datasets and their memory do not weigh on them.
  const writeDir = await mkdtemp(join(tmpdir(), 'lake-bench-writes-'))
  const writeLake = await startLake(writeDir)
  let mutations: MutateResult[]
  let imported: ImportResult
  let isolation: IsolationResult
  let indexWrites: IndexWriteResult
  try {
    log('isolation…')
    isolation = await benchIsolation(writeLake)
    log('mutations…')
    mutations = await benchMutations(writeLake)
    log('import…')
    imported = await benchImport(writeLake, 200)
    log('full-text index writes…')
    indexWrites = await benchIndexWrites()
  } finally {
    await writeLake.stop()
    await rm(writeDir, {recursive: true, force: true})
  }

  // -------------------------------------------------------------------------------------------
  const queryRows = sizes.flatMap((result) =>
    result.queries.map((q) => [
      rate(result.size),
      q.name,
      ms(q.lake.median),
      ms(q.lake.p95),
      String(q.serverMs),
      ms(q.groq.median),
      ratio(q.lake.median / q.groq.median),
      q.same ? 'yes' : 'NO',
    ]),
  )
  const loadRows = sizes.map((result) => [
    rate(result.size),
    rate(result.documents),
    result.loadSeconds.toFixed(1),
    rate(result.documents / result.loadSeconds),
    mb(result.rssAfterLoad),
    ratio(result.rssAfterLoad / idle.rss),
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
  const report = [
    '# Benchmark results',
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at commit ${commit}: Node ${process.version}, groq-js ${groqVersion}, ` +
      `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}; the lake runs in its own process over plain HTTP on 127.0.0.1, ` +
      `SQLite in a temporary folder. Total ${((performance.now() - benchStarted) / 1000).toFixed(0)} s; ` +
      `load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end. ` +
      'Ratios compare with a baseline measured in the same run; absolute times depend on the machine.',
    '',
    '## Query latency: lake over HTTP vs groq-js in process',
    '',
    'Published perspective. "lake" is the client-side round trip (median and p95), "server" the median `ms` the lake reports, ' +
      '"groq-js" the same query evaluated in this process over the same published documents already in memory (the baseline). ' +
      `Each size has that many articles, a draft for about one in ten and a headline per five. 100,000: ${hundredK}.`,
    '',
    table(
      [
        'articles',
        'query',
        'lake median ms',
        'lake p95 ms',
        'server ms',
        'groq-js median ms',
        'lake / groq-js',
        'same result',
      ],
      queryRows,
    ),
    '',
    '## Loading and memory',
    '',
    `createOrReplace in transactions of 500 documents. The lake process used ${mb(idle.rss)} MB idle, ` +
      `${mb(afterQueries.rss)} MB after the query runs` +
      `${afterQueries.peak ? ` (peak ${mb(afterQueries.peak)} MB)` : ''}; the datasets accumulate in one lake, so memory is cumulative.`,
    '',
    table(
      ['articles', 'documents', 'load s', 'documents/s', 'lake RSS MB after load', 'vs idle'],
      loadRows,
    ),
    '',
    '## Mutation throughput',
    '',
    'Sequential createOrReplace requests of new articles to a fresh lake, each transaction acknowledged (durable) before the next; ' +
      'the baseline is one document per transaction.',
    '',
    table(
      ['mode', 'documents', 'transactions', 'documents/s', 'vs one per transaction'],
      mutateRows,
    ),
    '',
    '## Isolation: a pathological query running until its deadline',
    '',
    'An anonymous `count(string::split($s, "")[count(string::split($s, "")[@ == ^]) > 0])` with a 1,500-character `$s` ' +
      '(it held the whole lake for ~7 s before queries ran on worker threads) runs until the lake stops it; meanwhile a by-id ' +
      'query and single-document writes run back to back. Baselines: the same by-id query and writes on the idle lake just before.',
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
      `${isolation.pathological.errorType ?? '(no error)'} (deadline: the default --query-timeout of 10 s).`,
    '',
    '## Full-text index cost on writes',
    '',
    `${rate(indexWrites.documents)} articles, one per transaction, straight into a store (no HTTP, so the worst case), ` +
      'with and without the full-text index, alternated twice.',
    '',
    table(
      ['documents/s with index', 'documents/s without', 'with / without'],
      [
        [
          rate(indexWrites.withIndex),
          rate(indexWrites.withoutIndex),
          ratio(indexWrites.withIndex / indexWrites.withoutIndex),
        ],
      ],
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
} finally {
  await lake.stop()
  await rm(dataDir, {recursive: true, force: true})
}
