/**
 * The full-text index's analyzer on a thread of its own. The Bengali analyzer is the largest share
 * of a write's CPU (0.1–0.2 ms a document, more than SQLite's inserts): on the event loop, even
 * after the commits, it competed with the next requests and their acknowledgements. Here one
 * thread for the whole lake reads queued documents on its own read-only connection (WAL readers
 * never block the writer) and analyses them; the store writes the rows (applyAnalyzed) between
 * write groups. Started with the first queued document: most test lakes never need it.
 */
import {Piscina} from 'piscina'
import type {AnalyzedDocument} from './searchIndex.ts'

export interface AnalyzeTask {
  /** The dataset file, and which opening of it: a file deleted and made again is another one. */
  path: string
  opening: string
  /** Queued ids after this one, in id order, at most `limit`. */
  after: string
  limit: number
}

export interface SearchAnalyzer {
  analyze(task: AnalyzeTask): Promise<AnalyzedDocument[]>
  /**
   * Closes the thread's connections (after its current batch) and stops it; the queue keeps what
   * it did not finish. Before the stores close: theirs must be the last connections.
   */
  close(): Promise<void>
}

const WORKER = new URL('./searchAnalyzerWorker.ts', import.meta.url).href
/** How long the thread waits for more work before it ends. */
const IDLE_MS = 2000

export function createSearchAnalyzer(): SearchAnalyzer {
  let pool: Piscina<AnalyzeTask | 'close', AnalyzedDocument[]> | null = null
  let closed = false
  return {
    analyze(task) {
      if (closed) return Promise.reject(new Error('lake: the search analyzer is closed'))
      pool ??= new Piscina({
        filename: WORKER,
        // The thread goes once the queue is empty for a while: a bulk load's analysis left it
        // holding 45-80 MB of heap through whatever the lake did next.
        minThreads: 0,
        maxThreads: 1,
        idleTimeout: IDLE_MS,
      })
      return pool.run(task)
    },
    async close() {
      closed = true
      // A thread gone idle closed its connections as it ended.
      if (pool && pool.threads.length > 0) await pool.run('close').catch(() => undefined)
      await pool?.destroy()
      pool = null
    },
  }
}
