/** The `mutation` events one committed transaction yields for one listener (Sanity's MutationEvent). */
import {headsOf, jsonTextOf} from '../core/changeText.ts'
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
  mutations?: Record<string, unknown>[] | JsonText
  effects?: {apply: unknown[]; revert: unknown[]} | JsonText
  previousRev?: string
  resultRev: string
  timestamp: string
  transition: Transition
  visibility: 'transaction' | 'query'
  transactionTotalEvents: number
  transactionCurrentEvent: number
  result?: SanityDocument | JsonText
  previous?: SanityDocument | JsonText
}

/**
 * A value already serialised (a change built off the event loop carries its parts as text,
 * core/changeText.ts): eventJson writes it as it is; JSON.stringify, through toJSON, as the value.
 */
export class JsonText {
  readonly json: string
  constructor(json: string) {
    this.json = json
  }
  toJSON(): unknown {
    return JSON.parse(this.json)
  }
}

/**
 * JSON.stringify(data), byte for byte, but with the JsonText values of its top level written as
 * they are: a large document's event is not serialised again per listener.
 */
export function eventJson(data: unknown): string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return JSON.stringify(data)
  const entries = Object.entries(data)
  if (!entries.some(([, value]) => value instanceof JsonText)) return JSON.stringify(data)
  const parts: string[] = []
  for (const [key, value] of entries) {
    const json = value instanceof JsonText ? value.json : JSON.stringify(value)
    // As JSON.stringify does: keys whose value it cannot write are left out.
    if (json !== undefined) parts.push(`${JSON.stringify(key)}:${json}`)
  }
  return `{${parts.join(',')}}`
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
    const heads = headsOf(change)
    const was = heads.before !== null && filter(change.before!)
    const is = heads.after !== null && filter(change.after!)
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
    const {before, after} = headsOf(change)
    if (before?.rev) event.previousRev = before.rev
    // A serialised change's parts are passed on as text (eventJson), not parsed.
    const text = change.text
    if (options.includeMutations)
      event.mutations = text ? new JsonText(jsonTextOf(text.mutations)) : change.mutations
    if (options.effectFormat === 'mendoza')
      event.effects = text ? new JsonText(jsonTextOf(text.effects)) : change.effects
    if (options.includeResult && after)
      event.result = text?.after ? new JsonText(jsonTextOf(text.after)) : change.after!
    if (options.includePreviousRevision && before)
      event.previous = text?.before ? new JsonText(jsonTextOf(text.before)) : change.before!
    return event
  })
}
