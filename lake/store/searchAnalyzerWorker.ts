/**
 * The search analyzer's thread (a piscina task module, see searchAnalyzer.ts): one connection per
 * dataset file it is asked about, and the analysed rows it holds until told to write them.
 */
import {DatabaseSync, type StatementSync} from 'node:sqlite'
import type {Analysed, AnalyzerTask} from './searchAnalyzer.ts'
import {analyzeQueued, applyAnalyzed, type AnalyzedDocument, type Written} from './searchIndex.ts'
import {threadConnections} from './threadConnections.ts'
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

export default function run(task: AnalyzerTask): Analysed | Written | ThreadMemory | void {
  if (task.kind === 'close') {
    connections.closeAll()
    return
  }
  if (task.kind === 'trim') return trimThreadHeap()
  if (task.kind === 'memory') return threadMemory()
  const connection = connections.get(task.path, task.opening)
  const {db, statements} = connection
  const stmt = (sql: string) => {
    let s = statements.get(sql)
    if (!s) statements.set(sql, (s = db.prepare(sql)))
    return s
  }
  switch (task.kind) {
    case 'analyze': {
      const batch = analyzeQueued(stmt, task.after, task.limit, task.source)
      for (const doc of batch) connection.held.push(doc)
      return {read: batch.length, last: batch.length > 0 ? batch[batch.length - 1].id : ''}
    }
    case 'schema': {
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
