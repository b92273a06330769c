/**
 * Patch paths @sanity/mutator reads only in part (lake/core/patchPaths.ts): each applies without an
 * error and changes the wrong attribute or none, so the lake refuses them; every path it reads
 * whole is let through. Both lists are checked against the mutator itself.
 */
import {Mutation} from '@sanity/mutator'
import {describe, expect, test} from 'vitest'
import {bodyPatchPaths, patchPathProblem} from '../../../lake/core/patchPaths.ts'

const doc = {
  _id: 'a',
  _type: 't',
  title: 'x',
  a: {b: {c: 1}, x: 2},
  list: [1, 2, 3],
  body: [{_key: 'k1', children: [{_key: 'c1', text: 't'}]}],
}

/** The mutator's result of setting `path` to 9 (it throws on what it cannot read at all). */
const setWithMutator = (path: string) =>
  new Mutation({mutations: [{patch: {id: 'a', set: {[path]: 9}}}]}).apply(doc)

describe('paths the mutator reads whole are let through', () => {
  test.each([
    'title',
    'a.b.c',
    'list[0]',
    'list[-1]',
    'body[_key=="k1"].children[_key=="c1"].text',
    'body[_key == "k1"]',
    'list[1:2]',
    'list[:2]',
    'list[1:]',
    'list[0,1]',
    'a[b,x]',
    'a..c',
    '..c',
    "'title'",
    "a.'b'",
    'a [0]',
    'a . b',
    'list[ 0 ]',
    'list[@ > 1]',
    'body[_key?]',
    'body[0].children[0].text',
    'meta.__proto__',
  ])('%s', (path) => {
    expect(patchPathProblem(path)).toBeNull()
    expect(() => setWithMutator(path)).not.toThrow()
  })
})

describe('paths the mutator reads only in part are refused', () => {
  test.each([
    ['title extra', 'title'],
    ['a,b', 'a'],
    ['a]', 'a'],
    ['a.b c', 'a.b'],
    ['a.b]', 'a.b'],
    ['list[0]]', 'list[0]'],
    ['list[0] title', 'list[0]'],
  ])('%s (the mutator set %s)', (path, instead) => {
    expect(patchPathProblem(path)).toMatch(/\S/)
    expect(setWithMutator(path)).toEqual(setWithMutator(instead))
  })

  test.each(['a[', '[]', 'list[]', 'list[<]', 'list["x"]', 'list[:]', 'list[,0]', 'list[true]'])(
    '%s (the mutator changed nothing)',
    (path) => {
      expect(patchPathProblem(path)).toMatch(/\S/)
      expect(setWithMutator(path)).toEqual(doc)
    },
  )
})

describe('bodyPatchPaths: the patch paths a write body carries, from its bytes', () => {
  const count = (body: string, max = 100) => bodyPatchPaths(new TextEncoder().encode(body), max)
  test('counts the members and items of every patch operation, in mutations and edit actions', () => {
    const set = '{"a":1,"b":{"c":[1,2]},"d,e":"f"}'
    expect(
      count(`{"mutations":[{"patch":{"id":"x","set":${set},"unset":["q","r"],"inc":{}}}]}`),
    ).toBe(5)
    expect(count('{"mutations":{"patch":{"id":"x","setIfMissing":{"a":1}}}}')).toBe(1)
    expect(
      count('{"actions":[{"patch":{"dec":{"n":1},"diffMatchPatch":{"t":"@@ -1 +1 @@"}}}]}'),
    ).toBe(2)
  })
  test('reads a name written with escapes as JSON does, and no document field as a patch', () => {
    expect(count('{"mutations":[{"p\\u0061tch":{"id":"x","s\\u0065t":{"a":1,"b":2}}}]}')).toBe(2)
    expect(count('{"mutations":[{"create":{"_id":"x","set":{"a":1,"b":2}}}]}')).toBe(0)
    expect(
      count('{"mutations":[{"create":{"_id":"x","s":"\\"patch\\":{\\"set\\":{\\"a\\":1}}"}}]}'),
    ).toBe(0)
  })
  test('reads the longest operation names written wholly in escapes (review25d)', () => {
    const escaped = (name: string) =>
      [...name].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
    for (const name of ['set', 'setIfMissing', 'diffMatchPatch']) {
      const members = Array.from({length: 50}, (_, i) => `"a${i}":1`).join(',')
      expect(count(`{"mutations":[{"patch":{"id":"x","${escaped(name)}":{${members}}}}]}`)).toBe(50)
    }
  })
  test('stops just past its bound', () => {
    const set = Object.fromEntries(Array.from({length: 5000}, (_, i) => [`a${i}`, 1]))
    expect(count(JSON.stringify({mutations: [{patch: {id: 'x', set}}]}), 10)).toBe(11)
  })
})
