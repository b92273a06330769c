/**
 * The change log's compact row format. A document's state is stored once, in `documents`; the log
 * keeps what can not be derived from it and rebuilds the rest on read:
 * - a create's mutation whose document is the stored state minus system fields is stored as a
 *   marker (`{"create": null}` or `0`: never a valid mutation, so the marker is unambiguous);
 * - an `apply` effect that is a plain value (`[0, state]`, as for every create) is left out;
 * - `revert` is always kept: walking reverts back from the current state (or from the nearest
 *   snapshot) rebuilds any revision. A delete's revert is the last state itself, and every
 *   SNAPSHOT_EVERY-th change of a document stores its state (the first after a creation half as
 *   far). A revision is rebuilt from the nearer snapshot: backwards with reverts, or forwards from
 *   the one before it with each change's `apply`, so a rebuild applies at most about half of
 *   SNAPSHOT_EVERY patches.
 * - the commonest row of all, a document created by one mutation (a bulk load's), is stored in
 *   a few bytes: its mutations as one letter (CREATE_CODES: the kind, capital when `_createdAt`
 *   was given) and, when its revert is "no document before", its effects as ''. Stored JSON
 *   always starts with `[` or `{`, so the short forms are unambiguous (before them the two were
 *   42 of a created document's log row's 65 bytes, 4 % of the data file).
 * Rows written before this format (the `after` column of every change) are snapshots and decode
 * as they are.
 */
import {applyPatch} from 'mendoza'
import {jsonEqual} from '../core/mendoza.ts'
import type {DocumentChange, SanityDocument} from '../core/types.ts'

export const SNAPSHOT_EVERY = 64

const CREATES = ['create', 'createOrReplace', 'createIfNotExists'] as const
const SYSTEM_FIELDS = ['_rev', '_createdAt', '_updatedAt'] as const

/** Stored mutations of a change that is one create marker: kind, capital with `_createdAt`. */
export const CREATE_CODES: Record<string, {kind: (typeof CREATES)[number]; marker: 0 | null}> = {
  c: {kind: 'create', marker: null},
  C: {kind: 'create', marker: 0},
  r: {kind: 'createOrReplace', marker: null},
  R: {kind: 'createOrReplace', marker: 0},
  i: {kind: 'createIfNotExists', marker: null},
  I: {kind: 'createIfNotExists', marker: 0},
}
/** Stored effects of a change whose apply is a plain value and whose revert is no document. */
export const CREATED_EFFECTS = ''

/**
 * The stored form of a change's mutations and effects. A create's document equal to the state
 * without `_rev` and `_updatedAt` is stored as `{"create": 0}`; also without `_createdAt`, as
 * `{"create": null}`.
 */
export function encodeChange(
  change: DocumentChange,
  /** The change's effects as JSON text, if made already (core/changeText.ts). */
  effectsText?: string,
): {mutations: string; effects: string} {
  const after = change.after
  const mutations = change.mutations.map((mutation) => {
    if (!after) return mutation
    for (const kind of CREATES) {
      const doc = mutation[kind] as Record<string, unknown> | undefined
      if (!doc || typeof doc !== 'object') continue
      const created = '_createdAt' in doc
      if (equalsState(doc, after, created)) return {[kind]: created ? 0 : null}
    }
    return mutation
  })
  const {apply, revert} = change.effects
  const literal = apply.length === 2 && apply[0] === 0
  const created = literal && revert.length === 2 && revert[0] === 0 && revert[1] === null
  return {
    mutations: createCode(mutations) ?? JSON.stringify(mutations),
    effects: created
      ? CREATED_EFFECTS
      : literal
        ? JSON.stringify({revert})
        : (effectsText ?? JSON.stringify({apply, revert})),
  }
}

/**
 * jsonEqual(doc, withoutSystemFields(after, keepCreatedAt)), without the copy: every document a
 * bulk load creates is compared so (the copy and the deletes that made it slow were about 2 % of
 * the event loop's busy samples in one).
 */
function equalsState(
  doc: Record<string, unknown>,
  after: Record<string, unknown>,
  keepCreatedAt: boolean,
): boolean {
  if (Array.isArray(doc)) return false
  const dropped = (key: string) =>
    key === '_rev' || key === '_updatedAt' || (!keepCreatedAt && key === '_createdAt')
  const keys = Object.keys(doc)
  let kept = 0
  for (const key of Object.keys(after)) if (!dropped(key)) kept++
  if (keys.length !== kept) return false
  for (const key of keys) {
    // The copy held `after`'s own enumerable keys but the dropped ones.
    if (dropped(key) || !Object.prototype.propertyIsEnumerable.call(after, key)) return false
    if (!jsonEqual(doc[key], after[key])) return false
  }
  return true
}

const CREATE_CODE_LIST = Object.entries(CREATE_CODES)

/** The one-letter form of mutations that are a single create marker, if they are. */
function createCode(mutations: Record<string, unknown>[]): string | undefined {
  if (mutations.length !== 1) return undefined
  const [mutation] = mutations
  const keys = Object.keys(mutation)
  if (keys.length !== 1) return undefined
  for (const [code, {kind, marker}] of CREATE_CODE_LIST) {
    if (keys[0] === kind && mutation[kind] === marker) return code
  }
  return undefined
}

/** A stored change's effects (`apply` left out where it is the state after the change). */
function decodeEffects(stored: string): {apply?: unknown[]; revert: unknown[]} {
  return stored === CREATED_EFFECTS
    ? {revert: [0, null]}
    : (JSON.parse(stored) as {apply?: unknown[]; revert: unknown[]})
}

function decodeMutations(stored: string): Record<string, unknown>[] {
  const code = CREATE_CODES[stored]
  return code ? [{[code.kind]: code.marker}] : (JSON.parse(stored) as Record<string, unknown>[])
}

/**
 * Mutations and effects of a stored change; `after` rebuilds the document's state after it (only
 * called when the row left something out).
 */
export function decodeChange(
  row: {mutations: string; effects: string},
  after: () => SanityDocument | null,
): {mutations: Record<string, unknown>[]; effects: {apply: unknown[]; revert: unknown[]}} {
  const stateAfter = once(after)
  return {
    mutations: filledMutations(row.mutations, stateAfter),
    effects: fullEffects(row.effects, stateAfter),
  }
}

/** A create marker in stored mutations (encodeChange); text holding one is decoded. */
const MARKER = /\{"(?:create|createOrReplace|createIfNotExists)":(?:null|0)\}/

/**
 * A stored change's mutations (a JSON array) and effects (a JSON `{apply, revert}` object) as
 * JSON text, as decodeChange would give them, for the parts given. Text that left nothing out
 * is passed on unparsed: a long log's export is mostly large strings (a 600 kB Bengali text set
 * in one patch is in its mutation, its apply and the next one's revert).
 */
export function changeText(
  row: {mutations?: string; effects?: string},
  after: () => SanityDocument | null,
): {mutations?: string; effects?: string} {
  const stateAfter = once(after)
  const out: {mutations?: string; effects?: string} = {}
  if (row.mutations !== undefined) {
    const decode = CREATE_CODES[row.mutations] !== undefined || MARKER.test(row.mutations)
    out.mutations = decode
      ? JSON.stringify(filledMutations(row.mutations, stateAfter))
      : row.mutations
  }
  if (row.effects !== undefined) {
    out.effects = row.effects.startsWith('{"apply":')
      ? row.effects
      : JSON.stringify(fullEffects(row.effects, stateAfter))
  }
  return out
}

function once(after: () => SanityDocument | null): () => SanityDocument | null {
  let state: SanityDocument | null | undefined
  return () => (state === undefined ? (state = after()) : state)
}

/** Stored mutations with each create marker replaced by the document it created. */
function filledMutations(
  stored: string,
  stateAfter: () => SanityDocument | null,
): Record<string, unknown>[] {
  const mutations = decodeMutations(stored)
  for (const mutation of mutations) {
    for (const kind of CREATES) {
      const marker = mutation[kind]
      if (kind in mutation && (marker === null || marker === 0)) {
        const doc = stateAfter()
        mutation[kind] = doc ? withoutSystemFields(doc, marker === 0) : null
      }
    }
  }
  return mutations
}

function fullEffects(
  stored: string,
  stateAfter: () => SanityDocument | null,
): {apply: unknown[]; revert: unknown[]} {
  const effects = decodeEffects(stored)
  return {apply: effects.apply ?? [0, withoutRev(stateAfter())], revert: effects.revert}
}

/**
 * The state after a stored change from the state before it (`previous`, the state after the
 * document's previous change), when the row kept its `apply`; undefined when it did not. One
 * patch instead of a rebuild's walk, for readers going through a document's log in order.
 */
export function applyStored(
  previous: SanityDocument | null,
  storedEffects: string,
  rev: string,
): SanityDocument | null | undefined {
  if (!storedEffects.startsWith('{"apply":')) return undefined
  const {apply} = JSON.parse(storedEffects) as {apply: unknown[]}
  const state = applyPatch(withoutRev(previous), apply) as Record<string, unknown> | null
  return state ? ({...state, _rev: rev} as SanityDocument) : null
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
  const reverts: unknown[][] = []
  let state: Record<string, unknown> | null = null
  let anchored = false
  for (const step of later) {
    const {revert} = decodeEffects(step.effects)
    if (step.snapshot !== null) {
      state = JSON.parse(step.snapshot)
      reverts.push(revert)
      anchored = true
      break
    }
    if (step.deleted || (revert.length === 2 && revert[0] === 0)) {
      // A revert that is a plain value (a delete's, a createOrReplace's) is the whole state
      // before its change: no need to walk further.
      state = applyPatch(null, revert)
      anchored = true
      break
    }
    reverts.push(revert)
  }
  if (!anchored) state = current() as Record<string, unknown> | null
  for (let i = reverts.length - 1; i >= 0; i--) {
    state = applyPatch(withoutRev(state as SanityDocument | null), reverts[i])
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
