import {makePatches, stringifyPatches} from '@sanity/diff-match-patch'
import {describe, expect, test} from 'vitest'
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
  test.each([
    'title',
    'items[3].t',
    'items[-1]',
    'items[_key=="k1"].t',
    "items[_key == 'k1'].t",
    "items['k1']",
  ])('%s names one place: nothing past the count before reading', (path) => {
    expect(works({set: {[path]: 1}, unset: [path], insert: {after: path, items: [{}]}})).toEqual([])
  })

  test('a diffMatchPatch counts its hunks past the first times the string it patches, and its text', () => {
    const text = '@@ -1,2 +1,3 @@\n xx\n+y\n@@ -100,2 +101,3 @@\n xx\n+y\n'
    const [work] = works({diffMatchPatch: {title: text}})
    // The first is the patch's own count of its document.
    expect(work.bytes).toBe(1_000 + text.length)
    expect(work.what).toMatch(/"title" has 2 hunks over a string of 1000 characters/)
    // Through a keyed path, the string it finds.
    const [keyed] = works({diffMatchPatch: {'items[_key=="k7"].t': text}})
    expect(keyed.bytes).toBe(3 + text.length)
  })

  test.each([
    ['items[0:500]', 500 * 500],
    ['items[490:500].t', 10 * 10 * 500],
    ['items[-3:]', 500 * 500],
    ['items[t=="abc"].t', 500 * 500],
    ['..t', 500 * 500],
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
