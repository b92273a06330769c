/**
 * The change log's compact row format. A document's state is stored once, in `documents`; the log
 * keeps what can not be derived from it and rebuilds the rest on read:
 * - a create's mutation whose document is the stored state minus system fields is stored as a
 *   marker (`{"create": null}` or `0`: never a valid mutation, so the marker is unambiguous);
 * - an `apply` effect that is a plain value (`[0, state]`, as for every create) is left out;
 * - `revert` is always kept: walking reverts back from the current state (or from the nearest
 *   snapshot) rebuilds any revision. A delete's revert is the last state itself, and every
 *   SNAPSHOT_EVERY-th change of a document stores its state, so a rebuild applies at most that many
 *   patches.
 * Rows written before this format (the `after` column of every change) are snapshots and decode
 * as they are.
 */
import {applyPatch} from 'mendoza'
import {jsonEqual} from '../core/mendoza.ts'
import type {DocumentChange, SanityDocument} from '../core/types.ts'

export const SNAPSHOT_EVERY = 64

const CREATES = ['create', 'createOrReplace', 'createIfNotExists'] as const
const SYSTEM_FIELDS = ['_rev', '_createdAt', '_updatedAt'] as const

/**
 * The stored form of a change's mutations and effects. A create's document equal to the state
 * without `_rev` and `_updatedAt` is stored as `{"create": 0}`; also without `_createdAt`, as
 * `{"create": null}`.
 */
export function encodeChange(change: DocumentChange): {mutations: string; effects: string} {
  const after = change.after
  const mutations = change.mutations.map((mutation) => {
    if (!after) return mutation
    for (const kind of CREATES) {
      const doc = mutation[kind] as Record<string, unknown> | undefined
      if (!doc || typeof doc !== 'object') continue
      const created = '_createdAt' in doc
      if (jsonEqual(doc, withoutSystemFields(after, created))) return {[kind]: created ? 0 : null}
    }
    return mutation
  })
  const {apply, revert} = change.effects
  const literal = apply.length === 2 && apply[0] === 0
  return {
    mutations: JSON.stringify(mutations),
    effects: JSON.stringify(literal ? {revert} : {apply, revert}),
  }
}

/**
 * Mutations and effects of a stored change; `after` rebuilds the document's state after it (only
 * called when the row left something out).
 */
export function decodeChange(
  row: {mutations: string; effects: string},
  after: () => SanityDocument | null,
): {mutations: Record<string, unknown>[]; effects: {apply: unknown[]; revert: unknown[]}} {
  const effects = JSON.parse(row.effects) as {apply?: unknown[]; revert: unknown[]}
  const mutations = JSON.parse(row.mutations) as Record<string, unknown>[]
  let state: SanityDocument | null | undefined
  const stateAfter = () => (state === undefined ? (state = after()) : state)
  for (const mutation of mutations) {
    for (const kind of CREATES) {
      const marker = mutation[kind]
      if (kind in mutation && (marker === null || marker === 0)) {
        const doc = stateAfter()
        mutation[kind] = doc ? withoutSystemFields(doc, marker === 0) : null
      }
    }
  }
  const apply = effects.apply ?? [0, withoutRev(stateAfter())]
  return {mutations, effects: {apply, revert: effects.revert}}
}

/** A stored change as the rebuild walks it (newest first). */
export interface LogStep {
  tx: string
  effects: string
  snapshot: string | null
  deleted: boolean
}

/**
 * The state after the change `base` (a transaction id; null: before the first change), from the
 * changes after it in commit order (`later`, read lazily up to the first anchor) and the current
 * stored document.
 */
export function rebuild(
  base: string,
  later: Iterable<LogStep>,
  current: () => SanityDocument | null,
): SanityDocument | null {
  const steps: LogStep[] = []
  let state: Record<string, unknown> | null = null
  let anchored = false
  for (const step of later) {
    if (step.snapshot !== null) {
      state = JSON.parse(step.snapshot)
      steps.push(step)
      anchored = true
      break
    }
    if (step.deleted) {
      // A delete's revert is the whole state before it.
      state = applyPatch(null, (JSON.parse(step.effects) as {revert: unknown[]}).revert)
      anchored = true
      break
    }
    steps.push(step)
  }
  if (!anchored) state = current() as Record<string, unknown> | null
  for (let i = steps.length - 1; i >= 0; i--) {
    const {revert} = JSON.parse(steps[i].effects) as {revert: unknown[]}
    state = applyPatch(withoutRev(state as SanityDocument | null), revert)
  }
  return state ? ({...state, _rev: base} as SanityDocument) : null
}

function withoutRev(doc: SanityDocument | null): Record<string, unknown> | null {
  if (!doc) return null
  const {_rev, ...rest} = doc
  void _rev
  return rest
}

/** The document as a create mutation carried it: without the system fields the lake added. */
function withoutSystemFields(
  doc: Record<string, unknown>,
  keepCreatedAt: boolean,
): Record<string, unknown> {
  const out = {...doc}
  for (const field of SYSTEM_FIELDS)
    if (!(keepCreatedAt && field === '_createdAt')) delete out[field]
  return out
}
