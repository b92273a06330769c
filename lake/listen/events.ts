/** The `mutation` events one committed transaction yields for one listener (Sanity's MutationEvent). */
import {isVersionId} from '../core/ids.ts'
import type {CommittedTransaction, DocumentChange, SanityDocument} from '../core/types.ts'
import type {DocumentFilter} from './filter.ts'

export type Transition = 'appear' | 'update' | 'disappear'

export interface ListenOptions {
  includeResult: boolean
  includePreviousRevision: boolean
  includeMutations: boolean
  includeAllVersions: boolean
  visibility: 'transaction' | 'query'
  effectFormat: 'mendoza' | null
}

/** The wire shape of one `mutation` event. */
export interface MutationEventData {
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

/** The events of a transaction for one listener, numbered per listener. */
export function eventsFor(
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
