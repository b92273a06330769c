/** Reference integrity: which documents strongly reference which, as hosted Sanity counts them. */
import {ConflictError, itemError} from './errors.ts'
import type {DocumentChange} from './types.ts'

/**
 * The id an object strongly references, the one rule of what counts (delete protection here, the
 * store's refs table in store/fields.ts): a string `_ref` whose `_weak` is not true. Studio drafts
 * carry `_weak: true` (+ `_strengthenOnPublish`), so they count only once published or
 * strengthened.
 */
export function strongTarget(object: Record<string, unknown>): string | undefined {
  const ref = object._ref
  return typeof ref === 'string' && object._weak !== true ? ref : undefined
}

/** The ids a value strongly references (strongTarget), at any depth. */
export function strongReferences(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) strongReferences(item, into)
  } else if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>
    const target = strongTarget(object)
    if (target !== undefined) into.add(target)
    for (const key in object) strongReferences(object[key], into)
  }
  return into
}

/**
 * A change as the check needs it: the id and its states before and after (null: none), or their
 * heads and references when it was serialised (core/changeText.ts: nothing is parsed then).
 */
export type ReferenceChange = Pick<DocumentChange, 'id' | 'before' | 'after' | 'text'>

const hadDocument = (c: ReferenceChange) =>
  c.text ? c.text.beforeHead !== null : c.before !== null
const hasDocument = (c: ReferenceChange) => (c.text ? c.text.afterHead !== null : c.after !== null)

/**
 * Refuses a transaction that deletes a document something still strongly references once the
 * transaction is applied. `committedReferrers` answers from the committed state; the
 * transaction's own writes override it, so a referrer deleted or edited in the same transaction
 * no longer counts, and a document referencing itself never blocks.
 */
export function checkReferenceIntegrity(
  changes: readonly ReferenceChange[],
  committedReferrers: (ids: string[]) => {id: string; target: string}[],
  options: {errorType?: 'mutationError' | 'actionError'; indexOf?: (id: string) => number} = {},
): void {
  const {errorType = 'mutationError', indexOf} = options
  const deleted = changes.filter((c) => hadDocument(c) && !hasDocument(c)).map((c) => c.id)
  if (deleted.length === 0) return
  const targets = new Set(deleted)
  const touched = new Map(changes.map((c) => [c.id, c]))
  const pairs = committedReferrers(deleted).filter((pair) => !touched.has(pair.id))
  for (const [id, change] of touched) {
    if (!hasDocument(change)) continue
    const references = change.text ? change.text.strongReferences : strongReferences(change.after)
    for (const target of references) {
      if (targets.has(target)) pairs.push({id, target})
    }
  }
  // Target → referencing ids.
  const blocked = new Map<string, Set<string>>()
  for (const {id, target} of pairs) {
    if (id === target) continue
    const ids = blocked.get(target) ?? new Set()
    blocked.set(target, ids.add(id))
  }
  const refused = deleted.filter((id) => blocked.has(id))
  if (refused.length === 0) return
  const items = refused.map((id) => {
    const referencingIDs = [...blocked.get(id)!].sort()
    const index = indexOf?.(id)
    return itemError('documentHasExistingReferencesError', describe(id, referencingIDs), {
      id,
      referencingIDs,
      ...(index === undefined || index < 0 ? {} : {index}),
    })
  })
  const verb = errorType === 'actionError' ? 'action' : 'mutation'
  throw new ConflictError(`The ${verb}(s) failed: ${items[0].error.description}`, items, errorType)
}

function describe(id: string, referencingIDs: readonly string[]): string {
  return `Document "${id}" cannot be deleted as there are references to it from "${referencingIDs[0]}"`
}
