/**
 * The WAL checkpointer's thread (a piscina task module, see walCheckpointer.ts): one connection
 * per dataset file it is asked about, used for nothing but checkpoints and packing indexes.
 */
import {DatabaseSync} from 'node:sqlite'
import type {CheckpointResult, CheckpointTask} from './walCheckpointer.ts'
import {threadConnections} from './threadConnections.ts'
import {packIndex} from './packIndex.ts'
import {buildDeferredIndex} from './deferredIndexes.ts'

const connections = threadConnections((path) => ({db: new DatabaseSync(path)}))

export default function checkpoint(task: CheckpointTask | 'close'): CheckpointResult {
  if (task === 'close') {
    connections.closeAll()
    return {busy: false, log: 0, checkpointed: 0}
  }
  const {db} = connections.get(task.path, task.opening)
  // The connection's busy timeout is 0 (node:sqlite's default): nothing here waits for a lock.
  const mode = task.truncate ? 'TRUNCATE' : 'PASSIVE'
  const walCheckpoint = () => {
    const row = db.prepare(`PRAGMA wal_checkpoint(${mode})`).get() as {
      busy: number
      log: number
      checkpointed: number
    }
    return {busy: row.busy !== 0, log: row.log, checkpointed: row.checkpointed}
  }
  const result = walCheckpoint()
  if (task.rebuild !== undefined) {
    let rebuilt: boolean
    try {
      rebuilt = buildDeferredIndex(db, task.rebuild)
    } catch (err) {
      return {...result, rebuilt: false, rebuildFailed: (err as Error).message}
    }
    // The index's pages went into the log: into the file, and the log emptied again.
    return rebuilt ? {...walCheckpoint(), rebuilt} : {...result, rebuilt}
  }
  if (!task.pack || result.busy) {
    return task.pack
      ? {...result, packed: null, plan: task.pack.plan, done: task.pack.done}
      : result
  }
  let step: ReturnType<typeof packIndex>
  try {
    step = packIndex(db, task.pack.plan, task.pack.done)
  } catch (err) {
    return {...result, packed: null, packFailed: (err as Error).message}
  }
  const {packed, busy, plan, done} = step
  if (packed === null) return {...result, busy, packed, plan, done}
  // The rebuilt index's pages went into the log: into the file, and the log emptied again.
  return {...walCheckpoint(), packed, plan, done}
}
