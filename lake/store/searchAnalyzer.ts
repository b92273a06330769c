/**
 * The full-text index's analyzer and writer on a thread of its own. The Bengali analyzer is the
 * largest share of a write's CPU (0.1–0.2 ms a document, more than SQLite's inserts), and writing
 * its rows into FTS5 the next (tokenizing them again, merging segments): on the event loop, which
 * answers every request, both delayed the next acknowledgement. Here one thread for the whole lake
 * reads queued documents on its own connection (WAL readers never block the writer), analyses
 * them and holds the rows; the store tells it when to write them (`write`), only while no write
 * group of its own is open, so neither connection ever waits for the other's write lock. The
 * store's expression indexes are built here too (`alterSchema`), for the same reason. Started
 * with the first queued document: most test lakes never need it.
 */
import {createIdleThread} from '../threads/idleThread.ts'
import type {QueueSource, Written} from './searchIndex.ts'
import type {ThreadMemory} from './threadTrim.ts'

/** A dataset file, and which opening of it: a file deleted and made again is another one. */
export interface AnalyzerTarget {
  path: string
  opening: string
  /**
   * The store's journal_size_limit, kept by the thread's connection too: SQLite cuts a WAL that
   * starts over back only at the COMMIT of the connection that wrote its first frame, and to that
   * connection's limit (the index's rows are often the first write after a checkpoint).
   */
  walKeepBytes?: number
}

export type AnalyzerTask =
  /**
   * Reads and analyses ids of the queue (or the re-index's backlog) after `after` (in id order, at
   * most `limit`) and holds them.
   */
  | (AnalyzerTarget & {
      kind: 'analyze'
      after: string
      limit: number
      source?: QueueSource
      /** The index is behind (a bulk load): analyse below the event loop's priority. */
      demote?: boolean
      /**
       * One Int32 the store sets to 1 when a write waits for this batch: not lowered then, and
       * raised back if it was being lowered meanwhile (the store's raise may come first).
       */
      hurry?: SharedArrayBuffer
    })
  /** Writes the held rows into the index and takes their documents off the queue. */
  | (AnalyzerTarget & {kind: 'write'})
  /** Runs schema statements (an expression index's DROP/CREATE) in one transaction. */
  | (AnalyzerTarget & {kind: 'schema'; sql: string[]})
  /** Gives the thread's heap back (threadTrim.ts): its tasks paused, before it ends. */
  | {kind: 'trim'}
  | {kind: 'memory'}
  | {kind: 'priority'}
  | {kind: 'close'}

/** The thread's priority (Linux nice values; null without /proc), and its analyses demoted. */
export interface AnalyzerPriority {
  tid: number | null
  nice: number | null
  /** The lake's, which its writes run at and its analyses once the index keeps up. */
  lakeNice: number | null
  /** Batches analysed below the lake's priority since the thread started. */
  demotedBatches: number
}

export interface Analysed {
  /** Documents read and held; fewer than the limit when the queue's end was reached. */
  read: number
  /** The last id read ('' when none). */
  last: string
  /** The thread's Linux thread id (null without /proc): the store raises it when a write waits. */
  tid?: number | null
}

export interface SearchAnalyzer {
  analyze(
    task: AnalyzerTarget & {
      after: string
      limit: number
      source?: QueueSource
      demote?: boolean
      hurry?: SharedArrayBuffer
    },
  ): Promise<Analysed>
  /**
   * Writes what `analyze` held, in one SQLite transaction of the thread's connection; resolves to
   * how many documents it took off the queue (one written again since it was read stays queued),
   * and which of them it set aside (their analysis failed: searchIndex.ts, search_aside).
   * On failure nothing is written and nothing is held: the queue still has every document.
   */
  write(target: AnalyzerTarget): Promise<Written>
  /**
   * Runs `sql` in one transaction of the thread's connection: building an expression index reads
   * every document (120-430 ms at 100,000 articles), which on the store's own connection held the
   * event loop. The store asks only while it has no write group open, as for `write`.
   */
  alterSchema(target: AnalyzerTarget, sql: string[]): Promise<void>
  /**
   * Closes the thread's connections (after its current task) and stops it; the queue keeps what
   * it did not finish. Before the stores close: theirs must be the last connections.
   */
  close(): Promise<void>
}

/** The analyzer on its thread. */
export interface SearchAnalyzerThread extends SearchAnalyzer {
  /** The thread's heap and its trims so far (tests): starts the thread if it had ended. */
  memory(): Promise<ThreadMemory>
  /** The thread's priority now (tests): starts the thread if it had ended. */
  priority(): Promise<AnalyzerPriority>
}

const WORKER = new URL('./searchAnalyzerWorker.ts', import.meta.url).href

/**
 * A task refused or cut short because the analyzer was closed: the lake is stopping, and the queue
 * keeps what the task did not do, so it is not a failure of the index.
 */
export class AnalyzerClosedError extends Error {
  constructor() {
    super('lake: the search analyzer is closed')
    this.name = 'AnalyzerClosedError'
  }
}

/** `worker`: the thread's task module (searchAnalyzerWorker.ts; tests give one that holds it). */
export function createSearchAnalyzer(worker = WORKER): SearchAnalyzerThread {
  // Trimmed when its tasks pause: after a bulk load its heap held 105 MB, which V8 keeps for 8 s
  // after the thread ends (threadTrim.ts).
  const thread = createIdleThread<AnalyzerTask, unknown>(worker, 'search analyzer', undefined, {
    kind: 'trim',
  })
  let closed = false
  const run = (task: AnalyzerTask): Promise<unknown> => {
    if (closed) return Promise.reject(new AnalyzerClosedError())
    return thread.run(task).catch((err: unknown) => {
      throw closed ? new AnalyzerClosedError() : err
    })
  }
  return {
    analyze: (task) => run({kind: 'analyze', ...task}) as Promise<Analysed>,
    write: (target) => run({kind: 'write', ...target}) as Promise<Written>,
    alterSchema: async (target, sql) => void (await run({kind: 'schema', ...target, sql})),
    memory: () => thread.inspect({kind: 'memory'}) as Promise<ThreadMemory>,
    priority: () => thread.inspect({kind: 'priority'}) as Promise<AnalyzerPriority>,
    async close() {
      closed = true
      await thread.close({kind: 'close'})
    },
  }
}
