// The dataset-wide log of a caller whose history grants are id prefixes (a contributor: drafts.)
// lists the transactions with a change under them: found through an index of the changes by
// their id's namespace, in commit order, so a page reads about as many rows as it lists whatever
// the log's length; and the same transactions as a walk of the whole log filtered by prefix.
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterEach, beforeEach, expect, test, vi} from 'vitest'
import {createRandom} from '../../../kit/seeded.ts'
import type {Store, StoreRegistry, TransactionQuery} from '../../../lake/core/store.ts'
import {createSqliteStores} from '../../../lake/store/sqliteStore.ts'
import {commitStates} from '../../helpers/store.ts'

let dir: string
let stores: StoreRegistry
let store: Store
let seq = 0

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-log-prefixes-'))
  stores = createSqliteStores(dir)
  store = stores.get('test')
})
afterEach(async () => {
  stores.close()
  await rm(dir, {recursive: true, force: true})
})

/** Commits `ids` (each set to a new `n`, or deleted when false) as one transaction by `author`. */
function commit(ids: Record<string, boolean>, author = 'pA') {
  const id = `tx${++seq}`
  const states = Object.fromEntries(
    Object.entries(ids).map(([docId, keep]) => [docId, keep ? {n: seq} : null]),
  )
  return commitStates(store, states, {id, second: seq, identity: author})
}

/** Every page of the listing of `query`, `size` transactions a page, as ids. */
function listing(query: TransactionQuery, size: number): string[] {
  const want = {mutations: true, effects: true}
  const listed: string[] = []
  let after: number | null = null
  for (;;) {
    const page = store.transactionPage(query, after, want, {transactions: size, bytes: 1 << 20})
    listed.push(...page.transactions.map((tx) => tx.id))
    if (page.next === null) return listed
    after = page.next
  }
}

test("a contributor's page is found through the changes' namespace index, not a walk of the log", async () => {
  for (let i = 0; i < 20; i++) await commit({[`story-${i}`]: true})
  await commit({'drafts.story-1': true, 'story-2': true})
  await commit({'versions.r1.story-3': true})
  const prepared: string[] = []
  const prepare = DatabaseSync.prototype.prepare
  const spy = vi.spyOn(DatabaseSync.prototype, 'prepare').mockImplementation(function (
    this: DatabaseSync,
    sql: string,
    ...rest: unknown[]
  ) {
    prepared.push(sql)
    return (prepare as (...args: unknown[]) => ReturnType<typeof prepare>).call(this, sql, ...rest)
  })
  let listed: string[]
  try {
    listed = listing({idPrefixes: ['drafts.']}, 100)
  } finally {
    spy.mockRestore()
  }
  expect(listed).toEqual([`tx21`])
  const sql = prepared.find((s) => /SELECT DISTINCT|UNION/.test(s) && s.includes('LIMIT'))!
  const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
  try {
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as {detail: string}[])
      .map((row) => row.detail)
      .join(' | ')
    // Walking `transactions t` by seq with a probe of each one's changes reads the whole log
    // when the caller's transactions are few (36 ms at 30,000 transactions).
    expect(plan).not.toMatch(/SCAN t\b/)
    expect(plan).not.toMatch(/TEMP B-TREE/)
    expect(plan).toMatch(/SEARCH c USING (COVERING )?INDEX changes_namespace/)
  } finally {
    db.close()
  }
})

test('a listing by id prefixes is the whole log filtered by them, over random logs and bounds', async () => {
  const random = createRandom(2026_12_07)
  const ids = [
    'a',
    'b',
    'drafts.a',
    'drafts.b',
    'drafts.x.y',
    'versions.r1.a',
    'versions.r2.b',
    'draftsa',
    'drafts',
    'x.drafts.a',
  ]
  const live = new Set<string>()
  for (let i = 0; i < 160; i++) {
    const changes: Record<string, boolean> = {}
    for (let n = random.int(1, 3); n > 0; n--) {
      const id = random.pick(ids)
      changes[id] = !(live.has(id) && random.chance(0.2))
    }
    for (const [id, keep] of Object.entries(changes)) {
      if (keep) live.add(id)
      else live.delete(id)
    }
    await commit(changes, random.pick(['pA', 'pB']))
  }
  const whole = store.getTransactions({})
  const grants = [
    ['drafts.'],
    ['versions.'],
    ['drafts.', 'versions.'],
    ['versions.', 'drafts.'],
    ['drafts.b'],
    ['drafts.', 'x.'],
    [],
  ]
  for (let round = 0; round < 200; round++) {
    const idPrefixes = random.pick(grants)
    const query: TransactionQuery = {idPrefixes, reverse: random.chance(0.5)}
    const seqs = [random.int(0, whole.length - 1), random.int(0, whole.length - 1)]
    seqs.sort((x, y) => x - y)
    if (random.chance(0.4)) query.fromTransaction = whole[seqs[0]].id
    if (random.chance(0.4)) query.toTransaction = whole[seqs[1]].id
    if (random.chance(0.3)) query.fromTime = whole[random.int(0, whole.length - 1)].timestamp
    if (random.chance(0.3)) query.authors = [random.pick(['pA', 'pB'])]
    const first = whole.findIndex((tx) => tx.id === query.fromTransaction)
    const last = whole.findIndex((tx) => tx.id === query.toTransaction)
    let expected = whole
      .filter(
        (_, i) => (!query.fromTransaction || i >= first) && (!query.toTransaction || i <= last),
      )
      .filter((tx) => !query.fromTime || tx.timestamp >= query.fromTime)
      .filter((tx) => !query.authors || query.authors.includes(tx.identity))
      .filter((tx) => tx.changes.some((c) => idPrefixes.some((p) => c.id.startsWith(p))))
      .map((tx) => tx.id)
    if (query.reverse) expected = expected.reverse()
    const size = random.pick([1, 2, 7, 100])
    expect(listing(query, size), JSON.stringify({query, size})).toEqual(expected)
  }
})
