import {copyFileSync, existsSync, readdirSync, rmSync, statSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync, StatementSync} from 'node:sqlite'
import {evaluate, parse} from 'groq-js'
import {afterEach, beforeEach, describe, expect, test, vi} from 'vitest'
import {BadRequestError, NotFoundError, UnavailableError} from '../../../lake/core/errors.ts'
import {createMendozaPatch} from '../../../lake/core/mendoza.ts'
import {createRandom} from '../../../kit/seeded.ts'
import {runTransaction, withoutRev} from '../../../lake/core/transaction.ts'
import {applyWrites} from '../../../lake/core/writes.ts'
import {createEventBus} from '../../../lake/events/bus.ts'
import type {CommittedTransaction, SanityDocument} from '../../../lake/core/types.ts'
import {
  ANALYZE_MAX_WAIT_MS,
  ANALYZE_PAUSE_MS,
  ATTRIBUTE_USES,
  createSqliteStore,
  createSqliteStores,
  orderIndexColumns,
  type SqliteStore,
} from '../../../lake/store/sqliteStore.ts'
import {compileSelection} from '../../../lake/store/fields.ts'
import {
  createSearchAnalyzer,
  type SearchAnalyzer,
  type SearchAnalyzerThread,
} from '../../../lake/store/searchAnalyzer.ts'
import {THREAD_TRIM_ABOVE_BYTES} from '../../../lake/store/threadTrim.ts'
import {commitStates} from '../../helpers/store.ts'
import {
  createWalCheckpointer,
  type CheckpointResult,
  type CheckpointTask,
  type WalCheckpointer,
} from '../../../lake/store/walCheckpointer.ts'
import type {Selection, Store, StoreRegistry} from '../../../lake/core/store.ts'
import {encodeMatchText} from '../../../lake/core/searchText.ts'
import {holdExclusively} from '../../helpers/sqliteLock.ts'
import {mayRaiseTo} from '../../../lake/query/priority.ts'
import {createCommitThread, type CommitThread} from '../../../lake/store/commitThread.ts'

let dir: string
let stores: StoreRegistry
let store: Store
let seq = 0

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-store-'))
  stores = createSqliteStores(dir)
  store = stores.get('test')
})
afterEach(async () => {
  stores.close()
  await rm(dir, {recursive: true, force: true})
})

/** Commits `after` states (null deletes) as one transaction. */
function commit(changes: Record<string, Partial<SanityDocument> | null>, id = `tx${++seq}`) {
  return commitStates(store, changes, {id, second: seq})
}

const ids = (docs: Iterable<SanityDocument>) => [...docs].map((d) => d._id)

/**
 * `transaction`, which after `refuse()` cannot be written again (reading its changes throws), as a
 * group's rollback would need to: the group then fails whole.
 */
function writtenOnce(transaction: CommittedTransaction) {
  let refusing = false
  const changes = transaction.changes
  Object.defineProperty(transaction, 'changes', {
    get() {
      if (refusing) throw new Error('cannot be written again')
      return changes
    },
  })
  return {transaction, refuse: () => (refusing = true)}
}

/** Transaction `txId` of the one `change`, by identity pA, now. */
function changing(
  txId: string,
  change: CommittedTransaction['changes'][number],
): CommittedTransaction {
  return {
    id: txId,
    dataset: 'test',
    timestamp: new Date().toISOString(),
    identity: 'pA',
    changes: [change],
  }
}

/** Transaction `txId` creating the document `docId` of type `t` (a bare create, as a client sends). */
function creating(txId: string, docId: string): CommittedTransaction {
  return changing(txId, {
    id: docId,
    before: null,
    after: {_id: docId, _type: 't', _rev: txId} as SanityDocument,
    mutations: [{create: {_id: docId, _type: 't'}}],
    effects: {apply: [0, {_id: docId, _type: 't'}], revert: [0, null]},
  })
}

describe('sqliteStore', () => {
  test('creates the dataset file on the first write only, with WAL and the migrations table', async () => {
    const file = join(dir, 'datasets', 'test.sqlite')
    expect(store.getDocuments(['a'])).toEqual([null])
    expect(ids(store.scan())).toEqual([])
    expect(store.getTransactions({ids: ['a']})).toEqual([])
    expect(existsSync(file)).toBe(false)
    await commit({a: {v: 1}})
    expect(existsSync(file)).toBe(true)
    expect(stores.list()).toEqual(['test'])
    stores.close()
    const db = new DatabaseSync(file)
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({journal_mode: 'wal'})
    expect(db.prepare('SELECT version FROM migrations').all()).toEqual([
      {version: 1},
      {version: 2},
      {version: 3},
      {version: 4},
      {version: 5},
      {version: 6},
      {version: 7},
      {version: 8},
      {version: 9},
      {version: 10},
      {version: 11},
      {version: 12},
      {version: 13},
      {version: 14},
      {version: 15},
      {version: 16},
      {version: 17},
      {version: 18},
      {version: 19},
      {version: 20},
      {version: 21},
      {version: 22},
      {version: 23},
      {version: 24},
      {version: 25},
      {version: 26},
      {version: 27},
      {version: 28},
      {version: 29},
      {version: 30},
      {version: 31},
      {version: 32},
    ])
    // Counts by type are kept by the writer: no trigger makes each write keep a statement journal.
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'").all()).toEqual([])
    db.close()
  })

  test('refuses a data folder written by a newer lake', async () => {
    await commit({a: {}})
    stores.close()
    const file = join(dir, 'datasets', 'test.sqlite')
    const db = new DatabaseSync(file)
    db.prepare("INSERT INTO migrations VALUES (99, 'future', 'now')").run()
    db.close()
    const newer = createSqliteStore(file, 'test')
    expect(() => newer.getDocuments(['a'])).toThrow(/newer lake/)
    newer.close()
  })

  test('validates dataset names', () => {
    expect(() => stores.get('Bad Name')).toThrow(BadRequestError)
  })

  test('getDocuments keeps the order asked and gives null for missing ids', async () => {
    await commit({a: {}, b: {}})
    expect(store.getDocuments(['b', 'x', 'a']).map((d) => d?._id ?? null)).toEqual(['b', null, 'a'])
  })

  test('scan narrows by ids, types and id prefixes, in _id order', async () => {
    await commit({
      'drafts.b': {_type: 'article'},
      a: {_type: 'article'},
      b: {_type: 'article'},
      'versions.r.b': {_type: 'article'},
      p: {_type: 'person'},
    })
    expect(ids(store.scan())).toEqual(['a', 'b', 'drafts.b', 'p', 'versions.r.b'])
    expect(ids(store.scan({types: ['person']}))).toEqual(['p'])
    expect(ids(store.scan({ids: ['p', 'a', 'nope']}))).toEqual(['a', 'p'])
    expect(ids(store.scan({idPrefixes: ['drafts.', 'versions.']}))).toEqual([
      'drafts.b',
      'versions.r.b',
    ])
    expect(ids(store.scan({excludeIdPrefixes: ['drafts.', 'versions.']}))).toEqual(['a', 'b', 'p'])
    expect(ids(store.scan({types: ['article'], excludeIdPrefixes: ['drafts.']}))).toEqual([
      'a',
      'b',
      'versions.r.b',
    ])
    expect(ids(store.scan({types: []}))).toEqual([])
  })

  test('scan narrows by attribute equality without parsing documents', async () => {
    await commit({
      a: {slug: {current: 'x'}, n: 1},
      b: {slug: {current: 'y'}, n: 2},
      c: {slug: {current: 1}, n: '1'},
      d: {},
    })
    const attr = (path: string[], values: (string | number)[]) =>
      ids(store.scan({attributes: [{path, values}]}))
    expect(attr(['slug', 'current'], ['x'])).toEqual(['a'])
    expect(attr(['slug', 'current'], ['x', 'y'])).toEqual(['a', 'b'])
    expect(attr(['n'], [1])).toEqual(['a'])
    expect(attr(['n'], ['1'])).toEqual(['c'])
    expect(attr(['missing'], ['x'])).toEqual([])
    expect(attr(['n'], [])).toEqual([])
  })

  test('an attribute path used repeatedly gets an expression index, and results stay right', async () => {
    await commit({
      a: {_type: 'article', slug: {current: 'x'}},
      b: {_type: 'article', slug: {current: 'y'}},
    })
    const find = (value: string) => {
      // What the dataset service does for a signed-in caller's query that filtered on the path.
      store.indexAttributes([['slug', 'current']])
      return ids(
        store.scan({
          types: ['article'],
          attributes: [{path: ['slug', 'current'], values: [value]}],
        }),
      )
    }
    expect(find('x')).toEqual(['a'])
    expect(find('y')).toEqual(['b'])
    await commit({
      c: {_type: 'article', slug: {current: 'x'}},
      a: {_type: 'article', slug: {current: 'z'}},
    })
    expect(find('x')).toEqual(['c'])
    expect(find('z')).toEqual(['a'])
    stores.close()
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'))
    const indexes = db
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'attr_%'")
      .all()
    db.close()
    expect(indexes).toEqual([
      {sql: expect.stringContaining(`json_extract(body, '$."slug"."current"')`)},
    ])
  })

  test('the scan cache never serves a stale or deleted document', async () => {
    for (const cacheBytes of [0, 1024 * 1024, 200]) {
      const cached = createSqliteStore(':memory:', 'test', {cacheBytes})
      const write = (changes: Record<string, unknown>, id: string) =>
        cached.transact((w) =>
          w.commit({
            id,
            dataset: 'test',
            timestamp: '2026-01-01T00:00:00.000Z',
            identity: 'x',
            changes: Object.entries(changes).map(([docId, v]) => ({
              id: docId,
              before: null,
              after: v === null ? null : ({_id: docId, _type: 't', v, _rev: id} as SanityDocument),
              mutations: [],
              effects: {apply: [], revert: []},
            })),
          }),
        )
      await write({a: 1, b: 1, c: 'x'.repeat(300)}, 't1')
      expect([...cached.scan()].map((d) => d.v)).toEqual([1, 1, 'x'.repeat(300)])
      await write({a: 2, b: null}, 't2')
      expect([...cached.scan()].map((d) => [d._id, d.v])).toEqual([
        ['a', 2],
        ['c', 'x'.repeat(300)],
      ])
      cached.close()
    }
  })

  test('scan reads lazily: a suspended scan survives other reads of the same shape', async () => {
    await commit({a: {}, b: {}, c: {}})
    const first = store.scan()[Symbol.iterator]()
    expect(first.next().value?._id).toBe('a')
    expect(ids(store.scan())).toEqual(['a', 'b', 'c'])
    expect(first.next().value?._id).toBe('b')
  })

  test('select reads lazily: suspended, abandoned and repeated selections of one shape each read their own rows', async () => {
    await commit({a: {}, b: {}, c: {}})
    const selection = {where: {kind: 'type', types: ['t']}, order: []} as const
    const rowIds = (rows: Iterable<{id: string}>) => [...rows].map((row) => row.id)
    const first = store.select(selection)[Symbol.iterator]()
    expect(first.next().value?.id).toBe('a')
    // Abandoned after one row: its statement goes back to be used again, reset.
    for (const row of store.select(selection)) if (row.id === 'a') break
    expect(rowIds(store.select(selection))).toEqual(['a', 'b', 'c'])
    expect(first.next().value?.id).toBe('b')
    const second = store.select(selection)[Symbol.iterator]()
    expect(second.next().value?.id).toBe('a')
    expect(first.next().value?.id).toBe('c')
    expect(first.next().done).toBe(true)
    expect(rowIds({[Symbol.iterator]: () => second})).toEqual(['b', 'c'])
  })

  test('a read suspended mid-statement on the committed view (an in-place query between awaits) holds no write back', async () => {
    await commit({a: {}, b: {}, c: {}})
    const selection = {where: {kind: 'type', types: ['t']}, order: []} as const
    const reading = store.committed().select(selection)[Symbol.iterator]()
    expect(reading.next().value?.id).toBe('a')
    // The index's thread writes meanwhile, then a write group commits: the suspended read keeps
    // its snapshot, on a connection of its own.
    const other = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'))
    other.exec("INSERT OR IGNORE INTO search_queue (id) VALUES ('elsewhere')")
    other.close()
    await commit({d: {}})
    expect(reading.next().value?.id).toBe('b')
    expect(reading.next().value?.id).toBe('c')
    expect(reading.next().done).toBe(true)
    // Its next read begins on the last COMMIT.
    const read = [...store.committed().select(selection)].map((row) => row.id)
    expect(read).toEqual(['a', 'b', 'c', 'd'])
  })

  test("the committed view's parse cache lets go of what the writer deleted, so it goes on caching", async () => {
    // A cache of about four documents: only the writer's commits say what went out of date.
    const writer = store
    store = createSqliteStore(join(dir, 'cache.sqlite'), 'test', {cacheBytes: 4096})
    try {
      const body = 'খ'.repeat(900)
      await commit({a: {body}, b: {body}, c: {body}, d: {body}})
      const scan = () => [...store.committed().scan({types: ['t']})]
      expect(ids(scan())).toEqual(['a', 'b', 'c', 'd'])
      // Published: the drafts go, as every publish deletes one.
      await commit({a: null, b: null, c: null, d: null})
      await commit({e: {body}})
      const [first] = scan()
      const [again] = scan()
      expect(first._id).toBe('e')
      // Parsed once and kept (on main the dead entries filled the cache: parsed again each time).
      expect(again).toBe(first)
    } finally {
      store.close()
      store = writer
    }
  })

  test('a selection of ids only gives the same rows without their fields', async () => {
    await commit({a: {title: 'x', slug: {current: 'a'}}, b: {title: 'y'}, 'drafts.a': {title: 'z'}})
    for (const selection of [
      {where: {kind: 'type', types: ['t']}},
      {where: {kind: 'type', types: ['t']}, excludeIdPrefixes: ['drafts.']},
      {},
    ] as const) {
      const full = [...store.select(selection)]
      expect(full.every((row) => row.fields.length > 0)).toBe(true)
      expect([...store.select({...selection, idsOnly: true})]).toEqual(
        full.map(({id, type}) => ({id, type, fields: [], complete: false})),
      )
    }
  })

  test('every revision of a long history reads back as written, from either snapshot around it', async () => {
    const written: [string, SanityDocument][] = []
    const record = async (changes: Record<string, Partial<SanityDocument> | null>) => {
      const tx = await commit(changes)
      written.push([tx.id, store.getDocuments(['r'])[0]!])
    }
    await record({r: {n: 0, items: []}})
    for (let i = 1; i < 300; i++) {
      // Now and then a replace or a delete and re-create: anchors of their own.
      if (i === 150) await commit({r: null})
      const items = Array.from({length: i % 7}, (_, k) => ({_key: `k${k}`, v: i * k}))
      await record({r: {n: i, items, ...(i % 3 ? {odd: true} : {})}})
    }
    for (const [rev, doc] of written)
      expect(store.documentAt('r', {revision: rev}), rev).toEqual(doc)
  })

  test('history: a document at a revision, at a time, and its last state after deletion', async () => {
    const t1 = await commit({a: {v: 1}})
    const t2 = await commit({b: {v: 1}})
    const t3 = await commit({a: {v: 2}})
    await commit({a: null})
    expect(store.documentAt('a', {revision: t1.id})?.v).toBe(1)
    // A revision that did not touch the document gives its state as of then.
    expect(store.documentAt('a', {revision: t2.id})?.v).toBe(1)
    expect(store.documentAt('a', {revision: t3.id})?.v).toBe(2)
    expect(store.documentAt('a', {time: t2.timestamp})?.v).toBe(1)
    expect(store.documentAt('a', {time: '2000-01-01T00:00:00.000Z'})).toBeNull()
    expect(store.documentAt('a', {lastRevision: true})?.v).toBe(2)
    expect(store.documentAt('a', {revision: 'unknown'})).toBeNull()
  })

  test('a created document logs its mutation and effects in a letter and nothing, and reads back as committed', async () => {
    const created = (kind: string, id: string, createdAt?: string) => {
      const doc = {
        _id: id,
        _type: 't',
        title: 'বৈঠক',
        ...(createdAt ? {_createdAt: createdAt} : {}),
      }
      const after = {_createdAt: '2026-01-01T00:00:00.000Z', ...doc, _rev: 'tx-c'}
      return {
        id,
        before: null,
        after: after as SanityDocument,
        mutations: [{[kind]: doc}],
        effects: {apply: createMendozaPatch(null, withoutRev(after)), revert: [0, null]},
      }
    }
    const tx: CommittedTransaction = {
      id: 'tx-c',
      dataset: 'test',
      timestamp: '2026-01-01T00:00:00.000Z',
      identity: 'pA',
      changes: [
        created('create', 'a'),
        created('createOrReplace', 'b', '2025-01-01T00:00:00.000Z'),
        created('createIfNotExists', 'c'),
        // Two mutations of one document, and a create whose document is not the stored one.
        {
          ...created('create', 'd'),
          mutations: [{create: {_id: 'd', _type: 't'}}, {patch: {id: 'd', set: {title: 'বৈঠক'}}}],
        },
        {...created('createOrReplace', 'e'), mutations: [{createOrReplace: {_id: 'e', x: 1}}]},
      ],
    }
    await store.transact((writer) => writer.commit(tx))
    const logged = store.getTransaction('tx-c')!
    expect(logged.changes.map(({mutations, effects}) => ({mutations, effects}))).toEqual(
      tx.changes.map(({mutations, effects}) => ({mutations, effects})),
    )
    expect(store.documentAt('b', {revision: 'tx-c'})).toEqual(tx.changes[1].after)
    stores.close()
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
    const rows = db.prepare('SELECT mutations, effects FROM changes ORDER BY position').all()
    db.close()
    expect(rows.slice(0, 3)).toEqual([
      {mutations: 'c', effects: ''},
      {mutations: 'R', effects: ''},
      {mutations: 'i', effects: ''},
    ])
    expect(rows.slice(3).map((row) => String(row.mutations)[0])).toEqual(['[', '['])
  })

  test('transactions by document ids with bounds, order and limit', async () => {
    const txs = [
      await commit({a: {}}),
      await commit({b: {}}),
      await commit({a: {}, b: {}}),
      await commit({a: {}}),
    ]
    const list = (q: object) => store.getTransactions({ids: ['a'], ...q}).map((t) => t.id)
    expect(list({})).toEqual([txs[0].id, txs[2].id, txs[3].id])
    expect(list({reverse: true, limit: 2})).toEqual([txs[3].id, txs[2].id])
    expect(list({fromTransaction: txs[1].id})).toEqual([txs[2].id, txs[3].id])
    expect(list({toTransaction: txs[2].id, reverse: true})).toEqual([txs[2].id, txs[0].id])
    expect(list({fromTime: txs[2].timestamp})).toEqual([txs[2].id, txs[3].id])
    expect(list({authors: ['someone else']})).toEqual([])
    expect(
      store.getTransactions({ids: ['a'], fromTransaction: txs[2].id})[0].changes.map((c) => c.id),
    ).toEqual(['a', 'b'])
    expect(() => list({fromTransaction: 'unknown'})).toThrow(NotFoundError)
    expect(store.getTransaction(txs[1].id)?.identity).toBe('pA')
  })

  test("a group's transactions newest first, and its variants as they stood before one", async () => {
    const create = await commit({'drafts.a': {}})
    await commit({'drafts.a': {}, b: {}})
    const publish = await commit({'drafts.a': null, a: {}})
    const version = await commit({'versions.r.a': {}, 'drafts.a': {}})
    const select = {every: [], lifecycle: ['drafts.a'], deletions: []}
    const ids = (before: string | null, count: number) =>
      store.groupTransactions('a', select, before, count)!.map((tx) => tx.id)
    // Its creations and deletions, not its edits.
    expect(ids(null, 10)).toEqual([version.id, publish.id, create.id])
    expect(ids(null, 2)).toEqual([version.id, publish.id])
    expect(ids(publish.id, 10)).toEqual([create.id])
    expect(store.groupTransactions('a', select, 'nope', 10)).toBeNull()
    expect(store.groupTransactions('a', select, version.id, 1)![0].changes).toEqual([
      {id: 'drafts.a', effect: 'deleted'},
      {id: 'a', effect: 'created'},
    ])
    expect(store.variantsBefore('a', publish.id)).toEqual([
      {id: 'drafts.a', rev: expect.any(String)},
    ])
    const last = await commit({a: null})
    expect(store.variantsBefore('a', last.id).map((v) => v.id)).toEqual([
      'versions.r.a',
      'drafts.a',
    ])
    expect(store.variantAuthors('drafts.a', publish.id)).toEqual(['pA'])
  })

  test('a failed commit leaves nothing behind', async () => {
    await commit({a: {}}, 'same')
    await expect(commit({b: {}}, 'same')).rejects.toThrow()
    expect(store.getDocuments(['b'])).toEqual([null])
  })

  test('group commit: concurrent transactions share a commit, a failing one rolls back alone', async () => {
    await commit({taken: {}}, 'taken')
    const announced: string[] = []
    const attempts = Array.from({length: 40}, (_, i) => {
      const id = i === 17 ? 'taken' : `g${i}`
      const tx = creating(id, `doc${i}`)
      return store.transact((writer) => {
        writer.commit(tx)
        writer.onDurable(() => announced.push(id))
        // Not yet announced: the group's COMMIT has not happened.
        expect(announced).not.toContain(id)
      })
    })
    const outcomes = await Promise.allSettled(attempts)
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(1)
    expect(outcomes[17].status).toBe('rejected')
    expect(announced).toEqual(
      Array.from({length: 40}, (_, i) => `g${i}`).filter((id) => id !== 'g17'),
    )
    stores.close()
    stores = createSqliteStores(dir)
    store = stores.get('test')
    const found = store.getDocuments(Array.from({length: 40}, (_, i) => `doc${i}`))
    expect(found.map((doc) => doc?._id ?? null).filter(Boolean)).toHaveLength(39)
    expect(found[17]).toBeNull()
    expect(store.getTransaction('g3')?.changes[0].mutations).toEqual([
      {create: {_id: 'doc3', _type: 't'}},
    ])
  })

  test('group commit: a failing first or last transaction of a group rolls back alone', async () => {
    await commit({taken: {}}, 'taken')
    for (const failing of [0, 19]) {
      const attempts = Array.from({length: 20}, (_, i) =>
        store.transact((writer) =>
          writer.commit(creating(i === failing ? 'taken' : `f${failing}-${i}`, `f${failing}-${i}`)),
        ),
      )
      const outcomes = await Promise.allSettled(attempts)
      expect(
        outcomes.map((o, i) => (o.status === 'rejected' ? i : -1)).filter((i) => i >= 0),
      ).toEqual([failing])
      const found = store.getDocuments(Array.from({length: 20}, (_, i) => `f${failing}-${i}`))
      expect(found.map((doc, i) => (doc ? i : -1)).filter((i) => i >= 0)).toHaveLength(19)
      expect(found[failing]).toBeNull()
    }
  })

  test('group commit: when the transactions before a failing one cannot be written again, the whole group fails and later writes go on', async () => {
    await commit({taken: {}}, 'taken')
    // Written once, then refuses: its group's rollback cannot write it again.
    const once = writtenOnce(creating('once', 'once-doc'))
    const attempts = [
      store.transact((writer) => writer.commit(creating('first', 'first-doc'))),
      store.transact((writer) => writer.commit(once.transaction)),
      store.transact((writer) => {
        once.refuse()
        writer.commit(creating('taken', 'failing-doc'))
      }),
      store.transact((writer) => writer.commit(creating('later', 'later-doc'))),
    ]
    const outcomes = await Promise.allSettled(attempts)
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected', 'fulfilled'])
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/cannot be written again/)
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/)
    expect(
      store
        .getDocuments(['first-doc', 'once-doc', 'failing-doc', 'later-doc'])
        .map((d) => d?._id ?? null),
    ).toEqual([null, null, null, 'later-doc'])
    expect(store.getTransaction('first')).toBeNull()
    await commit({after: {}})
    expect(store.getDocuments(['after'])[0]?._id).toBe('after')
  })

  test('group commit: when the group cannot be begun again after a rollback, none of it is answered as stored', async () => {
    await commit({taken: {}}, 'taken')
    const exec = DatabaseSync.prototype.exec
    let rolledBack = false
    let refused = false
    DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
      if (sql === 'ROLLBACK') rolledBack = true
      else if (rolledBack && !refused && sql === 'BEGIN IMMEDIATE') {
        refused = true
        throw new Error('disk I/O error')
      }
      return exec.call(this, sql)
    }
    const announced: string[] = []
    try {
      const attempts = [
        store.transact((writer) => {
          writer.commit(creating('first', 'first-doc'))
          writer.onDurable(() => announced.push('first'))
        }),
        store.transact((writer) => writer.commit(creating('taken', 'failing-doc'))),
      ]
      const outcomes = await Promise.allSettled(attempts)
      expect(refused).toBe(true)
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected'])
      expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/disk I\/O error/)
    } finally {
      DatabaseSync.prototype.exec = exec
    }
    expect(announced).toEqual([])
    expect(store.getTransaction('first')).toBeNull()
    expect(store.getDocuments(['first-doc'])[0]).toBeNull()
    await commit({after: {}})
    expect(store.getDocuments(['after'])[0]?._id).toBe('after')
  })

  test('group commit: groups whose syncs overlap are answered and announced in commit order', async () => {
    const written: string[] = []
    const announced: string[] = []
    const answered: string[] = []
    const attempts: Promise<void>[] = []
    // Waves a tick apart: each wave is written while the previous group's sync is in flight.
    for (let wave = 0; wave < 6; wave++) {
      for (let i = 0; i < 5; i++) {
        const id = `w${wave}-${i}`
        const tx = creating(id, id)
        attempts.push(
          store
            .transact((writer) => {
              writer.commit(tx)
              written.push(id)
              writer.onDurable(() => announced.push(id))
            })
            .then(() => {
              // Announced before its writer hears back, never after.
              expect(announced).toContain(id)
              answered.push(id)
            }),
        )
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
    await Promise.all(attempts)
    expect(written).toHaveLength(30)
    expect(announced).toEqual(written)
    expect(answered).toEqual(written)
  })

  test('group commit: closing while groups wait for their sync makes them durable and answers them', async () => {
    const announced: string[] = []
    const attempts = ['a', 'b', 'c'].map((id) =>
      store.transact((writer) => {
        writer.commit(creating(`tx-${id}`, id))
        writer.onDurable(() => announced.push(id))
      }),
    )
    // The group's COMMIT happens a tick later; close while its sync may still be in flight.
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    stores.close()
    await Promise.all(attempts)
    expect(announced).toEqual(['a', 'b', 'c'])
    stores = createSqliteStores(dir)
    store = stores.get('test')
    expect(ids(store.scan())).toEqual(['a', 'b', 'c'])
  })

  /** A store whose WAL syncs wait until the test lets them return (or fail). */
  function heldSyncs() {
    const held: ((err: NodeJS.ErrnoException | null) => void)[] = []
    const heldStore = createSqliteStore(join(dir, 'held.sqlite'), 'held', {
      syncWal: (_fd, done) => held.push(done),
    })
    return {store: heldStore, held}
  }
  const ticks = async (n: number) => {
    for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
  }

  test('group commit: nobody is answered or announced before the WAL sync returns', async () => {
    const {store: heldStore, held} = heldSyncs()
    const events: string[] = []
    const answer = heldStore
      .transact((writer) => {
        writer.commit(creating('tx-a', 'a'))
        writer.onDurable(() => events.push('announced'))
      })
      .then(() => events.push('answered'))
    await ticks(5)
    // Committed (the sync has been asked for), neither announced nor answered.
    expect(held).toHaveLength(1)
    expect(events).toEqual([])
    held.shift()!(null)
    await answer
    expect(events).toEqual(['announced', 'answered'])
    heldStore.close()
  })

  test('a WAL another process left (killed before its sync) is synced before the first write group is answered, even one that wrote nothing', async () => {
    // What a killed lake committed may sit in the OS's cache only. The asset sweep removes a file
    // once an empty transaction is durable (lake/assets/assetSweep.ts): unsynced, a power loss would
    // bring back the document and not its file.
    store.transact((writer) => writer.commit(creating('tx-left', 'left')))
    await store.transact(() => {})
    const file = join(dir, 'datasets', 'test.sqlite')
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0)
    // The folder as a kill leaves it: the file and its WAL, nothing checkpointed.
    copyFileSync(file, join(dir, 'left.sqlite'))
    copyFileSync(`${file}-wal`, join(dir, 'left.sqlite-wal'))
    const held: ((err: NodeJS.ErrnoException | null) => void)[] = []
    const left = createSqliteStore(join(dir, 'left.sqlite'), 'left', {
      syncWal: (_fd, done) => held.push(done),
    })
    let durable = false
    const empty = left.transact((writer) => writer.onDurable(() => (durable = true)))
    await ticks(5)
    expect(held).toHaveLength(1)
    expect(durable).toBe(false)
    held.shift()!(null)
    await empty
    expect(durable).toBe(true)
    expect(left.getDocuments(['left'])[0]?._id).toBe('left')
    // Synced once: the next empty group waits for no sync.
    await left.transact(() => {})
    expect(held).toHaveLength(0)
    left.close()
  })

  test('an inherited WAL gone before its sync (a checkpoint folded it into the file) fails no write', async () => {
    store.transact((writer) => writer.commit(creating('tx-left', 'left')))
    await store.transact(() => {})
    const file = join(dir, 'datasets', 'test.sqlite')
    copyFileSync(file, join(dir, 'left.sqlite'))
    copyFileSync(`${file}-wal`, join(dir, 'left.sqlite-wal'))
    const left = createSqliteStore(join(dir, 'left.sqlite'), 'left')
    rmSync(join(dir, 'left.sqlite-wal'))
    let failure: Error | undefined
    await left.transact((writer) => writer.onDurable((failed) => (failure = failed)))
    expect(failure).toBeUndefined()
    await left.transact((writer) => writer.commit(creating('tx-next', 'next')))
    expect(left.getDocuments(['next'])[0]?._id).toBe('next')
    left.close()
  })

  test('group commit: one WAL sync makes many concurrent transactions durable, and the groups written during it share the next', async () => {
    const {store: heldStore, held} = heldSyncs()
    const answered: string[] = []
    const wave = (name: string) =>
      Array.from({length: 20}, (_, i) =>
        heldStore
          .transact((writer) => writer.commit(creating(`${name}${i}`, `${name}${i}`)))
          .then(() => answered.push(`${name}${i}`)),
      )
    const first = wave('a')
    await ticks(5)
    // Twenty transactions, one group, one sync asked for; nobody answered before it returns.
    expect(held).toHaveLength(1)
    expect(answered).toEqual([])
    // Written while that sync is in flight, a tick apart (several groups): no sync of their own yet.
    const later = [...wave('b'), ...wave('c')]
    await ticks(5)
    const more = wave('d')
    await ticks(5)
    expect(held).toHaveLength(1)
    held.shift()!(null)
    await Promise.all(first)
    await ticks(5)
    // One more sync for all 60 written meanwhile.
    expect(held).toHaveLength(1)
    expect(answered).toHaveLength(20)
    held.shift()!(null)
    await Promise.all([...later, ...more])
    expect(answered).toHaveLength(80)
    expect(held).toHaveLength(0)
    expect(heldStore.count()).toBe(80)
    heldStore.close()
  })

  test('group commit: a failed sync answers its writes with a 503 error and the store takes no more writes', async () => {
    const {store: heldStore, held} = heldSyncs()
    const announced: string[] = []
    const first = heldStore.transact((writer) => {
      writer.commit(creating('tx-a', 'a'))
      writer.onDurable((failure) => announced.push(failure ? `a: ${failure.message}` : 'a'))
    })
    await ticks(5)
    const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), {code: 'EIO'})
    held.shift()!(eio)
    await expect(first).rejects.toBeInstanceOf(UnavailableError)
    await expect(first).rejects.toThrow(/could not be made durable \(EIO/)
    // Told, with the failure: never announced as durable.
    expect(announced).toEqual([expect.stringMatching(/^a: .*could not be made durable/)])
    // Refused before anything is written: a later sync's success would not prove it durable.
    await expect(
      heldStore.transact((writer) => writer.commit(creating('tx-b', 'b'))),
    ).rejects.toThrow(/takes no more writes/)
    expect(heldStore.getDocuments(['b'])).toEqual([null])
    expect(held).toHaveLength(0)
    heldStore.close()
  })

  test('group commit: the listeners of writes a failed sync leaves visible, not acknowledged, start over', async () => {
    // In the file, and read by every query from then on, but maybe not on disk: until 2026-12-04
    // no listener heard of them, and the Studios kept showing what queries no longer did.
    const {store: heldStore, held} = heldSyncs()
    const bus = createEventBus()
    const heard: string[] = []
    bus.subscribe(
      'held',
      (tx) => heard.push(`event ${tx.id}`),
      (reason) => heard.push(`missed: ${reason}`),
    )
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const options = {store: heldStore, bus, identity: 'p-editor', now: () => new Date()}
    const write = (id: string) =>
      runTransaction({...options, transactionId: id}, (ws) =>
        applyWrites(ws, {kind: 'mutations', mutations: [{create: {_id: id, _type: 'x'}}]}),
      )
    const first = write('tx-a')
    await ticks(5)
    held.shift()!(Object.assign(new Error('EIO: i/o error, fdatasync'), {code: 'EIO'}))
    await expect(first).rejects.toBeInstanceOf(UnavailableError)
    logged.mockRestore()
    expect(heldStore.committed().getDocuments(['tx-a'])[0]?._id).toBe('tx-a')
    expect(heard).toEqual([expect.stringMatching(/^missed: transaction "tx-a" .*not be on disk/)])
    heldStore.close()
  })

  test('group commit: a write that close() committed while another group was syncing is answered', async () => {
    const {store: heldStore, held} = heldSyncs()
    const first = heldStore.transact((writer) => writer.commit(creating('tx-a', 'a')))
    await ticks(5)
    expect(held).toHaveLength(1)
    // The second group is written; its COMMIT waits a tick for more writers, and close() comes first.
    const second = heldStore.transact((writer) => writer.commit(creating('tx-b', 'b')))
    await Promise.resolve()
    await Promise.resolve()
    await Promise.resolve()
    heldStore.close()
    // The second group's drain resumes while the first sync is still out, then that sync returns.
    await ticks(3)
    held.shift()!(null)
    const settled = await Promise.race([
      Promise.allSettled([first, second]),
      ticks(50).then(() => 'unanswered'),
    ])
    expect(settled).toEqual([
      {status: 'fulfilled', value: undefined},
      {status: 'fulfilled', value: undefined},
    ])
    const reopened = createSqliteStore(join(dir, 'held.sqlite'), 'held')
    expect(reopened.getDocuments(['a', 'b']).map((doc) => doc?._id)).toEqual(['a', 'b'])
    reopened.close()
  })

  test('export pages in _id order by type, within a budget of documents and characters', async () => {
    await commit({c: {_type: 'x'}, a: {_type: 'x'}, b: {_type: 'y'}, d: {_type: 'x'}})
    const all = {documents: 100, bytes: 1 << 20}
    const page = store.exportPage({}, all)
    expect(page.documents.map((doc) => doc.id)).toEqual(['a', 'b', 'c', 'd'])
    expect(page.next).toBeNull()
    // The stored JSON text, as is.
    expect(page.documents.map((doc) => JSON.parse(doc.json))).toEqual(
      store.getDocuments(['a', 'b', 'c', 'd']),
    )
    const x = store.exportPage({types: ['x'], afterId: 'a'}, {documents: 2, bytes: 1 << 20})
    expect(x.documents.map((doc) => doc.id)).toEqual(['c', 'd'])
    // Full: more may follow; the next page says there are none.
    expect(x.next).toBe('d')
    expect(store.exportPage({types: ['x'], afterId: 'd'}, all)).toEqual({documents: [], next: null})
    // A character budget smaller than a document still gives one a page.
    const one = store.exportPage({afterId: 'b'}, {documents: 100, bytes: 1})
    expect(one.documents.map((doc) => doc.id)).toEqual(['c'])
    expect(one.next).toBe('c')
  })

  test('an export page holds no read: a write after another connection wrote still commits', async () => {
    await commit({a: {}, b: {}, c: {}})
    const page = store.exportPage({}, {documents: 1, bytes: 1 << 20})
    expect(page.next).toBe('a')
    // Another connection (the index's or the checkpointer's thread) writes meanwhile: a read
    // left open on the store's connection would keep the older snapshot, and this connection's
    // next write could not begin (SQLITE_BUSY_SNAPSHOT).
    const other = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'))
    other.exec("INSERT OR IGNORE INTO search_queue (id) VALUES ('elsewhere')")
    other.close()
    await commit({d: {}})
    const rest = store.exportPage({afterId: page.next!}, {documents: 100, bytes: 1 << 20})
    expect(rest.documents.map((doc) => doc.id)).toEqual(['b', 'c', 'd'])
  })
})

describe('a document read once for the pre-check and the transaction', () => {
  /** Transaction `txId` deleting the stored `doc`. */
  const deleting = (txId: string, doc: SanityDocument) =>
    changing(txId, {
      id: doc._id,
      before: doc,
      after: null,
      mutations: [{delete: {id: doc._id}}],
      effects: {apply: [0, null], revert: [0, withoutRev(doc)]},
    })

  test("getDocuments takes heads()'s look at an absent id once, without a lookup of its own", async () => {
    const {id} = await commit({a: {}})
    expect(store.heads(['n1', 'a'])).toEqual([null, expect.objectContaining({rev: id})])
    // A row only another connection wrote (the lake never does): unseen once, as heads() left it.
    const other = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'))
    other.exec(`INSERT INTO documents (id, body) VALUES ('n1', jsonb('{"_id":"n1","_type":"t"}'))`)
    other.close()
    expect(store.getDocuments(['n1', 'a']).map((doc) => doc?._id ?? null)).toEqual([null, 'a'])
    // Taken: the next read looks.
    expect(store.getDocuments(['n1'])[0]?._id).toBe('n1')
  })

  test('a document written after heads() found it absent is read, by a transaction or a later one', async () => {
    expect(store.heads(['n2', 'n3'])).toEqual([null, null])
    await store.transact((writer) => writer.commit(creating('c2', 'n2')))
    expect(store.getDocuments(['n2'])[0]?._rev).toBe('c2')
    // Found absent inside the group that writes it, before its COMMIT.
    await store.transact((writer) => {
      writer.commit(creating('c3', 'n3'))
      expect(store.heads(['n3'])[0]?.rev).toBe('c3')
    })
    expect(store.getDocuments(['n3'])[0]?._rev).toBe('c3')
  })

  test('a document heads() found deleted inside a group that then fails whole is read as it stands again', async () => {
    await commit({taken: {}}, 'taken')
    await commit({kept: {title: 'stays'}})
    const kept = store.getDocuments(['kept'])[0]!
    // Written once, then refuses: its group's rollback cannot write it again (the group fails).
    const once = writtenOnce(deleting('once', kept))
    const attempts = [
      store.transact((writer) => writer.commit(once.transaction)),
      store.transact((writer) => {
        // The group's delete is visible here: absent, for now.
        expect(store.heads(['kept'])).toEqual([null])
        once.refuse()
        writer.commit(creating('taken', 'failing-doc'))
      }),
    ]
    const outcomes = await Promise.allSettled(attempts)
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected'])
    expect(store.getDocuments(['kept'])[0]).toMatchObject({_id: 'kept', title: 'stays'})
  })
  /** Transaction `txId` replacing the stored `doc` with a bare document of type `t`. */
  const emptying = (txId: string, doc: SanityDocument) =>
    changing(txId, {
      id: doc._id,
      before: doc,
      after: {_id: doc._id, _type: 't', _rev: txId} as SanityDocument,
      mutations: [{createOrReplace: {_id: doc._id, _type: 't'}}],
      effects: {
        apply: createMendozaPatch(withoutRev(doc), {_id: doc._id, _type: 't'}),
        revert: createMendozaPatch({_id: doc._id, _type: 't'}, withoutRev(doc)),
      },
    })

  /** The stored body's bytes as SQLite has them now, read on a connection of the test's own. */
  const storedLength = (id: string) => {
    const other = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
    try {
      const row = other.prepare('SELECT length(body) AS n FROM documents WHERE id = ?').get(id)
      return Number(row?.n ?? 0)
    } finally {
      other.close()
    }
  }

  test("bodyBytes takes heads()'s size of a stored document, without a lookup of its own", async () => {
    await commit({s: {title: 'short'}})
    const size = store.heads(['s'])[0]!.bytes
    expect(size).toBe(storedLength('s'))
    // A body only another connection wrote (the lake never does): unseen, as heads() left it.
    const other = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'))
    other.exec(
      `UPDATE documents SET body = jsonb('{"_id":"s","_type":"t","title":"${'long'.repeat(50)}"}') WHERE id = 's'`,
    )
    other.close()
    expect(storedLength('s')).toBeGreaterThan(size)
    // A patch's transaction asks twice (its budget, then its write): both answered so.
    expect(store.bodyBytes(['s'])).toBe(size)
    expect(store.bodyBytes(['s'])).toBe(size)
  })

  test('a document written after heads() read its size is weighed as it stands, by a transaction or a later one', async () => {
    await commit({w: {title: 'short'}})
    store.heads(['w'])
    await commit({w: {title: 'longer '.repeat(40)}})
    expect(store.bodyBytes(['w'])).toBe(storedLength('w'))
    // Read inside the group that writes it again, before its COMMIT.
    store.heads(['w'])
    const before = store.getDocuments(['w'])[0]!
    await store.transact((writer) => {
      writer.commit(emptying('shrink', before))
      expect(store.heads(['w'])[0]?.rev).toBe('shrink')
    })
    expect(store.bodyBytes(['w'])).toBe(storedLength('w'))
  })

  test('a size heads() read inside a group that then fails whole is weighed as it stands again', async () => {
    await commit({taken: {}}, 'taken')
    await commit({big: {title: 'stays '.repeat(40)}})
    const big = store.getDocuments(['big'])[0]!
    const once = writtenOnce(emptying('once-big', big))
    const attempts = [
      store.transact((writer) => writer.commit(once.transaction)),
      store.transact((writer) => {
        // The group's emptied body is visible here, for now.
        expect(store.heads(['big'])[0]?.bytes).toBeLessThan(100)
        once.refuse()
        writer.commit(creating('taken', 'failing-doc-2'))
      }),
    ]
    const outcomes = await Promise.allSettled(attempts)
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected'])
    expect(store.bodyBytes(['big'])).toBe(storedLength('big'))
    expect(storedLength('big')).toBeGreaterThan(200)
  })
})

describe('counts by type', () => {
  test('a transaction that fails in a group leaves them as they were', async () => {
    await commit({a: {_type: 'article'}}, 'taken')
    const attempts = [
      commit({b: {_type: 'article'}, 'drafts.b': {_type: 'article'}}),
      // A used transaction id: this one rolls back alone, counts included.
      commit({c: {_type: 'article'}, a: null}, 'taken'),
      commit({d: {_type: 'source'}}),
    ]
    const outcomes = await Promise.allSettled(attempts)
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    const count = (types: string[], excludeIdPrefixes: string[] = []) =>
      store.countSelected({where: {kind: 'type', types}, excludeIdPrefixes})
    expect(count(['article'])).toBe(3)
    expect(count(['article'], ['drafts.'])).toBe(2)
    expect(count(['source'])).toBe(1)
  })

  test('read on the committed view inside a write group, agree with the committed documents; the group counts at its COMMIT, a rolled-back transaction left out', async () => {
    await commit({taken: {}}, 'taken')
    const typeT = {where: {kind: 'type', types: ['t']}} as const
    const ids = ['taken', ...Array.from({length: 12}, (_, k) => `in-group-doc-${k}`)]
    const seen: [number, number, number][] = []
    // One group: each transaction reads after its write, before the group's COMMIT (as a query
    // answered in place may, between the group's transactions).
    const attempts = Array.from({length: 12}, (_, i) =>
      store.transact((writer) => {
        writer.commit(creating(i === 5 ? 'taken' : `in-group-${i}`, `in-group-doc-${i}`))
        const view = store.committed()
        seen.push([
          view.countSelected(typeT),
          view.getDocuments(ids).filter(Boolean).length,
          store.getDocuments(ids).filter(Boolean).length,
        ])
      }),
    )
    const outcomes = await Promise.allSettled(attempts)
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(1)
    // The view: the one committed document; the group's own transactions: theirs so far.
    expect(seen).toEqual(Array.from({length: 11}, (_, k) => [1, 1, k + 2]))
    expect(store.committed().countSelected(typeT)).toBe(12)
    expect(store.countSelected(typeT)).toBe(12)
    // What the group wrote into type_counts, read by a connection of its own.
    stores.close()
    stores = createSqliteStores(dir)
    store = stores.get('test')
    expect(store.countSelected(typeT)).toBe(12)
    expect(store.countSelected({where: {kind: 'type', types: ['article']}})).toBe(0)
  })

  test('stay those of the stored documents through creates, type changes, deletes, drafts and versions', async () => {
    const random = createRandom(9)
    const stored = new Map<string, string>()
    const idsAt = ['', 'drafts.', 'versions.r1.', 'versions.r2.'].flatMap((prefix) =>
      Array.from({length: 12}, (_, i) => `${prefix}doc-${i}`),
    )
    const layers = [[], ['drafts.', 'versions.'], ['versions.'], ['drafts.']]
    for (let round = 0; round < 40; round++) {
      const changes: Record<string, Partial<SanityDocument> | null> = {}
      for (let k = random.int(1, 6); k > 0; k--) {
        const id = random.pick(idsAt)
        changes[id] = random.chance(0.25)
          ? null
          : {_type: random.pick(['article', 'source', 'headline'])}
      }
      await commit(changes)
      for (const [id, state] of Object.entries(changes)) {
        if (state) stored.set(id, state._type!)
        else stored.delete(id)
      }
      for (const exclude of layers) {
        const kept = [...stored].filter(([id]) => !exclude.some((prefix) => id.startsWith(prefix)))
        expect(store.countSelected({excludeIdPrefixes: exclude})).toBe(kept.length)
        for (const types of [['article'], ['source', 'headline'], ['none']]) {
          const selection = {where: {kind: 'type', types} as const, excludeIdPrefixes: exclude}
          const n = kept.filter(([, type]) => types.includes(type)).length
          expect(store.countSelected(selection), `${types} without ${exclude}`).toBe(n)
          expect(store.seeks({count: selection})).toBe(true)
          // Counted in SQL (a prefix that is no layer's), and either way no further than asked.
          const bySql = {...selection, excludeIdPrefixes: [...exclude, 'doc-1']}
          const inSql = kept.filter(([id, type]) => types.includes(type) && !id.startsWith('doc-1'))
          expect(store.countSelected(bySql)).toBe(inSql.length)
          for (const atMost of [0, 1, 3]) {
            expect(store.countSelected(selection, atMost)).toBe(Math.min(n, atMost))
            expect(store.countSelected(bySql, atMost)).toBe(Math.min(inSql.length, atMost))
          }
        }
      }
    }
  })
})

describe('referrersOf', () => {
  const ref = (to: string, extra = {}) => ({_type: 'reference', _ref: to, ...extra})
  const referrers = (targets: string[]) => store.referrersOf(targets).map((pair) => pair.id)

  beforeEach(async () => {
    await commit({
      a: {title: 'target'},
      b: {title: 'also a target'},
      strong: {nested: {list: [{x: 1, author: ref('a')}]}},
      weak: {author: ref('a', {_weak: true})},
      prefix: {author: ref('ab')},
      text: {title: '"_ref":"a" in plain text', other: ref('zzz')},
      both: {one: ref('a'), two: ref('b')},
    })
  })

  test('finds strong references at any depth, not weak ones or look-alike ids', () => {
    expect(store.referrersOf(['a'])).toEqual([
      {id: 'both', target: 'a'},
      {id: 'strong', target: 'a'},
    ])
    expect(store.referrersOf(['missing', 'b'])).toEqual([{id: 'both', target: 'b'}])
    expect(store.referrersOf([])).toEqual([])
  })

  test('takes more ids than fit in one query', () => {
    const many = [...Array.from({length: 600}, (_, i) => `none${i}`), 'a']
    expect(referrers(many)).toEqual(['both', 'strong'])
  })

  test('answers from the committed state', async () => {
    await commit({strong: null, both: {one: ref('a', {_weak: true})}})
    expect(store.referrersOf(['a'])).toEqual([])
    // references() sees weak ones; the rows of a reference a document dropped are gone. (Rows
    // come in no particular order.)
    const visible = (ids: string[]) =>
      [...store.select({where: {kind: 'references', ids}})].map((row) => row.id).sort()
    expect(visible(['a'])).toEqual(['both', 'weak'])
    expect(visible(['b'])).toEqual([])
    await commit({weak: {title: 'no reference'}, prefix: {author: ref('ab'), also: ref('b')}})
    expect(visible(['a'])).toEqual(['both'])
    expect(visible(['ab', 'b'])).toEqual(['prefix'])
  })

  test("each row names its referring document by the document's number, which a document created after a deletion may take without its references", async () => {
    const file = join(dir, 'datasets', 'test.sqlite')
    const read = (sql: string) => {
      const db = new DatabaseSync(file, {readOnly: true})
      try {
        return db.prepare(sql).all()
      } finally {
        db.close()
      }
    }
    const numberOf = (id: string) =>
      read(`SELECT rowid FROM documents WHERE id = '${id}'`).map((row) => row.rowid)
    await commit({last: {author: ref('a'), weak: ref('b', {_weak: true})}})
    const taken = numberOf('last')
    await commit({last: null})
    await commit({next: {title: 'references nothing'}})
    // SQLite gives the largest number plus one: the deleted document's, whose rows went with it.
    expect(numberOf('next')).toEqual(taken)
    expect(referrers(['a', 'b'])).toEqual(['both', 'strong', 'both'])
    expect(store.referrersOf(['a', 'b'], 'any').map((pair) => pair.id)).toEqual([
      'both',
      'strong',
      'weak',
      'both',
    ])
    expect(
      [...store.select({where: {kind: 'references', ids: ['a', 'b']}})].map((r) => r.id).sort(),
    ).toEqual(['both', 'strong', 'weak'])
    // The number, not the id's text again (36 bytes of a UUID a row): every row's is a document's.
    expect(read('SELECT DISTINCT typeof(source) AS kind FROM refs')).toEqual([{kind: 'integer'}])
    expect(
      read('SELECT count(*) AS n FROM refs WHERE source NOT IN (SELECT rowid FROM documents)'),
    ).toEqual([{n: 0}])
  })

  test('`any` finds every string `_ref` at any depth: a weak one inside another reference too, kept through edits', async () => {
    // A correlated subquery's `x._ref == ^._id` is keyed by these rows (core/correlated.ts).
    await commit({
      hidden: {outer: {_ref: 'c', inner: ref('a', {_weak: true})}},
      root: {_ref: 'c', list: [ref('b', {_weak: true}), {_ref: 5}]},
    })
    const any = (ids: string[]) => store.referrersOf(ids, 'any')
    expect(any(['a'])).toEqual(
      ['both', 'hidden', 'strong', 'weak'].map((id) => ({id, target: 'a'})),
    )
    expect(any(['b']).map((pair) => pair.id)).toEqual(['both', 'root'])
    // Neither strong nor what references() matches.
    expect(referrers(['a'])).toEqual(['both', 'strong'])
    expect(store.referrersOf(['a', 'b'], 'visible').map((pair) => pair.id)).toEqual([
      'both',
      'strong',
      'weak',
      'both',
    ])
    await commit({hidden: {outer: {_ref: 'c', inner: ref('b', {_weak: true})}}, root: null})
    expect(any(['a']).map((pair) => pair.id)).toEqual(['both', 'strong', 'weak'])
    expect(any(['b']).map((pair) => pair.id)).toEqual(['both', 'hidden'])
  })

  test("a file written before `any`'s rows gains them on open, and only them", async () => {
    await commit({
      hidden: {outer: {_ref: 'c', inner: ref('a', {_weak: true})}},
      root: {_ref: 'c', list: [ref('b', {_weak: true})]},
    })
    const rows = () => {
      const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
      try {
        return db.prepare('SELECT * FROM refs ORDER BY target, source').all()
      } finally {
        db.close()
      }
    }
    const written = rows()
    stores.close()
    // As the lake before it left the file: no rows for those, the migration not applied.
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'))
    db.exec('DELETE FROM refs WHERE NOT strong AND NOT visible')
    // Its rows named their document by id (before migration 28).
    db.exec(`
      CREATE TABLE refs_by_id (
        target TEXT NOT NULL,
        source TEXT NOT NULL,
        strong INTEGER NOT NULL DEFAULT 0,
        visible INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (target, source)
      ) WITHOUT ROWID;
      INSERT INTO refs_by_id SELECT r.target, d.id, r.strong, r.visible
        FROM refs r JOIN documents d ON d.rowid = r.source;
      DROP TABLE refs;
      ALTER TABLE refs_by_id RENAME TO refs;
    `)
    // Migration 24 and those after it (25 made a table of its own; 26 makes the log's table
    // again; 27 makes its table if it is not there; 28 makes the references' table again).
    db.exec('DELETE FROM migrations WHERE version >= 24; DROP TABLE lone_surrogates')
    db.close()
    expect(rows().length).toBe(written.length - 2)
    stores = createSqliteStores(dir)
    store = stores.get('test')
    expect(store.referrersOf(['a', 'b'], 'any').map((pair) => pair.id)).toEqual([
      'both',
      'hidden',
      'strong',
      'weak',
      'both',
      'root',
    ])
    expect(rows()).toEqual(written)
  })
})

describe('side-table statistics', () => {
  /** SQLite's plan for the side-table query a selection compiles to, as a reader sees the file. */
  function planOf(sql: string, ...params: string[]): string {
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
    try {
      const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as {detail: string}[]
      return rows.map((row) => row.detail).join(' | ')
    } finally {
      db.close()
    }
  }

  test("length(title) reads the range of titles' lengths and sorts it by id, not every row", async () => {
    await commit({a: {_type: 'article', title: 'x'}, h: {_type: 'headline', text: 'y'}})
    for (const op of ['>', '<='] as const) {
      const selection = {
        where: {kind: 'length', field: 0, op, value: 75} as const,
        excludeIdPrefixes: ['drafts.', 'versions.'],
        order: [],
      }
      const {where, orderBy, params} = compileSelection(selection)
      const plan = planOf(
        `SELECT f.id, f.type FROM fields f${where}${orderBy}`,
        ...(params as string[]),
      )
      expect(plan, op).toMatch(
        /^SEARCH f USING COVERING INDEX fields_title_length \(title_length[<>]/,
      )
    }
    // Only titled documents are in the index.
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
    const {n} = db
      .prepare(
        'SELECT count(*) AS n FROM fields INDEXED BY fields_title_length WHERE title_length >= 0',
      )
      .get() as {n: number}
    db.close()
    expect(n).toBe(1)
  })

  test("a read in id order that no index narrows walks the documents' ids, sorting nothing; a narrowed one keeps its index", async () => {
    // Written out of id order: the side table's rowids are not in id order.
    await commit({c: {_type: 'article', title: 'x'}, a: {_type: 'source'}})
    await commit({'drafts.c': {_type: 'article'}, b: {_type: 'article', slug: {current: 's'}}})
    const published = ['drafts.', 'versions.']
    const prepared: string[] = []
    const prepare = DatabaseSync.prototype.prepare
    const spy = vi.spyOn(DatabaseSync.prototype, 'prepare').mockImplementation(function (
      this: DatabaseSync,
      sql: string,
      ...rest: unknown[]
    ) {
      prepared.push(sql)
      return (prepare as (...args: unknown[]) => ReturnType<typeof prepare>).call(
        this,
        sql,
        ...rest,
      )
    })
    /** The rows' ids and the plan of the side-table statement the store ran for them. */
    const read = (selection: Selection) => {
      prepared.length = 0
      const rows = [...store.select({...selection, order: []})].map((row) => row.id)
      const sql = prepared.find((s) => s.includes('fields f') && !s.startsWith('EXPLAIN'))!
      return {rows, plan: planOf(sql)}
    }
    try {
      const whole: [Selection, string[]][] = [
        [{}, ['a', 'b', 'c', 'drafts.c']],
        [{idsOnly: true}, ['a', 'b', 'c', 'drafts.c']],
        [{excludeIdPrefixes: published}, ['a', 'b', 'c']],
        [{where: {kind: 'rootPath'}}, ['a', 'b', 'c']],
        [{where: {kind: 'not', of: {kind: 'type', types: ['source']}}}, ['b', 'c', 'drafts.c']],
        [{where: {kind: 'defined', field: 0}, excludeIdPrefixes: published}, ['b']],
      ]
      for (const [selection, ids] of whole) {
        const {rows, plan} = read(selection)
        expect(rows, JSON.stringify(selection)).toEqual(ids)
        expect(plan, JSON.stringify(selection)).not.toMatch(/TEMP B-TREE/)
      }
      // Where an index narrows the rows, their few are sorted instead of every id walked.
      const narrowed: [Selection, string[], RegExp][] = [
        [{where: {kind: 'type', types: ['article']}}, ['b', 'c', 'drafts.c'], /fields_type/],
        [{where: {kind: 'equals', field: 0, values: ['s']}}, ['b'], /fields_slug/],
        [
          {where: {kind: 'length', field: 0, op: '>', value: 0}, idsOnly: true},
          ['c'],
          /COVERING INDEX fields_title_length/,
        ],
      ]
      for (const [selection, ids, index] of narrowed) {
        const {rows, plan} = read(selection)
        expect(rows, JSON.stringify(selection)).toEqual(ids)
        expect(plan, JSON.stringify(selection)).toMatch(index)
      }
    } finally {
      spy.mockRestore()
    }
  })

  test('a query shape asked again with other values reuses its plan: one EXPLAIN a shape, not one a read', async () => {
    await commit({a: {_type: 'article', slug: {current: 'x'}}, b: {_type: 'article'}})
    const explained: string[] = []
    const all = StatementSync.prototype.all
    const spy = vi.spyOn(StatementSync.prototype, 'all').mockImplementation(function (
      this: StatementSync,
      ...params: unknown[]
    ) {
      if (this.sourceSQL.startsWith('EXPLAIN')) explained.push(this.sourceSQL)
      return (all as (...args: unknown[]) => ReturnType<typeof all>).apply(this, params)
    })
    // A slug lookup without order: by id, no id condition, so the store asks whether the side
    // table is scanned (scansSideTable) and, for the query layer, whether it seeks (seeking).
    const bySlug = (slug: string): Selection => ({
      where: {kind: 'equals', field: 0, values: [slug]},
      excludeIdPrefixes: ['drafts.', 'versions.'],
      order: [],
    })
    try {
      for (const slug of ['x', 'y', 'x', 'z']) {
        expect([...store.select(bySlug(slug))].map((row) => row.id)).toEqual(
          slug === 'x' ? ['a'] : [],
        )
        // A slug sorts its few rows by id: not seeking, asked each time the same.
        expect(store.seeks({selection: bySlug(slug)})).toBe(false)
      }
      // The unnarrowed read walks the ids each time it is asked, after one plan of its own.
      for (let i = 0; i < 3; i++) {
        expect([...store.select({order: []})].map((row) => row.id)).toEqual(['a', 'b'])
      }
    } finally {
      spy.mockRestore()
    }
    // select's and seeks' statements differ (their columns): two shapes for the slug, one whole.
    expect(explained.length).toBe(new Set(explained).size)
    expect(new Set(explained).size).toBe(3)
  })

  test('a slug lookup within a type reads the slug index, not every document of the type', async () => {
    await commit({a: {_type: 'article', slug: {current: 'x'}}})
    expect(
      planOf(
        'SELECT f.id FROM fields f WHERE (f.type = ? AND f.slug = ?) AND NOT (f.id >= ? AND f.id < ?)',
        'article',
        'x',
        'drafts.',
        'drafts/',
      ),
    ).toMatch(/USING INDEX fields_slug \(slug=\?\)/)
    // Counting by type and a source's latest still use their composite indexes.
    expect(planOf('SELECT count(*) FROM fields f WHERE f.type = ?', 'article')).toMatch(
      /fields_type_published \(type=\?\)/,
    )
    expect(
      planOf(
        'SELECT f.id FROM fields f WHERE f.type = ? AND f.source = ? ORDER BY f.published_at DESC',
        'article',
        'source-7',
      ),
    ).toMatch(/fields_source_published \(source=\?\)/)
  })
})

describe('full-text index queue', () => {
  const searchIds = (text: string) =>
    ids(store.scan({search: {column: 'words', text}})).filter((id) => id !== 'other')
  /** Rows of the index's queue and of the index itself, read beside the store's connection. */
  function indexState() {
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
    try {
      const count = (table: string) =>
        Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as {n: number}).n)
      return {queued: count('search_queue'), indexed: count('search_fts')}
    } finally {
      db.close()
    }
  }
  const afterCommit = () => new Promise((resolve) => setImmediate(resolve))
  /** What `read` gives, and the full-text scans it ran (their SQL and parameters). */
  function withSearchScans<T>(read: () => T): {read: T; scans: {sql: string; params: unknown[]}[]} {
    const scans: {sql: string; params: unknown[]}[] = []
    const iterate = StatementSync.prototype.iterate
    const spy = vi.spyOn(StatementSync.prototype, 'iterate').mockImplementation(function (
      this: StatementSync,
      ...params: unknown[]
    ) {
      if (this.sourceSQL.includes('search_fts MATCH')) scans.push({sql: this.sourceSQL, params})
      return (iterate as (...args: unknown[]) => ReturnType<typeof iterate>).apply(this, params)
    })
    try {
      return {read: read(), scans}
    } finally {
      spy.mockRestore()
    }
  }
  /** SQLite's plan of a scan withSearchScans recorded: its rows' details, joined by ` | `. */
  function planOf(scan: {sql: string; params: unknown[]}): string {
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
    try {
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${scan.sql}`)
        .all(...(scan.params as string[])) as {detail: string}[]
      return plan.map((row) => row.detail).join(' | ')
    } finally {
      db.close()
    }
  }

  test('a commit queues its documents, the next query finds them, the index catches up soon after', async () => {
    await commit({other: {title: 'খেলা'}})
    await afterCommit()
    expect(indexState()).toEqual({queued: 0, indexed: 1})
    await commit({a: {title: 'ঢাকায় বৈঠক'}, b: {title: 'খেলার খবর'}})
    // Committed, not yet indexed: both are candidates of any search (groq-js re-checks them).
    expect(indexState()).toEqual({queued: 2, indexed: 1})
    expect(ids(store.scan({search: {column: 'words', text: 'বৈঠক'}}))).toEqual(['a', 'b'])
    // The planner's estimate counts them too.
    expect(store.countSearched({column: 'words', text: 'বৈঠক'}, 100)).toBe(2)
    await afterCommit()
    expect(indexState()).toEqual({queued: 0, indexed: 3})
    expect(searchIds('বৈঠক')).toEqual(['a'])
    expect(store.countSearched({column: 'words', text: 'বৈঠক'}, 100)).toBe(1)
    expect(ids(store.scan({search: {column: 'words', text: 'খেলা'}}))).toEqual(['b', 'other'])
  })

  test("a word in many documents of a rare type: the type's index leads, not a walk of every id", async () => {
    // The Studio's first search request, `*[_type == "source" && name match text::query($q)]`:
    // the word in more documents than a scan seeks one by one (1,000), the type in a few.
    const docs: Record<string, Partial<SanityDocument>> = {}
    for (let i = 0; i < 1100; i++) docs[`a${i}`] = {_type: 'article', title: 'dhaka বৈঠক'}
    for (const id of ['s1', 's2', 's3']) docs[id] = {_type: 'source', name: `Dhaka ${id}`}
    docs.s4 = {_type: 'source', name: 'খেলা'}
    await commit(docs)
    while (indexState().queued > 0) await afterCommit()
    expect(indexState()).toEqual({queued: 0, indexed: 1104})
    // The type's documents are counted off type_counts, not by reading its index.
    const counted: string[] = []
    const get = StatementSync.prototype.get
    const getSpy = vi.spyOn(StatementSync.prototype, 'get').mockImplementation(function (
      this: StatementSync,
      ...params: unknown[]
    ) {
      counted.push(this.sourceSQL)
      return (get as (...args: unknown[]) => ReturnType<typeof get>).apply(this, params)
    })
    let scans: {sql: string; params: unknown[]}[]
    try {
      const hint = {types: ['source'], search: {column: 'words', text: 'dhaka'}} as const
      const scanned = withSearchScans(() => ids(store.scan(hint)))
      expect(scanned.read).toEqual(['s1', 's2', 's3'])
      scans = scanned.scans
    } finally {
      getSpy.mockRestore()
    }
    expect(scans).toHaveLength(1)
    expect(counted.filter((sql) => /FROM documents WHERE type IN/.test(sql))).toEqual([])
    expect(planOf(scans[0])).toMatch(
      /SEARCH documents USING (COVERING )?INDEX documents_type \(type=\?\)/,
    )
  })

  test("a word in many documents, a slice of a common type in an order: the type's order index leads, nothing sorted", async () => {
    // The Studio's headlines pane with a common word typed into its filter: ordered by position,
    // the word in more documents than a scan seeks one by one, the type too common to lead by
    // itself. Every document was read and the type's matches sorted (120-170 ms at the archive).
    const docs: Record<string, Partial<SanityDocument>> = {}
    for (let i = 0; i < 10_050; i++) {
      docs[`h${i}`] = {_type: 'headline', text: 'dhaka বৈঠক', position: i % 7}
    }
    await commit(docs)
    while (indexState().queued > 0) await afterCommit()
    store.indexOrders([{path: ['position'], desc: false}], {declared: true})
    const hint = {
      types: ['headline'],
      search: {column: 'words', text: 'dhaka'},
      order: [{path: ['position'], desc: false}],
      groupTies: true,
    } as const
    const {read, scans} = withSearchScans(() => ids(store.scan(hint)).slice(0, 3))
    // Position 0 first, ties by id.
    const first = Object.keys(docs)
      .filter((id) => docs[id].position === 0)
      .sort()
    expect(read).toEqual(first.slice(0, 3))
    expect(scans).toHaveLength(1)
    const details = planOf(scans[0])
    expect(details).toMatch(/SEARCH documents USING INDEX attr_\w+ \(type=\?\)/)
    expect(details).not.toMatch(/TEMP B-TREE/)
  })

  test('a scan of no types counts nothing: it answers none before choosing how to read', async () => {
    const docs: Record<string, Partial<SanityDocument>> = {}
    for (let i = 0; i < 1100; i++) docs[`a${i}`] = {_type: 'article', title: 'dhaka বৈঠক'}
    await commit(docs)
    while (indexState().queued > 0) await afterCommit()
    const counted: string[] = []
    const get = StatementSync.prototype.get
    const spy = vi.spyOn(StatementSync.prototype, 'get').mockImplementation(function (
      this: StatementSync,
      ...params: unknown[]
    ) {
      if (this.sourceSQL.includes('count(*)')) counted.push(this.sourceSQL)
      return (get as (...args: unknown[]) => ReturnType<typeof get>).apply(this, params)
    })
    try {
      const hint = {types: [], search: {column: 'words', text: 'dhaka'}} as const
      expect(ids(store.scan(hint))).toEqual([])
    } finally {
      spy.mockRestore()
    }
    // Before, the full-text candidates were counted (up to 1,000) first.
    expect(counted).toEqual([])
  })

  test('the index merges its segments eight at a time (a bulk load merges less), with the same answers', async () => {
    const docs: Record<string, Partial<SanityDocument>> = {}
    for (let i = 0; i < 40; i++) docs[`n${i}`] = {title: i % 2 ? 'ঢাকায় বৈঠক' : 'খেলার খবর'}
    // One segment per analyzer COMMIT: 20 of them, so levels fill and merge.
    for (let i = 0; i < 40; i += 2) {
      await commit({[`n${i}`]: docs[`n${i}`], [`n${i + 1}`]: docs[`n${i + 1}`]})
      await afterCommit()
    }
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
    try {
      const config = db.prepare("SELECT v FROM search_fts_config WHERE k = 'automerge'").get()
      expect(config).toEqual({v: 8})
    } finally {
      db.close()
    }
    expect(indexState()).toEqual({queued: 0, indexed: 40})
    expect(searchIds('বৈঠক')).toHaveLength(20)
    expect(searchIds('খেলা')).toHaveLength(20)
  })

  test('a common word walks the ids, a rare one seeks them: the same candidates, queued ones too', async () => {
    const docs: Record<string, Partial<SanityDocument>> = {}
    for (let i = 0; i < 1500; i++) {
      docs[`d${String(i).padStart(4, '0')}`] = {title: i % 300 === 0 ? 'বৈঠক খেলা' : 'খেলা'}
    }
    for (let i = 0; i < 20; i++) docs[`x${i}`] = {title: 'নির্বাচন'}
    await commit(docs)
    const expected = {
      common: [...Object.keys(docs).filter((id) => id.startsWith('d')), 'other'].sort(),
      rare: ['d0000', 'd0300', 'd0600', 'd0900', 'd1200'],
    }
    await commit({other: {title: 'খেলা'}, x0: null})
    const found = () => ({
      common: ids(store.scan({search: {column: 'words', text: 'খেলা'}})),
      rare: ids(store.scan({search: {column: 'words', text: 'বৈঠক'}})),
    })
    // Queued: every queued document is a candidate.
    const queued = found()
    expect(queued.common).toHaveLength(1520)
    expect(queued.rare).toEqual(queued.common)
    while (indexState().queued > 0) await afterCommit()
    expect(found()).toEqual(expected)
  })

  test('a tally finds what a scan finds, queued documents too, in any order', async () => {
    await commit({a: {title: 'ঢাকায় বৈঠক'}, b: {title: 'বৈঠক বৈঠক'}})
    await afterCommit()
    await commit({c: {title: 'বৈঠকের খবর'}, d: {title: 'খেলা'}})
    expect(indexState().queued).toBe(2)
    const hint = {search: {column: 'words', text: 'বৈঠক'}} as const
    const tallied = () =>
      [...store.tally!(hint, [{path: ['title'], text: 'বৈঠক'}])]
        .map((t) => [t.id, t.counts[0]])
        .sort()
    // Queued (c, d): candidates of every search, tallied like the indexed ones.
    expect(tallied()).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 1],
      ['d', 0],
    ])
    expect(tallied().map(([id]) => id)).toEqual(ids(store.scan(hint)))
    await afterCommit()
    expect(indexState().queued).toBe(0)
    expect(tallied()).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 1],
    ])
  })

  test("writes a step's rows in the documents' order, not the queue's id order: one segment, not one a row", async () => {
    // 60 documents, under one read of the queue (64): read by id, each had a lower rowid than
    // the one before it, and FTS5 wrote each into a segment of its own (and merged them again).
    await commit(fallingIds(60, 'বৈঠক'))
    await afterCommit()
    expect(indexState()).toEqual({queued: 0, indexed: 60})
    expect(indexSegments()).toBe(1)
    expect(ids(store.scan({search: {column: 'words', text: 'বৈঠক'}}))).toHaveLength(60)
  })

  test('a rare word read by the rows the index finds still comes in id order, queued ones among them', async () => {
    // Written in falling id order, so the table's (rowid) order is the reverse of the id order.
    const docs: Record<string, Partial<SanityDocument>> = {}
    for (let i = 40; i > 0; i--)
      docs[`r${String(i).padStart(2, '0')}`] = {title: i % 4 ? 'খেলা' : 'বৈঠক'}
    await commit(docs)
    while (indexState().queued > 0) await afterCommit()
    await commit({q2: {title: 'বৈঠক'}, q1: {title: 'খেলা'}})
    // Every fourth of r01-r40 holds the rare word.
    const rare = Array.from({length: 10}, (_, k) => `r${String(4 * (k + 1)).padStart(2, '0')}`)
    const found = ids(store.scan({search: {column: 'words', text: 'বৈঠক'}}))
    expect(found).toEqual(['q1', 'q2', ...rare])
    while (indexState().queued > 0) await afterCommit()
    expect(ids(store.scan({search: {column: 'words', text: 'বৈঠক'}}))).toEqual(['q2', ...rare])
  })

  test('changes and deletes reach the index through the queue', async () => {
    await commit({a: {title: 'বৈঠক'}, b: {title: 'বৈঠক'}})
    await afterCommit()
    await commit({a: {title: 'নির্বাচন'}, b: null})
    await afterCommit()
    expect(indexState()).toEqual({queued: 0, indexed: 1})
    expect(searchIds('বৈঠক')).toEqual([])
    expect(searchIds('নির্বাচন')).toEqual(['a'])
  })

  test('queued documents outlive the process and are indexed on the next open', async () => {
    await commit({a: {title: 'বৈঠক'}, b: {title: 'খেলা'}})
    // Closed before the index step ran, as a killed lake would leave it.
    stores.close()
    expect(indexState()).toEqual({queued: 2, indexed: 0})
    stores = createSqliteStores(dir)
    store = stores.get('test')
    expect(searchIds('বৈঠক')).toEqual(['a', 'b'])
    await afterCommit()
    expect(indexState()).toEqual({queued: 0, indexed: 2})
    expect(searchIds('বৈঠক')).toEqual(['a'])
  })

  test('a failing index step keeps its documents queued (still found) and tries again later', async () => {
    await commit({a: {title: 'বৈঠক'}})
    await afterCommit()
    // Another process breaks the queue behind the lake's back; the next step cannot take 'a' off.
    const file = join(dir, 'datasets', 'test.sqlite')
    const other = new DatabaseSync(file)
    other.exec(`CREATE TRIGGER broken BEFORE DELETE ON search_queue WHEN old.id = 'a'
      BEGIN SELECT RAISE(ABORT, 'broken'); END`)
    other.exec("INSERT INTO search_queue (id) VALUES ('a')")
    const errors: unknown[] = []
    const error = console.error
    console.error = (...args: unknown[]) => errors.push(args)
    try {
      await commit({b: {title: 'খেলা'}})
      await afterCommit()
      expect(errors).toHaveLength(1)
      expect(indexState().queued).toBe(2)
      other.exec('DROP TRIGGER broken')
      // Queued: still candidates of every search.
      expect(searchIds('খেলা')).toEqual(['a', 'b'])
      // The retry comes about a second later; on a loaded machine its step may run later still.
      await vi.waitFor(() => expect(indexState()).toEqual({queued: 0, indexed: 2}), {
        timeout: 20_000,
        interval: 100,
      })
      expect(searchIds('খেলা')).toEqual(['b'])
    } finally {
      console.error = error
      other.close()
    }
  })

  test('a document whose analysis fails is set aside: the queue behind it is indexed, the error said once, the document found until written again', async () => {
    await commit({other: {title: 'খেলা'}})
    await afterCommit()
    // A failure nobody foresaw (an engine limit, a bug): String#normalize, which folding calls for
    // text that is not plain (here a joiner), throws for this one document's text. The step
    // failed whole and was retried every second, for good, with every document queued after it.
    const normalize = String.prototype.normalize
    String.prototype.normalize = function (this: string, form?: string) {
      if (this.includes('বিষ')) throw new RangeError('Maximum call stack size exceeded')
      return normalize.call(this, form)
    }
    const errors: unknown[][] = []
    const error = console.error
    console.error = (...args: unknown[]) => errors.push(args)
    try {
      await commit({poison: {title: 'বিষ\u200Dখেলা'}})
      await commit({b: {title: 'খেলা'}})
      for (let i = 0; i < 5; i++) await afterCommit()
      expect(indexState()).toEqual({queued: 0, indexed: 2})
      // Set aside: a candidate of every search, whatever the words.
      expect(searchIds('খেলা')).toEqual(['b', 'poison'])
      expect(searchIds('নির্বাচন')).toEqual(['poison'])
      expect(store.countSearched({column: 'words', text: 'নির্বাচন'}, 100)).toBe(1)
      await new Promise((resolve) => setTimeout(resolve, 1200))
      expect(errors).toHaveLength(1)
      expect(String(errors[0][0])).toContain('set aside document "poison"')
      expect(String(errors[0][0])).toContain('Maximum call stack size exceeded')
    } finally {
      String.prototype.normalize = normalize
      console.error = error
    }
    // Its next write is analysed again.
    await commit({poison: {title: 'বিষ\u200D খবর'}})
    for (let i = 0; i < 5; i++) await afterCommit()
    expect(indexState()).toEqual({queued: 0, indexed: 3})
    expect(searchIds('নির্বাচন')).toEqual([])
    expect(searchIds('খবর')).toEqual(['poison'])
  })

  test('a stored body SQLite cannot read is set aside, not the queue behind it', async () => {
    await commit({a: {title: 'বৈঠক'}})
    await afterCommit()
    // A body damaged in the file under the lake: its title an element of a type JSONB reserves,
    // its type and revision still readable. The step read its whole batch through json(), which
    // threw for the batch: retried every second, for good, with every document queued after it.
    const other = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'))
    const {rev} = other.prepare("SELECT rev FROM documents WHERE id = 'a'").get() as {rev: string}
    const text = (value: string) => Buffer.from([(value.length << 4) | 7, ...Buffer.from(value)])
    const entries = [
      ['_type', 't'],
      ['_rev', rev],
      ['_id', 'a'],
    ]
      .flat()
      .map(text)
    const payload = Buffer.concat([...entries, text('title'), Buffer.from([0x0d])])
    const damaged = Buffer.concat([Buffer.from([0xcc, payload.length]), payload])
    other.prepare("UPDATE documents SET body = ? WHERE id = 'a'").run(damaged)
    other.exec("INSERT INTO search_queue (id) VALUES ('a')")
    other.close()
    const errors: unknown[][] = []
    const error = console.error
    console.error = (...args: unknown[]) => errors.push(args)
    try {
      await commit({b: {title: 'খেলা'}})
      for (let i = 0; i < 5; i++) await afterCommit()
      // 'b' indexed; 'a' set aside (its old row gone), a candidate of every search.
      expect(indexState()).toEqual({queued: 0, indexed: 1})
      expect(errors).toHaveLength(1)
      expect(String(errors[0][0])).toContain('set aside document "a"')
      expect(String(errors[0][0])).toContain('malformed JSON')
    } finally {
      console.error = error
    }
  })

  test('a long queue is indexed in steps, each bounded in time, writes going between them', async () => {
    const many = Object.fromEntries(
      Array.from({length: 3000}, (_, i) => [`d${i}`, {title: `শিরোনাম ${i} বৈঠক`}]),
    )
    await commit(many)
    await afterCommit()
    const {queued} = indexState()
    expect(queued).toBeGreaterThan(0)
    expect(queued).toBeLessThan(3000)
    await commit({late: {title: 'বৈঠক'}})
    while (indexState().queued > 0) await afterCommit()
    expect(searchIds('বৈঠক')).toHaveLength(3001)
  })
})

/**
 * Segments of the full-text index (FTS5's %_idx holds a row per leaf page, keyed by segment).
 * FTS5 flushes what it holds of a transaction into a new segment whenever a row comes with a
 * lower rowid than the one before it, so this tells the order the index's rows were written in.
 */
function indexSegments(): number {
  const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
  try {
    const row = db.prepare('SELECT count(DISTINCT segid) AS n FROM search_fts_idx').get()
    return Number((row as {n: number}).n)
  } finally {
    db.close()
  }
}

/**
 * Documents whose ids fall as they are written (so their rowids rise against their ids), as ids
 * the Studio makes (random UUIDs) arrive against the queue's id order.
 */
function fallingIds(count: number, title: string): Record<string, Partial<SanityDocument> | null> {
  const docs: Record<string, Partial<SanityDocument> | null> = {}
  for (let i = count; i > 0; i--) docs[`f${String(i).padStart(4, '0')}`] = {title: `${title} ${i}`}
  return docs
}

/**
 * Documents the test dataset's full-text index has yet to read (its queue and the re-index's
 * backlog), read on a connection of its own; `table` counts one of them alone.
 */
/** The file's documents, queue, backlog and set-aside documents, read on a connection of its own. */
function filesView(): string {
  const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
  try {
    const count = (table: string) =>
      Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as {n: number}).n)
    const tables = ['documents', 'search_queue', 'search_reindex', 'search_aside']
    return tables.map((table) => `${table} ${count(table)}`).join(', ')
  } finally {
    db.close()
  }
}

function queuedNow(table?: 'search_queue' | 'search_reindex'): number {
  const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
  try {
    const from = table ?? '(SELECT id FROM search_queue UNION SELECT id FROM search_reindex)'
    return Number((db.prepare(`SELECT count(*) AS n FROM ${from}`).get() as {n: number}).n)
  } finally {
    db.close()
  }
}

describe('full-text index analysed on another thread', () => {
  let analyzer: SearchAnalyzerThread
  beforeEach(() => {
    analyzer = createSearchAnalyzer()
  })
  afterEach(() => analyzer.close())

  /** Reopens the test's store with `analyzer` (the lake's own setup). */
  function withAnalyzer(a: SearchAnalyzer, options: {maxQueued?: number} = {}) {
    stores.close()
    stores = createSqliteStores(dir, {analyzer: a, ...options})
    store = stores.get('test')
  }
  /** What a search finds: once the queue is empty, what the index holds. */
  const indexed = (text: string) => ids(store.scan({search: {column: 'words', text}}))
  /**
   * Waits for the queue to empty. `ms` bounds a wait with no progress (a stuck analyzer), not the
   * whole wait: a demoted analyzer on a loaded machine is slow, not wrong (CI saw 232 left at 20 s).
   */
  async function caughtUp(ms = 20_000) {
    let left = queuedNow()
    let deadline = Date.now() + ms
    while (left > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `the index made no progress in ${ms} ms: ${queuedNow('search_queue')} ${queuedNow('search_reindex')} left`,
        )
      await new Promise((resolve) => setTimeout(resolve, 10))
      const now = queuedNow()
      if (now < left) deadline = Date.now() + ms
      left = now
    }
  }

  test('an index of older rules is emptied and its backlog listed on the commit thread, before the open', async () => {
    // The open emptied the index and listed every document in the re-index's backlog (INSERT …
    // SELECT id FROM documents) on the event loop: 0.1 s at 26,000 documents, every request of
    // every dataset waiting.
    await commit(
      Object.fromEntries(Array.from({length: 500}, (_, i) => [`d${i}`, {title: 'বৈঠক'}])),
    )
    await caughtUp()
    stores.close()
    const file = join(dir, 'datasets', 'test.sqlite')
    const db = new DatabaseSync(file)
    db.exec("UPDATE search_meta SET value = 'older' WHERE key = 'version'")
    db.close()
    const thread = createCommitThread()
    const upgraded: string[] = []
    const committer: CommitThread = {
      ...thread,
      migrate: (path, searchIndex) => {
        upgraded.push(path)
        return thread.migrate!(path, searchIndex)
      },
    }
    stores = createSqliteStores(dir, {analyzer, committer})
    store = stores.get('test')
    try {
      await store.ready!()
      // Done on the thread: nothing has opened the file on the event loop yet.
      expect(upgraded).toEqual([file])
      expect([queuedNow('search_reindex'), queuedNow('search_queue')]).toEqual([500, 0])
      const reader = new DatabaseSync(file, {readOnly: true})
      expect(reader.prepare('SELECT count(*) AS n FROM search_fts').get()).toEqual({n: 0})
      reader.close()
      // Meanwhile every document of the backlog is a candidate of every search, as before.
      expect(indexed('নির্বাচন')).toHaveLength(500)
      await caughtUp()
      expect(indexed('বৈঠক')).toHaveLength(500)
      expect(indexed('নির্বাচন')).toEqual([])
    } finally {
      stores.close()
      await thread.close()
    }
  })

  test('an index of the rules before the heads of titles of ASCII alone is built again, with them', async () => {
    // Those rules (INDEX_VERSION d418dae1ddcff687) gave a string of ASCII alone no heads: a
    // data folder they indexed must not bound a Latin word by heads it lacks.
    withAnalyzer(analyzer)
    await commit(
      Object.fromEntries(Array.from({length: 20}, (_, i) => [`d${i}`, {title: 'Dhaka'}])),
    )
    await caughtUp()
    stores.close()
    const file = join(dir, 'datasets', 'test.sqlite')
    const db = new DatabaseSync(file)
    db.exec("UPDATE search_meta SET value = 'd418dae1ddcff687' WHERE key = 'version'")
    // The rows as those rules wrote them: the title's words, no heads.
    for (const {rowid} of db.prepare('SELECT rowid FROM documents').all() as {rowid: number}[]) {
      db.prepare(
        "INSERT OR REPLACE INTO search_fts (rowid, words, tokens, refs) VALUES (?, 'dhaka', '', '')",
      ).run(rowid)
    }
    const headed = (reader: DatabaseSync) =>
      reader
        .prepare('SELECT count(*) AS n FROM search_fts WHERE search_fts MATCH ?')
        .get('"\u0964dhaka"')
    expect(headed(db)).toEqual({n: 0})
    db.close()
    withAnalyzer(analyzer)
    // The open (here, the first read) finds the rules changed.
    expect(store.getDocuments(['d0'])).toHaveLength(1)
    await caughtUp()
    const reader = new DatabaseSync(file, {readOnly: true})
    try {
      expect(headed(reader)).toEqual({n: 20})
    } finally {
      reader.close()
    }
  })

  test('an index of the rules before the spellings desks type (৷, ত্ at a word end) is built again, with them', async () => {
    // Those rules (INDEX_VERSION bbb6590e5b02bb6b) kept ৷ inside the word before it and ত্ at a
    // word end as written: a data folder they indexed would never find বৈঠক or সাক্ষাৎ there.
    withAnalyzer(analyzer)
    await commit(
      Object.fromEntries(Array.from({length: 20}, (_, i) => [`d${i}`, {title: 'বৈঠক৷ সাক্ষাত্'}])),
    )
    await caughtUp()
    stores.close()
    const file = join(dir, 'datasets', 'test.sqlite')
    const db = new DatabaseSync(file)
    db.exec("UPDATE search_meta SET value = 'bbb6590e5b02bb6b' WHERE key = 'version'")
    // The rows as those rules wrote them: the words as typed.
    for (const {rowid} of db.prepare('SELECT rowid FROM documents').all() as {rowid: number}[]) {
      db.prepare(
        "INSERT OR REPLACE INTO search_fts (rowid, words, tokens, refs) VALUES (?, 'বৈঠক৷ সাক্ষাত্', '', '')",
      ).run(rowid)
    }
    db.close()
    withAnalyzer(analyzer)
    // The open (here, the first read) finds the rules changed.
    expect(store.getDocuments(['d0'])).toHaveLength(1)
    await caughtUp()
    expect(indexed('বৈঠক')).toHaveLength(20)
    expect(indexed('সাক্ষাৎ')).toHaveLength(20)
  })

  test('an index of the rules that read any colon between letters as a visarga is built again, without it', async () => {
    // Those rules (INDEX_VERSION 8f86de5f3d43492c) indexed সূত্র:বাসস as one word সূত্রঃবাসস: a
    // data folder they indexed would never find বাসস there.
    withAnalyzer(analyzer)
    await commit(
      Object.fromEntries(Array.from({length: 20}, (_, i) => [`d${i}`, {title: 'সূত্র:বাসস'}])),
    )
    await caughtUp()
    stores.close()
    const file = join(dir, 'datasets', 'test.sqlite')
    const db = new DatabaseSync(file)
    db.exec("UPDATE search_meta SET value = '8f86de5f3d43492c' WHERE key = 'version'")
    // The rows as those rules wrote them: one folded word.
    for (const {rowid} of db.prepare('SELECT rowid FROM documents').all() as {rowid: number}[]) {
      db.prepare(
        "INSERT OR REPLACE INTO search_fts (rowid, words, tokens, refs) VALUES (?, 'সূত্রঃবাসস', '', '')",
      ).run(rowid)
    }
    db.close()
    withAnalyzer(analyzer)
    // The open (here, the first read) finds the rules changed.
    expect(store.getDocuments(['d0'])).toHaveLength(1)
    await caughtUp()
    expect(indexed('বাসস')).toHaveLength(20)
  })

  test("writes a batch's rows in the documents' order, not the queue's id order: one segment, not one a row", async () => {
    withAnalyzer(analyzer)
    // Read 256 at a time by id, written as read, each row had a lower rowid than the one before
    // it: a segment each, merged again (the bulk load's analyzer wrote twice as long with ids as
    // the Studio makes them: docs/benchmarks-log.md).
    await commit(fallingIds(200, 'বৈঠক'))
    await caughtUp()
    expect(indexSegments()).toBe(1)
    expect(indexed('বৈঠক')).toHaveLength(200)
    // Rewritten (a row's delete, then its insert) and deleted in the same batch, still in order.
    const again = fallingIds(100, 'খবর')
    for (let i = 101; i <= 200; i += 2) again[`f${String(i).padStart(4, '0')}`] = null
    await commit(again)
    await caughtUp()
    expect(indexed('খবর')).toHaveLength(100)
    expect(indexed('বৈঠক')).toHaveLength(50)
    expect(indexSegments()).toBeLessThanOrEqual(2)
  })

  test('fills the index from the queue: writes, rewrites and deletes', async () => {
    withAnalyzer(analyzer)
    await commit({a: {title: 'ঢাকায় বৈঠক'}, b: {title: 'খেলার খবর'}, c: {title: 'বৈঠক'}})
    await caughtUp()
    expect(indexed('বৈঠক')).toEqual(['a', 'c'])
    await commit({a: {title: 'নির্বাচন'}, c: null})
    await caughtUp()
    expect(indexed('বৈঠক')).toEqual([])
    expect(indexed('নির্বাচন')).toEqual(['a'])
    expect(indexed('খেলা')).toEqual(['b'])
  })

  test("behind (a bulk load), the thread analyses below the event loop's priority and takes it back once caught up; a few writes never lower it", async () => {
    stores.close()
    stores = createSqliteStores(dir, {analyzer, analyzeBatch: 16, behindQueued: 100})
    store = stores.get('test')
    await commit({a: {title: 'বৈঠক'}, b: {title: 'খবর'}})
    await caughtUp()
    const few = await analyzer.priority()
    expect(few.demotedBatches).toBe(0)
    expect(few.nice).toBe(few.lakeNice)
    // 600 queued at once: behind until the queue is down to 100, about 30 batches of 16.
    await commit(
      Object.fromEntries(Array.from({length: 600}, (_, i) => [`d${i}`, {title: `বৈঠক ${i}`}])),
    )
    // Meanwhile every queued document is a candidate of every search.
    expect(indexed('বৈঠক')).toHaveLength(601)
    await caughtUp()
    const after = await analyzer.priority()
    // Lowered only where the thread may take the lake's priority back (as query threads).
    if (after.lakeNice !== null && mayRaiseTo(after.lakeNice)) {
      expect(after.demotedBatches).toBeGreaterThanOrEqual(20)
    } else {
      expect(after.demotedBatches).toBe(0)
    }
    expect(after.nice).toBe(after.lakeNice)
    expect(indexed('বৈঠক')).toHaveLength(601)
    expect(indexed('খবর')).toEqual(['b'])
  })

  test('writes go on while 25,000 documents wait for the index: a bulk load is not paced by the analyzer', async () => {
    // Past 20,000 queued, each write group waited for the analyzer's next batch: under a bulk load
    // of the archive 5.7 s of a 26 s load (docs/benchmarks-log.md).
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    let releasedEarly = false
    stores.close()
    stores = createSqliteStores(dir, {
      analyzer: {
        analyze: (task) => released.then(() => analyzer.analyze(task)),
        write: (target) => analyzer.write(target),
        alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
        close: () => analyzer.close(),
      },
    })
    store = stores.get('test')
    // Only a store whose writes wait for the held analyzer gets here.
    const unstick = setTimeout(() => {
      releasedEarly = true
      release()
    }, 30_000)
    try {
      for (let t = 0; t < 25; t++) {
        await commit(
          Object.fromEntries(
            Array.from({length: 1000}, (_, i) => [
              `d${t}-${i}`,
              {title: t === 24 ? 'বৈঠক শেষ' : `বৈঠক ${t}`},
            ]),
          ),
        )
      }
      expect(releasedEarly).toBe(false)
      expect(queuedNow('search_queue')).toBe(25_000)
      // Every queued document is a candidate of every search (groq-js re-checks candidates), a
      // word in none of them too.
      expect(indexed('খবর')).toHaveLength(25_000)
    } finally {
      clearTimeout(unstick)
      release()
    }
    await caughtUp(80_000)
    expect(indexed('বৈঠক')).toHaveLength(25_000)
    expect(indexed('শেষ')).toHaveLength(1000)
    expect(indexed('খবর')).toEqual([])
  }, 90_000)

  test('the analyzer catching up after a load asks for the WAL to be checkpointed, as write groups do', async () => {
    // With no write group left to ask, the index's rows went into the WAL unchecked: after the
    // archive 250 MB and more, which the idle checkpoint, or the lake's stop, copied at once.
    const walCheckpointer = createWalCheckpointer()
    const asked: boolean[] = []
    let loaded = false
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    stores.close()
    stores = createSqliteStores(dir, {
      analyzer: {
        analyze: (task) => released.then(() => analyzer.analyze(task)),
        write: (target) => analyzer.write(target),
        alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
        close: () => analyzer.close(),
      },
      checkpointer: {
        checkpoint: (task) => {
          if (loaded) asked.push(task.truncate === true)
          return walCheckpointer.checkpoint(task)
        },
        close: () => walCheckpointer.close(),
      },
      // About a thousand of the thread's writes, over more than the 200 ms between checkpoints.
      analyzeBatch: 10,
      idleCheckpointMs: 60_000,
    })
    store = stores.get('test')
    try {
      for (let t = 0; t < 10; t++) {
        await commit(
          Object.fromEntries(
            Array.from({length: 1000}, (_, i) => [`d${t}-${i}`, {title: `বৈঠক ${t} ${i}`}]),
          ),
        )
      }
      loaded = true
      release()
      await caughtUp(80_000)
      expect(asked.filter((truncate) => !truncate).length).toBeGreaterThan(0)
      // CI once found fewer here (not reproduced in 9 runs, 6 beside two busy loops): what a
      // fresh connection sees then tells a lost document from an index the store reads short.
      const found = indexed('বৈঠক')
      expect(found, filesView()).toHaveLength(10_000)
    } finally {
      release()
      stores.close()
      await walCheckpointer.close()
    }
  }, 90_000)

  test('the thread gives its heap back once its tasks pause, and the index stays whole', async () => {
    // After a fast bulk load of the archive the thread held 105 MB of heap, which V8 keeps for 8 s
    // after a thread ends (lake/store/threadTrim.ts): the bench's first queries met it.
    withAnalyzer(analyzer)
    const random = createRandom(11)
    const words = ['নির্বাচন', 'বৈঠক', 'খেলা', 'ঢাকা', 'সংসদ', 'বাজেট', 'বন্যা', 'আদালত']
    const paragraph = () =>
      Array.from({length: 60}, () => `${random.pick(words)}${random.int(0, 9999)}`).join(' ')
    const expected: string[] = []
    for (let t = 0; t < 2; t++) {
      const changes: Record<string, Partial<SanityDocument>> = {}
      for (let i = 0; i < 500; i++) {
        const id = `d${String(t * 500 + i).padStart(4, '0')}`
        const title = `${random.pick(words)} ${paragraph()}`
        if (title.startsWith('সংসদ ')) expected.push(id)
        changes[id] = {title, body: [paragraph(), paragraph(), paragraph()]}
      }
      await commit(changes)
    }
    await caughtUp()
    // Trimmed once its tasks paused (readings of its memory are not tasks that put it off).
    const deadline = Date.now() + 20_000
    let memory = await analyzer.memory()
    while (memory.trims === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      memory = await analyzer.memory()
    }
    expect(memory.trims).toBe(1)
    // 150-200 MB before, 31 MB after (2026-12-03).
    expect(memory.lastTrim!.before).toBeGreaterThan(THREAD_TRIM_ABOVE_BYTES)
    expect(memory.heapBytes).toBeLessThan(memory.lastTrim!.before / 2)
    // Nothing lost, and the thread goes on analysing.
    expect(indexed('সংসদ').filter((id) => expected.includes(id))).toEqual(expected)
    await commit({late: {title: 'সংসদ বাজেট'}})
    await caughtUp()
    expect(indexed('বাজেট')).toContain('late')
  }, 120_000)

  test('a document written again while its analysis is out stays queued and is indexed as it is now', async () => {
    // Holds each analysed batch until released, as a busy analyzer thread would.
    const held: (() => void)[] = []
    withAnalyzer({
      analyze: (task) =>
        analyzer
          .analyze(task)
          .then((batch) => new Promise((resolve) => held.push(() => resolve(batch)))),
      write: (target) => analyzer.write(target),
      alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
      close: () => analyzer.close(),
    })
    await commit({a: {title: 'বৈঠক'}})
    while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    // Analysed as 'বৈঠক'; rewritten before that result is written.
    await commit({a: {title: 'নির্বাচন'}})
    held.shift()!()
    const deadline = Date.now() + 20_000
    while (queuedNow() > 0 && Date.now() < deadline) {
      held.shift()?.()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(queuedNow()).toBe(0)
    expect(indexed('নির্বাচন')).toEqual(['a'])
    expect(indexed('বৈঠক')).toEqual([])
  })

  test('a write after the open does not wait for the documents the open queued (an index of older rules)', async () => {
    // More than the queue's bound (20,000 here, MAX_QUEUED once), each queued again when the index's rules changed. A write
    // group waits while more than that are queued (so that searches re-check few); for the
    // documents the open queued it waited too: the first write after a re-index of 130,000
    // documents was answered after 24 s.
    const many = Array.from({length: 20_100}, (_, i) => [`d${i}`, {title: 'বৈঠক'}])
    await commit(Object.fromEntries(many))
    stores.close()
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'))
    db.exec("UPDATE search_meta SET value = 'older' WHERE key = 'version'")
    db.close()
    // The thread's analyses are held until released: the queue cannot shrink meanwhile.
    const held: (() => void)[] = []
    withAnalyzer(
      {
        analyze: (task) =>
          analyzer
            .analyze(task)
            .then((batch) => new Promise((resolve) => held.push(() => resolve(batch)))),
        write: (target) => analyzer.write(target),
        alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
        close: () => analyzer.close(),
      },
      {maxQueued: 20_000},
    )
    expect(store.count()).toBe(20_100)
    expect(queuedNow()).toBe(20_100)
    // Before, this waited for the held analyses: the test's timeout is the hang guard.
    await commit({w: {title: 'নির্বাচন'}})
    expect(queuedNow()).toBe(20_101)
    const deadline = Date.now() + 60_000
    while (queuedNow() > 0 && Date.now() < deadline) {
      held.shift()?.()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(indexed('নির্বাচন')).toEqual(['w'])
  }, 90_000)

  test('a re-import after the open (its documents written again) does not make writes wait for the backlog', async () => {
    // `queued` counted each write, also of a document the open had queued already: after the
    // 20,100 queued documents were written again the store counted 40,200 queued, past
    // MAX_QUEUED over the backlog, and the next write waited for the whole backlog's indexing
    // (the queue held 20,100 all along).
    const many = Array.from({length: 20_100}, (_, i) => [`d${i}`, {title: 'বৈঠক'}])
    await commit(Object.fromEntries(many))
    stores.close()
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'))
    db.exec("UPDATE search_meta SET value = 'older' WHERE key = 'version'")
    db.close()
    // The thread's analyses are held until released: the queue cannot shrink meanwhile.
    const held: (() => void)[] = []
    withAnalyzer(
      {
        analyze: (task) =>
          analyzer
            .analyze(task)
            .then((batch) => new Promise((resolve) => held.push(() => resolve(batch)))),
        write: (target) => analyzer.write(target),
        alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
        close: () => analyzer.close(),
      },
      {maxQueued: 20_000},
    )
    await commit(Object.fromEntries(many.map(([id]) => [id, {title: 'নির্বাচন'}])))
    expect(queuedNow()).toBe(20_100)
    // Before, this waited for the held analyses: the test's timeout is the hang guard.
    await commit({w: {title: 'নির্বাচন'}})
    expect(queuedNow()).toBe(20_101)
    const deadline = Date.now() + 60_000
    while (queuedNow() > 0 && Date.now() < deadline) {
      held.shift()?.()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(indexed('বৈঠক')).toEqual([])
    expect(indexed('নির্বাচন')).toHaveLength(20_101)
  }, 90_000)

  test("new writes past the queue's bound during a re-index wait for their own documents, never for the re-index's backlog", async () => {
    // The backlog was counted with the queue, and the analyzer's batches counted both down, new
    // documents or not: once the writes after the open had queued more than MAX_QUEUED, a write
    // group waited until the whole backlog was indexed. The bounds are small here (40 queued,
    // batches of 16); the backlog's ids sort first, so before the fix the writes' wait indexed
    // all of it before they were answered.
    const backlog = Array.from({length: 3000}, (_, i) => [
      `b${String(i).padStart(4, '0')}`,
      {title: i % 3 ? 'ঢাকায় বৈঠক' : 'খেলার খবর'},
    ])
    await commit(Object.fromEntries(backlog))
    stores.close()
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'))
    db.exec("UPDATE search_meta SET value = 'older' WHERE key = 'version'")
    db.close()
    // The re-index's batches are held until the test lets one go: only while a write waits, so
    // that what the backlog has left when the writes are answered is what they waited for.
    const heldBatches: (() => void)[] = []
    let holding = true
    stores = createSqliteStores(dir, {
      analyzer: {
        analyze: (task) => {
          const batch = analyzer.analyze(task)
          if (task.source !== 'reindex') return batch
          // Held if still holding when read (one read after the last release is not held).
          return batch.then((read) =>
            holding ? new Promise((resolve) => heldBatches.push(() => resolve(read))) : read,
          )
        },
        write: (target) => analyzer.write(target),
        alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
        close: () => analyzer.close(),
      },
      maxQueued: 40,
      analyzeBatch: 16,
    })
    store = stores.get('test')
    expect(store.count()).toBe(3000)
    /** Backlog documents not indexed yet (before the fix the open queued them with the rest). */
    const backlogLeft = () => {
      const file = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
      try {
        const tables = ['search_queue', 'search_reindex'].filter((name) =>
          file.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(name),
        )
        const from = tables.map((table) => `SELECT id FROM ${table}`).join(' UNION ')
        const sql = `SELECT count(*) AS n FROM (${from}) WHERE id GLOB 'b*'`
        return Number((file.prepare(sql).get() as {n: number}).n)
      } finally {
        file.close()
      }
    }
    // Six groups of 30 new documents: past the bound of 40 from the second.
    const left: number[] = []
    for (let group = 0; group < 6; group++) {
      const docs = Array.from({length: 30}, (_, i) => [
        `n${group}.${i}`,
        {title: i % 2 ? 'বৈঠক শেষ' : 'নির্বাচন'},
      ])
      let answered = false
      const written = commit(Object.fromEntries(docs)).then(() => {
        answered = true
        left.push(backlogLeft())
      })
      // A write may wait for the batch the thread is reading: let the held ones go meanwhile.
      while (!answered) {
        heldBatches.shift()?.()
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
      await written
    }
    // Answered before the backlog was worked off, and the queue kept to its bound (plus a group).
    expect(
      left.every((n) => n > 0),
      `backlog left at each answer: ${left}`,
    ).toBe(true)
    expect(queuedNow('search_queue')).toBeLessThanOrEqual(40 + 30)
    holding = false
    for (const release of heldBatches.splice(0)) release()
    await caughtUp()
    // The index as groq-js finds: every document, old and new, by its title's words.
    const all = [...store.scan({})]
    expect(all).toHaveLength(3180)
    for (const word of ['বৈঠক', 'খেলার', 'নির্বাচন', 'শেষ']) {
      const result = await evaluate(parse('*[title match $word]._id'), {
        dataset: all,
        params: {word},
      })
      const expected = (await result.get()) as string[]
      expect(expected.length, word).toBeGreaterThan(0)
      const found = ids(store.scan({search: {column: 'tokens', text: encodeMatchText(word)}}))
      expect(found, word).toEqual([...expected].sort())
    }
  }, 90_000)

  /**
   * The store opened again with a queue bound of 2 and an analyzer whose batches wait for their
   * release (the returned list), then four documents written: the next write group is past the
   * bound and waits for the analyzer.
   */
  async function pastTheBound(): Promise<(() => void)[]> {
    const heldBatches: (() => void)[] = []
    stores.close()
    stores = createSqliteStores(dir, {
      analyzer: {
        analyze: (task) =>
          analyzer
            .analyze(task)
            .then((read) => new Promise((resolve) => heldBatches.push(() => resolve(read)))),
        write: (target) => analyzer.write(target),
        alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
        close: () => analyzer.close(),
      },
      maxQueued: 2,
    })
    store = stores.get('test')
    await commit({a: {title: 'ঢাকায়'}, b: {title: 'বৈঠক'}, c: {title: 'খেলার'}, d: {title: 'খবর'}})
    return heldBatches
  }

  test('a write queued past the bound when the store closes is answered with a 503, not left waiting', async () => {
    // The group's recount of the queue read the closed file: drain() failed (an unhandled
    // rejection, which stops the lake) and the writes behind it were never answered.
    const heldBatches = await pastTheBound()
    // Past the bound: this group waits for the analyzer's batch (held), and is a group of its own.
    const first = store.transact(() => 'first', {large: true})
    const second = commit({e: {title: 'শেষ'}})
    stores.close()
    while (heldBatches.length === 0) await new Promise((resolve) => setTimeout(resolve, 1))
    for (const release of heldBatches.splice(0)) release()
    const settled = (p: Promise<unknown>) =>
      Promise.race([
        p.then(
          () => 'answered',
          (err: unknown) => (err instanceof UnavailableError ? '503' : String(err)),
        ),
        new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2000)),
      ])
    expect(await settled(first)).toBe('answered')
    expect(await settled(second)).toBe('503')
  })

  test("a recount of the queue that fails before a write group is logged, and the group's writes are answered", async () => {
    // A write group past the bound recounts the queue outside any write's job: a failure there
    // (here SQLite's "no such table", the queue renamed by another connection) rejected drain(),
    // an unhandled rejection that ends the lake's process, and the writes it had not begun were
    // never answered.
    const heldBatches = await pastTheBound()
    const rename = (from: string, to: string) => {
      const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'))
      db.exec(`ALTER TABLE ${from} RENAME TO ${to}`)
      db.close()
    }
    rename('search_queue', 'search_queue_away')
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    const errors: string[] = []
    const error = console.error
    console.error = (...args: unknown[]) => errors.push(args.map(String).join(' '))
    try {
      const answered = await Promise.race([
        store.transact(() => 'answered'),
        new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2000)),
      ])
      expect(answered).toBe('answered')
      expect(unhandled).toEqual([])
      expect(errors[0]).toMatch(
        /filling the full-text index of "test" failed \(no such table: search_queue\)/,
      )
      rename('search_queue_away', 'search_queue')
      for (const release of heldBatches.splice(0)) release()
      await commit({e: {title: 'শেষ'}})
      const deadline = Date.now() + 20_000
      while (queuedNow() > 0 && Date.now() < deadline) {
        for (const release of heldBatches.splice(0)) release()
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      expect(queuedNow()).toBe(0)
      expect(ids(store.scan({search: {column: 'words', text: 'বৈঠক'}}))).toEqual(['b'])
      expect(unhandled).toEqual([])
    } finally {
      console.error = error
      process.off('unhandledRejection', onUnhandled)
    }
  })

  test("writes that keep the queue short but never empty leave the re-index's backlog every other batch", async () => {
    // Before 7f3392d the backlog was read only when the queue had nothing to read (or waited for a
    // fuller batch): writes that never pause kept all of it waiting, and searches re-check all of
    // it. Counted, not timed: every batch the thread reads is held until the test has written as
    // many new documents as it read from the queue, so the queue keeps two full batches.
    const backlog = Array.from({length: 200}, (_, i) => [
      `b${String(i).padStart(3, '0')}`,
      {title: i % 2 ? 'ঢাকায় বৈঠক' : 'খেলার খবর'},
    ])
    await commit(Object.fromEntries(backlog))
    stores.close()
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'))
    db.exec("UPDATE search_meta SET value = 'older' WHERE key = 'version'")
    db.close()
    const heldBatches: {source: string; read: number; release: () => void}[] = []
    const reads: {source: string; queue: number}[] = []
    let holding = true
    let reindexed = 0
    stores = createSqliteStores(dir, {
      analyzer: {
        analyze: (task) => {
          const source = task.source ?? 'queue'
          reads.push({source, queue: queuedNow('search_queue')})
          return analyzer
            .analyze(task)
            .then((batch) =>
              holding
                ? new Promise((resolve) =>
                    heldBatches.push({source, read: batch.read, release: () => resolve(batch)}),
                  )
                : batch,
            )
        },
        write: (target) =>
          analyzer.write(target).then((result) => {
            reindexed += result.reindexed
            return result
          }),
        alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
        close: () => analyzer.close(),
      },
      maxQueued: 40,
      analyzeBatch: 4,
    })
    store = stores.get('test')
    expect(store.count()).toBe(200)
    expect(queuedNow('search_reindex')).toBe(200)
    let written = 0
    const writeGroup = (size: number) => {
      const docs = Array.from({length: size}, () => [
        `n${String(written++).padStart(3, '0')}`,
        {title: written % 2 ? 'বৈঠক শেষ' : 'নির্বাচন'},
      ])
      return commit(Object.fromEntries(docs))
    }
    // Two batches first (the open's first read, of the backlog, is before any write); then what
    // each batch read from the queue is written anew before it is let go.
    await writeGroup(8)
    const from = reads.length
    const rounds = 40
    for (let round = 0; round < rounds; round++) {
      while (heldBatches.length === 0) await new Promise((resolve) => setTimeout(resolve, 1))
      const batch = heldBatches.shift()!
      if (batch.source === 'queue' && batch.read > 0) await writeGroup(batch.read)
      batch.release()
    }
    const indexedMeanwhile = reindexed
    holding = false
    for (const {release} of heldBatches.splice(0)) release()
    const during = reads.slice(from, from + rounds)
    // The writes kept the queue from emptying, and never past the bound (no write waited).
    expect(
      during.every(({queue}) => queue > 0 && queue <= 40),
      `queue at each read: ${during.map(({queue}) => queue)}`,
    ).toBe(true)
    // ... and the backlog still got its turns: about every other batch.
    const backlogReads = during.filter(({source}) => source === 'reindex').length
    expect(backlogReads, `reads: ${during.map(({source}) => source[0])}`).toBeGreaterThanOrEqual(
      rounds / 4,
    )
    expect(indexedMeanwhile, 'backlog documents indexed under the writes').toBeGreaterThan(0)
    await caughtUp()
    // The index as groq-js finds, each document indexed once.
    const all = [...store.scan({})]
    expect(all).toHaveLength(200 + written)
    for (const word of ['বৈঠক', 'খেলার', 'নির্বাচন', 'শেষ']) {
      const result = await evaluate(parse('*[title match $word]._id'), {
        dataset: all,
        params: {word},
      })
      const expected = (await result.get()) as string[]
      expect(expected.length, word).toBeGreaterThan(0)
      const found = ids(store.scan({search: {column: 'tokens', text: encodeMatchText(word)}}))
      expect(found, word).toEqual([...expected].sort())
    }
  }, 90_000)

  test("a write group waits for the thread's write of the index rows, without an error or a lost row", async () => {
    // SQLite's WAL has one writer: the event loop must neither fail with SQLITE_BUSY nor sleep in
    // SQLite's busy handler while the thread writes, so the group opens once the write has ended.
    let release: () => void = () => {}
    let writes = 0
    withAnalyzer({
      analyze: (task) => analyzer.analyze(task),
      write: (target) => {
        writes++
        return new Promise<void>((resolve) => (release = resolve)).then(() =>
          analyzer.write(target),
        )
      },
      alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
      close: () => analyzer.close(),
    })
    await commit({a: {title: 'বৈঠক'}})
    while (writes === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    let stored = false
    const next = commit({b: {title: 'খেলা'}}).then(() => (stored = true))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(stored).toBe(false)
    release()
    await next
    const deadline = Date.now() + 20_000
    while (queuedNow() > 0 && Date.now() < deadline) {
      release()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(indexed('বৈঠক')).toEqual(['a'])
    expect(indexed('খেলা')).toEqual(['b'])
  })

  test('while writes keep coming, the thread reads the queue in batches, not a write group at a time', async () => {
    // Each batch costs the thread two tasks, a COMMIT and a full-text segment of its own.
    const reads: number[] = []
    stores.close()
    stores = createSqliteStores(dir, {
      analyzer: {
        analyze: (task) =>
          analyzer.analyze(task).then((batch) => {
            reads.push(batch.read)
            return batch
          }),
        write: (target) => analyzer.write(target),
        alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
        close: () => analyzer.close(),
      },
      // No disk in the way: the groups follow each other as fast as they are written.
      syncWal: (_fd, done) => setImmediate(() => done(null)),
    })
    store = stores.get('test')
    // The thread's first task starts it.
    await commit({first: {title: 'বৈঠক'}})
    await caughtUp()
    // The rule reads once the writes pause (ANALYZE_PAUSE_MS) or the oldest unread write has
    // waited ANALYZE_MAX_WAIT_MS: the reads it allows are counted from the commits as they came
    // here, so a loaded machine's stalls between them are not counted against the analyzer.
    // Reading at every write group made 22 reads where the rule allows 2 (0.13-0.2 s of writes,
    // load 14). A run whose writes were stalled so much that the rule allows a read for every
    // other group shows nothing, and is run again (at load 34, 12 reads where 31 were allowed).
    const GROUPS = 20
    let measured = ''
    let allowed = Infinity
    for (let run = 0; run < 3 && allowed >= GROUPS / 2; run++) {
      reads.length = 0
      const committed: number[] = []
      // Groups one after another, as requests arrive: 100 documents in about 100 ms.
      for (let group = 0; group < GROUPS; group++) {
        await Promise.all(
          Array.from({length: 5}, (_, i) =>
            commit({[`d${run}.${group}.${i}`]: {title: 'বৈঠক'}}).then(() =>
              committed.push(performance.now()),
            ),
          ),
        )
        // Not a timer: a loaded machine stretched its 5 ms to a pause the rule reads after.
        await new Promise((resolve) => setImmediate(resolve))
      }
      await caughtUp()
      expect(indexed('বৈঠক')).toHaveLength(1 + 100 * (run + 1))
      committed.sort((a, b) => a - b)
      // A little under the pause, as these times are taken just after the store's own.
      const pauses = committed
        .slice(1)
        .filter((at, i) => at - committed[i] >= ANALYZE_PAUSE_MS * 0.8).length
      const span = committed.at(-1)! - committed[0]
      // One read for the first group (it follows a pause: the catching up before the run), one
      // after the last, one for each pause between and each longest wait the writes spanned.
      allowed = 2 + pauses + Math.floor(span / ANALYZE_MAX_WAIT_MS)
      measured = `${reads.length} reads (${reads.join(' ')}); ${allowed} allowed (${pauses} pauses, ${Math.round(span)} ms)`
      expect(reads.length, measured).toBeLessThanOrEqual(allowed)
    }
    expect(allowed, `every run stalled: ${measured}`).toBeLessThan(GROUPS / 2)
    // Up to three runs of 100 writes: 3-7 s each at load 34.
  }, 120_000)

  test('a document with a 7-million-character word is indexed, and so is every document after it', async () => {
    // The word split threw "Maximum call stack size exceeded": the thread's batch failed every
    // second, for good, and every document written after it stayed unindexed.
    withAnalyzer(analyzer)
    const word = 'ক'.repeat(7_000_000)
    await commit({huge: {body: `শুরু ${word}`}})
    await commit({b: {title: 'খেলা'}})
    await caughtUp()
    expect(indexed('খেলা')).toEqual(['b'])
    expect(indexed('শুরু')).toEqual(['huge'])
    // Kept as its first MAX_TERM units, which a longer term's lookup reads as a prefix.
    expect(indexed('ক'.repeat(1000))).toEqual(['huge'])
    expect(indexed('ক'.repeat(10))).toEqual([])
    const tokens = (text: string) => ids(store.scan({search: {column: 'tokens', text}}))
    expect(tokens(encodeMatchText(word.slice(0, 2000)))).toEqual(['huge'])
    expect(tokens(encodeMatchText('খেলা'))).toEqual(['b'])
  }, 120_000)

  test('while the analyzer fails, write groups do not wait for it, however long the queue', async () => {
    // Past the queue's bound (20,000 here, MAX_QUEUED once) a write group waits for the analyzer's next batch; a failing one
    // made every group wait for another failing try (a 7-million-character word: 3-4 s each).
    let analyses = 0
    withAnalyzer(
      {
        analyze: async () => {
          analyses++
          await new Promise((resolve) => setTimeout(resolve, 100))
          throw new Error('the analysis failed')
        },
        write: (target) => analyzer.write(target),
        alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
        close: () => analyzer.close(),
      },
      {maxQueued: 20_000},
    )
    const errors: unknown[][] = []
    const error = console.error
    console.error = (...args: unknown[]) => errors.push(args)
    try {
      const many = Array.from({length: 20_001}, (_, i) => [`d${i}`, {title: 'খেলা'}])
      await commit(Object.fromEntries(many))
      while (errors.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
      const tried = analyses
      await commit({late: {title: 'খেলা'}})
      await commit({later: {title: 'খেলা'}})
      expect(analyses).toBe(tried)
      // The retries go on, on their timer, and the failure is said once.
      await new Promise((resolve) => setTimeout(resolve, 2500))
      expect(analyses).toBeGreaterThan(tried)
      expect(errors).toHaveLength(1)
    } finally {
      console.error = error
    }
  })

  test("a failure after the analyzer's answer (the queue's count) is logged and retried, not an unhandled rejection", async () => {
    // The analyzer's success handlers ran outside the .then's failure handler: a read there that
    // failed (here SQLite's "no such table", the queue renamed by another connection between the
    // thread's batch and the count) rejected a promise nobody awaited, which ends a Node process,
    // and no retry was scheduled.
    const file = join(dir, 'datasets', 'test.sqlite')
    const other = () => new DatabaseSync(file)
    let renamed = false
    withAnalyzer({
      analyze: (task) =>
        analyzer.analyze(task).then((batch) => {
          // The batch that found the queue's end: the store counts the queue next.
          if (batch.read === 0 && !renamed) {
            renamed = true
            const db = other()
            db.exec('ALTER TABLE search_queue RENAME TO search_queue_away')
            db.close()
          }
          return batch
        }),
      write: (target) => analyzer.write(target),
      alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
      close: () => analyzer.close(),
    })
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    const errors: string[] = []
    const error = console.error
    console.error = (...args: unknown[]) => errors.push(args.map(String).join(' '))
    try {
      // Written twice before its analysis: counted twice, queued once, so a second batch finds
      // the queue's end and the store counts it.
      await commit({a: {title: 'বৈঠক'}})
      await commit({a: {title: 'ঢাকায় বৈঠক'}})
      const deadline = Date.now() + 20_000
      while (errors.length === 0 && unhandled.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      expect(unhandled).toEqual([])
      expect(errors).toEqual([
        expect.stringMatching(
          /filling the full-text index of "test" failed \(no such table: search_queue\); retrying/,
        ),
      ])
      const db = other()
      db.exec('ALTER TABLE search_queue_away RENAME TO search_queue')
      db.close()
      // The retry counts the queue again, and the index goes on.
      await commit({b: {title: 'নির্বাচন'}})
      await caughtUp()
      expect(indexed('বৈঠক')).toEqual(['a'])
      expect(indexed('নির্বাচন')).toEqual(['b'])
      expect(unhandled).toEqual([])
    } finally {
      console.error = error
      process.off('unhandledRejection', onUnhandled)
    }
  })

  test('documents left queued by a stopped lake are analysed after the next open', async () => {
    await commit({a: {title: 'বৈঠক'}, b: {title: 'খেলা'}})
    stores.close()
    expect(queuedNow()).toBe(2)
    withAnalyzer(analyzer)
    // The file is opened on first use.
    expect(store.count()).toBe(2)
    await caughtUp()
    expect(indexed('বৈঠক')).toEqual(['a'])
  })

  test('the WAL is emptied once the analysed rows are written and writes pause', async () => {
    // The last batch's rows were written after the idle checkpoint had run, and nothing asked
    // for another: a bulk-loaded archive kept 8 MB of WAL at rest (counted in the data file).
    stores.close()
    stores = createSqliteStores(dir, {analyzer, idleCheckpointMs: 50})
    store = stores.get('test')
    const wal = join(dir, 'datasets', 'test.sqlite-wal')
    await commit({a: {title: 'বৈঠক'}, b: {title: 'খেলা'}})
    await caughtUp()
    const deadline = Date.now() + 5000
    while (statSync(wal).size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(statSync(wal).size).toBe(0)
    expect(indexed('বৈঠক')).toEqual(['a'])
  })

  test('the thread ends once the queue has been empty a while, and comes back for the next write', async () => {
    // A bulk load's analysis left the thread holding its heap (45-80 MB) through what came next.
    const threads = () => readdirSync('/proc/self/task').length
    withAnalyzer(analyzer)
    await commit({a: {title: 'বৈঠক'}})
    await caughtUp()
    const working = threads()
    const deadline = Date.now() + 10_000
    while (threads() >= working && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(threads()).toBe(working - 1)
    await commit({b: {title: 'খেলা'}})
    await caughtUp()
    expect(indexed('খেলা')).toEqual(['b'])
  })
})

describe('write-ahead log', () => {
  test('stays bounded through a bulk load instead of keeping its largest size', async () => {
    const body = 'সংবাদ '.repeat(500)
    for (let t = 0; t < 40; t++) {
      await commit(Object.fromEntries(Array.from({length: 50}, (_, i) => [`d${t}-${i}`, {body}])))
    }
    const file = join(dir, 'datasets', 'test.sqlite')
    const {statSync} = await import('node:fs')
    const documents = 40 * 50 * Buffer.byteLength(body)
    expect(documents).toBeGreaterThan(14_000_000)
    // The documents passed through the WAL; it holds at most the last checkpoint interval and
    // one transaction (about 0.45 MB here).
    expect(statSync(`${file}-wal`).size).toBeLessThan(10_000_000)
    expect(statSync(file).size).toBeGreaterThan(documents * 0.5)
  })

  test('is emptied once writes pause and the full-text index has caught up', async () => {
    stores.close()
    stores = createSqliteStores(dir, {idleCheckpointMs: 50})
    store = stores.get('test')
    const {statSync} = await import('node:fs')
    const wal = join(dir, 'datasets', 'test.sqlite-wal')
    await commit({a: {title: 'বৈঠক'}, b: {title: 'খেলা'}})
    expect(statSync(wal).size).toBeGreaterThan(0)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(statSync(wal).size).toBe(0)
    // Nothing was lost on the way into the file.
    expect(ids(store.scan({search: {column: 'words', text: 'বৈঠক'}}))).toEqual(['a'])
    await commit({c: {}})
    expect(ids(store.scan())).toEqual(['a', 'b', 'c'])
  })

  test('once writes pause, the store tells the heap trimmer, which may give the heap back', async () => {
    // After a fast bulk load the event loop's heap kept 100-280 MB of emptied pages through the
    // queries that followed (store/heapTrim.ts): the idle moment is when they can go.
    stores.close()
    let told = 0
    stores = createSqliteStores(dir, {idleCheckpointMs: 50, heapTrim: {idle: () => void told++}})
    store = stores.get('test')
    await commit({a: {title: 'বৈঠক'}})
    const deadline = Date.now() + 5000
    while (told === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(told).toBe(1)
    // Nothing more until the next burst of writes.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(told).toBe(1)
    await commit({b: {title: 'খেলা'}})
    while (told === 1 && Date.now() < deadline + 5000) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(told).toBe(2)
  })

  test('a heap trim that throws is logged, and the WAL is emptied all the same', async () => {
    // The trim runs from the idle checkpoint's timer: a throw there ended the lake's process
    // ("gc is not defined", 2026-12-04) and, caught by nobody, skipped the checkpoint too.
    stores.close()
    const errors: string[] = []
    const logged = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args.map(String).join(' '))
    })
    const thrown: unknown[] = []
    const uncaught = (err: unknown) => thrown.push(err)
    process.prependListener('uncaughtException', uncaught)
    try {
      stores = createSqliteStores(dir, {
        idleCheckpointMs: 50,
        heapTrim: {
          idle: () => {
            throw new ReferenceError('gc is not defined')
          },
        },
      })
      store = stores.get('test')
      const wal = join(dir, 'datasets', 'test.sqlite-wal')
      await commit({a: {title: 'বৈঠক'}})
      const deadline = Date.now() + 5000
      while (statSync(wal).size > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(thrown).toEqual([])
      expect(statSync(wal).size).toBe(0)
      expect(errors.join('\n')).toMatch(/heap.*gc is not defined/)
      await commit({b: {}})
      expect(ids(store.scan())).toEqual(['a', 'b'])
    } finally {
      process.off('uncaughtException', uncaught)
      logged.mockRestore()
    }
  })

  test('the WAL is emptied once a reader that held it back has finished', async () => {
    stores.close()
    stores = createSqliteStores(dir, {idleCheckpointMs: 50})
    store = stores.get('test')
    const wal = join(dir, 'datasets', 'test.sqlite-wal')
    await commit({a: {title: 'বৈঠক'}})
    // A reader mid-snapshot (a query thread's export page, say) when the lake goes idle.
    const reader = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
    reader.exec('BEGIN')
    reader.prepare('SELECT count(*) FROM documents').get()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(statSync(wal).size).toBeGreaterThan(0)
    reader.exec('COMMIT')
    reader.close()
    const deadline = Date.now() + 5000
    while (statSync(wal).size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(statSync(wal).size).toBe(0)
  })
})

describe('write-ahead log checkpointed on another thread', () => {
  let checkpointer: WalCheckpointer
  beforeEach(() => {
    checkpointer = createWalCheckpointer()
  })
  afterEach(() => checkpointer.close())

  /**
   * A checkpointer whose checkpoints wait until the test lets each go: with `answer`, or on the
   * real thread (go() returns once it is done).
   */
  /** `note` is called as each checkpoint is asked, its answer kept with it (`noted`). */
  function heldCheckpointer(note?: () => unknown) {
    const held: {
      task: CheckpointTask
      noted?: unknown
      go: (answer?: CheckpointResult) => Promise<unknown>
    }[] = []
    const holding: WalCheckpointer = {
      checkpoint: (task) =>
        new Promise((resolve) => {
          held.push({
            task,
            noted: note?.(),
            go: async (answer) => resolve(answer ?? (await checkpointer.checkpoint(task))),
          })
        }),
      close: () => checkpointer.close(),
    }
    stores.close()
    stores = createSqliteStores(dir, {checkpointer: holding})
    store = stores.get('test')
    return held
  }
  const wal = () => statSync(join(dir, 'datasets', 'test.sqlite-wal')).size
  const WAL_BYTES = 512 * 16384
  /** Frames past which the next write group waits for a quiet checkpoint (64 MB of pages). */
  const MAX_WAL_FRAMES = 4096

  test('a COMMIT leaves copying the log into the file to the thread', async () => {
    // SQLite's own checkpoint ran in the COMMIT past 512 pages: two fsyncs on the event loop.
    const held = heldCheckpointer()
    const body = 'সংবাদ '.repeat(500)
    let written = 0
    // A WAL frame is a page and its 24-byte header, after the file's 32-byte header.
    do {
      const t = written / 50
      await commit(Object.fromEntries(Array.from({length: 50}, (_, i) => [`d${t}-${i}`, {body}])))
      written += 50
    } while (wal() <= 32 + MAX_WAL_FRAMES * (16384 + 24) && written < 10_000)
    // Nothing copied the log meanwhile: it holds every write.
    expect(wal()).toBeGreaterThan(32 + MAX_WAL_FRAMES * (16384 + 24))
    expect(held.length).toBe(1)
    expect(held[0].task.path).toBe(join(dir, 'datasets', 'test.sqlite'))
    await held[0].go()
    // It found more than 64 MB of log: the next group waits for a checkpoint with no write beside
    // it, and then starts the log over, writing over the file's first frames: the file keeps its
    // size. Cut back to 8 MB at each start, a bulk load wrote into new space after every start,
    // which the kernel allocated and zeroed again (27 % of the event loop's time in pwrite at the
    // archive's size, against 9 %).
    const before = wal()
    const next = commit({after: {}})
    while (held.length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
    await held[1].go()
    await next
    expect(wal()).toBe(before)
    expect(store.count()).toBe(written + 1)
  })

  test('a log under 64 MB does not make the next write group wait: one checkpoint covers several groups', async () => {
    // At 100,000 documents a bulk load's group of 1,000 writes about 1,560 frames; with a bound of
    // 16 MB (1,024 frames) every group waited for a checkpoint of its own. Judged by what the store
    // did, not by how soon: a checkpoint asked before the next group's write is one it waited for
    // (after it, the periodic one; the idle one, truncating, also comes after a pause on a loaded
    // machine). Each is let go as it comes, so a wait ends and the test says which it was.
    const held = heldCheckpointer(() => store.getDocuments(['b'])[0] !== null)
    await commit({a: {}})
    expect(held.length).toBe(1)
    await held[0].go({busy: false, log: 3_000, checkpointed: 1_500})
    await new Promise((resolve) => setImmediate(resolve))
    let written = false
    const next = commit({b: {}}).then(() => (written = true))
    let released = 1
    while (!written) {
      for (const checkpoint of held.slice(released)) void checkpoint.go()
      released = held.length
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await next
    const before = held.slice(1).filter(({task, noted}) => !task.truncate && noted === false)
    expect(before.length, 'checkpoints asked before the next group wrote').toBe(0)
    expect(ids(store.scan())).toEqual(['a', 'b'])
  })

  test('a log that has not started over for long makes the next write group wait for a checkpoint', async () => {
    const held = heldCheckpointer()
    await commit({a: {}})
    expect(held.length).toBe(1)
    // The checkpoint found 10,000 frames and could copy only half (a reader on an old snapshot,
    // say, or writes that never paused).
    held[0].go({busy: false, log: 10_000, checkpointed: 5_000})
    await new Promise((resolve) => setTimeout(resolve, 10))
    let written = false
    const next = commit({b: {}}).then(() => (written = true))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(held.length).toBe(2)
    expect(written).toBe(false)
    expect(store.getDocuments(['b'])).toEqual([null])
    held[1].go({busy: false, log: 10_000, checkpointed: 10_000})
    await next
    expect(ids(store.scan())).toEqual(['a', 'b'])
  })
  test('the idle checkpoint that empties the log runs on the thread, and a write group waits for it', async () => {
    // On the event loop, after a 20 MB write (40 MB of log or more), it held every request for
    // about 150 ms (load 30).
    const held: {task: CheckpointTask; go: () => Promise<unknown>}[] = []
    stores.close()
    stores = createSqliteStores(dir, {
      idleCheckpointMs: 50,
      checkpointer: {
        checkpoint: (task) =>
          new Promise((resolve) => {
            held.push({task, go: async () => resolve(await checkpointer.checkpoint(task))})
          }),
        close: () => checkpointer.close(),
      },
    })
    store = stores.get('test')
    const truncating = async () => {
      const deadline = Date.now() + 5000
      for (;;) {
        const found = held.find((checkpoint) => checkpoint.task.truncate)
        if (found || Date.now() > deadline) return found
        // The group's own (passive) checkpoints go as they come.
        for (const checkpoint of held.splice(0)) void checkpoint.go()
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
    await commit({a: {body: 'সংবাদ '.repeat(400_000)}})
    const idle = await truncating()
    expect(idle, 'the idle checkpoint was asked of the thread').toBeDefined()
    // The event loop left it to the thread: the log is still there until the thread runs it.
    expect(wal()).toBeGreaterThan(WAL_BYTES / 4)
    await idle!.go()
    expect(wal()).toBe(0)
    held.splice(0)
    // A write group that comes while the thread holds the write lock waits for it (rather than in
    // SQLite's busy handler, on the event loop).
    await commit({b: {body: 'খেলা '.repeat(100_000)}})
    const next = await truncating()
    expect(next).toBeDefined()
    let written = false
    const writing = commit({c: {}}).then(() => (written = true))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(written).toBe(false)
    await next!.go()
    await writing
    expect(ids(store.scan())).toEqual(['a', 'b', 'c'])
  })
  test("the checkpoint a write group waits for has none of the index thread's writes beside it", async () => {
    // A write beside it kept the log from starting over: under a bulk load of the archive the WAL
    // grew to 1.6 GB.
    const analyzer = createSearchAnalyzer()
    const checkpoints: {task: CheckpointTask; go: (answer?: CheckpointResult) => void}[] = []
    const analyses: (() => void)[] = []
    let writes = 0
    stores.close()
    stores = createSqliteStores(dir, {
      checkpointer: {
        checkpoint: (task) =>
          new Promise((resolve) => {
            checkpoints.push({
              task,
              go: (answer) =>
                void (answer ? resolve(answer) : checkpointer.checkpoint(task).then(resolve)),
            })
          }),
        close: () => checkpointer.close(),
      },
      analyzer: {
        // Each analysed batch comes back when the test lets it.
        analyze: (task) =>
          analyzer
            .analyze(task)
            .then((batch) => new Promise((resolve) => analyses.push(() => resolve(batch)))),
        write: (target) => {
          writes++
          return analyzer.write(target)
        },
        alterSchema: (target, sql) => analyzer.alterSchema(target, sql),
        close: () => analyzer.close(),
      },
    })
    store = stores.get('test')
    try {
      await commit({a: {title: 'বৈঠক'}})
      while (analyses.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
      // The log did not start over at the last checkpoint: the next group waits for one.
      checkpoints[0].go({busy: false, log: 10_000, checkpointed: 5_000})
      await new Promise((resolve) => setTimeout(resolve, 10))
      const next = commit({b: {title: 'খেলা'}})
      await new Promise((resolve) => setTimeout(resolve, 20))
      // The analysis of `a` comes back while the group waits: the thread holds a row to write.
      const before = writes
      analyses.shift()!()
      while (checkpoints.length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(writes).toBe(before)
      checkpoints[1].go({busy: false, log: 10_000, checkpointed: 10_000})
      await next
      // Nothing was lost: once the group is written the thread writes again and the index catches up.
      const deadline = Date.now() + 20_000
      while (queuedNow() > 0 && Date.now() < deadline) {
        analyses.shift()?.()
        for (const checkpoint of checkpoints.splice(2)) checkpoint.go()
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      expect(queuedNow()).toBe(0)
      expect(writes).toBeGreaterThan(before)
      expect(ids(store.scan({search: {column: 'words', text: 'খেলা'}}))).toEqual(['b'])
    } finally {
      stores.close()
      await analyzer.close()
    }
  })
})

describe('expression indexes: the budget and dropping', () => {
  /** The attribute names the dataset file's expression indexes are on. */
  function indexedFields(): string[] {
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'), {readOnly: true})
    try {
      const rows = db
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'attr_%'")
        .all() as {sql: string}[]
      return rows.map((row) => /'\$\."([^"]*)"'/.exec(row.sql)![1]).sort()
    } finally {
      db.close()
    }
  }
  /** What the dataset service does for a signed-in caller's query filtering on `field`. */
  const use = (field: string, times = 1) => {
    for (let i = 0; i < times; i++) store.indexAttributes([[field]])
  }
  /** A restart of the lake: what was used is forgotten, the indexes stay. */
  function restart(options: Parameters<typeof createSqliteStores>[1] = {}) {
    stores.close()
    stores = createSqliteStores(dir, options)
    store = stores.get('test')
    store.count()
  }
  const range = (prefix: string, from: number, to: number) =>
    Array.from({length: to - from}, (_, i) => `${prefix}${from + i}`)

  test('at most 8 new ones a run, 32 in all; when full, only one unused since the start is dropped', async () => {
    await commit({a: {f0: 'x'}})
    // One run: ten paths each used twice, but only eight indexes.
    for (const field of range('f', 0, 10)) use(field, 2)
    expect(indexedFields()).toEqual(range('f', 0, 8).sort())
    for (let run = 1; run < 4; run++) {
      restart()
      for (const field of range('f', 8 * run, 8 * run + 8)) use(field, 2)
    }
    expect(indexedFields()).toHaveLength(32)
    // Full. After a restart every query but f31's comes again; a new path replaces f31's index.
    restart()
    for (const field of range('f', 0, 31)) use(field)
    use('g0', 2)
    expect(indexedFields()).toEqual([...range('f', 0, 31), 'g0'].sort())
    // Every index has been used since the start: nothing is dropped, the new path gets none.
    use('g1', 2)
    expect(indexedFields()).toEqual([...range('f', 0, 31), 'g0'].sort())
    // Results stay right through indexes made and dropped.
    expect(ids(store.scan({attributes: [{path: ['f0'], values: ['x']}]}))).toEqual(['a'])
  })

  test('the paths counted are bounded, however many a caller names; the latest stay counted', async () => {
    await commit({a: {f0: 'x'}})
    // An editor's queries may filter on any path: each was counted for the lake's life.
    const field = (i: number) => `p${i}${'x'.repeat(i % 64)}`
    for (let i = 0; i < 3 * ATTRIBUTE_USES.entries; i++) use(field(i))
    const noted = (store as SqliteStore).attributesNoted()
    expect(noted.paths).toBeLessThanOrEqual(ATTRIBUTE_USES.entries)
    expect(noted.chars).toBeLessThanOrEqual(ATTRIBUTE_USES.weight)
    // One used among the latest is still counted: its second use makes its index.
    use(field(3 * ATTRIBUTE_USES.entries - 1))
    expect(indexedFields()).toEqual([field(3 * ATTRIBUTE_USES.entries - 1)])
  })

  // The dataset service declares its indexes as the folder opens (prepare), before any query has
  // shown which learnt ones are in use: counted in the 32, a declaration new to a full folder
  // evicted a learnt index, any one, however much the last run's queries read it.
  test('a declared index at opening evicts no learnt one: declared ones are not counted in the 32', async () => {
    await commit({a: {f0: 'x', position: 1}})
    for (let run = 0; run < 4; run++) {
      restart()
      for (const field of range('f', 8 * run, 8 * run + 8)) use(field, 2)
    }
    expect(indexedFields()).toEqual(range('f', 0, 32).sort())
    restart()
    store.indexAttributes([['d0']], {declared: true})
    store.indexOrders([{path: ['position'], desc: true}], {declared: true})
    expect(indexedFields()).toEqual([...range('f', 0, 32), 'd0', 'position'].sort())
    // Still 32 learnt: a new learnt path takes the place of one unused since the start (f31),
    // never a declared one (used here only by their declaration).
    for (const field of range('f', 0, 31)) use(field)
    use('g0', 2)
    expect(indexedFields()).toEqual([...range('f', 0, 31), 'g0', 'd0', 'position'].sort())
    use('g1', 2)
    expect(indexedFields()).toEqual([...range('f', 0, 31), 'g0', 'd0', 'position'].sort())
    expect(ids(store.scan({attributes: [{path: ['d0'], values: ['x']}]}))).toEqual([])
    expect(ids(store.scan({types: ['t'], order: [{path: ['position'], desc: true}]}))).toEqual([
      'a',
    ])
  })

  // Learnt before order indexes ended with the document group: SQLite sorts the ties of a read
  // off it, so no read seeks it, yet every write kept it up and it held a place of the 32.
  test('an order index of the old form (type, kind, value) is dropped when the folder opens', async () => {
    await commit({a: {position: 1}})
    store.indexAttributes([['d0']], {declared: true})
    store.indexOrders([{path: ['position'], desc: false}], {declared: true})
    expect(indexedFields()).toEqual(['d0', 'position'])
    stores.close()
    const db = new DatabaseSync(join(dir, 'datasets', 'test.sqlite'))
    const columns = orderIndexColumns(['title'])
    const oldForm = columns.slice(0, columns.indexOf(', CASE WHEN id >='))
    db.exec(`CREATE INDEX attr_0ld0rder ON documents (${oldForm})`)
    // As a lake before the drop left the folder: the migration, and those after it, not yet run.
    db.exec(
      "DELETE FROM migrations WHERE version >= (SELECT version FROM migrations WHERE name = 'order indexes without the document group dropped')",
    )
    db.close()
    expect(indexedFields()).toEqual(['d0', 'position', 'title'])
    restart()
    expect(indexedFields()).toEqual(['d0', 'position'])
    expect(ids(store.scan({types: ['t'], order: [{path: ['position'], desc: false}]}))).toEqual([
      'a',
    ])
  })

  test('declared paths are indexed at once and do not count against the run', async () => {
    await commit({a: {f0: 'x'}})
    store.indexAttributes([['d0'], ['d1']], {declared: true})
    for (const field of range('f', 0, 8)) use(field, 2)
    expect(indexedFields()).toEqual(['d0', 'd1', ...range('f', 0, 8)].sort())
  })

  test("with the analyzer's thread, the index is built there and writes wait for it without blocking", async () => {
    const analyzer = createSearchAnalyzer()
    let release: () => void = () => {}
    let builds = 0
    try {
      restart({
        analyzer: {
          analyze: (task) => analyzer.analyze(task),
          write: (target) => analyzer.write(target),
          alterSchema: (target, sql) => {
            builds++
            return new Promise<void>((resolve) => (release = resolve)).then(() =>
              analyzer.alterSchema(target, sql),
            )
          },
          close: () => analyzer.close(),
        },
      })
      await commit({a: {f0: 'x'}})
      use('f0', 2)
      // Nothing was built on this thread: the thread is asked (once the analyzer's batch is done)
      // and the index comes when it is let go.
      expect(indexedFields()).toEqual([])
      const deadline = Date.now() + 10_000
      while (builds === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      expect(builds).toBe(1)
      expect(indexedFields()).toEqual([])
      let stored = false
      const next = commit({b: {f0: 'y'}}).then(() => (stored = true))
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(stored).toBe(false)
      release()
      await next
      expect(indexedFields()).toEqual(['f0'])
      expect(ids(store.scan({attributes: [{path: ['f0'], values: ['y']}]}))).toEqual(['b'])
    } finally {
      stores.close()
      await analyzer.close()
      stores = createSqliteStores(dir)
    }
  })
})

describe('stores of datasets never written', () => {
  test('a forgotten store is let go; one held by a request is found again, not made twice', () => {
    const read = stores.get('onlyread')
    expect(read.getDocuments(['a'])).toEqual([null])
    expect(stores.exists('onlyread')).toBe(false)
    expect(stores.forget('onlyread')).toBe(true)
    // `read` is still held here (a request running on it): the same store comes back.
    expect(stores.get('onlyread')).toBe(read)
    expect(existsSync(join(dir, 'datasets', 'onlyread.sqlite'))).toBe(false)
  })

  test('a store with a write queued, or a file, is kept', async () => {
    const writing = stores.get('fresh')
    const written = writing.transact(() => 'queued')
    expect(stores.forget('fresh')).toBe(false)
    await written
    expect(stores.forget('test')).toBe(true)
    commit({a: {_type: 'article'}})
    await store.transact(() => null)
    expect(stores.exists('test')).toBe(true)
    // Written while forgotten (a request held it): found again, and kept from now on.
    expect(stores.get('test')).toBe(store)
    expect(stores.forget('test')).toBe(false)
  })
})

describe('opening a data file', () => {
  test('waits for another process holding the file (a lake stopping) instead of failing at once', async () => {
    await commit({a: {title: 'খবর'}})
    stores.close()
    // A stopping lake's last connection folds the WAL in under an exclusive lock. The store read
    // the file (`PRAGMA journal_mode`) before its busy timeout was set: "database is locked".
    const file = join(dir, 'datasets', 'test.sqlite')
    const {exited} = await holdExclusively(file, 'search_queue')
    stores = createSqliteStores(dir)
    store = stores.get('test')
    expect(store.getDocuments(['a'])[0]).toMatchObject({title: 'খবর'})
    await exited
  })
})
