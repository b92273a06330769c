/**
 * `node bench/studioWork.ts [--size N | --full] [--random-ids] [--rounds N] [--runs N] [--only NAME]
 * [--data DIR] [--against DIR]`: what Studio 6.9.2 sends while an editor works on the archive,
 * besides the search box (bench/studioSearch.ts): the list panes, opening an article, previews, the
 * slug check, the source picker, the referring documents and the releases list
 * (bench/queries.ts studioWorkRequests), each in the perspective the Studio sends it in, through
 * @sanity/client as the Studio sends it (a GET below the client's 11,264 characters, else a POST).
 * Loaded with the archive: an editing session on the opened article (its draft saved EDITS times)
 * and CITED headlines citing it, so the document's history (the timeline's page of transactions
 * and a revision, as sanity 6.9.2's TimelineController and getDocumentAtRevision ask for them)
 * and its referring documents are those of a much-edited, much-cited article; the history has no
 * groq-js baseline.
 * Printed: each request's median and highest of `--runs` per round at the client, then groq-js's
 * milliseconds over the lake's export in that perspective (with the lake's text::query dereference)
 * and the ratio; any answer that differs from groq-js's fails the run (exit 1). Last, the planner's
 * own account of each request, by this checkout's planner over its side's data file opened in this
 * process after the rounds (with any index its lake learnt from them): whether every read seeks an
 * index (Store.seeks, from SQLite's EXPLAIN QUERY PLAN) or which scan, and the rows and bodies read.
 *
 * Each lake is started as `npm run dev` starts it, told the list panes' orders (scripts/dev.ts
 * lakeArgs: `--order-index`), where its checkout has that option.
 *
 * With `--against DIR` (another checkout of this repository, with its node_modules) rounds
 * alternate between that checkout's lake (A) and this one's (B) over copies of one data folder.
 * `--data DIR` keeps the loaded folder there for the next run. Writes bench/results/studioWork.md
 * (`--out FILE` elsewhere).
 */
import {createClient, type ClientPerspective, type SanityClient} from '@sanity/client'
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import {DatabaseSync} from 'node:sqlite'
import {mkdtemp, rm} from 'node:fs/promises'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import type {LakeProcess} from '../kit/lakeProcess.ts'
import {applyPerspective, parsePerspective} from '../lake/core/perspective.ts'
import type {Selection, ScanHint, Store} from '../lake/core/store.ts'
import type {SanityDocument} from '../lake/core/types.ts'
import {executeQuery} from '../lake/query/execute.ts'
import {createSqliteStore} from '../lake/store/sqliteStore.ts'
import {archiveWith} from './data.ts'
import {benchFlags, sizeRoundsRuns} from './flags.ts'
import {
  abFolders,
  abSides,
  exportedArchive,
  loadArchiveFolder,
  postMutations,
  startLake,
} from './lake.ts'
import {groqJsOver, studioWorkRequests, type StudioWorkRequest} from './queries.ts'
import {median} from './stats.ts'
import {STRUCTURE_LISTS} from '../studio/structure.ts'

const flags = benchFlags(import.meta.filename, {
  against: {type: 'string'},
  size: {type: 'string'},
  full: {type: 'boolean'},
  'random-ids': {type: 'boolean'},
  rounds: {type: 'string', default: '2'},
  runs: {type: 'string', default: '9'},
  only: {type: 'string'},
  data: {type: 'string'},
  out: {type: 'string'},
})
const {articles, rounds, runs} = sizeRoundsRuns(import.meta.filename, flags, 10_000)
const API_DATE = '2025-02-19'

const sides = await abSides(flags.against)
const startedAt = new Date()
const loadAtStart = loadavg().map((n) => n.toFixed(1))

/**
 * The lake's arguments for a side: the list panes' orders declared as `npm run dev` declares them
 * (scripts/dev.ts lakeArgs), where that side's lake knows `--order-index`.
 */
function lakeArgs(root: string): string[] {
  const start = join(root, 'lake', 'cli', 'start.ts')
  const declares = existsSync(start) && readFileSync(start, 'utf8').includes("'order-index'")
  const orders = declares
    ? STRUCTURE_LISTS.flatMap((list) =>
        list.ordering.map(({field, direction}) => ['--order-index', `${field} ${direction}`]),
      ).flat()
    : []
  return ['--query-timeout', '120', ...orders]
}
const agent = new http.Agent({keepAlive: true, maxFreeSockets: 1})
const load = () => loadavg()[0].toFixed(1)

const docs = archiveWith(articles, flags['random-ids'])
/** Saves of the opened article's draft, and headlines citing it, loaded with the archive. */
const EDITS = 300
const CITED = 200
const edited = docs.filter((doc) => doc._type === 'article' && !doc._id.startsWith('drafts.'))[417]
const requests = [
  ...studioWorkRequests(docs),
  {
    name: 'referring: 200 headlines',
    perspective: 'raw',
    query:
      '{"references":*[references($documentId)][0...100]{_id,_type},"totalCount":count(*[references($documentId)])}',
    params: {documentId: edited._id},
  },
].filter((r) => !flags.only || r.name === flags.only)

/**
 * The editing session and the citing headlines, on a folder just loaded: the draft created, then
 * saved EDITS times (a transaction each, as the Studio's saves come), and CITED headlines.
 */
async function editAndCite(dir: string, start: (typeof sides)[number]['start']) {
  const lake = await startLake(dir, [], start)
  try {
    const draft = `drafts.${edited._id}`
    await postMutations(
      agent,
      lake,
      'archive',
      JSON.stringify({mutations: [{createOrReplace: {...edited, _id: draft}}]}),
    )
    for (let i = 0; i < EDITS; i++) {
      const set = {title: `${String(edited.title)} (${i + 1})`}
      await postMutations(
        agent,
        lake,
        'archive',
        JSON.stringify({mutations: [{patch: {id: draft, set}}]}),
      )
    }
    const cited = Array.from({length: CITED}, (_, i) => ({
      createOrReplace: {
        _id: `headline-cited-${i}`,
        _type: 'headline',
        text: `cited ${i}`,
        position: 1 + (i % 12),
        article: {_type: 'reference', _ref: edited._id},
      },
    }))
    await postMutations(agent, lake, 'archive', JSON.stringify({mutations: cited}))
  } finally {
    await lake.stop()
  }
}

/** The history requests (no query: no groq-js baseline), as Studio 6.9.2 sends them. */
interface HistoryRequest {
  name: string
  path: string
  /** The timeline reads an NDJSON stream (getJsonStream); a revision is one JSON answer. */
  stream: boolean
}

/**
 * The timeline's first page (TimelineController.fetchMoreTransactions) and the document at a
 * revision EDITS / 2 saves back (getDocumentAtRevision, the editor's click on the timeline).
 */
function historyRequests(revision: string): HistoryRequest[] {
  const ids = `${edited._id},drafts.${edited._id}`
  return [
    {
      name: 'history: timeline',
      path:
        `/v${API_DATE}/data/history/archive/transactions/${ids}?tag=sanity.studio.structure.history` +
        '&effectFormat=mendoza&excludeContent=true&excludeMutations=true' +
        '&includeIdentifiedDocumentsOnly=true&reverse=true&limit=50',
      stream: true,
    },
    {
      name: 'history: a revision',
      path: `/v${API_DATE}/data/history/archive/documents/${ids}?revision=${revision}`,
      stream: false,
    },
  ].filter((r) => !flags.only || r.name === flags.only)
}

/** A transaction EDITS / 2 saves back: the file's, by commit order (the saves came last but one). */
function pastRevision(dir: string): string {
  const db = new DatabaseSync(join(dir, 'datasets', 'archive.sqlite'), {readOnly: true})
  try {
    const row = db
      .prepare('SELECT id FROM transactions ORDER BY seq DESC LIMIT 1 OFFSET ?')
      .get(1 + EDITS / 2) as {id: string}
    return row.id
  } finally {
    db.close()
  }
}

const getHistory = (lake: LakeProcess, request: HistoryRequest) =>
  fetch(`${lake.url}${request.path}`, {headers: {authorization: `Bearer ${lake.token}`}}).then(
    async (response) => {
      if (!response.ok) throw new Error(`${request.name}: ${response.status}`)
      return response.text()
    },
  )

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
    async (dir) => {
      await loadArchiveFolder(agent, dir, docs, sides[0].start)
      await editAndCite(dir, sides[0].start)
    },
  )
  const history = historyRequests(pastRevision(folderOf(sides[0].name)))
  const ms = new Map<string, number[]>()
  const answers = new Map<string, string>()
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...sides].reverse() : sides
    for (const side of order) {
      const lake = await startLake(folderOf(side.name), lakeArgs(side.root), side.start)
      const client = clientOf(lake)
      try {
        const sent = [
          ...requests.map((request) => ({name: request.name, send: () => post(client, request)})),
          ...history.map((request) => ({
            name: request.name,
            send: () => getHistory(lake, request),
          })),
        ]
        for (const request of sent) {
          // A first request warms the query threads and SQLite's page cache: not counted.
          await request.send()
          const before = load()
          const times: number[] = []
          for (let run = 0; run < runs; run++) {
            const t0 = performance.now()
            const result = await request.send()
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
  const rows: string[] = []
  for (const request of requests) {
    const middles = sides.map(({name}) => median(ms.get(`${name} ${request.name}`) ?? []))
    const line = sides.map(({name}, i) => {
      return `${name} ${middles[i].toFixed(1)} ms (${(baselines.get(request.name)! / middles[i]).toFixed(1)}x groq-js)`
    })
    const account = accounts.get(request.name)!
    const reads = account.scans.size ? `scans: ${[...account.scans].join(', ')}` : 'index'
    console.log(
      `${request.perspective.padEnd(7)} ${request.name.padEnd(26)} ${line.join(', ')}; groq-js ` +
        `${baselines.get(request.name)!.toFixed(0)} ms; ${reads}; ${account.rows} rows, ${account.bodies} bodies`,
    )
    const groq = baselines.get(request.name)!
    const last = middles[middles.length - 1]
    rows.push(
      `| ${request.name} | ${request.perspective} | ${middles.map((m) => m.toFixed(1)).join(' | ')} | ` +
        `${groq.toFixed(0)} | ${(groq / last).toFixed(0)}× | ${reads}: ${account.rows} rows, ${account.bodies} bodies |`,
    )
  }
  for (const request of history) {
    const middles = sides.map(({name}) => median(ms.get(`${name} ${request.name}`) ?? []))
    console.log(
      `raw     ${request.name.padEnd(26)} ${sides.map(({name}, i) => `${name} ${middles[i].toFixed(1)} ms`).join(', ')}`,
    )
    rows.push(
      `| ${request.name} | (history) | ${middles.map((m) => m.toFixed(1)).join(' | ')} | — | — | ${EDITS} saves |`,
    )
  }
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: import.meta.dirname,
    encoding: 'utf8',
  }).trim()
  const command = [
    'npx node bench/studioWork.ts',
    ...(flags.full ? ['--full'] : flags.size ? ['--size', flags.size] : []),
    ...(flags['random-ids'] ? ['--random-ids'] : []),
    ...(flags.against ? ['--against <other checkout>'] : []),
    `--rounds ${rounds} --runs ${runs}`,
  ].join(' ')
  const report = [
    "# The Studio's requests as an editor works (`bench/studioWork.ts`)",
    '',
    `Measured ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC at commit ${commit} with ` +
      `\`${command}\`: Node ${process.version}, ${cpus().length} CPUs; load average (1 / 5 / 15 min) ` +
      `${loadAtStart.join(' / ')} at the start, ${loadavg()
        .map((n) => n.toFixed(1))
        .join(
          ' / ',
        )} at the end (the machine is shared). ${docs.length.toLocaleString('en')} documents ` +
      `(${flags['random-ids'] ? "the Studio's ids" : "the archive's ids"}). Each request as Studio 6.9.2 ` +
      `sends it, through @sanity/client, in its perspective; milliseconds are medians of every run at ` +
      `the client${sides.length > 1 ? ', A the other checkout and B this one, alternated' : ''}; groq-js ` +
      `evaluates it once over the lake's export in that perspective (every answer identical to its, or ` +
      `the run fails). "Reads" is the planner's own account off ${sides.at(-1)!.name}'s data file after the ` +
      'rounds: "index" when SQLite seeks every read.',
    '',
    `| request | perspective | ${sides.map(({name}) => `${name} ms`).join(' | ')} | groq-js ms | speed-up | reads |`,
    `| --- | --- | ${sides.map(() => '---').join(' | ')} | --- | --- | --- |`,
    ...rows,
    '',
  ].join('\n')
  if (!failed) {
    writeFileSync(flags.out ?? join(import.meta.dirname, 'results', 'studioWork.md'), report)
  }
} finally {
  agent.destroy()
  if (!flags.data) await rm(root, {recursive: true, force: true})
}
if (failed) process.exit(1)
