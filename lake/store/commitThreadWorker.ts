/**
 * The commit thread (a piscina task module, see commitThread.ts): one writable connection per
 * dataset file it is asked about, set as the store's own is for writing.
 */
import {DatabaseSync, type StatementSync} from 'node:sqlite'
import {Piscina} from 'piscina'
import {
  writeChangeRows,
  writeCountRows,
  writeTransactionRow,
  writeTransactionRows,
} from './commitRows.ts'
import type {
  CommitAnswer,
  CommitFailure,
  CommitStreamTask,
  CommitThreadTask,
} from './commitThread.ts'
import {statementsOf, threadConnections} from './threadConnections.ts'
import {STREAM_LOST} from './commitThread.ts'
import {dropDeferredIndexes} from './deferredIndexes.ts'
import {migrateDataFile, PAGE_CACHE_KIB} from './sqliteStore.ts'

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
  // As the store's writer: a streamed bulk batch's rows dirty most pages of the side table's
  // date- and reference-ordered indexes, and with SQLite's default 2 MB they spilled to the WAL
  // before its COMMIT.
  db.exec(`PRAGMA cache_size = -${PAGE_CACHE_KIB}`)
  return {db, statements: new Map()}
})

/**
 * The page cache (KiB) while this thread writes a transaction. A bulk batch of 1,000 documents
 * with ids as the Studio makes them (UUIDs) dirties about 3,500 pages (57 MB): every id-keyed
 * B-tree's leaves at random, beside the date-ordered ones. Past the cache SQLite spilled them to
 * the WAL before the COMMIT, reading each back and writing it again as the batch went on.
 */
const WRITE_CACHE_KIB = 4 * PAGE_CACHE_KIB

/**
 * The write's cache on (before its BEGIN) or back to the store's (after its COMMIT or ROLLBACK):
 * SQLite frees the pages past a lowered cache_size at once, so the thread, idle for up to a
 * minute before it ends, keeps no larger a cache than before. Never throws: the cache's size is
 * not the write's outcome (a COMMIT done must not be answered as failed).
 */
function writeCache(connection: Connection, writing: boolean) {
  try {
    connection.db.exec(`PRAGMA cache_size = -${writing ? WRITE_CACHE_KIB : PAGE_CACHE_KIB}`)
  } catch {
    // The store's size stays, as before this cache existed.
  }
}

/**
 * The streamed commits open on this thread (CommitStreamTask), by file (one a dataset: its
 * connection holds the SQL transaction), or `failure` says why one was rolled back.
 */
const open = new Map<
  string,
  {stream: number; connection: Connection; seq: number | bigint; failure?: CommitFailure}
>()

function rollBack(connection: Connection) {
  try {
    if (connection.db.isTransaction) connection.db.exec('ROLLBACK')
    writeCache(connection, false)
  } catch {
    // The connection's transaction is gone either way; the step's failure is what is answered.
  }
}

function streamStep(task: CommitStreamTask): CommitAnswer {
  if (task.kind === 'begin') {
    // One of this file left open (its abort never came: the event loop's store was closed
    // meanwhile). Another file's is another dataset's batch, streamed beside this one.
    const left = open.get(task.path)
    if (left) rollBack(left.connection)
    open.delete(task.path)
    const connection = connections.get(task.path, task.opening, task.walKeepBytes)
    try {
      writeCache(connection, true)
      connection.db.exec('BEGIN IMMEDIATE')
      // A load's batch: the four indexes go with it (deferredIndexes.ts), atomic with its rows.
      if (task.dropDeferred) dropDeferredIndexes(connection.db)
      open.set(task.path, {
        stream: task.stream,
        connection,
        seq: writeTransactionRow(statementsOf(connection), task.tx),
      })
    } catch (err) {
      rollBack(connection)
      return {buffers: [], failure: commitFailure(err)}
    }
    return {buffers: []}
  }
  const mine = open.get(task.path)
  const current = mine?.stream === task.stream ? mine : null
  const close = () => open.delete(task.path)
  if (task.kind === 'abort') {
    if (current) {
      rollBack(current.connection)
      close()
    }
    return {buffers: []}
  }
  if (!current) {
    // Its thread ended since (and its transaction with it): this one never saw its begin.
    return {buffers: [], failure: {message: 'its streamed commit is not open', code: STREAM_LOST}}
  }
  if (current.failure) {
    if (task.kind === 'end') close()
    return {buffers: [], failure: current.failure}
  }
  const {db} = current.connection
  try {
    if (!db.isTransaction) throw new Error('The streamed commit lost its SQL transaction')
    const stmt = statementsOf(current.connection)
    if (task.kind === 'rows') {
      // Still inside the batch's SQL transaction: gone with it, or neither.
      if (task.dropDeferred) dropDeferredIndexes(db)
      writeChangeRows(stmt, current.seq, task.first, task.changes, task.searchIndex)
      return {buffers: []}
    }
    writeCountRows(stmt, task.counts)
    db.exec('COMMIT')
    writeCache(current.connection, false)
    close()
    return {buffers: []}
  } catch (err) {
    rollBack(current.connection)
    current.failure = commitFailure(err)
    if (task.kind === 'end') close()
    return {buffers: [], failure: current.failure}
  }
}

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
    open.clear()
    connections.closeAll()
    return undefined
  }
  if (task.kind !== 'commit') return streamStep(task)
  let failure: CommitFailure | undefined
  try {
    const connection = connections.get(task.path, task.opening, task.walKeepBytes)
    const {db} = connection
    const stmt = statementsOf(connection)
    writeCache(connection, true)
    try {
      db.exec('BEGIN IMMEDIATE')
      writeTransactionRows(stmt, task.tx, task.changes, task.searchIndex)
      writeCountRows(stmt, task.counts)
      db.exec('COMMIT')
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK')
      throw err
    } finally {
      writeCache(connection, false)
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
