/**
 * A patch's operations applied by @sanity/mutator, with the repairs a document stored before the
 * lake refused the names `hasOwnProperty` and `__proto__` needs: the one place they are done, for
 * the patch as applied (mutations.ts applyPatch) and for the trial that finds what a `[*]` reaches
 * (patchWildcards.ts), so both meet the same document. Pure: no I/O.
 */
import {Mutation} from '@sanity/mutator'
import {defineField} from './documentPaths.ts'
import {reservedLeaf} from './limits.ts'
import type {SanityDocument} from './types.ts'

type Json = Record<string, unknown>

/**
 * `doc` patched by `ops` (no `id`, no `ifRevisionID`; checked before), or null where the patch
 * removed it. Throws what the mutator throws; mutatorFailure words it.
 */
export function applyOperations(doc: Readonly<SanityDocument>, given: Json): SanityDocument | null {
  const {mended, ops} = unsetReserved(doc, given)
  // No copy first: the mutator copies on write, so `doc` is left as it was and the result
  // shares what the patch did not change (tests/lake/core/transaction.test.ts freezes it).
  const patchWith = (target: SanityDocument) =>
    new Mutation({mutations: [{patch: {...ops, id: doc._id}}]}).apply(
      target,
    ) as SanityDocument | null
  let result = patchWith(mended)
  // The mutator's copies of the objects the patch went through dropped a `__proto__` key (only
  // a document stored before the lake refused the name holds one): patched again with the key
  // under a stand-in name, which its copies keep and a replace or unset of its object removes.
  if (result && droppedProto(mended, result)) {
    const standIn = `__proto__${crypto.randomUUID()}`
    result = patchWith(renameKeys(mended, '__proto__', standIn) as SanityDocument)
    if (result) result = renameKeys(result, standIn, '__proto__') as SanityDocument
  }
  return result
}

/** What applyOperations threw, in words for the caller's refusal. */
export function mutatorFailure(err: unknown): string {
  const description = err instanceof Error ? err.message : String(err)
  // The mutator reads objects' own hasOwnProperty: one stored before the lake refused it.
  if (/\bhasOwnProperty is not a function/.test(description)) {
    return `it holds an attribute named "hasOwnProperty" (stored before the lake refused the name), which the patch cannot go through: unset that attribute first`
  }
  return description
}

/**
 * A patch's unsets of a reserved name (reservedLeaf: `hasOwnProperty`, `meta.__proto__`), applied
 * here to a copy of the document, and the rest of the patch for the mutator: it fails on an object
 * with its own hasOwnProperty, and its copies drop a `__proto__` key rather than remove it. Only a
 * document stored before the lake refused the names holds one.
 */
function unsetReserved(
  doc: Readonly<SanityDocument>,
  ops: Json,
): {mended: SanityDocument; ops: Json} {
  const unset = Array.isArray(ops.unset) ? (ops.unset as unknown[]) : []
  const leaves = unset.map(reservedLeaf)
  if (!leaves.some(Boolean)) return {mended: doc as SanityDocument, ops}
  // Spread defines a `__proto__` key as an own property (assignment would set the prototype).
  const mended: Json = {...doc}
  mend: for (const names of leaves) {
    if (!names) continue
    let parent = mended
    for (const name of names.slice(0, -1)) {
      const child = Object.hasOwn(parent, name) ? parent[name] : undefined
      // A path that finds nothing unsets nothing (not the name one level up).
      if (!isObject(child)) continue mend
      parent = parent[name] = {...child}
    }
    delete parent[names.at(-1)!]
  }
  return {
    mended: mended as SanityDocument,
    ops: {...ops, unset: unset.filter((_, i) => !leaves[i])},
  }
}

/**
 * Whether an object `after` made from `before` (a copy, where it is not the same object) lacks a
 * `__proto__` key `before` had. Walks only what differs: the mutator shares what it left as it
 * was. Array items are paired by `_key`, else by position (a false alarm costs a second patch).
 */
function droppedProto(before: unknown, after: unknown): boolean {
  if (before === after || typeof before !== 'object' || before === null) return false
  if (typeof after !== 'object' || after === null) return false
  if (Array.isArray(before)) {
    if (!Array.isArray(after)) return false
    // An item the mutator left in place is the same object there; the others are paired by
    // `_key` (the item in place first, else a map of the copy's built once). A map of every
    // item for a set of one item of a 100,000-item array was 40-50 ms a patch, the mutator's
    // own 1-3, and the patch budget counts the mutator's work.
    let byKey: Map<unknown, unknown> | null = null
    for (let i = 0; i < before.length; i++) {
      const item: unknown = before[i]
      const there: unknown = after[i]
      if (item === there || typeof item !== 'object' || item === null) continue
      const key = isObject(item) && typeof item._key === 'string' ? item._key : null
      let paired = there
      if (key !== null && !(isObject(there) && there._key === key)) {
        if (byKey === null) {
          byKey = new Map()
          for (const copied of after)
            if (isObject(copied) && typeof copied._key === 'string') byKey.set(copied._key, copied)
        }
        paired = byKey.get(key)
      }
      if (droppedProto(item, paired)) return true
    }
    return false
  }
  if (Array.isArray(after)) return false
  const from = before as Json
  const to = after as Json
  for (const key of Object.keys(from)) {
    if (!Object.hasOwn(to, key)) {
      if (key === '__proto__') return true
      continue
    }
    if (droppedProto(from[key], to[key])) return true
  }
  return false
}

/**
 * `value` with every attribute named `from` renamed `to` (defined, not assigned), copying only the
 * objects on the way to one and sharing the rest.
 */
function renameKeys(value: unknown, from: string, to: string): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => renameKeys(item, from, to))
    return items.every((item, i) => item === value[i]) ? value : items
  }
  if (!isObject(value)) return value
  const entries = Object.entries(value).map(([key, child]) => [key, renameKeys(child, from, to)])
  if (
    !Object.hasOwn(value, from) &&
    entries.every(([key, child]) => child === value[key as string])
  )
    return value
  // Rebuilt in the original order, the key renamed.
  const out: Json = {}
  for (const [key, child] of entries) defineField(out, key === from ? to : (key as string), child)
  return out
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
