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
}
