import {Mutation} from '@sanity/mutator'
import {describe, expect, it} from 'vitest'
import {expandWildcards} from '../../../lake/core/patchWildcards.ts'

const doc = {
  _id: 'd',
  _type: 't',
  tags: ['a', 'b', 'c'],
  body: [
    {_key: 'k1', marks: ['em', 'strong']},
    {_key: 'k2', marks: []},
  ],
  'odd name': [{x: 1}],
  meta: {"it's": [1, 2], title: 'শিরোনাম'},
  empty: [],
}

/** The patch written out on `doc`, applied by @sanity/mutator as the lake applies it. */
const applied = (ops: Record<string, unknown>) =>
  new Mutation({mutations: [{patch: {id: 'd', ...expandWildcards(doc, ops)}}]}).apply(doc)!

describe('expandWildcards', () => {
  it('writes out every item of each array a [*] names, nested ones too', () => {
    expect(expandWildcards(doc, {set: {'body[*].marks[*]': 'x'}})).toEqual({
      set: {'body[0].marks[0]': 'x', 'body[0].marks[1]': 'x'},
    })
    expect(applied({set: {'body[*].seen': true}}).body).toEqual([
      {_key: 'k1', marks: ['em', 'strong'], seen: true},
      {_key: 'k2', marks: [], seen: true},
    ])
  })

  it('unsets the items of a trailing [*] together, so none shifts another', () => {
    expect(expandWildcards(doc, {unset: ['tags[*]', 'title']})).toEqual({
      unset: ['tags[0,1,2]', 'title'],
    })
    expect(applied({unset: ['body[*].marks[*]']}).body).toEqual([
      {_key: 'k1', marks: []},
      {_key: 'k2', marks: []},
    ])
  })

  it('quotes names that are no identifiers', () => {
    expect(applied({set: {"'odd name'[*].x": 2}})['odd name']).toEqual([{x: 2}])
    expect(applied({unset: ["meta['it\\'s'][*]"]}).meta).toEqual({"it's": [], title: 'শিরোনাম'})
  })

  it('reaches nothing where there is no array, or an empty one', () => {
    expect(
      expandWildcards(doc, {set: {'empty[*].x': 1, 'missing[*]': 1, 'meta.title[*]': 1}}),
    ).toEqual({
      set: {},
    })
    expect(expandWildcards(doc, {unset: ['empty[*]']})).toEqual({unset: []})
  })

  it('leaves paths without a [*] (one inside quotes is none) as they are', () => {
    const ops = {set: {'body[_key=="[*]"].x': 1, title: 'x'}, inc: {n: 1}}
    expect(expandWildcards(doc, ops)).toBe(ops)
  })
})
