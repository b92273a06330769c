import {makePatches, stringifyPatches} from '@sanity/diff-match-patch'
import {Mutation} from '@sanity/mutator'
import {describe, expect, test} from 'vitest'
import {applyPatch} from '../../../lake/core/mutations.ts'
import {patchWork, type Work} from '../../../lake/core/patchWork.ts'

const doc = {
  _id: 'a',
  _type: 't',
  title: 'x'.repeat(1_000),
  items: Array.from({length: 500}, (_, i) => ({_key: `k${i}`, t: 'abc'})),
}

function works(ops: Record<string, unknown>): Work[] {
  const spent: Work[] = []
  patchWork(doc, ops, (work) => spent.push(work))
  return spent
}

describe('patchWork', () => {
  // The document's 4 attributes, 32 each; an item's 2; a `_key` filter tests all 500 items (24
  // each) and copies the array (1 an item), as an index does to change its item.
  test.each([
    ['title', {set: {title: 1}}, 128],
    ['items[3].t', {set: {'items[3].t': 1}}, 128 + 500 + 64],
    // The mutator takes an index from the end only where the path ends ("must have a probe").
    ['items[-1].t (refused by the mutator)', {inc: {'items[-1].t': 1}}, 128],
    ['items[-2]', {inc: {'items[-2]': 1}}, 128 + 500],
    ['items[-1] (a set)', {set: {'items[-1]': {}}}, 128 + 500],
    ['items[500].t (past its end)', {set: {'items[500].t': 1}}, 128],
    ['items[-1]', {unset: ['items[-1]']}, 128 + 500],
    ['items[_key=="k1"].t', {set: {'items[_key=="k1"].t': 1}}, 128 + 500 * 25 + 64],
    ["items[_key == 'k1'].t", {unset: ["items[_key == 'k1'].t"]}, 128 + 500 * 25 + 64],
    [
      'items[_key=="k1"]',
      {insert: {after: 'items[_key=="k1"]', items: [{}, {}]}},
      128 + 500 * 25 + 2,
    ],
    ["['items'][2]", {unset: ["['items'][2]"]}, 128 + 500],
  ])('%s counts what it touches, not the document', (_, ops, bytes) => {
    const spent = works(ops)
    expect(spent).toHaveLength(1)
    expect(spent[0].bytes).toBe(bytes)
    expect(spent[0].what).toMatch(/split it into several/)
  })

  test("a patch's sets of new names count the object as they grow it", () => {
    // @sanity/mutator copies the object for each: 1,000 new names of one object took 230 ms.
    const spent: Work[] = []
    const set = Object.fromEntries(Array.from({length: 1_000}, (_, i) => [`o.f${i}`, i]))
    patchWork({_id: 'a', _type: 't', o: {}}, {set}, (work) => spent.push(work))
    expect(spent.map((work) => work.bytes)).toEqual(
      Array.from({length: 1_000}, (_, i) => 3 * 32 + i * 32),
    )
  })

  test('a diffMatchPatch counts its hunks times the string it patches, and its text', () => {
    const text = '@@ -1,2 +1,3 @@\n xx\n+y\n@@ -100,2 +101,3 @@\n xx\n+y\n'
    const [path, work] = works({diffMatchPatch: {title: text}})
    expect(path.bytes).toBe(128)
    expect(work.bytes).toBe(2 * 1_000 + text.length)
    expect(work.what).toMatch(/"title" has 2 hunks over a string of 1000 characters/)
    // Through a keyed path, the string it finds.
    const [, keyed] = works({diffMatchPatch: {'items[_key=="k7"].t': text}})
    expect(keyed.bytes).toBe(2 * 3 + text.length)
  })

  test.each([
    ['items[0:500]', 500 * 500],
    ['items[490:500].t', 10 * 10 * 500],
    ['items[-3:]', 500 * 500],
    ['items[t=="abc"].t', 500 * 500],
    ['..[0]', Infinity],
    // A list of indexes is a range written out: each index copies the array.
    ['items[0, 2].t', 2 * 500],
    ['items[0,1,2,3]', 4 * 500],
  ])('%s matches many places: each copies the longest array', (path, bytes) => {
    const [work] = works({set: {[path]: 1}})
    if (bytes === Infinity) expect(work.bytes).toBeGreaterThan(500 * 500)
    else expect(work.bytes).toBe(bytes)
    expect(work.what).toMatch(/name the items to change instead/)
    expect(works({unset: [path]})).toHaveLength(1)
  })

  describe('a recursive path counts its real walk', () => {
    test('..t: every value visited (48 each), and each array or object copied per change', () => {
      const [work] = works({set: {'..t': 1}})
      // 1,505 values; 500 items copied (2 attributes), the array 500 times, the document once.
      expect(work.bytes).toBe(1_505 * 48 + 500 * 64 + 500 * 500 + 128)
      expect(work.what).toMatch(/visits 1505 values and copies their arrays and objects 1001 times/)
      expect(works({unset: ['..t']})[0].bytes).toBe(work.bytes)
    })

    test('from a keyed prefix, and by `_key`: only what it reaches and changes', () => {
      const spent: Work[] = []
      const body = Array.from({length: 3}, (_, i) => ({
        _key: `b${i}`,
        children: [{_key: `s${i}`, text: 'x'}],
      }))
      patchWork({_id: 'a', _type: 't', body}, {set: {'body[_key=="b1"]..text': 'y'}}, (work) =>
        spent.push(work),
      )
      // The prefix (the document's 3 attributes, 3 items tested and copied), then 6 values
      // visited below it: the span, the children array and the block copied once each.
      expect(spent[0].bytes).toBe(3 * 32 + 3 * 25 + 6 * 48 + 2 * 32 + 1 + 2 * 32)
      const byKey: Work[] = []
      patchWork({_id: 'a', _type: 't', body}, {unset: ['..[_key=="s2"]']}, (work) =>
        byKey.push(work),
      )
      expect(byKey[0].what).toMatch(/visits 22 values and copies their arrays and objects 4 times/)
    })

    test('deep nesting that copies large arrays at every level is past the budget', () => {
      let nested: Record<string, unknown> = {x: 1}
      for (let level = 0; level < 90; level++) {
        nested = {x: 1, list: Array.from({length: 1_000}, () => ({x: 1})), next: nested}
      }
      const spent: Work[] = []
      patchWork({_id: 'a', _type: 't', nested}, {set: {'..x': 2}}, (work) => spent.push(work))
      expect(spent[0].bytes).toBeGreaterThan(64 * 1024 * 1024)
    })
  })

  describe('a long deletion', () => {
    const sentence = 'সংবাদপত্রের পাঠকেরা প্রতিদিন সকালে খবর পড়েন। '
    const long = Array.from({length: 200}, (_, i) => `${i} ${sentence}`).join('')
    const at = (ops: Record<string, unknown>) => {
      const spent: Work[] = []
      patchWork({_id: 'a', _type: 't', long}, ops, (work) => spent.push(work))
      return spent.filter((work) => /long texts/.test(work.what))
    }

    test('made from the text as it is (the Studio): found in place, nothing more', () => {
      // Words inserted before long deletions: the later hunks' positions roll with the earlier.
      let edited = long
      for (const i of [150, 90, 40]) {
        const from = edited.indexOf(`${i} `)
        edited = edited.slice(0, from) + 'নতুন শব্দ '.repeat(3) + edited.slice(from + 600)
      }
      edited = edited.replace('5 ', '5 যোগ ')
      const patch = stringifyPatches(makePatches(long, edited))
      expect(patch).toMatch(/\n-.{65,}/)
      expect(at({diffMatchPatch: {long: patch}})).toEqual([])
    })

    test('not in place: each is counted as the diff it may run', () => {
      const wrong = 'x'.repeat(32) + 'y'.repeat(900) + 'z'.repeat(32)
      const hunk = (start: number) => `@@ -${start},${wrong.length} +${start},0 @@\n-${wrong}\n`
      const [work] = at({diffMatchPatch: {long: hunk(1) + hunk(3_001)}})
      expect(work.bytes).toBe(2 * 16 * wrong.length ** 2)
      expect(work.what).toMatch(/deletes 2 long texts \(of 964 characters at most\)/)
    })
  })
})

/**
 * The budget counts what @sanity/mutator does along a patch's paths, and each patched document's
 * size once a transaction: what the lake itself does around each patch must cost no more than
 * the mutator's own work. Its look for a dropped `__proto__` key in what the mutator copied
 * paired every item of a copied array by `_key` through a map of all of them: a set of one item
 * of a 100,000-item array cost 40-50 ms a patch against the mutator's 1-3, uncounted once a
 * patch no longer counted its document's size (a32f843).
 */
test("applyPatch's own work around a set of one item of a large array is the mutator's order", () => {
  const large = {
    _id: 'large',
    _type: 't',
    _rev: 'r',
    body: Array.from({length: 100_000}, (_, i) => ({_key: `k${i}`, text: 'x'})),
  }
  const patch = (i: number) => ({set: {[`body[${i % 1000}].text`]: `y${i}`}})
  // This thread's CPU (not stretched by others' load), the fewest of alternating blocks.
  const cpu = (run: (i: number) => void) => {
    const start = process.threadCpuUsage()
    for (let i = 0; i < 10; i++) run(i)
    const {user, system} = process.threadCpuUsage(start)
    return (user + system) / 1000
  }
  const mutator = (i: number) =>
    new Mutation({mutations: [{patch: {id: 'large', ...patch(i)}}]}).apply(large)
  const lake = (i: number) => applyPatch(large, patch(i))
  let alone = Infinity
  let around = Infinity
  for (let block = 0; block < 5; block++) {
    alone = Math.min(alone, cpu(mutator))
    around = Math.min(around, cpu(lake))
  }
  expect((lake(7).body as unknown[])[7]).toEqual({_key: 'k7', text: 'y7'})
  // The mutator's work is in both: 40-50 ms a patch around its 1-3 failed this.
  expect(around).toBeLessThan(4 * alone + 10)
})
