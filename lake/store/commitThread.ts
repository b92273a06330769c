/**
 * Large transactions committed on a thread of their own. One sqlite3_step that inserts a 20 MB
 * body cannot yield: on the event loop, a 20 MB document's commit (its body, the log's copy of
 * what it replaced, the COMMIT's pages) held every request for 0.3-1.3 s at load 30. Here one
 * thread for the whole lake writes such a transaction in an SQL transaction of its own connection,
 * with the same statements as the store's (commitRows.ts), while the store's connection holds no
 * transaction: the store runs it as a write group of its own (sqliteStore.ts), so SQLite's one
 * writer is never contended, and syncs the WAL and answers it as any group. Its bytes are moved to
 * the thread and back, never copied. Started by the first large write (warm(), while it is built):
 * most lakes never need it.
 */
import type {CountDelta} from './fields.ts'
import type {ChangeWrite, TransactionRow} from './commitRows.ts'
import {UnavailableError} from '../core/errors.ts'
import {createIdleThread} from '../threads/idleThread.ts'

export interface CommitTask {
  kind: 'commit'
  /** The dataset file, and which opening of it: a file deleted and made again is another one. */
  path: string
  opening: string
  /** The store's journal_size_limit, kept by this connection too (commitThreadWorker.ts). */
  walKeepBytes: number
  tx: TransactionRow
  changes: ChangeWrite[]
  counts: CountDelta[]
  searchIndex: boolean
  /** The buffers the changes' bytes are views of, moved here: moved back in the answer. */
  buffers: ArrayBuffer[]
}

/** A streamed commit's step met a thread that never saw its begin (the one that did ended). */
export const STREAM_LOST = 'ERR_LAKE_COMMIT_STREAM_LOST'

/** SQLite's error, as node:sqlite's carries it (core/errors.ts reads code and errcode). */
export interface CommitFailure {
  message: string
  code?: string
  errcode?: number
  errstr?: string
}

export interface CommitAnswer {
  /** The task's buffers, moved back. */
  buffers: ArrayBuffer[]
  /** Set when nothing was written (rolled back). */
  failure?: CommitFailure
}

/**
 * A streamed commit's steps (sqliteStore.ts stream): `begin` opens the SQL transaction and writes
 * the log's row, each `rows` writes changes as they are built (`first`: the position of the first
 * in the transaction), `end` writes the counts and commits, `abort` rolls back. The transaction
 * stays open between the steps; a step that fails rolls it back, and every later step of that
 * stream answers its failure, so no row is ever written outside it. Each step names its file: the
 * lake's one thread streams every dataset's batches, each on its file's connection, at once.
 */
export type CommitStreamTask =
  | {
      kind: 'begin'
      stream: number
      path: string
      opening: string
      walKeepBytes: number
      tx: TransactionRow
      /** A load under way: the deferred indexes go before its rows (deferredIndexes.ts). */
      dropDeferred: boolean
    }
  | {
      kind: 'rows'
      stream: number
      path: string
      first: number
      changes: ChangeWrite[]
      searchIndex: boolean
      /** The batch grew large against the dataset: the deferred indexes go before these rows. */
      dropDeferred: boolean
    }
  | {kind: 'end'; stream: number; path: string; counts: CountDelta[]}
  | {kind: 'abort'; stream: number; path: string}

/** What the thread is asked: a commit, its start, its end, or a file's upgrade (migrate). */
export type CommitThreadTask =
  | CommitTask
  | CommitStreamTask
  | {kind: 'warm'}
  | {kind: 'close'}
  | {kind: 'migrate'; path: string; searchIndex?: boolean}

export interface CommitThread {
  /**
   * Writes the transaction in one SQL transaction of the thread's connection (BEGIN IMMEDIATE ...
   * COMMIT, rolled back on failure, then fails as the store's own statements would). The caller
   * holds no write transaction meanwhile. Resolves to `buffers` moved back, in order.
   */
  commit(task: Omit<CommitTask, 'kind'>): Promise<ArrayBuffer[]>
  /**
   * Starts the thread, if it is not running, for a commit to come: its start (Node's, about 100 ms
   * of a core, 0.7-1 s at load 20) runs while the write is built, not in its commit.
   */
  warm(): void
  /**
   * Upgrades a dataset file written by an earlier lake to this one's schema, and with
   * `searchIndex` lists every document in the re-index's backlog when its full-text index was
   * built by other rules (sqliteStore.ts, migrateDataFile) on its own connection: a migration
   * held the event loop for seconds. The store opens the file only after it.
   */
  migrate?(path: string, searchIndex?: boolean): Promise<void>
  /**
   * A step of a streamed commit of transaction `transactionId` (CommitStreamTask): fails as
   * commit() does, SQLite's error or CommitThreadStoppedError.
   */
  stream?(transactionId: string, task: CommitStreamTask): Promise<void>
  /** Closes the thread's connections (after its current commit) and stops it. Before the stores close. */
  close(): Promise<void>
}

/**
 * How long the thread stays without a commit: an editor typing in a 20 MB article commits it
 * again at each pause, and a thread started anew each time paid its start each time. An idle
 * thread holds a few MB (the buffers go back to the event loop).
 */
const COMMIT_IDLE_MS = 60_000

const WORKER = new URL('./commitThreadWorker.ts', import.meta.url).href

/**
 * The commit thread failed rather than the commit: a 503 to send the write again (its bytes were
 * lent to the thread and may be gone with it). The store checks the log first (sqliteStore.ts).
 */
export class CommitThreadStoppedError extends UnavailableError {
  override name = 'CommitThreadStoppedError'

  constructor(transactionId: string, cause: unknown) {
    super(
      `The lake's commit thread stopped (${(cause as Error)?.message ?? String(cause)}) before transaction "${transactionId}" was written: nothing was written; send it again`,
      1,
    )
    this.cause = cause
  }
}

/** `worker`: the thread's task module (tests: one that wraps commitThreadWorker.ts). */
export function createCommitThread(worker = WORKER): CommitThread {
  const thread = createIdleThread<CommitThreadTask, CommitAnswer | undefined>(
    worker,
    'commit',
    COMMIT_IDLE_MS,
  )
  let closed = false
  return {
    async commit(task) {
      let answer: CommitAnswer | undefined
      try {
        answer = await thread.run({kind: 'commit', ...task}, task.buffers)
      } catch (err) {
        // The thread answers every commit, failed ones too (rolled back, with SQLite's error): a
        // rejection is the thread's own failure (it exited or was killed, or the task could not
        // be sent), and its connection's transaction, if any, went with it.
        throw new CommitThreadStoppedError(task.tx.id, err)
      }
      if (answer!.failure) throw Object.assign(new Error(answer!.failure.message), answer!.failure)
      return answer!.buffers
    },
    async stream(transactionId, task) {
      let answer: CommitAnswer | undefined
      try {
        answer = await thread.run(task)
      } catch (err) {
        // The thread's own failure: its connection's open transaction went with it.
        throw new CommitThreadStoppedError(transactionId, err)
      }
      if (answer?.failure?.code === STREAM_LOST) {
        throw new CommitThreadStoppedError(transactionId, new Error(answer.failure.message))
      }
      if (answer?.failure) throw Object.assign(new Error(answer.failure.message), answer.failure)
    },
    async migrate(path, searchIndex) {
      let answer: CommitAnswer | undefined
      try {
        answer = await thread.run({kind: 'migrate', path, searchIndex})
      } catch (err) {
        // The thread's own failure, as for a commit: its transaction went with it (SQLite rolls
        // it back), and the next ready() sends the upgrade to a new thread.
        throw new UnavailableError(
          `The lake's commit thread stopped (${(err as Error)?.message ?? String(err)}) while it upgraded a dataset to this lake's data format; nothing was lost: try again in a few seconds`,
          1,
        )
      }
      if (answer?.failure) throw Object.assign(new Error(answer.failure.message), answer.failure)
    },
    // Not once closed: a write arriving as the lake stops would start a thread nobody ends.
    warm: () => {
      if (!closed) void thread.run({kind: 'warm'}).catch(() => undefined)
    },
    close: () => {
      closed = true
      return thread.close({kind: 'close'})
    },
  }
}
