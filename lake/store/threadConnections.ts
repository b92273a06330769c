/**
 * A store thread's SQLite connections (the search analyzer's, the WAL checkpointer's): one per
 * dataset file it is asked about, opened on first use.
 */
import type {DatabaseSync} from 'node:sqlite'

export function threadConnections<C extends {db: DatabaseSync}>(open: (path: string) => C) {
  const connections = new Map<string, {opening: string; connection: C}>()
  return {
    /** `opening` tells a file deleted and made again: the old connection would still see the deleted one. */
    get(path: string, opening: string): C {
      let entry = connections.get(path)
      if (entry?.opening !== opening) {
        entry?.connection.db.close()
        entry = {opening, connection: open(path)}
        connections.set(path, entry)
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
