/**
 * `GET /v…/data/listen/{dataset}`: Server-Sent Events for committed transactions.
 *
 * Each listener subscribes to the event bus synchronously while the request is handled, so every
 * commit after its `welcome` reaches it, in commit order (the bus publishes inside the store's
 * write lock). Per transaction it emits one `mutation` event per document it may read whose
 * previous or new state matches its filter. Output is a ReadableStream with a byte-counting queue:
 * a client that lets more than `maxBufferBytes` pile up is cut off instead of growing memory.
 */
import {evaluateSync, type ExprNode} from 'groq-js'
import {Hono, type Context} from 'hono'
import {BadRequestError, LakeError, QueryError} from '../../core/errors.ts'
import {isVersionId, randomId} from '../../core/ids.ts'
import {decodeParams, parseQuery} from '../../core/query.ts'
import type {CommittedTransaction, DocumentChange, SanityDocument} from '../../core/types.ts'
import type {EventBus} from '../../events/bus.ts'
import {authenticationRequired, isPublicDataset, readerOf} from '../authorize.ts'
import {lakeOf} from '../context.ts'
import {bodyFor} from '../errors.ts'
import {getPrincipal} from '../principal.ts'
import {sse, sseResponse} from '../sse.ts'

export interface ListenConfig {
  /** Interval of the `:` keep-alive comment. The client's polyfill gives up after 45 s of silence. */
  keepAliveMs: number
  /** Bytes a listener may have queued and unread before it is disconnected. */
  maxBufferBytes: number
}

const LISTEN_DEFAULTS: ListenConfig = {keepAliveMs: 15_000, maxBufferBytes: 4 * 1024 * 1024}

declare module '../context.ts' {
  interface LakeConfig {
    /** Listener limits; tests shorten the keep-alive and shrink the buffer. */
    listen?: Partial<ListenConfig>
  }
}

type Transition = 'appear' | 'update' | 'disappear'

interface ListenOptions {
  includeResult: boolean
  includePreviousRevision: boolean
  includeMutations: boolean
  includeAllVersions: boolean
  visibility: 'transaction' | 'query'
  effectFormat: 'mendoza' | null
}

/** The wire shape of one `mutation` event (Sanity's MutationEvent). */
interface MutationEventData {
  eventId: string
  documentId: string
  sourceTransactionId: string
  transactionId: string
  identity: string
  mutations?: Record<string, unknown>[]
  effects?: {apply: unknown[]; revert: unknown[]}
  previousRev?: string
  resultRev: string
  timestamp: string
  transition: Transition
  visibility: 'transaction' | 'query'
  transactionTotalEvents: number
  transactionCurrentEvent: number
  result?: SanityDocument
  previous?: SanityDocument
}

/** A compiled listener filter: does a document (raw, with `_rev`) match? */
type DocumentFilter = (doc: SanityDocument) => boolean

const PATH = '/:version{v[^/]+}/data/listen/:dataset'
const VISIBILITIES = ['transaction', 'query'] as const
const encoder = new TextEncoder()

export const listenRoutes = new Hono()

listenRoutes.get(PATH, handleListen)

function handleListen(c: Context): Response {
  const lake = lakeOf(c)
  const dataset = c.req.param('dataset') ?? ''
  // Validates the dataset name (400) before anything is streamed.
  lake.store(dataset)
  const principal = getPrincipal(c)
  if (principal.role === null && !isPublicDataset(c)) {
    // Nothing would ever be delivered: say so with a 401, which the client does not retry.
    throw authenticationRequired()
  }
  const url = new URL(c.req.url)
  const options = parseListenOptions(url.searchParams)
  const query = url.searchParams.get('query')
  if (query === null || query.trim() === '') throw new BadRequestError('Missing "query" parameter')
  const params = decodeParams(url.searchParams)
  const config = {...LISTEN_DEFAULTS, ...lake.config.listen}
  const preamble = flagOf(url.searchParams, 'evs_preamble')

  let filter: DocumentFilter
  try {
    filter = compileFilter(query, params, principal.id)
  } catch (err) {
    // A bad filter is reported in the stream, as Sanity does; the client surfaces it as ChannelError.
    if (err instanceof LakeError) return sseResponse(channelErrorStream(err))
    throw err
  }

  const stream = openListener({
    bus: lake.bus,
    dataset,
    mayRead: readerOf(c),
    filter,
    options,
    config,
    preamble,
  })
  return sseResponse(stream)
}

/** Reads the listener options; anything malformed is a 400 before the stream opens. */
function parseListenOptions(search: URLSearchParams): ListenOptions {
  const visibility = search.get('visibility') ?? 'transaction'
  if (!(VISIBILITIES as readonly string[]).includes(visibility)) {
    throw new BadRequestError(`Invalid "visibility": expected one of ${VISIBILITIES.join(', ')}`)
  }
  const effectFormat = search.get('effectFormat')
  if (effectFormat !== null && effectFormat !== 'mendoza') {
    throw new BadRequestError('Invalid "effectFormat": only "mendoza" is supported')
  }
  return {
    includeResult: flagOf(search, 'includeResult'),
    includePreviousRevision: flagOf(search, 'includePreviousRevision'),
    includeMutations: search.has('includeMutations') ? flagOf(search, 'includeMutations') : true,
    includeAllVersions: flagOf(search, 'includeAllVersions'),
    visibility: visibility as ListenOptions['visibility'],
    effectFormat: effectFormat === 'mendoza' ? 'mendoza' : null,
  }
}

function flagOf(search: URLSearchParams, name: string): boolean {
  const value = search.get(name)
  return value !== null && value !== 'false' && value !== '0'
}

/**
 * Compiles the filter part of a listener query: `*[a][b]{…}|order(…)` listens to `*[a][b]`;
 * projections, ordering and slices are ignored, as on Sanity. Throws a LakeError for a query that
 * does not parse, is not a filter on `*`, or cannot be evaluated.
 */
function compileFilter(
  query: string,
  params: Record<string, unknown>,
  identity: string,
): DocumentFilter {
  const tree = parseQuery(query, params)
  const missing = missingParameter(tree, params)
  if (missing !== null) throw new QueryError(`param $${missing} referenced, but not provided`)
  let node: ExprNode = tree
  while (
    node.type === 'Map' ||
    node.type === 'Projection' ||
    node.type === 'Slice' ||
    node.type === 'Group' ||
    (node.type === 'PipeFuncCall' && node.name === 'order')
  ) {
    node = node.base
  }
  const filterNode = node
  while (node.type === 'Filter') node = node.base
  if (node.type !== 'Everything') {
    throw new QueryError(
      'A listener query must be a filter on all documents, like *[_type == "article"]',
    )
  }
  if (filterNode.type !== 'Filter') return () => true
  const evaluate = (doc: SanityDocument): boolean => {
    const result = evaluateSync(filterNode, {dataset: [doc], params, identity}).data
    return Array.isArray(result) && result.length > 0
  }
  try {
    // Unknown functions and missing parameters fail here rather than silently at every commit.
    evaluate({_id: 'listener-probe', _type: 'listener-probe'})
  } catch (err) {
    throw new QueryError(err instanceof Error ? err.message : String(err), {cause: err})
  }
  return (doc) => {
    try {
      return evaluate(doc)
    } catch {
      // GROQ evaluation errors on one document's data (say, a type error) mean "no match".
      return false
    }
  }
}

/** The first `$name` the query uses that `params` lacks (groq-js would quietly read null). */
function missingParameter(node: unknown, params: Record<string, unknown>): string | null {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = missingParameter(item, params)
      if (found !== null) return found
    }
    return null
  }
  if (typeof node !== 'object' || node === null) return null
  const {type, name} = node as {type?: unknown; name?: unknown}
  if (type === 'Parameter' && typeof name === 'string' && !Object.hasOwn(params, name)) return name
  for (const value of Object.values(node)) {
    const found = missingParameter(value, params)
    if (found !== null) return found
  }
  return null
}

/** The `mutation` events a transaction yields for one listener, numbered per listener. */
function eventsFor(
  tx: CommittedTransaction,
  filter: DocumentFilter,
  options: ListenOptions,
  mayRead: (documentId: string) => boolean,
): MutationEventData[] {
  const matched: {change: DocumentChange; transition: Transition}[] = []
  for (const change of tx.changes) {
    // Drafts are ordinary documents to a listener (the Studio asks for them by id); release
    // versions only with includeAllVersions.
    if (!options.includeAllVersions && isVersionId(change.id)) continue
    if (!mayRead(change.id)) continue
    const was = change.before !== null && filter(change.before)
    const is = change.after !== null && filter(change.after)
    if (!was && !is) continue
    matched.push({change, transition: !was ? 'appear' : !is ? 'disappear' : 'update'})
  }
  return matched.map(({change, transition}, i) => {
    const event: MutationEventData = {
      eventId: `${tx.id}#${change.id}`,
      documentId: change.id,
      sourceTransactionId: tx.id,
      transactionId: tx.id,
      identity: tx.identity,
      resultRev: tx.id,
      timestamp: tx.timestamp,
      transition,
      visibility: options.visibility,
      transactionTotalEvents: matched.length,
      transactionCurrentEvent: i + 1,
    }
    if (change.before?._rev) event.previousRev = change.before._rev
    if (options.includeMutations) event.mutations = change.mutations
    if (options.effectFormat === 'mendoza') event.effects = change.effects
    if (options.includeResult && change.after) event.result = change.after
    if (options.includePreviousRevision && change.before) event.previous = change.before
    return event
  })
}

// --- Streams ---------------------------------------------------------------------------------

interface Listener {
  queuedBytes(): number
  disconnect(reason: string): void
}

/** Open listeners per lake (keyed by its bus), so the bus closing ends all of them. */
const listenersByBus = new WeakMap<EventBus, Set<Listener>>()
/** Every open listener in this process, for listenerStats(). */
const allListeners = new Set<Listener>()
const counters = {opened: 0, slowDisconnects: 0, peakQueuedBytes: 0}

/**
 * Process-wide listener figures: open streams, bytes queued now, the most ever queued by one
 * listener, and how many were cut off for not reading. For tests, benchmarks and diagnostics.
 */
export function listenerStats(): {
  open: number
  opened: number
  queuedBytes: number
  peakQueuedBytes: number
  slowDisconnects: number
} {
  let queuedBytes = 0
  for (const listener of allListeners) queuedBytes += listener.queuedBytes()
  return {open: allListeners.size, queuedBytes, ...counters}
}

function listenersOf(bus: EventBus): Set<Listener> {
  let set = listenersByBus.get(bus)
  if (!set) {
    const listeners = new Set<Listener>()
    listenersByBus.set(bus, listeners)
    bus.onClose((reason) => {
      for (const listener of [...listeners]) listener.disconnect(reason)
    })
    set = listeners
  }
  return set
}

interface OpenListenerOptions {
  bus: EventBus
  dataset: string
  /** Read permission of the listener's caller, by document id. */
  mayRead: (documentId: string) => boolean
  filter: DocumentFilter
  options: ListenOptions
  config: ListenConfig
  preamble?: boolean
}

/** Subscribes now and returns the SSE byte stream, starting with `welcome`. */
function openListener(open: OpenListenerOptions): ReadableStream<Uint8Array> {
  const {bus, dataset, mayRead, filter, options, config} = open
  const registry = listenersOf(bus)
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let closed = false
  let unsubscribe = () => {}
  let keepAlive: ReturnType<typeof setInterval> | undefined

  const queuedBytes = () => (closed ? 0 : config.maxBufferBytes - (controller.desiredSize ?? 0))

  const cleanup = () => {
    if (closed) return
    closed = true
    unsubscribe()
    clearInterval(keepAlive)
    registry.delete(listener)
    allListeners.delete(listener)
  }

  const send = (text: string) => {
    if (closed) return
    const bytes = encoder.encode(text)
    const queued = queuedBytes()
    // One event larger than the limit may go out on an empty queue; a backlog may not grow past it.
    if (queued > 0 && queued + bytes.byteLength > config.maxBufferBytes) {
      counters.slowDisconnects++
      cleanup()
      const err = new Error(
        `lake: listener on "${dataset}" disconnected: more than ${config.maxBufferBytes} bytes unread`,
      )
      // The HTTP layer logs it; a stack trace says nothing about a client that stopped reading.
      err.stack = err.message
      // Erroring drops the queue at once and makes the HTTP layer destroy the connection (HTTP/1)
      // or reset the stream (HTTP/2).
      controller.error(err)
      return
    }
    controller.enqueue(bytes)
    counters.peakQueuedBytes = Math.max(counters.peakQueuedBytes, queued + bytes.byteLength)
  }

  const listener: Listener = {
    queuedBytes,
    disconnect(reason) {
      if (closed) return
      send(sse('disconnect', {reason}))
      if (closed) return
      cleanup()
      controller.close()
    },
  }

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
        registry.add(listener)
        allListeners.add(listener)
        counters.opened++
        if (open.preamble) send(`:${' '.repeat(2048)}\n\n`)
        send(sse('welcome', {listenerName: randomId()}))
        unsubscribe = bus.subscribe(dataset, (tx) => {
          for (const event of eventsFor(tx, filter, options, mayRead)) {
            send(sse('mutation', event, event.eventId))
          }
        })
        keepAlive = setInterval(() => send(':\n\n'), config.keepAliveMs)
        keepAlive.unref?.()
      },
      cancel() {
        cleanup()
      },
    },
    {highWaterMark: config.maxBufferBytes, size: (chunk) => chunk.byteLength},
  )
}

/** A stream that reports one error as `channelError` and ends. */
function channelErrorStream(err: LakeError): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode(sse('channelError', bodyFor(err))))
      controller.close()
    },
  })
}
