/**
 * `node bench/studioWork.ts [--size N | --full] [--random-ids] [--rounds N] [--runs N] [--only NAME]
 * [--data DIR] [--against DIR]`: what Studio 6.9.2 sends while an editor works on the archive,
 * besides the search box (bench/studioSearch.ts): the list panes, opening an article, previews, the
 * slug check, the source picker, the referring documents and the releases list
 * (bench/queries.ts studioWorkRequests), each in the perspective the Studio sends it in, through
 * @sanity/client as the Studio sends it (a GET below the client's 11,264 characters, else a POST).
 * Printed: each request's median and highest of `--runs` per round at the client, then groq-js's
 * milliseconds over the lake's export in that perspective (with the lake's text::query dereference)
 * and the ratio; any answer that differs from groq-js's fails the run (exit 1). Last, the planner's
 * own account of each request, by this checkout's planner over its side's data file opened in this
 * process after the rounds (with any index its lake learnt from them): whether every read seeks an
 * index (Store.seeks, from SQLite's EXPLAIN QUERY PLAN) or which scan, and the rows and bodies read.
 *
 * With `--against DIR` (another checkout of this repository, with its node_modules) rounds
 * alternate between that checkout's lake (A) and this one's (B) over copies of one data folder.
 * `--data DIR` keeps the loaded folder there for the next run. Nothing is written to bench/results.
 */
import {createClient, type ClientPerspective, type SanityClient} from '@sanity/client'
import http from 'node:http'
import {mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import type {LakeProcess} from '../kit/lakeProcess.ts'
import {applyPerspective, parsePerspective} from '../lake/core/perspective.ts'
import type {Selection, ScanHint, Store} from '../lake/core/store.ts'
import type {SanityDocument} from '../lake/core/types.ts'
import {executeQuery} from '../lake/query/execute.ts'
import {createSqliteStore} from '../lake/store/sqliteStore.ts'
import {archiveWith} from './data.ts'
import {benchFlags, sizeRoundsRuns} from './flags.ts'
import {abFolders, abSides, exportedArchive, loadArchiveFolder, startLake} from './lake.ts'
import {groqJsOver, studioWorkRequests, type StudioWorkRequest} from './queries.ts'
import {median} from './stats.ts'

const flags = benchFlags(import.meta.filename, {
  against: {type: 'string'},
  size: {type: 'string'},
  full: {type: 'boolean'},
  'random-ids': {type: 'boolean'},
  rounds: {type: 'string', default: '2'},
  runs: {type: 'string', default: '9'},
  only: {type: 'string'},
  data: {type: 'string'},
})
const {articles, rounds, runs} = sizeRoundsRuns(import.meta.filename, flags, 10_000)
const API_DATE = '2025-02-19'

const sides = await abSides(flags.against)
const agent = new http.Agent({keepAlive: true, maxFreeSockets: 1})
const load = () => loadavg()[0].toFixed(1)

const docs = archiveWith(articles, flags['random-ids'])
const requests = studioWorkRequests(docs).filter((r) => !flags.only || r.name === flags.only)

const clientOf = (lake: LakeProcess) =>
  createClient({
    projectId: 'local',
    dataset: 'archive',
    apiHost: lake.url,
    useProjectHostname: false,
    apiVersion: API_DATE,
    token: lake.token,
    useCdn: false,
  })

const post = (client: SanityClient, request: StudioWorkRequest) =>
  client
    .fetch(request.query, request.params, {
      perspective: request.perspective as ClientPerspective,
      returnQuery: false,
    })
    .then((result: unknown) => JSON.stringify(result))

/** What the store was asked while one query ran: reads that scan, rows and bodies. */
interface Account {
  scans: Set<string>
  rows: number
  bodies: number
}

/**
 * The store, noting each read SQLite would answer by a scan or a sort (Store.seeks, the rule
 * queries in place are held to: lake/query/inPlace.ts) and what was read.
 */
function accounted(store: Store, account: Account): Store {
  const seeks = (what: string, read: Parameters<Store['seeks']>[0]) => {
    if (!store.seeks(read)) account.scans.add(what)
  }
  return Object.assign(Object.create(store) as Store, {
    getDocuments(ids: readonly string[]) {
      account.bodies += ids.length
      return store.getDocuments(ids)
    },
    *scan(hint: ScanHint = {}, paths?: Parameters<Store['scan']>[1]) {
      if (!(hint.ids && !hint.order)) {
        seeks(hint.search ? 'full-text scan' : hint.order ? 'scan in order' : 'scan', {hint})
      }
      for (const doc of store.scan(hint, paths)) {
        account.rows++
        yield doc
      }
    },
    *tally(hint: ScanHint, probes: Parameters<NonNullable<Store['tally']>>[1]) {
      account.scans.add('full-text tally')
      for (const tally of store.tally!(hint, probes)) {
        account.rows++
        yield tally
      }
    },
    *select(selection: Selection) {
      seeks(selection.order ? 'selection in order' : 'selection', {selection})
      for (const row of store.select(selection)) {
        account.rows++
        yield row
      }
    },
    countSelected(selection: Selection, atMost?: number) {
      seeks('count', {count: selection})
      return store.countSelected(selection, atMost)
    },
    count() {
      account.scans.add('count of every document')
      return store.count()
    },
  } satisfies Partial<Store>)
}

const root = flags.data ? resolve(flags.data) : await mkdtemp(join(tmpdir(), 'studio-work-'))
const folderOf = (name: string) => join(root, name)
let failed = false
try {
  await abFolders(
    root,
    sides.map((side) => side.name),
    (dir) => loadArchiveFolder(agent, dir, docs, sides[0].start),
  )
  const ms = new Map<string, number[]>()
  const answers = new Map<string, string>()
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...sides].reverse() : sides
    for (const side of order) {
      const lake = await startLake(folderOf(side.name), ['--query-timeout', '120'], side.start)
      const client = clientOf(lake)
      try {
        for (const request of requests) {
          // A first request warms the query threads and SQLite's page cache: not counted.
          await post(client, request)
          const before = load()
          const times: number[] = []
          for (let run = 0; run < runs; run++) {
            const t0 = performance.now()
            const result = await post(client, request)
            times.push(performance.now() - t0)
            const known = answers.get(request.name)
            if (known === undefined) answers.set(request.name, result)
            else if (known !== result) {
              failed = true
              console.error(`${side.name} ${request.name}: the answer differs`)
            }
          }
          times.sort((a, b) => a - b)
          const key = `${side.name} ${request.name}`
          ms.set(key, [...(ms.get(key) ?? []), ...times])
          console.log(
            `round ${round + 1} ${side.name} ${request.name.padEnd(26)} median ${median(times).toFixed(1)} ms, ` +
              `highest ${times[runs - 1].toFixed(1)} ms (load ${before} → ${load()})`,
          )
        }
      } finally {
        await lake.stop()
      }
    }
  }

  // groq-js over the export in each request's perspective: the answer must be the lake's.
  const baselines = new Map<string, number>()
  const stored = await exportedArchive(folderOf(sides[0].name), sides[0].start)
  const views = new Map<string, SanityDocument[]>()
  for (const request of requests) {
    let view = views.get(request.perspective)
    if (!view) {
      view = applyPerspective(stored, parsePerspective(request.perspective, API_DATE), API_DATE)
      views.set(request.perspective, view)
    }
    const t0 = performance.now()
    const result = JSON.stringify(await groqJsOver(view, request.query, request.params))
    baselines.set(request.name, performance.now() - t0)
    if (result !== answers.get(request.name)) {
      failed = true
      console.error(`${request.name}: the lake's answer differs from groq-js's`)
    }
  }

  // The planner's own account, by this checkout's code (B) off B's data file (with the indexes
  // B's lake learnt from the rounds' queries), as a query thread opens it.
  const accounts = new Map<string, Account>()
  const store = createSqliteStore(
    join(folderOf(sides[sides.length - 1].name), 'datasets', 'archive.sqlite'),
    'archive',
    {readOnly: true, cacheBytes: 0},
  )
  try {
    for (const request of requests) {
      const account: Account = {scans: new Set(), rows: 0, bodies: 0}
      await executeQuery(
        accounted(store, account),
        {...request, apiVersion: API_DATE},
        {id: 'bench', kind: 'user', role: 'administrator'} as never,
        {now: new Date(), projectId: 'bench', dataset: 'archive'},
      )
      accounts.set(request.name, account)
    }
  } finally {
    store.close()
  }

  console.log(
    `\n${docs.length.toLocaleString('en')} documents, ${flags['random-ids'] ? "the Studio's ids" : "the archive's ids"}; all rounds, medians per side:`,
  )
  for (const request of requests) {
    const line = sides.map(({name}) => {
      const middle = median(ms.get(`${name} ${request.name}`) ?? [])
      return `${name} ${middle.toFixed(1)} ms (${(baselines.get(request.name)! / middle).toFixed(1)}x groq-js)`
    })
    const account = accounts.get(request.name)!
    const reads = account.scans.size ? `scans: ${[...account.scans].join(', ')}` : 'index'
    console.log(
      `${request.perspective.padEnd(7)} ${request.name.padEnd(26)} ${line.join(', ')}; groq-js ` +
        `${baselines.get(request.name)!.toFixed(0)} ms; ${reads}; ${account.rows} rows, ${account.bodies} bodies`,
    )
  }
} finally {
  agent.destroy()
  if (!flags.data) await rm(root, {recursive: true, force: true})
}
if (failed) process.exit(1)
