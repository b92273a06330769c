/**
 * `node bench/boundPass.ts [--size 100000] [--data file.sqlite] [--runs 7]`: where the common
 * word's Studio search (the bench row "text::query, common word") spends its time, in process
 * and step by step: the full-text index's rowids, SQLite reading the candidate rows, handing their
 * ids, types and bodies to JavaScript, the store's tally (docs/search.md), the bounds, and the
 * whole query. Each step's CPU time on this thread (process.threadCpuUsage: steadier than wall
 * time on a shared machine), lowest and median of the runs, the steps alternated in every run.
 *
 * The archive (bench/data.ts, `--size` articles with headlines and sources to scale) is written
 * straight into a store file, or read from `--data` when that file exists (made by an earlier run).
 */
import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {planQuery} from '../lake/core/plan.ts'
import {parseQuery} from '../lake/core/query.ts'
import {scoreStage} from '../lake/core/scoreTopK.ts'
import type {ScanHint, StoreWriter} from '../lake/core/store.ts'
import {executeQuery} from '../lake/query/execute.ts'
import {searchCondition} from '../lake/store/searchIndex.ts'
import {createSqliteStore} from '../lake/store/sqliteStore.ts'
import {ARCHIVE, archiveOf, archiveDocuments, COMMON_PREFIX} from './data.ts'
import {STUDIO_SEARCH} from './queries.ts'
import {benchFlags} from './flags.ts'

const flags = benchFlags(import.meta.filename, {
  size: {type: 'string', default: String(ARCHIVE.articles)},
  data: {type: 'string'},
  runs: {type: 'string', default: '7'},
})
const articles = Number(flags.size)
const runs = Number(flags.runs)
const DATASET = 'bench'
const params = {
  __types: ['article', 'headline', 'source'],
  __query: COMMON_PREFIX,
  __rawQuery: COMMON_PREFIX.replace('*', ''),
  __limit: 26,
}

/** The archive in a store file, in transactions of 1,000, with the full-text index caught up. */
async function write(file: string): Promise<void> {
  const docs = archiveDocuments(archiveOf(articles))
  const store = createSqliteStore(file, DATASET)
  const timestamp = '2026-01-01T00:00:00.000Z'
  for (let i = 0; i < docs.length; i += 1000) {
    const batch = docs.slice(i, i + 1000)
    await store.transact((writer: StoreWriter) =>
      writer.commit({
        id: `tx-${i}`,
        dataset: DATASET,
        timestamp,
        identity: 'bench',
        changes: batch.map((doc) => ({
          id: doc._id,
          after: {...doc, _createdAt: timestamp, _updatedAt: timestamp, _rev: `r${i}`},
          mutations: [{createOrReplace: doc}],
          effects: {apply: [], revert: []},
        })),
      } as unknown as Parameters<StoreWriter['commit']>[0]),
    )
  }
  store.flushSearchIndex()
  store.close()
}

const dir = flags.data ? null : await mkdtemp(join(tmpdir(), 'bench-bound-pass-'))
const file = flags.data ?? join(dir!, `${DATASET}.sqlite`)
try {
  if (!existsSync(file)) await write(file)
  // As the query threads open it: read-only, no parsed-document cache.
  const store = createSqliteStore(file, DATASET, {readOnly: true, cacheBytes: 0})
  const db = new DatabaseSync(file, {readOnly: true})
  const tree = parseQuery(STUDIO_SEARCH, params)
  const bounds = scoreStage(tree)!.bounds!
  const hint: ScanHint = {...planQuery(tree).hint, excludeIdPrefixes: ['drafts.', 'versions.']}
  // The statement Store.tally runs for this hint, by hand (checked below: as many rows).
  const search = searchCondition(hint.search!, 'rowid')!
  const where = `FROM documents WHERE +type IN ('article', 'headline', 'source')
    AND NOT (id >= 'drafts.' AND id < 'drafts/') AND NOT (id >= 'versions.' AND id < 'versions/')
    AND ${search.sql}`
  const rows = (columns: string) => () => {
    const statement = db.prepare(`SELECT ${columns} ${where}`)
    statement.setReturnArrays(true)
    let n = 0
    for (const _ of statement.iterate(...search.params)) n++
    return n
  }
  const referrers = bounds.references.map(() => new Set<string>())
  const steps: Record<string, () => unknown> = {
    "the index's rowids": () =>
      db.prepare('SELECT rowid FROM search_fts WHERE search_fts MATCH ?').all(search.params[0])
        .length,
    'SQLite reads the rows': () =>
      Object.values(db.prepare(`SELECT count(*) ${where}`).get(...search.params)!)[0],
    '+ ids into JavaScript': rows('id'),
    '+ types': rows('id, type'),
    '+ bodies': rows('id, type, body'),
    'Store.tally (counting in the bodies)': () => [...store.tally!(hint, bounds.probes)].length,
    '+ the bounds': () => {
      let n = 0
      for (const tally of store.tally!(hint, bounds.probes)) {
        bounds.bound({tally, referrers})
        n++
      }
      return n
    },
    'the whole query': async () =>
      (
        (await executeQuery(
          store,
          {query: STUDIO_SEARCH, params, perspective: 'published', apiVersion: '2025-02-19'},
          {id: 'bench', kind: 'user', role: 'administrator'},
          {now: new Date(), projectId: 'bench', dataset: DATASET},
        )) as unknown[]
      ).length,
  }
  const cpu: Record<string, number[]> = {}
  const counts: Record<string, unknown> = {}
  for (let run = 0; run < runs; run++) {
    for (const [name, step] of Object.entries(steps)) {
      const before = process.threadCpuUsage()
      counts[name] = await step()
      const used = process.threadCpuUsage(before)
      ;(cpu[name] ??= []).push((used.user + used.system) / 1000)
    }
  }
  if (counts['+ bodies'] !== counts['Store.tally (counting in the bodies)']) {
    throw new Error('the statement by hand no longer reads what Store.tally reads: update it')
  }
  const ms = (n: number) => n.toFixed(0)
  console.log(`\n${articles.toLocaleString('en')} articles, ${runs} runs, load ${loadAverage()}\n`)
  console.log('| step | rows | CPU ms, lowest | median |\n|---|---|---|---|')
  for (const [name, times] of Object.entries(cpu)) {
    const sorted = [...times].sort((a, b) => a - b)
    console.log(
      `| ${name} | ${String(counts[name])} | ${ms(sorted[0])} | ${ms(sorted[sorted.length >> 1])} |`,
    )
  }
  db.close()
  store.close()
} finally {
  if (dir) await rm(dir, {recursive: true, force: true})
}

function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(', ')
}
