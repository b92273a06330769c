/**
 * Data folders written by earlier lakes (fixtures/main-<commit>, made with
 * fixtures/writeDataFolder.ts: f02fb90 before the compact log, 4b680ff before the full-text index
 * queue, ea0880f with a type index on the documents table, 3ca98e1 with titles in the side table,
 * 24689bb with the full-text index's own id map and type and rev kept beside each body, 06e3e4b
 * with the transaction log's seq an AUTOINCREMENT, 886ca21 with references keyed by the referring
 * document's id, 54b58fa with the side table keyed by the id, 97fd9e9 and bdd0694 with declared
 * indexes, a12f9cc with the full-text index's column lists, 8634499 at this lake's schema)
 * open with today's store: the schema migrates on first start and every document, every
 * revision and every logged transaction reads back as that lake read it.
 */
import {cpSync, rmSync} from 'node:fs'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {evaluate, parse} from 'groq-js'
import {afterEach, beforeEach, describe, expect, test, vi} from 'vitest'
import {createSqliteStores, type SqliteStore} from '../../../lake/store/sqliteStore.ts'
import {createCommitThread} from '../../../lake/store/commitThread.ts'
import {UnavailableError} from '../../../lake/core/errors.ts'
import {errorResponse} from '../../../lake/http/errors.ts'
import {createSearchAnalyzer} from '../../../lake/store/searchAnalyzer.ts'
import {INDEX_VERSION} from '../../../lake/store/searchIndex.ts'
import {encodeMatchText} from '../../../lake/core/searchText.ts'
import type {Selection, StoreRegistry} from '../../../lake/core/store.ts'
import {createTestLake} from '../../helpers/lake.ts'

const FIXTURES = ['main-f02fb90', 'main-4b680ff', 'main-ea0880f', 'main-3ca98e1', 'main-24689bb']
/** Its full-text index is of today's rules: the tests of an index of older rules leave it out. */
const CURRENT_INDEX = 'main-06e3e4b'
let dir: string
let stores: StoreRegistry
let expected: {
  transactions: string[]
  history: Record<string, Record<string, unknown>>
  logged: unknown[]
  /** What that lake answered of who references whom (written since 886ca21's fixture). */
  references?: {
    strong: {id: string; target: string}[]
    visible: {id: string; target: string}[]
    any: {id: string; target: string}[]
    selected: string[][]
  }
  /** What that lake selected and counted off its side table (written since 54b58fa's fixture). */
  selections?: {
    selection: Selection
    rows: {id: string; type: string; fields: unknown[]; complete: boolean}[]
    count: number
  }[]
  /** The file's expression indexes as SQLite states them (written since 97fd9e9's fixture). */
  indexes?: string[]
  /** The articles in the declared order `views desc`, as that lake read them (idem). */
  ordered?: string[]
}

async function openFixture(name: string) {
  const fixture = join(import.meta.dirname, 'fixtures', name)
  dir = await mkdtemp(join(tmpdir(), 'lake-migrate-'))
  cpSync(join(fixture, 'datasets'), join(dir, 'datasets'), {recursive: true})
  expected = JSON.parse(await readFile(join(fixture, 'expected.json'), 'utf8'))
  stores = createSqliteStores(dir)
}
afterEach(async () => {
  stores.close()
  await rm(dir, {recursive: true, force: true})
})

/** Every revision and every logged transaction of the opened folder reads back as expected. */
function readsBack() {
  const store = stores.get('production')
  for (const [id, states] of Object.entries(expected.history)) {
    expect(store.documentAt(id, {lastRevision: true}), id).toEqual(states.lastRevision)
    for (const tx of expected.transactions) {
      expect(store.documentAt(id, {revision: tx}), `${id} at ${tx}`).toEqual(states[tx])
    }
  }
  expect(expected.transactions.map((tx) => store.getTransaction(tx))).toEqual(expected.logged)
}

type Row = {id: string; fields: unknown[]}
/**
 * Rows as read, each run of rows with the same order keys sorted by id: rows that tie on the
 * order come in any order (Selection.order).
 */
function tiesById<T extends Row>(rows: T[], order: readonly {field: number}[] = []): T[] {
  const keyOf = (row: Row) => JSON.stringify(order.map(({field}) => row.fields[field] ?? null))
  const out: T[][] = []
  for (const row of rows) {
    const run = out.at(-1)
    if (run && keyOf(run[0]) === keyOf(row)) run.push(row)
    else out.push([row])
  }
  return out.flatMap((run) => run.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
}

describe.each([...FIXTURES, CURRENT_INDEX])('a data folder written by %s', (name) => {
  beforeEach(() => openFixture(name))

  test('every revision and every logged transaction reads back as before the migration', readsBack)

  test("the log's seqs are kept without AUTOINCREMENT, and the next transaction follows the last", async () => {
    const logOf = (file: string) => {
      const db = new DatabaseSync(file, {readOnly: true})
      try {
        const table = db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'transactions'").get()
        const sequenced = db
          .prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'")
          .get()
          ? db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'transactions'").all()
          : []
        return {
          sql: String(table!.sql),
          sequenced,
          rows: db.prepare('SELECT seq, id FROM transactions ORDER BY seq').all(),
          orphans: db.prepare('PRAGMA foreign_key_check').all(),
        }
      } finally {
        db.close()
      }
    }
    const before = logOf(
      join(import.meta.dirname, 'fixtures', name, 'datasets', 'production.sqlite'),
    )
    expect(before.sql).toMatch(/AUTOINCREMENT/)
    const store = stores.get('production')
    const source = store.getDocuments(['source-1'])[0]!
    await store.transact((writer) =>
      writer.commit({
        id: 'tx-after-upgrade',
        dataset: 'production',
        timestamp: '2026-12-05T00:00:00.000Z',
        identity: 'p-test',
        changes: [
          {
            id: 'source-1',
            before: source,
            after: {...source, name: 'বাসস ২', _rev: 'tx-after-upgrade'},
            mutations: [{patch: {id: 'source-1', set: {name: 'বাসস ২'}}}],
            effects: {apply: [], revert: []},
          },
        ],
      }),
    )
    expect(store.documentAt('source-1', {revision: 'tx-after-upgrade'})?.name).toBe('বাসস ২')
    stores.close()
    const after = logOf(join(dir, 'datasets', 'production.sqlite'))
    expect(after.sql).not.toMatch(/AUTOINCREMENT/)
    expect(after.sequenced).toEqual([])
    expect(after.orphans).toEqual([])
    const last = Number(before.rows.at(-1)!.seq)
    expect(after.rows).toEqual([...before.rows, {seq: last + 1, id: 'tx-after-upgrade'}])
    // Still one row an id: the index that refuses a repeat was made again too.
    const db = new DatabaseSync(join(dir, 'datasets', 'production.sqlite'))
    try {
      const insert = db.prepare(
        "INSERT INTO transactions (id, timestamp, identity) VALUES (?, '2026-12-05', 'p-test')",
      )
      expect(() => insert.run(expected.transactions[3])).toThrow(/UNIQUE constraint failed/)
    } finally {
      db.close()
    }
  })
})

describe.each(FIXTURES)('a data folder written by %s', (name) => {
  beforeEach(() => openFixture(name))

  test('counts by type and layer are those of the migrated documents', () => {
    const store = stores.get('production')
    const rows = [...store.select({})]
    const types = [...new Set(rows.map((row) => row.type))]
    expect(types.length).toBeGreaterThan(1)
    for (const exclude of [[], ['drafts.', 'versions.'], ['versions.']]) {
      const kept = rows.filter((row) => !exclude.some((prefix) => row.id.startsWith(prefix)))
      expect(store.countSelected({excludeIdPrefixes: exclude})).toBe(kept.length)
      for (const type of types) {
        const selection = {
          where: {kind: 'type', types: [type]} as const,
          excludeIdPrefixes: exclude,
        }
        expect(store.countSelected(selection), `${type} without ${exclude}`).toBe(
          kept.filter((row) => row.type === type).length,
        )
      }
    }
  })

  test("a type's documents are read through the documents' type index, in id order", () => {
    const store = stores.get('production')
    const rows = [...store.select({})]
    for (const types of [['article'], ['source', 'headline'], ['nothing']]) {
      const ids = rows.filter((row) => types.includes(row.type)).map((row) => row.id)
      expect([...store.scan({types})].map((doc) => doc._id)).toEqual(ids.sort())
      const page = store.exportPage({types}, {documents: ids.length + 1, bytes: Infinity})
      expect(page.documents.map((doc) => doc.id)).toEqual(ids)
    }
    stores.close()
    const db = new DatabaseSync(join(dir, 'datasets', 'production.sqlite'))
    const index = db.prepare("SELECT name FROM sqlite_schema WHERE name = 'documents_type'").get()
    db.close()
    expect(index).toEqual({name: 'documents_type'})
  })

  test("length(title) reads the side table's kept lengths, as groq-js counts them", async () => {
    const store = stores.get('production')
    const docs = [...store.scan()]
    expect(docs.some((doc) => typeof doc.title === 'string')).toBe(true)
    for (const n of [0, 2, 4, 5, 12]) {
      const groq = (await (
        await evaluate(parse(`*[length(title) > ${n}]._id`), {dataset: docs})
      ).get()) as string[]
      const selected = [...store.select({where: {kind: 'length', field: 0, op: '>', value: n}})]
      expect(selected.map((row) => row.id).sort(), `> ${n}`).toEqual([...groq].sort())
    }
    stores.close()
    const db = new DatabaseSync(join(dir, 'datasets', 'production.sqlite'))
    const columns = db.prepare('SELECT name FROM pragma_table_info(?)').all('fields')
    db.close()
    expect(columns.map((column) => column.name)).not.toContain('title')
  })

  test('writes after the migration keep history whole', async () => {
    const store = stores.get('production')
    const before = store.documentAt('article-1', {lastRevision: true})
    expect(before?.title).toBe('বাজেট সংশোধন 69')
    expect(store.documentAt('article-1', {revision: expected.transactions[10]})).toEqual(
      expected.history['article-1'][expected.transactions[10]],
    )
  })

  test('an index of older rules is refilled through the queue after the open, not in it', () => {
    const store = stores.get('production') as SqliteStore
    const found = (text: string) =>
      [...store.scan({search: {column: 'words', text}})].map((doc) => doc._id).sort()
    const ids = [...store.scan()].map((doc) => doc._id).sort()
    // Opened: the index emptied and every document queued, so every one is a candidate of a
    // search (the lake re-checks candidates). Rebuilt in the open, the index held the event loop
    // for the whole dataset (161,070 documents: 107 s).
    expect(found('বাজেট')).toEqual(ids)
    store.flushSearchIndex()
    expect(found('বাজেট')).toEqual(['article-0', 'article-1', 'article-2'])
  })

  test('the full-text index finds the migrated documents, and new writes through its queue', async () => {
    const store = stores.get('production')
    const found = (text: string) =>
      [...store.scan({search: {column: 'words', text}})].map((doc) => doc._id)
    ;(store as SqliteStore).flushSearchIndex()
    expect(found('বাজেট')).toEqual(['article-0', 'article-1', 'article-2'])
    const after = {...store.getDocuments(['source-1'])[0]!, name: 'বাজেট বার্তা', _rev: 'tx-new'}
    await store.transact((writer) =>
      writer.commit({
        id: 'tx-new',
        dataset: 'production',
        timestamp: '2026-12-01T00:00:00.000Z',
        identity: 'p-test',
        changes: [
          {
            id: 'source-1',
            before: store.getDocuments(['source-1'])[0],
            after,
            mutations: [{patch: {id: 'source-1', set: {name: after.name}}}],
            effects: {apply: [], revert: []},
          },
        ],
      }),
    )
    await new Promise((resolve) => setImmediate(resolve))
    expect(found('বাজেট')).toEqual(['article-0', 'article-1', 'article-2', 'source-1'])
    expect(found('বাসস')).toEqual([])
  })
})

test("a new dataset's transaction log keeps no sequence beside it", async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-migrate-'))
  stores = createSqliteStores(dir)
  const store = stores.get('fresh')
  await store.transact((writer) =>
    writer.commit({
      id: 'tx-first',
      dataset: 'fresh',
      timestamp: '2026-12-05T00:00:00.000Z',
      identity: 'p-test',
      changes: [
        {
          id: 'source-1',
          before: null,
          after: {_id: 'source-1', _type: 'source', name: 'বাসস', _rev: 'tx-first'},
          mutations: [{create: {_id: 'source-1', _type: 'source', name: 'বাসস'}}],
          effects: {apply: [], revert: []},
        },
      ],
    }),
  )
  stores.close()
  const db = new DatabaseSync(join(dir, 'datasets', 'fresh.sqlite'), {readOnly: true})
  // The schema's first migration made sqlite_sequence, which stays once made: empty.
  const sequences = db.prepare('SELECT name, seq FROM sqlite_sequence').all()
  const rows = db.prepare('SELECT seq, id FROM transactions').all()
  db.close()
  expect(sequences).toEqual([])
  expect(rows).toEqual([{seq: 1, id: 'tx-first'}])
})

test('a folder from before the compact log gains the side table, weak references and a thinner log', async () => {
  await openFixture('main-f02fb90')
  const store = stores.get('production')
  const select = (where: Parameters<typeof store.select>[0]) =>
    [...store.select(where)].map((row) => row.id)
  // By publishedAt descending: the draft without one first, as GROQ's order() puts null.
  expect(
    select({where: {kind: 'type', types: ['article']}, order: [{field: 1, desc: true}]}),
  ).toEqual(['drafts.article-0', 'article-4', 'article-2', 'article-1', 'article-0'])
  // drafts.article-0 refers to source-2 weakly: GROQ's references() sees it, delete protection not.
  expect(select({where: {kind: 'references', ids: ['source-2']}})).toEqual([
    'article-1',
    'drafts.article-0',
  ])
  expect(store.referrersOf(['source-2']).map((r) => r.id)).toEqual(['article-1'])
  stores.close()
  const db = new DatabaseSync(join(dir, 'datasets', 'production.sqlite'))
  const {n} = db.prepare('SELECT count(*) AS n FROM changes WHERE snapshot IS NOT NULL').get() as {
    n: number
  }
  const {total} = db.prepare('SELECT count(*) AS total FROM changes').get() as {total: number}
  db.close()
  expect(n).toBeLessThan(total / 4)
})

test('an upgrade that fails midway leaves the folder as it was, and the next start upgrades it whole', async () => {
  await openFixture('main-f02fb90')
  stores.close()
  const file = join(dir, 'datasets', 'production.sqlite')
  const schema = () => {
    const db = new DatabaseSync(file, {readOnly: true})
    try {
      const {version} = db.prepare('SELECT max(version) AS version FROM migrations').get() as {
        version: number
      }
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all()
        .map((row) => String(row.name))
      return {version, tables}
    } finally {
      db.close()
    }
  }
  const before = schema()
  // A table in the way of a later migration (the type counts): the earlier ones succeed first.
  const other = new DatabaseSync(file)
  other.exec('CREATE TABLE type_counts (x)')
  other.close()
  stores = createSqliteStores(dir)
  expect(() => stores.get('production').getDocuments(['article-1'])).toThrow(/type_counts/)
  stores.close()
  expect(schema()).toEqual({
    version: before.version,
    tables: [...before.tables, 'type_counts'].sort(),
  })

  const fix = new DatabaseSync(file)
  fix.exec('DROP TABLE type_counts')
  fix.close()
  stores = createSqliteStores(dir)
  expect(stores.get('production').getDocuments(['article-1'])[0]?._id).toBe('article-1')
  stores.close()
  expect(schema().version).toBeGreaterThan(before.version)
  expect(schema().tables).toContain('fields')
})

describe('a folder from before the documents had an integer key (24689bb)', () => {
  const file = () => join(dir, 'datasets', 'production.sqlite')
  const found = (text: string, column: 'words' | 'refs' = 'words') =>
    [...stores.get('production').scan({search: {column, text}})].map((doc) => doc._id)

  /**
   * The fixture as that lake left it when stopped right after a commit, before indexing it:
   * article-4 deleted (its full-text row left behind, its id queued), source-3 created (queued,
   * no row yet), and an expression index a signed-in query had made.
   */
  function stoppedBeforeIndexing() {
    stores.close()
    const db = new DatabaseSync(file())
    db.exec(`
      DELETE FROM documents WHERE id = 'article-4';
      DELETE FROM fields WHERE id = 'article-4';
      INSERT INTO documents (id, type, rev, body) VALUES ('source-3', 'source', 'tx-x',
        jsonb('{"_id":"source-3","_type":"source","name":"বাজেট বার্তা","_rev":"tx-x"}'));
      INSERT INTO fields (id, type) VALUES ('source-3', 'source');
      INSERT INTO search_queue (id) VALUES ('article-4'), ('source-3');
      CREATE INDEX attr_0000test ON documents (json_extract(body, '$."section"'));
    `)
    db.close()
    stores = createSqliteStores(dir)
  }

  beforeEach(() => openFixture('main-24689bb'))

  test('keys the full-text index by the documents and the log by its key, keeps no id map and no copy of type and rev', () => {
    stoppedBeforeIndexing()
    expect(stores.get('production').getDocuments(['source-3'])[0]?.name).toBe('বাজেট বার্তা')
    stores.close()
    const db = new DatabaseSync(file(), {readOnly: true})
    const names = (sql: string) =>
      db
        .prepare(sql)
        .all()
        .map((row) => String(row.name))
    const tables = names("SELECT name FROM sqlite_schema WHERE type = 'table'")
    const stored = names("SELECT name FROM pragma_table_xinfo('documents') WHERE hidden = 0")
    const indexes = names("SELECT name FROM sqlite_schema WHERE tbl_name = 'documents'")
    const logIndexes = names("SELECT name FROM sqlite_schema WHERE tbl_name = 'changes'")
    const creates = db
      .prepare('SELECT mutations, effects FROM changes WHERE length(mutations) = 1')
      .all()
    db.close()
    // The log's key is the table's own; created documents' rows were shortened (log.ts).
    expect(logIndexes.sort()).toEqual([
      'changes',
      'changes_deleted',
      'changes_doc',
      'changes_namespace',
      'changes_snapshot',
    ])
    expect(creates.length).toBeGreaterThan(5)
    expect(creates.every((row) => row.effects === '' || String(row.effects)[0] === '{')).toBe(true)
    expect(tables).not.toContain('search_ids')
    expect(stored).toEqual(['rowid', 'id', 'body'])
    expect(indexes).toEqual(
      expect.arrayContaining(['documents', 'documents_type', 'attr_0000test']),
    )
  })

  test('search, references, types and revisions answer as before, after the queue and after VACUUM', () => {
    stoppedBeforeIndexing()
    // Queued, not yet indexed (the index's rules are newer than the fixture's: every document):
    // candidates of every search, re-checked.
    expect(found('বাজেট')).toEqual([...stores.get('production').scan()].map((doc) => doc._id))
    const migrated = stores.get('production') as SqliteStore
    migrated.flushSearchIndex()
    const answers = () => {
      const store = stores.get('production')
      return {
        budget: found('বাজেট'),
        last: found('শেষ'),
        refs: found('source-1', 'refs'),
        referrers: store.referrersOf(['source-1', 'source-2']),
        weak: [...store.select({where: {kind: 'references', ids: ['source-2']}})].map((r) => r.id),
        types: [...store.scan({types: ['source']})].map((doc) => doc._id),
        revision: store.documentAt('article-1', {revision: expected.transactions[10]}),
        lastRevision: store.documentAt('article-1', {lastRevision: true}),
      }
    }
    const before = answers()
    expect(before.budget).toEqual(['article-0', 'article-1', 'article-2', 'source-3'])
    // article-4's row, left behind under its old number, went with the migration.
    expect(before.last).toEqual([])
    expect(before.refs).toEqual(['article-0', 'article-2'])
    expect(before.weak).toEqual(['article-1', 'drafts.article-0'])
    expect(before.types).toEqual(['source-1', 'source-2', 'source-3'])
    expect(before.revision).toEqual(expected.history['article-1'][expected.transactions[10]])
    expect(before.lastRevision).toEqual(expected.history['article-1'].lastRevision)
    stores.close()
    // VACUUM renumbers the rows of a table without an INTEGER PRIMARY KEY; these keep theirs.
    const db = new DatabaseSync(file())
    db.exec("DELETE FROM documents WHERE id = 'source-1'")
    db.exec('VACUUM')
    db.close()
    stores = createSqliteStores(dir)
    const after = answers()
    expect(after.budget).toEqual(before.budget)
    expect(after.last).toEqual([])
    expect(after.types).toEqual(['source-2', 'source-3'])
    expect({...after, types: before.types}).toEqual(before)
  })
})

describe("a folder from before the references were keyed by the referring document's number (886ca21)", () => {
  const file = () => join(dir, 'datasets', 'production.sqlite')
  const targets = ['source-1', 'source-2', 'article-0', 'article-3', 'headline-1']
  const answers = () => {
    const store = stores.get('production')
    return {
      strong: store.referrersOf(targets, 'strong'),
      visible: store.referrersOf(targets, 'visible'),
      any: store.referrersOf(targets, 'any'),
      selected: targets.map((id) =>
        [...store.select({where: {kind: 'references', ids: [id]}})].map((row) => row.id),
      ),
    }
  }
  const rows = () => {
    const db = new DatabaseSync(file(), {readOnly: true})
    try {
      return db
        .prepare(
          `SELECT r.target, typeof(r.source) AS kind, d.id AS source
           FROM refs r LEFT JOIN documents d ON d.rowid = r.source ORDER BY r.target, d.id`,
        )
        .all()
    } finally {
      db.close()
    }
  }

  beforeEach(() => openFixture('main-886ca21'))

  test('every revision and every logged transaction reads back as before the migration', readsBack)

  test("keys each reference by its document's number, and answers who references whom as that lake did", () => {
    const before = answers()
    expect(before).toEqual(expected.references)
    expect(before.strong.length).toBeGreaterThan(2)
    const migrated = rows()
    expect(new Set(migrated.map((row) => row.kind))).toEqual(new Set(['integer']))
    expect(migrated.map((row) => ({id: row.source, target: row.target}))).toEqual(before.any)
    stores.close()
    // The numbers of an INTEGER PRIMARY KEY stay through VACUUM.
    const db = new DatabaseSync(file())
    db.exec('VACUUM')
    db.close()
    stores = createSqliteStores(dir)
    expect(answers()).toEqual(expected.references)
  })

  test('writes after the migration keep the references whole', async () => {
    const store = stores.get('production')
    const before = store.getDocuments(['article-0'])[0]!
    const after = {...before, source: {_type: 'reference', _ref: 'source-2'}, _rev: 'tx-new'}
    await store.transact((writer) =>
      writer.commit({
        id: 'tx-new',
        dataset: 'production',
        timestamp: '2026-12-01T00:00:00.000Z',
        identity: 'p-test',
        changes: [
          {
            id: 'article-0',
            before,
            after,
            mutations: [{patch: {id: 'article-0', set: {source: after.source}}}],
            effects: {apply: [], revert: []},
          },
        ],
      }),
    )
    expect(store.referrersOf(['source-1', 'source-2'])).toEqual([
      {id: 'article-2', target: 'source-1'},
      {id: 'article-4', target: 'source-1'},
      {id: 'article-0', target: 'source-2'},
      {id: 'article-1', target: 'source-2'},
    ])
  })
})

describe("a folder from before the side table was keyed by the documents' rowid (54b58fa)", () => {
  const file = () => join(dir, 'datasets', 'production.sqlite')
  const answers = () => {
    const store = stores.get('production')
    return expected.selections!.map(({selection}) => ({
      selection,
      rows: tiesById([...store.select(selection)], selection.order),
      count: store.countSelected(selection),
    }))
  }

  beforeEach(() => openFixture('main-54b58fa'))

  test('every revision and every logged transaction reads back as before the migration', readsBack)

  test("keys each side-table row by its document's rowid, with no index entry holding the id but the titles' lengths', and selects and counts as that lake did", () => {
    const wanted = expected.selections!.map(({selection, rows, count}) => ({
      selection,
      rows: tiesById(rows, selection.order),
      count,
    }))
    expect(wanted.every(({rows}) => rows.length > 0)).toBe(true)
    expect(answers()).toEqual(wanted)
    stores.close()
    const db = new DatabaseSync(file(), {readOnly: true})
    try {
      // Every column an entry holds, its key's and the table's key after them.
      const columns = (name: string) =>
        (
          db.prepare('SELECT name FROM pragma_index_xinfo(?)').all(name) as {name: string | null}[]
        ).map((column) => column.name)
      const indexes = db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'fields'")
        .all() as {name: string}[]
      expect(indexes.length).toBeGreaterThan(4)
      // The titles' lengths' index keeps the ids `*[length(title) > n]._id` reads (fields.ts).
      for (const {name} of indexes) {
        if (name !== 'fields_title_length') expect(columns(name), name).not.toContain('id')
      }
      const unkeyed = db
        .prepare(
          'SELECT count(*) AS n FROM fields f LEFT JOIN documents d ON d.rowid = f.rowid WHERE d.id IS NOT f.id',
        )
        .get() as {n: number}
      expect(unkeyed.n).toBe(0)
    } finally {
      db.close()
    }
    // The rowids of an INTEGER PRIMARY KEY stay through VACUUM.
    const writable = new DatabaseSync(file())
    writable.exec('VACUUM')
    writable.close()
    stores = createSqliteStores(dir)
    expect(answers()).toEqual(wanted)
  })

  test('writes after the migration keep the side table whole: created, changed and deleted rows', async () => {
    const store = stores.get('production')
    const before = store.getDocuments(['article-2'])[0]!
    const after = {...before, section: 'খেলা', _rev: 'tx-new'}
    const created = {_id: 'drafts.article-9', _type: 'article', title: 'নতুন', _rev: 'tx-new'}
    await store.transact((writer) =>
      writer.commit({
        id: 'tx-new',
        dataset: 'production',
        timestamp: '2026-12-01T00:00:00.000Z',
        identity: 'p-test',
        changes: [
          {
            id: 'article-2',
            before,
            after,
            mutations: [{patch: {id: 'article-2', set: {section: 'খেলা'}}}],
            effects: {apply: [], revert: []},
          },
          {
            id: 'drafts.article-9',
            before: null,
            after: created,
            mutations: [{create: created}],
            effects: {apply: [], revert: []},
          },
          {
            id: 'article-4',
            before: store.getDocuments(['article-4'])[0]!,
            after: null,
            mutations: [{delete: {id: 'article-4'}}],
            effects: {apply: [], revert: []},
          },
        ],
      }),
    )
    const section = {where: {kind: 'equals', field: 2, values: ['খেলা']}} as const
    expect([...store.select(section)].map((row) => row.id).sort()).toEqual([
      'article-1',
      'article-2',
    ])
    expect(store.countSelected({...section, excludeIdPrefixes: ['drafts.', 'versions.']})).toBe(2)
    expect(
      [...store.select({where: {kind: 'type', types: ['article']}, stack: ['drafts']})]
        .map((row) => row.id)
        .sort(),
    ).toEqual(['article-1', 'article-2', 'drafts.article-0', 'drafts.article-9'])
    expect(
      [...store.select({where: {kind: 'id', ids: ['article-4', 'drafts.article-9']}})].map(
        (row) => row.id,
      ),
    ).toEqual(['drafts.article-9'])
  })
})

test('a folder an earlier lake wrote is upgraded on the commit thread: /ping and another dataset are answered meanwhile', async () => {
  // The migration ran in the dataset's open, on the event loop: the lake's start opens every
  // dataset (the image backfill), so a lake given an old folder answered nothing, /ping and other
  // datasets included, until it was upgraded (9.6 s at 20,000 articles from main-24689bb's format).
  dir = await mkdtemp(join(tmpdir(), 'lake-migrate-'))
  stores = createSqliteStores(dir)
  let lake = await createTestLake({dataDir: dir})
  await lake.client().withConfig({dataset: 'other'}).create({_id: 'o1', _type: 't'})
  await lake.close({keepData: true})
  // The oldest fixture with 3,000 more articles, cloned from one of its own.
  const file = join(dir, 'datasets', 'production.sqlite')
  cpSync(
    join(import.meta.dirname, 'fixtures', 'main-f02fb90', 'datasets', 'production.sqlite'),
    file,
  )
  const db = new DatabaseSync(file)
  const article = db.prepare("SELECT * FROM documents WHERE id = 'article-1'").get() as Record<
    string,
    string
  >
  const change = db.prepare("SELECT * FROM changes WHERE doc_id = 'article-1' LIMIT 1").get()!
  db.exec('BEGIN')
  const {lastInsertRowid: seq} = db
    .prepare("INSERT INTO transactions (id, timestamp, identity) VALUES ('bulk', ?, 'p')")
    .run('2026-11-02T00:00:00.000Z')
  const columns = Object.keys(change)
  const insertChange = db.prepare(
    `INSERT INTO changes (${columns}) VALUES (${columns.map(() => '?')})`,
  )
  const insertDocument = db.prepare(
    'INSERT INTO documents (id, type, rev, created_at, updated_at, body) VALUES (?, ?, ?, ?, ?, ?)',
  )
  for (let i = 0; i < 3000; i++) {
    const id = `bulk-${i}`
    const body = JSON.stringify({...JSON.parse(article.body), _id: id, _rev: 'bulk'})
    insertDocument.run(id, 'article', 'bulk', article.created_at, article.updated_at, body)
    const row: Record<string, unknown> = {...change, tx_seq: seq, position: i, doc_id: id}
    insertChange.run(...columns.map((column) => row[column] as string))
  }
  db.exec('COMMIT')
  db.close()
  /** The file's schema as another connection sees it: the old one until the upgrade commits. */
  const schema = () => {
    const reader = new DatabaseSync(file, {readOnly: true})
    try {
      return Number(reader.prepare('SELECT max(version) AS v FROM migrations').get()!.v)
    } finally {
      reader.close()
    }
  }
  expect(schema()).toBe(2)
  lake = await createTestLake({dataDir: dir})
  try {
    const ask = (path: string) =>
      lake.fetch(`${lake.url}${path}`, {headers: {authorization: `Bearer ${lake.token}`}})
    const query = (dataset: string, groq: string) =>
      ask(`/v2025-02-19/data/query/${dataset}?query=${encodeURIComponent(groq)}`)
    const upgraded = query('production', 'count(*[_rev == "bulk"])')
    const ping = await ask('/v2025-02-19/ping')
    expect(ping.status).toBe(200)
    const pinged = schema()
    const other = await ask('/v2025-02-19/data/doc/other/o1')
    expect((await other.json()).documents.map((doc: {_id: string}) => doc._id)).toEqual(['o1'])
    const answeredOther = schema()
    const answer = await upgraded
    expect(answer.status).toBe(200)
    expect((await answer.json()).result).toBe(3000)
    // Both answered before the upgrade was committed, on the commit thread.
    expect([pinged, answeredOther]).toEqual([2, 2])
    expect(schema()).toBeGreaterThan(2)
  } finally {
    await lake.close()
  }
}, 120_000)

test('a folder whose upgrade finds the file locked by another connection answers a 503 to retry, then the upgraded data', async () => {
  // On the event loop, the open's migration threw SQLite's own SQLITE_BUSY, which the lake answers
  // as a busy database (503, Retry-After). On the commit thread, the error crossed the thread
  // without its code: a 500.
  dir = await mkdtemp(join(tmpdir(), 'lake-migrate-'))
  stores = createSqliteStores(dir)
  const file = join(dir, 'datasets', 'production.sqlite')
  cpSync(join(import.meta.dirname, 'fixtures', 'main-f02fb90', 'datasets'), join(dir, 'datasets'), {
    recursive: true,
  })
  const holder = new DatabaseSync(file)
  holder.exec('BEGIN IMMEDIATE')
  const lake = await createTestLake({dataDir: dir})
  try {
    const query = () =>
      lake.fetch(
        `${lake.url}/v2025-02-19/data/query/production?query=${encodeURIComponent('count(*)')}`,
        {headers: {authorization: `Bearer ${lake.token}`}},
      )
    const busy = await query()
    expect({status: busy.status, retry: busy.headers.get('retry-after')}).toEqual({
      status: 503,
      retry: '1',
    })
    holder.exec('ROLLBACK')
    const answer = await query()
    expect(answer.status).toBe(200)
    expect((await answer.json()).result).toBeGreaterThan(0)
  } finally {
    holder.close()
    await lake.close()
  }
}, 120_000)

test('a commit thread that stops in the middle of an upgrade is a 503 to retry, and the next request upgrades on a new thread', async () => {
  // Piscina's rejection for a thread that exited under its task ("worker exited with code 1")
  // crossed as an unknown error: a 500, where the commit thread's other failures are a 503.
  await openFixture('main-f02fb90')
  vi.stubEnv('COMMIT_THREAD_EXIT_FLAG', join(dir, 'exited'))
  const committer = createCommitThread(new URL('./commitThreadExits.ts', import.meta.url).href)
  stores.close()
  stores = createSqliteStores(dir, {committer})
  const store = stores.get('production') as SqliteStore
  try {
    const failed = await store.ready!().then(
      () => 'upgraded',
      (err: unknown) => err,
    )
    expect(failed).toBeInstanceOf(UnavailableError)
    expect((failed as Error).message).toMatch(/commit thread stopped .*try again/)
    const answer = errorResponse(failed)
    expect({status: answer.status, retry: answer.headers.get('retry-after')}).toEqual({
      status: 503,
      retry: '1',
    })
    await store.ready!()
  } finally {
    await committer.close()
    vi.unstubAllEnvs()
  }
  // Upgraded whole, the stopped thread's transaction gone with it.
  const rows = [...store.select({})]
  expect(store.countSelected({where: {kind: 'type', types: ['article']}})).toBe(
    rows.filter((row) => row.type === 'article').length,
  )
  const [id, states] = Object.entries(expected.history)[0]
  expect(store.documentAt(id, {lastRevision: true})).toEqual(states.lastRevision)
  const file = new DatabaseSync(join(dir, 'datasets', 'production.sqlite'), {readOnly: true})
  try {
    expect(
      file.prepare("SELECT name FROM sqlite_schema WHERE name = 'upgrade_cut_short'").all(),
    ).toEqual([])
  } finally {
    file.close()
  }
}, 60_000)

test('an upgrade on the event loop that finds the file locked is tried again by the next read, not left half done', async () => {
  // open() kept the connection it had made when the migration threw: the next read used a file
  // still in the old schema ("no such table: type_counts"), until the lake restarted.
  await openFixture('main-f02fb90')
  const holder = new DatabaseSync(join(dir, 'datasets', 'production.sqlite'))
  holder.exec('BEGIN IMMEDIATE')
  const store = stores.get('production') as SqliteStore
  try {
    expect(() => store.count()).toThrow(/database is locked/)
  } finally {
    holder.exec('ROLLBACK')
    holder.close()
  }
  // Read as from a file upgraded whole: the counts by type (a table the upgrade adds) and search.
  const rows = [...store.select({})]
  expect(store.countSelected({where: {kind: 'type', types: ['article']}})).toBe(
    rows.filter((row) => row.type === 'article').length,
  )
  const [id, states] = Object.entries(expected.history)[0]
  expect(store.documentAt(id, {lastRevision: true})).toEqual(states.lastRevision)
}, 60_000)

test("an asset's file asked for while its dataset is upgraded is sent once the upgrade is done, not refused", async () => {
  // The download route read the asset's document without waiting for the upgrade (Store.ready),
  // and an open during it is a 503: an <img> the Studio showed broken, as browsers do not retry.
  dir = await mkdtemp(join(tmpdir(), 'lake-migrate-'))
  stores = createSqliteStores(dir)
  let lake = await createTestLake({dataDir: dir})
  const uploaded = await lake
    .client()
    .withConfig({dataset: 'production'})
    .assets.upload('file', Buffer.from('সংবাদ'), {filename: 'note.txt'})
  const file = join(dir, 'datasets', 'production.sqlite')
  const made = new DatabaseSync(file, {readOnly: true})
  const body = made.prepare('SELECT json(body) AS b FROM documents WHERE id = ?').get(uploaded._id)!
    .b as string
  made.close()
  await lake.close({keepData: true})
  // The asset's document in a folder an earlier lake wrote (main-f02fb90's schema).
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, {force: true})
  cpSync(
    join(import.meta.dirname, 'fixtures', 'main-f02fb90', 'datasets', 'production.sqlite'),
    file,
  )
  const old = new DatabaseSync(file)
  old
    .prepare(
      'INSERT INTO documents (id, type, rev, created_at, updated_at, body) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .run(
      uploaded._id,
      uploaded._type,
      uploaded._rev,
      uploaded._createdAt,
      uploaded._updatedAt,
      body,
    )
  // Held while the lake starts: its upgrade waits for the lock (up to 5 s), and is under way when
  // the file is asked for.
  old.exec('BEGIN IMMEDIATE')
  lake = await createTestLake({dataDir: dir})
  try {
    const answer = lake.fetch(`${lake.url}${new URL(uploaded.url).pathname}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
    old.exec('ROLLBACK')
    const got = await answer
    expect(got.status).toBe(200)
    expect(await got.text()).toBe('সংবাদ')
  } finally {
    old.close()
    await lake.close()
  }
}, 60_000)

test("a re-index an older lake had not finished (its queue) becomes the backlog: every document indexed once, search as groq-js's", async () => {
  // fixtures/main-bb4de54-reindex (writeReindexFolder.ts): schema 22, 440 articles, a re-index
  // under way, part of the file's documents indexed, the rest in search_queue. Migration 23 moves
  // that queue to search_reindex, the backlog writes never wait for.
  const fixture = join(import.meta.dirname, 'fixtures', 'main-bb4de54-reindex')
  dir = await mkdtemp(join(tmpdir(), 'lake-migrate-'))
  cpSync(join(fixture, 'datasets'), join(dir, 'datasets'), {recursive: true})
  const file = join(dir, 'datasets', 'production.sqlite')
  // Its index's rows name every `match` token in the tokens column, which since version 5 leaves
  // out those the words column holds: a superset of today's rows, so marked as today's, the open
  // moves the queue (what this test is about) rather than rebuilding the index for new rules.
  const fixtureDb = new DatabaseSync(file)
  fixtureDb.prepare("UPDATE search_meta SET value = ? WHERE key = 'version'").run(INDEX_VERSION)
  fixtureDb.close()
  const count = (sql: string) => {
    const db = new DatabaseSync(file, {readOnly: true})
    try {
      return Number((db.prepare(sql).get() as {n: number}).n)
    } finally {
      db.close()
    }
  }
  const before = {
    queued: count('SELECT count(*) AS n FROM search_queue'),
    indexed: count('SELECT count(*) AS n FROM search_fts'),
    documents: count('SELECT count(*) AS n FROM documents'),
  }
  expect(count('SELECT max(version) AS n FROM migrations')).toBe(22)
  expect(before.queued).toBeGreaterThan(0)
  expect(before.indexed).toBeGreaterThan(0)
  expect(before.queued + before.indexed).toBe(before.documents)
  // The analyzer's batches wait until the migrated file is looked at.
  const analyzer = createSearchAnalyzer()
  let go: () => void = () => {}
  const opened = new Promise<void>((resolve) => (go = resolve))
  stores = createSqliteStores(dir, {
    analyzer: {
      analyze: (task) => opened.then(() => analyzer.analyze(task)),
      write: (target) => analyzer.write(target),
      alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
      close: () => analyzer.close(),
    },
  })
  try {
    const store = stores.get('production')
    expect(store.count()).toBe(before.documents)
    // (24: a reference row for every string `_ref`; 25: the documents to repair; 26: the
    // transaction log without AUTOINCREMENT; 27: the images to derive; 28: references keyed by
    // the document's rowid; 29: the side table keyed by it; 30: old order indexes dropped; 31:
    // the change log indexed by its ids' namespace; 32: the index made again without column
    // lists, which re-indexes every document: the queue and the index's rows are the backlog.)
    expect(count('SELECT max(version) AS n FROM migrations')).toBe(32)
    expect(count('SELECT count(*) AS n FROM search_queue')).toBe(0)
    expect(count('SELECT count(*) AS n FROM search_reindex')).toBe(before.documents)
    expect(count('SELECT count(*) AS n FROM search_fts')).toBe(0)
    go()
    const deadline = Date.now() + 30_000
    while (count('SELECT count(*) AS n FROM search_reindex') > 0) {
      if (Date.now() > deadline) throw new Error('the backlog was not indexed')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    // Nothing lost, each document indexed once (one row of the index per document).
    expect(count('SELECT count(*) AS n FROM documents')).toBe(before.documents)
    expect(count('SELECT count(*) AS n FROM search_fts')).toBe(before.documents)
    expect(
      count(
        'SELECT count(*) AS n FROM documents d WHERE (SELECT count(*) FROM search_fts f WHERE f.rowid = d.rowid) <> 1',
      ),
    ).toBe(0)
    expect(count('SELECT count(*) AS n FROM search_queue')).toBe(0)
    expect(count('SELECT count(*) AS n FROM search_aside')).toBe(0)
    const all = [...store.scan({})]
    expect(all).toHaveLength(before.documents)
    for (const word of ['বৈঠক', 'খেলার', 'নির্বাচন', 'বাজেট']) {
      const result = await evaluate(parse('*[title match $word]._id'), {
        dataset: all,
        params: {word},
      })
      const expected = ((await result.get()) as string[]).sort()
      expect(expected.length, word).toBeGreaterThan(0)
      const found = [...store.scan({search: {column: 'tokens', text: encodeMatchText(word)}})].map(
        (doc) => doc._id,
      )
      expect(found, word).toEqual(expected)
    }
  } finally {
    go()
    stores.close()
    analyzer.close()
  }
}, 60_000)

test('a folder whose full-text index kept column lists (a12f9cc, schema 31) has it made again without them, every document re-indexed once, found as groq-js finds it', async () => {
  await openFixture('main-a12f9cc')
  const file = join(dir, 'datasets', 'production.sqlite')
  const read = (sql: string) => {
    const db = new DatabaseSync(file, {readOnly: true})
    try {
      return db.prepare(sql).get() as Record<string, unknown>
    } finally {
      db.close()
    }
  }
  const count = (sql: string) => Number(read(sql).n)
  expect(count('SELECT count(*) AS n FROM search_fts')).toBe(7)
  expect(String(read("SELECT sql FROM sqlite_schema WHERE name = 'search_fts'").sql)).toMatch(
    /detail = column/,
  )
  const store = stores.get('production') as SqliteStore
  const documents = store.count()
  expect(documents).toBe(7)
  // The open emptied the index and listed every document in the re-index's backlog: until it is
  // read, each is a candidate of every search.
  expect(String(read("SELECT sql FROM sqlite_schema WHERE name = 'search_fts'").sql)).toMatch(
    /detail = none/,
  )
  expect(count('SELECT count(*) AS n FROM search_reindex')).toBe(documents)
  expect(count('SELECT count(*) AS n FROM search_fts')).toBe(0)
  store.flushSearchIndex()
  expect(count('SELECT count(*) AS n FROM search_reindex')).toBe(0)
  expect(
    count(
      'SELECT count(*) AS n FROM documents d WHERE (SELECT count(*) FROM search_fts f WHERE f.rowid = d.rowid) <> 1',
    ),
  ).toBe(0)
  const all = [...store.scan({})]
  const ids = (hint: Parameters<SqliteStore['scan']>[0]) =>
    [...store.scan(hint)].map((doc) => doc._id).sort()
  const groq = async (query: string, params: Record<string, unknown>) =>
    ((await (await evaluate(parse(query), {dataset: all, params})).get()) as string[]).sort()
  for (const word of ['বাজেট', 'সংশোধন', 'খেলা', 'বাসস', 'article', '69', '2026']) {
    const expected = await groq(
      '*[[title, name, section, slug.current, publishedAt] match $word]._id',
      {word},
    )
    expect(expected.length, word).toBeGreaterThan(0)
    // The index only narrows (groq-js re-checks): every document groq-js finds is a candidate.
    expect(ids({search: {column: 'tokens', text: encodeMatchText(word)}}), word).toEqual(
      expect.arrayContaining(expected),
    )
    expect(
      ids({search: {column: 'tokens', text: encodeMatchText(word.slice(0, 2)), prefix: true}}),
      word,
    ).toEqual(expect.arrayContaining(expected))
  }
  // text::query's keys.
  expect(ids({search: {column: 'words', text: 'বাজেট'}})).toEqual(
    expect.arrayContaining(await groq('*[title match "বাজেট"]._id', {})),
  )
  for (const target of ['source-1', 'source-2']) {
    expect(ids({search: {column: 'refs', text: target}}), target).toEqual(
      await groq('*[references($target)]._id', {target}),
    )
  }
})

/**
 * The last two schemas, each written by its own lake (fixtures/writeDataFolder.ts): a12f9cc at
 * schema 31, the last before migration 32, and 8634499 at this lake's schema. Both declared an
 * attribute and an order index, which an upgrade keeps as they are. When a migration is added,
 * the fixture at this lake's schema becomes the previous one: write one with the new lake and add
 * it here (LATEST), so that each upgrade is tried on a folder its predecessor wrote.
 */
const PREVIOUS = 'main-a12f9cc'
const LATEST = 'main-8634499'
describe.each([PREVIOUS, LATEST])('a data folder written by %s (the last schemas)', (name) => {
  const file = () => join(dir, 'datasets', 'production.sqlite')
  const sqlOf = (path: string, sql: string) => {
    const db = new DatabaseSync(path, {readOnly: true})
    try {
      return db.prepare(sql).all()
    } finally {
      db.close()
    }
  }
  const schemaOf = (path: string) =>
    Number(sqlOf(path, 'SELECT max(version) AS v FROM migrations')[0].v)
  const indexesOf = (path: string) =>
    sqlOf(
      path,
      "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name LIKE 'attr_%' ORDER BY sql",
    ).map((row) => String(row.sql))
  const ordered = () =>
    [
      ...stores
        .get('production')
        .scan({types: ['article'], order: [{path: ['views'], desc: true}]}),
    ].map((doc) => doc._id)
  /** The schema of a file this lake makes: a new dataset's, written once. */
  const lakeSchema = async () => {
    const fresh = stores.get('fresh')
    await fresh.transact((writer) =>
      writer.commit({
        id: 'tx-fresh',
        dataset: 'fresh',
        timestamp: '2026-12-06T00:00:00.000Z',
        identity: 'p-test',
        changes: [],
      }),
    )
    return schemaOf(join(dir, 'datasets', 'fresh.sqlite'))
  }

  beforeEach(() => openFixture(name))

  test("opens at this lake's schema: the previous one's folder migrates, the latest one's is this lake's", async () => {
    const written = schemaOf(
      join(import.meta.dirname, 'fixtures', name, 'datasets', 'production.sqlite'),
    )
    stores.get('production').count()
    const schema = await lakeSchema()
    expect(schemaOf(file())).toBe(schema)
    if (name === LATEST) {
      expect(
        written,
        `${LATEST} is older than this lake: write a fixture with it (see above)`,
      ).toBe(schema)
    } else {
      expect(written).toBeLessThan(schema)
    }
  })

  test('every revision and every logged transaction reads back as that lake read them', readsBack)

  test('references, selections and counts answer as that lake answered', () => {
    const store = stores.get('production')
    const targets = ['source-1', 'source-2', 'article-0', 'article-3', 'headline-1']
    expect({
      strong: store.referrersOf(targets, 'strong'),
      visible: store.referrersOf(targets, 'visible'),
      any: store.referrersOf(targets, 'any'),
      selected: targets.map((id) =>
        [...store.select({where: {kind: 'references', ids: [id]}})].map((row) => row.id),
      ),
    }).toEqual(expected.references)
    const answers = expected.selections!.map(({selection}) => ({
      selection,
      rows: tiesById([...store.select(selection)], selection.order),
      count: store.countSelected(selection),
    }))
    expect(answers).toEqual(
      expected.selections!.map(({selection, rows, count}) => ({
        selection,
        rows: tiesById(rows, selection.order),
        count,
      })),
    )
  })

  test('the declared indexes are kept as they were, and the order reads as that lake read it', async () => {
    expect(expected.indexes).toHaveLength(2)
    expect(ordered()).toEqual(expected.ordered)
    expect(new Set(ordered()).size).toBe(5)
    expect(indexesOf(file())).toEqual(expected.indexes)
    // A write after the upgrade moves its document in that order.
    const store = stores.get('production')
    const before = store.getDocuments(['article-1'])[0]!
    const after = {...before, views: 50, _rev: 'tx-after'}
    await store.transact((writer) =>
      writer.commit({
        id: 'tx-after',
        dataset: 'production',
        timestamp: '2026-12-06T00:00:00.000Z',
        identity: 'p-test',
        changes: [
          {
            id: 'article-1',
            before,
            after,
            mutations: [{patch: {id: 'article-1', set: {views: 50}}}],
            effects: {apply: [], revert: []},
          },
        ],
      }),
    )
    // Desc: booleans, then strings, then numbers (GROQ's order of kinds, reversed); 50 the most.
    expect(ordered()).toEqual([
      'drafts.article-0',
      'article-4',
      'article-1',
      'article-2',
      'article-0',
    ])
  })
})
