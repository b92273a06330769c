/**
 * The search analyzer's thread (a piscina task module, see searchAnalyzer.ts): one read-only
 * connection per dataset file it is asked about.
 */
import {DatabaseSync, type StatementSync} from 'node:sqlite'
import type {AnalyzeTask} from './searchAnalyzer.ts'
import {analyzeQueued, type AnalyzedDocument} from './searchIndex.ts'

type Connection = {opening: string; db: DatabaseSync; statements: Map<string, StatementSync>}
const connections = new Map<string, Connection>()

export default function analyze(task: AnalyzeTask | 'close'): AnalyzedDocument[] {
  if (task === 'close') {
    // The store's connection must be the last to close: only then does SQLite fold the WAL into
    // the file and remove it.
    for (const {db} of connections.values()) db.close()
    connections.clear()
    return []
  }
  let connection = connections.get(task.path)
  if (connection?.opening !== task.opening) {
    // A dataset file deleted and made again: the old connection would still read the deleted one.
    connection?.db.close()
    const db = new DatabaseSync(task.path, {readOnly: true})
    db.exec('PRAGMA busy_timeout = 5000')
    connections.set(task.path, (connection = {opening: task.opening, db, statements: new Map()}))
  }
  const {db, statements} = connection
  const stmt = (sql: string) => {
    let s = statements.get(sql)
    if (!s) statements.set(sql, (s = db.prepare(sql)))
    return s
  }
  return analyzeQueued(stmt, task.after, task.limit)
}
