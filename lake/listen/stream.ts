/**
 * Open listeners as Server-Sent Event byte streams, and the registry that tracks them per lake.
 *
 * Each listener subscribes to the event bus synchronously when it opens, so every commit after its
 * `welcome` reaches it, in commit order. Output is a ReadableStream with a byte-counting queue: a
 * client that lets more than `maxBufferBytes` pile up is cut off instead of growing memory.
 */
import {isVersionId, randomId} from '../core/ids.ts'
import {can, type Principal} from '../core/grants.ts'
import {
  LakeError,
  ListenerOverloadedError,
  QueryTimeoutError,
  TooManyRequestsError,
} from '../core/errors.ts'
import {LIMITS} from '../core/limits.ts'
import {headsOf, sharedTextOf} from '../core/changeText.ts'
import type {CommittedTransaction, DocumentChange, SanityDocument} from '../core/types.ts'
import {createUnreadBudget, type UnreadReader} from '../core/unreadBudget.ts'
import {utf8ByteLength} from '../core/utf8.ts'
import type {EventBus} from '../events/bus.ts'
import {
  eventJson,
  eventParts,
  eventsFor,
  type ListenOptions,
  type MutationEventData,
} from './events.ts'

/** What a filter is given of a document: the document, or a large one's JSON text to parse. */
export type FilterDocument = SanityDocument | Uint8Array

/** A listener's filter, compiled. */
export interface DocumentMatcher {
  /**
   * Which of these documents match: at once (a filter of bounded cost, on the event loop) or from
   * a query worker within the per-event budget (throws a LakeError past it). Documents given as
   * text are parsed and matched on a worker, the budget counting from their parse. `last`: false
   * while more of the same transaction's documents are to be asked about (drain's chunks).
   */
  match(documents: FilterDocument[], last?: boolean): boolean[] | Promise<boolean[]>
  /**
   * The top-level fields the filter reads (listen/filter.ts filterReads), or null for any: a
   * large document whose outline holds them is matched on its outline, never parsed here.
   */
  reads: ReadonlySet<string> | null
  /** Matched on the event loop (a filter of bounded cost): its time there is counted. */
  onLoop?: boolean
  /**
   * Its static cost is past the floor no Studio or client filter reaches (listen/filter.ts
   * filterCost): its time on the event loop may end it. Below, time never does: a preempted match
   * on a loaded machine costs tens of ms, and a client treats channelError as final.
   */
  timed?: boolean
}

/**
 * Compiled filters shared by the listeners that ask alike (same filter, parameters and identity:
 * all that a filter's answer depends on; what each may read is applied per listener), each
 * answering a document once however many listeners ask: 500 Studio tabs on one filter evaluated
 * it 1,000 times a write. Held while a listener holds it.
 */
export interface MatcherCache {
  /**
   * The shared matcher for `key`, compiled by `compile` if none is held (or being compiled); one
   * matched on the event loop fails once its matching passes `loopBudgetMs` an event
   * (answeringOnce; `key` should hold it).
   */
  get(
    key: string,
    compile: () => Promise<DocumentMatcher>,
    loopBudgetMs?: number,
  ): Promise<DocumentMatcher>
}

export function createMatcherCache(registry: ListenerRegistry, dataset: string): MatcherCache {
  const counters = (registry as RegistryInternals).countersOf(dataset)
  const held = new Map<string, WeakRef<DocumentMatcher>>()
  const compiling = new Map<string, Promise<DocumentMatcher>>()
  const collected = new FinalizationRegistry<string>((key) => {
    if (held.get(key)?.deref() === undefined) held.delete(key)
  })
  return {
    get(key, compile, loopBudgetMs = LISTEN_DEFAULTS.filterLoopBudgetMs) {
      const found = held.get(key)?.deref() ?? compiling.get(key)
      if (found) return Promise.resolve(found)
      const compiled = compile().then(
        (matcher) => {
          // A failed matcher fails every call: a listener opened later with the same key gets a
          // new one, its own transactions counted.
          const shared = answeringOnce(matcher, counters, loopBudgetMs, () => {
            if (held.get(key)?.deref() === shared) held.delete(key)
          })
          held.set(key, new WeakRef(shared))
          collected.register(shared, key)
          compiling.delete(key)
          return shared
        },
        (err: unknown) => {
          compiling.delete(key)
          throw err
        },
      )
      compiling.set(key, compiled)
      return compiled
    },
  }
}

/**
 * `matcher`, remembering its answers for one fan-out (the listeners that heard commits drain
 * together, afterCommit, over as many turns as their budget takes): a document asked about again
 * meanwhile, by identity (a transaction's documents, outlines and texts are the same objects for
 * every listener), is not matched again. Not longer: a document object may be a later
 * transaction's too, and a filter that reads now() answers for the time it is asked.
 *
 * Its matching on the event loop is timed (performance.now: the thread's CPU time is counted in
 * the kernel's ticks, 4 ms, so a match reads 0 or a whole tick). Past `loopBudgetMs` an event (a
 * document asked about), averaged over the transaction (over its chunks, drain: judged at its
 * last; judged per chunk, a preempted 16-document chunk passed it, and at load 25 7 of 10 listeners
 * of 600 terms were ended on one 1,000-document write that ended none before), on
 * OVER_BUDGET_IN_A_ROW transactions in a row, a `timed` filter (past listen/filter.ts TIMED_FILTER_COST) fails from then on (its
 * listeners get `channelError` saying why and how to narrow it), as a filter on a query thread
 * fails past its budget. Not moved to a query thread: a thread hop costs the event loop more than
 * such a filter does (100 filters of 600 terms moved there took 5.6-9.8 s of the loop's CPU for 10
 * writes of one article, against 0.4 s matched in place: bench/listenFilters.ts). In a row, as on
 * a loaded machine a match is now and then preempted; one only sometimes over (a large document
 * now and then) stays, its cost bounded by the fan-out's turns (afterCommit). A failed matcher is
 * dropped from the cache (`onFailed`).
 */
function answeringOnce(
  matcher: DocumentMatcher,
  counters: FilterCounters[],
  loopBudgetMs: number,
  onFailed: () => void,
): DocumentMatcher {
  let answers: WeakMap<FilterDocument, boolean | Promise<boolean>> | null = null
  let answersOf = -1
  let overBudget = 0
  /** Time and documents matched on the loop since the last transaction was judged. */
  let spentSince = 0
  let askedSince = 0
  let failed: LakeError | null = null
  return {
    reads: matcher.reads,
    onLoop: matcher.onLoop,
    timed: matcher.timed,
    match(documents, last = true) {
      if (failed) throw failed
      if (!answers || answersOf !== fanOuts) {
        answers = new WeakMap()
        answersOf = fanOuts
      }
      const known = answers
      const unasked = documents.filter((document) => !known.has(document))
      if (unasked.length > 0) {
        for (const c of counters) c.filtered += unasked.length
        const began = matcher.onLoop ? performance.now() : 0
        const matches = matcher.match(unasked)
        if (matcher.onLoop && Array.isArray(matches)) {
          const spent = performance.now() - began
          for (const c of counters) c.loopFilterMs += spent
          spentSince += spent
          askedSince += unasked.length
        }
        if (matcher.onLoop && last && askedSince > 0) {
          if (matcher.timed) {
            overBudget = spentSince > loopBudgetMs * askedSince ? overBudget + 1 : 0
          }
          spentSince = askedSince = 0
          if (overBudget >= OVER_BUDGET_IN_A_ROW) {
            for (const c of counters) c.overLoopBudget++
            failed = new QueryTimeoutError(
              loopBudgetMs,
              `The listener's filter took more than ${loopBudgetMs} ms an event on the lake's event loop on ${OVER_BUDGET_IN_A_ROW} transactions in a row and the listener was closed: narrow the filter (fewer terms, smaller parameters)`,
            )
            onFailed()
            throw failed
          }
        }
        unasked.forEach((document, i) => {
          known.set(
            document,
            Array.isArray(matches) ? matches[i] === true : matches.then((all) => all[i] === true),
          )
        })
      }
      const found = documents.map((document) => known.get(document)!)
      return found.some((answer) => answer instanceof Promise)
        ? Promise.all(found)
        : (found as boolean[])
    },
  }
}

/** Transactions in a row a filter's matching on the event loop passes its budget before it fails. */
const OVER_BUDGET_IN_A_ROW = 3

export interface ListenConfig {
  /** Interval of the `:` keep-alive comment. The client's polyfill gives up after 45 s of silence. */
  keepAliveMs: number
  /** Bytes a listener may have queued and unread before it is disconnected. */
  maxBufferBytes: number
  /**
   * Unread bytes of all the listeners of one holder, and of the whole lake: past either, the
   * holder's (or the lake's) listener with the most unread is disconnected as above, until within.
   */
  maxBufferBytesPerHolder: number
  maxBufferBytesTotal: number
  /**
   * Time a filter that is not of bounded cost may take on one transaction's documents (on a query
   * worker, from when the thread begins it); a listener whose filter takes longer is closed with
   * `channelError`.
   */
  filterBudgetMs: number
  /**
   * Time a filter matched on the event loop may take there per event (a document asked about),
   * averaged over a transaction; past it on a few transactions in a row its listeners are closed
   * with `channelError` (answeringOnce).
   */
  filterLoopBudgetMs: number
  /**
   * Time one turn of the event loop may spend matching and sending the listeners' events before
   * the rest wait for the next turn, so /ping, queries and writes are answered in between
   * (afterCommit). Wall time, as what waits meanwhile sees it.
   */
  fanOutTurnMs: number
  /**
   * Time such a filter may wait for a query thread (busy, or niced and starved on a loaded
   * machine); past it the listener is closed with a `channelError` saying the lake was busy.
   */
  filterWaitMs: number
  /** Open listeners one user or token may hold (lake/core/limits.ts). */
  maxPerPrincipal: number
  /**
   * Bytes (as JSON, about) of the transactions a listener has yet to filter past the one it is
   * on; past them it is ended so that its client reconnects (lake/core/limits.ts).
   */
  maxPendingBytes: number
}

export const LISTEN_DEFAULTS: ListenConfig = {
  keepAliveMs: 15_000,
  maxBufferBytes: LIMITS.listenerUnreadBytes.perListener,
  maxBufferBytesPerHolder: LIMITS.listenerUnreadBytes.perHolder,
  maxBufferBytesTotal: LIMITS.listenerUnreadBytes.total,
  filterBudgetMs: 500,
  filterLoopBudgetMs: 2,
  fanOutTurnMs: 10,
  filterWaitMs: 30_000,
  maxPerPrincipal: LIMITS.listenersPerPrincipal,
  maxPendingBytes: LIMITS.listenerPendingBytes,
}

/**
 * Bytes of JSON of a transaction's large documents a listener's filter may have parsed on the
 * event loop (a few milliseconds); past them they go to a worker as text (a 20 MB document's parse
 * held the event loop 0.5-2 s, and a worker's filter had them cloned there too).
 */
const FILTER_PARSE_IN_PLACE_BYTES = 1024 * 1024

/**
 * Documents of a transaction a filter matched on the event loop is asked about at once (drain):
 * the fan-out yields between such chunks, so a 1,000-document import no longer holds one turn for
 * as long as one listener's filter takes on all of it. 16: a filter of 600 terms takes 2-10 ms on
 * 16 articles (0.15-0.7 ms each, load 3-35), about one turn's budget; the Studio's, far less.
 */
const MATCH_CHUNK_DOCUMENTS = 16

/** A listener's filter's work on one transaction: its documents asked about, those answered. */
interface Matching {
  tx: CommittedTransaction
  asked: Asked
  documents: FilterDocument[]
  /** Some documents are JSON text: a bounded filter sends them all to a query thread. */
  asText: boolean
  answers: boolean[]
}

/** A transaction's document states the filter is asked about, in order. */
type Asked = {change: DocumentChange; state: 'before' | 'after'}[]

/** Committed transactions a listener may have waiting for its filter before it is cut off. */
const MAX_PENDING_TRANSACTIONS = 1000

/** Transactions' sizes (pendingBytesOf), weighed once for all the listeners that queue them. */
const pendingSizes = new WeakMap<CommittedTransaction, number>()

/**
 * About the bytes of JSON a committed transaction holds in memory, in UTF-8: its changes' texts
 * where it has them (never parsed for this), else its documents, mutations and effects walked, so
 * a transaction weighs the same however it was built (a Bengali character 3 bytes either way, as
 * in the events sent). Weighed only for a listener already behind (a transaction queued behind
 * another), once for all of them.
 */
function pendingBytesOf(tx: CommittedTransaction): number {
  let bytes = pendingSizes.get(tx)
  if (bytes !== undefined) return bytes
  bytes = 0
  for (const change of tx.changes) {
    const {text} = change
    if (text) {
      for (const part of [text.before, text.after, text.mutations, text.effects]) {
        bytes += part?.bytes.byteLength ?? 0
      }
    } else {
      bytes += jsonBytesAbout(change.before) + jsonBytesAbout(change.after)
      bytes += jsonBytesAbout(change.mutations) + jsonBytesAbout(change.effects)
    }
  }
  pendingSizes.set(tx, bytes)
  return bytes
}

/** About JSON.stringify(value)'s UTF-8 bytes, without making it (no escapes counted). */
function jsonBytesAbout(value: unknown): number {
  if (typeof value === 'string') return utf8ByteLength(value) + 2
  if (typeof value !== 'object' || value === null) return 8
  let bytes = 2
  if (Array.isArray(value)) {
    for (const item of value) bytes += jsonBytesAbout(item) + 1
    return bytes
  }
  for (const key in value) {
    bytes += utf8ByteLength(key) + 4 + jsonBytesAbout((value as Record<string, unknown>)[key])
  }
  return bytes
}

/**
 * The reconnection time a muted listener ended to make room asks its client for (`retry:`): 5 h,
 * the most the Studio's EventSource polyfill (event-source-polyfill) takes; a browser's own
 * EventSource and Node's `eventsource` take it as given. Its reconnect would get the ended
 * session's 401, which @sanity/client makes a final ConnectionFailedError and the Studio 6.9.2 a
 * crash of its structure tool. Until then the client reports `reconnect`: the Studio's open
 * document shows as reconnecting, read-only (nothing typed is lost), and the tab's next request
 * (another pane, a reload) gets the 401 that shows its sign-in screen.
 */
export const MUTED_END_RETRY_MS = 5 * 60 * 60 * 1000

export interface ListenerStats {
  open: number
  opened: number
  queuedBytes: number
  peakQueuedBytes: number
  slowDisconnects: number
  /** Streams ended for their clients to reconnect and read again (a commit they missed). */
  restarts: number
  /** Documents given to the listeners' filters: once a transaction for the listeners alike. */
  filtered: number
  /**
   * Filters matched on the event loop that failed there past its budget (ListenConfig.
   * filterLoopBudgetMs), their listeners closed with `channelError`.
   */
  overLoopBudget: number
  /** Time the event loop spent matching documents to filters, in ms. */
  loopFilterMs: number
  /**
   * Turns of the event loop in which the listeners' fan-out (afterCommit) ran this lake's
   * listeners: one per commit heard together, and one more each time it passed ListenConfig.
   * fanOutTurnMs. Every lake in the process shares the one fan-out, as they share its event loop.
   */
  fanOutTurns: number
  /** The longest time this lake's listeners held one of those turns, in ms. */
  longestFanOutTurnMs: number
  /**
   * Listeners whose drain waits for a turn of the fan-out now. Not those waiting on a query
   * thread's answer (they rejoin when it comes), so 0 does not mean every commit heard is sent.
   */
  fanOutWaiting: number
  /** The same figures for each dataset opened since the lake started, listened to or not. */
  datasets: Record<string, DatasetListenerStats>
}

/** A dataset's share of ListenerStats: its listeners' filters and fan-out. */
export type DatasetListenerStats = Pick<
  ListenerStats,
  | 'open'
  | 'filtered'
  | 'overLoopBudget'
  | 'loopFilterMs'
  | 'fanOutTurns'
  | 'longestFanOutTurnMs'
  | 'fanOutWaiting'
>

/** What a lake's, and each of its datasets', filters and fan-out count (ListenerStats). */
interface FilterCounters {
  filtered: number
  overLoopBudget: number
  loopFilterMs: number
  fanOutTurns: number
  longestFanOutTurnMs: number
}

const filterCounters = (): FilterCounters => ({
  filtered: 0,
  overLoopBudget: 0,
  loopFilterMs: 0,
  fanOutTurns: 0,
  longestFanOutTurnMs: 0,
})

interface Listener extends UnreadReader {
  principal: Principal
  dataset: string
  /** Whom the listener counts against: the principal's id, or an anonymous caller's address. */
  holder: string
  disconnect(reason: string): void
  /**
   * Stops the stream's events for good but leaves it open, a `:` comment saying why; false when it
   * was muted or closed already.
   */
  mute(reason: string): boolean
  /** Muted (its session ended), and still open. */
  muted(): boolean
  /**
   * Ends a muted listener's stream to give its place to a new listener of its holder, asking its
   * client to wait MUTED_END_RETRY_MS before it reconnects.
   */
  giveUpPlace(): void
  /** Ends the stream for its client to reconnect, a `:` comment saying why (startOver, uncounted). */
  end(why: string): void
}

/** The open listeners of one lake, and figures about them for tests, benchmarks and diagnostics. */
export interface ListenerRegistry {
  /** Open streams, bytes queued now, the most ever queued by one, how many were cut off. */
  stats(): ListenerStats
  /**
   * Ends every open listener's stream so that its client reconnects (the lake is stopping: its
   * clients carry on with the lake that starts next), a `:` comment saying why. Not `disconnect`,
   * which @sanity/client takes as final (docs/listeners.md).
   */
  endAll(why: string): void
  /**
   * How many listeners a holder (a principal's id, an anonymous address) holds open, muted ones
   * included (left out, a user could hold any number: sign in, open 100, sign out, again).
   */
  heldBy(holder: string): number
  /**
   * Ends what the principals `ended` gives a reason for still hear (lake/auth/revocation.ts),
   * or a dataset made private (its anonymous listeners: lake/datasets/visibility.ts), asking once
   * per principal and dataset: an API token's and an anonymous caller's listeners get
   * `disconnect`; a signed-in user's
   * session's are muted instead (no more events, left open). The Studio 6.9.2 takes a
   * `disconnect` (or a 401 on reconnecting) on a document's listener as a crash of its structure
   * tool, where the editor was typing; it learns the session ended from its next request's 401
   * (errorCode SIO-401-ANF) and shows its sign-in screen, closing the stream itself.
   */
  endWhere(ended: (principal: Principal, dataset: string) => string | null): number
  /**
   * Sends `disconnect` to every listener of a deleted dataset: final, as the dataset it listened
   * to is gone (a reconnect would hear a new one of that name). Returns how many.
   */
  endDataset(dataset: string, reason: string): number
}

interface RegistryInternals extends ListenerRegistry {
  add(listener: Listener): void
  delete(listener: Listener): void
  /**
   * Ends the holder's oldest muted listener (giveUpPlace) so that a new one may open; false when
   * it has none.
   */
  makeRoom(holder: string): boolean
  /** `listener` queued `bytes` more: cuts the largest readers while a budget is exceeded. */
  queued(listener: Listener, bytes: number, config: ListenConfig): void
  counters: FilterCounters & {
    opened: number
    slowDisconnects: number
    restarts: number
    peakQueuedBytes: number
  }
  /** The counters a dataset's listeners add to: the lake's and the dataset's own. */
  countersOf(dataset: string): FilterCounters[]
}

export function createListenerRegistry(): ListenerRegistry {
  const budget = createUnreadBudget<Listener>('listeners')
  const listeners = budget.readers
  const counters = {
    opened: 0,
    slowDisconnects: 0,
    restarts: 0,
    peakQueuedBytes: 0,
    ...filterCounters(),
  }
  const byDataset = new Map<string, FilterCounters>()
  const registry: RegistryInternals = {
    counters,
    countersOf(dataset) {
      let own = byDataset.get(dataset)
      if (!own) byDataset.set(dataset, (own = filterCounters()))
      return [counters, own]
    },
    queued(listener, bytes, config) {
      budget.sent(listener, bytes, {
        perHolder: config.maxBufferBytesPerHolder,
        total: config.maxBufferBytesTotal,
      })
    },
    add: (listener) => {
      budget.add(listener)
      counters.opened++
    },
    delete: (listener) => budget.delete(listener),
    makeRoom(holder) {
      // The registry's order is the order they opened in.
      for (const listener of listeners) {
        if (listener.holder !== holder || !listener.muted()) continue
        listener.giveUpPlace()
        return true
      }
      return false
    },
    stats() {
      let queuedBytes = 0
      const open = new Map<string, number>()
      for (const listener of listeners) {
        queuedBytes += listener.unread()
        open.set(listener.dataset, (open.get(listener.dataset) ?? 0) + 1)
      }
      const datasets: Record<string, DatasetListenerStats> = {}
      for (const [dataset, own] of byDataset) {
        datasets[dataset] = {open: open.get(dataset) ?? 0, ...own, fanOutWaiting: waiting(own)}
      }
      return {
        open: listeners.size,
        queuedBytes,
        ...counters,
        fanOutWaiting: waiting(counters),
        datasets,
      }
    },
    endAll(why) {
      for (const listener of [...listeners]) listener.end(why)
    },
    heldBy(holder) {
      let count = 0
      for (const listener of listeners) if (listener.holder === holder) count++
      return count
    },
    endWhere(ended) {
      const verdicts = new Map<Principal, Map<string, string | null>>()
      let count = 0
      for (const listener of [...listeners]) {
        const {principal, dataset} = listener
        let byDataset = verdicts.get(principal)
        if (!byDataset) verdicts.set(principal, (byDataset = new Map()))
        if (!byDataset.has(dataset)) byDataset.set(dataset, ended(principal, dataset))
        const reason = byDataset.get(dataset)
        if (reason === null || reason === undefined) continue
        if (principal.kind !== 'user') listener.disconnect(reason)
        else if (!listener.mute(reason)) continue
        count++
      }
      return count
    },
    endDataset(dataset, reason) {
      let count = 0
      for (const listener of [...listeners]) {
        if (listener.dataset !== dataset) continue
        listener.disconnect(reason)
        count++
      }
      return count
    },
  }
  return registry
}

export interface OpenListenerOptions {
  registry: ListenerRegistry
  bus: EventBus
  dataset: string
  principal: Principal
  /** Whom the listener counts against (default the principal's id). */
  holder?: string
  matcher: DocumentMatcher
  options: ListenOptions
  config: ListenConfig
  /** The body of an error as clients see it (for `channelError`). */
  errorBody: (err: LakeError) => unknown
  /** Sends 2 kB of padding first (`evs_preamble`), for proxies that buffer small responses. */
  preamble?: boolean
}

const encoder = new TextEncoder()

/**
 * Subscribes now and returns the SSE byte stream, starting with `welcome`. Commits are heard in
 * order inside the write lock but only queued there: filters run afterwards, one transaction at a
 * time per listener, so no listener's filter can slow a commit.
 */
export function openListener(open: OpenListenerOptions): ReadableStream<Uint8Array> {
  const {bus, dataset, principal, matcher, options, config} = open
  const holder = open.holder ?? principal.id
  const registry = open.registry as RegistryInternals
  // One caller may not hold the lake's sockets and buffers for everyone. An ended session's muted
  // listeners count too, but give their places up, oldest first, to the user's new listeners: a
  // signed-out tab left open must not lock its user out elsewhere. Checked and made room for in
  // the same turn as the new listener is added (ReadableStream's start), so listeners opened at
  // once never hold more than the cap.
  while (registry.heldBy(holder) >= config.maxPerPrincipal) {
    if (registry.makeRoom(holder)) continue
    throw new TooManyRequestsError(
      `At most ${config.maxPerPrincipal} open listeners per user or token; close some (each Studio tab holds several)`,
    )
  }
  const counters = registry.counters
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let closed = false
  /** Its principal's session ended: nothing more is sent but keep-alives (Listener.mute). */
  let muted = false
  let unsubscribe = () => {}
  let keepAlive: ReturnType<typeof setInterval> | undefined

  const queuedBytes = () => (closed ? 0 : config.maxBufferBytes - (controller.desiredSize ?? 0))
  // Sizes of the messages sent (an event's parts together) and not all taken, oldest first: those
  // the reader took all of fall off the front (at each send too, so they are never more than the
  // queue's).
  const sizes: number[] = []
  let sized = 0
  /**
   * What is left of a message the reader has begun to take (it took an event's first part): it
   * counts as taken, as a whole event did once the reader took it. Drops what was taken.
   */
  const taking = (queued: number) => {
    while (sizes.length > 0 && sized - sizes[0]! >= queued) sized -= sizes.shift()!
    const left = sizes.length > 0 ? queued - (sized - sizes[0]!) : 0
    return left < (sizes[0] ?? 0) ? left : 0
  }
  /** Bytes sent and not yet taken. */
  const unreadBytes = () => {
    const queued = queuedBytes()
    return queued - taking(queued)
  }
  /** Unread bytes behind the event the reader takes next: what counts against its caller. */
  const heldBytes = () => {
    const queued = queuedBytes()
    const left = taking(queued)
    const next = sizes[left > 0 ? 1 : 0]
    return next === undefined ? 0 : queued - left - next
  }

  const cleanup = () => {
    if (closed) return
    closed = true
    unsubscribe()
    clearInterval(keepAlive)
    registry.delete(listener)
  }

  const cut = (why: string) => {
    if (closed) return
    counters.slowDisconnects++
    cleanup()
    const err = new Error(`lake: listener on "${dataset}" disconnected: ${why}`)
    // The HTTP layer logs it; a stack trace says nothing about a client that stopped reading.
    err.stack = err.message
    // Erroring drops the queue at once and makes the HTTP layer destroy the connection (HTTP/1)
    // or reset the stream (HTTP/2).
    controller.error(err)
  }

  /** A message, or an event's parts (sseParts: a large document's text is a part as it is). */
  const send = (message: string | Uint8Array[]) => {
    if (closed) return
    const parts = typeof message === 'string' ? [encoder.encode(message)] : message
    let length = 0
    for (const part of parts) length += part.byteLength
    const queued = queuedBytes()
    const unread = queued - taking(queued)
    // One event larger than the limit may go out on an empty queue; a backlog may not grow past it.
    if (unread > 0 && unread + length > config.maxBufferBytes) {
      return cut(`more than ${config.maxBufferBytes} bytes unread`)
    }
    for (const part of parts) controller.enqueue(part)
    sizes.push(length)
    sized += length
    counters.peakQueuedBytes = Math.max(counters.peakQueuedBytes, unread + length)
    registry.queued(listener, length, config)
  }

  const listener: Listener = {
    principal,
    dataset,
    holder,
    unread: unreadBytes,
    held: heldBytes,
    drop: cut,
    disconnect(reason) {
      closeWith(sse('disconnect', {reason}))
    },
    muted: () => muted && !closed,
    giveUpPlace() {
      closeWith(
        `retry: ${MUTED_END_RETRY_MS}\n: this session ended; its place went to a new listener of the same user\n\n`,
      )
    },
    mute(reason) {
      if (closed || muted) return false
      muted = true
      unsubscribe()
      pending.length = 0
      pendingBytes = 0
      matching = null
      send(`: ${reason.replace(/[\r\n]+/g, ' ')}\n\n`)
      return true
    },
    end: (why) => end(why),
  }

  const mayRead = (id: string) => can(principal, 'read', id)
  const pending: CommittedTransaction[] = []
  /** pendingBytesOf the pending transactions but the first (weighed only once one waits). */
  let pendingBytes = 0
  let draining = false

  /**
   * Ends the stream so that its client reconnects and reads again: a listener that missed a
   * commit, or one the lake could not keep up with. Not `channelError` or `disconnect`, which
   * @sanity/client takes as final (the Studio's pane shows an error, a preview stops updating):
   * on a stream that just ends, its EventSource reconnects, the client emits `reconnect`, and the
   * new stream's `welcome` is where the Studio and live preview fetch what they show again. The
   * `:` comment says why to whoever reads the raw stream.
   */
  const startOver = (why: string) => {
    if (end(why)) counters.restarts++
  }

  /**
   * Sends `text` last and closes the stream; false when it was closed already, or cut off by the
   * send instead (its reader had stopped: its client reconnects all the same).
   */
  const closeWith = (text: string) => {
    if (closed) return false
    send(text)
    if (closed) return false
    cleanup()
    controller.close()
    return true
  }

  /** Ends the stream as startOver does; false when it was ended already, or cut off instead. */
  const end = (why: string) => closeWith(`: ${why.replace(/[\r\n]+/g, ' ')}\n\n`)

  /** Ends the stream with `channelError` saying why (a filter over budget, say). */
  const fail = (err: LakeError) => {
    closeWith(sse('channelError', open.errorBody(err)))
  }

  /** The document the filter sees of a change's state: its outline when that is enough. */
  const outlined = (change: DocumentChange, state: 'before' | 'after') => {
    const outline = headsOf(change)[state]?.outline
    const {reads} = matcher
    if (outline && reads && !outline.omitted.some((field) => reads.has(field))) {
      return outline.fields
    }
    return null
  }

  /** The documents the filter is asked about for a transaction, none answered yet. */
  const ask = (tx: CommittedTransaction): Matching => {
    const asked: Asked = []
    for (const change of tx.changes) {
      if (!options.includeAllVersions && isVersionId(change.id)) continue
      if (!mayRead(change.id)) continue
      const heads = headsOf(change)
      if (heads.before) asked.push({change, state: 'before'})
      if (heads.after) asked.push({change, state: 'after'})
    }
    const outlines = asked.map(({change, state}) => outlined(change, state))
    // The texts the filter would have parsed here: past the bound, parsed on a worker instead.
    let unparsed = 0
    asked.forEach(({change, state}, i) => {
      if (!outlines[i]) unparsed += change.text?.[state]?.bytes.byteLength ?? 0
    })
    const documents = asked.map(({change, state}, i): FilterDocument => {
      const text = change.text?.[state]
      if (outlines[i]) return outlines[i]
      return unparsed > FILTER_PARSE_IN_PLACE_BYTES && text ? sharedTextOf(text) : change[state]!
    })
    const asText = documents.some((doc) => doc instanceof Uint8Array)
    return {tx, asked, documents, asText, answers: []}
  }

  /** Sends the listener its events of `tx`, given the filter's answers on the asked documents. */
  const deliver = (tx: CommittedTransaction, asked: Asked, matches: boolean[]) => {
    // A filter's answer that came after the session ended.
    if (muted) return
    const matched = new Map<DocumentChange, {before?: boolean; after?: boolean}>()
    asked.forEach(({change, state}, i) => {
      matched.set(change, {...matched.get(change), [state]: matches[i] === true})
    })
    const events = eventsFor(
      tx,
      (change, state) => matched.get(change)?.[state] === true,
      options,
      mayRead,
    )
    for (const event of events) send(sharedEventParts(tx, event))
  }

  /**
   * The filter did not answer on a transaction: a fault of the filter (past its budget, an
   * evaluation error) is a `channelError`, as it would fail again; the lake's own (busy, or a bug)
   * has the client start over.
   */
  const failed = (err: unknown) => {
    draining = false
    if (err instanceof ListenerOverloadedError) {
      console.warn(`lake: listener on "${dataset}" started over: ${err.message}`)
      startOver(err.message)
    } else if (err instanceof LakeError) fail(err)
    else {
      console.error('lake: listener failed', err)
      startOver('the listener failed on a transaction')
    }
  }

  /** The transaction being matched (drain), if its documents are not all answered yet. */
  let matching: Matching | null = null

  /** Takes the filter's answers on `matching`'s next documents; delivers it once all are in. */
  const answered = (found: boolean[]) => {
    const current = matching!
    for (const answer of found) current.answers.push(answer)
    if (current.answers.length < current.documents.length) return
    matching = null
    deliver(current.tx, current.asked, current.answers)
  }

  /**
   * Delivers the pending transactions in order: at once while the filter answers at once (a
   * filter of bounded cost), else each after the worker's answer. A filter matched on the event
   * loop is asked about a transaction's documents MATCH_CHUNK_DOCUMENTS at a time, so a large
   * transaction's matching spreads over turns too. Past the fan-out's turn budget it carries on
   * in a later turn (afterCommit), `draining` still set: a commit heard meanwhile is queued behind
   * the rest, and a transaction's events are sent once all its documents are answered, so none
   * overtakes another.
   */
  const drain = (): void => {
    try {
      // At least one chunk a call, so that a turn always gets on.
      for (let first = true; (matching || pending.length > 0) && !closed; first = false) {
        if (!first && turnSpent(config.fanOutTurnMs)) return afterCommit(fanOut)
        if (!matching) {
          matching = ask(pending.shift()!)
          // The next to wait is now first, and not counted (its place: the one it is on).
          if (pending.length > 0) pendingBytes -= pendingBytesOf(pending[0]!)
        }
        const current = matching
        const from = current.answers.length
        // On a query thread (a filter that is, or a transaction carried as text), one hop for
        // the whole transaction: a hop per chunk cost the event loop more than it spread.
        const chunked = matcher.onLoop && !current.asText
        const to = chunked ? from + MATCH_CHUNK_DOCUMENTS : current.documents.length
        const chunk = current.documents.slice(from, to)
        const matches = chunk.length > 0 ? matcher.match(chunk, to >= current.documents.length) : []
        if (Array.isArray(matches)) {
          answered(matches)
          continue
        }
        // Taken only by the matching it was asked for: one muted (mute resets `matching`) or
        // closed meanwhile is left as it is, not ended by a late answer or failure.
        const stale = () => matching !== current || closed
        matches.then(
          (found) => {
            if (stale()) return
            try {
              answered(found)
            } catch (err) {
              return failed(err)
            }
            afterCommit(fanOut)
          },
          (err: unknown) => {
            if (!stale()) failed(err)
          },
        )
        return
      }
    } catch (err) {
      return failed(err)
    }
    draining = false
  }
  const fanOut: DueDrain = {
    drain,
    turnMs: config.fanOutTurnMs,
    counters: registry.countersOf(dataset),
  }

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
        registry.add(listener)
        if (open.preamble) send(`:${' '.repeat(2048)}\n\n`)
        send(sse('welcome', {listenerName: randomId()}))
        unsubscribe = bus.subscribe(
          dataset,
          (tx) => {
            if (pending.length >= MAX_PENDING_TRANSACTIONS) {
              failed(
                new ListenerOverloadedError(
                  `The listener fell ${MAX_PENDING_TRANSACTIONS} transactions behind its filter`,
                ),
              )
              return
            }
            // Shared with the other listeners of the dataset: the slowest one's queue is what
            // stays in memory, writes not waiting for any listener.
            if (pending.length > 0) pendingBytes += pendingBytesOf(tx)
            if (pendingBytes > config.maxPendingBytes) {
              failed(
                new ListenerOverloadedError(
                  `The listener fell more than ${Math.round(config.maxPendingBytes / 2 ** 20)} MiB of transactions behind its filter`,
                ),
              )
              return
            }
            pending.push(tx)
            if (draining) return
            draining = true
            // After the commit's write lock is released.
            afterCommit(fanOut)
          },
          // The bus's reason (logged there) names the transaction and the lake's error: not for
          // a caller who may not read what it changed.
          () => startOver('this listener missed a committed transaction; reconnect and read again'),
        )
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

/**
 * Drains to run once the commit that queued them is over: one setImmediate for all the listeners
 * a commit reached, not one each (500 listeners on one write). A turn runs them until their
 * matching passes the turn's budget (ListenConfig.fanOutTurnMs), then yields to the event loop
 * and the rest run in the next: 100 listeners' filters of 600 terms held the loop 0.8-3.5 s for
 * one write of 50 articles, /ping waiting 1.3-17 s (bench/listenFilters.ts).
 */
let due: DueDrain[] = []

/** A listener's drain, its turn's budget, and the counters its turns add to (the lake's, its dataset's). */
interface DueDrain {
  drain: () => void
  turnMs: number
  counters: FilterCounters[]
}

/** A setImmediate for `due` is pending. */
let dueScheduled = false
/** When this turn of the fan-out began (performance.now). */
let turnBegan = 0
/** Fan-outs run to the end (their queue emptied), or cut at FAN_OUT_TURNS_SHARED turns. */
let fanOuts = 0
/** Turns of the current fan-out: answers are shared for at most this many (answeringOnce). */
let turnsShared = 0
const FAN_OUT_TURNS_SHARED = 64

function afterCommit(drain: DueDrain): void {
  due.push(drain)
  if (dueScheduled) return
  dueScheduled = true
  setImmediate(runDue)
}

/** Drains of these counters' listeners waiting for a turn now (ListenerStats.fanOutWaiting). */
function waiting(counters: FilterCounters): number {
  let count = 0
  for (const {counters: of} of due) if (of.includes(counters)) count++
  return count
}

/** Whether this turn passed `turnMs`: the drain asking waits for the next. */
function turnSpent(turnMs: number): boolean {
  return performance.now() - turnBegan > turnMs
}

function runDue(): void {
  dueScheduled = false
  turnBegan = performance.now()
  /** Time each lake's and dataset's listeners took in this turn. */
  const spent = new Map<FilterCounters, number>()
  // Those queued during this turn (a drain past the budget, a thread's answer) wait for the next.
  const now = due
  due = []
  try {
    for (let i = 0; i < now.length; i++) {
      const {drain, turnMs, counters} = now[i]!
      // The first runs whatever the time, so that every turn gets on.
      if (i > 0 && turnSpent(turnMs)) {
        // Ahead of those queued meanwhile (a spread of thousands would pass the stack's limit).
        due = now.slice(i).concat(due)
        break
      }
      const began = performance.now()
      try {
        drain()
      } catch (err) {
        // A drain reports its own errors to its listener; one that escapes must not stop the rest.
        console.error('lake: listener failed', err)
      }
      const took = performance.now() - began
      for (const c of counters) spent.set(c, (spent.get(c) ?? 0) + took)
    }
  } finally {
    for (const [c, took] of spent) {
      c.fanOutTurns++
      c.longestFanOutTurnMs = Math.max(c.longestFanOutTurnMs, took)
    }
    if (due.length > 0 && !dueScheduled) {
      dueScheduled = true
      setImmediate(runDue)
    }
    if (due.length === 0 || ++turnsShared >= FAN_OUT_TURNS_SHARED) {
      fanOuts++
      turnsShared = 0
    }
  }
}

/** A stream that reports one error as `channelError` (its body as `errorBody` renders it) and ends. */
export function channelErrorStream(
  err: LakeError,
  errorBody: (err: LakeError) => unknown,
): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode(sse('channelError', errorBody(err))))
      controller.close()
    },
  })
}

/**
 * One SSE message. JSON never contains raw line breaks, so `data` is a single line; an id with a
 * line break (a client-chosen transaction id can have one) is left out rather than split the event.
 */
export function sse(event: string, data: unknown, id?: string): string {
  return `event: ${event}\n${idLine(id)}data: ${eventJson(data)}\n\n`
}

/**
 * A transaction's events as sent, per what tells one listener's apart from another's (its
 * document, transition, place in the transaction, visibility and the parts it includes): 500
 * listeners on one filter each serialised the same change's result, mutations and effects (~13 us
 * an event, 8 ms of the lake's CPU a write), and now share one serialisation and its bytes.
 */
const sentEvents = new WeakMap<CommittedTransaction, Map<string, Uint8Array[]>>()

function sharedEventParts(tx: CommittedTransaction, event: MutationEventData): Uint8Array[] {
  let events = sentEvents.get(tx)
  if (!events) sentEvents.set(tx, (events = new Map()))
  const key = [
    event.documentId,
    event.transition,
    event.transactionCurrentEvent,
    event.transactionTotalEvents,
    event.visibility,
    'mutations' in event,
    'effects' in event,
    'result' in event,
    'previous' in event,
  ].join('\0')
  let parts = events.get(key)
  if (!parts) events.set(key, (parts = sseParts('mutation', event, event.eventId)))
  return parts
}

/** sse() as UTF-8 parts, a large document's text in it a part as it is (eventParts). */
export function sseParts(event: string, data: unknown, id?: string): Uint8Array[] {
  return eventParts(`event: ${event}\n${idLine(id)}data: `, data, '\n\n')
}

const idLine = (id?: string) => (id && !/[\r\n\0]/.test(id) ? `id: ${id}\n` : '')
