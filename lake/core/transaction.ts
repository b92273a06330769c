/**
 * One lake transaction: a working set over the store's committed state, the server-assigned
 * fields, effects, the commit and — only after the commit is durable — the event.
 */
import type {ChangeSink, Store, StoreWriter} from './store.ts'
import {ConflictError, itemError, MutationError, UnannouncedCommitError} from './errors.ts'
import {
  forgetAfterJson,
  readChange,
  rememberAfterJson,
  serialiseChange,
  stampText,
  type SerialisedChange,
} from './changeText.ts'
import {
  badRefs,
  checkDocumentLimits,
  checkPatchedBytes,
  checkPatchWork,
  longNames,
} from './limits.ts'
import type {Held} from './limits.ts'
import {patchGrowth, type PatchBody} from './mutations.ts'
import type {Work} from './patchWork.ts'
import {createMendozaPatch} from './mendoza.ts'
import {randomId} from './ids.ts'
import {checkReferenceIntegrity} from './references.ts'
import {checkSystemFields} from './systemFields.ts'
import type {
  CommittedTransaction,
  DocumentChange,
  SanityDocument,
  TransactionPublisher,
} from './types.ts'

/** The documents as this transaction sees them: committed state plus its own writes so far. */
export interface WorkingSet {
  readonly transactionId: string
  readonly timestamp: string
  readonly identity: string
  /** The request's mutation or action at `index` is being applied: error items name it. */
  at(index: number): void
  /** A copy of the current document, or null. */
  get(id: string): SanityDocument | null
  /**
   * Reads the committed states of these ids now, in as few statements as the store needs: a batch
   * of mutations names its documents up front instead of having them read one by one.
   */
  prefetch(ids: readonly string[]): void
  /**
   * The current document itself, not a copy, or null: for checks that only read it (exists?
   * its `_createdAt`?). Never modify it.
   */
  peek(id: string): Readonly<SanityDocument> | null
  /**
   * Writes a document (null deletes it), recording the wire mutation that did it. Sets `_id`,
   * `_rev` and `_updatedAt`, and `_createdAt` when the document has none (get() reads the result).
   */
  write(id: string, doc: SanityDocument | null, mutation: Record<string, unknown>): void
  changes(): DocumentChange[]
  /** The committed document's stored size in bytes (0 when there is none), read without parsing it. */
  storedBytes(id: string): number
  /**
   * Counts what a patch of `id` is about to do (core/patchWork.ts) against the patch budget,
   * refusing the transaction once it is spent.
   */
  spend(id: string, work: Work): void
  /** The index (see at()) of the last write to a document, or -1. */
  indexOf(id: string): number
  /** Every committed document read so far, with the revision it had (null: none). */
  reads(): [string, string | null][]
  /**
   * Hands the changes of the documents first written since the last flush to the store's streamed
   * commit (runTransaction's `stream`), to be written while the rest is built; nothing without
   * one. For writes that touch each document once (a bulk load's batch): a document written again
   * after its flush makes the store write the transaction whole at its commit instead.
   */
  flush(): void
}

export interface TransactionOptions {
  store: Store
  /** Hears the transaction once its commit is durable (after a group commit), in commit order. */
  bus: TransactionPublisher
  identity: string
  now: () => Date
  /** Client-supplied id; becomes `_rev` of every written document. Must be new in the dataset. */
  transactionId?: string
  /** Compute everything, write nothing, publish nothing. */
  dryRun?: boolean
  /** Called per change before the commit; throws to refuse the whole transaction. */
  authorize?: (change: DocumentChange) => void
  /** Called once inside the write lock before anything is checked; throws to refuse it all. */
  signedIn?: () => void
  /** The error type a refusal carries: `actionError` for the Actions API. */
  errorType?: 'mutationError' | 'actionError'
  /**
   * Stream the changes to the store as they are built (WorkingSet.flush, StoreWriter.stream): a
   * write group of its own, whose rows are written off the event loop meanwhile.
   */
  stream?: boolean
}

export interface TransactionOutcome<R> {
  transaction: CommittedTransaction
  result: R
  /** False when nothing changed (or dry run): no log entry, no event. */
  committed: boolean
  /**
   * Committed, but no event could be made of it (its listeners start over: docs/listeners.md).
   * `transaction.changes` is then empty: its documents are read from the store.
   */
  unannounced?: boolean
}

const lastTimestamps = new WeakMap<Store, number>()

/** C0, DEL and C1: Unicode's control characters (general category Cc). */
const CONTROL = /\p{Cc}/u

/**
 * Refuses a client's transaction id that is not a usable string (a 400). It becomes the log's id
 * and each written document's `_rev`: a lone surrogate, which SQLite reads back as other bytes,
 * made every later write of those documents built on a write thread a 409, however often sent.
 * It is also text outside JSON: each listener event's SSE `id:` line (which a line break would
 * end: such an event went without one) and the lake's log lines (a line break forged a line, an
 * escape coloured the terminal). Sanity's clients send random ids (the Studio a UUID,
 * @sanity/mutator its luid()) or none, never a control character; hosted's rule is not published.
 */
function checkTransactionId(id: unknown): asserts id is string {
  const control = typeof id === 'string' ? CONTROL.exec(id) : null
  const problem =
    typeof id !== 'string'
      ? 'it is no string'
      : id.length === 0 || id.length > 128
        ? `it has ${id.length} characters`
        : !id.isWellFormed()
          ? 'it holds a lone UTF-16 surrogate (half of a pair)'
          : control
            ? `it holds a control character (U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at character ${control.index + 1})`
            : null
  if (problem === null) return
  const shown = typeof id === 'string' && id.length > 64 ? `${id.slice(0, 64)}…` : id
  const description =
    `Invalid transaction ID ${JSON.stringify(shown) ?? String(id)}: ${problem}; send 1 to 128 ` +
    `characters of whole Unicode text without control characters (letters, digits, "-", "_" and ` +
    `"." are safest), or none ` +
    `to have one made`
  throw new MutationError(description, [itemError('validationError', description)])
}

export async function runTransaction<R>(
  options: TransactionOptions,
  build: (ws: WorkingSet) => R | Promise<R>,
): Promise<TransactionOutcome<R>> {
  const {store} = options
  const id = options.transactionId ?? randomId()
  checkTransactionId(id)
  const stream = options.stream === true && options.dryRun !== true
  return store.transact(
    async (writer) => {
      const now = commitTime(options, writer, id)
      const timestamp = new Date(now).toISOString()
      const sink = stream
        ? (writer.stream?.({id, timestamp, identity: options.identity}) ?? null)
        : null
      const ws = createWorkingSet(store, id, timestamp, options.identity, options.errorType, sink)
      const result = await build(ws)
      return finish(options, writer, {id, timestamp, now}, ws.changes(), result, (docId) =>
        ws.indexOf(docId),
      )
    },
    {large: stream},
  )
}

/**
 * A transaction built away from the write lock (on a query worker, over its read-only
 * connection): its changes with a stand-in for the commit's timestamp, and every document it read
 * with the revision it had (null: none), which `commitBuilt` checks have not changed.
 */
export interface BuiltTransaction<R> {
  id: string
  /** Where the commit's timestamp goes: a random string of its length (see stampTimestamp). */
  stand: string
  /** Its changes, as objects or (`serialise`) as text with the store's rows: one of the two. */
  changes: DocumentChange[]
  serialised?: SerialisedChange[]
  result: R
  reads: [string, string | null][]
  /** The request's index (WorkingSet.at) of the last write to each changed document. */
  indexes: [string, number][]
}

/**
 * Builds a transaction without its write lock and without writing: `store` is only read. The
 * timestamp is not known before the commit (timestamps follow commit order), so a random string
 * of its length stands in for it: the effects' encoder chooses by length, so they come out as
 * they would with the timestamp, which commitBuilt puts in its place.
 */
export async function buildTransaction<R>(
  options: Pick<TransactionOptions, 'store' | 'identity' | 'transactionId' | 'errorType'> & {
    /**
     * Hand the changes over as text and store rows (core/changeText.ts), for a thread to pass
     * to the event loop, which then neither copies nor serialises document trees.
     */
    serialise?: boolean
  },
  build: (ws: WorkingSet) => R | Promise<R>,
): Promise<BuiltTransaction<R>> {
  const id = options.transactionId ?? randomId()
  checkTransactionId(id)
  // 24 characters until the year 10000 (commitBuilt builds again should the length differ).
  const stand = randomId(new Date().toISOString().length)
  const ws = createWorkingSet(options.store, id, stand, options.identity, options.errorType)
  const result = await build(ws)
  const changes = ws.changes()
  const {store} = options
  return {
    id,
    stand,
    ...(options.serialise
      ? {
          changes: [],
          serialised: changes.map((change) =>
            serialiseChange(change, stand, store.rowsOf?.bind(store)),
          ),
        }
      : {changes}),
    result,
    reads: ws.reads(),
    indexes: changes.map((change) => [change.id, ws.indexOf(change.id)]),
  }
}

/** A document a built transaction read changed before it could commit: build it again. */
export class StaleBuildError extends ConflictError {
  override name = 'StaleBuildError'
}

/**
 * Commits a transaction buildTransaction made, in the write lock: every document it read must
 * still have the revision it read (else StaleBuildError, nothing written), then the commit's
 * timestamp replaces the stand-in and it commits as runTransaction would.
 */
export async function commitBuilt<R>(
  options: TransactionOptions,
  built: BuiltTransaction<R>,
): Promise<TransactionOutcome<R>> {
  const {store} = options
  const commit = async (writer: StoreWriter) => {
    const ids = built.reads.map(([id]) => id)
    const heads = store.heads(ids)
    built.reads.forEach(([id, rev], i) => {
      const now = heads[i]?.rev ?? null
      if (now === rev) return
      const description = `Document "${id}" changed while the transaction was built (revision "${now ?? 'none'}", built on "${rev ?? 'none'}"): send the request again`
      throw new StaleBuildError(description, [
        itemError('revisionMismatchError', description, {id}),
      ])
    })
    const now = commitTime(options, writer, built.id)
    const timestamp = new Date(now).toISOString()
    if (timestamp.length !== built.stand.length) {
      throw new StaleBuildError('The timestamp changed length: send the request again')
    }
    for (const change of built.changes) stampTimestamp(change, built.stand, timestamp)
    for (const change of built.serialised ?? []) stampText(change, built.stand, timestamp)
    const changes = built.serialised ? built.serialised.map(readChange) : built.changes
    const indexes = new Map(built.indexes)
    return finish(
      options,
      writer,
      {id: built.id, timestamp, now},
      changes,
      built.result,
      (id) => indexes.get(id) ?? -1,
    )
  }
  // As text, it may be large: a write group of its own, which the store may commit off the
  // event loop (sqliteStore's commit thread).
  return store.transact(commit, {large: built.serialised !== undefined})
}

/**
 * Puts the timestamp where a built transaction has its stand-in: a written document's
 * `_updatedAt` and a new one's `_createdAt` (top-level fields), the same fields of the documents
 * its create mutations carry, and the top level of its effects (a field set to it, or a whole new
 * document). Nothing else can hold the stand-in: it is random, made after the request arrived.
 */
function stampTimestamp(change: DocumentChange, stand: string, timestamp: string): void {
  const stampFields = (doc: unknown) => {
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return
    const record = doc as Record<string, unknown>
    if (record._updatedAt === stand) record._updatedAt = timestamp
    if (record._createdAt === stand) record._createdAt = timestamp
  }
  stampFields(change.after)
  forgetAfterJson(change)
  for (const mutation of change.mutations)
    for (const body of Object.values(mutation)) stampFields(body)
  for (const ops of [change.effects.apply, change.effects.revert]) {
    for (let i = 0; i < ops.length; i++) {
      if (ops[i] === stand) ops[i] = timestamp
      else stampFields(ops[i])
    }
  }
}

/**
 * The commit's time: a client's id must be new in the dataset, and timestamps strictly increase
 * per dataset (the client drops events older than its HEAD).
 */
function commitTime(options: TransactionOptions, writer: StoreWriter, id: string): number {
  // One made here (22 random base62 characters, 131 bits) is not looked up: the lookup was about
  // 1 % of a one-document write's CPU, and the log's unique index would still refuse the
  // impossible repeat.
  // Not on a dry run, which stores nothing: its 409 would tell any writer (a contributor) which
  // ids the dataset's other writes were made with, as a real write still must (docs/lake-api.md).
  if (options.transactionId !== undefined && options.dryRun !== true && writer.hasTransaction(id)) {
    // The whole transaction's refusal, given at its first item: every item has an index (the
    // client's ActionErrorItem requires one).
    throw new ConflictError(`Transaction ID "${id}" has already been used in this dataset`, [
      itemError('transactionIdConflictError', `Transaction ID "${id}" already exists`, {index: 0}),
    ])
  }
  return Math.max(options.now().getTime(), (lastTimestamps.get(options.store) ?? 0) + 1)
}

/** Checks a transaction's changes and commits them (unless a dry run or nothing changed). */
async function finish<R>(
  options: TransactionOptions,
  writer: StoreWriter,
  at: {id: string; timestamp: string; now: number},
  changes: DocumentChange[],
  result: R,
  indexOf: (id: string) => number,
): Promise<TransactionOutcome<R>> {
  const {store, bus} = options
  options.signedIn?.()
  for (const change of changes) options.authorize?.(change)
  // Checked on the transaction's end state, also on a dry run, as hosted Sanity does.
  checkReferenceIntegrity(changes, (ids) => store.referrersOf(ids), {
    errorType: options.errorType,
    indexOf,
  })
  const transaction: CommittedTransaction = {
    id: at.id,
    dataset: store.dataset,
    timestamp: at.timestamp,
    identity: options.identity,
    changes,
  }
  if (options.dryRun || changes.length === 0) return {transaction, result, committed: false}
  try {
    await writer.commit(transaction)
  } catch (err) {
    if (!(err instanceof UnannouncedCommitError)) throw err
    // Stored, but no event can be made of it: once it is durable, its listeners start over, and
    // it is answered as committed (an error would have its client send it again: applied twice).
    lastTimestamps.set(store, at.now)
    writer.onDurable(() => bus.unannounced(transaction.dataset, transaction.id, err.why))
    return {transaction: {...transaction, changes: []}, result, committed: true, unannounced: true}
  }
  lastTimestamps.set(store, at.now)
  writer.onDurable((failure) => {
    if (!failure) return bus.publish(transaction)
    // Not acknowledged, yet what every query reads from now on: its listeners start over rather
    // than keep showing what the lake no longer serves (nor hear of it as of a durable write).
    bus.unannounced(
      transaction.dataset,
      transaction.id,
      'its write-ahead log could not be synced, so it may not be on disk; the dataset takes no more writes until the lake is restarted',
      false,
    )
  })
  return {transaction, result, committed: true}
}

function createWorkingSet(
  store: Store,
  transactionId: string,
  timestamp: string,
  identity: string,
  errorType: TransactionOptions['errorType'],
  sink: ChangeSink | null = null,
): WorkingSet {
  // Per touched id, in first-touch order: the committed state, the current state, the mutations.
  const touched = new Map<
    string,
    {
      before: SanityDocument | null
      after: SanityDocument | null
      mutations: Record<string, unknown>[]
      index: number
      /** `after` is a patch's result, not yet checked against the limits nor normalised. */
      unchecked: boolean
      /** The document's size as JSON, as last known (-1: not read yet). */
      bytes: number
      /** What patches added since `bytes` was known (mutations.ts patchGrowth). */
      grow: ((patch: PatchBody) => number) | null
      /** `after` as JSON text, when it was written whole (not by a patch since). */
      json: string | null
      /** Its bytes the patch budget has counted (once per document, at its largest). */
      counted: number
    }
  >()
  /** Bytes of documents the transaction's patches walked (LIMITS.patchedBytesPerTransaction). */
  let patchedBytes = 0
  let step = -1
  // Committed states read so far: each id is read (and parsed) once per transaction.
  const committed = new Map<string, SanityDocument | null>()
  // Touched ids in first-touch order, and how many of them flush() has handed to `sink`, with
  // the changes it made of them (changes() gives the same objects while they are not written
  // again: the store tells what it streamed by them).
  const order: string[] = []
  let flushed = 0
  const handed = new Map<string, DocumentChange>()

  function committedState(id: string): SanityDocument | null {
    let doc = committed.get(id)
    if (doc === undefined) committed.set(id, (doc = store.getDocuments([id])[0]))
    return doc
  }

  function entry(id: string) {
    let e = touched.get(id)
    if (!e) {
      const before = committedState(id)
      e = {
        before,
        after: before,
        mutations: [],
        index: -1,
        unchecked: false,
        bytes: -1,
        grow: null,
        json: null,
        counted: 0,
      }
      touched.set(id, e)
      order.push(id)
    }
    // Written again after its flush: its handed change is no longer its change.
    if (handed.size > 0) handed.delete(id)
    return e
  }

  type Entry = ReturnType<typeof entry>

  /**
   * What the lake held before this transaction for `id`: its own document, and its published and
   * draft copies (the Studio's first edit copies the published document to its draft, a publish
   * copies the draft back). A value one of them holds is not re-checked when written unchanged:
   * documents stored before a check was added stay editable. Read only for a value that fails.
   */
  function heldBefore(id: string): SanityDocument[] {
    const base = id.startsWith('drafts.')
      ? id.slice(7)
      : id.startsWith('versions.')
        ? id.slice(id.indexOf('.', 9) + 1)
        : id
    const ids = new Set([id, base, `drafts.${base}`])
    return [...ids].map(committedState).filter((doc) => doc !== null)
  }

  function heldBy(id: string): Held {
    let refs: Map<string, string>[] | null = null
    let names: Set<string>[] | null = null
    return {
      ref(path, ref) {
        refs ??= heldBefore(id).map(badRefs)
        const json = JSON.stringify(ref) ?? 'undefined'
        return refs.some((held) => held.get(path) === json)
      },
      name(at) {
        names ??= heldBefore(id).map(longNames)
        return names.some((held) => held.has(at))
      },
    }
  }

  /** A touched document's change (null: none, nothing before and after), checked if patched. */
  function changeOf(id: string, e: Entry): DocumentChange | null {
    if (e.unchecked && e.after) {
      // Once per patched document, on its last state: refuse what SQLite's JSON functions
      // could not read, and store exactly the JSON text's document.
      const {json} = checkDocumentLimits(id, e.after, e.index, errorType, undefined, heldBy(id))
      e.after = JSON.parse(json) as SanityDocument
      e.bytes = json.length
      e.grow = null
      e.unchecked = false
      e.json = json
    }
    if (!e.before && !e.after) return null
    const left = withoutRev(e.before)
    const right = withoutRev(e.after)
    const change: DocumentChange = {
      id,
      before: e.before,
      after: e.after,
      mutations: e.mutations,
      effects: {
        apply: createMendozaPatch(left, right),
        revert: createMendozaPatch(right, left),
      },
    }
    if (e.json !== null) rememberAfterJson(change, e.json)
    return change
  }

  function current(id: string): SanityDocument | null {
    return touched.has(id) ? touched.get(id)!.after : committedState(id)
  }

  return {
    transactionId,
    timestamp,
    identity,
    at(index) {
      step = index
    },
    indexOf(id) {
      return touched.get(id)?.index ?? -1
    },
    reads: () => [...committed].map(([id, doc]) => [id, doc?._rev ?? null]),
    get(id) {
      const doc = current(id)
      return doc ? structuredClone(doc) : null
    },
    prefetch(ids) {
      const unread = [...new Set(ids)].filter((id) => !committed.has(id))
      if (unread.length === 0) return
      store.getDocuments(unread).forEach((doc, i) => committed.set(unread[i], doc))
    },
    peek: current,
    storedBytes: (id) => store.bodyBytes([id]),
    spend(id, work) {
      patchedBytes += work.bytes
      checkPatchWork(patchedBytes, id, work.what, step, errorType)
    },
    write(id, doc, mutation) {
      const e = entry(id)
      if (!doc) {
        e.mutations.push(mutation)
        e.index = step
        e.after = null
        e.unchecked = false
        e.bytes = 0
        e.grow = null
        e.json = null
        e.counted = 0
        return
      }
      const createdAt = doc._createdAt ?? e.after?._createdAt ?? e.before?._createdAt ?? timestamp
      const serverFields = {
        _id: id,
        _rev: transactionId,
        _createdAt: createdAt,
        _updatedAt: timestamp,
      }
      checkSystemFields(
        id,
        {_type: doc._type, _createdAt: createdAt},
        timestamp,
        step,
        errorType,
        (at) => heldBefore(id).some((held) => held._createdAt === at),
      )
      if ('patch' in mutation) {
        // A patch's result shares what it did not change with the document it patched (the
        // mutator copies on write), and is checked once, in changes(): the Studio sends many
        // patches of one draft in a transaction, and each check and copy walked the whole draft.
        if (e.bytes < 0) e.bytes = e.after ? store.bodyBytes([id]) : 0
        // As large as the request's patches may have made it, this one's values included (it
        // sets before it scans): a small draft grown by a patch was counted at its stored size.
        const size = e.bytes + (e.grow ??= patchGrowth())(mutation.patch as PatchBody)
        // Once per document (until it is written whole again), as large as it has grown: what each
        // patch's paths do to it was counted before it applied (spend), and the document is read,
        // checked, serialised and diffed once per transaction (a count per patch refused 40
        // keystrokes of a 2 MB draft).
        patchedBytes += Math.max(0, size - e.counted)
        e.counted = Math.max(e.counted, size)
        checkPatchedBytes(patchedBytes, id, size, step, errorType)
        checkImmutable(e.after, doc, step, errorType)
        e.mutations.push(mutation)
        e.index = step
        e.after = {...doc, ...serverFields}
        e.unchecked = true
        e.json = null
        return
      }
      // Every stored document passes here: refuse what SQLite's JSON functions could not read.
      // Measured as stored, with the server's fields: the store writes this text as it is.
      const undefinedField = SERVER_FIELDS.some((key) => key in doc && doc[key] === undefined)
      const stored = undefinedField
        ? // A server's field given as undefined (in process) went where the others go.
          {...(JSON.parse(JSON.stringify(doc)) as SanityDocument), ...serverFields}
        : {...doc, ...serverFields}
      // The server's fields are strings: `stored` is as deep and as plain as `doc`.
      const {json, plain} = checkDocumentLimits(
        id,
        stored,
        step,
        errorType,
        undefinedField ? undefined : doc,
        heldBy(id),
      )
      checkImmutable(e.after, doc, step, errorType)
      e.mutations.push(mutation)
      e.index = step
      e.bytes = json.length
      e.grow = null
      // Written whole (checked and serialised again): its next patch counts it again. An edit of a
      // published-only document copies it to its draft, and a publish copies the draft back: 100
      // such pairs of a 2 MB document, counted once, took 13 s, 5,000 would run to the deadline.
      e.counted = 0
      e.unchecked = false
      // Plain JSON data (a request's document) is exactly what the store will hold, so it is kept
      // as it is, sharing its values with the request's (nothing changes a stored state in
      // place: patches copy on write). Else the copy from the JSON text the size check made
      // (no undefined-valued keys), cheaper than structuredClone.
      e.after = plain ? stored : (JSON.parse(json) as SanityDocument)
      e.json = json
    },
    changes() {
      const out: DocumentChange[] = []
      for (const [id, e] of touched) {
        const change = handed.get(id) ?? changeOf(id, e)
        if (change) out.push(change)
      }
      return out
    },
    flush() {
      if (!sink || flushed === order.length) return
      const changes: DocumentChange[] = []
      for (; flushed < order.length; flushed++) {
        const id = order[flushed]
        const change = changeOf(id, touched.get(id)!)
        if (!change) continue
        handed.set(id, change)
        changes.push(change)
      }
      if (changes.length > 0) sink.write(changes)
    },
  }
}

/**
 * A document's `_type` cannot change once it is stored, as on hosted Sanity (which answers
 * `cannotModifyImmutableAttributeError`); delete it and create a new one instead.
 */
function checkImmutable(
  current: SanityDocument | null,
  next: SanityDocument,
  index: number,
  errorType: TransactionOptions['errorType'],
): void {
  if (!current || current._type === next._type) return
  const description = 'Cannot modify immutable attribute "_type"'
  throw new MutationError(
    `The ${errorType === 'actionError' ? 'action' : 'mutation'}(s) failed: ${description}`,
    [
      itemError('cannotModifyImmutableAttributeError', description, {
        id: current._id,
        attribute: '_type',
        ...(index >= 0 ? {index} : {}),
      }),
    ],
    errorType,
  )
}

/** The fields the working set sets on every document it writes. */
const SERVER_FIELDS = ['_id', '_rev', '_createdAt', '_updatedAt'] as const

/** Effects are computed without `_rev`: the client strips it before applying them. */
export function withoutRev(doc: SanityDocument | null): Omit<SanityDocument, '_rev'> | null {
  if (!doc) return null
  const {_rev, ...rest} = doc
  void _rev
  return rest
}
