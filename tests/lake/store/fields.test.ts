/**
 * documentReferences: the refs table's rows of a document in one walk, strong as delete protection
 * counts them and visible as GROQ's references() finds them (docs/query-engine.md#references).
 */
import fc from 'fast-check'
import {describe, expect, test} from 'vitest'
import {strongReferences} from '../../../lake/core/references.ts'
import {documentReferences} from '../../../lake/store/fields.ts'

const sorted = (rows: [string, number, number][]) =>
  [...rows].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))

describe('documentReferences', () => {
  test('strong, weak, nested and malformed references', () => {
    const doc = {
      _id: 'a',
      source: {_type: 'reference', _ref: 's1'},
      draftLink: {_ref: 'w1', _weak: true},
      // A reference inside a reference: strong, but GROQ does not look inside a reference.
      odd: {_ref: 'outer', meta: {_ref: 'inner'}},
      list: [{_ref: 's1'}, [{_ref: 'deep', _weak: false}]],
      // An empty `_ref` is strong (a string) but no reference to GROQ, which searches inside it.
      empty: {_ref: '', child: {_ref: 'c1', _weak: true}},
      // A truthy `_ref` that is not a string: a reference to nothing, not searched.
      number: {_ref: 7, child: {_ref: 'hidden'}},
    }
    expect(sorted(documentReferences(doc))).toEqual([
      ['', 1, 0],
      ['c1', 0, 1],
      ['deep', 1, 1],
      ['hidden', 1, 0],
      ['inner', 1, 0],
      ['outer', 1, 1],
      ['s1', 1, 1],
      ['w1', 0, 1],
    ])
  })

  test('its strong ones are strongReferences’, its visible ones GROQ’s (fast-check)', () => {
    const reference = fc.record(
      {_ref: fc.oneof(fc.constantFrom('a', 'b', ''), fc.integer()), _weak: fc.boolean()},
      {requiredKeys: ['_ref']},
    )
    const value = fc.letrec<{node: unknown}>((tie) => ({
      node: fc.oneof(
        {depthSize: 'small'},
        fc.string(),
        reference,
        fc.array(tie('node'), {maxLength: 3}),
        fc.dictionary(fc.constantFrom('x', 'y', '_ref', '_weak'), tie('node'), {maxKeys: 3}),
      ),
    })).node
    // GROQ's references(): an object with a truthy `_ref` is a reference, not searched further.
    const visible = (node: unknown, into = new Set<string>()): Set<string> => {
      if (Array.isArray(node)) for (const item of node) visible(item, into)
      else if (node && typeof node === 'object') {
        const object = node as Record<string, unknown>
        if (object._ref) {
          if (typeof object._ref === 'string') into.add(object._ref)
        } else for (const key in object) visible(object[key], into)
      }
      return into
    }
    fc.assert(
      fc.property(value, (doc) => {
        const rows = documentReferences(doc)
        expect(new Set(rows.filter((row) => row[1]).map((row) => row[0]))).toEqual(
          strongReferences(doc),
        )
        expect(new Set(rows.filter((row) => row[2]).map((row) => row[0]))).toEqual(visible(doc))
        expect(new Set(rows.map((row) => row[0])).size).toBe(rows.length)
      }),
      {numRuns: 2000},
    )
  })
})
