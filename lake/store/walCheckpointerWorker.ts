/**
 * The WAL checkpointer's thread (a piscina task module, see walCheckpointer.ts): one connection
 * per dataset file it is asked about, used for nothing but checkpoints.
 */
import {DatabaseSync} from 'node:sqlite'
import type {CheckpointResult, CheckpointTask} from './walCheckpointer.ts'

const connections = new Map<string, {opening: string; db: DatabaseSync}>()

export default function checkpoint(task: CheckpointTask | 'close'): CheckpointResult {
  if (task === 'close') {
    // The store's connection must be the last to close: only then does SQLite fold the WAL into
    // the file and remove it.
    for (const {db} of connections.values()) db.close()
    connections.clear()
    return {busy: false, log: 0, checkpointed: 0}
  }
  let connection = connections.get(task.path)
  if (connection?.opening !== task.opening) {
    // A dataset file deleted and made again: the old connection would still see the deleted one.
    connection?.db.close()
    const db = new DatabaseSync(task.path)
    connections.set(task.path, (connection = {opening: task.opening, db}))
  }
  const row = connection.db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get() as {
    busy: number
    log: number
    checkpointed: number
  }
  return {busy: row.busy !== 0, log: row.log, checkpointed: row.checkpointed}
}
