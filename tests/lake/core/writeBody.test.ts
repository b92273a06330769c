// A large write body is read on a thread with a heap limit; one whose parse would come near that
// limit is refused before JSON.parse (core/writes.ts), since V8 may abort the whole process
// rather than stop the thread when one parse grows an array past it (nodejs/node#47224: the lake
// died so under load in isolation/writeMemory.test.ts, "FATAL ERROR: Reached heap limit").
import {afterEach, expect, test} from 'vitest'
import {QueryMemoryError} from '../../../lake/core/errors.ts'
import {parsedHeapEstimate, readWriteBody} from '../../../lake/core/writes.ts'

const bytes = (text: string) => new TextEncoder().encode(text)

test('counts a value per {, [ and , outside strings, and two bytes a character', () => {
  expect(parsedHeapEstimate('1')).toBe(64 + 2)
  expect(parsedHeapEstimate('[1,2,3]')).toBe(4 * 64 + 7 * 2)
  // The text's first value and its opening brace both count: an over-estimate by one.
  expect(parsedHeapEstimate('{"a":{},"b":[]}')).toBe(5 * 64 + 15 * 2)
  // Inside strings, brackets, commas and escaped quotes are text.
  const text = JSON.stringify({title: 'ক, [খ] {গ} "ঘ" \\ ,'})
  expect(parsedHeapEstimate(text)).toBe(2 * 64 + text.length * 2)
})

test('over-estimates what V8 keeps of a parse, for the shapes a write body takes', () => {
  // V8 keeps about 67 bytes per empty object in an array (Node 24, measured); "{}," counts as two
  // values (its brace and its comma), 134 bytes with its text.
  const text = `[${'{},'.repeat(100_000)}{}]`
  expect(parsedHeapEstimate(text) / 100_001).toBeGreaterThan(67)
})

test('a body whose parse would pass half the heap is refused unparsed; a smaller one is read', () => {
  const items = `[${'{},'.repeat(300_000)}{}]`
  const body = `{"mutations": [{"create": {"_type": "article", "items": ${items}}}]}`
  // About 40 MB estimated: refused on a 64 MB thread, read on a 128 MB one.
  expect(() => readWriteBody(bytes(body), 'mutations', 64)).toThrow(QueryMemoryError)
  expect(readWriteBody(bytes(body), 'mutations', 128).mutations).toHaveLength(1)
  // With no limit given (the event loop's small bodies), nothing is estimated.
  expect(readWriteBody(bytes(body), 'mutations').mutations).toHaveLength(1)
})

const parse = JSON.parse
afterEach(() => {
  JSON.parse = parse
})

test('a body nesting past any write is refused from its bytes, never parsed', () => {
  const deep = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`
  let parsedDeep = 0
  JSON.parse = (text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    if (text.includes('[[[[[[[[[[')) parsedDeep++
    return parse(text, reviver) as unknown
  }
  const body = `{"mutations":[{"delete":{"id":"a"}},{"patch":{"id":"b","set":{"x":${deep}}}}]}`
  expect(() => readWriteBody(bytes(body), 'mutations')).toThrow(
    /Mutation 1 on "b" nests objects and arrays more than 104 levels deep/,
  )
  const actions = `{"actions":[{"actionType":"sanity.action.document.edit","publishedId":"c","draftId":"drafts.c","patch":{"set":{"x":${deep}}}}]}`
  expect(() => readWriteBody(bytes(actions), 'actions')).toThrow(/Action 0 on "c" nests/)
  expect(parsedDeep).toBe(0)
})
