/**
 * The patch budget's count of a path's work against what @sanity/mutator really does on the same
 * patch: every container of the document is a Proxy that records which of its own values the
 * mutator reads while it applies (and not while the budget counts). A `_key` filter's count of
 * items tested is the number of items whose `_key` the mutator read; a recursive path's count of
 * values visited is the number of values it read, plus where it starts.
 */
import {extractWithPath, Mutation} from '@sanity/mutator'
import fc from 'fast-check'
import {describe, expect, test} from 'vitest'
import {patchWork, type Work} from '../../../lake/core/patchWork.ts'

type Json = Record<string, unknown>

interface Reads {
  on: boolean
  seen: Set<string>
  /** Items of arrays copied: `slice` asks an array whether it has each index (`has`). */
  copied: number
}

/** `value` with every object and array wrapped, and the reads `record` lets through noted. */
function watched(value: unknown, reads: Reads, at = ''): unknown {
  if (typeof value !== 'object' || value === null) return value
  const copy: Json | unknown[] = Array.isArray(value)
    ? value.map((item, i) => watched(item, reads, `${at}/${i}`))
    : Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, watched(item, reads, `${at}/${key}`)]),
      )
  const note = (key: string | symbol) => {
    // An array's `length` is its own property too, but no value.
    const value = typeof key === 'string' && !(Array.isArray(copy) && key === 'length')
    if (reads.on && value && Object.hasOwn(copy, key)) {
      reads.seen.add(`${at}/${key}`)
    }
  }
  return new Proxy(copy, {
    get(target, key, receiver) {
      note(key)
      return Reflect.get(target, key, receiver)
    },
    getOwnPropertyDescriptor(target, key) {
      note(key)
      return Reflect.getOwnPropertyDescriptor(target, key)
    },
    has(target, key) {
      if (reads.on && Array.isArray(target) && typeof key === 'string' && /^\d+$/.test(key)) {
        reads.copied++
      }
      return Reflect.has(target, key)
    },
  })
}

function measure(doc: Json, ops: Json) {
  const reads: Reads = {on: false, seen: new Set<string>(), copied: 0}
  const target = watched(doc, reads) as Json
  const works: Work[] = []
  patchWork(target, ops, (work) => works.push(work))
  reads.on = true
  try {
    new Mutation({mutations: [{patch: {...ops, id: doc._id as string}}]}).apply(target as never)
  } catch {
    // "Index out of bounds" (an index past the end before the path ends): the patch is refused,
    // what the mutator did before that counted.
  } finally {
    reads.on = false
  }
  return {works, seen: [...reads.seen], copied: reads.copied}
}

const key = fc.constantFrom('a', 'b', 'c', 'd')
const span = fc.record({_key: key, _type: fc.constant('span'), text: fc.string({maxLength: 3})})
const block = fc.record({
  _key: key,
  _type: fc.constant('block'),
  children: fc.array(span, {maxLength: 5}),
})
/** An operation on a path, each of which changes what it reaches. */
const op = fc.constantFrom<[string, (path: string) => Json]>(
  ['set', (path) => ({set: {[path]: 'xxxx'}})],
  ['diffMatchPatch', (path) => ({diffMatchPatch: {[path]: '@@ -0,0 +1,4 @@\n+xxxx\n'}})],
  ['unset', (path) => ({unset: [path]})],
)
const document = fc.record({
  _id: fc.constant('drafts.a'),
  _type: fc.constant('article'),
  title: fc.string({maxLength: 3}),
  body: fc.array(block, {maxLength: 12}),
})

describe("the budget's count against @sanity/mutator's reads", () => {
  test('a keyed path: the items it tests are the items whose _key the mutator reads', () => {
    fc.assert(
      fc.property(document, key, key, (doc, b, s) => {
        const path = `body[_key=="${b}"].children[_key=="${s}"].text`
        const {works, seen} = measure(doc, {set: {[path]: 'x'}})
        const tested = Number(/tests (\d+) array items/.exec(works[0]!.what)?.[1] ?? 0)
        expect(tested).toBe(seen.filter((read) => read.endsWith('/_key')).length)
      }),
      {numRuns: 300},
    )
  })

  test('a path of indexes and keys: the items it copies are the items the mutator copies', () => {
    // Indexes past the end included; from the end, the mutator takes one only where a path ends.
    const place = fc.oneof(
      fc.integer({min: 0, max: 13}).map(String),
      key.map((k) => `_key=="${k}"`),
    )
    fc.assert(
      fc.property(document, place, place, op, (doc, b, s, [name, ops]) => {
        const path = `body[${b}].children[${s}].text`
        // A value no text holds (theirs are 3 characters at most): the mutator copies only what
        // it changes.
        const {works, copied} = measure(doc, ops(path))
        const said = Number(/copies arrays of (\d+) items/.exec(works[0]!.what)?.[1] ?? 0)
        // Where the path reaches its text by one item of each array, exactly; elsewhere (a key
        // held twice, a path that ends nowhere) the copies of items that change nothing are
        // counted too, never fewer.
        const keys = (items: {_key: string}[]) => new Set(items.map((item) => item._key)).size
        const once =
          keys(doc.body) === doc.body.length &&
          doc.body.every((block) => keys(block.children) === block.children.length) &&
          extractWithPath(path, JSON.parse(JSON.stringify(doc))).length === 1
        if (once) expect(said, name).toBe(copied)
        else expect(said, name).toBeGreaterThanOrEqual(copied)
      }),
      {numRuns: 300},
    )
  })

  test('a recursive path: the values it visits are the values the mutator reads', () => {
    fc.assert(
      fc.property(document, fc.constantFrom('text', 'children', '_key', 'nothing'), (doc, name) => {
        const {works, seen} = measure(doc, {set: {[`..${name}`]: 'x'}})
        const visited = Number(/visits (\d+) values/.exec(works[0]!.what)![1])
        // The document itself is not read from anything.
        expect(visited).toBe(seen.length + 1)
      }),
      {numRuns: 300},
    )
  })
})
