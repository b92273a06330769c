/**
 * The dataset service: one per dataset, owning its store, clock, event bus, listeners and query
 * execution. HTTP routes parse a request, call one method here with the caller's principal and
 * serialise what comes back; every permission check on documents happens here.
 */
import type {ExprNode} from 'groq-js'
import {UploadTooLargeError, type AssetKind} from './assets/assetFiles.ts'
import {AssetFiles} from './assets/assetSweep.ts'
import {receiveAsset, storedAssetPath, type AssetUpload} from './assets/upload.ts'
import {authenticationRequired, authorizeChange, requireWriter} from './core/access.ts'
import {requestKey} from './core/query.ts'
import {checkParamsText} from './core/paramsText.ts'
import {
  checkListLength,
  checkQueryText,
  checkWriteDepth,
  LIMITS,
  parsesInPlace,
  type QuerySize,
} from './core/limits.ts'
import {
  AuthError,
  BadRequestError,
  formatMs,
  itemError,
  LakeError,
  MutationError,
  NotFoundError,
  PermissionError,
  QueryMemoryError,
  QueryResultTooLargeError,
  QueryTimeoutError,
} from './core/errors.ts'
import {
  can,
  canEverywhere,
  canReadAnything,
  canUploadAssets,
  historyIdPrefixes,
  type Principal,
} from './core/grants.ts'
import {documentEventsPage, unknownCursor, type DocumentGroupEvent} from './core/historyEvents.ts'
import {getPublishedId} from './core/ids.ts'
import {wellFormedCopy} from './core/wellFormed.ts'
import {createLru} from './core/lru.ts'
import type {
  ExportOptions,
  HistoryPoint,
  LogCursor,
  OrderKey,
  LoggedTransactionText,
  Store,
  StoreRegistry,
  TransactionQuery,
} from './core/store.ts'
import type {MutationResult} from './core/mutations.ts'
import {
  commitBuilt,
  runTransaction,
  StaleBuildError,
  type BuiltTransaction,
  type TransactionOutcome,
} from './core/transaction.ts'
import type {DocumentChange, SanityDocument} from './core/types.ts'
import {
  applyWrites,
  bulkPace,
  BULK_STREAM_BYTES,
  bulkStreamed,
  bulkWork,
  IN_PLACE_WRITE_BYTES,
  writeWalks,
  writesWork,
  type WriteBodyHead,
  type WriteField,
  type Writes,
} from './core/writes.ts'
import type {EventBus} from './events/bus.ts'
import type {ListenOptions} from './listen/events.ts'
import {
  compileFilter,
  filterCost,
  filterReads,
  isBoundedFilter,
  listenerFilterNode,
  TIMED_FILTER_COST,
} from './listen/filter.ts'
import {
  channelErrorStream,
  LISTEN_DEFAULTS,
  createMatcherCache,
  openListener,
  type DocumentMatcher,
  type FilterDocument,
  type ListenConfig,
  type ListenerRegistry,
} from './listen/stream.ts'
import {MADE_PRIVATE_REASON, type VisibilitySettings} from './datasets/visibility.ts'
import {
  budgeted,
  inPlaceBudget,
  OverBudget,
  triesInPlace,
  withinAnswerBudget,
} from './query/inPlace.ts'
import {
  executeQuery,
  resultJson,
  threadCpu,
  type QueryAnswer,
  type QueryAsked,
  type QueryRequest,
} from './query/execute.ts'
import {historyTexts} from './query/history.ts'
import {parseGroq} from './query/parsing.ts'
import type {QueryPool, TaskOptions} from './query/pool.ts'
import {fromWire, unpackTexts, type TransactionTask} from './query/wire.ts'

export type {AssetUpload} from './assets/upload.ts'
export type {QueryAnswer, QueryAsked, QueryRequest} from './query/execute.ts'

export interface DatasetConfig {
  /** The one project this lake serves. */
  projectId: string
  /** Listener limits; tests shorten the keep-alive and shrink the buffer (read per listener). */
  listen?: Partial<ListenConfig>
  /** Stored bytes one data/doc answer carries (default LIMITS.docAnswerBytes; tests lower it). */
  docAnswerBytes?: number
}

export interface CommitRequest {
  /** Client-supplied transaction id (validated here). */
  transactionId?: unknown
  /** Compute everything, write nothing, publish nothing. */
  dryRun?: boolean
  /** The error type a refusal carries: `actionError` for the Actions API. */
  errorType?: 'mutationError' | 'actionError'
  /** The length of the request's JSON text (its writes are weighed with it). */
  length: number
  /** Aborts when the client goes away (stops a transaction being built on a worker). */
  signal?: () => AbortSignal
  /** The caller's deadline counts from here (epoch ms): its queries' matching came first. */
  since?: number
  /** Throws when the caller's token is no longer valid; called inside the write lock. */
  signedIn?: () => void
}

export interface ListenRequest {
  query: string
  params: Record<string, unknown>
  options: ListenOptions
  /** 2 kB of padding before `welcome` (`evs_preamble`). */
  preamble?: boolean
  /** Whom the listener counts against (default the principal's id; anonymous callers by address). */
  holder?: string
}

export interface DocumentsResult {
  /** Each document as its stored JSON text in UTF-8 (never parsed and serialised again). */
  documents: Uint8Array[]
  omitted: {id: string; reason: 'existence' | 'permission'}[]
}

export interface DocumentsOptions {
  /** Every readable draft and version of each id's document group, where they exist. */
  includeAllVersions?: boolean
  /** Only `omitted` is wanted (the Studio's availability checks): no body is read. */
  excludeContent?: boolean
  /** Aborts when the client goes away (stops a read on a query worker). */
  signal?: AbortSignal
  /**
   * Whose turn a read on a read thread takes (default the principal's id; anonymous callers by
   * address): the pool's documents.
   */
  holder?: string
}

const MIB = 1024 * 1024
const formatMib = (bytes: number) => `${(bytes / MIB).toFixed(bytes < MIB ? 3 : 0)} MiB`

/**
 * Stored bytes of `data/doc` documents read on the event loop, in one statement: a millisecond or
 * so. More are read on a query worker, so a request for many large documents never holds pings.
 */
export const DOC_IN_PLACE_BYTES = MIB
/** Ids read on the event loop at most: one SQL statement's worth (a snapshot of its own). */
const DOC_IN_PLACE_IDS = 500

/**
 * Present bytes of the documents a history request may rebuild on the event loop: the Studio asks
 * for one article at a time. Each is up to SNAPSHOT_EVERY / 2 patches from a snapshot: 13
 * articles (237 kB) took 26-87 ms (median of 9, load 18), so more than an article or two, or a
 * deleted one (no present size), are rebuilt on a read thread.
 */
const HISTORY_IN_PLACE_BYTES = 64 * 1024
/**
 * Characters of the log's stored text (snapshots, effects) such a rebuild may parse on the event
 * loop: a document small now may have been large at the revision asked for (a 13 MB past held
 * the loop 2.7-4.3 s). An article or two with their patches, as above; past it, a read thread.
 */
const HISTORY_IN_PLACE_TEXT = 256 * 1024

export interface DatasetService {
  readonly name: string
  /**
   * Resolves once the dataset's file is in this lake's format (Store.ready: a file an earlier lake
   * wrote is upgraded on the commit thread, not on the event loop). Routes wait for it first.
   */
  ready(): Promise<void>
  /**
   * Evaluates a GROQ query over what `principal` may read, in place or on a query worker, and
   * returns the result as JSON text with the CPU its evaluation took; on a query thread as the
   * pool's run (`signal`, `holder`).
   */
  query(request: QueryAsked, principal: Principal, on?: TaskOptions): Promise<QueryAnswer>
  /**
   * The [_id, _rev] of the documents a mutation's query returns over the committed documents
   * `principal` may read (raw perspective), on a query worker with the query deadline, before any
   * transaction: writers only (viewers get their 403 before it runs). `signal` and `since` as the
   * pool's run (one deadline for all of a request's queries).
   */
  matchIds(
    principal: Principal,
    query: string,
    params: Record<string, unknown>,
    on?: Omit<TaskOptions, 'holder'>,
  ): Promise<[string, string][]>
  /**
   * Applies a request's writes as one transaction by `principal`, each change checked against
   * their grants: in place when their work is small, else built on a query worker and committed
   * if nothing it read changed meanwhile (docs/query-engine.md#writes-off-the-event-loop).
   */
  write(
    principal: Principal,
    request: CommitRequest,
    writes: Writes,
  ): Promise<TransactionOutcome<MutationResult[]>>
  /**
   * A write request's body too large to read on the event loop, read on a write thread (decoded,
   * parsed and checked as a small one is, with the same 400s): what the route needs of it. Its
   * writes are then `{kind: 'body'}`, built there from the same bytes (the pool's read: `signal`,
   * `since` and `holder` as for write).
   */
  readWrites(bytes: Uint8Array, field: WriteField, on?: TaskOptions): Promise<WriteBodyHead>
  /**
   * Stores an upload's bytes as an asset of this dataset and writes its asset document; the same
   * bytes again give the existing document as it is. Any role that writes documents may upload
   * (asset uploads are not document grants in Sanity).
   */
  uploadAsset(principal: Principal, upload: AssetUpload): Promise<SanityDocument>
  /**
   * The file behind an asset URL's name and its asset document, or null when either is missing.
   * No principal: asset URLs need no token, as on Sanity's CDN (their names are content hashes).
   */
  assetFile(
    kind: AssetKind,
    projectId: string,
    name: string,
  ): {path: string; document: SanityDocument} | null
  /** Current documents by id, without permission checks (a write's own results). */
  currentDocuments(ids: readonly string[]): (SanityDocument | null)[]
  /**
   * currentDocuments, but a document past DOC_IN_PLACE_BYTES as stored comes as its stored JSON
   * text (UTF-8), read on a query worker and never parsed here: a write's result for a document
   * it did not change (`returnDocuments`), in its caller's turn (the pool's documents).
   */
  currentDocumentsOrTexts(
    ids: readonly string[],
    on?: TaskOptions,
  ): Promise<(SanityDocument | Uint8Array | null)[]>
  /**
   * Documents by literal id as `principal` may see them, with why the others are missing. At
   * most LIMITS.namesPerList ids and LIMITS.docAnswerBytes of documents (a 400 past either).
   */
  documents(
    principal: Principal,
    ids: readonly string[],
    options?: DocumentsOptions,
  ): Promise<DocumentsResult>
  /**
   * A Server-Sent Events stream of the commits matching the listener's filter; a filter that
   * cannot be used gives a stream of one `channelError`.
   */
  listen(principal: Principal, request: ListenRequest): Promise<ReadableStream<Uint8Array>>
  /** The ids of `ids` whose history `principal` may see; a 403 when none. */
  historyIds(principal: Principal, ids: readonly string[]): string[]
  /**
   * Documents at a point in history (ids already allowed by historyIds), as their JSON text in
   * UTF-8, the ones that did not exist then left out: rebuilt on a write thread unless they are
   * few and small. At most LIMITS.docAnswerBytes of them (a 400 past it). A rebuild takes its
   * caller's turn on a read thread (the pool's history).
   */
  documentsAt(
    principal: Principal,
    ids: readonly string[],
    at: HistoryPoint,
    on?: TaskOptions,
  ): Promise<Uint8Array[]>
  /**
   * Transactions from the log (ids already allowed by historyIds; none: the whole dataset's, a
   * 403 for a caller without the history grant anywhere), a page at a time (LOG_PAGE): each page
   * is read when the caller asks for it, so a long log is never held at once. Each transaction
   * keeps only the changes of documents whose history `principal` may see: one transaction may
   * write a draft and a published document, and a contributor's history covers the draft only.
   * A transaction with none of them is left out, and `limit` counts the transactions listed.
   */
  transactionLog(
    principal: Principal,
    query: TransactionQuery,
    want: {mutations: boolean; effects: boolean},
  ): Iterable<LoggedTransactionText[]>
  /**
   * A page of the Events API's events of one document (its id already allowed by historyIds),
   * newest first; `cursor` is the previous page's nextCursor. Only events of transactions that
   * changed a document whose history `principal` may see, as transactionLog lists them.
   */
  documentEvents(
    principal: Principal,
    id: string,
    page: {limit: number; cursor?: string},
  ): {events: DocumentGroupEvent[]; nextCursor: string}
  /**
   * Stored documents in `_id` order as their JSON text, a page at a time (EXPORT_PAGE), each page
   * read by key when the caller asks for it: nothing is held between pages, neither a read of the
   * database nor more than one page. `json` is null for those `principal` may not read (they still
   * count for paging). Not a snapshot: see docs/lake-api.md (Export).
   */
  export(
    principal: Principal,
    options?: ExportOptions,
  ): Iterable<{id: string; json: string | null}[]>
}

export interface DatasetServiceOptions {
  /** The data folder: query workers open their own read-only connections to the dataset. */
  dataDir: string
  /**
   * The lake's asset files, which its clean-ups share: an upload holds its file from every one of
   * them until its document is written. Default: the service's own (a service made without a lake).
   */
  assetFiles?: AssetFiles
  store: Store
  queries: QueryPool
  /** Attribute paths to index whatever the traffic (`--index`). */
  indexes?: readonly (readonly string[])[]
  /** Orders to index whatever the traffic (`--order-index`): a list pane's from its first read. */
  orderIndexes?: readonly OrderKey[]
  bus: EventBus
  listeners: ListenerRegistry
  now: () => Date
  config: DatasetConfig
  /** The body of an error as clients see it (for `channelError` events). */
  errorBody: (err: LakeError) => unknown
  /**
   * Who may read the dataset (datasets/visibility.ts): an anonymous listener is judged again by it
   * once its filter is compiled. Default: none (a service made without a lake has no public reader).
   */
  visibility?: Pick<VisibilitySettings, 'publicSince'>
  /** The longest query answer, in bytes of JSON: the lake's answer memory (`--answer-memory`). */
  maxAnswerBytes?: number
  /** A query thread's heap (`--query-memory`): parameters whose parse would pass half are refused here. */
  queryMemoryMb?: number
  /**
   * StoreRegistry.generation, read as each task is sent: a query thread that learns of a delete
   * from it lets go of its connections, one of which may be to the deleted file.
   */
  generation?: () => number
}

/** How often a transaction whose documents changed while it was built is built again (then a 409). */
const BUILD_ATTEMPTS = 3

/**
 * A page of the transactions export: at most this many transactions, and no more once this many
 * characters of log text were read (a transaction is never split). Between pages the event loop
 * answers others, and a slow reader holds one page.
 */
export const LOG_PAGE = {transactions: 100, bytes: 1 << 18}

/**
 * A page of an export: at most this many documents, and no more once this many characters of
 * JSON were read (a document is never split). Each page is one short read; a paused client holds
 * one page.
 */
export const EXPORT_PAGE = {documents: 250, bytes: 1 << 20}

export function createDatasetService(options: DatasetServiceOptions): DatasetService {
  const {store, bus, listeners, now, config} = options
  const name = store.dataset
  /**
   * What every read outside a transaction reads: committed writes only (Store.committed). The
   * store itself is for transactions, which read their write group's rows before its COMMIT.
   */
  const committed = () => store.committed()
  /**
   * Whether the caller may learn that transaction `id` exists: it changed a document whose history
   * they may see. Else a revision or log bound of theirs would tell them which ids (a client may
   * choose them, as `import-payroll-…`) the dataset's other documents were written with.
   */
  const seesTransaction = (principal: Principal, id: string) =>
    canEverywhere(principal, 'history')
      ? committed().transactionExists(id)
      : (committed()
          .transactionDocumentIds(id)
          ?.some((doc) => can(principal, 'history', doc)) ?? false)
  let prepared = false
  /**
   * Large writes naming a document are built and committed one at a time, each on the one
   * before: built side by side from the same draft (two editors typing in a 1 MB article), every
   * commit left the others stale, to be built again, and after BUILD_ATTEMPTS a 409 lost a
   * keystroke (2-4 of 60, in process at load 18-21). By document, so that one write running to
   * its deadline holds up only the writes of its documents. Per document: the last turn taken.
   */
  const turns = new Map<string, Promise<unknown>>()
  /** Listeners' filters, shared by the listeners that ask alike (listen/stream.ts). */
  const matchers = createMatcherCache(listeners, name)

  /**
   * A listener's filter: compiled here when its cost is bounded and its text within the 16 KiB
   * rule (`size`: checkQueryText's), else parsed and compiled on a query worker, where
   * every transaction's documents are matched within `budgetMs` of the filter's own evaluation (a
   * QueryTimeoutError past it), after waiting at most `waitMs` for a thread.
   * Large documents given as their text (stream.ts) are parsed and matched on a read thread
   * whatever the filter, the budget counting from their parse.
   */
  async function compileMatcher(
    request: ListenRequest,
    principal: Principal,
    size: QuerySize,
    budgetMs: number,
    waitMs: number,
  ): Promise<DocumentMatcher> {
    const {query, params} = request
    const holder = request.holder ?? principal.id
    const run = async (documents: FilterDocument[], overrun: string, node = false) => {
      const task = {kind: 'filter' as const, query, params, identity: principal.id, documents, node}
      let outcome
      try {
        // The listener's caller takes its turn on the query threads, at its priority, as its
        // queries would.
        outcome = await options.queries.filter(
          task,
          budgetMs,
          waitMs,
          holder,
          principal.kind === 'anonymous',
        )
      } catch (err) {
        if (!(err instanceof QueryTimeoutError)) throw err
        throw new QueryTimeoutError(
          budgetMs,
          `The listener's filter took longer than ${formatMs(budgetMs)} ${overrun}: simplify the filter`,
        )
      }
      if (!outcome.ok) throw fromWire(outcome.error)
      return outcome
    }
    const onEvent = async (documents: FilterDocument[]) =>
      (
        await run(
          documents,
          'on one transaction (the budget per event) and the listener was closed',
        )
      ).matches
    const probe = 'on a probe document (the budget per event), so the listener was refused'
    // A filter past the 16 KiB rule (characters, terms or parameters' bytes) is parsed only on a
    // query thread, as such a query is (30,000 characters of escapes held the event loop 13-20 ms
    // a listener), which sends its node back: a thread hop per event cost the event loop 2.7 ms,
    // about ten times evaluating the filter here (bench/listenFilters.ts).
    let node: ExprNode | null
    if (parsesInPlace(query, size)) node = listenerFilterNode(query, params)
    else node = (await run([], probe, true)).node as ExprNode | null
    const reads = filterReads(node)
    if (isBoundedFilter(node)) {
      const filter = compileFilter(query, params, principal.id, node)
      return {
        match: (documents) =>
          documents.every((doc) => !(doc instanceof Uint8Array))
            ? (documents as SanityDocument[]).map(filter)
            : onEvent(documents),
        reads,
        onLoop: true,
        timed: filterCost(node) > TIMED_FILTER_COST,
      }
    }
    // Compiles it on a worker and evaluates it once on a minimal probe document (compileFilter):
    // an unusable filter, or one whose cost alone (not the document's size) exceeds the budget,
    // fails here, before `welcome`.
    if (parsesInPlace(query, size)) await run([], probe)
    return {match: onEvent, reads}
  }

  /** An anonymous caller of a private dataset: every query answers as over no documents. */
  function readsNothing(principal: Principal): boolean {
    return !canReadAnything(principal)
  }

  /**
   * Only the queries of roles that write may earn an index (docs/query-engine.md#isolation):
   * anonymous traffic and viewer tokens, which front ends and previews hold, cannot add write cost.
   */
  function learnIndexes(principal: Principal, attributes: string[][], orders: OrderKey[] = []) {
    if (principal.role === null || principal.role === 'viewer') return
    if (attributes.length > 0) store.indexAttributes(attributes)
    if (orders.length > 0) store.indexOrders(orders)
  }

  /** A transaction built on a query worker; its deadline and memory errors say what was stopped. */
  async function buildOffLoop(task: TransactionTask, on: TaskOptions) {
    try {
      return await options.queries.build(task, on)
    } catch (err) {
      // Its copy to the thread may have failed on writes nested too deep to copy (a RangeError).
      if (err instanceof RangeError && task.writes.kind !== 'body') {
        const {writes} = task
        const errorType = task.errorType ?? 'mutationError'
        const list = writes.kind === 'actions' ? writes.actions : writes.mutations
        if (Array.isArray(list)) list.forEach((write, i) => checkWriteDepth(write, i, errorType))
      }
      const verb = task.errorType === 'actionError' ? 'actions' : 'mutations'
      throw writeThreadError(err, verb, {
        late: (took) =>
          `The transaction took longer than ${took} to apply its ${verb} and was stopped, nothing written: split them into several transactions (one request each), with fewer operations on large documents, or raise --write-timeout`,
        large: `The transaction needed more memory than a worker may use to apply its ${verb} and was stopped, nothing written: split them into several transactions (one request each)`,
      })
    }
  }

  /**
   * A write's work on a thread (its body's read, its build) stopped at the write deadline (a 504)
   * or the thread's memory (a 400 transactionTooLargeError: a write is never a query, so not the
   * query's "select fewer documents"), each saying `what` was stopped; any other error as it is.
   */
  function writeThreadError(
    err: unknown,
    field: WriteField,
    what: {late: (took: string) => string; large: string},
  ): unknown {
    if (err instanceof QueryTimeoutError) {
      return new QueryTimeoutError(err.timeoutMs, what.late(formatMs(err.timeoutMs)))
    }
    if (err instanceof QueryMemoryError) {
      return new MutationError(
        what.large,
        [itemError('transactionTooLargeError', what.large)],
        field === 'actions' ? 'actionError' : undefined,
      )
    }
    return err
  }

  /** Once its file is ready: the dataset's first request waits for it (DatasetService.ready). */
  let repairing: Promise<void> | undefined

  /**
   * Documents an earlier lake stored with a lone UTF-16 surrogate in their text (refused since
   * 2026-12-04, core/limits.ts) are written again with U+FFFD in its place, as a JSON decoder
   * into Unicode text stores such text, each in a transaction of the lake's own that listeners and
   * history see, and the lake's log names them. Left as stored, no query's text equalled theirs,
   * and any patch of one was refused for text its caller never sent.
   */
  async function repairLoneSurrogates(): Promise<void> {
    const ids = store.loneSurrogates?.() ?? []
    const repairedIds: string[] = []
    for (const id of ids) {
      let written = false
      try {
        await runTransaction({store, bus, identity: 'lake', now}, (ws) => {
          const current = ws.get(id)
          const repaired = current && (wellFormedCopy(current) as SanityDocument | null)
          if (repaired) {
            ws.write(id, repaired, {createOrReplace: repaired})
            written = true
          }
        })
      } catch (err) {
        // Left to be tried again at the next start; the dataset serves on meanwhile.
        console.error(`lake: dataset "${name}": ${id} not repaired: ${(err as Error).message}`)
        continue
      }
      // Once its repair is durable, not in the build: that ran before the write group began, so
      // its delete was committed alone, and a commit that then failed (or a lake killed before
      // it) left the document unrepaired and forgotten. Killed between the two, the next start
      // finds it whole and forgets it.
      store.forgetLoneSurrogates?.(id)
      if (written) repairedIds.push(id)
    }
    if (repairedIds.length > 0) {
      const shown = repairedIds.slice(0, 20).join(', ')
      const more = repairedIds.length > 20 ? ` and ${repairedIds.length - 20} more` : ''
      console.error(
        `lake: dataset "${name}": ${repairedIds.length} documents held text that is not Unicode ` +
          `(a lone UTF-16 surrogate, stored by a lake before 2026-12-04) and were written again ` +
          `with U+FFFD in its place: ${shown}${more}`,
      )
    }
  }

  function prepare(): void {
    if (prepared) return
    // Opens (and migrates) the dataset file before a worker reads it, and adds declared indexes.
    store.count()
    if (options.indexes?.length) store.indexAttributes(options.indexes, {declared: true})
    if (options.orderIndexes?.length) store.indexOrders(options.orderIndexes, {declared: true})
    prepared = true
  }

  return {
    name,

    async ready() {
      await store.ready?.()
      // A failure (listing them) is this request's, not every later one's: the next tries again.
      await (repairing ??= repairLoneSurrogates().catch((err: unknown) => {
        repairing = undefined
        throw err
      }))
    },

    async matchIds(principal, query, params, on) {
      requireWriter(principal)
      checkQueryText(query, params)
      prepare()
      // Never in place, however it is indexed: it would run on the event loop, which the write
      // that follows already spends; a worker has the deadline and can be stopped.
      const task = {
        kind: 'query' as const,
        dataDir: options.dataDir,
        dataset: name,
        generation: options.generation?.(),
        request: {query, params, perspective: 'raw', apiVersion: 'X'},
        principal,
        now: now().getTime(),
        projectId: config.projectId,
        idsOnly: true,
      }
      const outcome = await options.queries.run(task, on)
      if (!outcome.ok) throw fromWire(outcome.error)
      // Ids only: always text (answerBytes is for answers sent as they are).
      return JSON.parse(outcome.json as string) as [string, string][]
    },

    async query(request, principal, on) {
      prepare()
      // Refused before anything is parsed (linear in the text): groq-js's parse is not. Parameters
      // given as text are parsed on the thread, but judged here from the text (their size, that
      // they are JSON, their parse's heap): on a slow machine the thread's deadline came before
      // its 400 (a 504).
      const params = 'paramsText' in request ? null : request.params
      const size = checkQueryText(request.query, params ?? {}, principal)
      if ('paramsText' in request) {
        checkParamsText(request.paramsText, LIMITS.query.paramsBytes, options.queryMemoryMb)
      }
      // A query answered from an index runs in place, within a budget, on the committed view: a
      // thread hop would cost more than the query. Past the budget it goes to a worker like any other. A long query
      // (in terms, characters or parameters' bytes; never in place: that needs a small tree and
      // small literals) and one of an anonymous caller of a private
      // dataset (which reads nothing, so gains nothing in place) are parsed only on a worker,
      // under the deadline.
      const onWorker =
        params === null || readsNothing(principal) || !parsesInPlace(request.query, size)
      const tree = onWorker || params === null ? null : parseGroq(request.query, params)
      let inPlaceMs = 0
      if (tree && triesInPlace(tree)) {
        const environment = {now: now(), projectId: config.projectId, dataset: name}
        const attributes: string[][] = []
        // The event loop's CPU while it runs: the query's, but for other requests' microtasks that
        // interleave at its awaits (its reads are synchronous, so nothing else runs meanwhile).
        const cpu = threadCpu()
        try {
          const result = await executeQuery(
            budgeted(committed(), attributes, inPlaceBudget(tree)),
            request as QueryRequest,
            principal,
            environment,
            tree,
          )
          learnIndexes(principal, attributes)
          // What was read bounds the evaluation, not the answer: a value read once may be
          // answered many times ({"a": [@, @, …]}), its JSON made here.
          withinAnswerBudget(result)
          const json = resultJson(result, options.maxAnswerBytes)
          return {json, cpuMs: cpu(), paramsJson: size.paramsJson}
        } catch (err) {
          if (!(err instanceof OverBudget)) throw err
          inPlaceMs = cpu()
        }
      }
      const task = {
        kind: 'query' as const,
        dataDir: options.dataDir,
        dataset: name,
        generation: options.generation?.(),
        request,
        principal,
        now: now().getTime(),
        projectId: config.projectId,
        maxJsonBytes: options.maxAnswerBytes,
      }
      const outcome = await options.queries.run(task, on)
      learnIndexes(principal, outcome.attributes, outcome.orders)
      if (!outcome.ok) {
        // As JSON.parse of the whole body would have thrown here (the route's 400).
        if (outcome.notJson) throw new SyntaxError('Request body is not valid JSON')
        throw fromWire(outcome.error)
      }
      return {
        json: outcome.json,
        hash: outcome.hash,
        cpuMs: inPlaceMs + outcome.cpuMs,
        paramsJson: outcome.paramsJson ?? size.paramsJson,
      }
    },

    async write(principal, request, writes) {
      requireWriter(principal)
      // A dataset the lake cannot make refuses its first write before any work.
      store.admitFirstWrite?.()
      const {transactionId} = request
      if (transactionId !== undefined && typeof transactionId !== 'string') {
        throw new BadRequestError('"transactionId" must be a string')
      }
      const transaction = {
        store,
        bus,
        identity: principal.id,
        now,
        transactionId,
        dryRun: request.dryRun,
        errorType: request.errorType,
        signedIn: request.signedIn,
        authorize: (change: DocumentChange) => authorizeChange(principal, change),
      }
      // The store's own heads: it knows the `_rev` of the large documents it wrote, so no large
      // body is read to weigh a write.
      const sizes = (ids: readonly string[]) => store.heads(ids).map((head) => head?.bytes ?? 0)
      const work = writesWork(writes, request.length, sizes)
      // A bulk load's batch: in place, in slices (bulkWork says why); past BULK_STREAM_BYTES, and
      // of a load's shape (bulkStreamed).
      const shaped = work > BULK_STREAM_BYTES ? bulkWork(writes, sizes) : null
      const bulk = bulkStreamed(shaped, work) ? shaped : null
      if (!bulk && work <= IN_PLACE_WRITE_BYTES) {
        return runTransaction(transaction, (ws) => applyWrites(ws, writes))
      }
      if (bulk) {
        // Streamed: at each pause the slice's changes go to the commit thread, which writes their
        // rows while the next slice is built (docs/query-engine.md#writes-off-the-event-loop).
        return runTransaction({...transaction, stream: true}, (ws) => {
          const pause = () => {
            ws.flush()
            return new Promise<void>((resolve) => setImmediate(resolve))
          }
          return applyWrites(ws, writes, bulkPace(bulk, pause))
        })
      }
      prepare()
      // Its commit may go to the commit thread: started while the transaction is built.
      store.largeWriteComing?.()
      const task = {
        kind: 'transaction' as const,
        dataDir: options.dataDir,
        dataset: name,
        generation: options.generation?.(),
        identity: principal.id,
        transactionId,
        errorType: request.errorType,
        writes,
      }
      const signal = request.signal?.()
      // One deadline for the request: its queries' matching, its turn, every build and every wait.
      const since = request.since ?? Date.now()
      const ids = [...writeWalks(writes).keys()]
      const before = ids.map((id) => turns.get(id))
      const turn = Promise.all(before).then(async () => {
        for (let attempt = 1; ; attempt++) {
          const outcome = await buildOffLoop(task, {signal, since, holder: principal.id})
          if (!outcome.ok) throw fromWire(outcome.error)
          try {
            const built = outcome.built as BuiltTransaction<MutationResult[]>
            return await commitBuilt(transaction, built)
          } catch (err) {
            // A document it read changed meanwhile (a write in place): built again on what is
            // there now.
            if (!(err instanceof StaleBuildError) || attempt >= BUILD_ATTEMPTS) throw err
          }
        }
      })
      const done = turn.catch(() => undefined)
      for (const id of ids) turns.set(id, done)
      void done.then(() => {
        for (const id of ids) if (turns.get(id) === done) turns.delete(id)
      })
      return turn
    },

    async readWrites(bytes, field, on) {
      try {
        const task = {kind: 'read' as const, field, bytes}
        const outcome = await options.queries.read(task, on)
        if (!outcome.ok) throw fromWire(outcome.error)
        const {malformed} = outcome.head
        return {...outcome.head, malformed: malformed && fromWire(malformed)}
      } catch (err) {
        throw writeThreadError(err, field, {
          late: (took) =>
            `The request's body took longer than ${took} to read and was dropped, nothing written: send less per request, or raise --write-timeout`,
          large: `The request's body needed more memory to read than a thread may use and was dropped, nothing written: split the ${field} into several transactions (one request each), or raise --query-memory`,
        })
      }
    },

    async uploadAsset(principal, upload) {
      // Refused before a byte of the body is read.
      if (principal.kind === 'anonymous') throw new AuthError('Sign in or send a token to upload')
      if (!canUploadAssets(principal)) {
        throw new PermissionError(`Role "${principal.role}" may not upload assets`)
      }
      // So is one whose declared length is past the limit: it was read up to the limit first.
      if ((upload.declaredBytes ?? 0) > upload.maxBytes) {
        throw new UploadTooLargeError(upload.maxBytes)
      }
      // And one to a dataset the lake cannot make (its asset document would make the file).
      store.admitFirstWrite?.()
      const files = (options.assetFiles ??= new AssetFiles({
        dataDir: options.dataDir,
        forgetRenditions: () => {},
      }))
      let stored: {name: string; release: () => void} | undefined
      try {
        const candidate = await receiveAsset(
          options.dataDir,
          config.projectId,
          name,
          upload,
          (path, fileName) => (stored = {name: fileName, release: files.hold(path)}),
        )
        // Not checked against document grants (a contributor's image has a published id).
        const transaction = {store, bus, identity: principal.id, now, signedIn: upload.signedIn}
        const outcome = await runTransaction(transaction, (ws) => {
          const existing = ws.get(candidate._id)
          if (existing) return existing
          ws.write(candidate._id, candidate, {createIfNotExists: candidate})
          return ws.get(candidate._id)!
        })
        return outcome.result
      } finally {
        // Refused after its file was stored, or its asset deleted meanwhile (whose clean-up left
        // the file to it): the file goes unless a document names it.
        if (stored) {
          stored.release()
          await files.settle(store, config.projectId, upload.kind, stored.name)
        }
      }
    },

    assetFile(kind, projectId, fileName) {
      const stored = storedAssetPath(options.dataDir, kind, projectId, name, fileName)
      const document = stored && committed().getDocuments([stored.assetId])[0]
      return stored && document ? {path: stored.path, document} : null
    },

    currentDocuments: (ids) => committed().getDocuments(ids),

    async currentDocumentsOrTexts(ids, on) {
      const sizes = committed().storedBytes(ids)
      const large = ids.filter((_, i) => (sizes[i] ?? 0) > DOC_IN_PLACE_BYTES)
      if (large.length === 0) return committed().getDocuments(ids)
      const texts = unpackTexts(
        await options.queries.documents(
          {
            kind: 'documents',
            dataDir: options.dataDir,
            dataset: name,
            generation: options.generation?.(),
            ids: large,
          },
          on,
        ),
      )
      const byId = new Map(large.map((id, i) => [id, texts[i]!]))
      const small = committed().getDocuments(ids.filter((id) => !byId.has(id)))
      return ids.map((id) => (byId.has(id) ? byId.get(id)! : small.shift()!))
    },

    async documents(principal, requestedIds, wanted = {}) {
      checkListLength('document ids', requestedIds)
      const requested = [...new Set(requestedIds)]
      const result: DocumentsResult = {documents: [], omitted: []}
      // Permission first, on the ids alone: an unreadable id is never looked up, and is reported
      // as such whether or not it exists (no existence leak).
      const readable = readsNothing(principal)
        ? []
        : requested.filter((id) => can(principal, 'read', id))
      const asked = new Set(readable)
      for (const id of requested) {
        if (!asked.has(id)) result.omitted.push({id, reason: 'permission'})
      }
      const ids =
        wanted.includeAllVersions && readable.length > 0
          ? withAllVersions(readable, requested, committed(), (id) => can(principal, 'read', id))
          : readable
      // Sizes before bodies: what does not exist, or would not fit, is never read.
      const sizes = committed().storedBytes(ids)
      const present: string[] = []
      let bytes = 0
      ids.forEach((id, i) => {
        const size = sizes[i]
        if (size === null) {
          if (asked.has(id)) result.omitted.push({id, reason: 'existence'})
          return
        }
        present.push(id)
        bytes += size
      })
      if (wanted.excludeContent || present.length === 0) return result
      const most = config.docAnswerBytes ?? LIMITS.docAnswerBytes
      if (bytes > most) {
        throw new QueryResultTooLargeError(
          `The ${present.length} documents asked for are ${formatMib(bytes)} as stored, more ` +
            `than the ${formatMib(most)} one data/doc answer carries: ask for ` +
            'fewer ids per request' +
            (wanted.includeAllVersions ? ' (includeAllVersions adds every draft and version)' : ''),
        )
      }
      const texts =
        bytes <= DOC_IN_PLACE_BYTES && present.length <= DOC_IN_PLACE_IDS
          ? committed().documentTexts(present)
          : unpackTexts(
              await options.queries.documents(
                {
                  kind: 'documents',
                  dataDir: options.dataDir,
                  dataset: name,
                  generation: options.generation?.(),
                  ids: present,
                },
                {signal: wanted.signal, holder: wanted.holder ?? principal.id},
              ),
            )
      texts.forEach((text, i) => {
        // Deleted since its size was read (a worker reads its own, later snapshot).
        if (text === null) {
          if (asked.has(present[i]!)) result.omitted.push({id: present[i]!, reason: 'existence'})
        } else result.documents.push(text)
      })
      return result
    },

    async listen(principal, request) {
      if (readsNothing(principal)) {
        // Nothing would ever be delivered: say so with a 401, which the client does not retry.
        throw authenticationRequired()
      }
      // Refused with a 400 before the stream opens (a filter that fails later is a channelError).
      const size = checkQueryText(request.query, request.params)
      const listenConfig = {...LISTEN_DEFAULTS, ...config.listen}
      let matcher: DocumentMatcher | LakeError
      try {
        // All a filter's answer depends on, and the bounds it is compiled with; each listener
        // applies what it may read itself.
        const {filterBudgetMs, filterWaitMs, filterLoopBudgetMs} = listenConfig
        // The parameters' JSON as checkQueryText made it: the same text, made once.
        const key = requestKey(request.query, size.paramsJson, [
          principal.id,
          filterBudgetMs,
          filterWaitMs,
          filterLoopBudgetMs,
        ])
        matcher = await matchers.get(
          key,
          () => compileMatcher(request, principal, size, filterBudgetMs, filterWaitMs),
          filterLoopBudgetMs,
        )
      } catch (err) {
        if (!(err instanceof LakeError)) throw err
        matcher = err
      }
      // The caller was judged a public reader before its filter was compiled (on a query thread,
      // up to filterWaitMs): a dataset made private meanwhile, its open streams already ended,
      // would leave this one open. Judged again in the turn that registers it, so a later switch
      // ends it. Its public reads carry how often the dataset was made private so far: once more
      // ends them, also if it is public again by the time the lake looks.
      let reader = principal
      if (principal.publicReads) {
        const since = options.visibility?.publicSince(name) ?? null
        if (since === null) throw new AuthError(MADE_PRIVATE_REASON)
        reader = {...principal, publicReadsSince: since}
      }
      // A bad filter is reported in the stream, as Sanity does; the client surfaces it as
      // ChannelError.
      if (matcher instanceof LakeError) return channelErrorStream(matcher, options.errorBody)
      return openListener({
        registry: listeners,
        bus,
        dataset: name,
        principal: reader,
        holder: request.holder,
        matcher,
        options: request.options,
        config: listenConfig,
        errorBody: options.errorBody,
        preamble: request.preamble,
      })
    },

    historyIds(principal, ids) {
      const allowed = ids.filter((id) => can(principal, 'history', id))
      if (allowed.length === 0) {
        throw new PermissionError(`Insufficient permissions; permission "history" required`)
      }
      return allowed
    },

    async documentsAt(principal, ids, at, on) {
      // Else every document would be left out, as if none existed then: a mistyped revision
      // read as an answer.
      if ('revision' in at && !seesTransaction(principal, at.revision)) {
        throw new NotFoundError(
          `Transaction "${at.revision}" not found in dataset "${name}": give a revision (a _rev) the document's history lists, or time= for a point in time`,
        )
      }
      const maxBytes = config.docAnswerBytes ?? LIMITS.docAnswerBytes
      // A document is rebuilt from its nearest snapshot, up to SNAPSHOT_EVERY / 2 patches away:
      // sized first by its present size, which a deleted one has none of, then by what its
      // rebuild would parse of the log.
      const sizes = committed().storedBytes(ids)
      let bytes = 0
      for (const size of sizes) bytes += size ?? Infinity
      if (bytes <= HISTORY_IN_PLACE_BYTES) {
        const texts = historyTexts(committed(), ids, at, maxBytes, HISTORY_IN_PLACE_TEXT)
        if (texts) return texts
      }
      prepare()
      const task = {
        kind: 'history' as const,
        dataDir: options.dataDir,
        dataset: name,
        generation: options.generation?.(),
        ids: [...ids],
        at,
        maxBytes,
      }
      let outcome
      try {
        outcome = await options.queries.history(task, on)
      } catch (err) {
        if (!(err instanceof QueryTimeoutError)) throw err
        throw new QueryTimeoutError(
          err.timeoutMs,
          `Rebuilding ${ids.length} documents at that point in history took longer than ${formatMs(err.timeoutMs)} and was stopped: ask for fewer ids per request, or raise --write-timeout`,
        )
      }
      if (!outcome.ok) throw fromWire(outcome.error)
      return unpackTexts(outcome.texts) as Uint8Array[]
    },

    *transactionLog(principal, query, want) {
      // A bound the caller may not know of is answered as the store answers one that is none.
      for (const bound of [query.fromTransaction, query.toTransaction]) {
        if (bound && !seesTransaction(principal, bound)) {
          throw new NotFoundError(`Transaction "${bound}" not found`)
        }
      }
      if (!query.ids) {
        const idPrefixes = historyIdPrefixes(principal)
        if (idPrefixes?.length === 0) {
          throw new PermissionError(`Insufficient permissions; permission "history" required`)
        }
        // The store lists only transactions that may have a change the caller may see.
        if (idPrefixes) query = {...query, idPrefixes}
      }
      const mayRead = (change: {id: string}) => can(principal, 'history', change.id)
      let left = query.limit ?? Infinity
      let after: LogCursor | null = null
      const known = new Map<string, {seq: number; state: SanityDocument | null}>()
      while (left > 0) {
        const budget = {transactions: Math.min(left, LOG_PAGE.transactions), bytes: LOG_PAGE.bytes}
        const page = committed().transactionPage(query, after, want, budget, known)
        const listed = page.transactions
          .map((tx) => ({...tx, changes: tx.changes.filter(mayRead)}))
          .filter((tx) => tx.changes.length > 0)
        left -= listed.length
        // Yielded even when empty: each page read is a turn of its own (pagedAnswer.ts).
        if (page.transactions.length > 0) yield listed
        if (page.next === null) return
        after = page.next
      }
    },

    documentEvents(principal, id, page) {
      // Else the page after a hidden write would tell a contributor when it was made.
      if (page.cursor && !seesTransaction(principal, page.cursor)) throw unknownCursor(page.cursor)
      return documentEventsPage(id, committed(), page.limit, page.cursor, (documentId) =>
        can(principal, 'history', documentId),
      )
    },

    *export(principal, exportOptions = {}) {
      const {types, limit} = exportOptions
      let afterId = exportOptions.afterId
      let left = limit ?? Infinity
      while (left > 0) {
        const budget = {documents: Math.min(left, EXPORT_PAGE.documents), bytes: EXPORT_PAGE.bytes}
        const page = committed().exportPage({types, afterId}, budget)
        left -= page.documents.length
        if (page.documents.length > 0) {
          yield page.documents.map(({id, json}) => ({
            id,
            json: can(principal, 'read', id) ? json : null,
          }))
        }
        if (page.next === null) return
        afterId = page.next
      }
    },
  }
}

/** The dataset services of one lake, created on first use (a name is validated then). */
export interface DatasetRegistry {
  get(dataset: string): DatasetService
  /** Datasets that exist on disk. */
  list(): string[]
  /** Services held: every written dataset's, and at most `unwritten` of datasets never written. */
  size(): number
  /** Lets go of a deleted dataset's service: the next request for the name gets a new one. */
  forget(dataset: string): void
}

/** Services kept of datasets never written (the Studio reads and listens before a first write). */
export const UNWRITTEN_DATASETS = 16

/**
 * Any page an editor has open can name datasets (an <img> of /images/local/<name>/…), so a name
 * that is only read must not cost memory for the rest of the run: its service is one of a few
 * recent ones, then only weakly held (a request still running on it gets the same one back).
 * Listeners hear a dataset's writes through the lake's bus, by name, not through its service.
 */
export function createDatasetRegistry(
  stores: StoreRegistry,
  make: (store: Store) => DatasetService,
  unwrittenLimit = UNWRITTEN_DATASETS,
): DatasetRegistry {
  const services = new Map<string, DatasetService>()
  const held = new Map<string, WeakRef<DatasetService>>()
  const collected = new FinalizationRegistry<string>((dataset) => {
    if (held.get(dataset)?.deref() === undefined) held.delete(dataset)
  })
  const recent = createLru<string, DatasetService>(
    {entries: unwrittenLimit, weight: unwrittenLimit},
    () => 1,
    {
      onEvict(name, oldest) {
        // Written meanwhile, or a write is queued: kept like any written dataset's.
        if (!stores.forget(name)) {
          services.set(name, oldest)
          held.delete(name)
        }
      },
    },
  )
  return {
    get(dataset) {
      const kept = services.get(dataset)
      if (kept) return kept
      const store = stores.get(dataset)
      let service = recent.delete(dataset) ?? held.get(dataset)?.deref()
      if (!service) {
        service = make(store)
        held.set(dataset, new WeakRef(service))
        collected.register(service, dataset)
      }
      if (stores.exists(dataset)) {
        services.set(dataset, service)
        held.delete(dataset)
        return service
      }
      recent.set(dataset, service)
      return service
    },
    list: () => stores.list(),
    size: () => services.size + recent.size,
    forget(dataset) {
      services.delete(dataset)
      recent.delete(dataset)
      held.delete(dataset)
    },
  }
}

/** Adds the drafts. and versions.*. ids of each requested document group. */
/**
 * `ids` with the rest of the document groups of `requested` that `readable` allows: the
 * published document, its draft and its versions (found by index, bodies unread).
 */
function withAllVersions(
  ids: readonly string[],
  requested: readonly string[],
  store: Store,
  readable: (id: string) => boolean,
): string[] {
  const groups = [...new Set(requested.map(getPublishedId))]
  const out = new Set(ids)
  const members = groups.flatMap((group) => [group, `drafts.${group}`])
  for (const id of [...members, ...store.versionIds(groups)]) {
    if (!out.has(id) && readable(id)) out.add(id)
  }
  return [...out]
}
