/**
 * The WAL checkpointer's thread (a piscina task module, see walCheckpointer.ts): one connection
 * per dataset file it is asked about, used for nothing but checkpoints.
 */
import {DatabaseSync} from 'node:sqlite'
import type {CheckpointResult, CheckpointTask} from './walCheckpointer.ts'
import {threadConnections} from './threadConnections.ts'

const connections = threadConnections((path) => ({db: new DatabaseSync(path)}))

export default function checkpoint(task: CheckpointTask | 'close'): CheckpointResult {
  if (task === 'close') {
    connections.closeAll()
    return {busy: false, log: 0, checkpointed: 0}
  }
  const connection = connections.get(task.path, task.opening)
  // The connection's busy timeout is 0 (node:sqlite's default): nothing here waits for a lock.
  const mode = task.truncate ? 'TRUNCATE' : 'PASSIVE'
  const row = connection.db.prepare(`PRAGMA wal_checkpoint(${mode})`).get() as {
    busy: number
    log: number
    checkpointed: number
  }
  return {busy: row.busy !== 0, log: row.log, checkpointed: row.checkpointed}
}
