/**
 * Property test of patches whose paths hold JSONMatch's `[*]`, slices and negative indexes:
 * the lake's written-out patch (expandWildcards, then applyPatch as a transaction applies it)
 * against a small model of @sanity/json-match's reading of those paths (sanity-io/json-match
 * src/match.ts: `[*]` every item, a slice Array.prototype.slice's bounds, `[-1]` the last item)
 * and of the operations as the SDK applies them over it (sanity-io/sdk patchOperations.ts: a set
 * makes no array item, an unset removes a path's matches together, an inc skips what is no number,
 * an insert lands after the last item picked, before the first, or in place of them), each path
 * on what the paths before it left, in the mutator's order of operations. The model imports
 * nothing of the lake. Refusals the lake documents (a path written out twice in one operation, an
 * insert landing at different places) are allowed; any other error or difference fails.
 */
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {MutationError} from '../../../lake/core/errors.ts'
import {applyPatch} from '../../../lake/core/mutations.ts'
import {expandWildcards} from '../../../lake/core/patchWildcards.ts'

type Sel = {star: true} | {index: number} | {start?: number; end?: number} | {union: Sel[]}
type Seg = string | Sel
type Loc = (string | number)[]

const RUNS = Number(process.env.WILDCARD_RUNS ?? 400)

const inside = (sel: Sel): string =>
  'star' in sel
    ? '*'
    : 'index' in sel
      ? String(sel.index)
      : 'union' in sel
        ? sel.union.map(inside).join(',')
        : `${sel.start ?? ''}:${sel.end ?? ''}`
const selText = (sel: Sel) => `[${inside(sel)}]`
const pathText = (segs: Seg[]) =>
  segs
    .map((seg, i) => (typeof seg === 'string' ? (i === 0 ? seg : `.${seg}`) : selText(seg)))
    .join('')

/** The items of an array of `length` a selector picks, as @sanity/json-match picks them. */
function picked(sel: Sel, length: number): number[] {
  if ('star' in sel) return Array.from({length}, (_, i) => i)
  // Each item once (json-match deduplicates its matches by path), in the array's order.
  if ('union' in sel) {
    return [...new Set(sel.union.flatMap((one) => picked(one, length)))].sort((a, b) => a - b)
  }
  if ('index' in sel) {
    const at = sel.index < 0 ? length + sel.index : sel.index
    return at >= 0 && at < length ? [at] : []
  }
  const clamp = (bound: number) => Math.max(0, Math.min(bound < 0 ? length + bound : bound, length))
  const [start, end] = [clamp(sel.start ?? 0), clamp(sel.end ?? length)]
  return Array.from({length: Math.max(end - start, 0)}, (_, i) => start + i)
}

/** The places `segs` reaches in `value`, each an existing array item (a set makes none). */
function matches(value: unknown, segs: Seg[], at: Loc = []): {loc: Loc; value: unknown}[] {
  if (segs.length === 0) return [{loc: at, value}]
  const [seg, ...rest] = segs
  if (typeof seg === 'string') {
    // The generated paths name attributes of objects only.
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return []
    return matches((value as Record<string, unknown>)[seg], rest, [...at, seg])
  }
  if (!Array.isArray(value)) return []
  return picked(seg!, value.length).flatMap((i) => matches(value[i], rest, [...at, i]))
}

function setAt(value: unknown, loc: Loc, next: unknown): unknown {
  if (loc.length === 0) return next
  const [head, ...rest] = loc
  if (Array.isArray(value)) {
    return value.map((item, i) => (i === head ? setAt(item, rest, next) : item))
  }
  const record = (value ?? {}) as Record<string, unknown>
  return {...record, [head!]: setAt(record[head as string], rest, next)}
}

function unsetAt(value: unknown, loc: Loc): unknown {
  const [head, ...rest] = loc
  if (Array.isArray(value)) {
    return rest.length === 0
      ? value.filter((_, i) => i !== head)
      : value.map((item, i) => (i === head ? unsetAt(item, rest) : item))
  }
  if (typeof value !== 'object' || value === null) return value
  const record = {...(value as Record<string, unknown>)}
  if (!(head! in record)) return value
  if (rest.length === 0) delete record[head as string]
  else record[head as string] = unsetAt(record[head as string], rest)
  return record
}

interface Patch {
  setIfMissing: [Seg[], unknown][]
  set: [Seg[], unknown][]
  unset: Seg[][]
  inc: [Seg[], number][]
  dec: [Seg[], number][]
  insert: {position: 'before' | 'after' | 'replace'; segs: Seg[]; items: unknown[]} | null
}

/** The model: each path on what the ones before it left, in the mutator's order of operations. */
function model(doc: unknown, patch: Patch): unknown {
  let state = doc
  for (const [segs, value] of patch.setIfMissing) {
    for (const {loc, value: there} of matches(state, segs)) {
      if (there === undefined) state = setAt(state, loc, value)
    }
  }
  for (const [segs, value] of patch.set) {
    for (const {loc} of matches(state, segs)) state = setAt(state, loc, value)
  }
  for (const segs of patch.unset) {
    // A path's matches removed together: the last first, so none shifts another.
    for (const {loc} of matches(state, segs).reverse()) state = unsetAt(state, loc)
  }
  for (const [op, sign] of [
    ['inc', 1],
    ['dec', -1],
  ] as const) {
    for (const [segs, by] of patch[op]) {
      for (const {loc, value} of matches(state, segs)) {
        if (typeof value === 'number') state = setAt(state, loc, value + sign * by)
      }
    }
  }
  const insert = patch.insert
  if (insert) {
    const sel = insert.segs.at(-1) as Sel
    for (const {loc, value} of matches(state, insert.segs.slice(0, -1))) {
      if (!Array.isArray(value)) continue
      const items = picked(sel, value.length)
      if (items.length === 0) continue
      const at = insert.position === 'after' ? Math.max(...items) + 1 : Math.min(...items)
      const kept =
        insert.position === 'replace' ? value.filter((_, i) => !items.includes(i)) : value
      const start = insert.position === 'replace' ? Math.min(...items) : at
      state = setAt(state, loc, [...kept.slice(0, start), ...insert.items, ...kept.slice(start)])
    }
  }
  return state
}

const bound = fc.option(fc.integer({min: -5, max: 5}), {nil: undefined})
const rangeArb: fc.Arbitrary<Sel> = fc.oneof(
  fc.constant({star: true as const}),
  fc
    .record({start: bound, end: bound})
    .filter(({start, end}) => start !== undefined || end !== undefined)
    .map(({start, end}) => ({
      ...(start === undefined ? {} : {start}),
      ...(end === undefined ? {} : {end}),
    })),
)
// Unions of indexes (past the end too) and slices: `[0,1:3]`, `[2,-1]`, `[0,0]`.
const unionArb: fc.Arbitrary<Sel> = fc
  .array(
    fc.oneof(
      rangeArb.filter((sel) => !('star' in sel)),
      fc.integer({min: -4, max: 4}).map((index) => ({index})),
    ),
    {minLength: 2, maxLength: 3},
  )
  // One of plain indexes only (`[0,2]`) is the mutator's, as a plain index is.
  .filter((union) => {
    const indexes = union.flatMap((one) => ('index' in one ? [one.index] : []))
    return (
      indexes.length < union.length ||
      indexes.some((i) => i < 0) ||
      new Set(indexes).size < indexes.length
    )
  })
  .map((union) => ({union}))
const trailArb: fc.Arbitrary<Sel> = fc.oneof(rangeArb, unionArb)
const selArb: fc.Arbitrary<Sel> = fc.oneof(
  rangeArb,
  unionArb,
  // Negative only: a positive one past the end followed by more path (`body[3].n` of three
  // items) is @sanity/mutator's 400 'Index out of bounds', where JSONMatch reads nothing.
  fc.integer({min: -4, max: -1}).map((index) => ({index})),
)
/** Paths over the document's shape, with the values that keep it: tags are strings, n numbers. */
// A plain index ends no path: what a set past the end makes is the mutator's, as before this test.
const tagPath = trailArb.map((sel): Seg[] => ['tags', sel])
const nPath = selArb.map((sel): Seg[] => ['body', sel, 'n'])
const cPath = fc.tuple(selArb, trailArb).map(([a, b]): Seg[] => ['body', a, 'c', b])
const numberPath = fc.oneof(nPath, cPath)
// Ordinary prototypes, as JSON.parse gives: the mutator calls an object's hasOwnProperty.
const plain = {noNullPrototype: true}
const docArb = fc.record(
  {
    _id: fc.constant('d'),
    _type: fc.constant('t'),
    tags: fc.array(fc.constantFrom('a', 'b', 'c', 'd'), {maxLength: 5}),
    body: fc.array(
      fc.record(
        {
          n: fc.integer({min: 0, max: 9}),
          c: fc.array(fc.integer({min: 0, max: 9}), {maxLength: 4}),
        },
        plain,
      ),
      {maxLength: 4},
    ),
  },
  plain,
)
const setEntry = fc.oneof(
  fc.tuple(tagPath, fc.constantFrom('x', 'y') as fc.Arbitrary<unknown>),
  fc.tuple(numberPath, fc.integer({min: 10, max: 19}) as fc.Arbitrary<unknown>),
)
const patchArb: fc.Arbitrary<Patch> = fc.record({
  setIfMissing: fc.array(fc.tuple(nPath, fc.constant(5) as fc.Arbitrary<unknown>), {maxLength: 1}),
  set: fc.array(setEntry, {maxLength: 2}),
  unset: fc.array(
    fc.oneof(
      tagPath,
      numberPath,
      trailArb.map((sel): Seg[] => ['body', sel]),
    ),
    {
      maxLength: 2,
    },
  ),
  inc: fc.array(fc.tuple(numberPath, fc.integer({min: 1, max: 3})), {maxLength: 2}),
  dec: fc.array(fc.tuple(numberPath, fc.integer({min: 1, max: 3})), {maxLength: 1}),
  insert: fc.option(
    fc.record({
      position: fc.constantFrom('before' as const, 'after' as const, 'replace' as const),
      // Its last brackets a [*] or slice: where a plain index lands (an empty array's `[0]`,
      // `[-1]`) is the mutator's, as before this test.
      segs: fc
        .tuple(
          fc.oneof(
            fc.constant(['tags'] as Seg[]),
            selArb.map((sel): Seg[] => ['body', sel, 'c']),
          ),
          rangeArb,
        )
        .map(([segs, sel]) => [...segs, sel]),
      items: fc.constant(['z'] as unknown[]),
    }),
    {nil: null},
  ),
})

/** The patch as sent: one key a path (a later one of the same text dropped, as JSON would). */
function wire(patch: Patch): {ops: Record<string, unknown>; sent: Patch} {
  const ops: Record<string, unknown> = {}
  const sent: Patch = {setIfMissing: [], set: [], unset: [], inc: [], dec: [], insert: null}
  for (const op of ['setIfMissing', 'set', 'inc', 'dec'] as const) {
    const entries = new Map<string, [Seg[], unknown]>()
    for (const [segs, value] of patch[op]) {
      if (!entries.has(pathText(segs))) entries.set(pathText(segs), [segs, value])
    }
    if (entries.size === 0) continue
    ops[op] = Object.fromEntries([...entries].map(([text, [, value]]) => [text, value]))
    ;(sent[op] as unknown[]) = [...entries.values()]
  }
  if (patch.unset.length > 0) {
    ops.unset = patch.unset.map(pathText)
    sent.unset = patch.unset
  }
  if (patch.insert) {
    const {position, segs, items} = patch.insert
    // The insert's items typed as the array's: strings into tags, numbers into c.
    const typed = segs[0] === 'tags' ? items : [0]
    ops.insert = {[position]: pathText(segs), items: typed}
    sent.insert = {position, segs, items: typed}
  }
  return {ops, sent}
}

const DOCUMENTED = /reaches ".*" twice|lands at different places/

describe('patches with [*], slices and negative indexes, against a model of JSONMatch', () => {
  it('leave the document as the model does, or are refused as the lake documents', () => {
    fc.assert(
      fc.property(docArb, patchArb, (doc, patch) => {
        const {ops, sent} = wire(patch)
        let lake: unknown
        try {
          lake = applyPatch(doc, {...expandWildcards(doc, ops), id: 'd'})
        } catch (err) {
          if (err instanceof MutationError && DOCUMENTED.test(err.message)) return
          throw err
        }
        expect({ops, lake}).toEqual({ops, lake: model(doc, sent)})
      }),
      {numRuns: RUNS, seed: Number(process.env.WILDCARD_SEED ?? 20261205)},
    )
  })
})
