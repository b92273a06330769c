/**
 * What a commit writes for a transaction, in SQL: the one function both the store's connection
 * (sqliteStore.ts) and the commit thread's (commitThread.ts) run, so a large transaction written
 * off the event loop is stored exactly as one written on it.
 */
import type {SQLInputValue} from 'node:sqlite'
import {FIELDS_UPSERT, layerOfId, TYPE_COUNTS_ADD, type CountDelta} from './fields.ts'
import {SNAPSHOT_EVERY} from './log.ts'
import {queueDocument, unindexDocument, type Statement} from './searchIndex.ts'

/** The log's row of a transaction. */
export interface TransactionRow {
  id: string
  timestamp: string
  identity: string
}

/** One change as the commit writes it (sqliteStore.ts makes it from the change's rows). */
export interface ChangeWrite {
  id: string
  /** Targets of the references the stored document had, whose rows go. */
  unreferenced: string[]
  /** Of the new document: [target, strong, visible] per referenced id. */
  references: [string, number, number][]
  /**
   * The side table's type and keys (FIELDS_UPSERT's values after rowid, layer and id); null when
   * the change deletes the document.
   */
  fields: SQLInputValue[] | null
  /** It replaced a stored document (a snapshot may be due). */
  updated: boolean
  /** The new document as JSON text (a snapshot's text; jsonb() makes the body when `jsonb` is null). */
  json: string | Uint8Array | null
  /** The new document as SQLite's JSONB, made where the change was built. */
  jsonb: Uint8Array | null
  /** The log's texts (UTF-8 bytes are CAST to TEXT). */
  mutations: string | Uint8Array
  effects: string | Uint8Array
}

export const REFS_INSERT = 'INSERT INTO refs (target, source, strong, visible) VALUES (?, ?, ?, ?)'

/** Writes a transaction's documents, side rows and log rows, inside the caller's SQL transaction. */
export function writeTransactionRows(
  stmt: Statement,
  tx: TransactionRow,
  changes: readonly ChangeWrite[],
  searchIndex: boolean,
): void {
  writeChangeRows(stmt, writeTransactionRow(stmt, tx), 0, changes, searchIndex)
}

/** The log's row of a transaction, first: its sequence number, which its changes' rows name. */
export function writeTransactionRow(stmt: Statement, tx: TransactionRow): number | bigint {
  return stmt('INSERT INTO transactions (id, timestamp, identity) VALUES (?, ?, ?)').run(
    tx.id,
    tx.timestamp,
    tx.identity,
  ).lastInsertRowid
}

/**
 * Writes changes of the transaction whose log row is `seq`, the first at `first` of its changes
 * (a streamed transaction's slices, commitThread.ts, come a few at a time).
 */
export function writeChangeRows(
  stmt: Statement,
  seq: number | bigint,
  first: number,
  changes: readonly ChangeWrite[],
  searchIndex: boolean,
): void {
  changes.forEach((change, i) => {
    const position = first + i
    let snapshot: SQLInputValue = null
    if (change.fields) {
      const rowid = change.updated ? upsertDocument(stmt, change) : createDocument(stmt, change)
      if (change.unreferenced.length > 0 || change.references.length > 0) {
        unreference(stmt, change.unreferenced, rowid)
        for (const [target, strong, visible] of change.references) {
          stmt(REFS_INSERT).run(target, rowid, strong, visible)
        }
      }
      stmt(FIELDS_UPSERT).run(rowid, layerOfId(change.id), change.id, ...change.fields)
      // Every SNAPSHOT_EVERY-th change; the first after a creation half as far, so that the
      // revisions near it (which can only be rebuilt backwards) are as near one as the rest.
      const since = change.updated ? changesSinceAnchor(stmt, change.id) : null
      if (since && since.count >= (since.snapshot ? SNAPSHOT_EVERY : SNAPSHOT_EVERY / 2) - 1) {
        snapshot = change.json
      }
    } else {
      const deleted = stmt('DELETE FROM documents WHERE id = ? RETURNING rowid').get(change.id)
      if (deleted) {
        // Its rows now, while its rowid is known (a new document may take it next).
        unreference(stmt, change.unreferenced, deleted.rowid!)
        if (searchIndex) unindexDocument(stmt, Number(deleted.rowid))
        stmt('DELETE FROM fields WHERE rowid = ?').run(deleted.rowid!)
      }
    }
    if (searchIndex) queueDocument(stmt, change.id)
    stmt(
      `INSERT INTO changes (tx_seq, position, doc_id, mutations, effects, snapshot, deleted)
       VALUES (?, ?, ?, CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), ?)`,
    ).run(
      seq,
      position,
      change.id,
      change.mutations,
      change.effects,
      snapshot,
      change.fields ? 0 : 1,
    )
  })
}

/**
 * A created document's row (nothing was stored under its id when the change was built): SQLite
 * hands back its new rowid, which keys the side table's row and the references' rows, so no
 * look-up follows (upsertDocument's seek cost the commit about 2 µs a document of a bulk load's
 * creates). Stored after all (not as the change was built): written as an update.
 */
function createDocument(stmt: Statement, change: ChangeWrite): SQLInputValue {
  const created = change.jsonb
    ? stmt('INSERT INTO documents (id, body) VALUES (?, ?) ON CONFLICT (id) DO NOTHING').run(
        change.id,
        change.jsonb,
      )
    : stmt('INSERT INTO documents (id, body) VALUES (?, jsonb(?)) ON CONFLICT (id) DO NOTHING').run(
        change.id,
        change.json,
      )
  return created.changes === 1 ? created.lastInsertRowid : upsertDocument(stmt, change)
}

/** A replaced document's row, and its rowid. */
function upsertDocument(stmt: Statement, change: ChangeWrite): SQLInputValue {
  // An update keeps the row's rowid, which keys its full-text row (searchIndex.ts) and its
  // references' rows.
  if (change.jsonb) {
    stmt(
      `INSERT INTO documents (id, body) VALUES (?, ?)
       ON CONFLICT (id) DO UPDATE SET body = excluded.body`,
    ).run(change.id, change.jsonb)
  } else {
    stmt(
      `INSERT INTO documents (id, body) VALUES (?, jsonb(?))
       ON CONFLICT (id) DO UPDATE SET body = excluded.body`,
    ).run(change.id, change.json)
  }
  // Looked up after the write: the upsert's RETURNING rowid cost 6 µs a document more than this
  // seek of the page it just wrote (in process, 60,000 documents a side).
  return stmt('SELECT rowid FROM documents WHERE id = ?').get(change.id)!.rowid
}

/**
 * Deletes the reference rows the stored version made (`targets`, of its references), by key: no
 * index by source (1.4 % of the data file) is kept.
 */
function unreference(stmt: Statement, targets: readonly string[], rowid: SQLInputValue): void {
  for (const target of targets) {
    stmt('DELETE FROM refs WHERE target = ? AND source = ?').run(target, rowid)
  }
}

/** A write group's changes of type_counts, written just before its COMMIT. */
export function writeCountRows(stmt: Statement, counts: Iterable<CountDelta>): void {
  for (const {type, layer, n} of counts) {
    if (n !== 0) stmt(TYPE_COUNTS_ADD).run(type, layer, n)
  }
}

/**
 * Changes of a document since its last snapshot or delete (bounds a rebuild's walk), and whether
 * that anchor is a snapshot (not the document's creation, whose state the log leaves out).
 */
function changesSinceAnchor(stmt: Statement, id: string): {count: number; snapshot: boolean} {
  const row = stmt(
    `SELECT coalesce((SELECT max(tx_seq) FROM changes INDEXED BY changes_snapshot
         WHERE doc_id = ?1 AND snapshot IS NOT NULL), 0) AS snapshot,
       coalesce((SELECT max(tx_seq) FROM changes INDEXED BY changes_deleted
         WHERE doc_id = ?1 AND deleted = 1), 0) AS deleted`,
  ).get(id)!
  const snapshot = Number(row.snapshot)
  const anchor = Math.max(snapshot, Number(row.deleted))
  const count = stmt(
    'SELECT count(*) AS n FROM changes INDEXED BY changes_doc WHERE doc_id = ? AND tx_seq > ?',
  ).get(id, anchor)!
  return {count: Number(count.n), snapshot: snapshot > 0 && snapshot === anchor}
}
