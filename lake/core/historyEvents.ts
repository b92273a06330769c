/**
 * The Events API's document-group events (`GET data/history/:dataset/events/documents/:id`), read
 * off the transaction log. Hosted Sanity keeps these events beside its translog; the lake keeps
 * only the log, so each event is recognised from what a transaction did to the published document
 * and to the variant asked about (a draft or a release version):
 *
 * | the transaction…                                   | event                    |
 * |----------------------------------------------------|--------------------------|
 * | deletes the variant and writes the published doc   | publishDocumentVersion   |
 * | deletes the published doc, the variant remains     | unpublishDocument        |
 * | deletes the published doc, no variant remains      | deleteDocumentGroup      |
 * | creates the variant                                | createDocumentVersion    |
 * | deletes the variant alone                          | deleteDocumentVersion    |
 * | creates / edits the published doc, not publishing  | createLiveDocument / updateLiveDocument |
 *
 * Each variant has its own view, as the Studio 6.9 asks for them: a draft's or version's events are
 * its creations, deletions, publishes and the unpublishes that recreated it; the published
 * document's are publishes, unpublishes, live creations and edits, and the group's deletion.
 * Edits of a draft are not events: the Studio reads them from the transactions itself. Pure.
 */
import {BadRequestError} from './errors.ts'
import {getPublishedId, getReleaseName, isPublishedId} from './ids.ts'
import type {
  ChangeEffect,
  EventLog,
  EventSelection,
  LoggedTransaction,
  TransactionOutline,
} from './store.ts'

interface BaseEvent {
  timestamp: string
  author: string
  documentId: string
}

export type DocumentGroupEvent =
  | (BaseEvent & {
      type: 'createDocumentVersion' | 'deleteDocumentVersion'
      versionId: string
      versionRevisionId: string
      releaseId?: string
    })
  | (BaseEvent & {
      type: 'publishDocumentVersion'
      revisionId: string
      versionId: string
      versionRevisionId?: string
      releaseId?: string
      publishCause: 'document.publish'
      contributors: string[]
    })
  | (BaseEvent & {
      type: 'unpublishDocument'
      versionId: string
      versionRevisionId: string
    })
  | (BaseEvent & {type: 'createLiveDocument' | 'updateLiveDocument'; revisionId: string})
  | (BaseEvent & {type: 'deleteDocumentGroup'})

type Effect = ChangeEffect

/**
 * What a logged change did: given by an outline, else read from its mendoza effects as the
 * Studio reads them.
 */
function effectOf(
  change: LoggedTransaction['changes'][number] | TransactionOutline['changes'][number],
): Effect {
  if ('effect' in change) return change.effect
  if (isDeletePatch(change.effects.apply)) return 'deleted'
  if (isDeletePatch(change.effects.revert)) return 'created'
  return 'modified'
}

function isDeletePatch(patch: unknown[]): boolean {
  return patch.length === 2 && patch[0] === 0 && patch[1] === null
}

/** A variant (draft or release version) as it stood before a transaction. */
export interface VariantBefore {
  /** The transaction that last wrote it. */
  rev: string
  /** Who wrote it since it was last created, in order of their first change (for publishes). */
  contributors(): string[]
}

/**
 * The events transaction `tx` makes in the view of `id`, in the order the log tells them (the
 * Events API lists them newest first). `variants` gives the group's variants that existed before
 * `tx`, oldest creation first; it is only asked for a publish or an unpublish.
 */
export function transactionEvents(
  id: string,
  tx: LoggedTransaction | TransactionOutline,
  variants: () => ReadonlyMap<string, VariantBefore>,
): DocumentGroupEvent[] {
  const publishedId = getPublishedId(id)
  const releaseId = getReleaseName(id) ?? undefined
  const publishedView = isPublishedId(id)
  const out: DocumentGroupEvent[] = []
  const base = {timestamp: tx.timestamp, author: tx.identity, documentId: publishedId}
  let published: Effect | undefined
  const changed: {variantId: string; effect: Effect}[] = []
  for (const change of tx.changes) {
    if (change.id === publishedId) published = effectOf(change)
    else if (getPublishedId(change.id) === publishedId) {
      changed.push({variantId: change.id, effect: effectOf(change)})
    }
  }
  // The variant this transaction published: deleted while the published document was written.
  const publishedFrom =
    published === 'created' || published === 'modified'
      ? changed.find((c) => c.effect === 'deleted' && (publishedView || c.variantId === id))
      : undefined

  if (publishedFrom) {
    const before = variants().get(publishedFrom.variantId)
    out.push({
      ...base,
      type: 'publishDocumentVersion',
      revisionId: tx.id,
      versionId: publishedFrom.variantId,
      ...(before && {versionRevisionId: before.rev}),
      ...(getReleaseName(publishedFrom.variantId) && {
        releaseId: getReleaseName(publishedFrom.variantId)!,
      }),
      publishCause: 'document.publish',
      contributors: before?.contributors() ?? [tx.identity],
    })
  } else if (published === 'deleted') {
    const existing = variants()
    const remaining = [...existing.keys()].filter(
      (variantId) => !changed.some((c) => c.variantId === variantId && c.effect === 'deleted'),
    )
    const recreated = changed.find((c) => c.effect === 'created')
    const kept = recreated?.variantId ?? remaining[0]
    if (kept && (publishedView || kept === id)) {
      out.push({
        ...base,
        type: 'unpublishDocument',
        versionId: kept,
        versionRevisionId: recreated ? tx.id : existing.get(kept)!.rev,
      })
    } else if (!kept && publishedView) {
      out.push({...base, type: 'deleteDocumentGroup'})
    }
  } else if (publishedView && published) {
    out.push({
      ...base,
      type: published === 'created' ? 'createLiveDocument' : 'updateLiveDocument',
      revisionId: tx.id,
    })
  }

  if (publishedView) return out
  for (const {variantId, effect} of changed) {
    if (variantId !== id) continue
    // A publish already said it.
    if (effect === 'deleted' && publishedFrom?.variantId !== variantId) {
      out.push({
        ...base,
        type: 'deleteDocumentVersion',
        versionId: variantId,
        versionRevisionId: tx.id,
        ...(releaseId && {releaseId}),
      })
    }
    // An unpublish that recreated the draft already said it.
    if (effect === 'created' && published !== 'deleted') {
      out.push({
        ...base,
        type: 'createDocumentVersion',
        versionId: variantId,
        versionRevisionId: tx.id,
        ...(releaseId && {releaseId}),
      })
    }
  }
  return out
}

/**
 * The events of document `id` (a published id, `drafts.<id>` or `versions.<r>.<id>`), newest
 * first, from `transactions`: every logged transaction that touched the published document or
 * that variant, oldest first. The whole log's reading, which a page (documentEventsPage) equals.
 */
export function documentEvents(
  id: string,
  transactions: readonly (LoggedTransaction | TransactionOutline)[],
): {transactionId: string; event: DocumentGroupEvent}[] {
  const publishedId = getPublishedId(id)
  const out: {transactionId: string; event: DocumentGroupEvent}[] = []
  // Per variant id, oldest creation first: its revision and who wrote it since it was created.
  const variants = new Map<string, {rev: string; contributors: string[]}>()
  const before = () =>
    new Map(
      [...variants].map(([variantId, state]) => [
        variantId,
        {rev: state.rev, contributors: () => [...state.contributors]},
      ]),
    )
  for (const tx of transactions) {
    for (const event of transactionEvents(id, tx, before)) out.push({transactionId: tx.id, event})
    for (const change of tx.changes) {
      if (change.id === publishedId || getPublishedId(change.id) !== publishedId) continue
      const effect = effectOf(change)
      if (effect === 'deleted') {
        variants.delete(change.id)
        continue
      }
      const state = variants.get(change.id)
      if (effect === 'created' || !state) {
        variants.set(change.id, {rev: tx.id, contributors: [tx.identity]})
      } else {
        state.rev = tx.id
        if (!state.contributors.includes(tx.identity)) state.contributors.push(tx.identity)
      }
    }
  }
  return out.reverse()
}

/**
 * Which changes of its group can make an event in the view of `id`: in the published view, every
 * change of the published document; in a variant's, its creations and deletions and the published
 * document's deletions (an unpublish that keeps it). Other transactions make no event there.
 */
export function eventSelection(id: string): EventSelection {
  const publishedId = getPublishedId(id)
  return isPublishedId(id)
    ? {every: [publishedId], lifecycle: [], deletions: []}
    : {every: [], lifecycle: [id], deletions: [publishedId]}
}

/**
 * One page of the events of `id`, newest first: at most `limit`, starting after transaction
 * `cursor` (the previous page's `nextCursor`, "" at the end). Read from the log newest first, a
 * few transactions at a time (EventLog: indexes, nothing decoded), so a page costs about as much
 * however long the document's history is. A transaction's events are never split between pages.
 * `visible` tells the documents whose history the caller may see: a transaction that changed none
 * of them makes no event (a contributor's draft view, beside the published document's deletion).
 */
export function documentEventsPage(
  id: string,
  log: EventLog,
  limit: number,
  cursor: string | undefined,
  visible: (documentId: string) => boolean = () => true,
): {events: DocumentGroupEvent[]; nextCursor: string} {
  const publishedId = getPublishedId(id)
  const select = eventSelection(id)
  const events: DocumentGroupEvent[] = []
  let last = ''
  let before = cursor ?? null
  // One more than a page: the transaction after the page tells whether there is a next one.
  const batch = limit + 1
  for (;;) {
    const transactions = log.groupTransactions(publishedId, select, before, batch)
    if (transactions === null) throw unknownCursor(cursor)
    for (const tx of transactions) {
      if (!tx.changes.some((change) => visible(change.id))) continue
      const own = transactionEvents(id, tx, () => variantsBefore(log, publishedId, tx.id))
      if (own.length === 0) continue
      if (events.length > 0 && events.length + own.length > limit) return {events, nextCursor: last}
      events.push(...own.reverse())
      last = tx.id
    }
    if (transactions.length < batch) return {events, nextCursor: ''}
    before = transactions.at(-1)!.id
  }
}

/** The answer to a `nextCursor` that is no transaction, or one the caller may not know of. */
export function unknownCursor(cursor: string | undefined): Error {
  return new BadRequestError(
    `Unknown \`nextCursor\` "${cursor}": pass the nextCursor of the previous page as it came`,
  )
}

function variantsBefore(
  log: EventLog,
  publishedId: string,
  tx: string,
): ReadonlyMap<string, VariantBefore> {
  return new Map(
    log
      .variantsBefore(publishedId, tx)
      .map(({id, rev}) => [id, {rev, contributors: () => log.variantAuthors(id, tx)}]),
  )
}
