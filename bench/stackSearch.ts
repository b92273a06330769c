/**
 * `node bench/stackSearch.ts [--against DIR] [--size N] [--rounds N] [--runs N] [--data DIR]`: the
 * common word's Studio search (the bench row "text::query, common word") over HTTP in each
 * perspective an editor searches in: `published`, `drafts` (the Studio's default), `raw`, and a
 * release stack (`r1,drafts`), over the archive (bench/data.ts: about one article in ten with a
 * draft) with release versions added (one article in 25, `versions.r1.…`, half of them with the
 * word in their title). Milliseconds per request at the client, median and highest of `--runs`
 * per perspective and round.
 *
 * With `--against DIR` (another checkout of this repository, with its node_modules) rounds
 * alternate between that checkout's lake (A) and this one's (B) over the same data folder, so an
 * A/B shares the machine's load, and their answers must be identical (exit 1 otherwise). `--data`
 * keeps the data folder (made there on the first run) for the next. Nothing is written to
 * bench/results: this is for comparing changes to the search path on a shared machine.
 */
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import type {LakeProcess} from '../kit/lakeProcess.ts'
import {ARCHIVE, archiveOf, archiveDocuments, COMMON_PREFIX, type BenchDocument} from './data.ts'
import {abSides, alternated, indexCaughtUp, startLake} from './lake.ts'
import {STUDIO_SEARCH} from './queries.ts'
import {benchFlags, sizeRoundsRuns} from './flags.ts'
import {median} from './stats.ts'

const flags = benchFlags(import.meta.filename, {
  against: {type: 'string'},
  size: {type: 'string', default: String(ARCHIVE.articles)},
  rounds: {type: 'string', default: '3'},
  runs: {type: 'string', default: '5'},
  data: {type: 'string'},
})
const {articles, rounds, runs} = sizeRoundsRuns(import.meta.filename, flags, ARCHIVE.articles)
const API = 'v2025-02-19'
const DATASET = 'archive'
const PERSPECTIVES = ['published', 'drafts', 'raw', 'r1,drafts']
const PARAMS = {
  __types: ['article', 'headline', 'source'],
  __query: COMMON_PREFIX,
  __rawQuery: COMMON_PREFIX.replace('*', ''),
  __limit: 26,
}

const sides = await abSides(flags.against)

const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')

/** The archive, with release versions: half of them hold the word in their title, half do not. */
function documents(): BenchDocument[] {
  const docs = archiveDocuments(archiveOf(articles))
  const published = docs.filter((doc) => String(doc._id).startsWith('article-'))
  const versions = published
    .filter((_, i) => i % 25 === 3)
    .map((doc, i) => ({
      ...doc,
      _id: `versions.r1.${doc._id}`,
      title: i % 2 ? `${doc.title} নির্বাচনের` : 'সংশোধিত শিরোনাম',
    }))
  return [...docs, ...versions]
}

async function post(lake: LakeProcess, path: string, body: string): Promise<string> {
  const response = await fetch(`${lake.url}/${API}/${path}`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'},
    body,
  })
  const text = await response.text()
  if (response.status !== 200) throw new Error(`${path} ${response.status}: ${text.slice(0, 300)}`)
  return text
}

const dataDir = flags.data ? resolve(flags.data) : await mkdtemp(join(tmpdir(), 'stack-search-'))
const fresh = !existsSync(join(dataDir, 'datasets', `${DATASET}.sqlite`))
let failed = false
try {
  if (fresh) {
    await mkdir(dataDir, {recursive: true})
    const lake = await startLake(dataDir, [], sides[sides.length - 1].start)
    try {
      const docs = documents()
      console.log(`loading ${docs.length} documents (load ${load()})…`)
      for (let i = 0; i < docs.length; i += 1000) {
        const mutations = docs.slice(i, i + 1000).map((doc) => ({createOrReplace: doc}))
        await post(lake, `data/mutate/${DATASET}?visibility=sync`, JSON.stringify({mutations}))
      }
      console.log(`index caught up after ${(await indexCaughtUp(dataDir, DATASET)).toFixed(0)} s`)
    } finally {
      await lake.stop()
    }
  }
  const ms: Record<string, Record<string, number[]>> = {}
  const answers = new Map<string, string>()
  for (const {round, side} of alternated(sides, rounds)) {
    const lake = await startLake(dataDir, ['--query-timeout', '120'], side.start)
    try {
      const before = load()
      for (const perspective of PERSPECTIVES) {
        const search = new URLSearchParams({returnQuery: 'false', perspective})
        const body = JSON.stringify({query: STUDIO_SEARCH, params: PARAMS})
        // A first query warms the query threads and SQLite's page cache: not counted.
        await post(lake, `data/query/${DATASET}?${search}`, body)
        for (let run = 0; run < runs; run++) {
          const started = performance.now()
          const text = await post(lake, `data/query/${DATASET}?${search}`, body)
          const took = performance.now() - started
          ;((ms[side.name] ??= {})[perspective] ??= []).push(took)
          const result = JSON.stringify((JSON.parse(text) as {result: unknown}).result)
          const known = answers.get(perspective)
          if (known === undefined) answers.set(perspective, result)
          else if (known !== result) {
            failed = true
            console.error(`${side.name} ${perspective}: the answer differs`)
          }
        }
        const mine = ms[side.name][perspective].slice(-runs).sort((a, b) => a - b)
        console.log(
          `round ${round + 1} ${side.name} ${perspective.padEnd(10)} median ${median(mine).toFixed(0)} ms, ` +
            `highest ${mine[runs - 1].toFixed(0)} ms (load ${before} → ${load()})`,
        )
      }
    } finally {
      await lake.stop()
    }
  }
  console.log(`\n${articles.toLocaleString('en')} articles; all rounds, per side:`)
  for (const perspective of PERSPECTIVES) {
    const line = sides.map(({name}) => {
      const all = [...ms[name][perspective]].sort((a, b) => a - b)
      return `${name} median ${median(all).toFixed(0)} ms (lowest ${all[0].toFixed(0)})`
    })
    console.log(`${perspective.padEnd(10)} ${line.join(', ')}`)
  }
  for (const [perspective, result] of answers) {
    console.log(`${perspective}: ${(JSON.parse(result) as unknown[]).length} results`)
  }
} finally {
  if (!flags.data) await rm(dataDir, {recursive: true, force: true})
}
if (failed) process.exit(1)
