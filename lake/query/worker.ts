/**
 * A query worker's engine (loaded by thread.ts, piscina's task module, once the thread's priority
 * is lowered): runs one query at a time over its own read-only SQLite connections, so a slow query
 * never holds the HTTP event loop or the write lock, and can be stopped by terminating the thread.
 */
import type {ExprNode} from 'groq-js'
import {getHeapSpaceStatistics, getHeapStatistics} from 'node:v8'
import {threadId} from 'node:worker_threads'
import {Piscina, workerData} from 'piscina'
import {transferables} from '../core/changeText.ts'
import {BadRequestError} from '../core/errors.ts'
import {createLru} from '../core/lru.ts'
import type {OrderKey, Store} from '../core/store.ts'
import type {SanityDocument} from '../core/types.ts'
import {buildTransaction} from '../core/transaction.ts'
import {applyWrites, readWriteBody, writeBodyHead} from '../core/writes.ts'
import {compileFilter, listenerFilterNode, type DocumentFilter} from '../listen/filter.ts'
import {exposedGc} from '../threads/exposedGc.ts'
import {createSqliteStores} from '../store/sqliteStore.ts'
import {
  ANSWER_AS_BYTES,
  answerBytes,
  executeQuery,
  NotJsonParams,
  parseParamsText,
  resultJson,
  threadCpu,
  withinAnswerMemory,
} from './execute.ts'
import {historyTexts} from './history.ts'
import {watched} from './watched.ts'
import {ownThreadId, setThreadNice, threadCpuMs} from './priority.ts'
import {
  beganFilter,
  packTexts,
  toWire,
  type DocumentsTask,
  type DocumentsTaskResult,
  type FilterSpec,
  type FilterTask,
  type FilterTaskResult,
  type HistoryTask,
  type HistoryTaskResult,
  type QueryTask,
  type ReadTask,
  type ReadTaskResult,
  type QueryTaskResult,
  type TransactionTask,
  type TransactionTaskResult,
  type OnThread,
  type WorkerResult,
  TASK_SLOT,
} from './wire.ts'

const registries = new Map<string, ReturnType<typeof createSqliteStores>>()
/** The largest StoreRegistry.generation a task brought, by data folder. */
const generations = new Map<string, number>()

/**
 * How long a dataset's connection stays on a query thread after its last query there, by the
 * lake's clock (a query task's `now`). Query threads live as long as the lake, and each kept a
 * connection to every dataset it had read: about 2.4 MB a dataset a thread (the page cache, the
 * statements) and its file handles, 7 MB a dataset over three threads (docs/benchmarks-log.md).
 * Reopening one costs a few ms and a cold page cache.
 */
export const READ_IDLE_MS = 5 * 60_000
/** When each dataset's store here was last used by a query, by data folder. */
const lastQueried = new Map<string, Map<string, number>>()

/**
 * Lets go of the stores no query has used for READ_IDLE_MS by `now`. At a query's start: a thread
 * waiting for tasks runs nothing (piscina holds it in Atomics.wait), so one given none keeps its
 * stores until its next.
 */
function letGoIdle(now: number): void {
  for (const [dataDir, used] of lastQueried) {
    for (const [dataset, at] of used) {
      if (now - at < READ_IDLE_MS) continue
      registries.get(dataDir)?.letGo(dataset)
      used.delete(dataset)
    }
  }
}

/*
 * No parsed-document cache on query threads: each thread would hold its own copy (a 32 MB budget
 * of JSON is over 100 MB of parsed documents, per thread), and at the archive's size it holds a
 * seventh of the documents, so a wide scan on a thread misses it anyway.
 */
function storeOf(task: {dataDir: string; dataset: string; generation?: number}): Store {
  const {dataDir, dataset} = task
  let stores = registries.get(dataDir)
  if (!stores)
    registries.set(dataDir, (stores = createSqliteStores(dataDir, {readOnly: true, cacheBytes: 0})))
  // A dataset was deleted since this thread last heard: its connection (if this thread has one)
  // holds the deleted file and its disk space, and would read it were the name made again. Every
  // store goes, as the thread cannot tell which; each is opened again when next used.
  const generation = task.generation ?? 0
  if (generation > (generations.get(dataDir) ?? 0)) {
    stores.close()
    generations.set(dataDir, generation)
  }
  return stores.get(dataset)
}

/** This thread's Linux id (0 elsewhere), for the pool's reads of its CPU (taskWatch). */
const OWN_TID = ownThreadId() ?? 0
/** A query thread's tasks are demoted by the CPU they use (pool.ts taskWatch); the others never. */
const LANE = (workerData as {lane?: string} | undefined)?.lane
const DEMOTES = LANE === 'queries' || LANE === 'anonymous'

/** The thread's cap (lake/query/pool.ts taskWatch), in bytes. */
const capBytes =
  ((workerData as {memoryMb?: number} | undefined)?.memoryMb ?? Infinity) * 1024 * 1024
let gc: ((options?: object) => void) | null = null
/** What the thread held alive after its last collection: garbage is what grew past it. */
let liveBytes = 0

/**
 * Collects what earlier tasks left on this thread once it is a quarter of the cap, so that a task
 * begins with the room a new thread has. The pool stops a task whose thread's heap passes the cap,
 * garbage included, and V8, whose own limit is 3 GB higher, collects by its own measure: a query
 * leaving arrays of half a million values on a thread capped at 64 MB had the next query on that thread
 * stopped as out of memory, every third one refused. A full collection of what is left alive
 * (little between tasks) takes a few ms, once per quarter of the cap of garbage: counted past what
 * the last one left alive, or a thread whose engine alone is a quarter of a small cap (15 MB of
 * 64) would collect before every task.
 */
function collectLeftovers(): void {
  if (getHeapStatistics().used_heap_size - liveBytes < capBytes / 4) return
  gc ??= exposedGc()
  if (!gc) return
  gc()
  liveBytes = getHeapStatistics().used_heap_size
}

/**
 * Young generation (V8's new space) past which a query thread gives it back: half of the 16 MB it
 * may grow to (pool.ts YOUNG_MB, kit/lakeFlags.ts). Loading groq-js and the rest grows it to that
 * limit, as does a long task that allocates fast (a scan over every article), and V8 keeps it
 * resident while the thread waits for tasks (it never collects idle): every query thread held 16
 * MB of it for the lake's life, the one that ran the full scan over another field 50 MB more of
 * its old generation's garbage (issue 9, the query set's peak RSS). Only a memory-reducing
 * collection gives it back (a plain one keeps it), tens of ms: once the engine is loaded, and
 * after a task of TRIM_AFTER_CPU_MS or more. Not after shorter ones: after each full scan over a
 * common field (20-60 ms) it missed that row's goal (6× groq-js, not 10×; docs/benchmarks-log.md).
 */
const YOUNG_KEPT_BYTES = 8 * 1024 * 1024
export const TRIM_AFTER_CPU_MS = 500
/** The young generation that loading the engine grew was looked at (giveBackYoung). */
let loadTrimmed = false

function giveBackYoung(): void {
  loadTrimmed = true
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')
  if ((young?.space_size ?? 0) < YOUNG_KEPT_BYTES) return
  gc ??= exposedGc()
  if (!gc) return
  gc({type: 'major', execution: 'sync', flavor: 'last-resort'})
  liveBytes = getHeapStatistics().used_heap_size
}

/** Runs a task; a null task (the pool's warm-up) only proves the engine is loaded. */
export default async function run(task: OnThread | null): Promise<WorkerResult | null> {
  // The caller's priority from the task's start (an anonymous caller's query niced), before any of
  // its work, the collection of what earlier tasks left included: the thread may have run another
  // caller's task at another.
  if (task?.nice !== undefined && OWN_TID !== 0) setThreadNice(OWN_TID, task.nice)
  if (!DEMOTES) return runTask(task)
  const cpu = threadCpu()
  try {
    return await runTask(task)
  } finally {
    if (!loadTrimmed || cpu() >= TRIM_AFTER_CPU_MS) giveBackYoung()
  }
}

async function runTask(task: OnThread | null): Promise<WorkerResult | null> {
  if (task === null) return null
  // Collected first: a reading of the heap before the task begins would count what earlier ones
  // left against it.
  collectLeftovers()
  // Which thread runs it, for the pool's reads of its heap and CPU (its CPU so far, then its Linux
  // id, then its threadId: the pool reads them once the last is set). The CPU is read here because
  // the pool's first reading comes late when the event loop is busy, and what the task used before
  // it would not count against its allowance.
  if (task.thread) {
    const slot = new Int32Array(task.thread)
    if (OWN_TID !== 0 && DEMOTES) {
      new Float64Array(task.thread, TASK_SLOT.cpuAtStartOffset, 1)[0] = threadCpuMs(OWN_TID) ?? 0
    }
    Atomics.store(slot, TASK_SLOT.tid, OWN_TID)
    Atomics.store(slot, TASK_SLOT.threadId, threadId)
  }
  if (task.kind === 'transaction') return runBuild(task)
  if (task.kind === 'documents') return runDocuments(task)
  if (task.kind === 'history') return runHistory(task)
  if (task.kind === 'read') return runRead(task)
  return task.kind === 'filter' ? runFilter(task) : runQuery(task)
}

/**
 * Builds a write request's transaction over this thread's read-only connection: the patches, the
 * limits and the effects, which for a large draft took seconds of the event loop. The dataset
 * service commits it, checking that nothing it read has changed.
 */
async function runBuild(task: TransactionTask): Promise<TransactionTaskResult> {
  try {
    const built = await buildTransaction(
      {
        store: storeOf(task),
        identity: task.identity,
        transactionId: task.transactionId,
        errorType: task.errorType,
        // As text and store rows: the event loop then copies strings, not document trees.
        serialise: true,
      },
      (ws) => applyWrites(ws, task.writes),
    )
    // Its bytes are moved to the event loop, not copied (Piscina's transferable protocol).
    const moved = {
      [Piscina.transferableSymbol]: transferables(built.serialised ?? []),
      [Piscina.valueSymbol]: {ok: true, built},
    }
    // Piscina's types know only its own transferable classes; the pool receives the value.
    return Piscina.move(moved as never) as unknown as TransactionTaskResult
  } catch (err) {
    const error = toWire(err)
    if (error) return {ok: false, error}
    throw err
  }
}

/**
 * Reads a large write request's body (its JSON decoded, parsed and checked here, not on the event
 * loop) and answers what the route needs before the build, which reads the same bytes again.
 */
function runRead(task: ReadTask): ReadTaskResult {
  try {
    // The thread's cap, not V8's limit, which is higher (lake/query/pool.ts HEAP_HEADROOM_MB).
    const heapMb = (workerData as {memoryMb: number}).memoryMb
    const head = writeBodyHead(readWriteBody(task.bytes, task.field, heapMb), task.field)
    const malformed = head.malformed === null ? null : toWire(head.malformed)
    if (head.malformed !== null && malformed === null) throw head.malformed
    return {ok: true, head: {...head, malformed}}
  } catch (err) {
    const error = toWire(err)
    if (error) return {ok: false, error}
    throw err
  }
}

function runDocuments(task: DocumentsTask): DocumentsTaskResult {
  try {
    const texts = storeOf(task).documentTexts(task.ids)
    // Moved to the event loop's thread, not copied (packTexts says why).
    return Piscina.move(packTexts(texts)) as unknown as DocumentsTaskResult
  } finally {
    registries.get(task.dataDir)?.forget(task.dataset)
  }
}

/** Documents at a point in history, rebuilt here; their texts are moved to the event loop. */
function runHistory(task: HistoryTask): HistoryTaskResult {
  try {
    const store = storeOf(task)
    const texts = packTexts(historyTexts(store, task.ids, task.at, task.maxBytes))
    const moved = {
      [Piscina.transferableSymbol]: [texts.buffer],
      [Piscina.valueSymbol]: {ok: true, texts},
    }
    return Piscina.move(moved as never) as unknown as HistoryTaskResult
  } catch (err) {
    const error = toWire(err)
    if (error) return {ok: false, error}
    throw err
  } finally {
    registries.get(task.dataDir)?.forget(task.dataset)
  }
}

/**
 * Compiled listener filters, by query, parameters and identity: a listener sends the same one per
 * event. Bounded by their text too (a filter holds its parameters, and its tree is about fifteen
 * times its query): 256 filters of 18 kB held 67 MB of a thread's heap when bounded by count alone.
 */
export const compiledFilters = createLru<string, {filter: DocumentFilter; node: ExprNode | null}>(
  {entries: 256, weight: 1024 * 1024},
  (key) => key.length,
)

/** UTF-8 JSON text, also in shared memory (which TextDecoder does not read). */
const decodeText = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')

function runFilter(task: FilterTask): FilterTaskResult {
  // Each filter's text is parsed before its budget begins, as large documents' texts are (once
  // for every filter of the task): both count as the wait. A listener's filter past the 16 KiB
  // rule comes here to be parsed (core/limits.ts parsesInPlace), and its parse, bounded by the
  // limits on its text, is not the per-event evaluation the budget is for.
  const specs = [task, ...(task.alike ?? [])]
  const prepared = specs.map(prepareFilter)
  const documents = task.documents.map((doc) =>
    doc instanceof Uint8Array ? (JSON.parse(decodeText(doc)) as SanityDocument) : doc,
  )
  const started = task.started ? new BigInt64Array(task.started) : null
  const run = (index: number) => {
    if (started) Atomics.store(started, 0, beganFilter(index))
    return matchFilter(specs[index]!, prepared[index]!, documents)
  }
  const answer = run(0)
  if (task.node && answer.ok && !('failed' in prepared[0]!)) {
    // The answer is posted (a structured clone), so the node is not copied here. It always
    // clones: groq-js 2's parser builds plain objects of strings, numbers, booleans and null (a
    // FuncCall names its function), its Values hold the parameters, which reached this thread
    // by the same clone, and parseQuery's limits keep it far from the clone's depth (nesting 64,
    // chains balanced).
    answer.node = prepared[0]!.node
  }
  return task.alike ? {...answer, alike: task.alike.map((_, i) => run(i + 1))} : answer
}

/** A filter compiled earlier, or its parsed filter node, or why it cannot be parsed. */
type PreparedFilter =
  {key: string; filter?: DocumentFilter; node: ExprNode | null} | {failed: FilterTaskResult}

function prepareFilter(spec: FilterSpec): PreparedFilter {
  const key = JSON.stringify([spec.query, spec.params, spec.identity])
  const compiled = compiledFilters.get(key)
  if (compiled) return {key, ...compiled}
  try {
    return {key, node: listenerFilterNode(spec.query, spec.params)}
  } catch (err) {
    const error = toWire(err)
    if (error) return {failed: {ok: false, error}}
    throw err
  }
}

function matchFilter(
  spec: FilterSpec,
  prepared: PreparedFilter,
  documents: SanityDocument[],
): FilterTaskResult {
  if ('failed' in prepared) return prepared.failed
  try {
    // The probe's evaluation (compileFilter) is the filter's own: within its budget.
    const compiled =
      prepared.filter ?? compileFilter(spec.query, spec.params, spec.identity, prepared.node)
    if (!prepared.filter) compiledFilters.set(prepared.key, {filter: compiled, node: prepared.node})
    return {ok: true, matches: documents.map((doc) => compiled(doc))}
  } catch (err) {
    const error = toWire(err)
    if (error) return {ok: false, error}
    throw err
  }
}

/** Prepared statements this thread's store of a dataset holds (tests). */
export function heldStatements(dataDir: string, dataset: string) {
  return registries.get(dataDir)?.get(dataset).statementsHeld()
}

/** Stores this thread holds (tests): the datasets it read that exist. */
export function heldStores(): number {
  let held = 0
  for (const stores of registries.values()) held += stores.held()
  return held
}

async function runQuery(task: QueryTask): Promise<QueryTaskResult> {
  const attributes: string[][] = []
  const orders: OrderKey[] = []
  letGoIdle(task.now)
  const store = watched(storeOf(task), attributes, orders)
  // After storeOf: a generation's close has dropped every store, and this one is open again.
  let used = lastQueried.get(task.dataDir)
  if (!used) lastQueried.set(task.dataDir, (used = new Map()))
  used.set(task.dataset, task.now)
  try {
    // The thread runs one task at a time: its CPU meanwhile is this query's.
    const cpu = threadCpu()
    const {request, paramsJson} =
      'paramsText' in task.request
        ? parseParamsText(task.request, task.principal, (workerData as {memoryMb: number}).memoryMb)
        : {request: task.request, paramsJson: undefined}
    const result = await executeQuery(store, request, task.principal, {
      now: new Date(task.now),
      projectId: task.projectId,
      dataset: task.dataset,
    })
    const json = resultJson(task.idsOnly ? matchesOf(result, store) : result)
    if (task.idsOnly || json.length <= ANSWER_AS_BYTES) {
      const text = withinAnswerMemory(json, task.maxJsonBytes ?? Infinity)
      return {ok: true, json: text, attributes, orders, cpuMs: cpu(), paramsJson}
    }
    // Its bytes are made to be moved: the answer memory judges them, not a count of them first.
    const answer = answerBytes(json, task.maxJsonBytes)
    const moved = {
      [Piscina.transferableSymbol]: [answer.json.buffer],
      [Piscina.valueSymbol]: {ok: true, ...answer, attributes, orders, cpuMs: cpu(), paramsJson},
    }
    return Piscina.move(moved as never) as unknown as QueryTaskResult
  } catch (err) {
    if (err instanceof NotJsonParams) {
      const error = toWire(new BadRequestError('Request body is not valid JSON'))!
      return {ok: false, error, attributes, orders, notJson: true}
    }
    const error = toWire(err)
    if (error) return {ok: false, error, attributes, orders}
    throw err
  } finally {
    // Anyone may name a dataset: one never written (no file, nothing opened) keeps nothing here.
    // Nor a time of its last query (forget: true when no store is kept).
    if (registries.get(task.dataDir)?.forget(task.dataset) !== false) {
      lastQueried.get(task.dataDir)?.delete(task.dataset)
    }
  }
}

/**
 * The `_id`s of a query's result, once each, in order, each with its `_rev`: what a mutation by
 * query applies to, and the revision the transaction checks it still has. A result that projected
 * `_rev` away has it read again here.
 */
function matchesOf(result: unknown, store: Store): [string, string][] {
  const items = Array.isArray(result) ? result : result === null ? [] : [result]
  const revs = new Map<string, string | undefined>()
  for (const item of items) {
    const {_id: id, _rev: rev} = (item ?? {}) as {_id?: unknown; _rev?: unknown}
    if (typeof id === 'string' && !revs.has(id))
      revs.set(id, typeof rev === 'string' ? rev : undefined)
  }
  const missing = [...revs].filter(([, rev]) => rev === undefined).map(([id]) => id)
  store.getDocuments(missing).forEach((doc, i) => revs.set(missing[i], doc?._rev ?? ''))
  return [...revs].map(([id, rev]) => [id, rev ?? ''])
}
