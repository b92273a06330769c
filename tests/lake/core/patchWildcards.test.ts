import {Mutation} from '@sanity/mutator'
import {describe, expect, it} from 'vitest'
import {MutationError} from '../../../lake/core/errors.ts'
import {applyPatch} from '../../../lake/core/mutations.ts'
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

/** `ops` written out and applied to `on` as one patch, as the lake logs and applies it. */
const patched = (on: Record<string, unknown>, ops: Record<string, unknown>) =>
  new Mutation({mutations: [{patch: {id: 'd', ...expandWildcards(on, ops)}}]}).apply({
    _id: 'd',
    _type: 't',
    ...on,
  })!

describe('expandWildcards after earlier operations of the same patch', () => {
  it('unsets the items a set before it left, not the ones stored', () => {
    const on = {_id: 'd', tags: ['x']}
    expect(patched(on, {set: {tags: ['a', 'b', 'c']}, unset: ['tags[*]']}).tags).toEqual([])
  })

  it('reaches the items a setIfMissing before it made', () => {
    expect(
      patched({_id: 'd'}, {setIfMissing: {items: [{}, {}]}, set: {'items[*].seen': true}}).items,
    ).toEqual([{seen: true}, {seen: true}])
  })

  it('reaches the children a set of their parent made, nested [*] too', () => {
    const on = {_id: 'd', a: [{b: [1]}]}
    expect(patched(on, {set: {a: [{b: [1, 2]}, {b: [3]}], 'a[*].b[*]': 0}}).a).toEqual([
      {b: [0, 0]},
      {b: [0]},
    ])
  })

  it('reaches nothing an unset before it removed', () => {
    const on = {_id: 'd', body: [{n: 1}, {n: 2}], tags: ['a']}
    const ops = {unset: ['body[1]', 'tags'], inc: {'body[*].n': 10}, set: {}}
    expect(patched(on, ops)).toMatchObject({body: [{n: 11}]})
    expect(patched(on, ops)).not.toHaveProperty('tags')
  })

  it('increments the items an earlier set or inc left, each once', () => {
    const on = {_id: 'd', body: [{n: 1}]}
    expect(
      patched(on, {set: {body: [{n: 1}, {n: 2}]}, inc: {'body[*].n': 1}, dec: {'body[*].n': 5}})
        .body,
    ).toEqual([{n: -3}, {n: -2}])
  })

  it('refuses two operations of one kind written out to the same path, not applying it once', () => {
    const on = {_id: 'd', body: [{n: 1}, {n: 2}]}
    expect(() => expandWildcards(on, {inc: {'body[*].n': 1, 'body[0].n': 1}})).toThrow(
      /`inc` reaches "body\[0\]\.n" twice.*two patches/,
    )
    expect(() => expandWildcards(on, {setIfMissing: {'body[*].m': 1, 'body[1].m': 2}})).toThrow(
      /`setIfMissing` reaches "body\[1\]\.m" twice/,
    )
  })

  it('applies a set reaching a path again after the first, its value last', () => {
    const on = {_id: 'd', tags: ['a', 'b', 'c'], body: [{n: 1}, {n: 2}, {n: 3}]}
    expect(patched(on, {set: {'body[*].n': 1, 'body[1].n': 2}}).body).toEqual([
      {n: 1},
      {n: 2},
      {n: 1},
    ])
    // Slices written out to one path: both applied as one patch at 1f7359a, a 400 after 179ebb0.
    expect(patched(on, {set: {'tags[1:]': 'x', 'tags[1:3]': 'y'}}).tags).toEqual(['a', 'y', 'y'])
    expect(patched(on, {set: {'tags[0:2]': 'x', 'tags[-3:-1]': 'y'}}).tags).toEqual(['y', 'y', 'c'])
    expect(patched(on, {set: {'tags[1:]': 'x', 'tags[1:3]': 'y', 'tags[-2:]': 'z'}}).tags).toEqual([
      'a',
      'z',
      'z',
    ])
  })

  it('weighs the operations it applies to find what a [*] reaches, and stops when refused', () => {
    const on = {_id: 'd', tags: ['x']}
    const weighed: string[] = []
    const ops = {set: {tags: ['a', 'b']}, unset: ['tags[*]']}
    expandWildcards(on, ops, {spend: (work) => weighed.push(work.what)})
    expect(weighed.length).toBeGreaterThan(0)
    const refused = new MutationError('The mutation(s) failed: over budget')
    expect(() =>
      expandWildcards(on, ops, {
        spend: () => {
          throw refused
        },
      }),
    ).toThrow(refused)
    // A [*] first meets the document as stored: nothing to apply, nothing to weigh.
    weighed.length = 0
    expandWildcards(
      on,
      {unset: ['tags[*]'], inc: {n: 1}},
      {spend: (work) => weighed.push(work.what)},
    )
    expect(weighed).toEqual([])
  })
})

describe('expandWildcards and reserved names', () => {
  // As JSON.parse leaves a body: `__proto__` an own key, which assignment would drop.
  const sent = (json: string) => JSON.parse(json) as Record<string, unknown>

  it.each([
    '{"set":{"__proto__":{"x":1}},"unset":["tags[*]"]}',
    '{"setIfMissing":{"__proto__":{"x":1}},"set":{"tags[*]":"y"}}',
    '{"set":{"tags[*]":"y","__proto__":{"x":1}}}',
  ])('keeps a `__proto__` path of %s, for the checks to refuse it as without [*]', (json) => {
    const ops = sent(json)
    expect(() => applyPatch(doc, ops)).toThrow(MutationError)
    expect(() => applyPatch(doc, expandWildcards(doc, ops))).toThrow(MutationError)
    expect(Object.hasOwn(Object.prototype, 'x')).toBe(false)
  })
})

describe('expandWildcards on a document stored before the lake refused `hasOwnProperty`', () => {
  // Parsed, as the store reads one: the attribute is an own property, as a stored document's is.
  const stored = () => JSON.parse('{"_id":"h","_type":"t","hasOwnProperty":1,"n":[1,2]}')

  it('applies the earlier operations as the patch does, the attribute unset first', () => {
    const ops = {set: {n: [5]}, unset: ['hasOwnProperty'], inc: {'n[*]': 1}}
    const written = expandWildcards(stored(), ops)
    expect(written).toEqual({set: {n: [5]}, unset: ['hasOwnProperty'], inc: {'n[0]': 1}})
    expect(applyPatch(stored(), {...written, id: 'h'})).toEqual({_id: 'h', _type: 't', n: [6]})
  })
})

// JSONMatch's slices are JavaScript's Array.prototype.slice (`[1:3]` the items 1 and 2, `[-2:]`
// the last two: @sanity/json-match's README and tests), and hosted Sanity lands an insert `after`
// a path of several items after the last of them (Sanity's changelog, "Fixes JSONMatch issue in
// `insert` patches", v2023-03-07). @sanity/mutator inserted one item further after a slice, threw
// on an open or negative one, and its parser refuses `[*]`.
describe('expandWildcards on insert paths', () => {
  const list = {
    _id: 'd',
    _type: 't',
    arr: ['a', 'b', 'c', 'd', 'e'],
    body: [{_key: 'x', c: [1, 2]}, {_key: 'y', c: [3]}, {_key: 'z'}],
    empty: [] as unknown[],
  }
  /** The patch written out on `list` and applied as the lake applies it. */
  const inserted = (insert: Record<string, unknown>, on: Record<string, unknown> = list) =>
    applyPatch(on as never, {...expandWildcards(on, {insert}), id: 'd'})

  it('lands after the last item of a slice, its end index not included', () => {
    expect(inserted({after: 'arr[1:3]', items: ['X']}).arr).toEqual(['a', 'b', 'c', 'X', 'd', 'e'])
    expect(inserted({after: 'arr[:2]', items: ['X']}).arr).toEqual(['a', 'b', 'X', 'c', 'd', 'e'])
    expect(inserted({after: 'arr[2:]', items: ['X']}).arr).toEqual(['a', 'b', 'c', 'd', 'e', 'X'])
    expect(inserted({after: 'arr[-2:]', items: ['X']}).arr).toEqual(['a', 'b', 'c', 'd', 'e', 'X'])
    expect(inserted({after: 'arr[1:10]', items: ['X']}).arr).toEqual(['a', 'b', 'c', 'd', 'e', 'X'])
    expect(inserted({after: 'arr[-3:-1]', items: ['X']}).arr).toEqual([
      'a',
      'b',
      'c',
      'd',
      'X',
      'e',
    ])
  })

  it('lands before the first item of a slice, and replaces a slice by the items', () => {
    expect(inserted({before: 'arr[-2:]', items: ['X']}).arr).toEqual(['a', 'b', 'c', 'X', 'd', 'e'])
    expect(inserted({before: 'arr[1:3]', items: ['X']}).arr).toEqual(['a', 'X', 'b', 'c', 'd', 'e'])
    expect(inserted({replace: 'arr[1:3]', items: ['X']}).arr).toEqual(['a', 'X', 'd', 'e'])
    expect(inserted({replace: 'arr[-2:]', items: ['X', 'Y']}).arr).toEqual([
      'a',
      'b',
      'c',
      'X',
      'Y',
    ])
  })

  it('takes [*] as every item: after the last, before the first, replacing them all', () => {
    expect(inserted({after: 'arr[*]', items: ['X']}).arr).toEqual(['a', 'b', 'c', 'd', 'e', 'X'])
    expect(inserted({before: 'arr[*]', items: ['X']}).arr).toEqual(['X', 'a', 'b', 'c', 'd', 'e'])
    expect(inserted({replace: 'arr[*]', items: ['X']}).arr).toEqual(['X'])
  })

  it('inserts into each array a [*] before the last brackets reaches', () => {
    expect(inserted({after: 'body[*].c[-1]', items: [9]}).body).toEqual([
      {_key: 'x', c: [1, 2, 9]},
      {_key: 'y', c: [3, 9]},
      {_key: 'z'},
    ])
    expect(inserted({before: 'body[*].c[*]', items: [0]}).body).toEqual([
      {_key: 'x', c: [0, 1, 2]},
      {_key: 'y', c: [0, 3]},
      {_key: 'z'},
    ])
    // Only the arrays whose slice holds an item.
    expect(inserted({after: 'body[*].c[1:]', items: [9]}).body).toEqual([
      {_key: 'x', c: [1, 2, 9]},
      {_key: 'y', c: [3]},
      {_key: 'z'},
    ])
  })

  it('writes the insert out as one path the mutator reads', () => {
    expect(expandWildcards(list, {insert: {after: 'arr[1:3]', items: ['X']}})).toEqual({
      insert: {after: 'arr[2]', items: ['X']},
    })
    expect(expandWildcards(list, {insert: {replace: 'arr[-2:]', items: ['X']}})).toEqual({
      insert: {replace: 'arr[3,4]', items: ['X']},
    })
    expect(expandWildcards(list, {insert: {after: 'body[*].c[-1]', items: [9]}})).toEqual({
      insert: {after: 'body[0,1].c[-1]', items: [9]},
    })
  })

  it('inserts nothing where a slice or [*] reaches no item, as a key that matches none', () => {
    expect(inserted({after: 'arr[3:3]', items: ['X']}).arr).toEqual(list.arr)
    expect(inserted({replace: 'arr[7:]', items: ['X']}).arr).toEqual(list.arr)
    expect(inserted({after: 'empty[*]', items: ['X']}).empty).toEqual([])
    expect(inserted({after: 'missing[*]', items: ['X']})).not.toHaveProperty('missing')
  })

  it('inserts into the array the earlier operations of the patch leave', () => {
    const ops = {set: {arr: ['p', 'q']}, insert: {after: 'arr[*]', items: ['X']}}
    expect(applyPatch(list, {...expandWildcards(list, ops), id: 'd'}).arr).toEqual(['p', 'q', 'X'])
  })

  it('refuses a [*] whose arrays would need different positions, saying to send one each', () => {
    expect(() => expandWildcards(list, {insert: {replace: 'body[*].c[*]', items: [0]}})).toThrow(
      /one insert for each array/,
    )
  })
})

// The other operations' slices, as @sanity/json-match picks them (and the App SDK's own patches,
// sanity-io/sdk packages/core/src/document/patchOperations.ts, which apply them through it):
// @sanity/mutator threw on an open or negative slice followed by more path ("expandRange()
// required a probe"), and a set through a slice past the end wrote up to its end index.
describe('expandWildcards on slices', () => {
  const three = {_id: 'd', _type: 't', tags: ['a', 'b', 'c'], body: [{n: 1}, {n: 2}, {n: 3}]}
  const result = (ops: Record<string, unknown>) =>
    applyPatch(three, {...expandWildcards(three, ops), id: 'd'})

  it('reaches the items of a slice followed by more path, each once', () => {
    // A closed one too: the mutator added 10 twice to each item of body[1:3].
    expect(result({inc: {'body[1:3].n': 10}}).body).toEqual([{n: 1}, {n: 12}, {n: 13}])
    expect(result({set: {'body[1:].seen': true}}).body).toEqual([
      {n: 1},
      {n: 2, seen: true},
      {n: 3, seen: true},
    ])
    expect(result({inc: {'body[-2:].n': 10}}).body).toEqual([{n: 1}, {n: 12}, {n: 13}])
    expect(result({unset: ['body[:-1].n']}).body).toEqual([{}, {}, {n: 3}])
  })

  it('changes only the items there are through a slice past the end', () => {
    expect(result({set: {'tags[1:10]': 'x'}}).tags).toEqual(['a', 'x', 'x'])
    expect(result({set: {'tags[5:7]': 'x'}}).tags).toEqual(['a', 'b', 'c'])
  })

  it('writes a slice out as its bounds on the array (its indexes before more path), and leaves one inside it as sent', () => {
    expect(expandWildcards(three, {set: {'body[1:].x': 1}})).toEqual({set: {'body[1,2].x': 1}})
    expect(expandWildcards(three, {unset: ['tags[-2:]']})).toEqual({unset: ['tags[1:3]']})
    expect(expandWildcards(three, {set: {'tags[5:7]': 'x'}})).toEqual({set: {}})
    const inside = {set: {'tags[0:2]': 'x'}, unset: ['body[0:3]']}
    expect(expandWildcards(three, inside)).toBe(inside)
  })
})

// JSONMatch reads `[-1]` as the last item (@sanity/json-match src/match.ts: `value.at(index)`),
// followed by more path too; @sanity/mutator 6.9.2 threw there ('interpretNegativeIndex() must
// have a probe when < 0', a 400), as it did on negative slices.
describe('expandWildcards on negative indexes followed by more path', () => {
  const three = {
    _id: 'd',
    _type: 't',
    body: [
      {n: 1, c: [1]},
      {n: 2, c: [2]},
      {n: 3, c: [3]},
    ],
  }
  const result = (ops: Record<string, unknown>) =>
    applyPatch(three, {...expandWildcards(three, ops), id: 'd'})

  it('reaches the item it counts from the end', () => {
    expect(result({set: {'body[-1].n': 7}}).body).toMatchObject([{n: 1}, {n: 2}, {n: 7}])
    expect(result({inc: {'body[-2].n': 10}}).body).toMatchObject([{n: 1}, {n: 12}, {n: 3}])
    expect(result({unset: ['body[-3].n']}).body).toEqual([{c: [1]}, {n: 2, c: [2]}, {n: 3, c: [3]}])
    expect(result({insert: {after: 'body[-1].c[0]', items: [9]}}).body).toMatchObject([
      {c: [1]},
      {c: [2]},
      {c: [3, 9]},
    ])
  })

  it('is written out as that index, reaches nothing before the first item, and ends a path as sent', () => {
    expect(expandWildcards(three, {set: {'body[-1].n': 7}})).toEqual({set: {'body[2].n': 7}})
    expect(expandWildcards(three, {set: {'body[-4].n': 7}})).toEqual({set: {}})
    const ending = {set: {'body[-1]': {n: 0}}}
    expect(expandWildcards(three, ending)).toBe(ending)
  })
})

// JSONMatch's unions of indexes and slices (`friends[0, 2:3].name`, @sanity/json-match's README)
// pick each item once (its matches are deduplicated by path). @sanity/mutator read `[0,1:3]` with
// its range bugs (an inc through it twice on items 1 and 2, a set past the end), `[0,0]` twice, and
// threw on a negative index in one followed by more path.
describe('expandWildcards on unions of indexes and slices', () => {
  const three = {_id: 'd', _type: 't', tags: ['a', 'b', 'c'], body: [{n: 1}, {n: 2}, {n: 3}]}
  const result = (ops: Record<string, unknown>) =>
    applyPatch(three, {...expandWildcards(three, ops), id: 'd'})

  it('reaches each item it picks once', () => {
    expect(result({inc: {'body[0,1:3].n': 10}}).body).toEqual([{n: 11}, {n: 12}, {n: 13}])
    expect(result({inc: {'body[0,0].n': 10}}).body).toEqual([{n: 11}, {n: 2}, {n: 3}])
    expect(result({inc: {'body[2,-1].n': 10}}).body).toEqual([{n: 1}, {n: 2}, {n: 13}])
    expect(result({set: {'tags[0:1,2:5]': 'x'}}).tags).toEqual(['x', 'b', 'x'])
    expect(result({unset: ['tags[-1,0:1]']}).tags).toEqual(['b'])
  })

  it('is written out as the list of the items it picks, and an insert lands by them', () => {
    expect(expandWildcards(three, {set: {'tags[2,0:1,7]': 'x'}})).toEqual({set: {'tags[0,2]': 'x'}})
    expect(expandWildcards(three, {set: {'tags[5:,9]': 'x'}})).toEqual({set: {}})
    expect(
      applyPatch(three, {
        ...expandWildcards(three, {insert: {after: 'tags[0,1:2]', items: ['X']}}),
        id: 'd',
      }).tags,
    ).toEqual(['a', 'b', 'X', 'c'])
    const plain = {set: {'tags[0,2]': 'x'}}
    expect(expandWildcards(three, plain)).toBe(plain)
    // Each item once however many elements pick it (a hostile union of 2,000 `0:`).
    const many = Array.from({length: 2000}, () => '0:').join(',')
    expect(expandWildcards(three, {set: {[`tags[${many},-1]`]: 'x'}})).toEqual({
      set: {'tags[0,1,2]': 'x'},
    })
  })
})

describe('expandWildcards refusing a path written out long', () => {
  it('names it shortened, as the patch budget does (a slice of 2,000 items written out)', () => {
    const on = {_id: 'd', body: Array.from({length: 2000}, (_, n) => ({n}))}
    let message = ''
    try {
      expandWildcards(on, {inc: {'body[0:].n': 1, 'body[:2000].n': 1}})
    } catch (err) {
      message = (err as MutationError).message
    }
    expect(message).toMatch(/`inc` reaches "body\[0,1,2,.*…[\d,]*,1998,1999\]\.n" twice/)
    expect(message.length).toBeLessThan(600)
  })
})
