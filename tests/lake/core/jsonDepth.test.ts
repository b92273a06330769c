// The byte scans that refuse a too-deep body before it is parsed (lake/core/jsonDepth.ts): where a
// string ends, whatever its escapes and length, and which member or item nests too deep.
import {expect, test} from 'vitest'
import {createRandom} from '../../../kit/seeded.ts'
import {shallowText, stringEnd, tooDeepMember} from '../../../lake/core/jsonDepth.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`

test('finds the end of strings of every length and run of backslashes, as JSON writes them', () => {
  const random = createRandom(23)
  const pieces = ['\\', '"', '[', '{', 'a', 'ক', '\\"', '\\\\', ']']
  for (let round = 0; round < 2_000; round++) {
    let value = ''
    const length = random.int(0, 200)
    for (let i = 0; i < length; i++) value += random.pick(pieces)
    const json = JSON.stringify(value)
    const text = bytes(`${json},"after"]`)
    expect(stringEnd(text, 0), json).toBe(bytes(json).length)
  }
  expect(stringEnd(bytes('"abc'), 0)).toBe(-1)
  expect(stringEnd(bytes(`"${'a'.repeat(100)}\\"`), 0)).toBe(-1)
})

test('names the member or item nesting past the limit, counted from its own brackets', () => {
  const body = bytes(`{"a":${nested(3)},"b":"${'['.repeat(9)}","c":${nested(4)}}`)
  expect(tooDeepMember(body, 4)).toBeNull()
  expect(tooDeepMember(body, 3)).toEqual({member: 'c', index: 2, at: body.indexOf(0x5b, 30)})
  expect(tooDeepMember(body, 3, 0, (member) => (member === 'c' ? 4 : 3))).toBeNull()
  const list = bytes(`[1,{"x":2},${nested(3)}]`)
  expect(tooDeepMember(list, 2)).toMatchObject({member: null, index: 2})
  expect(tooDeepMember(list, 3)).toBeNull()
})

test('cuts what nests past a depth, keeping the rest as it was', () => {
  const text = bytes(`{"patch":{"id":"a]\\"{","set":{"x":${nested(50)}}},"n":[1]}`)
  expect(JSON.parse(shallowText(text, 0, 2)!)).toEqual({
    patch: {id: 'a]"{', set: null},
    n: [1],
  })
  expect(shallowText(bytes('{"a":[1'), 0, 2)).toBeNull()
})
