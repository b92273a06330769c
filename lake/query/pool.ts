/**
 * The query workers of one lake: a piscina pool, started on the first query (most test lakes never
 * need it) and sized for the machine. Every query has a deadline counted from its arrival; at the
 * deadline, or when the caller goes away, the thread running it is terminated (the only way to
 * stop synchronous GROQ evaluation) and piscina starts a fresh one. Each worker has a heap cap.
 *
 * Why piscina rather than hand-rolled node:worker_threads: it already does the queueing,
 * abort-by-termination with replacement, resource limits, idle shutdown and clean destroy, and
 * dispatches through Atomics rather than a message round trip per task.
 */
import {availableParallelism, getPriority} from 'node:os'
import {fileURLToPath} from 'node:url'
import {Worker} from 'node:worker_threads'
import {Piscina} from 'piscina'
import {recordWarmUp, warmedUp, withCompileCache} from '../../kit/compileCache.ts'
import {
  ClientGoneError,
  formatMs,
  ListenerOverloadedError,
  QueryMemoryError,
  QueryTimeoutError,
  UnavailableError,
} from '../core/errors.ts'
import type {
  DocumentsTask,
  DocumentsTaskResult,
  FilterTask,
  FilterTaskResult,
  HistoryTask,
  HistoryTaskResult,
  OnThread,
  QueryTask,
  QueryTaskResult,
  ReadTask,
  ReadTaskResult,
  TransactionTask,
  TransactionTaskResult,
  WorkerTask,
} from './wire.ts'
import {readBegan, TASK_SLOT} from './wire.ts'
import {
  mayRaiseTo,
  ownThreadId,
  raiseLoweredQueryThreads,
  setThreadNice,
  threadCpuMs,
  workerNice,
} from './priority.ts'
import {createTurns, type Turn} from '../core/turns.ts'
import {createStrandedPools} from '../threads/strandedPools.ts'
import {startedThreads} from '../threads/startedThreads.ts'

export interface QueryPoolOptions {
  /** Deadline per query, from its arrival (queueing included). */
  timeoutMs: number
  /**
   * Deadline of a transaction built on a worker (from the write request's arrival). Longer than a
   * query's: a large document's write is linear in what the request sends, and runs off the event
   * loop and outside the write lock; the deadline only stops work without end (many patch
   * operations on a large document).
   */
  buildTimeoutMs?: number
  /**
   * Heap per worker thread, in MB: a task whose thread's heap holds more is stopped (taskWatch;
   * V8's own limit is HEAP_HEADROOM_MB higher).
   */
  memoryMb: number
  /** V8's limit of a thread's heap above `memoryMb` (tests: none); HEAP_HEADROOM_MB by default. */
  headroomMb?: number
  /**
   * Worker threads; default: the cores, at least 3, so that with one thread on a slow query and
   * one restarting after a terminated one, a third still answers at once.
   */
  threads?: number
  /** How long a write or read thread waits for its lane's next task before it ends (LANE_IDLE_MS). */
  laneIdleMs?: number
  /** The threads' module (tests: one that cannot start); lake/query/thread.ts by default. */
  thread?: string
  /**
   * CPU (ms) a task on a query thread uses at the lake's priority before its thread is demoted
   * (DEMOTE_AFTER_MS by default). Infinity lowers no query's thread at all: nor an anonymous
   * caller's from its start (their turns still come after signed-in callers').
   */
  demoteAfterMs?: number
}

/** How the pool runs a request's task. */
export interface TaskOptions {
  /** Aborts when the client left: the task is stopped. */
  signal?: AbortSignal
  /** When the deadline began (epoch ms; default now): a request's several tasks share one. */
  since?: number
  /**
   * The caller (a principal, an anonymous caller's address): tasks waiting for their lane's
   * thread take turns by caller (createTurns); none, first come, first served. A query's default
   * is its task's principal.
   */
  holder?: string
}

export interface QueryPool {
  /** Runs a query on a worker, within the query deadline. */
  run(task: QueryTask, options?: TaskOptions): Promise<QueryTaskResult>
  /** Builds a write request's transaction on a write thread, within the write deadline. */
  build(task: TransactionTask, options?: TaskOptions): Promise<TransactionTaskResult>
  /** Reads a large write request's body on a write thread, within the write deadline. */
  read(task: ReadTask, options?: TaskOptions): Promise<ReadTaskResult>
  /** Reads `data/doc`'s documents on a read thread, within a write's deadline (LANES). */
  documents(task: DocumentsTask, options?: TaskOptions): Promise<DocumentsTaskResult>
  /** Rebuilds documents at a point in history on a read thread, within a write's deadline (LANES). */
  history(task: HistoryTask, options?: TaskOptions): Promise<HistoryTaskResult>
  /**
   * Runs a listener filter on a worker within `budgetMs` of its own evaluation (a
   * QueryTimeoutError past it), after waiting at most `waitMs` for a thread (a
   * ListenerOverloadedError past it, or at once while FILTER_BACKLOG filters wait). `holder`
   * names the listener's caller, whose turn on the query threads (or, for large documents' texts,
   * the read threads) it takes as a query would; an `anonymous` caller's filter on a query thread,
   * as its queries, runs niced from its start and after signed-in callers' turns.
   */
  filter(
    task: FilterTask,
    budgetMs: number,
    waitMs: number,
    holder?: string,
    anonymous?: boolean,
  ): Promise<FilterTaskResult>
  /** Filter tasks sent to threads so far (tests: filters over the same texts share one). */
  filterTasks(): number
  /**
   * Starts the query threads now rather than with the first query that needs them (a lake
   * serving clients does, at its start: a cold start takes seconds on a busy machine), one after
   * another, each loading niced (thread.ts); a first task before they are all up starts the rest
   * at once, as without it.
   */
  start(): void
  /** Terminates every thread at once, whatever it runs; done once they have ended. */
  close(): Promise<void>
}

/** The threads' first module: it lowers a query thread's priority, then loads worker.ts. */
const THREAD = new URL('./thread.ts', import.meta.url).href

/** The warm-up's name in the compile cache's records. */
const WARM_UP = 'query-threads'

/**
 * The compile cache's warm-up thread, as text, so nothing of its own needs the type stripper (and
 * through getBuiltinModule, since it runs as CommonJS or, in a process started with
 * --input-type=module, as a module): it requires the threads' module as piscina does (require
 * first: the cache's key), which lowers its priority as a query thread's before loading the
 * engine, writes the cache, and answers the URLs it loaded (recordWarmUp).
 */
const WARM = `
const {createRequire, enableCompileCache, flushCompileCache, registerHooks} = process.getBuiltinModule('node:module')
const {parentPort, workerData} = process.getBuiltinModule('node:worker_threads')
const loaded = []
registerHooks({load: (url, context, next) => (loaded.push(url), next(url, context))})
enableCompileCache(process.env.NODE_COMPILE_CACHE)
createRequire(workerData.thread)(workerData.thread)
flushCompileCache()
parentPort.postMessage(loaded)
`

/**
 * Young generation per thread, in MB. V8 grows it up to 128 MB on a thread that allocates fast (a
 * scan does), and that memory stays resident: three threads held more than the whole query set
 * needs. A smaller one costs a few more scavenges. A process started with `--max-semi-space-size`
 * gives every thread the flag's size instead: the lake's start sets it to 8, so 16 MB, before any
 * thread starts (kit/lakeFlags.ts limitThreadYoungGeneration).
 */
const YOUNG_MB = 16

/**
 * Threads of the write lane and of the read lane, each: at the lake's priority, never demoted. A
 * query thread is demoted 10 nice steps once its task has used DEMOTE_AFTER_MS of CPU, so that a
 * query run to its deadline yields the core to the event loop; an editor's large write is wanted
 * work, and at that priority on a busy machine 20 patches of a 3 MB draft ran past 8 s where the
 * event loop had taken 2 s. Either way the event loop is another thread and answers meanwhile.
 */
const LANE_THREADS = 2

/**
 * A write or read thread ends after this long without a task, and the next large write (or
 * data/doc read) starts one, as the first did: ~0.3-1.5 s off the event loop, within the task's
 * deadline. An idle thread never collects its garbage, so it kept the heap the last builds left:
 * after 161 builds of 1,000 archive documents, 66 MB of the lake's 349 MB of RSS, for the lake's
 * life. An editor typing in a large draft sends a patch every second or two and keeps the thread.
 */
const LANE_IDLE_MS = 10_000

/**
 * The query lane's overflow: query threads for the turns demoted tasks gave back (createTurns),
 * started on demand and ended idle as the write and read lanes' are. The anonymous lane: in a lake
 * that may not raise a thread's priority back (no CAP_SYS_NICE), anonymous callers' queries run on
 * threads of their own, lowered for life (anonymousThreads).
 */
type Lane = 'queries' | 'overflow' | 'anonymous' | 'writes' | 'reads'

/** The lanes whose threads run queries: their tasks' priority is the pool's (taskWatch). */
const queryLane = (lane: Lane) => lane === 'queries' || lane === 'overflow' || lane === 'anonymous'

/**
 * Query threads beyond the query lane's number: their idle threads are ended and their tasks
 * stopped while the query threads' heaps together pass the budget (taskWatch's withinBudget).
 */
const beyond = (lane: Lane) => lane === 'overflow' || lane === 'anonymous'

/** Thread `tid`'s nice value, or null once it has ended. */
function threadNice(tid: number): number | null {
  try {
    return getPriority(tid)
  } catch {
    return null
  }
}

/**
 * How far above `memoryMb` V8's own limit of a thread's heap is set. At its limit V8 calls Node's
 * worker, which grants 16 MB more and stops the thread; an allocation that needs more than that
 * aborts the whole process, every dataset with it (nodejs/node#47224): `lower()` of a string of
 * 128 million characters built by `+` (cheap: a tree of its parts) flattens it into one block, on
 * a thread capped at 64 MB. V8's largest objects are 1 GB (a string of 2^29 two-byte characters,
 * an array of 2^27 elements), and one step may make two (`lower()` flattens its operand, then
 * copies it) without a point where the thread can be stopped; so the cap is the pool's to keep
 * (taskWatch), and V8's limit only catches what the cap could not: this much more, for such a
 * step and what the thread allocates between two readings of its heap. Address space, not memory:
 * only a query that allocates past the cap comes near it, and it is stopped.
 */
const HEAP_HEADROOM_MB = 3072

/** How often the heap (and, on a query thread, the CPU) of a thread running a task is read. */
const HEAP_POLL_MS = 50

/**
 * CPU a query-thread task may use at the lake's priority; past it the pool demotes its thread by
 * WORKER_NICENESS until the task ends (priority.ts). The readers' front-page shapes take tens of
 * ms; the common word's search and the headlines with their article and source hundreds (archive
 * scale); a pathological query runs to its deadline. Measured: docs/benchmarks-log.md.
 */
export const DEMOTE_AFTER_MS = 300

/** Tasks running on threads, each with where its thread writes its ids (OnThread). */
interface Watched {
  pool: Pool
  slot: Int32Array
  /**
   * Stops the task (its thread is terminated): its own heap past the cap, or (`budget`) an
   * overflow thread's while the query and overflow threads' heaps together pass the budget.
   */
  stop(reason: 'cap' | 'budget'): void
  /** Its lane: a query or overflow thread's heap counts against the budget. */
  lane: Lane
  /** Its thread's heap at the last reading, in bytes; whether it was stopped. */
  heap?: number
  stopped?: boolean
  /** A reading of its thread's heap is under way. */
  reading: boolean
  /** A query thread's task: demoted past its CPU allowance (the others run at the lake's priority). */
  demotes: boolean
  /**
   * An anonymous caller's query: its thread runs it niced from its start (worker.ts), and past
   * the allowance it counts as demoted (its turn given back) without a change of priority.
   */
  lowered: boolean
  /** Its thread's CPU (ms) as it began (written by the thread), and whether it was demoted. */
  cpuAtStart?: number
  demoted?: boolean
  /** Demoted by the pool lowering its thread (not niced from its start): raised at its end. */
  reniced?: boolean
  /** Called once a thread of its pool is retired (taskWatch's restore): fills the pool again. */
  retired(): void
  /** Called once its thread is demoted. */
  onDemoted?(): void
}

/** A query or overflow thread, in the budget (taskWatch's `counted`). */
interface CountedThread {
  lane: Lane
  pool: Pool
  heap: number
  reading: boolean
  ending: boolean
}

/** What piscina tells of a thread (its `workerCreate` event; its load balancer's choice). */
interface PoolThread {
  readonly id: number
  readonly currentUsage: number
}

export interface TaskWatchOptions {
  memoryMb: number
  /** What the query and overflow threads running tasks may hold together, in MB (none: no bound). */
  budgetMb?: number
  /** CPU a query thread's task uses before its thread is demoted (DEMOTE_AFTER_MS by default). */
  demoteAfterMs?: number
}

/**
 * Watches each thread while it runs a task, every HEAP_POLL_MS. Its heap: read with
 * `Worker.getHeapStatistics` (answered by the thread between two steps of its JavaScript, even in
 * the middle of a synchronous evaluation), and a task whose thread holds more than `memoryMb` MB is
 * stopped; the cap counts the heap as it is, garbage not yet collected included. Meanwhile the
 * idle query and overflow threads' heaps are read too (answered from piscina's wait for a task):
 * an idle thread never collects its garbage, and an overflow thread kept it until it ended, 10 s
 * idle, outside the budget. While the query and overflow threads' last readings, idle or not,
 * together pass `budgetMb`, the idle overflow thread holding the most is ended, then the
 * overflow's task holding the most is stopped (withinBudget). A query thread's
 * CPU (Linux: /proc/self/task/<tid>/schedstat): once its task has used `demoteAfterMs`, the
 * thread runs WORKER_NICENESS steps below the lake until the task ends, counted from the CPU the
 * thread wrote as the task began (a first reading taken as the start missed what the task used
 * while a busy event loop read late). A task shorter than one poll is never read.
 */
function taskWatch({memoryMb, budgetMb, demoteAfterMs = DEMOTE_AFTER_MS}: TaskWatchOptions) {
  const watched = new Set<Watched>()
  /**
   * Demoted threads not allowed back to the lake's priority, by thread id, until they have ended
   * (given no task meanwhile: available), and whether they were told to.
   */
  const retiring = new Map<number, {task: Watched; ending: boolean}>()
  /** The pools' threads, by thread id (threadCreated). */
  const threads = new Map<number, PoolThread>()
  /**
   * The query and overflow threads, by thread id, each with its heap at the last reading (its
   * task's while it runs one), whether a reading is under way, and whether it is ending (an idle
   * overflow thread ended for the budget): then it counts no more, nor is it given a task.
   */
  const counted = new Map<number, CountedThread>()
  let timer: ReturnType<typeof setInterval> | undefined
  const capBytes = memoryMb * 1024 * 1024
  const budgetBytes = budgetMb === undefined ? Infinity : budgetMb * 1024 * 1024
  /**
   * While the query threads' last readings pass the budget together, the overflow's task holding
   * the most is stopped, and the next, until they do not: the query lane's own threads, each
   * within the cap, never pass it alone.
   */
  function withinBudget() {
    // A stopped task's thread is being terminated: it counts no more. (Not marked ending: a task
    // that ended as it was stopped leaves its thread, which may be given the next.)
    const stopping = new Set<number>()
    for (const task of watched) {
      if (task.stopped) stopping.add(Atomics.load(task.slot, TASK_SLOT.threadId))
    }
    let total = 0
    for (const [id, thread] of counted) {
      if (!thread.ending && !stopping.has(id)) total += thread.heap
    }
    if (total <= budgetBytes) return
    // Idle overflow threads first: ending one answers nobody's query with a refusal.
    const idle = [...counted]
      .filter(([id, thread]) => beyond(thread.lane) && !thread.ending && isIdle(id))
      .sort(([, a], [, b]) => b.heap - a.heap)
    for (const [id, thread] of idle) {
      if (total <= budgetBytes) return
      total -= thread.heap
      thread.ending = true
      const worker = thread.pool.threads.find((w) => w.threadId === id)
      // Piscina hears the exit (threadEnded); none of its tasks is lost, it ran none.
      if (worker) void worker.terminate()
      else counted.delete(id)
    }
    const overflow = [...watched]
      .filter((task) => beyond(task.lane) && !task.stopped)
      .sort((a, b) => (b.heap ?? 0) - (a.heap ?? 0))
    for (const task of overflow) {
      if (total <= budgetBytes) return
      total -= counted.get(Atomics.load(task.slot, TASK_SLOT.threadId))?.heap ?? 0
      task.stopped = true
      task.stop('budget')
    }
  }
  /** A thread of the pools that runs no task (piscina's count, which the load balancer reads). */
  const isIdle = (id: number) => (threads.get(id)?.currentUsage ?? 1) === 0
  /** Reads the heap of each idle query and overflow thread (their tasks' threads: poll). */
  function readIdle() {
    for (const [id, thread] of counted) {
      if (thread.reading || thread.ending || !isIdle(id)) continue
      const worker = thread.pool.threads.find((w) => w.threadId === id)
      if (!worker) continue
      thread.reading = true
      worker.getHeapStatistics().then(
        (heap) => {
          thread.reading = false
          // Given a task meanwhile: its task's readings count.
          if (!isIdle(id) || thread.ending) return
          thread.heap = heap.used_heap_size
          withinBudget()
        },
        () => (thread.reading = false),
      )
    }
  }
  // The event loop's: a thread inherits its creator's, and query threads take it back once loaded.
  const lakeNice = getPriority()
  /** Whether a lowered thread may take the lake's priority back (else it is retired). */
  const canRaise = mayRaiseTo(lakeNice)
  function demote(task: Watched) {
    const tid = Atomics.load(task.slot, TASK_SLOT.tid)
    if (!task.demotes || task.demoted || tid === 0) return
    const cpu = threadCpuMs(tid)
    if (cpu === null) return
    task.cpuAtStart ??= new Float64Array(task.slot.buffer, TASK_SLOT.cpuAtStartOffset, 1)[0]
    if (cpu - task.cpuAtStart < demoteAfterMs) return
    // An anonymous caller's query already runs niced: past the allowance it only gives its turn
    // back, as a demoted query does.
    if (!task.lowered) {
      task.reniced = threadNice(tid) === lakeNice && setThreadNice(tid, workerNice(lakeNice))
      if (!task.reniced) {
        task.demotes = false
        return
      }
    }
    task.demoted = true
    task.onDemoted?.()
  }
  function poll() {
    readIdle()
    for (const task of watched) {
      const id = Atomics.load(task.slot, TASK_SLOT.threadId)
      if (id === 0) continue
      demote(task)
      if (task.reading) continue
      const thread = task.pool.threads.find((worker) => worker.threadId === id)
      if (!thread) continue
      task.reading = true
      thread.getHeapStatistics().then(
        (heap) => {
          task.reading = false
          if (!watched.has(task) || task.stopped) return
          task.heap = heap.used_heap_size
          const thread = counted.get(id)
          if (thread) thread.heap = task.heap
          if (task.heap > capBytes) {
            task.stopped = true
            task.stop('cap')
          } else withinBudget()
        },
        // The thread ended meanwhile: its task is answered by its end.
        () => (task.reading = false),
      )
    }
  }
  /**
   * A demoted thread's task ended: the thread takes the lake's priority back for its next task; a
   * thread ended at a deadline is gone, and nothing is done. One piscina has given its next task
   * already is left as it is: the thread takes each task's priority as it begins it (worker.ts),
   * and raised here it could run an anonymous caller's query at the lake's priority. Refused (no
   * CAP_SYS_NICE nor RLIMIT_NICE: thread.ts then loads it at the lake's priority), the thread is
   * retired rather than reused niced for life.
   */
  function restore(task: Watched) {
    if (!task.reniced) return
    const tid = Atomics.load(task.slot, TASK_SLOT.tid)
    const reused = (threads.get(Atomics.load(task.slot, TASK_SLOT.threadId))?.currentUsage ?? 0) > 0
    if (canRaise && (reused || setThreadNice(tid, lakeNice))) return
    retiring.set(Atomics.load(task.slot, TASK_SLOT.threadId), {task, ending: false})
  }
  /** A later look at retiring threads that were busy. */
  let retryRetire: ReturnType<typeof setTimeout> | undefined
  /**
   * Terminates each retiring thread that runs no task. Piscina may have given it the next one
   * before this task's end was heard (the pool's warm-up tasks queued behind a lane's first task,
   * or a task of no watch): it is looked at again shortly. None is given one meanwhile
   * (available); piscina starts a thread at the lake's priority for its queue, and the lane fills.
   */
  function retire() {
    let busy = false
    for (const [id, retired] of retiring) {
      const thread = retired.task.pool.threads.find((worker) => worker.threadId === id)
      if (!thread) retiring.delete(id)
      if (!thread || retired.ending) continue
      if ((threads.get(id)?.currentUsage ?? 0) > 0) {
        busy = true
        continue
      }
      retired.ending = true
      // Piscina hears the exit first (its listener is older): removed, and none of the pool's
      // tasks with it.
      void thread.terminate().then(() => retired.task.retired())
    }
    if (busy && !retryRetire) {
      retryRetire = setTimeout(() => {
        retryRetire = undefined
        retire()
      }, HEAP_POLL_MS).unref()
    }
  }
  return {
    /** Piscina's load balancer: a free thread, not one being retired (its default otherwise). */
    available: <T extends PoolThread>(candidates: readonly T[]): T | null =>
      candidates.find(
        (thread) =>
          thread.currentUsage === 0 &&
          !retiring.has(thread.id) &&
          counted.get(thread.id)?.ending !== true,
      ) ?? null,
    /** A pool's new thread (piscina's `workerCreate`), for its count of tasks. */
    threadCreated(thread: PoolThread, lane: Lane, pool: Pool) {
      threads.set(thread.id, thread)
      if (queryLane(lane)) {
        counted.set(thread.id, {lane, pool, heap: 0, reading: false, ending: false})
      }
    },
    threadEnded(thread: PoolThread) {
      threads.delete(thread.id)
      retiring.delete(thread.id)
      counted.delete(thread.id)
    },
    /** Watches a task until the function returned is called. */
    watch(task: Watched): () => void {
      watched.add(task)
      timer ??= setInterval(poll, HEAP_POLL_MS)
      return () => {
        watched.delete(task)
        restore(task)
        if (retiring.size > 0) retire()
        if (watched.size === 0 && timer) {
          clearInterval(timer)
          timer = undefined
        }
      }
    },
  }
}

/**
 * Where each task runs; queries and listener filters on the query threads. The write lane: an
 * editor's large write (its body read, then built). The read lane: data/doc's reads of large
 * documents (the Studio's reads of a document group, bounded by LIMITS.docAnswerBytes) and
 * history at a revision (the same reads, each document patched from its snapshot first). On a
 * query thread (then always 10 nice steps down), 60 MB of documents took 9.6 s at load 23 and
 * ran into the query deadline; on the write threads, a 1.5 MB document waited 6-11 s behind two
 * editors' 20 MB writes (load 18-28), where alone it took 0.1-0.3 s.
 */
const LANES: Partial<Record<WorkerTask['kind'], Lane>> = {
  transaction: 'writes',
  read: 'writes',
  documents: 'reads',
  history: 'reads',
}

type Pool = Piscina<WorkerTask | null, unknown>

/** What a lane's threads are called in its errors. */
const LANE_THREADS_NAMED: Record<Lane, string> = {
  queries: 'query',
  overflow: 'query',
  anonymous: 'query',
  writes: 'write',
  reads: 'read',
}

/** A filter asked of the pool, until it is answered. */
interface FilterAsk {
  task: FilterTask
  budgetMs: number
  waitMs: number
  holder?: string
  anonymous: boolean
  resolve(answer: FilterTaskResult): void
  reject(err: unknown): void
}

/** Filters asking about the same documents. */
interface FilterBatch {
  documents: FilterTask['documents']
  asks: FilterAsk[]
}

/** The same documents: the same objects (a transaction's texts are one object for every listener). */
function sameDocuments(a: FilterTask['documents'], b: FilterTask['documents']): boolean {
  return a.length === b.length && a.every((doc, i) => doc === b[i])
}

/**
 * Listener filters waiting for a query thread in the whole lake: past it a listener's next filter
 * is refused at once (its listener closed) rather than queue without end behind busy threads.
 */
const FILTER_BACKLOG = 256

/** How often a waiting filter looks whether its thread has begun it. */
const FILTER_POLL_MS = 50

export function createQueryPool(options: QueryPoolOptions): QueryPool {
  let closed = false
  let closing: Promise<void> | null = null
  const threads = options.threads ?? Math.max(3, availableParallelism())
  // The event loop's: the query threads run signed-in callers' tasks at it.
  const lakeNice = getPriority()
  /**
   * Anonymous callers' queries on threads of their own (the anonymous lane), lowered for life,
   * where a lowered thread may not take the lake's priority back (mayRaiseTo: no CAP_SYS_NICE nor
   * RLIMIT_NICE, a developer's `npm run dev`). Retiring a thread after each anonymous query
   * instead would cost a thread's start (0.3-1.5 s of CPU) per query of a public page; on shared
   * threads, one lowered by an anonymous query would run an editor's niced. Elsewhere every query
   * thread runs both, each task at its caller's priority (worker.ts).
   */
  const anonymousThreads = ownThreadId() !== null && !mayRaiseTo(lakeNice)
  /**
   * Anonymous callers' queries and filters run niced from their start unless no thread is ever
   * lowered (demoteAfterMs Infinity: a test lake on a loaded machine, where at load 17 the niced
   * questions of a test that checks no priority took past its 90 s).
   */
  const lowersAnonymous = options.demoteAfterMs !== Infinity

  /** Every thread of the lanes and the warm-up, until it has exited: close() waits for each. */
  const everyThread = startedThreads()
  /** Lanes' pools whose failed thread left tasks waiting (lane's `stranded`). */
  const strandedPools = createStrandedPools()
  /** A lane's thread's failure as its task's caller hears it, naming the lane. */
  const threadFailure = (lane: Lane, err: Error): Error =>
    (err as {code?: string}).code === 'ERR_WORKER_OUT_OF_MEMORY'
      ? new QueryMemoryError(options.memoryMb)
      : new UnavailableError(
          `The lake could not start a ${LANE_THREADS_NAMED[lane]} thread (${err.message}); try again`,
        )

  function start(lane: Lane, onError: (pool: Pool, err: Error) => void): Pool {
    const pool: Pool = new Piscina({
      filename: options.thread ?? THREAD,
      // The query threads start with the lane's first task (startPool, fill), and all stay: a
      // cold thread takes ~0.3–1.5 s to load the query engine, so a free one is ready when
      // another is busy. Write and read threads are needed for large documents only: started on
      // demand, ended idle, as are the overflow's query threads (at most one per query thread).
      // No minimum: piscina keeps it by starting a thread whenever one it let go ends, even after
      // destroy() (close), which then left a query thread to a closed pool; fill() replaces a
      // thread ended at a deadline instead. The anonymous lane's threads start on demand and stay
      // as the query threads do (a public page's next query finds one loaded).
      minThreads: 0,
      maxThreads: queryLane(lane) ? threads : LANE_THREADS,
      idleTimeout:
        lane === 'queries' || lane === 'anonymous'
          ? Infinity
          : (options.laneIdleMs ?? LANE_IDLE_MS),
      resourceLimits: {
        maxOldGenerationSizeMb: options.memoryMb + (options.headroomMb ?? HEAP_HEADROOM_MB),
        maxYoungGenerationSizeMb: YOUNG_MB,
      },
      // Read by the worker: only query threads lower their priority (the anonymous lane's for
      // life); the cap, for the pre-check of a write body's parse (the heap's limit is the
      // headroom higher).
      workerData: {lane: lane === 'overflow' ? 'queries' : lane, memoryMb: options.memoryMb},
      // Threads that find the engine's stripped TypeScript there never load Node's type stripper.
      env: withCompileCache(),
      loadBalancer: (_task, candidates) => tasks.available(candidates),
      // An idle thread's failure is emitted on the pool: unheard, it would stop the lake.
      // After close(), piscina may still hear a thread answer a task it has dropped (a fill's).
    })
    pool.on('workerCreate', (thread: PoolThread) => tasks.threadCreated(thread, lane, pool))
    everyThread.watch(pool)
    pool.on('workerDestroy', tasks.threadEnded)
    pool.on('error', (err: Error) => {
      if (closed) return
      console.error(`lake: a query thread failed: ${err.message}`)
      onError(pool, err)
    })
    return pool
  }

  /**
   * Writes the compile cache for every module the threads load (kit/compileCache.ts), on a
   * short-lived thread of its own before the pool's start: one module missing there (the worker's
   * own, which only threads load) makes a thread load Node's type stripper, some 15 MB for its
   * life. This thread loads it instead, and ends. Not on the event loop: loading groq-js and the
   * engine there held it 0.3-2.2 s (in vitest, where no lake module is loaded natively, all of it).
   * Skipped while none of the files the last one loaded has changed (warmedUp).
   */
  function warm(): Promise<void> {
    if (warmedUp(WARM_UP)) return Promise.resolve()
    return new Promise((done) => {
      warmer = new Worker(WARM, {
        eval: true,
        env: withCompileCache(),
        workerData: {thread: fileURLToPath(THREAD), lane: 'warm'},
      })
      everyThread.add(warmer)
      warmer.once('message', (loaded: string[]) => recordWarmUp(WARM_UP, loaded))
      // A cache not written costs memory (each thread loads the stripper), not correctness.
      warmer.once('error', (err: Error) =>
        console.error(`lake: the query threads' compile cache was not written: ${err.message}`),
      )
      warmer.once('exit', () => {
        warmer = null
        done()
      })
    })
  }

  let warming: Promise<void> | null = null
  let warmer: Worker | null = null

  /** A lane's pool, started on its first task; deadlines count once a first worker is loaded. */
  function lane(name: Lane) {
    let pool: Pool | null = null
    let ready: Promise<Pool | null> | null = null
    let filled = false
    /** Tasks on the lane's threads, and those of them demoted (their query's turn given back). */
    let busy = 0
    let demoted = 0
    /**
     * Brings the query threads up to their number: as many null tasks at once, so piscina starts
     * a thread for each that finds none free (with no minimum, it replaces no thread terminated
     * at a deadline by itself).
     */
    function fill() {
      if (name !== 'queries' || !pool || closed) return
      for (let i = 0; i < threads; i++) pool.run(null).catch(() => undefined)
    }
    /**
     * A thread failed with no task of its own (it could not start: too many open files, too
     * little memory) and left tasks queued, and a lane's first task waits for its pool's start
     * without a deadline: the pool is given up (lake/threads/strandedPools.ts), and the next task
     * starts a new one.
     */
    function stranded(running: Pool, err: Error) {
      if (closed || !strandedPools.giveUp(running, err) || pool !== running) return
      pool = null
      ready = null
      filled = false
    }
    async function startPool() {
      await (warming ??= warm())
      if (closed) return null
      const started = (pool = start(name, stranded))
      // A null task only loads the worker; a task's deadline is not spent on a cold start.
      await started.run(null).catch(() => undefined)
      const failed = strandedPools.failure(started)
      if (failed) throw threadFailure(name, failed)
      return started
    }
    /**
     * Starts the lane's other threads in turn, each once the last has loaded, until the lane has
     * its number or takes its first task (fill then starts the rest at once). All at once, they
     * took the machine's cores together from a lake just started; with the first query, a fresh
     * lake's first flood waited for them.
     */
    async function startAll() {
      const running = await ready!
      while (
        running &&
        !closed &&
        !filled &&
        pool === running &&
        running.threads.length < threads
      ) {
        const loaded = new Promise<boolean>((done) => {
          const heard = (created: boolean) => () => {
            running.off('workerCreate', onCreate)
            running.off('error', onError)
            done(created)
          }
          const onCreate = heard(true)
          const onError = heard(false)
          running.on('workerCreate', onCreate)
          running.on('error', onError)
        })
        // A null task for each (free) thread, and one more that finds none free: piscina starts
        // a thread for it.
        const free = running.threads.length
        for (let i = 0; i <= free; i++) running.run(null).catch(() => undefined)
        if (!(await loaded)) return
      }
    }
    return {
      ready: () => (ready ??= startPool()),
      /** Starts the lane's threads, one after another (startAll); the query lane's only. */
      startAll: () => {
        if (name !== 'queries') return
        ready ??= startPool()
        startAll().catch(() => undefined)
      },
      /**
       * Waits for a caller's turn on the lane's threads: one a thread, and on the query threads
       * as many extra ones for demoted tasks (the overflow lane's threads, which take no turn of
       * their own). The write and read threads served tasks first come, first served: one
       * caller's burst of large data/doc reads, history rebuilds or large writes made every
       * other caller's wait behind all of it.
       */
      takeTurn:
        name === 'overflow' || name === 'anonymous'
          ? undefined
          : createTurns(
              name === 'queries' ? threads : LANE_THREADS,
              name === 'queries' ? threads : 0,
            ),
      /** Every thread of the lane is taken, one at least by a demoted task (dispatch). */
      full: () => busy >= threads && demoted > 0,
      /**
       * Runs `task` on the lane's started pool (`running`, from ready). The lane's first task
       * starts the other threads (after it, so it takes the free one), and a failed one refills
       * them: its thread may have been terminated (a deadline, the client gone, out of memory: a
       * QueryMemoryError). `onDemoted` hears its thread demoted. `lowered`: an anonymous caller's
       * query, run niced from its start.
       */
      async run(
        running: Pool,
        task: WorkerTask,
        signal: AbortSignal,
        onDemoted?: () => void,
        lowered = false,
      ) {
        const slot = new Int32Array(new SharedArrayBuffer(TASK_SLOT.bytes))
        const overCap = new AbortController()
        let wasDemoted = false
        busy++
        const unwatch = tasks.watch({
          pool: running,
          slot,
          lane: name,
          stop: (reason) => overCap.abort(reason),
          reading: false,
          demotes: queryLane(name),
          lowered,
          retired: fill,
          onDemoted() {
            wasDemoted = true
            demoted++
            onDemoted?.()
          },
        })
        // Every task on a query thread says its priority: the thread may have run another's.
        const onThread: OnThread = {
          ...task,
          thread: slot.buffer as SharedArrayBuffer,
          ...(queryLane(name) ? {nice: lowered ? workerNice(lakeNice) : lakeNice} : {}),
        }
        const answer = running.run(onThread, {signal: AbortSignal.any([signal, overCap.signal])})
        if (!filled) {
          filled = true
          fill()
        }
        try {
          return await answer
        } catch (err) {
          const failed = strandedPools.failure(running)
          if (failed) throw threadFailure(name, failed)
          // Its thread may have been the pool's last (stopped at a deadline or budget, out of
          // memory): Piscina starts none for the tasks queued behind it beyond minThreads (none in
          // the write and read lanes) until another task comes, so they waited out their bounds.
          if (!closed && running.threads.length === 0 && running.queueSize > 0) {
            running.run(null).catch(() => undefined)
          }
          fill()
          if (overCap.signal.aborted && !signal.aborted && overCap.signal.reason === 'budget') {
            throw new UnavailableError(
              `The lake's query threads held more than the ${threads * options.memoryMb} MB ` +
                `they may hold together (${threads} threads × --query-memory ${options.memoryMb} MB) ` +
                'while slow queries ran, and this query, on a thread beside theirs, was stopped: ' +
                'try again',
            )
          }
          const outOfMemory =
            (overCap.signal.aborted && !signal.aborted) ||
            (err as {code?: string}).code === 'ERR_WORKER_OUT_OF_MEMORY'
          if (outOfMemory) throw new QueryMemoryError(options.memoryMb)
          throw err
        } finally {
          unwatch()
          busy--
          if (wasDemoted) demoted--
        }
      },
      destroy: () => pool?.destroy().catch(() => undefined),
    }
  }
  // The query and overflow threads together hold what the query threads alone may (the overflow
  // lane doubles the threads, not the memory): 2 × threads × the cap was 6 GB on two cores.
  const tasks = taskWatch({
    memoryMb: options.memoryMb,
    budgetMb: threads * options.memoryMb,
    demoteAfterMs: options.demoteAfterMs,
  })
  const lanes = {
    queries: lane('queries'),
    overflow: lane('overflow'),
    anonymous: lane('anonymous'),
    writes: lane('writes'),
    reads: lane('reads'),
  }

  /**
   * Runs `task` on `lane` in the turn taken: on an overflow thread when the turn is one a demoted
   * task gave back while it holds its thread; `lowered` (an anonymous caller's query) niced from
   * its start, on the anonymous lane's threads where a thread may not be raised back.
   */
  async function runInTurn(
    lane: (typeof lanes)[Lane],
    running: Pool,
    task: WorkerTask,
    signal: AbortSignal,
    turn: Turn,
    lowered = false,
  ) {
    const own = lowered && anonymousThreads && lane === lanes.queries
    const overflow = !own && lane === lanes.queries && lanes.queries.full()
    const to = own ? lanes.anonymous : overflow ? lanes.overflow : lane
    const on = to === lane ? running : await to.ready()
    if (closed || !on) throw new UnavailableError('The lake is shutting down')
    return to.run(on, task, signal, turn.demoted, lowered)
  }

  async function dispatch(
    task: WorkerTask,
    timeoutMs: number,
    {signal, since, holder}: TaskOptions = {},
  ) {
    if (closed) throw new UnavailableError('The lake is shutting down')
    const lane = lanes[LANES[task.kind] ?? 'queries']
    // Signed-in callers' work comes first when the CPU is contended (priority.ts).
    const anonymous = task.kind === 'query' && task.principal.kind === 'anonymous'
    const lowered = anonymous && lowersAnonymous
    const running = await lane.ready()
    if (closed || !running) throw new UnavailableError('The lake is shutting down')
    const left = since === undefined ? timeoutMs : timeoutMs - (Date.now() - since)
    if (left <= 0) throw new QueryTimeoutError(timeoutMs)
    const deadline = AbortSignal.timeout(left)
    const abort = signal ? AbortSignal.any([deadline, signal]) : deadline
    let turn: Turn | undefined
    try {
      if (holder === undefined || !lane.takeTurn) return await lane.run(running, task, abort)
      turn = await lane.takeTurn(holder, abort, anonymous)
      return await runInTurn(lane, running, task, abort, turn, lowered)
    } catch (err) {
      if (deadline.aborted) throw new QueryTimeoutError(timeoutMs)
      if (closed) throw new UnavailableError('The lake is shutting down')
      if (signal?.aborted) throw new ClientGoneError()
      throw err
    } finally {
      turn?.end()
    }
  }

  let filtersWaiting = 0
  let filterTasks = 0

  /**
   * Filters over large documents' texts waiting for the end of this turn of the event loop, by
   * their documents: the listeners that hear a commit ask in the same turn, about the same texts.
   */
  let batches: FilterBatch[] = []

  /**
   * A listener filter. One over texts joins the other filters asking about the same texts in this
   * turn, and they run as one task, so the read thread parses each text once for all of them (two
   * filters over a 20.9 MB write's two documents parsed them 0.6-0.9 s each). Each filter keeps
   * its own budget in the task; one that runs past it fails alone, and the others are asked again.
   */
  function filter(
    task: FilterTask,
    budgetMs: number,
    waitMs: number,
    holder?: string,
    anonymous = false,
  ): Promise<FilterTaskResult> {
    if (!task.documents.some((doc) => doc instanceof Uint8Array)) {
      return filterTask(task, [budgetMs], waitMs, holder, anonymous)
    }
    return new Promise((resolve, reject) => {
      let batch = batches.find((b) => sameDocuments(b.documents, task.documents))
      if (!batch) {
        batch = {documents: task.documents, asks: []}
        if (batches.length === 0) setImmediate(runBatches)
        batches.push(batch)
      }
      batch.asks.push({task, budgetMs, waitMs, holder, anonymous, resolve, reject})
    })
  }

  function runBatches() {
    const ready = batches
    batches = []
    for (const {asks} of ready) void runBatch(asks)
  }

  async function runBatch(asks: FilterAsk[]): Promise<void> {
    if (asks.length === 0) return
    const [first, ...rest] = asks
    const turnOf = asks.find((ask) => !ask.anonymous) ?? first
    const task: FilterTask =
      rest.length === 0
        ? first.task
        : {
            ...first.task,
            alike: rest.map(({task: {query, params, identity}}) => ({query, params, identity})),
          }
    let overran = -1
    let answer: FilterTaskResult
    try {
      answer = await filterTask(
        task,
        asks.map((ask) => ask.budgetMs),
        Math.min(...asks.map((ask) => ask.waitMs)),
        // A signed-in listener's filter in the batch makes the batch's turn a signed-in one, that
        // listener's: taken as an anonymous address's, it marked the address's other waiting
        // tasks signed-in too, and they went ahead of every other anonymous caller's.
        turnOf.holder,
        turnOf.anonymous,
        (index) => (overran = index),
      )
    } catch (err) {
      if (overran < 0 || rest.length === 0) {
        for (const ask of asks) ask.reject(err)
        return
      }
      asks[overran].reject(err)
      return runBatch(asks.filter((_, i) => i !== overran))
    }
    const {alike, ...own} = answer
    first.resolve(rest.length === 0 ? answer : own)
    rest.forEach((ask, i) => ask.resolve(alike![i]))
  }

  /**
   * A listener filter's task: its budget counts from when its thread begins it (the thread says
   * when in `started`), so time spent queued behind busy or niced threads is not charged to the
   * filter; the wait has its own bound, and a lake-wide backlog cap. `budgets`: the task's
   * filter's, then its `alike` filters', each counted from when the thread begins that filter;
   * `overran` hears which ran past its budget (the task then fails with a QueryTimeoutError). On
   * the query threads it takes `holder`'s turn (createTurns), within the wait's bound: one
   * caller's many costly filters wait behind each other, not in front of everyone's queries. An
   * `anonymous` caller's turn comes after signed-in callers' and, on a query thread, runs niced
   * from its start, as its queries do: taken as a signed-in caller's, an address's listener also
   * lifted its waiting queries ahead of every other anonymous caller's.
   */
  async function filterTask(
    task: FilterTask,
    budgets: number[],
    waitMs: number,
    holder?: string,
    anonymous = false,
    overran?: (index: number) => void,
  ) {
    if (closed) throw new UnavailableError('The lake is shutting down')
    filterTasks++
    if (filtersWaiting >= FILTER_BACKLOG) {
      throw new ListenerOverloadedError(
        `${FILTER_BACKLOG} listener filters are waiting for a query thread (the lake is busy), so the listener was closed: reconnect later`,
      )
    }
    const arrived = Date.now()
    const started = new BigInt64Array(new SharedArrayBuffer(8))
    const abort = new AbortController()
    let ranOut: 'budget' | 'wait' | null = null
    let waiting = true
    filtersWaiting++
    const stopWaiting = () => {
      if (waiting) filtersWaiting--
      waiting = false
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const runOut = (what: 'budget' | 'wait') => {
      ranOut = what
      abort.abort()
    }
    // Which filter of the task ran out of its budget.
    let blamed = 0
    const check = () => {
      const now = Date.now()
      const {at: began, index} = readBegan(Atomics.load(started, 0))
      if (began > 0) {
        stopWaiting()
        const budgetMs = budgets[index]
        if (now - began >= budgetMs) {
          blamed = index
          return runOut('budget')
        }
        timer = setTimeout(check, began + budgetMs - now)
      } else {
        if (now - arrived >= waitMs) return runOut('wait')
        timer = setTimeout(check, Math.min(FILTER_POLL_MS, arrived + waitMs - now))
      }
    }
    // Large documents given as text are parsed on a read thread, at the lake's priority (on a
    // query thread a 20 MB parse ran past 10 s at load 30); their parse counts as the wait.
    const lane = task.documents.some((doc) => doc instanceof Uint8Array)
      ? lanes.reads
      : lanes.queries
    // Only query threads take a caller's priority; the read lane's run at the lake's.
    const lowered = anonymous && lowersAnonymous && lane === lanes.queries
    let turn: Turn | undefined
    try {
      const running = await lane.ready()
      if (closed || !running) throw new UnavailableError('The lake is shutting down')
      check()
      const onThread = {...task, started: started.buffer}
      if (holder !== undefined && lane.takeTurn) {
        turn = await lane.takeTurn(holder, abort.signal, anonymous)
        return (await runInTurn(
          lane,
          running,
          onThread,
          abort.signal,
          turn,
          lowered,
        )) as FilterTaskResult
      }
      return (await lane.run(
        running,
        onThread,
        abort.signal,
        undefined,
        lowered,
      )) as FilterTaskResult
    } catch (err) {
      if (ranOut === 'budget') {
        overran?.(blamed)
        throw new QueryTimeoutError(budgets[blamed])
      }
      if (ranOut === 'wait') {
        throw new ListenerOverloadedError(
          `The listener's filter waited more than ${formatMs(waitMs)} for a query thread (the lake is busy) and the listener was closed: reconnect later`,
        )
      }
      if (closed) throw new UnavailableError('The lake is shutting down')
      throw err
    } finally {
      turn?.end()
      clearTimeout(timer)
      stopWaiting()
    }
  }

  /** A write or read lane's task, within the write deadline (`buildTimeoutMs`). */
  const withWriteDeadline = (task: WorkerTask, taskOptions?: TaskOptions) =>
    dispatch(task, options.buildTimeoutMs ?? options.timeoutMs, taskOptions)

  return {
    run: async (task, taskOptions) =>
      (await dispatch(task, options.timeoutMs, {
        ...taskOptions,
        holder: taskOptions?.holder ?? task.principal.id,
      })) as QueryTaskResult,
    build: async (task, taskOptions) =>
      (await withWriteDeadline(task, taskOptions)) as TransactionTaskResult,
    read: async (task, taskOptions) =>
      (await withWriteDeadline(task, taskOptions)) as ReadTaskResult,
    documents: async (task, taskOptions) =>
      (await withWriteDeadline(task, taskOptions)) as DocumentsTaskResult,
    history: async (task, taskOptions) =>
      (await withWriteDeadline(task, taskOptions)) as HistoryTaskResult,
    filter,
    filterTasks: () => filterTasks,
    start: () => lanes.queries.startAll(),
    close() {
      // One close for every caller: a second one waits for the threads as the first does.
      closing ??= closeAll()
      return closing
    },
  }

  async function closeAll() {
    closed = true
    // Every thread is told to stop at once, and what it ran is answered; done once they have
    // ended (each frees its heap, or finishes a native call first), also those piscina let go
    // before (everyThread). The process's exit() would wait for them too, but only after ending
    // the thread that keeps the stop limit (lake/cli/stopping.ts): a thread in a native call
    // then held a stopped process 11-12 s. The lowered ones (query threads, the warm-up) take
    // the lake's priority first (lowered, a busy machine gives them a tenth of a core or less).
    raiseLoweredQueryThreads(getPriority())
    await Promise.all([
      lanes.queries.destroy(),
      lanes.overflow.destroy(),
      lanes.anonymous.destroy(),
      lanes.writes.destroy(),
      lanes.reads.destroy(),
      everyThread.end(),
    ])
  }
}
