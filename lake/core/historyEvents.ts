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
import type {ChangeEffect, LoggedTransaction, TransactionOutline} from './store.ts'

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

/**
 * The events of document `id` (a published id, `drafts.<id>` or `versions.<r>.<id>`), newest
 * first, from `transactions`: every logged transaction that touched the published document or
 * that variant, oldest first.
 */
export function documentEvents(
  id: string,
  transactions: readonly (LoggedTransaction | TransactionOutline)[],
): {transactionId: string; event: DocumentGroupEvent}[] {
  const publishedId = getPublishedId(id)
  const releaseId = getReleaseName(id) ?? undefined
  const publishedView = isPublishedId(id)
  const out: {transactionId: string; event: DocumentGroupEvent}[] = []
  // Per variant id: its revision and who wrote it since it was last created (for publishes).
  const variants = new Map<string, {rev: string; contributors: string[]}>()

  for (const tx of transactions) {
    const base = {timestamp: tx.timestamp, author: tx.identity, documentId: publishedId}
    const add = (event: DocumentGroupEvent) => out.push({transactionId: tx.id, event})
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
      const before = variants.get(publishedFrom.variantId)
      add({
        ...base,
        type: 'publishDocumentVersion',
        revisionId: tx.id,
        versionId: publishedFrom.variantId,
        ...(before && {versionRevisionId: before.rev}),
        ...(getReleaseName(publishedFrom.variantId) && {
          releaseId: getReleaseName(publishedFrom.variantId)!,
        }),
        publishCause: 'document.publish',
        contributors: before?.contributors ?? [tx.identity],
      })
    } else if (published === 'deleted') {
      const remaining = [...variants.keys()].filter(
        (variantId) => !changed.some((c) => c.variantId === variantId && c.effect === 'deleted'),
      )
      const recreated = changed.find((c) => c.effect === 'created')
      const kept = recreated?.variantId ?? remaining[0]
      if (kept && (publishedView || kept === id)) {
        add({
          ...base,
          type: 'unpublishDocument',
          versionId: kept,
          versionRevisionId: recreated ? tx.id : variants.get(kept)!.rev,
        })
      } else if (!kept && publishedView) {
        add({...base, type: 'deleteDocumentGroup'})
      }
    } else if (publishedView && published) {
      add({
        ...base,
        type: published === 'created' ? 'createLiveDocument' : 'updateLiveDocument',
        revisionId: tx.id,
      })
    }

    for (const {variantId, effect} of changed) {
      const mine = variantId === id && !publishedView
      if (effect === 'deleted') {
        variants.delete(variantId)
        // A publish already said it.
        if (mine && publishedFrom?.variantId !== variantId) {
          add({
            ...base,
            type: 'deleteDocumentVersion',
            versionId: variantId,
            versionRevisionId: tx.id,
            ...(releaseId && {releaseId}),
          })
        }
        continue
      }
      const state = variants.get(variantId)
      if (effect === 'created' || !state) {
        variants.set(variantId, {rev: tx.id, contributors: [tx.identity]})
        // An unpublish that recreated the draft already said it.
        if (mine && effect === 'created' && published !== 'deleted') {
          add({
            ...base,
            type: 'createDocumentVersion',
            versionId: variantId,
            versionRevisionId: tx.id,
            ...(releaseId && {releaseId}),
          })
        }
      } else {
        state.rev = tx.id
        if (!state.contributors.includes(tx.identity)) state.contributors.push(tx.identity)
      }
    }
  }
  return out.reverse()
}

/**
 * One page of `events` (newest first): at most `limit`, starting after the event of transaction
 * `cursor` (the `nextCursor` of the previous page, "" at the end).
 */
export function eventsPage(
  events: readonly {transactionId: string; event: DocumentGroupEvent}[],
  limit: number,
  cursor: string | undefined,
): {events: DocumentGroupEvent[]; nextCursor: string} {
  let start = 0
  if (cursor) {
    start = events.findIndex((entry) => entry.transactionId === cursor) + 1
    if (start === 0) {
      throw new BadRequestError(
        `Unknown \`nextCursor\` "${cursor}": pass the nextCursor of the previous page as it came`,
      )
    }
  }
  const page = events.slice(start, start + limit)
  const more = start + limit < events.length
  return {
    events: page.map((entry) => entry.event),
    nextCursor: more ? page.at(-1)!.transactionId : '',
  }
}
