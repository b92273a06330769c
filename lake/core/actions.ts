/**
 * The Actions API (`data/actions`), which the Studio uses for every non-liveEdit edit. Each action
 * becomes plain mutations on the working set, so listeners and history see ordinary
 * create/createOrReplace/patch/delete entries that reproduce the new state.
 */
import {BadRequestError, ConflictError, itemError, MutationError} from './errors.ts'
import {getPublishedId, invalidIdReason, isDraftId, isPublishedId, isVersionId} from './ids.ts'
import {
  addKeys,
  addKeysToPatch,
  applyPatch,
  checkBudgetOf,
  checkPathsOf,
  documentBody,
  patchOperations,
  walk,
  withCreatedAt,
  type BudgetStep,
  type Walks,
} from './mutations.ts'
import {expandWildcards} from './patchWildcards.ts'
import type {Work} from './patchWork.ts'
import type {WorkingSet} from './transaction.ts'
import type {SanityDocument} from './types.ts'

type Json = Record<string, unknown>
type Handler = (ws: WorkingSet, action: Json, index: number) => void

const PREFIX = 'sanity.action.document.'

const ACTIONS: Record<string, Handler> = {
  [`${PREFIX}create`]: create,
  [`${PREFIX}edit`]: edit,
  [`${PREFIX}publish`]: publish,
  [`${PREFIX}unpublish`]: unpublish,
  [`${PREFIX}discard`]: discard,
  [`${PREFIX}delete`]: remove,
  [`${PREFIX}replaceDraft`]: replaceDraft,
  [`${PREFIX}version.create`]: versionCreate,
  [`${PREFIX}version.discard`]: versionDiscard,
  [`${PREFIX}version.replace`]: versionReplace,
  // @sanity/import sends release documents (`_.releases.<id>`) through this one.
  'sanity.action.release.import': releaseImport,
}

/**
 * Applies the actions of one request in order; any failure throws and nothing is written. With
 * `autoGenerateArrayKeys`, as the Mutations API's option: array objects of the documents and
 * patches the actions carry get a `_key` where they have none.
 */
export function applyActions(
  ws: WorkingSet,
  given: unknown,
  options: {autoGenerateArrayKeys?: boolean} = {},
): void {
  if (!Array.isArray(given) || given.length === 0) {
    throw new BadRequestError('`actions` must be a non-empty array')
  }
  const actions = options.autoGenerateArrayKeys ? given.map(withArrayKeys) : given
  checkEditBudget(ws, actions)
  for (const [index, action] of actions.entries()) {
    if (!isObject(action) || typeof action.actionType !== 'string') {
      throw invalid(index, 'Each action needs an `actionType`')
    }
    // Own keys only: `constructor` found Object (an action that did nothing, answered 200).
    const handler = Object.hasOwn(ACTIONS, action.actionType) ? ACTIONS[action.actionType] : null
    if (!handler) {
      throw invalid(index, `Action type "${action.actionType}" is not supported by this lake`)
    }
    ws.at(index)
    handler(ws, action, index)
  }
}

/** An action with `_key`s added to its `attributes`, `document` and `patch` (addKeys). */
function withArrayKeys(action: unknown): unknown {
  if (!isObject(action)) return action
  const out: Json = {...action}
  if (isObject(out.attributes)) out.attributes = addKeys(out.attributes)
  if (isObject(out.document)) out.document = addKeys(out.document)
  if (isObject(out.patch)) out.patch = addKeysToPatch(out.patch)
  return out
}

/**
 * Refuses, before any action is applied, edits whose patches would walk more than the patch
 * budget (mutations.ts checkBudgetOf): an edit's patch was counted only once applied, too late
 * for its own scans (20,000 keyed unsets of a 100,000-item draft held a write thread to its
 * deadline). An edit patches its draft, or a copy of the published document when there is none.
 */
function checkEditBudget(ws: WorkingSet, actions: unknown[]): void {
  const steps: BudgetStep[] = []
  for (const [index, action] of actions.entries()) {
    if (!isObject(action)) continue
    // A draft or version made by an earlier action (create, replaceDraft, version.create) counts
    // as made.
    const made = isObject(action.document) ? action.document : action.attributes
    if (isObject(made)) {
      const id =
        made._id ??
        (typeof action.publishedId === 'string' ? `drafts.${action.publishedId}` : undefined)
      // At least as large as what was there: a create with ifExists 'ignore' leaves it.
      if (typeof id === 'string') steps.push({index, created: {id, doc: made, ifNotExists: true}})
      continue
    }
    if (action.actionType !== `${PREFIX}edit` || !isObject(action.patch)) continue
    const {publishedId, draftId} = action
    if (typeof publishedId !== 'string' || typeof draftId !== 'string') continue
    if (invalidIdReason(publishedId) !== null || invalidIdReason(draftId) !== null) continue
    steps.push({index, patched: {ids: [draftId], patch: action.patch, from: publishedId}})
  }
  checkPathsOf(ws, steps, checkBudgetOf(ws, steps, 'actionError'), 'actionError')
}

/** The documents a request's actions name, as mutationWalks gives them for mutations. */
export function actionWalks(actions: unknown): Walks {
  const walks: Walks = new Map()
  for (const [index, action] of (Array.isArray(actions) ? actions : []).entries()) {
    if (!isObject(action)) continue
    // An edit's patch walks its draft, or the published document its draft starts from.
    const ops = isObject(action.patch) ? patchOperations(action.patch) : 0
    const ids = ['publishedId', 'draftId', 'versionId', 'baseId'].map((field) => action[field])
    walk(walks, ids, ops, action, index)
  }
  return walks
}

function create(ws: WorkingSet, action: Json, index: number) {
  const doc = draftOf(action, index)
  // As hosted Sanity documents it: a draft of a published document is made by `edit`.
  const publishedId = getPublishedId(doc._id)
  if (ws.peek(publishedId)) {
    throw conflict(
      index,
      'documentAlreadyExistsError',
      `Cannot create "${doc._id}": "${publishedId}" is already published (edit it to make its draft)`,
    )
  }
  if (ws.get(doc._id)) {
    if (action.ifExists === 'ignore') return
    throw conflict(index, 'documentAlreadyExistsError', `Document "${doc._id}" already exists`)
  }
  ws.write(doc._id, doc, {create: withCreatedAt(doc, ws)})
}

function edit(ws: WorkingSet, action: Json, index: number) {
  const publishedId = publishedIdOf(action, index)
  const draftId = variantIdOf(action, 'draftId', publishedId, index)
  if (!isObject(action.patch)) throw invalid(index, '`patch` must be an object')
  // Not a copy: applyPatch leaves it as it is (a copy per edit walked the whole draft each time).
  let draft = ws.peek(draftId)
  if (!draft) {
    // The Studio edits a published-only document by sending `edit`: the draft starts as its copy.
    const published = mustGet(
      ws,
      publishedId,
      index,
      `Cannot edit "${publishedId}": it does not exist`,
    )
    const copy = copyAs(published, draftId)
    ws.write(draftId, copy, {create: withCreatedAt(copy, ws)})
    draft = ws.peek(draftId)!
  }
  // Written out on this draft (patchWildcards.ts), as applied and as logged.
  const spend = (work: Work) => ws.spend(draftId, work)
  const patch = {...expandWildcards(draft, action.patch, {index, spend}), id: draftId}
  ws.write(draftId, applyPatch(draft, patch, index, spend), {patch})
}

function publish(ws: WorkingSet, action: Json, index: number) {
  const publishedId = publishedIdOf(action, index)
  const draftId = variantIdOf(action, 'draftId', publishedId, index)
  const draft = mustGet(ws, draftId, index, `Cannot publish: "${draftId}" does not exist`)
  const published = ws.get(publishedId)
  checkRevision(index, draft, action.ifDraftRevisionId, draftId)
  checkRevision(index, published, action.ifPublishedRevisionId, publishedId)
  const next = strengthenOnPublish(copyAs(draft, publishedId)) as SanityDocument
  if (published?._createdAt) next._createdAt = published._createdAt
  ws.write(publishedId, next, {createOrReplace: withCreatedAt(next, ws)})
  ws.write(draftId, null, {delete: {id: draftId}})
}

/**
 * References the Studio made to a document created inline carry `_strengthenOnPublish` and
 * `_weak: true` in the draft; publishing makes them strong (unless the schema keeps them weak), as
 * hosted Sanity does, so the referenced document cannot be deleted under the published one. The
 * same rule as the Studio's own publish operation before the Actions API.
 */
function strengthenOnPublish(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strengthenOnPublish)
  if (!isObject(value)) return value
  if (typeof value._ref === 'string' && isObject(value._strengthenOnPublish)) {
    const {_strengthenOnPublish: strengthen, _weak, ...reference} = value
    return strengthen.weak === true ? {...reference, _weak} : reference
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [key, strengthenOnPublish(child)]),
  )
}

function unpublish(ws: WorkingSet, action: Json, index: number) {
  const publishedId = publishedIdOf(action, index)
  const draftId = variantIdOf(action, 'draftId', publishedId, index)
  const published = mustGet(
    ws,
    publishedId,
    index,
    `Cannot unpublish: "${publishedId}" is not published`,
  )
  if (!ws.get(draftId)) {
    const copy = copyAs(published, draftId)
    ws.write(draftId, copy, {create: withCreatedAt(copy, ws)})
  }
  ws.write(publishedId, null, {delete: {id: publishedId}})
}

function discard(ws: WorkingSet, action: Json, index: number) {
  refusePurge(action, index)
  const draftId = idOf(action, 'draftId', index)
  if (isPublishedId(draftId)) throw invalid(index, '`draftId` must be a drafts. or versions. id')
  deleteExisting(ws, draftId, index)
}

function remove(ws: WorkingSet, action: Json, index: number) {
  refusePurge(action, index)
  const publishedId = publishedIdOf(action, index)
  const drafts = action.includeDrafts ?? []
  if (!Array.isArray(drafts)) throw invalid(index, '`includeDrafts` must be an array of ids')
  const ids = [publishedId]
  for (const id of drafts) {
    checkVariant(id, publishedId, index)
    ids.push(id)
  }
  // As hosted Sanity documents it ("if any draft version exists that is not specified for
  // deletion this is an error"): a draft left out would be left without its document. Whether
  // that covers release versions is not documented; they are not checked.
  const draftId = `drafts.${publishedId}`
  if (!ids.includes(draftId) && ws.peek(draftId)) {
    throw conflict(
      index,
      'documentHasDraftError',
      `Cannot delete "${publishedId}": its draft "${draftId}" exists and is not in includeDrafts`,
    )
  }
  const existing = ids.filter((id) => ws.get(id))
  if (existing.length === 0) {
    throw conflict(
      index,
      'documentNotFoundError',
      `Cannot delete "${publishedId}": it does not exist`,
    )
  }
  for (const id of existing) ws.write(id, null, {delete: {id}})
}

function replaceDraft(ws: WorkingSet, action: Json, index: number) {
  const doc = draftOf(action, index)
  const existing = ws.get(doc._id)
  // As hosted Sanity documents it: it replaces a draft; a document in no form is made by `create`.
  const publishedId = getPublishedId(doc._id)
  if (!existing && !ws.peek(publishedId)) {
    throw conflict(
      index,
      'documentNotFoundError',
      `Cannot replace the draft of "${publishedId}": neither it nor its draft exists (create it)`,
    )
  }
  ws.write(doc._id, doc, {createOrReplace: withCreatedAt(doc, ws, existing)})
}

function versionCreate(ws: WorkingSet, action: Json, index: number) {
  const publishedId = publishedIdOf(action, index)
  let doc: SanityDocument & {_id: string}
  if (isObject(action.document)) {
    doc = documentBody(action.document, index, true)
  } else {
    const baseId = idOf(action, 'baseId', index)
    const versionId = idOf(action, 'versionId', index)
    const base = mustGet(ws, baseId, index, `Base document "${baseId}" does not exist`)
    checkRevision(index, base, action.ifBaseRevisionId, baseId)
    doc = copyAs(base, versionId) as SanityDocument & {_id: string}
  }
  checkVariant(doc._id, publishedId, index)
  if (ws.get(doc._id)) {
    throw conflict(index, 'documentAlreadyExistsError', `Document "${doc._id}" already exists`)
  }
  ws.write(doc._id, doc, {create: withCreatedAt(doc, ws)})
}

function versionDiscard(ws: WorkingSet, action: Json, index: number) {
  refusePurge(action, index)
  const versionId = idOf(action, 'versionId', index)
  // The Studio sends a drafts. id here when deleting a draft-only document.
  if (isPublishedId(versionId))
    throw invalid(index, '`versionId` must be a drafts. or versions. id')
  deleteExisting(ws, versionId, index)
}

function versionReplace(ws: WorkingSet, action: Json, index: number) {
  const doc = documentBody(action.document, index, true)
  if (isPublishedId(doc._id))
    throw invalid(index, '`document._id` must be a drafts. or versions. id')
  const existing = mustGet(ws, doc._id, index, `Cannot replace "${doc._id}": it does not exist`)
  ws.write(doc._id, doc, {createOrReplace: withCreatedAt(doc, ws, existing)})
}

function releaseImport(ws: WorkingSet, action: Json, index: number) {
  if (typeof action.releaseId !== 'string' || !/^[a-zA-Z0-9_-]+$/.test(action.releaseId)) {
    throw invalid(index, '`releaseId` must be a release name')
  }
  const id = `_.releases.${action.releaseId}`
  const attributes = isObject(action.attributes) ? action.attributes : {}
  const doc = documentBody({...attributes, _id: id}, index, true)
  const existing = ws.get(id)
  if (existing) {
    if (action.ifExists === 'ignore') return
    if (action.ifExists !== 'replace') {
      throw conflict(index, 'documentAlreadyExistsError', `Release "${id}" already exists`)
    }
  }
  ws.write(id, doc, {createOrReplace: withCreatedAt(doc, ws, existing)})
}

/** The `attributes` of create/replaceDraft: a draft or version of `publishedId` (drafts. by default). */
function draftOf(action: Json, index: number): SanityDocument & {_id: string} {
  const publishedId = publishedIdOf(action, index)
  const attributes = isObject(action.attributes) ? action.attributes : {}
  const doc = documentBody(
    {...attributes, _id: attributes._id ?? `drafts.${publishedId}`},
    index,
    true,
  )
  checkVariant(doc._id, publishedId, index)
  return doc
}

/**
 * `purge: true` asks hosted Sanity to delete the document's history with it. The lake keeps every
 * document's history (its log is what history, listeners' catch-up and the Studio's timelines
 * read), so it refuses rather than answer as if it had purged; `purge: false` is the default.
 */
function refusePurge(action: Json, index: number) {
  if (action.purge === undefined || action.purge === false) return
  throw invalid(
    index,
    "`purge` is not offered: this lake keeps every document's history. Send the action without " +
      'it (or with purge: false) to delete the document and keep its history',
  )
}

function deleteExisting(ws: WorkingSet, id: string, index: number) {
  mustGet(ws, id, index, `Document "${id}" does not exist`)
  ws.write(id, null, {delete: {id}})
}

/** The document `id`, or a documentNotFoundError saying `description`. */
function mustGet(ws: WorkingSet, id: string, index: number, description: string): SanityDocument {
  const doc = ws.get(id)
  if (!doc) throw conflict(index, 'documentNotFoundError', description)
  return doc
}

/** A document copied to another id of its group, without the fields the server assigns. */
function copyAs(doc: SanityDocument, id: string): SanityDocument {
  const {_rev, _updatedAt, ...rest} = doc
  void _rev
  void _updatedAt
  return {...rest, _id: id}
}

/** Throws revisionMismatchError unless `doc` has the revision the action names (if it names one). */
function checkRevision(index: number, doc: SanityDocument | null, expected: unknown, id: string) {
  if (expected === undefined || expected === null) return
  // Another type can match no revision: a 400 saying so, not a 409 'expected "[object Object]"'.
  if (typeof expected !== 'string') {
    throw invalid(
      index,
      `A revision guard on "${id}" must be the revision (\`_rev\`) string it expects, not ${Array.isArray(expected) ? 'an array' : `a ${typeof expected}`}`,
    )
  }
  if (doc?._rev === expected) return
  throw conflict(
    index,
    'revisionMismatchError',
    doc
      ? `Document "${id}" has revision "${doc._rev}", expected "${String(expected)}"`
      : `Document "${id}" does not exist, expected revision "${String(expected)}"`,
  )
}

function idOf(action: Json, field: string, index: number): string {
  const id = action[field]
  const reason = invalidIdReason(id)
  if (reason) throw invalid(index, `Malformed \`${field}\`: "${String(id)}" (${reason})`)
  return id as string
}

function publishedIdOf(action: Json, index: number): string {
  const id = idOf(action, 'publishedId', index)
  if (!isPublishedId(id))
    throw invalid(index, '`publishedId` must not be a drafts. or versions. id')
  return id
}

function variantIdOf(action: Json, field: string, publishedId: string, index: number): string {
  const id = idOf(action, field, index)
  checkVariant(id, publishedId, index)
  return id
}

/** A drafts./versions. id must belong to the document group of `publishedId`. */
function checkVariant(id: unknown, publishedId: string, index: number) {
  const reason = invalidIdReason(id)
  if (reason) throw invalid(index, `Malformed document ID: "${String(id)}" (${reason})`)
  const ok =
    (isDraftId(id as string) || isVersionId(id as string)) &&
    getPublishedId(id as string) === publishedId
  if (!ok) throw invalid(index, `"${String(id)}" is not a draft or version of "${publishedId}"`)
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function invalid(index: number, description: string): MutationError {
  return new MutationError(
    `The action(s) failed: ${description}`,
    [itemError('validationError', description, {index})],
    'actionError',
  )
}

function conflict(index: number, type: string, description: string): ConflictError {
  return new ConflictError(
    `The action(s) failed: ${description}`,
    [itemError(type, description, {index})],
    'actionError',
  )
}
