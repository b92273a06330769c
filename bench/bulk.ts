/**
 * `node bench/bulk.ts [--against DIR] [--rounds N] [--size N | --full] [--in-flight N]
 * [--import-shape] [--search] [--random-ids]` (`--help` prints the usage): the bulk load alone, as
 * `npm run bench -- --writes` measures it (a lake of its own, 300 warm-up transactions on another
 * dataset, then, once its query threads have loaded, the archive's documents as createOrReplace in
 * transactions of 1,000 over keep-alive node:http, one at a time, the bodies serialised before the
 * timer), with the lake's CPU a
 * document until the full-text index held them, by kind of thread (as named in /proc), the
 * lake's resident memory then and its peak, the dataset's file with its WAL then, and the file at rest (once the lake's idle checkpoint has
 * emptied the WAL, as the bench's data-file goal reads it) with SQLite's page and free-page counts
 * (`BENCH_DBSTAT=1`: and each table's and index's MB, SQLite's dbstat). `--size` counts articles (default 30,000; headlines and sources
 * scale with them as in the archive), `--full` is the archive's 161,070 documents. With
 * `--against DIR` (another checkout of this repository, with its node_modules) rounds alternate
 * between that checkout's lake (A) and this one's (B), so that an A/B shares the machine's load;
 * the medians per side are printed. Nothing is written to bench/results: this is for comparing
 * changes to the bulk-load path on a shared machine. `BENCH_CPU_PROF=<dir>` makes each lake write
 * a V8 CPU profile there, as in bench/run.ts. `--in-flight N` keeps N transactions in flight
 * instead of one. `--import-shape` sends the batches as `@sanity/import` 7 cuts them (at most 256 kB
 * of JSON each, about 120 of the archive's articles) with six in flight unless `--in-flight` says
 * otherwise: the tool's shape without its own minutes of preparation. `--search` times two of the archive's searches
 * (a title `match` and the Studio's `text::query`, bench/queries.ts) right after the last answer,
 * while documents still wait for the index (every search re-checks them), and again once indexed:
 * the answers must be the same. It delays the index's catch-up by what they take. It also reads
 * the queue's length every 250 ms during the load and prints its peak (the store's bound,
 * sqliteStore.ts MAX_QUEUED, makes the load wait for the analyzer past it). `--random-ids` maps
 * every `_id` and `_ref` to an id shaped as the Studio makes them (bench/data.ts withSanityIds):
 * the archive's own ids arrive nearly in key order, a real archive's at random. Each round also
 * prints, over the load's seconds (until the last answer), what each of the lake's threads ran
 * and how long it was runnable but waited for a core (Linux schedstat): whether the lake's own
 * threads (the analyzer's beside the event loop's and the commit thread's) compete for the cores.
 */
import http from 'node:http'
import {existsSync, statSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {
  abSides,
  alternated,
  cpuSecondsOf,
  fileParts,
  fileSettled,
  indexCaughtUp,
  memoryOf,
  startLake,
  threadSecondsOf,
  threadShares,
  threadWaits,
  threadWaitsOf,
  postJson,
  postMutations,
  queryThreadsLoaded,
} from './lake.ts'
import {
  ARCHIVE,
  archiveOf,
  archiveDocuments,
  IMPORT_IN_FLIGHT,
  importToolBatches,
  newsroomDocuments,
  withSanityIds,
} from './data.ts'
import {archiveQueries} from './queries.ts'
import {DatabaseSync} from 'node:sqlite'
import {benchFlags, usageError} from './flags.ts'
import {median} from './stats.ts'

const HELP = `Usage: npx node bench/bulk.ts [options]

The bulk load alone (as \`npm run bench -- --writes\` measures it): docs/s, the lake's CPU a
document by thread, its memory and the dataset's file once indexed, the file at rest, and what
each thread ran and waited for a core during the load. Nothing goes to bench/results.

  --size N         articles in the archive (default 30,000; headlines and sources scale)
  --full           the whole archive (161,070 documents)
  --rounds N       rounds per side (default 2)
  --against DIR    alternate rounds with another checkout's lake (A) against this one's (B)
  --in-flight N    transactions kept in flight (default 1; 6 with --import-shape)
  --import-shape   batches as @sanity/import 7 cuts them (at most 256 kB of JSON each)
                   instead of 1,000 documents, six in flight as it sends them
  --search         time two searches while documents wait for the index, and once indexed
  --random-ids     every _id and _ref mapped through a stable hash to an id shaped as the
                   Studio makes them (a UUID; drafts. and versions.<release>. prefixes kept,
                   references still name the same documents); the default ids (article-N)
                   arrive nearly in key order, a real archive's at random
  -h, --help       this text

BENCH_DBSTAT=1 adds each table's and index's MB; BENCH_CPU_PROF=<dir> writes V8 CPU profiles.
`

const flags = benchFlags(
  import.meta.filename,
  {
    against: {type: 'string'},
    rounds: {type: 'string', default: '2'},
    size: {type: 'string'},
    full: {type: 'boolean'},
    'in-flight': {type: 'string'},
    'import-shape': {type: 'boolean'},
    search: {type: 'boolean'},
    'random-ids': {type: 'boolean'},
  },
  HELP,
)
const importShape = flags['import-shape'] === true
const inFlight = Number(flags['in-flight'] ?? (importShape ? IMPORT_IN_FLIGHT : 1))
if (!Number.isInteger(inFlight) || inFlight < 1) {
  usageError(import.meta.filename, '--in-flight must be a whole number of at least 1')
}
const rounds = Number(flags.rounds)
const articles = flags.full ? ARCHIVE.articles : Number(flags.size ?? 30_000)
if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(articles) || articles < 100) {
  usageError(import.meta.filename, '--rounds must be at least 1 and --size at least 100 articles')
}
const SIZE = archiveOf(articles)
const BATCH = 1000
const WARM_UP = 300

const sides = await abSides(flags.against)

const agent = new http.Agent({keepAlive: true})

const docs = flags['random-ids'] ? withSanityIds(archiveDocuments(SIZE)) : archiveDocuments(SIZE)
const batches = importShape
  ? importToolBatches(docs)
  : Array.from({length: Math.ceil(docs.length / BATCH)}, (_, i) =>
      docs.slice(i * BATCH, (i + 1) * BATCH),
    )
const bodies = batches.map((batch) =>
  JSON.stringify({mutations: batch.map((doc) => ({createOrReplace: doc}))}),
)
const warmUp = newsroomDocuments(WARM_UP, 99).map((doc) =>
  JSON.stringify({mutations: [{createOrReplace: doc}]}),
)

type Round = {
  side: string
  perSecond: number
  indexedPerSecond: number
  cpuUs: number
  /** The dataset's file and its WAL once indexed (not at rest: the WAL may still hold pages). */
  fileMB: number
  /** The file at rest (its WAL emptied by the lake's idle checkpoint), as the bench's goal reads it. */
  rest: FileAtRest
  load: number
  /** The lake's memory once indexed, MB (bench/lake.ts memoryOf). */
  memory: {rss: number; peak: number | null}
  /** CPU µs a document by kind of thread, worker threads largest first. */
  threads: Map<string, number>
  /** The load's seconds, until the last answer. */
  seconds: number
  /**
   * Over those seconds, what each thread ran and how long it was runnable but waited for a core
   * (threadWaits): whether the lake's threads compete for the cores during the load.
   */
  waits: Map<string, {ran: number; waited: number}>
  /** --search: documents waiting for the index at the last answer, and each search's ms then and indexed. */
  searches?: {
    queued: number
    /** The most documents seen waiting during the load (read every 250 ms), and when (s into it). */
    peak: {queued: number; at: number}
    timings: {name: string; queuedMs: number; indexedMs: number; refused?: string}[]
  }
}

type FileAtRest = {
  mb: number
  walMB: number
  pages: number
  freePages: number
  /** BENCH_DBSTAT=1: MB in pages and MB unused in them per table and index (SQLite's dbstat). */
  parts?: {name: string; mb: number; unusedMB: number}[]
}

/**
 * The dataset's file once the lake's idle checkpoint has emptied its WAL (at most `waitMs`; the
 * WAL's size says if it did not), with SQLite's count of its pages and of those free.
 */
async function fileAtRest(dir: string, dataset: string, waitMs = 15_000): Promise<FileAtRest> {
  const file = join(dir, 'datasets', `${dataset}.sqlite`)
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0)
  await fileSettled(dir, dataset, 2000, waitMs)
  const db = new DatabaseSync(file, {readOnly: true})
  try {
    const pragma = (name: string) =>
      Number(Object.values(db.prepare(`PRAGMA ${name}`).get() as object)[0])
    const parts = process.env.BENCH_DBSTAT
      ? fileParts(dir, dataset)
          .map(({name, bytes, unused}) => ({name, mb: bytes / 1e6, unusedMB: unused / 1e6}))
          .filter((part) => part.mb >= 1)
      : undefined
    return {
      mb: size(file) / 1e6,
      walMB: size(`${file}-wal`) / 1e6,
      pages: pragma('page_count'),
      freePages: pragma('freelist_count'),
      parts,
    }
  } finally {
    db.close()
  }
}

/** The searches `--search` times (bench/queries.ts), by name. */
const SEARCHES = ['title match, rare name (issue 11)', 'text::query, Studio search box (issue 11)']
const searchQueries = archiveQueries(SIZE).filter((q) => SEARCHES.includes(q.name))

/** Documents waiting for the full-text index (queue and re-index's backlog), read off the file. */
function waitingForIndex(dir: string, dataset: string): number {
  const db = new DatabaseSync(join(dir, 'datasets', `${dataset}.sqlite`), {readOnly: true})
  try {
    return Number(
      (db.prepare('SELECT (SELECT count(*) FROM search_queue) AS n').get() as {n: number}).n,
    )
  } finally {
    db.close()
  }
}

/**
 * One search over HTTP in the published perspective: its answer's text and wall-clock ms, or why
 * the lake refused it (a search of a long queue may meet the query deadline: a 504).
 */
async function timedSearch(
  lake: Awaited<ReturnType<typeof startLake>>,
  query: (typeof searchQueries)[number],
): Promise<{text: string; ms: number; refused?: string}> {
  const t0 = performance.now()
  try {
    const text = await postJson(
      agent,
      lake,
      '/v2025-02-19/data/query/archive?perspective=published&returnQuery=false',
      JSON.stringify({query: query.query, params: query.params}),
    )
    const ms = performance.now() - t0
    return {text: JSON.stringify((JSON.parse(text) as {result: unknown}).result), ms}
  } catch (err) {
    return {text: '', ms: performance.now() - t0, refused: (err as Error).message.slice(0, 60)}
  }
}

async function round(side: (typeof sides)[number]): Promise<Round> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-bench-bulk-'))
  const lake = await startLake(dir, [], side.start)
  try {
    for (let i = 0; i < warmUp.length; i += 50) {
      await Promise.all(
        warmUp.slice(i, i + 50).map((body) => postMutations(agent, lake, 'warm-up', body)),
      )
    }
    await indexCaughtUp(dir, 'warm-up')
    const pid = lake.child.pid!
    // Their start-up is not the load's: measured with it, 3.9 µs a document of the lake's CPU
    // (14.6 under the profiler).
    if ((await queryThreadsLoaded(pid)) === null) {
      console.error(
        `${side.name}: its query threads had not all loaded after 120 s: measured anyway`,
      )
    }
    console.error(`${side.name}: measuring lake ${pid}`)
    const cpu0 = cpuSecondsOf(pid) ?? NaN
    const threads0 = threadSecondsOf(pid)
    const seen = new Map(threads0)
    const sampler = setInterval(() => {
      for (const [id, thread] of threadSecondsOf(pid)) seen.set(id, thread)
    }, 50)
    const waits0 = threadWaitsOf(pid)
    const t0 = performance.now()
    // --search: the queue's length over the load, read off the file beside the lake's own reads.
    const peak = {queued: 0, at: 0}
    const queueSampler = flags.search
      ? setInterval(() => {
          let n = 0
          try {
            n = waitingForIndex(dir, 'archive')
          } catch {
            return // the dataset's file is not there yet, or busy for a moment
          }
          if (n > peak.queued) Object.assign(peak, {queued: n, at: (performance.now() - t0) / 1000})
        }, 250)
      : null
    // Cleared however the load ends: a sampler left running would keep a caller that catches the
    // failure alive, and read the lake's /proc and its file while it stops.
    let searches: Round['searches']
    let seconds: number
    let waits: Round['waits']
    let indexed: number
    try {
      let next = 0
      const sender = async () => {
        while (next < bodies.length) await postMutations(agent, lake, 'archive', bodies[next++])
      }
      await Promise.all(Array.from({length: inFlight}, sender))
      seconds = (performance.now() - t0) / 1000
      waits = threadWaits(waits0, threadWaitsOf(pid))
      if (queueSampler) clearInterval(queueSampler)
      if (flags.search) {
        const queued = waitingForIndex(dir, 'archive')
        const whileQueued = []
        for (const query of searchQueries) whileQueued.push(await timedSearch(lake, query))
        await indexCaughtUp(dir, 'archive')
        const timings = []
        for (const [i, query] of searchQueries.entries()) {
          const answer = await timedSearch(lake, query)
          if (answer.refused) throw new Error(`${query.name}, indexed: ${answer.refused}`)
          if (!whileQueued[i].refused && answer.text !== whileQueued[i].text) {
            throw new Error(
              `${query.name}: answered differently while ${queued} documents were queued`,
            )
          }
          timings.push({
            name: query.name,
            queuedMs: whileQueued[i].ms,
            indexedMs: answer.ms,
            refused: whileQueued[i].refused,
          })
        }
        searches = {queued, peak, timings}
      }
      await indexCaughtUp(dir, 'archive')
      indexed = (performance.now() - t0) / 1000
    } finally {
      if (queueSampler) clearInterval(queueSampler)
      clearInterval(sampler)
    }
    for (const [id, thread] of threadSecondsOf(pid)) seen.set(id, thread)
    // Read with the threads', once indexed: not the packing of the indexes that follows at rest.
    const cpuUs = (((cpuSecondsOf(pid) ?? NaN) - cpu0) * 1e6) / docs.length
    const memory = memoryOf(pid)
    const file = join(dir, 'datasets', 'archive.sqlite')
    const fileMB =
      [file, `${file}-wal`].reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0) /
      1e6
    return {
      fileMB,
      rest: await fileAtRest(dir, 'archive'),
      side: side.name,
      perSecond: docs.length / seconds,
      indexedPerSecond: docs.length / indexed,
      cpuUs,
      threads: threadShares(threads0, seen, docs.length, 1e6),
      seconds,
      waits,
      load: loadavg()[0],
      memory,
      searches,
    }
  } finally {
    await lake.stop()
    await rm(dir, {recursive: true, force: true})
  }
}

const sharesText = (shares: Map<string, number>) =>
  [...shares]
    .filter(([, us]) => us >= 0.5)
    .map(([name, us]) => `${name} ${us.toFixed(1)}`)
    .join('  ')

const waitsText = (waits: Round['waits']) =>
  [...waits]
    .filter(([, {ran, waited}]) => ran + waited >= 0.05)
    .map(([name, {ran, waited}]) => `${name} ${ran.toFixed(2)}/${waited.toFixed(2)} s`)
    .join('  ')

console.error(
  `${docs.length} documents in ${bodies.length} transactions ` +
    `(${importShape ? "@sanity/import's batches, at most 256 kB" : `of ${BATCH}`}), ${inFlight} in flight, ` +
    `${flags['random-ids'] ? 'ids as the Studio makes them' : "the archive's ids"}, load ${loadavg()[0]}`,
)
const results: Round[] = []
for (const {side} of alternated(sides, rounds)) {
  const r = await round(side)
  results.push(r)
  console.log(
    `${r.side} ${Math.round(r.perSecond)}/s (indexed ${Math.round(r.indexedPerSecond)}/s)  ` +
      `lake ${r.cpuUs.toFixed(1)} µs a document  file ${r.fileMB.toFixed(0)} MB  load ${r.load.toFixed(1)}` +
      `  RSS once indexed ${r.memory.rss.toFixed(0)} MB (peak ${r.memory.peak?.toFixed(0) ?? '?'})`,
  )
  console.log(
    `  at rest: file ${r.rest.mb.toFixed(1)} MB, WAL ${r.rest.walMB.toFixed(1)} MB, ` +
      `${r.rest.pages} pages, ${r.rest.freePages} free`,
  )
  if (r.rest.parts) {
    const part = (p: {name: string; mb: number; unusedMB: number}) =>
      `${p.name} ${p.mb.toFixed(1)} (${p.unusedMB.toFixed(1)} unused)`
    console.log(`  ${r.rest.parts.map(part).join(', ')}`)
  }
  console.log(`  ${sharesText(r.threads)}`)
  console.log(
    `  the load's ${r.seconds.toFixed(1)} s, ran/waited for a core: ${waitsText(r.waits)}`,
  )
  if (r.searches) {
    console.log(
      `  ${r.searches.queued} documents queued at the last answer (at most ${r.searches.peak.queued}, ` +
        `${r.searches.peak.at.toFixed(1)} s into the load): ` +
        r.searches.timings
          .map(
            (t) =>
              `${t.name} ${t.queuedMs.toFixed(0)} ms${t.refused ? ` (${t.refused})` : ''} ` +
              `(indexed ${t.indexedMs.toFixed(0)} ms)`,
          )
          .join(', '),
    )
  }
}
for (const side of sides) {
  const mine = results.filter((r) => r.side === side.name)
  console.log(
    `${side.name} (${side.root}) median of ${mine.length}: ` +
      `${Math.round(median(mine.map((r) => r.perSecond)))}/s, ` +
      `indexed ${Math.round(median(mine.map((r) => r.indexedPerSecond)))}/s, ` +
      `lake ${median(mine.map((r) => r.cpuUs)).toFixed(1)} µs a document`,
  )
  const names = new Set(mine.flatMap((r) => [...r.threads.keys()]))
  const medians = new Map(
    [...names].map((name) => [name, median(mine.map((r) => r.threads.get(name) ?? 0))]),
  )
  console.log(`  medians: ${sharesText(medians)}`)
  const waited = (r: Round) => (r.waits.get('MainThread')?.waited ?? NaN) / r.seconds
  console.log(
    `  the event loop waited for a core ${(100 * median(mine.map(waited))).toFixed(0)} % of the load (median)`,
  )
}
agent.destroy()
