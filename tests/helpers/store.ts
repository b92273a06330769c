/** Stores for tests that read the query engine without a lake: SQLite in memory; a data file's rows. */
import {DatabaseSync} from 'node:sqlite'
import {createMendozaPatch} from '../../lake/core/mendoza.ts'
import type {Store} from '../../lake/core/store.ts'
import {withoutRev} from '../../lake/core/transaction.ts'
import type {CommittedTransaction, SanityDocument} from '../../lake/core/types.ts'
import {createSqliteStore} from '../../lake/store/sqliteStore.ts'

/** An in-memory store holding `docs`, written in one transaction (their `_rev` becomes `tx1`). */
export async function memoryStore(
  docs: readonly SanityDocument[],
): Promise<ReturnType<typeof createSqliteStore>> {
  const store = createSqliteStore(':memory:', 'test')
  await store.transact((writer) => writer.commit(creating('tx1', docs)))
  return store
}

/** A transaction `rev` of dataset `test` writing `docs` whole (their `_rev` becomes `rev`). */
export function creating(rev: string, docs: readonly SanityDocument[]): CommittedTransaction {
  return {
    id: rev,
    dataset: 'test',
    timestamp: '2026-01-01T00:00:00.000Z',
    identity: 'test',
    changes: docs.map((doc) => ({
      id: doc._id,
      before: null,
      after: {...doc, _rev: rev},
      mutations: [],
      effects: {apply: [], revert: []},
    })),
  }
}

/**
 * Commits `states` (each document's new state, null deleting it) to `store` as transaction `id`
 * of dataset `test`, at second `second` of 2026, each change with its mendoza effects; resolves to
 * the transaction.
 */
export function commitStates(
  store: Pick<Store, 'getDocuments' | 'transact'>,
  states: Record<string, Partial<SanityDocument> | null>,
  at: {id: string; second: number; identity?: string},
): Promise<CommittedTransaction> {
  const {id} = at
  const timestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, at.second)).toISOString()
  const tx: CommittedTransaction = {
    id,
    dataset: 'test',
    timestamp,
    identity: at.identity ?? 'pA',
    changes: Object.entries(states).map(([docId, state]) => {
      const before = store.getDocuments([docId])[0]
      const after = state
        ? ({_id: docId, _type: 't', ...state, _rev: id, _updatedAt: timestamp} as SanityDocument)
        : null
      return {
        id: docId,
        before,
        after,
        mutations: [{patch: {id: docId}}],
        effects: {
          apply: createMendozaPatch(withoutRev(before), withoutRev(after)),
          revert: createMendozaPatch(withoutRev(after), withoutRev(before)),
        },
      }
    }),
  }
  return store.transact((writer) => writer.commit(tx)).then(() => tx)
}

/**
 * `store`, counting the document bodies read through it (by id or by scan; a scan's stand-ins,
 * asked for with paths, hold no body and are not counted) and the rows its selections yielded
 * (`rows`; side-table rows, which hold no body).
 */
export function countingBodies(store: Store): {
  store: Store
  parsed: () => number
  rows: () => number
  reset(): void
} {
  let parsed = 0
  let rows = 0
  const counting = Object.assign(Object.create(store) as Store, {
    getDocuments(ids: readonly string[]) {
      parsed += ids.length
      return store.getDocuments(ids)
    },
    *scan(hint: never, paths?: never) {
      for (const doc of store.scan(hint, paths)) {
        if (!paths) parsed++
        yield doc
      }
    },
    *select(selection: never) {
      for (const row of store.select(selection)) {
        rows++
        yield row
      }
    },
  })
  return {
    store: counting,
    parsed: () => parsed,
    rows: () => rows,
    reset: () => void (parsed = rows = 0),
  }
}

/** The transaction a writer commits creating the article `a` ("a word") in `dataset`, as its first write. */
export function firstArticle(dataset: string): CommittedTransaction {
  const doc = {_id: 'a', _type: 'article', _rev: 'tx-first', title: 'a word'}
  return {
    id: 'tx-first',
    dataset,
    timestamp: new Date().toISOString(),
    identity: 'pA',
    changes: [
      {
        id: 'a',
        before: null,
        after: doc,
        mutations: [{create: doc}],
        effects: {apply: [0, doc], revert: [0, null]},
      },
    ],
  }
}

/** Every row a commit writes to the data file at `path`, as SQLite holds it, table by table. */
export function committedRows(path: string) {
  const db = new DatabaseSync(path, {readOnly: true})
  try {
    const dump = (sql: string) => JSON.stringify(db.prepare(sql).all())
    return {
      documents: dump('SELECT rowid, id, json(body) AS body FROM documents ORDER BY rowid'),
      fields: dump('SELECT * FROM fields ORDER BY id'),
      refs: dump('SELECT * FROM refs ORDER BY target, source'),
      counts: dump('SELECT * FROM type_counts ORDER BY type, layer'),
      transactions: dump('SELECT * FROM transactions ORDER BY seq'),
      changes: dump('SELECT * FROM changes ORDER BY tx_seq, position'),
      queue: dump('SELECT * FROM search_queue ORDER BY id'),
    }
  } finally {
    db.close()
  }
}
