/**
 * The local Content Lake: Sanity's data HTTP API over SQLite, as a fetch handler.
 *
 * @example
 * const lake = await createLake({dataDir: '.lake'})
 * const res = await lake.fetch(new Request('http://localhost/v2025-02-19/data/query/production?query=*'))
 */
import type {Hono} from 'hono'
import type {LoginLimit} from './auth/authStore.ts'
import {openAuth, type AuthBootstrap} from './auth/bootstrap.ts'
import {secureDataFolder} from './auth/dataFolder.ts'
import {watchRevocations} from './auth/revocation.ts'
import {
  createDatasetRegistry,
  createDatasetService,
  UNWRITTEN_DATASETS,
  type DatasetRegistry,
} from './dataset.ts'
import {UnavailableError} from './core/errors.ts'
import type {OrderKey} from './core/store.ts'
import {LIMITS} from './core/limits.ts'
import {createEventBus, type EventBus} from './events/bus.ts'
import {clearIncoming} from './assets/assetFiles.ts'
import {ImageService} from './assets/images.ts'
import {createUploadSpace, uploadCallerBytes, uploadDiskReserve} from './assets/uploadSpace.ts'
import {createDatasetDeletion} from './datasets/deletion.ts'
import {openVisibility, watchMadePrivate} from './datasets/visibility.ts'
import {LiveEvents, type LiveEventsOptions} from './live/liveEvents.ts'
import {fileQuestionStore, liveTagSecret} from './live/questionStore.ts'
import {reviveLiveQuestion} from './live/questions.ts'
import {createApp} from './http/app.ts'
import {createBodyMemory} from './http/bodyMemory.ts'
import type {LakeConfig, LakeContext} from './http/context.ts'
import {corsOrigins} from './http/cors.ts'
import {createPageTurns} from './http/pageTurns.ts'
import {createAnswerBudget} from './http/documentsAnswer.ts'
import {createQueryRequests} from './http/queryRequests.ts'
import {createRequestsInFlight, type RequestsInFlightLimits} from './http/requestsInFlight.ts'
import {writeArrival, type BodyArrival} from './http/nodeRequest.ts'
import {bodyFor, errorResponse} from './http/errors.ts'
import type {PrincipalResolver} from './http/principal.ts'
import {createListenerRegistry, type ListenerStats} from './listen/stream.ts'
import {createQueryPool} from './query/pool.ts'
import {createSearchAnalyzer} from './store/searchAnalyzer.ts'
import {createCommitThread} from './store/commitThread.ts'
import {createWalCheckpointer, type WalCheckpointer} from './store/walCheckpointer.ts'
import {createSqliteStores} from './store/sqliteStore.ts'
import {createHeapTrim} from './store/heapTrim.ts'

export interface LakeOptions {
  /** The data folder: datasets/<name>.sqlite, auth.sqlite, tls/, assets/. */
  dataDir: string
  /** The clock for transaction timestamps (tests pin it). */
  now?: () => Date
  /** Project id reported to clients; the lake serves one project. Default `local`. */
  projectId?: string
  /** Who a bearer token belongs to. Default: the data folder's auth store (lake/auth). */
  principals?: PrincipalResolver
  /**
   * Environment: LAKE_ADMIN_EMAIL, LAKE_ADMIN_PASSWORD (first-start administrator) and
   * LAKE_CORS_ORIGINS (comma-separated Studio origins). Default process.env.
   */
  env?: Record<string, string | undefined>
  /** Requests under way at once, per caller and lake-wide (default LIMITS.requestsInFlight). */
  requestsInFlight?: Partial<RequestsInFlightLimits>
  /** Studio origins allowed by CORS besides http://localhost:3333 (`--cors-origin`). */
  corsOrigins?: readonly string[]
  /** Sign-in throttling (default: 5 failures per e-mail, 50 per client address, in 15 minutes). */
  loginLimit?: LoginLimit
  /** Fixed public base URL for login and asset URLs; default: from each request's Host. */
  publicUrl?: string
  /** The Studio's address, named by the lake's root (`GET /`) when given (`--studio-url`). */
  studioUrl?: string
  /** Deadline of one query, queueing included (`--query-timeout`). Default 10 s. */
  queryTimeoutMs?: number
  /**
   * Deadline of a write request whose transaction is built on a query worker (a large one),
   * counted from its arrival (`--write-timeout`). Default 60 s.
   */
  writeTimeoutMs?: number
  /**
   * The least pace of a request's body but a query's (default LIMITS.bodyArrival: 32 KiB in every
   * 10 s); all of it must arrive within 5 × `writeTimeoutMs`. Slower: a 408.
   */
  bodyArrival?: Partial<Pick<BodyArrival, 'windowMs' | 'windowBytes'>>
  /** Heap a query worker may use, in MB (`--query-memory`); one over it is stopped. Default 1024. */
  queryMemoryMb?: number
  /** Query worker threads at most. Default: the machine's cores, at least 3. */
  queryThreads?: number
  /**
   * CPU (ms) a query's task uses before its thread is demoted (pool.ts DEMOTE_AFTER_MS by
   * default). A test whose lake shares its session with a loaded test run sets Infinity where
   * demotion is not what it tests: a demoted thread then gets a few per cent of a core. Infinity
   * also keeps anonymous callers' queries at the lake's priority (else niced from their start).
   */
  queryDemoteAfterMs?: number
  /**
   * Bytes of built data/doc, history and query answers not yet sent, lake-wide
   * (`--answer-memory`, MB); past it a large answer is a 503 with Retry-After. One query answer
   * longer than it is a 400 queryResultTooLargeError. Default 512 MB.
   */
  answerMemoryMb?: number
  /**
   * Attribute paths (`slug.current`) every dataset indexes whatever the traffic (`--index`);
   * other paths earn an index only from signed-in callers' queries.
   */
  indexes?: readonly string[]
  /**
   * Orders (`position`, `name desc`: a path, then `asc` or `desc`) every dataset indexes by type
   * whatever the traffic (`--order-index`), so a list pane sorted by a path the side table does not
   * keep reads its page in order from the first request; other orders earn an index only from
   * signed-in callers' queries.
   */
  orderIndexes?: readonly string[]
  /**
   * Give the event loop's heap back once a burst of writes goes idle (store/heapTrim.ts): for a
   * lake that owns its process (`npm run lake` sets it), not one embedded in a test runner's.
   */
  trimHeap?: boolean
  /**
   * Live re-checks' limits and credits (liveEvents.ts' defaults): a test of the budget sets small
   * ones, so that questions of a few tens of ms show it; at the defaults it needed seconds of
   * CPU, which a loaded machine stretched past the test's time.
   */
  recheck?: Pick<LiveEventsOptions, 'recheckLimits' | 'recheckCredits'>
  /**
   * The commit thread's task module (lake/store/commitThreadWorker.ts by default): tests give one
   * that stops its thread after a COMMIT.
   */
  commitWorker?: string
  /**
   * The search analyzer's task module (lake/store/searchAnalyzerWorker.ts by default): tests give
   * one that holds the analyzer, so documents wait for the index while they search.
   */
  analyzerWorker?: string
  /**
   * The WAL checkpointer (store/walCheckpointer.ts's thread by default), which the lake closes:
   * tests give one that records what it is asked.
   */
  checkpointer?: WalCheckpointer
  /** A store's bound on deferred indexes (sqliteStore.ts DEFER_BOUND_MS): tests give a long one. */
  deferBoundMs?: number
}

/**
 * An `--order-index` declaration (`position`, `name desc`): its key, or null when it is not an
 * attribute path followed by an optional `asc` or `desc`, or is `_id` (a type is read in id
 * order off the (type, id) index: an index of the body's `_id` would cost every write, unread).
 */
export function orderIndexKey(text: string): OrderKey | null {
  const match = /^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?: +(asc|desc))?$/.exec(text.trim())
  if (!match || match[1] === '_id') return null
  return {path: match[1].split('.'), desc: match[2] === 'desc'}
}

export const DEFAULT_QUERY_TIMEOUT_MS = 10_000
export const DEFAULT_QUERY_MEMORY_MB = 1024
export const DEFAULT_WRITE_TIMEOUT_MS = 60_000
export const DEFAULT_ANSWER_MEMORY_MB = 512

export interface Lake {
  /** Answers one request (the Hono app's fetch); `env` is @hono/node-server's bindings. */
  fetch(request: Request, env?: unknown): Promise<Response>
  app: Hono
  bus: EventBus
  context: LakeContext
  /** One service per dataset: queries, commits, listeners, history, export. */
  datasets: DatasetRegistry
  /** This lake's open listeners and how many were cut off for not reading. */
  listenerStats(): ListenerStats
  /** The data folder's auth store and scripts' token, unless `principals` was given. */
  auth: AuthBootstrap | null
  /** Image metadata filled in for assets stored without it, in the background after start. */
  imageBackfill: Promise<number>
  /**
   * The start-up sweep of every dataset's asset files, in the background after start: resolves to
   * how many files no asset document named were removed (lake/assets/assetSweep.ts).
   */
  assetSweep: Promise<number>
  /** Sweeps one dataset's asset files now (as after a missed commit); resolves to how many went. */
  sweepAssets(dataset: string): Promise<number>
  /**
   * Starts the first query thread now rather than with the first query that needs one (the lake's
   * CLI does once it listens; a lake made for a test that may never need one does not).
   */
  startQueryThreads(): void
  /**
   * Listener filter tasks sent to the query threads so far: tests tell by it which filters are
   * matched on the event loop, without timing.
   */
  filterTasks(): number
  /**
   * Tells `heard` of each dataset deleted, once its listeners are ended (the server ends its
   * presence sessions so). Returns a way to stop hearing.
   */
  onDatasetDeleted(heard: (dataset: string, reason: string) => void): () => void
  /** Ends listeners, then closes every database. */
  close(): Promise<void>
}

export async function createLake(options: LakeOptions): Promise<Lake> {
  const env = options.env ?? process.env
  // Checked first: a mistyped origin should fail the start, not a browser request later.
  const origins = corsOrigins(options.corsOrigins, env)
  secureDataFolder(options.dataDir)
  const auth = options.principals
    ? null
    : await openAuth(options.dataDir, env, {loginLimit: options.loginLimit, now: options.now})
  const principals = options.principals ?? auth!.store
  const analyzer = createSearchAnalyzer(options.analyzerWorker)
  const checkpointer = options.checkpointer ?? createWalCheckpointer()
  const committer = createCommitThread(options.commitWorker)
  // One for the process's heap, told by every store when its writes go idle.
  const heapTrim = options.trimHeap ? createHeapTrim() : undefined
  const stores = createSqliteStores(options.dataDir, {
    analyzer,
    checkpointer,
    committer,
    heapTrim,
    maxDatasets: maxDatasets(env),
    deferBoundMs: options.deferBoundMs,
  })
  const bus = createEventBus()
  const listeners = createListenerRegistry()
  // A stopping lake is one its clients should reconnect to once it is back (a restart, Ctrl-C in
  // `npm run dev`): their streams just end (docs/listeners.md).
  bus.onClose(() =>
    listeners.endAll('the lake is stopping; reconnect, and read again once it is back'),
  )
  const now = options.now ?? (() => new Date())
  const config: LakeConfig = {projectId: options.projectId ?? 'local'}
  const queryMemoryMb = options.queryMemoryMb ?? DEFAULT_QUERY_MEMORY_MB
  const queries = createQueryPool({
    timeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    buildTimeoutMs: options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS,
    memoryMb: queryMemoryMb,
    threads: options.queryThreads,
    demoteAfterMs: options.queryDemoteAfterMs,
  })
  const indexes = (options.indexes ?? []).map((path) => path.split('.'))
  const orderIndexes = (options.orderIndexes ?? []).map((text) => {
    const key = orderIndexKey(text)
    if (!key)
      throw new TypeError(`lake: not an order to index: "${text}" (a path, then asc or desc)`)
    return key
  })
  const answerBytes = (options.answerMemoryMb ?? DEFAULT_ANSWER_MEMORY_MB) * 1024 * 1024
  clearIncoming(options.dataDir)
  const images = new ImageService({dataDir: options.dataDir, env})
  const visibility = openVisibility(options.dataDir)
  const datasets = createDatasetRegistry(stores, (store) =>
    createDatasetService({
      generation: () => stores.generation(),
      dataDir: options.dataDir,
      assetFiles: images.files,
      store,
      queries,
      indexes,
      orderIndexes,
      bus,
      listeners,
      now,
      config,
      errorBody: (err) => bodyFor(err),
      visibility,
      maxAnswerBytes: answerBytes,
      queryMemoryMb,
    }),
  )
  const live = new LiveEvents(bus, {
    store: fileQuestionStore(options.dataDir, (dataset) => stores.exists(dataset)),
    tagSecret: liveTagSecret(options.dataDir),
    written: (dataset) => stores.exists(dataset),
    unwrittenDatasets: UNWRITTEN_DATASETS,
    revive: (dataset, question) =>
      reviveLiveQuestion(question, (request, principal) =>
        datasets.get(dataset).query(request, principal),
      ),
    ...options.recheck,
  })
  const deletion = createDatasetDeletion({
    dataDir: options.dataDir,
    projectId: config.projectId,
    stores,
    datasets,
    listeners,
    live,
    visibility,
  })
  // Before anything reads the data folder: a delete a kill stopped is finished first.
  deletion.finishLeftovers()
  const context: LakeContext = {
    bodyMemory: createBodyMemory(),
    bodyArrival: writeArrival(
      options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS,
      options.bodyArrival,
    ),
    answers: createAnswerBudget(answerBytes),
    pages: createPageTurns(),
    queries: createQueryRequests({
      ...LIMITS.queryRequests,
      bodyMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    }),
    inFlight: createRequestsInFlight({...LIMITS.requestsInFlight, ...options.requestsInFlight}),
    dataDir: options.dataDir,
    dataset: (name) => datasets.get(name),
    stores,
    bus,
    visibility,
    deleteDataset: (name) => deletion.delete(name),
    images,
    uploads: createUploadSpace(options.dataDir, {
      reserveBytes: uploadDiskReserve(env),
      callerBytes: uploadCallerBytes(env),
    }),
    live,
    now,
    config,
    studioUrl: options.studioUrl,
  }
  const studio = auth
    ? {auth: auth.store, corsOrigins: origins, publicUrl: options.publicUrl}
    : undefined
  const app = createApp(context, principals, studio)
  // Deleting an asset document deletes its file and renditions. Told of a commit it missed, it
  // sweeps the dataset's asset files; not after a commit that may not be on disk (its sync failed:
  // the asset could be back after a restart, its file gone): the next start sweeps.
  let sweepStopped = false
  const sweepAssets = async (dataset: string) => {
    const removed = await images.files.sweep(
      stores.get(dataset),
      config.projectId,
      () => sweepStopped,
    )
    if (removed > 0) {
      console.error(`lake: removed ${removed} asset file(s) of "${dataset}" that no document names`)
    }
    return removed
  }
  bus.subscribeAll(
    (tx) =>
      images.removeDeletedAssets(
        tx.dataset,
        config.projectId,
        tx,
        stores.get(tx.dataset).committed(),
      ),
    (dataset, durable) => {
      if (!durable) return
      sweepAssets(dataset).catch((err: unknown) => {
        console.error(`lake: the asset sweep of "${dataset}" failed`, err)
      })
    },
  )
  // What a kill left: files of assets deleted just before it, of uploads whose document was never
  // written (docs/front-end.md). In the background, a batch at a time.
  const assetSweep = (async () => {
    let removed = 0
    // Every dataset with asset folders, also one never written: a first upload's file whose
    // document a kill took.
    for (const dataset of await images.files.datasets(config.projectId)) {
      try {
        // As the backfill: a file an earlier lake wrote is upgraded on the commit thread first.
        if (stores.exists(dataset)) await stores.get(dataset).ready?.()
        if (sweepStopped) break
        removed += await sweepAssets(dataset)
      } catch (err) {
        console.error(`lake: the asset sweep of "${dataset}" failed`, err)
      }
    }
    return removed
  })()
  const imageBackfill = context.images.backfillAll(context).catch((err: unknown) => {
    console.error('lake: image metadata backfill failed', err)
    return 0
  })
  // Listeners and live event streams: both are long requests that outlive their token.
  const streams = {
    endWhere: (ended: Parameters<typeof listeners.endWhere>[0]) =>
      listeners.endWhere(ended) + context.live.endWhere(ended),
  }
  const stopWatchingTokens = auth ? watchRevocations(auth.store, streams) : () => {}
  // Listeners only: a live event stream carries opaque tags and is accepted anonymously on a private
  // dataset (routes/live.ts), so ending it would stop every open page for nothing.
  const stopWatchingVisibility = watchMadePrivate(context.visibility, listeners)
  const stopWatching = () => {
    stopWatchingTokens()
    stopWatchingVisibility()
  }
  let closing: Promise<void> | null = null
  return {
    // `env` carries the Node server's connection (the client address the sign-in limit counts).
    // A closing lake takes no new request: the server may still hand it one (a connection's next
    // request before its socket is destroyed), which would meet closed databases (a 500).
    fetch: (request, env) =>
      Promise.resolve(
        closing
          ? errorResponse(new UnavailableError('The lake is shutting down'))
          : app.fetch(request, env),
      ),
    app,
    bus,
    context,
    datasets,
    listenerStats: () => listeners.stats(),
    auth,
    imageBackfill,
    assetSweep,
    sweepAssets,
    startQueryThreads: () => queries.start(),
    filterTasks: () => queries.filterTasks(),
    onDatasetDeleted: (heard) => deletion.onDeleted(heard),
    close() {
      // One close for every caller: a second one is done when the first is, not at once while
      // the first still waits for threads, writes and files.
      closing ??= closeAll()
      return closing
    },
  }

  async function closeAll() {
    // Running queries stop at once (their threads are terminated), whatever they are doing.
    const stoppingQueries = queries.close()
    // No checkpoint is needed from here on: the stores' close folds the WAL in. One in flight (a
    // native call that cannot be cut, up to a second under load) ends while the writes below
    // finish, not after them, and those writes' groups start none (answered busy at once).
    const stoppingCheckpoints = checkpointer.close()
    context.images.stop()
    sweepStopped = true
    await Promise.all([imageBackfill, assetSweep])
    stopWatching()
    // Listeners' streams end first (their clients reconnect to the next lake), then the
    // databases close.
    bus.close()
    heapTrim?.close()
    // A delete under way first: its store refuses the wait below.
    await deletion.settled()
    // Let pending writes (queued behind each store's lock) finish before the files close, a
    // large one's commit on the commit thread among them.
    await Promise.all(stores.list().map((name) => stores.get(name).transact(() => undefined)))
    // Every other connection to the files first: the last one to close folds the WAL in.
    await Promise.all([
      stoppingQueries,
      analyzer.close(),
      stoppingCheckpoints,
      committer.close(),
      context.bodyMemory.close(),
    ])
    stores.close()
    auth?.store.close()
  }
}

/** LAKE_MAX_DATASETS, a positive whole number, else LIMITS.datasets (as LAKE_IMAGE_MAX_* read). */
function maxDatasets(env: Record<string, string | undefined>): number {
  const configured = Number(env.LAKE_MAX_DATASETS)
  return Number.isInteger(configured) && configured > 0 ? configured : LIMITS.datasets
}
