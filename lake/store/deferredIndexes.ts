/**
 * Four of the side table's indexes left out of a bulk load (fields.ts DEFERRED_INDEXES). A
 * streamed batch's transaction drops them on the commit thread before its rows
 * (commitThreadWorker.ts), so a file holds them, or holds neither them nor the batch; the store
 * has them built again one a step on the checkpointer's thread (walCheckpointerWorker.ts) at the
 * first quiet moment, or DEFER_BOUND_MS after the load's last batch while other writes go on
 * (sqliteStore.ts rebuildStep); a file opened without them (a lake stopped or killed in between)
 * gets them at its open. Built once over a sorted read, each costs about 3 µs a document and is
 * left packed; written a batch at a time, they cost the commit thread 13-17 µs a document.
 */
import type {DatabaseSync} from 'node:sqlite'
import {DEFERRED_INDEXES} from './fields.ts'

/** Inside a streamed batch's SQL transaction, before its rows: gone with the batch, or neither. */
export function dropDeferredIndexes(db: DatabaseSync): void {
  for (const {name} of DEFERRED_INDEXES) db.exec(`DROP INDEX IF EXISTS ${name}`)
}

/** The deferred indexes the file lacks, in DEFERRED_INDEXES' order. */
export function missingDeferredIndexes(db: DatabaseSync): string[] {
  const present = new Set(
    (
      db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'fields'")
        .all() as {
        name: string
      }[]
    ).map(({name}) => name),
  )
  return DEFERRED_INDEXES.filter(({name}) => !present.has(name)).map(({name}) => name)
}

/**
 * Builds deferred index `name` with its sqlite_stat1 figures, in one transaction (other
 * connections load the figures with the new schema). False when another connection holds the
 * write lock (the caller's connection waits for none: the checkpointer's): nothing was done.
 */
export function buildDeferredIndex(db: DatabaseSync, name: string): boolean {
  const index = DEFERRED_INDEXES.find((candidate) => candidate.name === name)
  if (!index) throw new Error(`lake: no deferred index ${name}`)
  try {
    build(db, index)
  } catch (err) {
    // SQLITE_BUSY or SQLITE_LOCKED (their extended codes too): another writer, not a failure.
    const code = Number((err as {errcode?: number}).errcode) & 0xff
    if (code === 5 || code === 6) return false
    throw err
  }
  return true
}

/** At a file's open (the writer's connection, or the commit thread's upgrade): every one it lacks. */
export function buildMissingDeferredIndexes(db: DatabaseSync): void {
  for (const name of missingDeferredIndexes(db)) {
    build(
      db,
      DEFERRED_INDEXES.find((index) => index.name === name)!,
    )
  }
}

function build(db: DatabaseSync, index: (typeof DEFERRED_INDEXES)[number]): void {
  db.exec('BEGIN IMMEDIATE')
  try {
    if (missingDeferredIndexes(db).includes(index.name)) db.exec(index.sql)
    // Without the table (a file whose open has not yet described the side table), the open's
    // describeFields writes every figure.
    if (db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").get()) {
      db.prepare("DELETE FROM sqlite_stat1 WHERE tbl = 'fields' AND idx = ?").run(index.name)
      db.prepare("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('fields', ?, ?)").run(
        index.name,
        index.stat,
      )
    }
    db.exec('COMMIT')
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK')
    throw err
  }
}
