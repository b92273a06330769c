/**
 * `npx node bench/historyLog.ts [--transactions 1000000] [--draft-every 1000] [--runs 5]
 * [--against <checkout>] [--data <dir>]`: a page of the dataset-wide history log
 * (`data/history/{ds}/transactions` without ids) at archive scale, in the store (where its cost
 * grows with the log), as a contributor (history on drafts only) and as an editor (everything).
 *
 * The log: `--transactions` transactions, one in `--draft-every` writing a draft and the rest a
 * published document, made by committing 1,000 through the store and copying them in SQL until
 * there are enough (ids made unique; the copies' rows are the originals' bytes). Timed, each the
 * fastest of `--runs` (CPU of this thread, and wall time): the contributor's first page of 100,
 * oldest first and newest first; the contributor's default answer (1,000 transactions, or the
 * whole log when it has fewer of theirs); the editor's first page, for scale. Each is repeated
 * for 100 ms a run and counted a time (the thread's CPU time is counted in ticks of a few ms).
 *
 * `--against` another checkout of this repository (with its node_modules): its store is A, this
 * one's B, each on its own copy of the log (B's first open adds what its migrations add, timed),
 * alternated A B, B A, ... in every run. `--data` keeps the log files there for a later run.
 */
import {copyFileSync, existsSync, mkdirSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {pathToFileURL} from 'node:url'
import type {Store, StoreWriter, TransactionQuery} from '../lake/core/store.ts'
import type {createSqliteStore as CreateStore} from '../lake/store/sqliteStore.ts'
import {benchFlags} from './flags.ts'
import {alternated} from './lake.ts'

const flags = benchFlags(import.meta.filename, {
  transactions: {type: 'string', default: '1000000'},
  'draft-every': {type: 'string', default: '1000'},
  runs: {type: 'string', default: '5'},
  against: {type: 'string'},
  data: {type: 'string'},
})
const total = Number(flags.transactions)
const every = Number(flags['draft-every'])
const runs = Number(flags.runs)
const DATASET = 'log'
const BASE = 1_000

interface Side {
  name: string
  create: typeof CreateStore
  file: string
  store?: Store
}

async function storeOf(root: string): Promise<typeof CreateStore> {
  const url = pathToFileURL(join(root, 'lake/store/sqliteStore.ts')).href
  return ((await import(url)) as {createSqliteStore: typeof CreateStore}).createSqliteStore
}

/** The log in `file`: BASE transactions through the store, then copied in SQL up to `total`. */
async function write(create: typeof CreateStore, file: string): Promise<void> {
  const store = create(file, DATASET)
  const timestamp = '2026-01-01T00:00:00.000Z'
  const writes: Promise<void>[] = []
  for (let i = 0; i < BASE; i++) {
    const id = i % every === 0 ? `drafts.story-${i % 50}` : `story-${i % 500}`
    const doc = {_id: id, _type: 'article', title: `শিরোনাম ${i}`, n: i}
    writes.push(
      store.transact((writer: StoreWriter) =>
        writer.commit({
          id: `tx-${i}`,
          dataset: DATASET,
          timestamp,
          identity: 'bench',
          changes: [
            {
              id,
              before: null,
              after: {...doc, _createdAt: timestamp, _updatedAt: timestamp, _rev: `tx-${i}`},
              mutations: [{patch: {id, set: {title: doc.title, n: i}}}],
              effects: {apply: [], revert: []},
            },
          ],
        } as unknown as Parameters<StoreWriter['commit']>[0]),
      ),
    )
  }
  await Promise.all(writes)
  store.close()
  const db = new DatabaseSync(file)
  try {
    for (let copy = 1, n = BASE; n < total; copy++) {
      const add = Math.min(n, total - n)
      db.exec('BEGIN')
      db.prepare(
        `INSERT INTO transactions (seq, id, timestamp, identity)
         SELECT seq + ?1, id || '.' || ?2, timestamp, identity FROM transactions WHERE seq <= ?3`,
      ).run(n, copy, add)
      db.prepare(
        `INSERT INTO changes (tx_seq, position, doc_id, mutations, effects, snapshot, deleted)
         SELECT tx_seq + ?1, position, doc_id, mutations, effects, snapshot, deleted
         FROM changes WHERE tx_seq <= ?2`,
      ).run(n, add)
      db.exec('COMMIT')
      n += add
    }
  } finally {
    db.close()
  }
}

const cpu = () => {
  const {user, system} = process.threadCpuUsage()
  return (user + system) / 1000
}

const want = {mutations: true, effects: false}
const page = {transactions: 100, bytes: 1 << 18}
const contributor: TransactionQuery = {idPrefixes: ['drafts.']}

/** As the dataset service reads an answer: pages until `limit` transactions are listed. */
function answer(store: Store, query: TransactionQuery, limit: number): number {
  let listed = 0
  let after: number | null = null
  while (listed < limit) {
    const budget = {...page, transactions: Math.min(page.transactions, limit - listed)}
    const got = store.transactionPage(query, after, want, budget)
    listed += got.transactions.length
    if (got.next === null) break
    after = got.next
  }
  return listed
}

const CASES: Record<string, (store: Store) => number> = {
  "contributor's first page, oldest first": (store) =>
    store.transactionPage(contributor, null, want, page).transactions.length,
  "contributor's first page, newest first": (store) =>
    store.transactionPage({...contributor, reverse: true}, null, want, page).transactions.length,
  "contributor's default answer (1,000)": (store) => answer(store, contributor, 1_000),
  "editor's first page, oldest first": (store) =>
    store.transactionPage({}, null, want, page).transactions.length,
}

const dir = flags.data ?? (await mkdtemp(join(tmpdir(), 'bench-history-log-')))
mkdirSync(dir, {recursive: true})
try {
  const here = resolve(import.meta.dirname, '..')
  const sides: Side[] = []
  if (flags.against) {
    sides.push({name: 'A', create: await storeOf(resolve(flags.against)), file: ''})
  }
  sides.push({name: 'B', create: await storeOf(here), file: ''})
  const source = join(dir, `log-${total}-${every}.sqlite`)
  if (!existsSync(source)) {
    const started = performance.now()
    await write(sides[0].create, source)
    console.log(`log of ${total} written in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  for (const side of sides) {
    side.file = join(dir, `log-${total}-${every}-${side.name}.sqlite`)
    if (!existsSync(side.file)) copyFileSync(source, side.file)
    const started = performance.now()
    side.store = side.create(side.file, DATASET)
    console.log(`${side.name}: opened in ${(performance.now() - started).toFixed(0)} ms`)
  }
  const timings = new Map<string, {cpu: number; wall: number; listed: number}[]>()
  for (const {side} of alternated(sides, runs)) {
    for (const [name, run] of Object.entries(CASES)) {
      // Repeated for 100 ms at least: the thread's CPU time is counted in ticks of a few ms.
      const wall0 = performance.now()
      const cpu0 = cpu()
      let listed = 0
      let times = 0
      do {
        listed = run(side.store!)
        times++
      } while (performance.now() - wall0 < 100)
      const key = `${side.name}\t${name}`
      const list = timings.get(key) ?? []
      list.push({cpu: (cpu() - cpu0) / times, wall: (performance.now() - wall0) / times, listed})
      timings.set(key, list)
    }
  }
  console.log(
    `${total} transactions, one in ${every} a draft's; fastest of ${runs}; load ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  )
  for (const [key, list] of timings) {
    const best = (of: 'cpu' | 'wall') => Math.min(...list.map((t) => t[of])).toFixed(2)
    console.log(`${key}\t${list[0].listed} listed\tCPU ${best('cpu')} ms\twall ${best('wall')} ms`)
  }
  for (const side of sides) side.store!.close()
} finally {
  if (!flags.data) await rm(dir, {recursive: true, force: true})
}
