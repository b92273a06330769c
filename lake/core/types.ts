/** Shared shapes of the lake: documents, transactions and who made them. Schema-agnostic. */

export type SanityDocument = {
  _id: string
  _type: string
  _rev?: string
  _createdAt?: string
  _updatedAt?: string
  [key: string]: unknown
}

/** One document touched by a transaction: its state before and after, and the wire mutations that touched it. */
export interface DocumentChange {
  id: string
  before: SanityDocument | null
  after: SanityDocument | null
  /** Mutations in Sanity's wire format ({create}, {patch}, {delete}, …) that touched this document, in order. */
  mutations: Record<string, unknown>[]
  /** Mendoza patches between `before` and `after`, both taken without `_rev`. */
  effects: {apply: unknown[]; revert: unknown[]}
  /**
   * The change as JSON text, when it was built off the event loop (core/changeText.ts): then
   * `before`, `after`, `mutations` and `effects` are parsed from it only when read, and whoever
   * only needs to know what exists, or to pass a document on, reads this instead.
   */
  readonly text?: ChangeText
}

/** A document's type and revision: what a change's states are, told without parsing them. */
export interface DocumentHead {
  type: string
  rev: string | undefined
  /** A large document's small fields (core/changeText.ts outlineOf), for listeners' filters. */
  outline?: DocumentOutline
}

/**
 * A large document without its large top-level fields: a listener's filter that reads none of
 * them (`_type == "article"`) is answered from it, and the document is never parsed on the event
 * loop (a 20 MB one took 0.3-1 s, twice per change).
 */
export interface DocumentOutline {
  /** The document's top-level fields but the omitted ones, as they are. */
  fields: SanityDocument
  /** The fields left out for their size. */
  omitted: string[]
}

/**
 * JSON text as UTF-8 bytes (or a store's row as its bytes), with the offsets of the build's
 * timestamp stand-in in it: bytes cross from a thread without a copy, and the commit writes the
 * timestamp at those offsets (core/changeText.ts).
 */
export interface JsonBytes {
  bytes: Uint8Array
  stands: number[]
}

/**
 * A change serialised where it was built: each part as JSON.stringify writes it, and the store's
 * rows (Store.rowsOf), so the event loop commits and announces it without serialising, copying or
 * parsing a large document.
 */
export interface ChangeText {
  before: JsonBytes | null
  after: JsonBytes | null
  beforeHead: DocumentHead | null
  afterHead: DocumentHead | null
  mutations: JsonBytes
  effects: JsonBytes
  /** The ids `after` strongly references (core/references.ts). */
  strongReferences: string[]
  /** What the store writes for this change, made by the store that built it (opaque here). */
  rows: unknown
}

/** A transaction as it was committed: durable before anyone hears of it. */
export interface CommittedTransaction {
  id: string
  dataset: string
  /** ISO 8601 with milliseconds, the commit time. */
  timestamp: string
  /** The user or token id that made the transaction. */
  identity: string
  changes: DocumentChange[]
}

/**
 * The event port: hears every committed transaction of a dataset, in commit order, once it is
 * durable. lake/events/bus.ts is the implementation; core never imports it.
 */
export interface TransactionPublisher {
  publish(tx: CommittedTransaction): void
  /**
   * A committed transaction of `dataset` that is not announced (no event can be made of it:
   * UnannouncedCommitError; or its sync failed, so it is visible but maybe not durable): every
   * listener of the dataset has missed it and must start over (docs/listeners.md). `durable`:
   * false when its sync failed.
   */
  unannounced(dataset: string, transactionId: string, reason: string, durable?: boolean): void
}
