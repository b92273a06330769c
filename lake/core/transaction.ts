/**
 * One lake transaction: a working set over the store's committed state, the server-assigned
 * fields, effects, the commit and — only after the commit is durable — the event.
 */
import type {Store} from './store.ts'
import {ConflictError, itemError, MutationError} from './errors.ts'
import {checkDocumentLimits, checkPatchedBytes} from './limits.ts'
import {createMendozaPatch} from './mendoza.ts'
import {randomId} from './ids.ts'
import {checkReferenceIntegrity} from './references.ts'
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
  /** The index (see at()) of the last write to a document, or -1. */
  indexOf(id: string): number
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
  /** The error type a refusal carries: `actionError` for the Actions API. */
  errorType?: 'mutationError' | 'actionError'
}

export interface TransactionOutcome<R> {
  transaction: CommittedTransaction
  result: R
  /** False when nothing changed (or dry run): no log entry, no event. */
  committed: boolean
}

const lastTimestamps = new WeakMap<Store, number>()

export async function runTransaction<R>(
  options: TransactionOptions,
  build: (ws: WorkingSet) => R | Promise<R>,
): Promise<TransactionOutcome<R>> {
  const {store, bus} = options
  const id = options.transactionId ?? randomId()
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
    throw new MutationError('Invalid transaction ID', [
      itemError('validationError', `Invalid transaction ID: "${String(id)}"`),
    ])
  }
  return store.transact(async (writer) => {
    // A client's id must be new in the dataset. One made here (22 random base62 characters, 131
    // bits) is not looked up: the lookup was about 1 % of a one-document write's CPU, and the log's
    // unique index would still refuse the impossible repeat.
    if (options.transactionId !== undefined && writer.hasTransaction(id)) {
      throw new ConflictError(`Transaction ID "${id}" has already been used in this dataset`, [
        itemError('transactionIdConflictError', `Transaction ID "${id}" already exists`),
      ])
    }
    // Timestamps strictly increase per dataset: the client drops events older than its HEAD.
    const now = Math.max(options.now().getTime(), (lastTimestamps.get(store) ?? 0) + 1)
    const timestamp = new Date(now).toISOString()
    const ws = createWorkingSet(store, id, timestamp, options.identity, options.errorType)
    const result = await build(ws)
    const changes = ws.changes()
    for (const change of changes) options.authorize?.(change)
    // Checked on the transaction's end state, also on a dry run, as hosted Sanity does.
    checkReferenceIntegrity(changes, (ids) => store.referrersOf(ids), {
      errorType: options.errorType,
      indexOf: (docId) => ws.indexOf(docId),
    })
    const transaction: CommittedTransaction = {
      id,
      dataset: store.dataset,
      timestamp,
      identity: options.identity,
      changes,
    }
    if (options.dryRun || changes.length === 0) return {transaction, result, committed: false}
    await writer.commit(transaction)
    lastTimestamps.set(store, now)
    writer.onDurable(() => bus.publish(transaction))
    return {transaction, result, committed: true}
  })
}

function createWorkingSet(
  store: Store,
  transactionId: string,
  timestamp: string,
  identity: string,
  errorType: TransactionOptions['errorType'],
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
    }
  >()
  /** Bytes of documents the transaction's patches walked (LIMITS.patchedBytesPerTransaction). */
  let patchedBytes = 0
  let step = -1
  // Committed states read so far: each id is read (and parsed) once per transaction.
  const committed = new Map<string, SanityDocument | null>()

  function committedState(id: string): SanityDocument | null {
    let doc = committed.get(id)
    if (doc === undefined) committed.set(id, (doc = store.getDocuments([id])[0]))
    return doc
  }

  function entry(id: string) {
    let e = touched.get(id)
    if (!e) {
      const before = committedState(id)
      e = {before, after: before, mutations: [], index: -1, unchecked: false, bytes: -1}
      touched.set(id, e)
    }
    return e
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
    write(id, doc, mutation) {
      const e = entry(id)
      if (!doc) {
        e.mutations.push(mutation)
        e.index = step
        e.after = null
        e.unchecked = false
        e.bytes = 0
        return
      }
      const createdAt = doc._createdAt ?? e.after?._createdAt ?? e.before?._createdAt ?? timestamp
      const serverFields = {
        _id: id,
        _rev: transactionId,
        _createdAt: createdAt,
        _updatedAt: timestamp,
      }
      if ('patch' in mutation) {
        // A patch's result shares what it did not change with the document it patched (the
        // mutator copies on write), and is checked once, in changes(): the Studio sends many
        // patches of one draft in a transaction, and each check and copy walked the whole draft.
        if (e.bytes < 0) e.bytes = e.after ? store.bodyBytes([id]) : 0
        patchedBytes += e.bytes
        checkPatchedBytes(patchedBytes, id, e.bytes, step, errorType)
        checkImmutable(e.after, doc, step, errorType)
        e.mutations.push(mutation)
        e.index = step
        e.after = {...doc, ...serverFields}
        e.unchecked = true
        return
      }
      // Every stored document passes here: refuse what SQLite's JSON functions could not read.
      const json = checkDocumentLimits(id, doc, step, errorType)
      checkImmutable(e.after, doc, step, errorType)
      e.mutations.push(mutation)
      e.index = step
      e.bytes = json.length
      e.unchecked = false
      // The copy from the JSON text the size check made: cheaper than structuredClone, and
      // exactly what the store will hold (no undefined-valued keys).
      e.after = {...(JSON.parse(json) as SanityDocument), ...serverFields}
    },
    changes() {
      const out: DocumentChange[] = []
      for (const [id, e] of touched) {
        if (e.unchecked && e.after) {
          // Once per patched document, on its last state: refuse what SQLite's JSON functions
          // could not read, and store exactly the JSON text's document.
          const json = checkDocumentLimits(id, e.after, e.index, errorType)
          e.after = JSON.parse(json) as SanityDocument
          e.bytes = json.length
          e.unchecked = false
        }
        if (!e.before && !e.after) continue
        const left = withoutRev(e.before)
        const right = withoutRev(e.after)
        out.push({
          id,
          before: e.before,
          after: e.after,
          mutations: e.mutations,
          effects: {
            apply: createMendozaPatch(left, right),
            revert: createMendozaPatch(right, left),
          },
        })
      }
      return out
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

/** Effects are computed without `_rev`: the client strips it before applying them. */
export function withoutRev(doc: SanityDocument | null): Omit<SanityDocument, '_rev'> | null {
  if (!doc) return null
  const {_rev, ...rest} = doc
  void _rev
  return rest
}
