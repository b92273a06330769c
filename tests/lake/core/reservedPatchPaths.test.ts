/**
 * A patch path naming `__proto__` or `hasOwnProperty` as an attribute is refused (checkPatchPaths),
 * but a string value in a path's filter names no attribute: an array item whose `_key` (or any
 * value compared) is "hasOwnProperty" is stored as any other, and the Studio's patches address it
 * by that key, as hosted Sanity accepts.
 */
import {describe, expect, test} from 'vitest'
import {applyPatch} from '../../../lake/core/mutations.ts'
import {MutationError} from '../../../lake/core/errors.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

const doc = {
  _id: 'a',
  _type: 't',
  items: [
    {_key: 'hasOwnProperty', title: 'x'},
    {_key: '__proto__', title: 'y'},
  ],
  tags: ['hasOwnProperty'],
} as unknown as SanityDocument

describe('patch paths with a reserved name as a compared value', () => {
  test.each([
    [{set: {'items[_key=="hasOwnProperty"].title': 'z'}}, 0, 'z'],
    [{set: {'items[_key=="__proto__"].title': 'z'}}, 1, 'z'],
    [{set: {'items[_key == "hasOwnProperty"]': {_key: 'hasOwnProperty', title: 'z'}}}, 0, 'z'],
  ])('%j applies', (patch, at, title) => {
    const out = applyPatch(doc, patch) as unknown as {items: {title: string}[]}
    expect(out.items[at].title).toBe(title)
  })

  test('an unset of a matched value and an insert after a keyed item apply', () => {
    const unset = applyPatch(doc, {unset: ['tags[@=="hasOwnProperty"]']}) as unknown as {
      tags: string[]
    }
    expect(unset.tags).toEqual([])
    const inserted = applyPatch(doc, {
      insert: {after: 'items[_key=="hasOwnProperty"]', items: [{_key: 'k', title: 'n'}]},
    }) as unknown as {items: {_key: string}[]}
    expect(inserted.items.map((i) => i._key)).toEqual(['hasOwnProperty', 'k', '__proto__'])
  })

  test.each([
    {set: {'__proto__.x': 1}},
    {set: {'items[0].hasOwnProperty': 1}},
    {unset: ['__proto__.a']},
    {unset: ['hasOwnProperty.x']},
    {set: {'a["hasOwnProperty"]': 1}},
  ])('%j is still refused', (patch) => {
    expect(() => applyPatch(doc, patch)).toThrow(MutationError)
  })
})

describe('an unset of a reserved name, the mend of a document stored before the refusal', () => {
  const stored = JSON.parse(
    '{"_id":"b","_type":"t","hasOwnProperty":"x","__proto__":{"p":1},"meta":{"hasOwnProperty":1,"__proto__":2,"a":1}}',
  ) as SanityDocument

  test('removes it, with the rest of the patch applied, and leaves the stored document as it was', () => {
    const out = applyPatch(stored, {
      unset: ['hasOwnProperty', '__proto__', 'meta.hasOwnProperty', 'meta.__proto__'],
      set: {title: 'mended'},
    })
    expect(JSON.parse(JSON.stringify(out))).toEqual({
      _id: 'b',
      _type: 't',
      meta: {a: 1},
      title: 'mended',
    })
    expect(Object.hasOwn(stored, 'hasOwnProperty') && Object.hasOwn(stored, '__proto__')).toBe(true)
    expect(Object.hasOwn(Object.prototype, 'p')).toBe(false)
  })

  test('an unset through an attribute that is missing or no object removes nothing', () => {
    // Sanity's unset of a path that finds nothing changes nothing: not the name one level up.
    const kept = JSON.parse(
      '{"_id":"c","_type":"t","meta":{"__proto__":2,"a":1,"tags":["a"]}}',
    ) as SanityDocument
    for (const path of ['meta.tags.__proto__', 'meta.a.__proto__', 'meta.b.__proto__']) {
      const out = applyPatch(kept, {unset: [path]}) as unknown as {meta: object}
      expect(Object.hasOwn(out.meta, '__proto__'), path).toBe(true)
    }
    // The top-level hasOwnProperty stays, so the patch is refused as any other of the document.
    const withTags = {...stored, tags: ['a']} as SanityDocument
    expect(() => applyPatch(withTags, {unset: ['tags.hasOwnProperty']})).toThrow(
      /"hasOwnProperty".*unset/,
    )
  })

  test('a patch of such a document that does not unset it says so', () => {
    expect(() => applyPatch(stored, {set: {title: 'x'}})).toThrow(/"hasOwnProperty".*unset/)
  })
})
