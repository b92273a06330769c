/**
 * A store thread's SQLite connections (the search analyzer's, the commit thread's, the WAL
 * checkpointer's): one per dataset file it is asked about, opened on first use.
 */
import type {DatabaseSync, StatementSync} from 'node:sqlite'

export function threadConnections<C extends {db: DatabaseSync}>(open: (path: string) => C) {
  const connections = new Map<string, {opening: string; connection: C; walKeepBytes?: number}>()
  return {
    /**
     * `opening` tells a file deleted and made again: the old connection would still see the deleted
     * one. `walKeepBytes`, the store's journal_size_limit, is kept by the connection too: SQLite
     * cuts a WAL that starts over back only at the COMMIT of the connection that wrote its first
     * frame, and to that connection's limit; without one (SQLite's -1) a log a thread started over
     * after a checkpoint stayed at its largest size until the idle checkpoint emptied it.
     */
    get(path: string, opening: string, walKeepBytes?: number): C {
      let entry = connections.get(path)
      if (entry?.opening !== opening) {
        entry?.connection.db.close()
        entry = {opening, connection: open(path)}
        connections.set(path, entry)
      }
      if (walKeepBytes !== undefined && entry.walKeepBytes !== walKeepBytes) {
        entry.connection.db.exec(`PRAGMA journal_size_limit = ${Math.trunc(walKeepBytes)}`)
        entry.walKeepBytes = walKeepBytes
      }
      return entry.connection
    },
    /**
     * At the lake's stop. The store's connection must be the last to close: only then does SQLite
     * fold the WAL into the file and remove it.
     */
    closeAll(): void {
      for (const {connection} of connections.values()) connection.db.close()
      connections.clear()
    },
  }
}

/** A connection's statements, each prepared once and kept in `statements`. */
export function statementsOf({
  db,
  statements,
}: {
  db: DatabaseSync
  statements: Map<string, StatementSync>
}): (sql: string) => StatementSync {
  return (sql) => {
    let s = statements.get(sql)
    if (!s) statements.set(sql, (s = db.prepare(sql)))
    return s
  }
}
