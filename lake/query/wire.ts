/** What crosses the thread boundary between the dataset service and a query worker. */
import {
  BadRequestError,
  ConflictError,
  databaseBusy,
  diskFull,
  DatabaseBusyError,
  InsufficientStorageError,
  InvalidRequestError,
  LakeError,
  MutationError,
  NewerDatasetError,
  QueryError,
  QueryMemoryError,
  QueryParseError,
  QueryResultTooLargeError,
  type ErrorItem,
} from '../core/errors.ts'
import type {Principal} from '../core/grants.ts'
import type {HistoryPoint, OrderKey} from '../core/store.ts'
import {StaleMatchError} from '../core/mutations.ts'
import type {BuiltTransaction} from '../core/transaction.ts'
import type {WriteBodyHead, WriteField, Writes} from '../core/writes.ts'
import type {SanityDocument} from '../core/types.ts'
import type {QueryAsked} from './execute.ts'

export type WorkerTask =
  QueryTask | FilterTask | TransactionTask | DocumentsTask | HistoryTask | ReadTask
/**
 * A task as the pool hands it to a thread: `thread` is where the thread writes its ids as it begins
 * the task (TASK_SLOT), so the pool reads that thread's heap and CPU while the task runs
 * (lake/query/pool.ts taskWatch); `nice`, on a query thread, the priority the thread takes for it
 * (an anonymous caller's query niced, the others at the lake's).
 */
export type OnThread = WorkerTask & {thread?: SharedArrayBuffer; nice?: number}

/**
 * The layout of a task's `thread` buffer: two Int32s, worker_threads' threadId and the Linux
 * thread id (0 elsewhere), written last; then a Float64, the thread's CPU (ms) as the task began.
 */
export const TASK_SLOT = {bytes: 16, threadId: 0, tid: 1, cpuAtStartOffset: 8} as const
export type WorkerResult =
  | QueryTaskResult
  | FilterTaskResult
  | TransactionTaskResult
  | DocumentsTaskResult
  | HistoryTaskResult
  | ReadTaskResult

export interface QueryTask {
  kind: 'query'
  dataDir: string
  dataset: string
  /** StoreRegistry.generation when sent: a thread that saw a smaller one lets its stores go. */
  generation?: number
  request: QueryAsked
  principal: Principal
  /** `now()` of the query, as epoch milliseconds. */
  now: number
  projectId: string
  /** Answer only the `_id`s of the result, once each, with their `_rev` (a mutation's query): JSON of [id, rev] pairs. */
  idsOnly?: boolean
  /**
   * The longest answer, in UTF-8 bytes of JSON (the lake's answer memory): a longer one is refused
   * here, before it crosses to the event loop (resultJson).
   */
  maxJsonBytes?: number
}

/** A listener's filter: all its answer depends on. */
export interface FilterSpec {
  query: string
  params: Record<string, unknown>
  identity: string
}

/** A listener's filter over the documents of one committed transaction (or the probe, []). */
export interface FilterTask extends FilterSpec {
  kind: 'filter'
  /** Each a document, or a large one's JSON text (UTF-8, in a SharedArrayBuffer) to parse here. */
  documents: (SanityDocument | Uint8Array)[]
  /**
   * Other listeners' filters over the same documents, the texts parsed once for all: their
   * answers are the result's `alike`, in this order (lake/query/pool.ts filter).
   */
  alike?: FilterSpec[]
  /**
   * Send the filter's parsed node back (a listener's filter too long to parse on the event loop:
   * its per-event matching can still run there when its cost is bounded).
   */
  node?: boolean
  /**
   * The thread writes there (a BigInt64 at 0, `beganFilter`) when it begins each filter, so its
   * budget counts from then and not from the task's arrival (lake/query/pool.ts filter); with
   * texts among the documents, once they are parsed (on a read thread: the parse counts as the
   * wait).
   */
  started?: SharedArrayBuffer
}

/**
 * FilterTask.started's value: when (epoch ms) the thread began which of the task's filters (0 its
 * own, i + 1 `alike[i]`), in one value so that the pool never reads one filter's time with
 * another's index.
 */
export function beganFilter(index: number, at = Date.now()): bigint {
  return (BigInt(at) << 20n) | BigInt(index)
}

export function readBegan(value: bigint): {at: number; index: number} {
  return {at: Number(value >> 20n), index: Number(value & 0xfffffn)}
}

/** A write request's transaction, built over the worker's read-only connection (buildTransaction). */
export interface TransactionTask {
  kind: 'transaction'
  dataDir: string
  dataset: string
  /** StoreRegistry.generation when sent: a thread that saw a smaller one lets its stores go. */
  generation?: number
  identity: string
  transactionId?: string
  errorType?: 'mutationError' | 'actionError'
  writes: Writes
}

/**
 * A large write request's body, read on a write thread (core/writes.ts readWriteBody): its JSON
 * decoded, parsed and checked there, and what the route needs of it sent back.
 */
export interface ReadTask {
  kind: 'read'
  field: WriteField
  /** The body's bytes, in a SharedArrayBuffer: the build reads the same ones. */
  bytes: Uint8Array
}

/** The head, its malformed mutation's error as plain data (structured clone keeps no classes). */
export type ReadTaskResult =
  | {ok: true; head: Omit<WriteBodyHead, 'malformed'> & {malformed: WireError | null}}
  | {ok: false; error: WireError}

/**
 * `data/doc`'s documents too large to read on the event loop: their stored JSON text, read from
 * one snapshot over the worker's read-only connection (null for an id no longer stored).
 */
export interface DocumentsTask {
  kind: 'documents'
  dataDir: string
  dataset: string
  /** StoreRegistry.generation when sent: a thread that saw a smaller one lets its stores go. */
  generation?: number
  ids: string[]
}

/** The texts packed into one buffer (packTexts), which the worker moves rather than copies. */
export type DocumentsTaskResult = Uint8Array

/**
 * Documents at a point in history (the history API's `documents/{ids}`), rebuilt over the
 * worker's read-only connection from one snapshot, as their JSON text (query/history.ts).
 */
export interface HistoryTask {
  kind: 'history'
  dataDir: string
  dataset: string
  /** StoreRegistry.generation when sent: a thread that saw a smaller one lets its stores go. */
  generation?: number
  ids: string[]
  at: HistoryPoint
  /** Bytes of JSON the answer may carry (a QueryResultTooLargeError past them). */
  maxBytes: number
}

/** The texts of the documents that existed then, packed (packTexts) and moved, not copied. */
export type HistoryTaskResult = {ok: true; texts: Uint8Array} | {ok: false; error: WireError}

/** A missing document's length in a packed buffer. */
const NONE = 0xffffffff

/**
 * Documents' texts as one buffer: their count, each one's length (NONE for a missing one), then
 * the texts. Moving one buffer across threads costs nothing; cloning 60 MB of documents held the
 * event loop 1-4 s on a loaded machine.
 */
export function packTexts(texts: readonly (Uint8Array | null)[]): Uint8Array {
  let length = 4 * (texts.length + 1)
  for (const text of texts) length += text?.byteLength ?? 0
  const packed = new Uint8Array(length)
  const view = new DataView(packed.buffer)
  view.setUint32(0, texts.length)
  let at = 4 * (texts.length + 1)
  texts.forEach((text, i) => {
    view.setUint32(4 * (i + 1), text ? text.byteLength : NONE)
    if (text) packed.set(text, at)
    at += text?.byteLength ?? 0
  })
  return packed
}

/** packTexts' texts again, as views of the buffer (nothing copied). */
export function unpackTexts(packed: Uint8Array): (Uint8Array | null)[] {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength)
  const count = view.getUint32(0)
  const texts: (Uint8Array | null)[] = []
  let at = 4 * (count + 1)
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(4 * (i + 1))
    if (length === NONE) {
      texts.push(null)
      continue
    }
    texts.push(packed.subarray(at, at + length))
    at += length
  }
  return texts
}

export type TransactionTaskResult =
  {ok: true; built: BuiltTransaction<unknown>} | {ok: false; error: WireError}

export type FilterTaskResult = (
  | {
      ok: true
      matches: boolean[]
      /** The filter's node (listenerFilterNode), when the task asked for it (`node`). */
      node?: unknown
    }
  | {ok: false; error: WireError}
) & {
  /** The answers of the task's `alike` filters, each as if asked alone. */
  alike?: FilterTaskResult[]
}

export type QueryTaskResult =
  | {
      ok: true
      /** A large answer as bytes, moved (answerBytes), with their `hash`. */
      json: string | Uint8Array
      hash?: string
      attributes: string[][]
      /** Keys that led the order of a scan of one type (watched). */
      orders: OrderKey[]
      cpuMs: number
      /** The parameters as JSON.stringify makes them, when they came as text (parseParamsText). */
      paramsJson?: string
    }
  | {
      ok: false
      error: WireError
      attributes: string[][]
      orders: OrderKey[]
      /** The parameters' text was not JSON: the request's body was not. */
      notJson?: boolean
    }

/** A LakeError as plain data (structured clone keeps no classes). */
export interface WireError {
  name: string
  type: string
  description: string
  query?: string
  start?: number
  end?: number
  /** A MutationError's items and type (mutationError or actionError). */
  items?: ErrorItem[]
}

export function toWire(thrown: unknown): WireError | null {
  const err = databaseBusy(thrown) ?? diskFull(thrown) ?? thrown
  if (!(err instanceof LakeError)) return null
  const wire: WireError = {name: err.name, type: err.type, description: err.description}
  if (err instanceof QueryParseError)
    Object.assign(wire, {query: err.query, start: err.start, end: err.end})
  if (err instanceof MutationError) wire.items = err.items
  return wire
}

export function fromWire(wire: WireError): LakeError {
  switch (wire.name) {
    case 'QueryParseError':
      return new QueryParseError(wire.query ?? '', wire.start ?? 0, wire.end ?? 0, wire.description)
    case 'QueryError':
      return new QueryError(wire.description)
    case 'BadRequestError':
      return new BadRequestError(wire.description)
    case 'InvalidRequestError':
      return new InvalidRequestError(
        wire.description,
        wire.type as 'httpBadRequest' | 'httpInvalidRequestBody',
      )
    case 'QueryResultTooLargeError':
      return new QueryResultTooLargeError(wire.description)
    case 'QueryMemoryError':
      return new QueryMemoryError(0, wire.description)
    case 'DatabaseBusyError':
      return new DatabaseBusyError(wire.description)
    case 'InsufficientStorageError':
      return new InsufficientStorageError(wire.description)
    case 'NewerDatasetError':
      return new NewerDatasetError(wire.description)
    case 'MutationError':
    case 'ConflictError':
    case 'StaleMatchError': {
      const Class = {MutationError, ConflictError, StaleMatchError}[wire.name]
      return new Class(wire.description, wire.items, wire.type as 'mutationError' | 'actionError')
    }
    default:
      return new LakeError(wire.type, wire.description)
  }
}
