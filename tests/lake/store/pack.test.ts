/**
 * Index pages packed once a bulk load goes quiet (sqliteStore.ts packIdle, walCheckpointerWorker.ts).
 * Keys that arrive in random order (the Studio's UUIDs) leave an index's B-tree pages about a tenth
 * empty; the data file with such ids was 1.52x the documents' JSON against a goal of 1.5x.
 */
import {randomUUID} from 'node:crypto'
import {copyFileSync, statSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterEach, expect, test, vi} from 'vitest'
import {createMendozaPatch} from '../../../lake/core/mendoza.ts'
import {withoutRev} from '../../../lake/core/transaction.ts'
import type {CommittedTransaction, SanityDocument} from '../../../lake/core/types.ts'
import {FREE_PAGES, PACK_MAX_PAGES, packIndex} from '../../../lake/store/packIndex.ts'
import {createSqliteStore, type SqliteStore} from '../../../lake/store/sqliteStore.ts'
import {
  createSearchAnalyzer,
  type SearchAnalyzerThread,
} from '../../../lake/store/searchAnalyzer.ts'
import {
  createWalCheckpointer,
  type CheckpointResult,
  type CheckpointTask,
  type WalCheckpointer,
} from '../../../lake/store/walCheckpointer.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

/**
 * A store on a new file (or a copy of `older`) with the lake's checkpointer thread, every task it
 * is given seen.
 */
async function packingStore(
  hold?: (task: CheckpointTask) => Promise<void> | undefined,
  older?: string,
  analyzer?: SearchAnalyzerThread,
  // Due once the whole load of a test is written, not in the middle of it.
  packAfterChanges = 12_000,
  /** Heard with each task's result, before the store has it. */
  answered?: (task: CheckpointTask, result: CheckpointResult) => void,
) {
  const dir = await mkdtemp(join(tmpdir(), 'lake-pack-'))
  const path = join(dir, 'test.sqlite')
  if (older) copyFileSync(older, path)
  const thread = createWalCheckpointer()
  const tasks: {task: CheckpointTask; result?: CheckpointResult}[] = []
  const store = createSqliteStore(path, 'test', {
    searchIndex: analyzer !== undefined,
    analyzer,
    idleCheckpointMs: 20,
    packAfterChanges,
    checkpointer: {
      async checkpoint(task) {
        const seen: (typeof tasks)[number] = {task}
        tasks.push(seen)
        await hold?.(task)
        seen.result = await thread.checkpoint(task)
        answered?.(task, seen.result)
        return seen.result
      },
      close: () => thread.close(),
    },
  })
  cleanup.push(() => rm(dir, {recursive: true, force: true}))
  cleanup.push(async () => {
    store.close()
    await thread.close()
  })
  return {path, store, tasks}
}

let seq = 0
/** Creates `docs` as one transaction. */
function commit(store: SqliteStore, docs: Partial<SanityDocument>[]) {
  const id = `tx${++seq}`
  const timestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString()
  const tx: CommittedTransaction = {
    id,
    dataset: 'test',
    timestamp,
    identity: 'pA',
    changes: docs.map((doc) => {
      const after = {...doc, _rev: id, _updatedAt: timestamp} as SanityDocument
      return {
        id: after._id,
        before: null,
        after,
        mutations: [{create: after}],
        effects: {
          apply: createMendozaPatch(null, withoutRev(after)),
          revert: createMendozaPatch(withoutRev(after), null),
        },
      }
    }),
  }
  return store.transact((writer) => writer.commit(tx))
}

/** Articles with ids as the Studio makes them (random UUIDs), each in every side-table index. */
const articles = (n: number) =>
  Array.from({length: n}, (_, i) => ({
    _id: randomUUID(),
    _type: 'article',
    title: `শিরোনাম ${i}`,
    slug: {_type: 'slug', current: `article-${randomUUID()}`},
    publishedAt: new Date(Date.UTC(2025, 0, 1) + (i % 997) * 3_600_000).toISOString(),
    section: {_type: 'reference', _ref: `section-${i % 20}`},
    source: {_type: 'reference', _ref: randomUUID()},
  }))

/** Until `done()`: a pack that never ends fails by the test's own timeout, not silently. */
async function until(done: () => boolean) {
  while (!done()) await new Promise((r) => setTimeout(r, 20))
}

/**
 * The indexes' leaf pages (SQLite's dbstat), how many have over 5 % of their bytes unused, and
 * the file's pages. A packed index has one such leaf at most, its last.
 */
function fill(path: string) {
  const db = new DatabaseSync(path, {readOnly: true})
  try {
    const pragma = (name: string) => Number(Object.values(db.prepare(`PRAGMA ${name}`).get()!)[0])
    const pageSize = pragma('page_size')
    const leaves = db
      .prepare(
        `SELECT count(DISTINCT s.name) AS indexes, count(*) AS leaves,
           count(*) FILTER (WHERE s.unused > s.pgsize / 20) AS loose
         FROM dbstat s JOIN sqlite_schema m ON m.name = s.name AND m.type = 'index'
         WHERE s.pagetype = 'leaf'`,
      )
      .get() as {indexes: number; leaves: number; loose: number}
    return {
      ...leaves,
      freePages: pragma('freelist_count'),
      pages: pragma('page_count'),
      pageSize,
    }
  } finally {
    db.close()
  }
}

/** The pack's last step found nothing left to pack. */
const packed = (tasks: {task: CheckpointTask; result?: CheckpointResult}[]) =>
  tasks.some(({task, result}) => task.pack && result && result.packed === null && !result.busy)

test('after a quiet bulk load with random ids, the indexes are packed and the freed pages leave the file', async () => {
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  // The first pack step waits until the loose file is measured.
  const {path, store, tasks} = await packingStore((task) => (task.pack ? held : undefined))
  for (let batch = 0; batch < 12; batch++) await commit(store, articles(1000))
  await until(() => tasks.some(({task}) => task.pack))
  const loose = fill(path)
  // Random keys leave many of the indexes' pages part-full (about half: 157 of 321 in one run,
  // so not "most", which failed that run).
  expect(loose.loose).toBeGreaterThan(loose.leaves / 4)
  release()
  await until(() => packed(tasks))
  const after = fill(path)
  expect(after.loose).toBeLessThanOrEqual(after.indexes)
  // The pages the rebuilt indexes no longer need are not kept free inside the file.
  expect(after.freePages).toBe(0)
  expect(after.pages).toBeLessThan(loose.pages)
  expect(statSync(path).size).toBe(after.pages * after.pageSize)
  const db = new DatabaseSync(path, {readOnly: true})
  try {
    expect(db.prepare('SELECT count(*) AS n FROM documents').get()!.n).toBe(12_000)
    expect(db.prepare('PRAGMA integrity_check').get()!.integrity_check).toBe('ok')
  } finally {
    db.close()
  }
}, 90_000)

test('a write that comes while an index is packed waits for that step alone, not the rest', async () => {
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  const order: string[] = []
  const {store, tasks} = await packingStore((task) => {
    if (!task.pack) return undefined
    order.push('pack')
    return order.length === 1 ? held : undefined
  })
  for (let batch = 0; batch < 12; batch++) await commit(store, articles(1000))
  await until(() => order.length > 0)
  expect(order).toEqual(['pack'])
  // The first step is in flight (held): the write waits for it, then goes before the next step.
  const written = commit(store, articles(1)).then(() => order.push('write'))
  release()
  await written
  await until(() => packed(tasks))
  expect(order.slice(0, 3)).toEqual(['pack', 'write', 'pack'])
  // One index a step: several steps, each naming the index it rebuilt, the last none.
  const steps = tasks
    .filter(({task, result}) => task.pack && !result?.busy)
    .map(({result}) => result?.packed)
  expect(steps.length).toBeGreaterThan(2)
  expect(steps.at(-1)).toBe(null)
  for (const name of steps.slice(0, -1)) expect(typeof name).toBe('string')
}, 90_000)

test("an older lake's file, made without auto_vacuum, is packed too and keeps the freed pages for its next writes", async () => {
  const older = join(
    import.meta.dirname,
    'fixtures',
    'main-54b58fa',
    'datasets',
    'production.sqlite',
  )
  const {path, store, tasks} = await packingStore(undefined, older)
  for (let batch = 0; batch < 12; batch++) await commit(store, articles(1000))
  await until(() => packed(tasks))
  const after = fill(path)
  expect(after.loose).toBeLessThanOrEqual(after.indexes)
  const db = new DatabaseSync(path, {readOnly: true})
  try {
    // Its auto_vacuum can change only by a VACUUM (the whole file written again): left as it is.
    expect(db.prepare('PRAGMA auto_vacuum').get()!.auto_vacuum).toBe(0)
    expect(after.freePages).toBeGreaterThan(0)
    expect(db.prepare('PRAGMA integrity_check').get()!.integrity_check).toBe('ok')
  } finally {
    db.close()
  }
}, 90_000)

test("the full-text index's segments are merged into one after a quiet load, its freed pages out of the file too", async () => {
  // The lake's own setup: the index's rows analysed and written on the analyzer's thread.
  const analyzer = createSearchAnalyzer()
  cleanup.push(() => analyzer.close())
  const {path, store, tasks} = await packingStore(undefined, undefined, analyzer)
  for (let batch = 0; batch < 12; batch++) await commit(store, articles(1000))
  await until(() => packed(tasks))
  const db = new DatabaseSync(path, {readOnly: true})
  try {
    // search_fts_idx names each segment's pages by its segment id.
    const segments = db.prepare('SELECT count(DISTINCT segid) AS n FROM search_fts_idx').get()!.n
    expect(segments).toBe(1)
    expect(db.prepare('PRAGMA freelist_count').get()!.freelist_count).toBe(0)
    expect(db.prepare('SELECT count(*) AS n FROM search_queue').get()!.n).toBe(0)
  } finally {
    db.close()
  }
  // Still found: one word of every title.
  expect([...store.scan({search: {column: 'words', text: 'শিরোনাম'}})]).toHaveLength(12_000)
}, 90_000)

/** Leaves of each table without a rowid (dbstat names its B-tree by the table) over 5 % unused. */
function looseTables(path: string): Record<string, number> {
  const db = new DatabaseSync(path, {readOnly: true})
  try {
    const rows = db
      .prepare(
        `SELECT s.name, count(*) FILTER (WHERE s.unused > s.pgsize / 20) AS loose
         FROM dbstat s JOIN pragma_table_list t ON t.name = s.name AND t.schema = 'main'
         WHERE t.type = 'table' AND t.wr = 1 AND s.pagetype = 'leaf' GROUP BY s.name`,
      )
      .all() as {name: string; loose: number}[]
    return Object.fromEntries(rows.map(({name, loose}) => [name, loose]))
  } finally {
    db.close()
  }
}

test('the tables without a rowid (the change log, the references) are packed too', async () => {
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  const {path, store, tasks} = await packingStore((task) => (task.pack ? held : undefined))
  for (let batch = 0; batch < 12; batch++) await commit(store, articles(1000))
  await until(() => tasks.some(({task}) => task.pack))
  const loose = looseTables(path)
  // Appended in key order or not, a table without a rowid is a B-tree of keys, whose split
  // leaves its pages part-full as an index's.
  expect(loose.changes).toBeGreaterThan(4)
  expect(loose.refs).toBeGreaterThan(4)
  release()
  await until(() => packed(tasks))
  const after = looseTables(path)
  // Its last leaf at most.
  expect(after.changes).toBeLessThanOrEqual(1)
  expect(after.refs).toBeLessThanOrEqual(1)
  const db = new DatabaseSync(path, {readOnly: true})
  try {
    expect(db.prepare('SELECT count(*) AS n FROM changes').get()!.n).toBe(12_000)
    expect(db.prepare('SELECT count(*) AS n FROM refs').get()!.n).toBe(24_000)
    expect(db.prepare('PRAGMA integrity_check').get()!.integrity_check).toBe('ok')
  } finally {
    db.close()
  }
}, 90_000)

test('an index whose keys leave it loose after a REINDEX is rebuilt once a pack, and the pack ends', () => {
  // Keys of 1.5 kB: a rebuilt index is still over 5 % unused, and was picked again at every step.
  const db = new DatabaseSync(':memory:')
  try {
    db.exec('PRAGMA page_size = 16384')
    db.exec('CREATE TABLE t (body TEXT); CREATE INDEX t_body ON t (body)')
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)')
    for (let i = 0; i < 3000; i++) insert.run(randomUUID().repeat(42))
    const rebuilt: string[] = []
    let plan: readonly string[] | undefined
    for (let step = 0; step < 10; step++) {
      const result = packIndex(db, plan)
      if (result.packed === null) break
      rebuilt.push(result.packed)
      plan = result.plan
    }
    expect(rebuilt).toEqual(['t_body'])
  } finally {
    db.close()
  }
})

test('through the store: an index of long keys is rebuilt once a pack, and the pack ends', async () => {
  // A pack due after the load below; the store's own tasks seen by its checkpointer.
  const {store, tasks} = await packingStore(undefined, undefined, undefined, 2000)
  store.indexAttributes([['body']], {declared: true})
  // Bodies of 1.5 kB in random order: their index (attr_…) is still loose after its REINDEX.
  await commit(
    store,
    Array.from({length: 2000}, () => ({
      _id: randomUUID(),
      _type: 'note',
      body: randomUUID().repeat(42),
    })),
  )
  const rebuiltIndexes = () =>
    tasks
      .map(({task, result}) => (task.pack && result ? result.packed : null))
      .filter((name): name is string => name != null && name !== FREE_PAGES)
  // Ends when the pack does, or as soon as an index is rebuilt twice (without the store's
  // record of what the pack rebuilt, the body's index was picked at every step, for ever).
  await until(() => packed(tasks) || new Set(rebuiltIndexes()).size < rebuiltIndexes().length)
  const rebuilt = rebuiltIndexes()
  expect(rebuilt.some((name) => name.startsWith('attr_'))).toBe(true)
  expect(rebuilt).toEqual([...new Set(rebuilt)])
  expect(packed(tasks)).toBe(true)
}, 30_000)

test('a pack step that fails after its checkpoint answers the failure, told apart from a failed checkpoint', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lake-pack-'))
  cleanup.push(() => rm(dir, {recursive: true, force: true}))
  const path = join(dir, 'test.sqlite')
  // An index on a function the checkpointer's connection lacks: its REINDEX fails there.
  const db = new DatabaseSync(path)
  db.function('folded', {deterministic: true}, (text) => String(text).toLowerCase())
  db.exec(
    'PRAGMA journal_mode = WAL; CREATE TABLE t (body TEXT); CREATE INDEX t_folded ON t (folded(body))',
  )
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)')
  db.exec('BEGIN')
  for (let i = 0; i < 3000; i++) insert.run(randomUUID())
  db.exec('COMMIT')
  db.close()
  const thread = createWalCheckpointer()
  cleanup.push(() => thread.close())
  const result = await thread.checkpoint({path, opening: 'a', truncate: true, pack: {}})
  expect(result).toMatchObject({
    busy: false,
    packed: null,
    packFailed: expect.stringMatching(/folded/),
  })
})

/**
 * A store whose checkpointer answers a pack task with `packTask` (the thread answers the others),
 * a pack due after 100 changed documents, and what it logs.
 */
async function failingPackStore(
  packTask: (task: CheckpointTask, thread: WalCheckpointer) => Promise<CheckpointResult>,
) {
  const dir = await mkdtemp(join(tmpdir(), 'lake-pack-'))
  const thread = createWalCheckpointer()
  const tasks: CheckpointTask[] = []
  const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
  const store = createSqliteStore(join(dir, 'test.sqlite'), 'test', {
    searchIndex: false,
    idleCheckpointMs: 20,
    packAfterChanges: 100,
    checkpointer: {
      checkpoint(task) {
        tasks.push(task)
        return task.pack ? packTask(task, thread) : thread.checkpoint(task)
      },
      close: () => thread.close(),
    },
  })
  cleanup.push(() => rm(dir, {recursive: true, force: true}))
  cleanup.push(async () => {
    store.close()
    await thread.close()
    logged.mockRestore()
  })
  return {store, tasks, logged}
}

const NEXT_PACK = 'the next pack comes once 100 documents have changed since this one began'
test.each<[string, Parameters<typeof failingPackStore>[0], string]>([
  [
    "a pack task's checkpoint",
    () => Promise.reject(new Error('disk I/O error')),
    `lake: checkpointing the write-ahead log of "test" failed (disk I/O error); the next idle moment tries again, and the pack under way stops: ${NEXT_PACK} (0 so far)`,
  ],
  [
    'a pack step (its checkpoint done)',
    async (task, thread) => ({
      ...(await thread.checkpoint({...task, pack: undefined})),
      packed: null,
      packFailed: 'unknown function: folded()',
    }),
    `lake: packing the indexes of "test" failed (unknown function: folded()); ${NEXT_PACK} (0 so far)`,
  ],
])(
  'when %s fails, the log says which and when the next pack comes, and it comes then',
  async (_, packTask, message) => {
    const {store, tasks, logged} = await failingPackStore(packTask)
    await commit(store, articles(100))
    // Without the message, by the test's timeout.
    await until(() => logged.mock.calls.length > 0)
    expect(logged.mock.calls).toEqual([[message]])
    const packs = () => tasks.filter((task) => task.pack).length
    expect(packs()).toBe(1)
    // 99 more documents: their quiet moment checkpoints, and packs nothing.
    const seen = tasks.length
    await commit(store, articles(99))
    await until(() => tasks.slice(seen).some((task) => task.truncate))
    expect(packs()).toBe(1)
    // The 100th: the next quiet moment packs.
    await commit(store, articles(1))
    await until(() => packs() > 1)
  },
  10_000,
)

test("a pack measures each B-tree's unused bytes once, not at every step", () => {
  // dbstat reads every page of the B-tree it measures (25 ms over the archive's indexes): once a
  // pack, the indexes left to rebuild carried from step to step.
  const db = new DatabaseSync(':memory:')
  try {
    db.exec('PRAGMA page_size = 16384')
    db.exec(`CREATE TABLE t (a TEXT, b TEXT, c TEXT);
      CREATE INDEX t_a ON t (a); CREATE INDEX t_b ON t (b); CREATE INDEX t_c ON t (c);
      CREATE TABLE k (id TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID`)
    const insert = db.prepare('INSERT INTO t (a, b, c) VALUES (?, ?, ?)')
    const insertKey = db.prepare('INSERT INTO k (id, n) VALUES (?, ?)')
    for (let i = 0; i < 20_000; i++) {
      insert.run(randomUUID(), randomUUID(), randomUUID())
      insertKey.run(randomUUID(), i)
    }
    // Each B-tree dbstat is asked about, by name.
    const measured: string[] = []
    const counted = new Proxy(db, {
      get(target, key) {
        if (key !== 'prepare') {
          const value = Reflect.get(target, key, target) as unknown
          return typeof value === 'function' ? value.bind(target) : value
        }
        return (sql: string) => {
          const stmt = target.prepare(sql)
          if (!sql.includes('dbstat')) return stmt
          return new Proxy(stmt, {
            get(s, k) {
              const value = Reflect.get(s, k, s) as unknown
              if (typeof value !== 'function') return value
              return (...args: unknown[]) => {
                if (typeof args[0] === 'string') measured.push(args[0])
                return (value as (...a: unknown[]) => unknown).apply(s, args)
              }
            },
          })
        }
      },
    })
    const packed: string[] = []
    let plan: readonly string[] | undefined
    for (let step = 0; step < 20; step++) {
      const result = packIndex(counted, plan)
      if (result.packed === null) break
      packed.push(result.packed)
      plan = result.plan
    }
    expect(packed.toSorted()).toEqual(['sqlite_autoindex_k_1', 't_a', 't_b', 't_c'])
    expect(measured.toSorted()).toEqual(['k', 't_a', 't_b', 't_c'])
  } finally {
    db.close()
  }
})

test('a pack measured again after writes leaves out what it rebuilt and what grew past its largest, takes in what became loose', () => {
  // Keys of 1.5 kB, about ten a 16 kB page: a few thousand rows make a loose index of hundreds.
  const db = new DatabaseSync(':memory:')
  const long = () => randomUUID().repeat(42)
  const pages = (name: string) =>
    Number(db.prepare('SELECT count(*) AS n FROM dbstat WHERE name = ?').get(name)!.n)
  try {
    db.exec('PRAGMA page_size = 16384')
    db.exec(`CREATE TABLE one (body TEXT); CREATE INDEX one_body ON one (body);
      CREATE TABLE two (body TEXT); CREATE INDEX two_body ON two (body);
      CREATE TABLE three (body TEXT)`)
    const insert = (table: string, n: number) => {
      const stmt = db.prepare(`INSERT INTO ${table} (body) VALUES (?)`)
      db.exec('BEGIN')
      for (let i = 0; i < n; i++) stmt.run(long())
      db.exec('COMMIT')
    }
    insert('one', 600)
    insert('two', 700)
    const first = packIndex(db)
    expect(['one_body', 'two_body']).toContain(first.packed)
    const grown = first.packed === 'one_body' ? 'two_body' : 'one_body'
    expect(first.plan).toEqual([grown])
    // A bulk load between two steps: the index left to rebuild grows past a step's largest, the
    // one rebuilt is loose again, and an index made meanwhile becomes loose.
    insert(grown.replace('_body', ''), 12_000)
    insert(first.packed!.replace('_body', ''), 600)
    db.exec('CREATE INDEX three_body ON three (body)')
    insert('three', 1500)
    expect(pages(grown)).toBeGreaterThan(PACK_MAX_PAGES)
    // Measured again (the store's part: documents changed since the plan was made).
    const rebuilt: string[] = []
    let step = packIndex(db, undefined, first.done)
    for (let i = 0; i < 10 && step.packed !== null; i++) {
      rebuilt.push(step.packed)
      step = packIndex(db, step.plan, step.done)
    }
    expect(rebuilt).toEqual(['three_body'])
  } finally {
    db.close()
  }
})

test('through the store: documents written between two steps of a pack have the next step measure again', async () => {
  let written: Promise<void> | null = null
  /** The tasks sent before the write had committed. */
  let before = Infinity
  const seen = await packingStore(undefined, undefined, undefined, 2000, (task, result) => {
    // After the pack's first rebuild, before the store has its answer: a write, which waits
    // for the step and goes before the next.
    if (!task.pack || written || result.packed == null || result.packed === FREE_PAGES) return
    written = commit(seen.store, articles(1000)).then(() => {
      before = seen.tasks.length
    })
  })
  const {store, tasks} = seen
  await commit(store, articles(2000))
  await until(() => written !== null)
  await written
  await until(() => packed(tasks))
  const rebuiltBy = (steps: typeof tasks) =>
    steps
      .map(({task, result}) => (task.pack ? result?.packed : null))
      .filter((name): name is string => name != null && name !== FREE_PAGES)
  // The first step sent after the write measured the loose B-trees again (no plan), keeping what
  // the pack had rebuilt so far.
  const next = tasks.findIndex(({task}, i) => i >= before && task.pack)
  expect(next).toBeGreaterThan(0)
  expect(tasks[next].task.pack!.plan).toBeUndefined()
  expect(tasks[next].task.pack!.done).toEqual(rebuiltBy(tasks.slice(0, next)))
  const names = rebuiltBy(tasks)
  expect(names).toEqual([...new Set(names)])
}, 60_000)
