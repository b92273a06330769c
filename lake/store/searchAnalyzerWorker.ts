/**
 * The search analyzer's thread (a piscina task module, see searchAnalyzer.ts): one connection per
 * dataset file it is asked about, and the analysed rows it holds until told to write them.
 */
import {DatabaseSync, type StatementSync} from 'node:sqlite'
import {getPriority} from 'node:os'
import {mayRaiseTo, ownThreadId, setThreadNice, workerNice} from '../query/priority.ts'
import type {Analysed, AnalyzerPriority, AnalyzerTask} from './searchAnalyzer.ts'
import {analyzeQueued, applyAnalyzed, type AnalyzedDocument, type Written} from './searchIndex.ts'
import {statementsOf, threadConnections} from './threadConnections.ts'
import {threadMemory, trimThreadHeap, type ThreadMemory} from './threadTrim.ts'

type Connection = {
  db: DatabaseSync
  statements: Map<string, StatementSync>
  held: AnalyzedDocument[]
}
const connections = threadConnections((path): Connection => {
  const db = new DatabaseSync(path)
  // The store only asks for a write while it has no write transaction open; a query thread's
  // expression index or an `optimize` may still hold the lock for a moment.
  db.exec('PRAGMA busy_timeout = 5000')
  // What this connection writes is also still in the queue (the same transaction takes it off):
  // lost in a power cut, it is indexed again. No sync of its own at each COMMIT.
  db.exec('PRAGMA synchronous = NORMAL')
  // Checkpoints are the store's (walCheckpointer.ts, or the store's own connection's COMMITs).
  db.exec('PRAGMA wal_autocheckpoint = 0')
  return {db, statements: new Map(), held: []}
})

/**
 * The thread's priority: the lake's (inherited from the event loop that started it) for its
 * writes, which hold SQLite's write lock that the next write group waits for, and for analyses
 * while the index keeps up; 10 nice steps lower for analyses while it is behind (a bulk load),
 * so that it takes a core the event loop leaves idle, not the event loop's. Only where the thread
 * may take the lake's priority back (mayRaiseTo: root, CAP_SYS_NICE or RLIMIT_NICE); elsewhere it
 * keeps the lake's, as query threads do.
 */
const tid = ownThreadId()
const lakeNice = tid === null ? null : getPriority(tid)
const demotes = tid !== null && lakeNice !== null && mayRaiseTo(lakeNice)
let demotedBatches = 0
function prioritise(demote: boolean) {
  if (!demotes) return
  setThreadNice(tid!, demote ? workerNice(lakeNice!) : lakeNice!)
}

export default function run(
  task: AnalyzerTask,
): Analysed | Written | ThreadMemory | AnalyzerPriority | void {
  if (task.kind === 'priority') {
    return {
      tid,
      nice: tid === null ? null : getPriority(tid),
      lakeNice,
      demotedBatches,
    }
  }
  if (task.kind === 'close') {
    connections.closeAll()
    return
  }
  if (task.kind === 'trim') return trimThreadHeap()
  if (task.kind === 'memory') return threadMemory()
  // With the store's journal_size_limit (threadConnections.ts).
  const connection = connections.get(task.path, task.opening, task.walKeepBytes)
  const {db} = connection
  const stmt = statementsOf(connection)
  switch (task.kind) {
    case 'analyze': {
      // The read at the lake's priority: a read preempted midway holds its snapshot of the WAL,
      // which no checkpoint can then move past, and write groups wait for quiet checkpoints.
      prioritise(false)
      const hurried = () =>
        task.hurry !== undefined && Atomics.load(new Int32Array(task.hurry), 0) !== 0
      let batch: AnalyzedDocument[]
      try {
        batch = analyzeQueued(stmt, task.after, task.limit, task.source, () => {
          const demote = task.demote === true && !hurried()
          prioritise(demote)
          if (demote && demotes) demotedBatches++
          // Hurried while lowering itself: the store's raise may have come before it.
          if (demote && hurried()) prioritise(false)
        })
      } finally {
        // Back to the lake's priority before it waits, the analysis failed or not: the next task
        // (the write a group may wait for) would otherwise wake 10 nice steps down and raise
        // itself only once it got a core.
        prioritise(false)
      }
      for (const doc of batch) connection.held.push(doc)
      return {read: batch.length, last: batch.length > 0 ? batch[batch.length - 1].id : '', tid}
    }
    case 'schema': {
      prioritise(false)
      db.exec('BEGIN IMMEDIATE')
      try {
        for (const sql of task.sql) db.exec(sql)
        db.exec('COMMIT')
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK')
        throw err
      }
      // Statements prepared before the change are planned again by SQLite on their next use.
      return
    }
    case 'write': {
      prioritise(false)
      const batch = connection.held
      connection.held = []
      if (batch.length === 0) return {applied: 0, reindexed: 0, setAside: []}
      db.exec('BEGIN IMMEDIATE')
      try {
        const written = applyAnalyzed(stmt, batch)
        db.exec('COMMIT')
        return written
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK')
        throw err
      }
    }
  }
}
