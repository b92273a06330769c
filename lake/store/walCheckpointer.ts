/**
 * Checkpoints of the write-ahead log on a thread of their own. SQLite's automatic checkpoint runs
 * inside the COMMIT that crosses its threshold: it copies the WAL's pages into the file and syncs
 * both, 5-40 ms on a shared disk, all of it on the event loop, which meanwhile read no request and
 * wrote no group (under 50 single-document writers, half of the time the event loop spent in
 * COMMITs). Here one thread for the whole lake runs a PASSIVE checkpoint on its own connection
 * (it never waits for the writer or readers: it copies what no reader still needs) when a store
 * asks; SQLite restarts the log at the next write once every frame is in the file. Started with
 * the first checkpoint: most test lakes never need it.
 */
import {createIdleThread} from '../threads/idleThread.ts'

export interface CheckpointTask {
  /** The dataset file, and which opening of it: a file deleted and made again is another one. */
  path: string
  opening: string
  /**
   * TRUNCATE, not PASSIVE: every frame into the file and the log emptied, or busy at once if a
   * reader or a writer is in the way (the store's idle checkpoint; it holds its write groups).
   */
  truncate?: boolean
  /**
   * After the TRUNCATE, one step of packing (packIndex.ts: a merge of the full-text index's
   * segments or the loosest index rebuilt, the freed pages out of the file), then the log emptied
   * again. One step a task, so a write waits for one step at most. `plan`: the indexes the pack
   * has still to rebuild, as the last step answered; none at its first step or after documents
   * changed (they are measured then); `done`: those it has rebuilt, each once a pack.
   */
  pack?: {plan?: readonly string[]; done?: readonly string[]}
  /**
   * After the checkpoint (busy or not: the build needs the write lock alone), deferred index
   * `rebuild` built with its figures (deferredIndexes.ts), then the log emptied again. One index a
   * task, so a write waits for one index's build at most.
   */
  rebuild?: string
}

/** `PRAGMA wal_checkpoint`'s answer: frames in the log, and how many of them are in the file. */
export interface CheckpointResult {
  busy: boolean
  log: number
  checkpointed: number
  /** With `pack`: what the step packed, or null when nothing was worth it (or the file was busy). */
  packed?: string | null
  /**
   * With `pack`: the step failed (its error's message) after the checkpoint did, told apart from
   * a failed checkpoint (the task's rejection).
   */
  packFailed?: string
  /** With `pack`: the indexes the pack has still to rebuild, for its next step. */
  plan?: readonly string[]
  /** With `pack`: the indexes the pack has rebuilt. */
  done?: readonly string[]
  /**
   * With `rebuild`: true when it was built (or found built), false when another connection held
   * the write lock; `rebuildFailed` its error's message.
   */
  rebuilt?: boolean
  rebuildFailed?: string
}

export interface WalCheckpointer {
  /** After close(), answers busy at once: the stores' own close folds the WAL in. */
  checkpoint(task: CheckpointTask): Promise<CheckpointResult>
  /**
   * Closes the thread's connections (after its current checkpoint) and stops it. Before the
   * stores close: theirs must be the last connections, which fold the WAL in.
   */
  close(): Promise<void>
}

const WORKER = new URL('./walCheckpointerWorker.ts', import.meta.url).href

/**
 * How long the thread stays without a checkpoint. At the default 2 s a bulk load on a loaded
 * machine (a write group every 1-3 s) ended and started it again several times a round, each
 * start a worker's boot (docs/benchmarks-log.md); an idle thread holds a connection and a few MB.
 */
const CHECKPOINT_IDLE_MS = 30_000

export function createWalCheckpointer(): WalCheckpointer {
  const thread = createIdleThread<CheckpointTask | 'close', CheckpointResult>(
    WORKER,
    'WAL checkpoint',
    CHECKPOINT_IDLE_MS,
  )
  let closed = false
  return {
    checkpoint(task) {
      if (closed) return Promise.resolve({busy: true, log: 0, checkpointed: 0})
      return thread.run(task)
    },
    async close() {
      closed = true
      await thread.close('close')
    },
  }
}
