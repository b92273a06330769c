/**
 * The commit thread (a piscina task module, see commitThread.ts): one writable connection per
 * dataset file it is asked about, set as the store's own is for writing.
 */
import {DatabaseSync, type StatementSync} from 'node:sqlite'
import {writeCountRows, writeTransactionRows} from './commitRows.ts'
import {
  movedAnswer,
  type CommitAnswer,
  type CommitFailure,
  type CommitTask,
} from './commitThread.ts'
import {threadConnections} from './threadConnections.ts'

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

export default function run(task: CommitTask | {kind: 'close'}): CommitAnswer | undefined {
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
    const {message, code, errcode, errstr} = err as CommitFailure
    failure = {message: String(message), code, errcode, errstr}
  }
  // The bytes go back either way: the event loop announces the transaction with them.
  return movedAnswer({buffers: task.buffers, failure})
}
