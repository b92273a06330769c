/**
 * The mutate API's mutations (create, createOrReplace, createIfNotExists, delete, patch) applied
 * to a working set. Patch operations use @sanity/mutator, the Studio's own implementation, so the
 * server and the Studio agree on every edge case.
 */
import {defineField} from './documentPaths.ts'
import {ConflictError, itemError, MutationError, type ErrorItem} from './errors.ts'
import {invalidIdReason, randomId} from './ids.ts'
import {applyOperations, mutatorFailure} from './patchApply.ts'
import {patchPathProblem, pathSegments} from './patchPaths.ts'
import {expandWildcards} from './patchWildcards.ts'
import {hunks, patchWork, type Work} from './patchWork.ts'
import {
  checkDocumentDepth,
  checkPatchedBytes,
  checkPatchWork,
  checkPatchPaths,
  checkWriteDepth,
  LIMITS,
  rememberPlain,
  WRITE_DEPTH,
  type ErrorType,
} from './limits.ts'
import type {WorkingSet} from './transaction.ts'
import type {SanityDocument} from './types.ts'

export type Operation = 'create' | 'update' | 'delete' | 'none'

export interface MutationResult {
  id: string
  operation: Operation
}

export interface MutateOptions {
  /** Give array items that are objects without `_key` a random one. */
  autoGenerateArrayKeys?: boolean
  /**
   * The [_id, _rev] each `patch`/`delete` by query matched, by the mutation's index
   * (matchQueries): the queries run before the transaction, so none runs while it holds the write
   * lock; each `_rev` is checked as an ifRevisionID when the transaction starts.
   */
  matched?: ReadonlyMap<number, readonly (readonly [string, string])[]>
  /**
   * Asked before each mutation, by index: a promise to wait for before it (a bulk request built in
   * place lets the event loop answer others between slices of it), or null.
   */
  pace?: (index: number) => Promise<void> | null
}

/** Runs a mutation's query (its [_id, _rev] pairs, as the caller sees the committed documents). */
export type QueryMatcher = (
  query: string,
  params: Record<string, unknown>,
) => Promise<[string, string][]>

/**
 * A document a mutation's query matched changed before the transaction began: the match may no
 * longer hold. The caller matches again (a 409 once it gives up).
 */
export class StaleMatchError extends ConflictError {
  override name = 'StaleMatchError'
}

/**
 * The ids every `patch`/`delete` by query matches, by mutation index, for applyMutations' `matched`.
 * Each query runs over the committed documents, before the transaction: it does not see the
 * transaction's own earlier mutations (docs/query-engine.md#mutations-by-query).
 */
export async function matchQueries(
  mutations: unknown,
  match: QueryMatcher,
): Promise<Map<number, [string, string][]>> {
  return matchEach(mutationQueries(mutations), match)
}

/** A `patch` or `delete` by query: its mutation's index, the query and its parameters. */
export interface MutationQuery {
  index: number
  query: string
  params: Record<string, unknown>
}

/**
 * The queries of the mutations' `patch`/`delete` by query. A malformed mutation anywhere is its
 * 400 at once, before any query is spent on the others.
 */
export function mutationQueries(mutations: unknown): MutationQuery[] {
  const queries: MutationQuery[] = []
  for (const [index, mutation] of checkShapes(mutations).entries()) {
    const body = mutation.patch ?? mutation.delete
    if (!isObject(body) || typeof body.query !== 'string') continue
    queries.push({index, query: body.query, params: isObject(body.params) ? body.params : {}})
  }
  return queries
}

/** matchQueries over queries already read (mutationQueries, where the request was read). */
export async function matchEach(
  queries: readonly MutationQuery[],
  match: QueryMatcher,
): Promise<Map<number, [string, string][]>> {
  const matched = new Map<number, [string, string][]>()
  for (const {index, query, params} of queries) matched.set(index, await match(query, params))
  return matched
}

type Json = Record<string, unknown>
/** A patch's body: its operations (`set`, `unset`, …) and `id`. */
export type PatchBody = Json

const PATCH_OPS = [
  'set',
  'setIfMissing',
  'unset',
  'inc',
  'dec',
  'insert',
  'diffMatchPatch',
] as const
const PATCH_KEYS = new Set<string>([...PATCH_OPS, 'id', 'query', 'params', 'ifRevisionID'])

const APPLY: {
  [K in 'create' | 'createOrReplace' | 'createIfNotExists' | 'delete' | 'patch']: (
    ws: WorkingSet,
    body: unknown,
    index: number,
    options: MutateOptions,
  ) => MutationResult[] | Promise<MutationResult[]>
} = {create, createOrReplace, createIfNotExists, delete: remove, patch}

/**
 * The mutation list, each checked for its shape before any document is read or query run. A
 * single mutation object is accepted as a list of one, as the HTTP API does.
 */
function checkShapes(mutations: unknown): Json[] {
  if (isObject(mutations)) mutations = [mutations]
  if (!Array.isArray(mutations)) {
    throw fail(-1, 'validationError', '`mutations` must be an array')
  }
  for (const [index, mutation] of mutations.entries()) {
    if (!isObject(mutation) || Object.keys(mutation).length !== 1) {
      throw fail(
        index,
        'validationError',
        'A mutation must be an object with exactly one operation',
      )
    }
    const [kind, body] = Object.entries(mutation)[0]
    // Own keys only: `in` finds Object.prototype's members too (`toString` committed nothing, 200).
    if (!Object.hasOwn(APPLY, kind)) {
      throw fail(index, 'validationError', `Unknown mutation type "${kind}"`)
    }
    if (!isObject(body)) {
      const what = kind === 'patch' || kind === 'delete' ? `\`${kind}\`` : 'Document'
      throw fail(index, 'validationError', `${what} must be an object`)
    }
    if (kind === 'patch') {
      for (const key of Object.keys(body)) {
        if (!PATCH_KEYS.has(key))
          throw fail(index, 'validationError', `Unknown patch operation "${key}"`)
      }
    }
    if (kind === 'patch' || kind === 'delete') checkTarget(kind, body, index)
  }
  return mutations as Json[]
}

/**
 * A patch or delete names its documents by `id` (a delete also by `ids`) or by a `query` string
 * with its `params`. Without this, a query that was no string was taken for a missing id
 * ("Malformed document ID: \"undefined\"") and `params` that were no object were dropped.
 */
function checkTarget(kind: 'patch' | 'delete', body: Json, index: number): void {
  const refuse = (what: string) => {
    throw fail(index, 'validationError', `Invalid \`${kind}\`: ${what}`)
  }
  const ids = kind === 'delete' ? '`id` (or `ids`)' : '`id`'
  if (body.query !== undefined) {
    if (typeof body.query !== 'string') {
      refuse(`\`query\` must be a GROQ query string, not ${typeName(body.query)}`)
    }
    if (body.params !== undefined && !isObject(body.params)) {
      refuse(`\`params\` must be an object of the query's parameters, not ${typeName(body.params)}`)
    }
  } else if (body.id === undefined && (kind === 'patch' || body.ids === undefined)) {
    refuse(`give the document's ${ids}, or a \`query\` matching the documents`)
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/** Applies mutations in order; any failure throws and the caller writes nothing. */
export async function applyMutations(
  ws: WorkingSet,
  mutations: unknown,
  options: MutateOptions = {},
): Promise<MutationResult[]> {
  const list = checkShapes(mutations)
  const budget = checkPatchBudget(ws, list, options.matched)
  ws.prefetch(namedIds(list))
  checkPathsOf(ws, budget.steps, budget.bytes)
  if (options.matched) checkMatches(ws, options.matched)
  const results: MutationResult[] = []
  for (const [index, mutation] of list.entries()) {
    const pause = options.pace?.(index)
    if (pause) await pause
    const [kind, body] = Object.entries(mutation)[0]
    ws.at(index)
    results.push(...(await APPLY[kind as keyof typeof APPLY](ws, body, index, options)))
  }
  return results
}

function matchedIds(options: MutateOptions, index: number): string[] {
  const matches = options.matched?.get(index)
  // A programming error (the caller skipped matchQueries), not the client's.
  if (!matches) {
    throw new Error(`The query of mutation ${index} was not matched before the transaction`)
  }
  return matches.map(([id]) => id)
}

/**
 * Before any mutation applies (so the working set still shows the committed documents): every
 * document a query matched still has the revision it had when it matched, or is gone (skipped
 * then). A changed one may no longer match: its guard (`locked != true`) must not be defeated.
 */
function checkMatches(ws: WorkingSet, matched: NonNullable<MutateOptions['matched']>): void {
  const all = [...matched.values()].flat()
  ws.prefetch(all.map(([id]) => id))
  for (const [index, matches] of matched) {
    for (const [id, rev] of matches) {
      const current = ws.peek(id)
      if (!current || current._rev === rev) continue
      const description = `Document "${id}" changed while the query of mutation ${index} was matched (revision "${current._rev}", matched "${rev}"): send the request again`
      throw new StaleMatchError(description, [
        itemError('revisionMismatchError', description, {index, id}),
      ])
    }
  }
}

/**
 * Refuses, before any document is read, a request whose patches would read more than
 * LIMITS.patchedBytesPerTransaction of stored documents, each document it names by id or its
 * query matched counted once (what each patch's paths do to it is counted on the document in
 * hand, before they apply: patchWork.ts). A document counts as large as the request may have
 * made it by then: what a create made it, and what each patch of it adds (patchGrowth), its own
 * included (a patch sets before it unsets).
 */
function checkPatchBudget(
  ws: WorkingSet,
  mutations: unknown[],
  matched: MutateOptions['matched'],
): {steps: BudgetStep[]; bytes: number} {
  const steps: BudgetStep[] = []
  for (const [index, mutation] of mutations.entries()) {
    if (!isObject(mutation)) continue
    const created = mutation.create ?? mutation.createOrReplace ?? mutation.createIfNotExists
    if (isObject(created) && typeof created._id === 'string') {
      const ifNotExists = 'createIfNotExists' in mutation
      steps.push({index, created: {id: created._id, doc: created, ifNotExists}})
      continue
    }
    const patch = isObject(mutation.patch) ? mutation.patch : undefined
    if (!patch) continue
    // The documents it names: its id, or what its query matched (matchQueries, before the
    // transaction): a patch by query was counted only once applied, too late for its own scans.
    const ids =
      patch.query !== undefined
        ? (matched?.get(index) ?? []).map(([id]) => id)
        : typeof patch.id === 'string' && invalidIdReason(patch.id) === null
          ? [patch.id]
          : []
    steps.push({index, patched: {ids, patch}})
  }
  return {steps, bytes: checkBudgetOf(ws, steps)}
}

/**
 * A step of a request as the patch budget weighs it (checkBudgetOf): a document it creates (or
 * replaces), or a patch of the documents `ids`; `from`: the document a missing one starts as (an
 * edit action's draft starts as a copy of the published document).
 */
export interface BudgetStep {
  index: number
  created?: {id: string; doc: Json; ifNotExists: boolean}
  patched?: {ids: string[]; patch: Json; from?: string}
}

/**
 * Refuses steps whose patches would read more than LIMITS.patchedBytesPerTransaction of
 * documents, before any is applied: each document once, as large as the steps may make it (what
 * a create made it, and what each patch adds: patchGrowth, the patch's own included).
 */
export function checkBudgetOf(
  ws: WorkingSet,
  steps: readonly BudgetStep[],
  errorType: ErrorType = 'mutationError',
): number {
  checkPathSegments(steps, errorType)
  const patched = new Set(steps.flatMap((step) => step.patched?.ids ?? []))
  if (patched.size === 0) return 0
  // Per id: its size before the request's patches (stored, or as a create made it) and their growth.
  const sizes = new Map<string, {base: number; grow: (patch: Json) => number}>()
  const sizeOf = (id: string, from?: string) => {
    let size = sizes.get(id)
    if (!size) {
      const stored = ws.storedBytes(id) || (from === undefined ? 0 : ws.storedBytes(from))
      sizes.set(id, (size = {base: stored, grow: patchGrowth()}))
    }
    return size
  }
  let bytes = 0
  // Each document once, at its largest: a patch's paths are counted on it before they apply.
  const counted = new Map<string, number>()
  for (const {index, created, patched: step} of steps) {
    if (created && patched.has(created.id)) {
      // Bounded first: JSON.stringify recurses, and where a body was read on a write thread
      // nothing had walked the document yet (100,000 levels overflowed the stack, a 500).
      checkWriteDepth(created.doc, index, errorType, created.id)
      const length = JSON.stringify(created.doc).length
      // createIfNotExists may leave a larger document in place, grown so far.
      const {base, grow} = sizeOf(created.id)
      const kept = created.ifNotExists ? base + grow({}) : 0
      sizes.set(created.id, {base: Math.max(kept, length), grow: patchGrowth()})
      // Written whole again: its next patch counts it again (as the working set does).
      if (!created.ifNotExists) counted.delete(created.id)
    }
    for (const id of step?.ids ?? []) {
      const {base, grow} = sizeOf(id, step!.from)
      const size = base + grow(step!.patch)
      bytes += Math.max(0, size - (counted.get(id) ?? 0))
      counted.set(id, Math.max(size, counted.get(id) ?? 0))
      checkPatchedBytes(bytes, id, size, index, errorType)
    }
  }
  return bytes
}

/**
 * Refuses steps whose patches' paths would do more than the patch budget on their documents as
 * stored or created in the request (patchWork.ts), `bytes` (checkBudgetOf's count) included,
 * before any applies: 200 keyed sets of an 87,000-item draft applied 30 (2 s) before the working
 * set's count, which sees each document as the request has made it, refused the next.
 */
export function checkPathsOf(
  ws: WorkingSet,
  steps: readonly BudgetStep[],
  bytes: number,
  errorType: ErrorType = 'mutationError',
): void {
  const patched = new Set(steps.flatMap((step) => step.patched?.ids ?? []))
  const docs = new Map<string, unknown>()
  let work = bytes
  for (const {index, created, patched: step} of steps) {
    if (created && patched.has(created.id)) {
      if (!created.ifNotExists || !ws.peek(created.id)) docs.set(created.id, created.doc)
    }
    for (const id of step?.ids ?? []) {
      const doc = docs.get(id) ?? ws.peek(id) ?? (step!.from ? ws.peek(step!.from) : null)
      if (!doc) continue
      const spend = (done: Work) => {
        work += done.bytes
        checkPatchWork(work, id, done.what, index, errorType)
      }
      // Writing out a [*] after other operations applies them first: that work counts too.
      patchWork(doc, expandWildcards(doc, step!.patch, {index, spend}), spend)
    }
  }
}

/**
 * The documents a request's mutations name (or their queries matched), each with the operations
 * of the patches on it and the mutations naming it: what writesWork weighs (core/writes.ts).
 * Malformed mutations name nothing (they fail at once).
 */
export function mutationWalks(mutations: unknown, matched?: MutateOptions['matched']): Walks {
  const list = isObject(mutations) ? [mutations] : Array.isArray(mutations) ? mutations : []
  const walks: Walks = new Map()
  for (const [index, mutation] of list.entries()) {
    if (!isObject(mutation)) continue
    for (const [kind, body] of Object.entries(mutation)) {
      if (!isObject(body)) continue
      const ops = kind === 'patch' ? patchOperations(body) : 0
      const ids =
        typeof body.query === 'string'
          ? (matched?.get(index) ?? []).map(([id]) => id)
          : kind === 'patch' || kind === 'delete'
            ? [body.id ?? body.ids].flat()
            : [body._id]
      // A created document is walked first where it is written; the rest was by checkWriteBody.
      walk(walks, ids, ops, body, index, kind.startsWith('create'))
    }
  }
  return walks
}

/**
 * Per document a request names: the patch operations on it, and the mutations naming it (each
 * with its place in the request, and whether its depth is yet unchecked).
 */
export type Walks = Map<string, {ops: number; bodies: WalkedBody[]}>

interface WalkedBody {
  body: Json
  index: number
  /** A created document: checkWriteBody left its depth to the write (a bulk load's walk). */
  unchecked: boolean
}

/**
 * Notes that `body` (a mutation or an action, the request's `index`th) names `ids`, with `ops`
 * patch operations.
 */
export function walk(
  walks: Walks,
  ids: unknown[],
  ops: number,
  body: Json,
  index: number,
  unchecked = false,
): void {
  for (const id of ids) {
    if (typeof id !== 'string') continue
    const seen = walks.get(id)
    if (seen) {
      seen.ops += ops
      seen.bodies.push({body, index, unchecked})
    } else walks.set(id, {ops, bodies: [{body, index, unchecked}]})
  }
}

/**
 * The bytes the walks take, an upper bound of a request's work: each document read once at its
 * stored size, and once per patch operation (a keyed or indexed path scans and copies its array,
 * a diffMatchPatch hunk its string) at that size plus all the request sends for it (a draft the
 * request creates has no stored size, and 200 keyed paths over its 20,000 items held the event
 * loop 8 s). Weighed only for requests within IN_PLACE_WRITE_BYTES, and only for
 * documents patched, so the JSON measured is at most a MiB.
 */
export function walkedBytes(
  walks: Walks,
  storedBytes: (ids: readonly string[]) => readonly number[],
  errorType: ErrorType = 'mutationError',
): number {
  const ids = [...walks.keys()]
  const sizes = storedBytes(ids)
  const lengths = new Map<Json, number>()
  const length = (id: string, {body, index, unchecked}: WalkedBody) => {
    let bytes = lengths.get(body)
    if (bytes === undefined) {
      // JSON.stringify recurses: a body nested 100,000 deep overflowed the stack here (a 500).
      if (unchecked) checkWriteDepth(body, index, errorType, id)
      lengths.set(body, (bytes = JSON.stringify(body).length))
    }
    return bytes
  }
  return ids.reduce((work, id, i) => {
    const {ops, bodies} = walks.get(id)!
    if (ops === 0) return work + sizes[i]
    const carried = bodies.reduce((bytes, body) => bytes + length(id, body), 0)
    return work + sizes[i] + ops * (sizes[i] + carried)
  }, 0)
}

/**
 * The operations of one patch (`set`'s and `unset`'s paths, diffMatchPatch's hunks, …): each may
 * walk the whole document it patches.
 */
export function patchOperations(patch: Json): number {
  let ops = 0
  for (const op of PATCH_OPS) {
    const value = patch[op]
    if (op === 'insert') ops += value === undefined ? 0 : 1
    else if (Array.isArray(value)) ops += value.length
    else if (isObject(value)) {
      for (const text of Object.values(value)) {
        // A hunk starts with "@@ -": each searches and copies the string it patches.
        ops += op === 'diffMatchPatch' && typeof text === 'string' ? hunks(text) : 1
      }
    }
  }
  return ops
}

/**
 * What a request's patches may have added to one document so far, at most (JSON characters):
 * `add` takes the next patch and gives the total, its own included. A set (or setIfMissing) of a
 * path counts its value, and replaces what an earlier one of the same path counted (a script
 * setting one field again and again grows nothing); an insert or a diffMatchPatch adds its text.
 * A path that sets at many places (`items[*].t`) adds more, which this does not count.
 */
export function patchGrowth(): (patch: Json) => number {
  const bySet = new Map<string, number>()
  let sets = 0
  let added = 0
  return (patch) => {
    for (const op of ['setIfMissing', 'set'] as const) {
      const values = patch[op]
      if (!isObject(values)) continue
      for (const [path, value] of Object.entries(values)) {
        const length = path.length + (JSON.stringify(value)?.length ?? 0)
        sets += length - (bySet.get(path) ?? 0)
        bySet.set(path, length)
      }
    }
    if (patch.insert !== undefined) added += JSON.stringify(patch.insert)?.length ?? 0
    if (patch.diffMatchPatch !== undefined) added += JSON.stringify(patch.diffMatchPatch).length
    return sets + added
  }
}

/** The document ids mutations name literally (not by query); anything malformed is left out. */
function namedIds(mutations: unknown[]): string[] {
  const ids: string[] = []
  for (const mutation of mutations) {
    if (!isObject(mutation)) continue
    for (const [kind, body] of Object.entries(mutation)) {
      if (!isObject(body)) continue
      const named = kind === 'patch' || kind === 'delete' ? (body.id ?? body.ids) : body._id
      for (const id of Array.isArray(named) ? named : [named]) {
        if (typeof id === 'string' && invalidIdReason(id) === null) ids.push(id)
      }
    }
  }
  return ids
}

function create(ws: WorkingSet, body: unknown, index: number, options: MutateOptions) {
  const doc = documentBody(body, index, false, options)
  if (doc._id.endsWith('.')) doc._id += randomId()
  else if (!doc._id) doc._id = randomId()
  checkId(doc._id, index)
  if (ws.peek(doc._id)) {
    throw new ConflictError(`Document by ID "${doc._id}" already exists`, [
      itemError('documentAlreadyExistsError', `Document by ID "${doc._id}" already exists`, {
        index,
        id: doc._id,
      }),
    ])
  }
  ws.write(doc._id, doc, {create: withCreatedAt(doc, ws)})
  return [{id: doc._id, operation: 'create' as const}]
}

function createOrReplace(ws: WorkingSet, body: unknown, index: number, options: MutateOptions) {
  const doc = documentBody(body, index, true, options)
  const existing = ws.peek(doc._id)
  ws.write(doc._id, doc, {createOrReplace: withCreatedAt(doc, ws, existing)})
  return [{id: doc._id, operation: existing ? ('update' as const) : ('create' as const)}]
}

function createIfNotExists(ws: WorkingSet, body: unknown, index: number, options: MutateOptions) {
  const doc = documentBody(body, index, true, options)
  if (ws.peek(doc._id)) return [{id: doc._id, operation: 'none' as const}]
  ws.write(doc._id, doc, {createIfNotExists: withCreatedAt(doc, ws)})
  return [{id: doc._id, operation: 'create' as const}]
}

function remove(ws: WorkingSet, body: unknown, index: number, options: MutateOptions) {
  if (!isObject(body)) throw fail(index, 'validationError', '`delete` must be an object')
  let ids: string[]
  if (typeof body.query === 'string') {
    ids = matchedIds(options, index)
  } else {
    const raw = body.id ?? body.ids
    ids = Array.isArray(raw) ? raw : [raw as string]
    for (const id of ids) checkId(id, index)
  }
  const results: MutationResult[] = []
  const byQuery = typeof body.query === 'string'
  for (const id of ids) {
    if (ws.peek(id)) ws.write(id, null, {delete: {id}})
    // Matched before the transaction and deleted since: no longer a match.
    else if (byQuery) continue
    results.push({id, operation: 'delete'})
  }
  return results
}

function patch(ws: WorkingSet, body: unknown, index: number, options: MutateOptions) {
  if (!isObject(body)) throw fail(index, 'validationError', '`patch` must be an object')
  let ids: string[]
  const byQuery = typeof body.query === 'string'
  if (byQuery) {
    ids = matchedIds(options, index)
  } else {
    checkId(body.id, index)
    ids = [body.id as string]
  }
  const {query, params, ...rest} = body
  void query
  void params
  const ops = options.autoGenerateArrayKeys ? addKeysToPatch(rest) : rest
  const results: MutationResult[] = []
  for (const id of ids) {
    // applyPatch leaves the document as it is (the mutator copies on write).
    const current = ws.peek(id)
    // Matched before the transaction and deleted since (or earlier in it): no longer a match.
    if (!current && byQuery) continue
    if (!current) {
      throw new ConflictError(`Cannot modify document "${id}": it does not exist`, [
        itemError('documentNotFoundError', `Document "${id}" not found`, {index, id}),
      ])
    }
    // Written out on this document (patchWildcards.ts), as applied and as logged.
    const spend = (work: Work) => ws.spend(id, work)
    const wire = {...expandWildcards(current, ops, {index, spend}), id}
    ws.write(id, applyPatch(current, wire, index, spend), {patch: wire})
    results.push({id, operation: 'update'})
  }
  return results
}

/**
 * Applies one patch object (`{id, set, unset, …, ifRevisionID?}`) to a document with the Studio's
 * own patch semantics. Throws ConflictError on a revision mismatch. `spend` is given the work its
 * operations will do (patchWork.ts) before any applies, and throws to refuse it.
 */
export function applyPatch(
  doc: Readonly<SanityDocument>,
  patch: Json,
  index = 0,
  spend?: (work: Work) => void,
): SanityDocument {
  // Any other type was once ignored, and the patch applied over whatever revision was there.
  if (patch.ifRevisionID != null && typeof patch.ifRevisionID !== 'string') {
    throw fail(
      index,
      'validationError',
      `Invalid patch for "${doc._id}": \`ifRevisionID\` must be the revision (\`_rev\`) string the patch expects, not ${typeName(patch.ifRevisionID)}`,
    )
  }
  if (typeof patch.ifRevisionID === 'string' && patch.ifRevisionID !== doc._rev) {
    const description = `Document "${doc._id}" has unexpected revision ID ("${doc._rev}"), expected "${patch.ifRevisionID}"`
    throw new ConflictError(description, [
      itemError('revisionMismatchError', description, {index, id: doc._id}),
    ])
  }
  const {ifRevisionID, ...given} = patch
  void ifRevisionID
  checkPatchShapes(doc._id, given, index)
  // Before the patch is applied: the mutator copies values recursively. Its own wrapping is not
  // the document's depth: the document it makes is held to the limit where it is written.
  checkDocumentDepth(doc._id, given, index, 'mutationError', false)
  checkPatchPaths(doc._id, given, index)
  checkPathSyntax(doc._id, given, index)
  if (spend) patchWork(doc, given, spend)
  let result: SanityDocument | null
  try {
    result = applyOperations(doc, given)
  } catch (err) {
    throw fail(index, 'patchError', `Invalid patch for "${doc._id}": ${mutatorFailure(err)}`)
  }
  if (!result) throw fail(index, 'patchError', `Patch removed document "${doc._id}"`)
  // As hosted Sanity: `_id` never changes (a changed `_type` is refused where documents are written).
  if (result._id !== doc._id) {
    const description = 'Cannot modify immutable attribute "_id"'
    throw new MutationError(`The mutation(s) failed: ${description}`, [
      itemError('cannotModifyImmutableAttributeError', description, {
        index,
        id: doc._id,
        attribute: '_id',
      }),
    ])
  }
  return result
}

/**
 * Operations of the wrong shape, refused before the mutator: given a string to `inc` it stored
 * the number as a string (1 and "x" made "1x"), given `items` that are no list `insert` stored
 * the value as an item, and an `unset` that is no list of paths failed in its own words.
 */
function checkPatchShapes(id: string, ops: Json, index: number): void {
  const refuse = (what: string) => {
    throw fail(index, 'validationError', `Invalid patch for "${id}": ${what}`)
  }
  for (const op of ['set', 'setIfMissing', 'inc', 'dec', 'diffMatchPatch']) {
    if (ops[op] !== undefined && !isObject(ops[op]))
      refuse(`\`${op}\` must be an object of paths and values`)
  }
  for (const op of ['inc', 'dec']) {
    for (const [path, amount] of Object.entries((ops[op] as Json | undefined) ?? {})) {
      if (typeof amount !== 'number' || !Number.isFinite(amount)) {
        refuse(
          `\`${op}\` of "${path}" must be a number, not ${JSON.stringify(amount) ?? 'undefined'}`,
        )
      }
    }
  }
  const {unset, insert} = ops
  if (
    unset !== undefined &&
    (!Array.isArray(unset) || unset.some((path) => typeof path !== 'string'))
  ) {
    refuse('`unset` must be a list of paths (strings)')
  }
  if (insert !== undefined) {
    const given = isObject(insert) ? insert : {}
    const positions = INSERT_POSITIONS.filter((position) => given[position] !== undefined)
    if (!Array.isArray(given.items) || positions.length !== 1) {
      refuse('`insert` must have a list of `items` and one of `before`, `after` or `replace`')
    }
    // The mutator fails on another type in its own words ("this.source.slice is not a function").
    const path = given[positions[0]]
    if (typeof path !== 'string') {
      refuse(
        `\`insert\`'s \`${positions[0]}\` must be a path string (\`list[-1]\`), not ${typeName(path)}`,
      )
    }
  }
  // The mutator fails on another type in its own words ("textline.split is not a function").
  for (const [path, text] of Object.entries((ops.diffMatchPatch as Json | undefined) ?? {})) {
    if (typeof text !== 'string') {
      refuse(`\`diffMatchPatch\` of "${path}" must be a patch string, not ${typeName(text)}`)
    }
  }
}

/** After checkPatchPaths, whose refusal of a reserved name says more about such a path. */
function checkPathSyntax(id: string, ops: Json, index: number): void {
  for (const path of patchPaths(ops)) {
    const problem = patchPathProblem(path)
    if (!problem) continue
    throw fail(
      index,
      'validationError',
      `Invalid patch for "${id}": the path ${JSON.stringify(path)} has ${problem}: give one attribute path, as \`title\`, \`body[0]\` or \`body[_key=="k"].text\``,
    )
  }
}

/**
 * Refuses a patch path longer than LIMITS.patchPath characters, or of more segments than a write
 * may nest (WRITE_DEPTH), before anything parses it: the first thing to read a patch's paths
 * (checkBudgetOf) calls this. The length first: it costs nothing to read.
 */
function checkPathSegments(steps: readonly BudgetStep[], errorType: ErrorType): void {
  for (const {index, patched} of steps) {
    if (!patched || !isObject(patched.patch)) continue
    for (const path of patchPaths(patched.patch)) {
      const long = path.length > LIMITS.patchPath
      const segments = long ? 0 : pathSegments(path)
      if (!long && segments <= WRITE_DEPTH) continue
      const id = typeof patched.patch.id === 'string' ? patched.patch.id : patched.ids[0]
      const start = JSON.stringify(path.slice(0, 40) + '…')
      const name = LIMITS.attributeName.toLocaleString('en')
      // A keyed path is this long through a `_key` stored before its limit: an index reaches it.
      const hint = KEYED.test(path)
        ? `a \`_key\` has at most ${name} characters; an item whose \`_key\` is longer (stored ` +
          'before that limit) is reached by its index, as `list[0]`'
        : `an attribute name has at most ${name} characters`
      const description = long
        ? `Invalid patch${id ? ` for "${id}"` : ''}: the path ${start} is ` +
          `${path.length.toLocaleString('en')} characters long, more than the ` +
          `${LIMITS.patchPath.toLocaleString('en')} a path may have: give a shorter path (${hint})`
        : `Invalid patch${id ? ` for "${id}"` : ''}: the path ${start} has ` +
          `${segments.toLocaleString('en')} segments, more than the ${WRITE_DEPTH} a path may ` +
          'have (as deep as a write may nest): give a shorter path'
      throw errorType === 'actionError'
        ? new MutationError(
            `The action(s) failed: ${description}`,
            [itemError('validationError', description, {index})],
            'actionError',
          )
        : fail(index, 'validationError', description)
    }
  }
}

/** A `_key` filter in a path (`list[_key=="k"]`). */
const KEYED = /\[\s*_key\s*==/

/** The string paths of a patch's operations (anything else is refused with its shape). */
function patchPaths(ops: Json): string[] {
  const paths: string[] = []
  for (const op of ['set', 'setIfMissing', 'inc', 'dec', 'diffMatchPatch']) {
    if (isObject(ops[op])) paths.push(...Object.keys(ops[op]))
  }
  if (Array.isArray(ops.unset)) {
    paths.push(...ops.unset.filter((path): path is string => typeof path === 'string'))
  }
  if (isObject(ops.insert)) {
    for (const position of INSERT_POSITIONS) {
      if (typeof ops.insert[position] === 'string') paths.push(ops.insert[position])
    }
  }
  return paths
}

const INSERT_POSITIONS = ['before', 'after', 'replace'] as const

/** Validates a document given to create*, with `_rev`/`_updatedAt` dropped (the server sets them). */
export function documentBody(
  body: unknown,
  index: number,
  requireId: boolean,
  options: MutateOptions = {},
): SanityDocument & {_id: string} {
  if (!isObject(body)) throw fail(index, 'validationError', 'Document must be an object')
  // A `_ref` that is no string is refused where the document is written, unless it held it before.
  const id = typeof body._id === 'string' ? body._id : ''
  const plain = checkDocumentDepth(id, body, index, 'mutationError', true, 'later')
  // A shallow copy: the request's body is not used after it. The working set keeps a plain one as
  // it is, without walking it again (WorkingSet.write).
  const {_rev, _updatedAt, ...doc} = body
  void _rev
  void _updatedAt
  // A create without `_id` gets one (create()); one given is used as it is, so `""` is refused.
  const missing = doc._id === undefined && !requireId
  if (missing) doc._id = ''
  if (typeof doc._id !== 'string') throw fail(index, 'validationError', 'Document is missing `_id`')
  if (!missing && (requireId || !doc._id.endsWith('.'))) checkId(doc._id, index)
  if (typeof doc._type !== 'string' || doc._type === '') {
    throw fail(index, 'validationError', `Document "${doc._id}" is missing \`_type\``)
  }
  const result = doc as SanityDocument & {_id: string}
  if (options.autoGenerateArrayKeys) return addKeys(result) as typeof result
  if (plain) rememberPlain(result)
  return result
}

export function checkId(id: unknown, index: number): asserts id is string {
  const reason = invalidIdReason(id)
  if (reason)
    throw fail(index, 'validationError', `Malformed document ID: "${String(id)}" (${reason})`)
}

/**
 * The document with the `_createdAt` the server keeps (its own, the existing one's, or now): the
 * create/replace body a listener's mutator and the Actions API's mutations receive.
 */
export function withCreatedAt(
  doc: SanityDocument,
  ws: WorkingSet,
  existing: SanityDocument | null = null,
): Json {
  return {...doc, _createdAt: doc._createdAt ?? existing?._createdAt ?? ws.timestamp}
}

export function addKeysToPatch(ops: Json): Json {
  const out: Json = {...ops}
  for (const op of ['set', 'setIfMissing'] as const) {
    if (isObject(out[op])) out[op] = addKeys(out[op])
  }
  if (isObject(out.insert) && Array.isArray(out.insert.items)) {
    out.insert = {...out.insert, items: (addKeys({items: out.insert.items}) as Json).items}
  }
  return out
}

/**
 * Adds a random `_key` to every object inside an array that lacks one, or whose `_key` an earlier
 * item of its array has: hosted Sanity's reference says the keys it adds are unique within the
 * array, and the Studio cannot address an item by a key two share (it offers to regenerate them).
 */
export function addKeys(value: unknown, inArray: Set<string> | null = null): unknown {
  if (Array.isArray(value)) {
    const seen = new Set<string>()
    return value.map((item) => addKeys(item, seen))
  }
  if (!isObject(value)) return value
  const out: Json = {}
  let rekeyed = false
  if (inArray) {
    const given = typeof value._key === 'string' && !inArray.has(value._key) ? value._key : null
    let key = given ?? randomKey()
    while (inArray.has(key)) key = randomKey()
    inArray.add(key)
    if (key !== given) out._key = key
    rekeyed = key !== given
  }
  // defineField: a `__proto__` key kept as a key, for the checks after to refuse (assigned, it
  // became the copy's prototype and was dropped unseen).
  for (const [key, child] of Object.entries(value)) {
    if (!(rekeyed && key === '_key')) defineField(out, key, addKeys(child))
  }
  return out
}

function randomKey(): string {
  return [...crypto.getRandomValues(new Uint8Array(6))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function fail(index: number, type: string, description: string): MutationError {
  const item: ErrorItem = itemError(type, description, index >= 0 ? {index} : {})
  return new MutationError(`The mutation(s) failed: ${description}`, [item])
}
