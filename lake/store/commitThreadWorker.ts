/**
 * The commit thread (a piscina task module, see commitThread.ts): one writable connection per
 * dataset file it is asked about, set as the store's own is for writing.
 */
import {DatabaseSync, type StatementSync} from 'node:sqlite'
import {Piscina} from 'piscina'
import {writeCountRows, writeTransactionRows} from './commitRows.ts'
import type {CommitAnswer, CommitFailure, CommitThreadTask} from './commitThread.ts'
import {threadConnections} from './threadConnections.ts'
import {migrateDataFile} from './sqliteStore.ts'

type Connection = {db: DatabaseSync; statements: Map<string, StatementSync>}

const connections = threadConnections((path): Connection => {
  const db = new DatabaseSync(path)
  // The store's write queue runs nothing else while this writes: the lock is free but for a query
  // thread's expression index or the analyzer's `optimize`, held for a moment.
  db.exec('PRAGMA busy_timeout = 5000')
  // As the store's connection (sqliteStore.ts open): the store syncs the WAL before anyone hears
  // of the commit, and checkpoints it (walCheckpointer.ts).
  db.exec('PRAGMA synchronous = NORMAL')
  db.exec('PRAGMA wal_autocheckpoint = 0')
  db.exec('PRAGMA foreign_keys = ON')
  return {db, statements: new Map()}
})

/** The answer with its buffers moved back to the event loop (Piscina's transferable protocol). */
function movedAnswer(answer: CommitAnswer): CommitAnswer {
  const moved = {
    [Piscina.transferableSymbol]: answer.buffers,
    [Piscina.valueSymbol]: answer,
  }
  // Piscina's types know only its own transferable classes; the caller receives the value.
  return Piscina.move(moved as never) as unknown as CommitAnswer
}

export default function run(task: CommitThreadTask): CommitAnswer | undefined {
  // A failure is the task's (the store's ready() rejects with it, as its own open would throw),
  // sent as a commit's is: a thrown error crosses the thread without SQLite's code, and a busy
  // file (SQLITE_BUSY: a 503 to retry) became a 500.
  if (task.kind === 'migrate') {
    try {
      migrateDataFile(task.path, task.searchIndex)
    } catch (err) {
      return {buffers: [], failure: commitFailure(err)}
    }
    return undefined
  }
  // Started for a commit to come (commitThread.ts warm): nothing to do yet.
  if (task.kind === 'warm') return undefined
  if (task.kind === 'close') {
    connections.closeAll()
    return undefined
  }
  let failure: CommitFailure | undefined
  try {
    const {db, statements} = connections.get(task.path, task.opening)
    const stmt = (sql: string) => {
      let s = statements.get(sql)
      if (!s) statements.set(sql, (s = db.prepare(sql)))
      return s
    }
    db.exec('BEGIN IMMEDIATE')
    try {
      writeTransactionRows(stmt, task.tx, task.changes, task.searchIndex)
      writeCountRows(stmt, task.counts)
      db.exec('COMMIT')
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK')
      throw err
    }
  } catch (err) {
    failure = commitFailure(err)
  }
  // The bytes go back either way: the event loop announces the transaction with them.
  return movedAnswer({buffers: task.buffers, failure})
}

/** SQLite's error as the event loop reads it (core/errors.ts: code and errcode). */
function commitFailure(err: unknown): CommitFailure {
  const {message, code, errcode, errstr} = err as CommitFailure
  return {message: String(message), code, errcode, errstr}
}
