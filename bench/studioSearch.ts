/**
 * `node bench/studioSearch.ts [--against DIR] [--size N | --full] [--random-ids] [--rounds N]
 * [--runs N] [--perspectives LIST] [--only NAME] [--data DIR]`: the Studio's search box over HTTP,
 * as Studio 6.9.2 sends it (bench/queries.ts STUDIO_SEARCHES): first the query that finds the
 * sources whose name holds the typed text, then the ranked search with their ids, each in the
 * perspective the search box uses (`raw`) and in `drafts`. What is typed: a Latin word no
 * document holds, a common Bengali prefix, a rare Bengali name, two words, a source's name, a
 * year in Bengali digits and a piece of an article's id (the archive's or, with `--random-ids`, the Studio's UUIDs). Printed:
 * milliseconds per search at the client (both requests), median and highest of `--runs` per
 * round, and each request's share.
 *
 * With `--against DIR` (another checkout of this repository, with its node_modules) rounds
 * alternate between that checkout's lake (A) and this one's (B) over copies of one data folder, and
 * their answers must be identical (exit 1 otherwise). `--baseline` also evaluates both requests
 * once a shape and perspective with groq-js in this process, over the lake's export in that
 * perspective with the lake's text::query dereference and none of its shortcuts (as the bench's
 * row "text::query, common word"): its milliseconds, the ratio, and whether the answers are
 * identical (exit 1 otherwise); at `--full` a common word takes groq-js tens of seconds.
 * `--data DIR` keeps the loaded folder there for the next run (loaded on the first). Nothing is
 * written to bench/results.
 * `BENCH_CPU_PROF=<dir>` makes each lake write a V8 CPU profile there.
 */
import http from 'node:http'
import {mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import type {LakeProcess} from '../kit/lakeProcess.ts'
import {archiveWith} from './data.ts'
import {applyPerspective, parsePerspective} from '../lake/core/perspective.ts'
import type {SanityDocument} from '../lake/core/types.ts'
import {
  abFolders,
  abSides,
  alternated,
  exportedArchive,
  loadArchiveFolder,
  postJson,
  startLake,
} from './lake.ts'
import {groqJsOver, studioSearchTerms, studioSearchRequests} from './queries.ts'
import {benchFlags, sizeRoundsRuns} from './flags.ts'
import {median} from './stats.ts'

const flags = benchFlags(import.meta.filename, {
  against: {type: 'string'},
  size: {type: 'string'},
  full: {type: 'boolean'},
  'random-ids': {type: 'boolean'},
  rounds: {type: 'string', default: '2'},
  runs: {type: 'string', default: '9'},
  perspectives: {type: 'string', default: 'raw,drafts'},
  only: {type: 'string'},
  data: {type: 'string'},
  baseline: {type: 'boolean'},
})
const {articles, rounds, runs} = sizeRoundsRuns(import.meta.filename, flags, 10_000)
const perspectives = flags.perspectives.split(',').filter(Boolean)
const API = 'v2025-02-19'

const sides = await abSides(flags.against)
const agent = new http.Agent({keepAlive: true, maxFreeSockets: 1})
const load = () => loadavg()[0].toFixed(1)

const docs = archiveWith(articles, flags['random-ids'])
const terms = studioSearchTerms(docs).filter((t) => !flags.only || t.name === flags.only)

const post = (lake: LakeProcess, perspective: string, query: string, params: object) =>
  postJson(
    agent,
    lake,
    `/${API}/data/query/archive?returnQuery=false&perspective=${encodeURIComponent(perspective)}`,
    JSON.stringify({query, params}),
  ).then((text) => (JSON.parse(text) as {result: unknown}).result)

/** The Studio's two requests for `typed`: milliseconds of each, and the ranked answer. */
async function search(lake: LakeProcess, perspective: string, typed: string) {
  const [resolve, main] = studioSearchRequests(typed)
  const t0 = performance.now()
  const ids = (await post(lake, perspective, resolve.query, resolve.params)) as string[]
  const t1 = performance.now()
  const {query, params} = main(ids)
  const result = await post(lake, perspective, query, params)
  const t2 = performance.now()
  return {resolveMs: t1 - t0, mainMs: t2 - t1, result: JSON.stringify(result)}
}

/** The Studio's two requests for `typed` by groq-js: milliseconds and the ranked answer. */
async function baselineSearch(view: SanityDocument[], typed: string) {
  const [resolve, main] = studioSearchRequests(typed)
  const t0 = performance.now()
  const ids = (await groqJsOver(view, resolve.query, resolve.params)) as string[]
  const {query, params} = main(ids)
  const result = await groqJsOver(view, query, params)
  return {ms: performance.now() - t0, result: JSON.stringify(result)}
}

const root = flags.data ? resolve(flags.data) : await mkdtemp(join(tmpdir(), 'studio-search-'))
const folderOf = (name: string) => join(root, name)
let failed = false
try {
  // Loaded by the first side (A, the older checkout when comparing) and copied for the other.
  await abFolders(
    root,
    sides.map((side) => side.name),
    (dir) => loadArchiveFolder(agent, dir, docs, sides[0].start),
  )
  const ms = new Map<string, number[]>()
  const answers = new Map<string, string>()
  const baselines = new Map<string, number>()
  if (flags.baseline) {
    const stored = await exportedArchive(folderOf(sides[0].name), sides[0].start)
    for (const perspective of perspectives) {
      const view = applyPerspective(
        stored,
        parsePerspective(perspective, '2025-02-19'),
        '2025-02-19',
      )
      for (const term of terms) {
        const {ms: took, result} = await baselineSearch(view, term.typed)
        baselines.set(`${perspective} ${term.name}`, took)
        answers.set(`${perspective} ${term.name}`, result)
        console.log(
          `groq-js ${perspective.padEnd(7)} ${term.name.padEnd(22)} ${took.toFixed(0)} ms (load ${load()})`,
        )
      }
    }
  }
  for (const {round, side} of alternated(sides, rounds)) {
    const lake = await startLake(folderOf(side.name), ['--query-timeout', '120'], side.start)
    try {
      for (const perspective of perspectives) {
        for (const term of terms) {
          // A first search warms the query threads and SQLite's page cache: not counted.
          await search(lake, perspective, term.typed)
          const before = load()
          const times: {total: number; resolve: number}[] = []
          for (let run = 0; run < runs; run++) {
            const {resolveMs, mainMs, result} = await search(lake, perspective, term.typed)
            times.push({total: resolveMs + mainMs, resolve: resolveMs})
            const key = `${perspective} ${term.name}`
            const known = answers.get(key)
            if (known === undefined) answers.set(key, result)
            else if (known !== result) {
              failed = true
              console.error(`${side.name} ${key}: the answer differs`)
            }
          }
          times.sort((a, b) => a.total - b.total)
          const middle = times[runs >> 1]
          const key = `${side.name} ${perspective} ${term.name}`
          ms.set(key, [...(ms.get(key) ?? []), ...times.map((t) => t.total)])
          console.log(
            `round ${round + 1} ${side.name} ${perspective.padEnd(7)} ${term.name.padEnd(22)} ` +
              `${JSON.stringify(term.typed).padEnd(24)} median ${middle.total.toFixed(1)} ms ` +
              `(resolve ${middle.resolve.toFixed(1)}), highest ${times[runs - 1].total.toFixed(1)} ms ` +
              `(load ${before} → ${load()})`,
          )
        }
      }
    } finally {
      await lake.stop()
    }
  }
  console.log(
    `\n${docs.length.toLocaleString('en')} documents, ${flags['random-ids'] ? "the Studio's ids" : "the archive's ids"}; all rounds, medians per side:`,
  )
  for (const perspective of perspectives) {
    for (const term of terms) {
      const line = sides.map(({name}) => {
        const all = [...(ms.get(`${name} ${perspective} ${term.name}`) ?? [])].sort((a, b) => a - b)
        const middle = median(all)
        const groq = baselines.get(`${perspective} ${term.name}`)
        const ratio = groq === undefined ? '' : `, ${(groq / middle).toFixed(1)}x groq-js`
        return `${name} ${middle.toFixed(1)} ms (lowest ${all[0].toFixed(1)}${ratio})`
      })
      console.log(`${perspective.padEnd(7)} ${term.name.padEnd(22)} ${line.join(', ')}`)
    }
  }
} finally {
  agent.destroy()
  if (!flags.data) await rm(root, {recursive: true, force: true})
}
if (failed) process.exit(1)
