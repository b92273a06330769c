/** The `mutation` events one committed transaction yields for one listener (Sanity's MutationEvent). */
import {headsOf} from '../core/changeText.ts'
import {isVersionId} from '../core/ids.ts'
import type {CommittedTransaction, DocumentChange, SanityDocument} from '../core/types.ts'

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
 * A value already serialised (a change built off the event loop carries its parts as UTF-8 JSON,
 * core/changeText.ts): eventParts passes its bytes on as they are, never decoded; JSON.stringify,
 * through toJSON, writes the value.
 */
export class JsonText {
  readonly bytes: Uint8Array
  constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }
  get json(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString()
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
  if (!carriesText(data)) return JSON.stringify(data)
  return Buffer.concat(eventParts('', data, '')).toString()
}

/** An object with a JsonText at its top level. */
function carriesText(data: unknown): data is Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false
  return Object.values(data).some((value) => value instanceof JsonText)
}

const encoder = new TextEncoder()

/**
 * `prefix`, eventJson(data) and `suffix` as UTF-8 parts, in order: its JsonText values are parts
 * of their own, their bytes as they are. Decoding a 20 MB document's text, joining it into the
 * event and encoding it again took 2-7 s of the event loop (load 14) for each listener that heard
 * it; copying its bytes into one buffer of the event, 0.3-0.7 s (load 40: the first touch of 20 MB
 * of fresh pages), so a listener sends the parts as they are.
 */
export function eventParts(prefix: string, data: unknown, suffix: string): Uint8Array[] {
  if (!carriesText(data)) return [encoder.encode(`${prefix}${JSON.stringify(data)}${suffix}`)]
  const parts: Uint8Array[] = []
  let text = `${prefix}{`
  let first = true
  for (const [key, value] of Object.entries(data)) {
    const json = value instanceof JsonText ? value : JSON.stringify(value)
    // As JSON.stringify does: keys whose value it cannot write are left out.
    if (json === undefined) continue
    text += `${first ? '' : ','}${JSON.stringify(key)}:`
    first = false
    if (typeof json === 'string') text += json
    else {
      parts.push(encoder.encode(text), json.bytes)
      text = ''
    }
  }
  parts.push(encoder.encode(`${text}}${suffix}`))
  return parts
}

/**
 * The events of a transaction for one listener, numbered per listener. `matches` tells whether a
 * change's state before or after it (one that exists) matches the listener's filter.
 */
export function eventsFor(
  tx: CommittedTransaction,
  matches: (change: DocumentChange, state: 'before' | 'after') => boolean,
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
    const was = heads.before !== null && matches(change, 'before')
    const is = heads.after !== null && matches(change, 'after')
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
      event.mutations = text ? new JsonText(text.mutations.bytes) : change.mutations
    if (options.effectFormat === 'mendoza')
      event.effects = text ? new JsonText(text.effects.bytes) : change.effects
    if (options.includeResult && after)
      event.result = text?.after ? new JsonText(text.after.bytes) : change.after!
    if (options.includePreviousRevision && before)
      event.previous = text?.before ? new JsonText(text.before.bytes) : change.before!
    return event
  })
}
