import fc from 'fast-check'
import {applyPatch, incremental} from 'mendoza'
import {describe, expect, it, vi} from 'vitest'
import {createMendozaPatch} from '../../../lake/core/mendoza.ts'

type Json = null | boolean | number | string | Json[] | {[key: string]: Json}

/** Seeded PRNG (mulberry32), so a failing case can be replayed from its seed. */
function rng(seed: number) {
  let t = seed >>> 0
  const next = () => {
    t = (t + 0x6d2b79f5) >>> 0
    let r = Math.imul(t ^ (t >>> 15), 1 | t)
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r)
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]
  return {next, int, pick}
}
type Rng = ReturnType<typeof rng>

const WORDS = [
  'ঢাকা',
  'সংবাদ',
  'প্রথম আলো',
  'খবর',
  'hello',
  'world',
  'ক্ষ',
  '২০২৬',
  'e\u0301',
  '😀',
  'x',
]
const KEYS = [
  'title',
  'body',
  '_type',
  'a',
  'b',
  'B',
  '_key',
  'শিরোনাম',
  'Z',
  'z1',
  'tags',
  'count',
]

function randomString(r: Rng): string {
  const parts: string[] = []
  // Some long strings, so edits inside them are spliced rather than replaced.
  const n = r.next() < 0.25 ? 10 + r.int(30) : r.int(5)
  for (let i = 0; i < n; i++) parts.push(r.pick(WORDS))
  return parts.join(r.pick([' ', '', '-']))
}

function randomValue(r: Rng, depth: number): Json {
  const kind = r.int(depth > 3 ? 5 : 8)
  switch (kind) {
    case 0:
      return null
    case 1:
      return r.next() < 0.5
    case 2:
      return r.pick([0, 1, -3, 2.5, 1e21, r.int(1000)])
    case 3:
    case 4:
      return randomString(r)
    case 5:
      return Array.from({length: r.int(6)}, () => randomValue(r, depth + 1))
    case 6:
      return Array.from({length: r.int(5)}, (_, i) => ({
        _key: `k${i}${r.int(3)}`,
        _type: 'block',
        text: randomString(r),
      }))
    default: {
      const obj: {[key: string]: Json} = {}
      const n = r.int(6)
      for (let i = 0; i < n; i++) obj[r.pick(KEYS)] = randomValue(r, depth + 1)
      return obj
    }
  }
}

/** A related value: a few random edits applied to a deep copy of `value`. */
function edit(r: Rng, value: Json, depth = 0): Json {
  if (r.next() < 0.08) return randomValue(r, depth)
  if (Array.isArray(value)) {
    const arr = value.map((item) => (r.next() < 0.3 ? edit(r, item, depth + 1) : item))
    const op = r.int(6)
    if (op === 0 && arr.length) arr.splice(r.int(arr.length), 1)
    if (op === 1) arr.splice(r.int(arr.length + 1), 0, randomValue(r, depth + 1))
    if (op === 2) arr.reverse()
    if (op === 3 && arr.length > 1) arr.push(arr.shift()!)
    if (op === 4 && arr.length) arr.push(arr[r.int(arr.length)])
    return arr
  }
  if (value !== null && typeof value === 'object') {
    const obj: {[key: string]: Json} = {}
    for (const [key, item] of Object.entries(value)) {
      const roll = r.next()
      if (roll < 0.1) continue
      obj[key] = roll < 0.5 ? edit(r, item, depth + 1) : item
    }
    if (r.next() < 0.3) obj[r.pick(KEYS)] = randomValue(r, depth + 1)
    return obj
  }
  if (typeof value === 'string' && r.next() < 0.8) {
    const at = r.int(value.length + 1)
    const cut = r.int(3)
    return value.slice(0, at) + (r.next() < 0.5 ? r.pick(WORDS) : '') + value.slice(at + cut)
  }
  return randomValue(r, depth)
}

function randomDocument(r: Rng): Json {
  const doc: {[key: string]: Json} = {_id: `doc-${r.int(100)}`, _type: 'article'}
  for (let i = 0; i < 3 + r.int(6); i++) doc[r.pick(KEYS)] = randomValue(r, 1)
  return doc
}

/** Number of parameters after each opcode, from mendoza's format. */
const ARITY = [1, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 2, 1, 1, 1, 2, 1, 2]

function opcodesOf(patch: unknown[]): number[] {
  const ops: number[] = []
  for (let i = 0; i < patch.length; i += 1 + ARITY[patch[i] as number]) ops.push(patch[i] as number)
  return ops
}

/** Applies with both of mendoza's patchers: the simple one and the incremental one (history). */
function checkRoundTrip(left: unknown, right: unknown) {
  const snapshot = JSON.stringify(left)
  const apply = createMendozaPatch(left, right)
  const revert = createMendozaPatch(right, left)
  expect(applyPatch(left, apply)).toEqual(right)
  expect(applyPatch(right, revert)).toEqual(left)
  const applied = incremental.applyPatch(incremental.wrap(left, 'a'), apply, 'b')
  expect(incremental.unwrap(applied)).toEqual(right)
  // Patches are data: JSON-serializable and never alias the inputs into mutation.
  expect(JSON.parse(JSON.stringify(apply))).toEqual(apply)
  expect(JSON.stringify(left)).toBe(snapshot)
}

describe('createMendozaPatch', () => {
  it('encodes the examples from the reference', () => {
    const a = {_type: 'article', _updatedAt: 't1', count: 1, title: 'H'}
    const b = {_type: 'article', _updatedAt: 't2', title: 'He'}
    expect(createMendozaPatch(a, b)).toEqual([19, 2, 17, 't2', '_updatedAt', 17, 'He', 'title'])
    expect(createMendozaPatch(b, a)).toEqual([
      17,
      't1',
      '_updatedAt',
      17,
      1,
      'count',
      17,
      'H',
      'title',
    ])
    checkRoundTrip(a, b)
  })

  it('encodes create, delete, no change and type changes as whole values', () => {
    const doc = {_id: 'x', _type: 'article', title: 'শিরোনাম'}
    expect(createMendozaPatch(null, doc)).toEqual([0, doc])
    expect(createMendozaPatch(doc, null)).toEqual([0, null])
    expect(createMendozaPatch(doc, {...doc})).toEqual([])
    expect(createMendozaPatch([1], {a: 1})).toEqual([0, {a: 1}])
    expect(applyPatch(doc, [])).toBe(doc)
  })

  it('recurses into nested objects and copies unchanged subtrees', () => {
    const big = 'অনেক লম্বা লেখা '.repeat(50)
    const left = {_id: 'x', _type: 'article', meta: {seo: {title: 'পুরনো', description: big}}}
    const right = {_id: 'x', _type: 'article', meta: {seo: {title: 'নতুন', description: big}}}
    const patch = createMendozaPatch(left, right)
    expect(JSON.stringify(patch)).not.toContain('অনেক')
    expect(patch[0]).toBe(10)
    checkRoundTrip(left, right)
  })

  it('rebuilds arrays from slices of the old array', () => {
    const item = (k: string) => ({_key: k, _type: 'block', text: `অনুচ্ছেদ ${k} `.repeat(10)})
    const left = {body: ['a', 'b', 'c', 'd', 'e'].map(item)}
    const inserted = {body: [item('a'), item('b'), item('new'), item('c'), item('d'), item('e')]}
    const removed = {body: [item('a'), item('c'), item('d'), item('e')]}
    const moved = {body: [item('e'), item('a'), item('b'), item('c'), item('d')]}
    for (const right of [inserted, removed, moved]) {
      const patch = createMendozaPatch(left, right)
      expect(patch).toContain(21)
      expect(JSON.stringify(patch).length).toBeLessThan(JSON.stringify(right).length / 2)
      checkRoundTrip(left, right)
    }
    // The Go reference's README example: the same operations, in the same meaning.
    const a = {name: 'Bob Bobson', age: 30, skills: ['Go', 'Patching', 'Playing']}
    const b = {firstName: 'Bob Bobson', age: 30, skills: ['Diffing', 'Go', 'Patching']}
    checkRoundTrip(a, b)
    expect(createMendozaPatch(a, b)).toContain(21)
  })

  it('edits an array element matched by _key in place', () => {
    const long = 'ক'.repeat(300)
    const left = {
      body: [
        {_key: 'p1', text: long, style: 'normal'},
        {_key: 'p2', text: 'x'},
      ],
    }
    const right = {
      body: [
        {_key: 'p1', text: long, style: 'h2'},
        {_key: 'p2', text: 'x'},
      ],
    }
    const patch = createMendozaPatch(left, right)
    expect(JSON.stringify(patch)).not.toContain('ক')
    checkRoundTrip(left, right)
  })

  it('copies string prefixes and suffixes, including Bengali and astral characters', () => {
    const long = (s: string) => s.repeat(6)
    const cases: [string, string][] = [
      [
        'ঢাকায় আজ বৃষ্টি হয়েছে এবং ' + long('আগামীকালও হতে পারে'),
        'ঢাকায় আজ ভারী বৃষ্টি হয়েছে এবং ' + long('আগামীকালও হতে পারে'),
      ],
      [long('The quick brown fox ') + 'jumps', long('The quick brown fox ') + 'hops'],
      [
        'The quick brown fox ' + long('jumps over the lazy dog'),
        'The quick red fox ' + long('jumps over the lazy dog'),
      ],
      ['😀😀😀' + long(' emoji prefix'), '😀😀😁' + long(' emoji prefix')],
      ['ascii prefix then ' + long('বাংলা suffix'), 'ascii prefix now ' + long('বাংলা suffix')],
      [long('e\u0301 combining'), 'e\u0301' + long('\u0301 combining')],
      [long('abc'), ''],
      ['', long('abc')],
      ['abc', 'abd'],
      [long('ঢাকায় আজ বৃষ্টি'), long('ঢাকায় আজ বৃষ্টি') + ' হয়েছে'],
    ]
    const spliced: number[] = []
    for (const [i, [left, right]] of cases.entries()) {
      if (createMendozaPatch({s: left}, {s: right}).includes(23)) spliced.push(i)
      checkRoundTrip({s: left}, {s: right})
      checkRoundTrip(left, right)
      checkRoundTrip([left], [right])
    }
    // Suffixes after non-ASCII text are sent as text: mendoza-js's simple patcher misreads such
    // slices (see lake/core/mendoza.ts), so Bengali strings only reuse their prefix.
    expect(spliced).toEqual([1, 2, 4, 9])
  })

  it('works around mendoza-js misreading string slices that start after non-ASCII text', () => {
    // 'কখ' is 6 UTF-8 bytes; slicing bytes 3..6 should give 'খ'. The simple patcher gets it wrong,
    // which is why the encoder never emits such a slice (if this starts failing, mendoza-js fixed it).
    expect(applyPatch('কখগ', [2, 23, 3, 6])).not.toBe('খ')
    expect(
      incremental.unwrap(incremental.applyPatch(incremental.wrap('কখগ', 0), [2, 23, 3, 6], 1)),
    ).toBe('খ')
    expect(applyPatch('ab', [2, 23, 1, 2])).toBe('b')
  })

  it('round-trips generated pairs of related documents, both ways, with both patchers', () => {
    const opcodes = new Set<unknown>()
    for (let seed = 1; seed <= 3000; seed++) {
      const r = rng(seed)
      const left = randomDocument(r)
      const right = r.next() < 0.85 ? edit(r, left) : randomDocument(r)
      const patch = createMendozaPatch(left, right)
      for (const op of opcodesOf(patch)) opcodes.add(op)
      try {
        checkRoundTrip(left, right)
      } catch (err) {
        throw new Error(`seed ${seed}: ${JSON.stringify(left)} -> ${JSON.stringify(right)}`, {
          cause: err,
        })
      }
    }
    for (const op of [10, 11, 12, 13, 15, 16, 17, 19, 20, 21, 22, 23]) expect(opcodes).toContain(op)
  })

  it('round-trips generated pairs of arbitrary JSON values', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const r = rng(seed * 7919)
      const left = randomValue(r, 0)
      const right = r.next() < 0.7 ? edit(r, left) : randomValue(r, 0)
      try {
        checkRoundTrip(left, right)
      } catch (err) {
        throw new Error(`seed ${seed}: ${JSON.stringify(left)} -> ${JSON.stringify(right)}`, {
          cause: err,
        })
      }
    }
  })

  it('keeps patches much smaller than the document for a one-field edit', () => {
    const r = rng(42)
    const doc: {[key: string]: Json} = {_id: 'big', _type: 'article', title: 'শিরোনাম'}
    for (let i = 0; i < 200; i++) doc[`field${i}`] = randomValue(r, 1)
    doc.body = Array.from({length: 100}, (_, i) => ({
      _key: `b${i}`,
      _type: 'block',
      children: [{_key: `s${i}`, _type: 'span', text: `অনুচ্ছেদ নম্বর ${i} `.repeat(5)}],
    }))
    const size = JSON.stringify(doc).length
    const edits: {[key: string]: Json}[] = [
      {...doc, title: 'নতুন শিরোনাম', _updatedAt: '2026-11-28T00:00:00.000Z'},
      {...doc, field7: 'বদলানো'},
      {
        ...doc,
        body: (doc.body as Json[]).map((block, i) =>
          i === 50 ? {...(block as object), style: 'h2'} : block,
        ),
      },
    ]
    for (const right of edits) {
      const apply = createMendozaPatch(doc, right)
      const revert = createMendozaPatch(right, doc)
      expect(JSON.stringify(apply).length * 50).toBeLessThan(size)
      expect(JSON.stringify(revert).length * 50).toBeLessThan(size)
      checkRoundTrip(doc, right)
    }
  })

  it('handles large arrays without overflowing the stack', () => {
    const left = Array.from({length: 200_000}, (_, i) => i)
    const right = [...left.slice(0, 100_000), 'x', ...left.slice(100_000)]
    const patch = createMendozaPatch(left, right)
    expect(patch.length).toBeLessThan(10)
    expect(applyPatch(left, patch)).toEqual(right)
  })

  it('matches keyed items by _key and prices candidates without stringifying whole levels', () => {
    // The large-document write of tests/lake/isolation/largeWrite.test.ts, smaller: its diff
    // hashed every item of both arrays as canonical JSON (a JSON.stringify per key and value) and
    // priced each level by stringifying it whole.
    const items = 50_000
    const article = (round: number, edited = -1) => ({
      _id: 'drafts.archive',
      _type: 'article',
      title: `সংকলন ${round}`,
      items: Array.from({length: items}, (_, i) => ({
        _key: `k${i}`,
        _type: 'item',
        t: `${i === edited ? round + 1 : round}-${i}-শিরোনাম-`.padEnd(50, 'x'),
      })),
    })
    const size = JSON.stringify(article(1)).length
    const cases = [
      ['a title', article(1), {...article(1), title: 'নতুন'}],
      ['one item', article(1), article(1, 777)],
      ['every item', article(1), article(2)],
    ] as const
    for (const [what, left, right] of cases) {
      const stringify = vi.spyOn(JSON, 'stringify')
      let patch: unknown[]
      let calls = 0
      let longest = 0
      try {
        patch = createMendozaPatch(left, right)
        calls = stringify.mock.calls.length
        for (const r of stringify.mock.results) longest = Math.max(longest, String(r.value).length)
      } finally {
        // (Restoring also forgets the calls.)
        stringify.mockRestore()
      }
      expect(calls, what).toBeLessThan(items / 10)
      expect(longest, what).toBeLessThan(size / 1000)
      expect(applyPatch(left, patch), what).toEqual(right)
      if (what !== 'every item') expect(JSON.stringify(patch).length, what).toBeLessThan(200)
    }
  })

  describe('property: patches apply exactly and stay small', () => {
    const text = fc.oneof(
      fc.constantFrom(...WORDS),
      fc.array(fc.constantFrom(...WORDS), {maxLength: 30}).map((w) => w.join(' ')),
      fc.string({unit: 'grapheme', maxLength: 80}),
    )
    const leaf = fc.oneof(
      text,
      fc.integer(),
      fc.double({noNaN: true, noDefaultInfinity: true}),
      fc.boolean(),
      fc.constant(null),
    )
    const item = (keys: fc.Arbitrary<string>) =>
      fc.record(
        {_key: keys, _type: fc.constantFrom('block', 'item'), text, n: leaf},
        {requiredKeys: ['_key', '_type']},
      )
    // Keys from a small pool, so some repeat (arrays with duplicate keys happen in real data).
    const keyed = fc.array(
      item(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j')),
      {maxLength: 12},
    )
    const unkeyed = fc.array(
      fc.oneof(leaf, fc.dictionary(fc.constantFrom(...KEYS), leaf, {maxKeys: 4})),
      {maxLength: 12},
    )
    // Through JSON, as stored documents are (-0 becomes 0).
    const documents = fc
      .record(
        {
          _id: fc.constant('x'),
          _type: fc.constant('article'),
          title: text,
          body: keyed,
          tags: unkeyed,
          meta: fc.jsonValue({maxDepth: 3}),
        },
        {requiredKeys: ['_id', '_type']},
      )
      .map((doc) => JSON.parse(JSON.stringify(doc)) as {[key: string]: Json})

    type Edit = {
      op: 'insert' | 'delete' | 'move' | 'change' | 'copy'
      at: number
      to: number
      value: Json
    }
    const edits = fc.array(
      fc.record({
        op: fc.constantFrom('insert', 'delete', 'move', 'change', 'copy'),
        at: fc.nat(),
        to: fc.nat(),
        value: fc.oneof(item(fc.constantFrom('a', 'z', 'new')), leaf) as fc.Arbitrary<Json>,
      }) as fc.Arbitrary<Edit>,
      {maxLength: 6},
    )

    /** What the Studio does to an array: insert, delete, move, edit an element in place. */
    function editArray(list: Json[] | undefined, changes: Edit[]): Json[] | undefined {
      if (!list) return list
      const out = list.slice()
      for (const {op, at, to, value} of changes) {
        const i = out.length ? at % out.length : 0
        if (op === 'insert') out.splice(at % (out.length + 1), 0, value)
        else if (!out.length) continue
        else if (op === 'delete') out.splice(i, 1)
        else if (op === 'move') out.splice(to % out.length, 0, ...out.splice(i, 1))
        else if (op === 'copy') out.push(out[i])
        else {
          const old = out[i]
          out[i] =
            old && typeof old === 'object' && !Array.isArray(old) ? {...old, text: value} : value
        }
      }
      return out
    }

    it('round-trips keyed and unkeyed arrays through edits', () => {
      fc.assert(
        fc.property(documents, edits, edits, text, (left, bodyEdits, tagEdits, title) => {
          // Through JSON too: an array the document lacks stays absent.
          const right = JSON.parse(
            JSON.stringify({
              ...left,
              body: editArray(left.body as Json[], bodyEdits),
              tags: editArray(left.tags as Json[], tagEdits),
              ...(bodyEdits.length % 2 ? {title} : {}),
            }),
          ) as Json
          for (const [from, to] of [
            [left, right],
            [right, left],
          ]) {
            const patch = createMendozaPatch(from, to)
            expect(applyPatch(from, patch)).toEqual(to)
            expect(
              incremental.unwrap(incremental.applyPatch(incremental.wrap(from, 'a'), patch, 'b')),
            ).toEqual(to)
            // Never larger than sending the new document whole.
            expect(JSON.stringify(patch).length).toBeLessThanOrEqual(JSON.stringify([0, to]).length)
          }
        }),
        {numRuns: 400},
      )
    })

    it('sends one edited item of a long keyed array, not the array', () => {
      fc.assert(
        fc.property(fc.integer({min: 50, max: 400}), fc.nat(), text, (length, at, value) => {
          const body = Array.from({length}, (_, i) => ({
            _key: `k${i}`,
            _type: 'block',
            text: `অনুচ্ছেদ ${i}`,
          }))
          const i = at % length
          const left = {_id: 'x', _type: 'article', body}
          const right = {...left, body: body.map((b, j) => (j === i ? {...b, text: value} : b))}
          const patch = createMendozaPatch(left, right)
          expect(applyPatch(left, patch)).toEqual(right)
          expect(JSON.stringify(patch).length).toBeLessThanOrEqual(
            JSON.stringify(value).length + 80,
          )
        }),
        {numRuns: 100},
      )
    })
  })
})
