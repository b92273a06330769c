/**
 * Store.tally counts texts in stored documents without parsing them (lake/store/tally.ts): a
 * count is never below how often the text occurs in the document's strings, and a string whose
 * escapes could spell the text makes the count Infinity.
 */
import fc from 'fast-check'
import {DatabaseSync} from 'node:sqlite'
import {afterAll, describe, expect, test} from 'vitest'
import {FOLDED_INTO_ASCII, FOLDED_INTO_ASCII_RANGES} from '../../../bangla/index.ts'
import {countInBody, countInJson, utf8Pattern} from '../../../lake/store/tally.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {memoryStore} from '../../helpers/store.ts'

const db = new DatabaseSync(':memory:')
const whole = (text: string) => ({text: Buffer.from(text), attribute: null})
const at = (attribute: string, text: string) => ({
  text: Buffer.from(text),
  attribute: Buffer.from(attribute),
})
afterAll(() => db.close())
const jsonb = (value: unknown) =>
  (db.prepare('SELECT jsonb(?) AS b').get(JSON.stringify(value)) as {b: Uint8Array}).b
const occurrences = (strings: string[], text: string) =>
  strings.reduce((n, s) => n + s.split(text).length - 1, 0)
const stringsOf = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : value && typeof value === 'object'
      ? Object.entries(value).flatMap(([k, v]) => [
          ...(Array.isArray(value) ? [] : [k]),
          ...stringsOf(v),
        ])
      : []

describe('counting in JSONB', () => {
  test('counts a Bengali text exactly as a plain byte search does', () => {
    // The search starts at a needle's third byte (tally.ts): pieces that share its first two bytes,
    // its tail, or overlap it must count as a search for the whole needle counts.
    // U+19A8 (E1 A6 A8) differs from ন (E0 A6 A8) in its first byte only.
    const piece = fc.constantFrom('নির্বা', 'নি', 'ির্বা', '\u19A8ি', 'ন', 'া', 'ািা', ' ', 'a', '—')
    const text = fc.array(piece, {maxLength: 30}).map((p) => p.join(''))
    const needle = fc.constantFrom('নির্বা', 'নিন', 'া', 'ািা', 'র্')
    const plain = (bytes: Uint8Array, n: Buffer) => {
      let count = 0
      const b = Buffer.from(bytes)
      for (let i = b.indexOf(n); i !== -1; i = b.indexOf(n, i + n.length)) count++
      return count
    }
    fc.assert(
      fc.property(fc.array(text, {maxLength: 4}), needle, (strings, n) => {
        const body = jsonb({_id: 'x', strings})
        return countInBody(body, [whole(n)])[0] === plain(body, Buffer.from(n))
      }),
      {numRuns: 2000},
    )
  })

  test('never below the occurrences in the strings, for any document', () => {
    const piece = fc.constantFrom('নির্বাচন', 'ন', 'ির্বা', ' ', '"', '\\', '\n', 'a', '।', '\u200D')
    const text = fc.array(piece, {maxLength: 40}).map((p) => p.join(''))
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        {depthSize: 'small'},
        text,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('node'), {maxLength: 4}),
        fc.dictionary(text, tie('node'), {maxKeys: 4}),
      ),
    })).node
    fc.assert(
      fc.property(value, (v) => {
        const [all, attribute, other] = countInBody(jsonb({_id: 'x', v, w: 'নির্বা'}), [
          whole('নির্বা'),
          at('v', 'নির্বা'),
          at('u', 'নির্বা'),
        ])
        const expected = occurrences(stringsOf(v), 'নির্বা')
        return all >= expected + 1 && attribute >= expected && other === 0
      }),
      {numRuns: 2000},
    )
  })

  test('a string of 92 bytes: its size byte is a backslash, not an escape', () => {
    const title = 'ক'.repeat(30) + 'ab'
    expect(Buffer.byteLength(title)).toBe(92)
    const bytes = jsonb({title})
    expect(bytes.includes(0x5c)).toBe(true)
    expect(countInBody(bytes, [whole('ক'), at('title', 'ক')])).toEqual([30, 30])
  })

  test('escapes that could spell a letter make every count Infinity', () => {
    // JSON.stringify escapes control characters and lone surrogates with \u.
    for (const text of ['নির্বাচন\u0001', 'নির্বাচন\uD800'])
      expect(countInBody(jsonb({text}), [whole('নির্বা'), whole('x')])).toEqual([Infinity, Infinity])
    // A JSONB text written from JSON text with \u escapes, as another writer could.
    const escaped = (
      db.prepare(`SELECT jsonb('{"t":"\\u09a8\\u09bf"}') AS b`).get() as {b: Uint8Array}
    ).b
    expect(countInBody(escaped, [whole('নি')])).toEqual([Infinity])
    // Quotes, backslashes and newlines spell no letter.
    expect(countInBody(jsonb({t: 'নি"\\\nনি'}), [whole('নি')])).toEqual([2])
  })

  test('a boolean counts as its text (text::query reads `true`, `false`), at any depth', () => {
    // JSONB keeps a boolean as one byte: its word is in no byte of the body.
    const body = jsonb({
      _id: 'x',
      title: [7, true],
      flag: false,
      meta: {on: true, off: [false]},
      text: 'true story',
    })
    expect(
      countInBody(body, [
        whole('true'),
        whole('fals'),
        at('title', 'true'),
        at('flag', 'fals'),
        at('meta', 'rue'),
        at('meta', 'lse'),
        at('text', 'true'),
      ]),
    ).toEqual([3, 2, 1, 1, 1, 1, 1])
    expect(
      countInBody(body, [
        {text: Buffer.from('true'), attribute: null, caseless: true},
        {text: Buffer.from('tru'), attribute: Buffer.from('title'), caseless: true},
      ]),
    ).toEqual([3, 1])
  })

  test('in JSON text', () => {
    expect(countInJson(null, 'নি')).toBe(0)
    expect(countInJson('"নিনি নি"', 'নি')).toBe(3)
    expect(countInJson('["নি\\"নি"]', 'নি')).toBe(2)
    expect(countInJson('"\\u09a8\\u09bf"', 'নি')).toBe(Infinity)
  })
})

describe('counting without regard to case', () => {
  const caseless = (text: string, attribute?: string) => ({
    text: Buffer.from(text),
    attribute: attribute ? Buffer.from(attribute) : null,
    caseless: true,
  })
  test('counts every start of the word in either case, in the body or an attribute', () => {
    const body = jsonb({_id: 'x', title: 'Dhaka DHAKA dhAka', text: 'ঢাকা dhaka', n: 'dhak'})
    expect(countInBody(body, [caseless('dhaka'), caseless('dhaka', 'title')])).toEqual([4, 3])
    expect(countInJson('"Dhaka dhAKA"', 'dhaka', true)).toBe(2)
  })

  test('never below the occurrences in the strings lower-cased, for any document', () => {
    const piece = fc.constantFrom('Dhaka', 'dhAK', 'a', 'A', ' ', 'ঢাকা', '"', '\n', '\u200D')
    const text = fc.array(piece, {maxLength: 30}).map((p) => p.join(''))
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('title', 'b', 'Dh'), text), (doc) => {
        const body = jsonb({_id: 'x', ...doc})
        const strings = stringsOf(doc).map((s) => s.toLowerCase())
        return countInBody(body, [caseless('dhaka')])[0] >= occurrences(strings, 'dhaka')
      }),
      {numRuns: 2000},
    )
  })

  test('a string that folding may make ASCII letters of leaves the count unbounded', () => {
    for (const text of ['DHA\u212AA', 'İ', 'Ḍhaka', 'café', 'ﬁ', 'ＤＨＡＫＡ', 'ℌ', '𝐝haka']) {
      expect(countInBody(jsonb({_id: 'x', b: [{t: text}]}), [caseless('dhaka')]), text).toEqual([
        Infinity,
      ])
      expect(countInJson(JSON.stringify(text), 'dhaka', true), text).toBe(Infinity)
    }
    // Bengali, dandas, quotes and dashes do not, nor the symbols folding keeps (™ № ㎏).
    expect(countInBody(jsonb({_id: 'x', t: '‘ঢাকা’ — Dhaka।'}), [caseless('dhaka')])).toEqual([1])
    expect(countInBody(jsonb({_id: 'x', t: 'Dhaka™ № ১০㎏'}), [caseless('dhaka')])).toEqual([1])
  })
})

describe('what folding may make ASCII letters of, found in any string and nowhere else', () => {
  // foldsIntoAscii searches the body's bytes and then tells a string's bytes from an element's
  // header and size: strings of 128-191 bytes have a size byte that, after their header, reads
  // as a lead byte of U+01C0-U+023F and a continuation.
  const FOLDING = FOLDED_INTO_ASCII
  const plain = fc.constantFrom(
    'ঢাকা ',
    'dhaka ',
    'x'.repeat(40),
    'ঢ'.repeat(20),
    '—',
    '‘',
    '\u2028',
  )
  // ɐ and ʼ fold into no ASCII letter: not unbounded.
  const folding = fc.constantFrom('é', 'ǅ', 'Ḍ', '\u212A', 'ﬁ', 'ɐ', 'ʼ', 'Ｗ', '㎏', 'ª', '𝐀')
  // Mostly none of them, so that strings of every length without one are many.
  const text = fc
    .tuple(fc.array(plain, {maxLength: 8}), fc.option(folding, {freq: 6}), fc.nat(8))
    .map(([pieces, fold, at]) =>
      fold === null
        ? pieces.join('')
        : [...pieces.slice(0, at), fold, ...pieces.slice(at)].join(''),
    )
  const value = fc.oneof(text, fc.integer(), fc.array(text, {maxLength: 3}), fc.constant(1.25e-7))
  test('the bytes looked for are exactly the UTF-8 of FOLDED_INTO_ASCII, every code point', () => {
    const pattern = utf8Pattern(FOLDED_INTO_ASCII_RANGES)
    const wrong: string[] = []
    for (let cp = 0x80; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue
      const c = String.fromCodePoint(cp)
      pattern.lastIndex = 0
      if (pattern.test(Buffer.from(c).toString('latin1')) !== FOLDED_INTO_ASCII.test(c))
        wrong.push(cp.toString(16))
    }
    expect(wrong).toEqual([])
  })

  test('a caseless count is Infinity exactly where a string holds one', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(fc.constantFrom('title', 'b'), text), value), (doc) => {
        const body = jsonb({_id: 'x', ...doc})
        const folds = stringsOf(doc).some((s) => FOLDING.test(s))
        const [count] = countInBody(body, [
          {text: Buffer.from('dhaka'), attribute: null, caseless: true},
        ])
        return folds === (count === Infinity)
      }),
      {numRuns: 3000},
    )
  })
})

describe('Store.tally', () => {
  test('what scan() yields, in its order, with counts in the whole document and at a path', async () => {
    const docs = [
      {_id: 'b', _type: 'article', title: 'নির্বাচন নির্বাচন', body: 'নির্বাচনের কথা'},
      {_id: 'a', _type: 'headline', text: 'নির্বাচন'},
      {_id: 'drafts.a', _type: 'headline', text: 'ঢাকা'},
      {_id: 'c', _type: 'article', title: {nested: 'নির্বাচন\u0001'}},
      {_id: 'd', _type: 'article', title: {nested: 'নির্বাচন নির্বাচন'}, flag: true},
    ] as SanityDocument[]
    const store = await memoryStore(docs)
    try {
      const hint = {types: ['article', 'headline'], excludeIdPrefixes: ['drafts.']}
      const probes = [
        {path: [], text: 'নির্বা'},
        {path: ['title'], text: 'নির্বা'},
        {path: ['text'], text: 'নির্বা'},
        {path: ['title', 'nested'], text: 'নির্বা'},
        {path: ['title'], text: 'নির্বা', types: ['headline']},
        // An empty text: whether the value is there.
        {path: ['flag'], text: ''},
      ]
      // What scan() yields, in any order.
      const tallies = [...store.tally!(hint, probes)].sort((a, b) => (a.id < b.id ? -1 : 1))
      expect(tallies.map((t) => t.id)).toEqual([...store.scan(hint)].map((d) => d._id))
      expect(tallies).toEqual([
        {id: 'a', type: 'headline', counts: [1, 0, 1, 0, 0, 0]},
        {id: 'b', type: 'article', counts: [3, 2, 0, 0, 0, 0]},
        {id: 'c', type: 'article', counts: [Infinity, Infinity, Infinity, Infinity, 0, Infinity]},
        {id: 'd', type: 'article', counts: [2, 2, 0, 2, 0, Infinity]},
      ])
      expect([...store.tally!({ids: ['b', 'x']}, probes)].map((t) => t.id)).toEqual(['b'])
    } finally {
      store.close()
    }
  })
})
