/**
 * walkDocument: one walk of a document for its depth, for whether its copy through JSON would
 * equal it (the working set then keeps it as it is, core/transaction.ts), for a `__proto__` key,
 * and for an object of more attributes than LIMITS.objectAttributes.
 */
import fc from 'fast-check'
import {describe, expect, test} from 'vitest'
import {LIMITS, nestsDeeperThan, walkDocument} from '../../../lake/core/limits.ts'

/** How deeply objects and arrays nest (a scalar is 0, `{}` 1), plainly recursive: the oracle. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0
  let deepest = 0
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child))
  return deepest + 1
}

describe('walkDocument', () => {
  test('finds an object of more attributes than one may have, at any depth', () => {
    const map = (n: number) => Object.fromEntries(Array.from({length: n}, (_, i) => [`k${i}`, i]))
    const at = LIMITS.objectAttributes
    expect(walkDocument({a: [{b: map(at)}]}, 100).wide).toBe(false)
    expect(walkDocument({a: [{b: map(at + 1)}]}, 100).wide).toBe(true)
    expect(walkDocument(map(at + 1), 100).wide).toBe(true)
  })

  test('finds an attribute name longer than one may be, at any depth, in plain objects and others', () => {
    const at = 'n'.repeat(LIMITS.attributeName)
    expect(walkDocument({a: [{[at]: 1}], [at]: 2}, 100).longName).toBe(false)
    expect(walkDocument({a: [{[`${at}n`]: 1}]}, 100).longName).toBe(true)
    const bare = Object.assign(Object.create(null) as object, {[`${at}n`]: 1})
    expect(walkDocument({a: bare}, 100)).toMatchObject({plain: false, longName: true})
  })

  test("finds an array item's `_key` longer than a name may be, at any depth", () => {
    const at = 'k'.repeat(LIMITS.attributeName)
    expect(walkDocument({list: [{_key: at}, 'x', null, [{_key: 5}]]}, 100).longName).toBe(false)
    expect(walkDocument({a: {list: ['x', {_key: `${at}k`}]}}, 100).longName).toBe(true)
  })

  test('finds a `_ref` that is no string, at any depth, in plain objects and others', () => {
    expect(walkDocument({a: [{_ref: 'x'}], _ref: 'y'}, 100).badRef).toBe(false)
    expect(walkDocument({a: [{b: {_ref: null}}]}, 100).badRef).toBe(true)
    expect(walkDocument({a: [{_ref: 5, when: new Date(0)}]}, 100).badRef).toBe(true)
    const bare = Object.assign(Object.create(null) as object, {_ref: 5})
    expect(walkDocument({a: bare}, 100)).toMatchObject({plain: false, badRef: true})
  })

  test('what JSON.parse makes is plain', () => {
    const doc = JSON.parse(
      '{"_id":"a","n":-1.5,"ok":true,"no":null,"__proto__":{"x":1},"list":[{"t":"আজ"},[[]]],"1":2}',
    ) as unknown
    expect(walkDocument(doc, 100)).toEqual({
      tooDeep: false,
      plain: true,
      proto: true,
      nonFinite: false,
      wide: false,
      badRef: false,
      longName: false,
    })
  })

  test.each([
    ['undefined', {a: undefined}],
    ['undefined in an array', {a: [undefined]}],
    ['a hole', {a: [1, , 2]}], // eslint-disable-line no-sparse-arrays
    ['NaN', {a: Number.NaN}],
    ['Infinity', {a: -Infinity}],
    ['-0', {a: [-0]}],
    ['a Date', {a: new Date(0)}],
    ['a class instance', {a: new (class {})()}],
    ['a null prototype', {a: Object.create(null) as object}],
    ['a function', {toJSON: () => 1}],
    ['a bigint', {a: 1n}],
    ['a symbol', {a: Symbol('s')}],
  ])('%s is not plain', (what, value) => {
    expect(walkDocument(value, 100)).toEqual({
      tooDeep: false,
      plain: false,
      proto: false,
      // A number JSON cannot hold, which checkDocumentDepth refuses (it would be stored as null).
      nonFinite: what === 'NaN' || what === 'Infinity',
      wide: false,
      badRef: false,
      longName: false,
    })
  })

  test('too deep is found at the limit and one past it, by nestsDeeperThan too', () => {
    let value: unknown = {}
    for (let depth = 1; depth <= 102; depth++) {
      expect(walkDocument(value, 100).tooDeep, `depth ${depth}`).toBe(depth > 100)
      expect(nestsDeeperThan(value, 100), `depth ${depth}`).toBe(depth > 100)
      value = depth % 2 ? [value] : {v: value}
    }
  })

  test('a hostile depth does not overflow the stack', () => {
    let value: unknown = 1
    for (let i = 0; i < 200_000; i++) value = [value]
    expect(walkDocument(value, 100)).toEqual({
      tooDeep: true,
      plain: false,
      proto: false,
      nonFinite: false,
      wide: false,
      badRef: false,
      longName: false,
    })
    expect(nestsDeeperThan(value, 64)).toBe(true)
  })

  test('plain means its JSON copy equals it, and the depth is counted as the oracle counts it (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.anything({
          maxDepth: 4,
          withBoxedValues: true,
          withNullPrototype: true,
          withSparseArray: true,
          withDate: true,
          withBigInt: false,
        }),
        fc.integer({min: 0, max: 5}),
        (value, max) => {
          const {tooDeep, plain} = walkDocument(value, max)
          expect(tooDeep).toBe(depthOf(value) > max)
          if (!plain) return
          const copy = JSON.parse(JSON.stringify(value)) as unknown
          expect(copy).toStrictEqual(value)
          expect(JSON.stringify(copy)).toBe(JSON.stringify(value))
        },
      ),
      {numRuns: 2000},
    )
  })
})
