/**
 * The full-text index's columns of a document (lake/store/searchIndex.ts) analyse text a run
 * between spaces at a time, and keep each run's terms for the next document. Whatever the text
 * (combining marks and joiners right after a space, dots at word edges, Greek final sigma, digits,
 * runs too long to keep), the terms must be exactly those of analysing each whole string, by the
 * rules the index states: words and `match` tokens of every string not under a skipped key (no
 * query the planner narrows reads one: core/searchHints.ts) and of each block's joined spans,
 * the words of every boolean's and number's text there, every `_ref`. A token the words column holds may be left out of the tokens column (`match`
 * looks in both), never one it does not hold.
 */
import fc from 'fast-check'
import {describe, expect, test} from 'vitest'
import {NEWSROOM} from './newsroom.ts'
import {searchKeys, searchWords} from '../../../bangla/index.ts'
import {encodeMatchText, groqMatchTokens, SKIPPED_KEYS} from '../../../lake/core/searchText.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {
  indexedColumns,
  MAX_TERM,
  REF_MARK,
  refTerm,
  TOKEN_MARK,
} from '../../../lake/store/searchIndex.ts'

type Terms = {words: Set<string>; tokens: Set<string>; refs: Set<string>}

const termsOf = (column: string) => new Set(column.split(' ').filter((term) => term !== ''))

/**
 * The terms of the tokens or refs column without the mark each starts with (the index keeps no
 * column lists: TOKEN_MARK, REF_MARK); a term without it would be met by lookups of another column.
 */
function markedTermsOf(column: string, mark: string): Set<string> {
  const terms = [...termsOf(column)]
  expect(terms.filter((term) => !term.startsWith(mark))).toEqual([])
  return new Set(terms.map((term) => term.slice(mark.length)))
}

/** The index's rules, applied to whole strings with no cache. */
function expectedTerms(doc: SanityDocument): Terms {
  const terms: Terms = {words: new Set(), tokens: new Set(), refs: new Set()}
  const text = (value: string, words: boolean) => {
    if (words)
      for (const word of searchWords(value))
        for (const key of searchKeys(word)) terms.words.add(key)
    for (const token of groqMatchTokens(value)) terms.tokens.add(encodeMatchText(token))
  }
  /** `indexed`: not under a skipped key, whose strings give only their `_ref`s. */
  const walk = (value: unknown, indexed: boolean, top = false) => {
    if (typeof value === 'string') return indexed ? text(value, true) : undefined
    // A boolean's or number's text (text::query reads it; `match` does not): words alone.
    if (typeof value === 'boolean' || typeof value === 'number') {
      if (indexed)
        for (const word of searchWords(`${value}`))
          for (const key of searchKeys(word)) terms.words.add(key)
      return
    }
    if (Array.isArray(value)) return value.forEach((item) => walk(item, indexed))
    if (value === null || typeof value !== 'object') return
    const object = value as Record<string, unknown>
    if (indexed && typeof object._type === 'string' && Array.isArray(object.children)) {
      let joined = ''
      for (const child of object.children as {_type?: unknown; text?: unknown}[]) {
        if (child && child._type === 'span' && typeof child.text === 'string') joined += child.text
      }
      text(joined, true)
    }
    for (const [key, item] of Object.entries(object)) {
      if (key === '_ref' && typeof item === 'string') terms.refs.add(refTerm(item))
      // The document's own id gives no text: the store finds it in the documents' id index.
      walk(item, indexed && !SKIPPED_KEYS.has(key) && !(top && key === '_id'))
    }
  }
  walk(doc, true, true)
  // The heads: each key of a top-level string (holding a letter past ASCII, or in an attribute
  // not named `_…`) that no digit starts, after a danda; and two dandas before the name of a
  // top-level `_score`, of an array or object with such text anywhere in it, or, not named `_…`,
  // of a boolean or an array or object with an ASCII letter in a string outside `_…` keys or a
  // boolean anywhere in it.
  const beyondAscii = (value: unknown): boolean =>
    typeof value === 'string'
      ? [...value].some((c) => c.codePointAt(0)! > 0x7f)
      : value !== null &&
        typeof value === 'object' &&
        Object.entries(value).some(([key, item]) => beyondAscii(key) || beyondAscii(item))
  const latin = (value: unknown): boolean =>
    typeof value === 'boolean' ||
    (typeof value === 'string'
      ? /[a-z]/i.test(value)
      : value !== null &&
        typeof value === 'object' &&
        Object.entries(value).some(([key, item]) => !key.startsWith('_') && latin(item)))
  for (const [name, value] of Object.entries(doc)) {
    const named = !name.startsWith('_')
    if (typeof value === 'string') {
      if (named || beyondAscii(value))
        for (const word of searchWords(value))
          for (const key of searchKeys(word)) if (!/^\d/.test(key)) terms.words.add(cut(`।${key}`))
    } else if (name === '_score' || beyondAscii(value) || (named && latin(value))) {
      terms.words.add(`।।${encodeMatchText(name)}`)
    }
  }
  return terms
}

/** A term as the index keeps it: its first MAX_TERM units, never half a surrogate pair. */
function cut(term: string): string {
  if (term.length <= MAX_TERM) return term
  const high = term.charCodeAt(MAX_TERM - 1)
  return term.slice(0, high >= 0xd800 && high <= 0xdbff ? MAX_TERM - 1 : MAX_TERM)
}

/**
 * The document's columns hold the index's rules' terms: the words and refs exactly, the `match`
 * tokens each in the tokens or the words column, and no other token.
 */
function expectColumns(doc: SanityDocument): void {
  const actual = actualTerms(doc)
  const expected = expectedTerms(doc)
  expect(actual.words).toEqual(expected.words)
  expect(actual.refs).toEqual(expected.refs)
  expect([...actual.tokens].filter((token) => !expected.tokens.has(token))).toEqual([])
  const missing = [...expected.tokens].filter(
    (token) => !actual.tokens.has(token) && !actual.words.has(token),
  )
  expect(missing).toEqual([])
}

function actualTerms(doc: SanityDocument): Terms {
  const columns = indexedColumns(doc)
  return {
    words: termsOf(columns.words),
    tokens: markedTermsOf(columns.tokens, TOKEN_MARK),
    refs: markedTermsOf(columns.refs, REF_MARK),
  }
}

// Pieces that fold or tokenize differently at a run's edge than inside it.
const PIECES = [
  'ঢাকা',
  'বৈঠকের',
  'নির্বাচনই',
  'ে', // a vowel sign alone: after a space it starts a run
  'া',
  '\u09CD', // hasanta
  '\u09BC', // nukta
  'ত্\u200D', // khanda-ta spelled with a joiner
  '\u200C',
  '\u200D',
  'য়', // NFC decomposes it
  '১২',
  'AKA',
  'ΑΣ', // final sigma when lower-cased at a word's end
  'ß',
  'İ',
  'x'.repeat(70), // a run too long to keep
  '.',
  '..',
  'a.b',
  '-',
  '।',
  '‘',
  '*',
  '_',
  // Runs of ASCII letters, digits, `-`, `:`, `/` and dots: searchIndex.ts analyses them apart.
  '2024-07-11T03:31:02.692Z',
  'article-1169',
  'Ab/c:D',
  'Covid19x2',
  '.5',
  '9.',
  ':',
  '/',
]
const SEPARATORS = [' ', '  ', '', '\t', '\n', '. ', ' .', ',']
const text = fc
  .array(fc.tuple(fc.constantFrom(...PIECES), fc.constantFrom(...SEPARATORS)), {maxLength: 8})
  .map((parts) => parts.map(([piece, separator]) => piece + separator).join(''))

const span = text.map((t) => ({_type: 'span', _key: 's', text: t, marks: []}))
const doc = fc
  .record({
    title: text,
    slug: text,
    tags: fc.array(text, {maxLength: 3}),
    body: fc.array(
      fc.record({
        _type: fc.constant('block'),
        _key: text,
        style: fc.constant('normal'),
        children: fc.array(span, {minLength: 1, maxLength: 3}),
      }),
      {maxLength: 3},
    ),
    source: fc.record({_type: fc.constant('reference'), _ref: text, _weak: fc.boolean()}),
    _rev: text,
    _updatedAt: text,
    meta: fc.record({_key: text, note: text, inner: fc.record({_ref: text})}),
  })
  .map((fields) => ({_id: 'drafts.article-1', _type: 'article', ...fields}) as SanityDocument)

/**
 * A document of more distinct runs than the analyzer keeps (two generations of 25,000), each new:
 * the runs cached before it are dropped or moved while it is analysed.
 */
let fillers = 0
const filler = (): SanityDocument => {
  const n = ++fillers
  const runs = Array.from({length: 26_000}, (_, i) => `f${n}x${i}`)
  return {_id: `filler-${n}`, _type: 'note', text: runs.join(' ')} as SanityDocument
}

// Booleans and numbers, short and long: an edited image's crop and hotspot are doubles of up to
// 20 characters.
const scalar = fc.oneof(
  fc.boolean(),
  fc.integer(),
  fc.double({noNaN: true, noDefaultInfinity: true}),
  fc.double({min: 0, max: 1, noNaN: true}),
  fc.constantFrom(0, 0.5, 1, 1e21, -0, 1e-7, 2.5e-8, 12345678, 123456789),
)
const imaged = fc
  .record({
    _id: fc.constant('a'),
    _type: fc.constant('article'),
    position: scalar,
    leadImage: fc.record({
      _type: fc.constant('leadImage'),
      crop: fc.record({_type: fc.constant('sanity.imageCrop'), top: scalar, right: scalar}),
      hotspot: fc.record({_type: fc.constant('sanity.imageHotspot'), x: scalar, y: scalar}),
    }),
    list: fc.array(scalar, {maxLength: 3}),
  })
  .map((d) => d as unknown as SanityDocument)

/** The booleans and numbers anywhere in a value. */
const scalarsOf = (value: unknown): unknown[] =>
  typeof value === 'boolean' || typeof value === 'number'
    ? [value]
    : value !== null && typeof value === 'object'
      ? Object.values(value).flatMap(scalarsOf)
      : []

describe('the full-text index columns of a document', () => {
  test('over newsroom text in any order, while the cache of runs fills and turns over', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            {weight: 12, arbitrary: fc.constantFrom(...NEWSROOM)},
            {weight: 6, arbitrary: doc},
            {weight: 1, arbitrary: fc.constant(null)},
          ),
          {maxLength: 12},
        ),
        (docs) => {
          for (const d of docs.map((d) => d ?? filler())) expectColumns(d)
        },
      ),
      {numRuns: 20},
    )
  }, 60_000)

  test('are the terms of each whole string, with the runs cached or not', () => {
    fc.assert(
      fc.property(doc, (d) => {
        // Twice: the second time every run's terms come from the cache.
        expectColumns(d)
        expectColumns(d)
      }),
      {numRuns: 500},
    )
  })

  test("with the words of booleans' and numbers' texts at any depth, short or long, cached or not", () => {
    // An edited image's crop and hotspot are doubles of up to 20 characters, whose keys skip the
    // runs' cache (searchIndex.ts CACHED_SCALAR_LENGTH): they must be the same keys.
    fc.assert(
      fc.property(imaged, (d) => {
        expectColumns(d)
        expectColumns(d)
      }),
      {numRuns: 300},
    )
  })

  test("name a boolean's or number's words once however often the document repeats it", () => {
    // Sets cannot see a repeat: the words column is compared as a list. The copies go in a
    // top-level `_…` array, which gives no heads.
    const words = (d: SanityDocument) => indexedColumns(d).words.split(' ').sort()
    const top = 0.12389380530973451
    const cropped = (crop: object) => ({_id: 'a', _type: 'article', crop}) as SanityDocument
    expect(words(cropped({top, bottom: top}))).toEqual(words(cropped({top})))
    fc.assert(
      fc.property(imaged, (d) => {
        const again = {...d, _again: scalarsOf(d)} as SanityDocument
        expect(words(again)).toEqual(words(d))
      }),
      {numRuns: 300},
    )
  })

  test('of a text holding a joiner, which folding normalises again as a whole', () => {
    // İ lower-cases to i and a combining dot, which the second normalisation moves after the nukta.
    const d = {_id: 'a', _type: 'article', title: '\u200D İ\u09BC'} as SanityDocument
    expectColumns(d)
  })

  test('of a lone span and of a block of several spans', () => {
    const lone = {
      _id: 'a',
      _type: 'article',
      body: [{_type: 'block', children: [{_type: 'span', text: 'বৈঠকের খবর'}]}],
    } as SanityDocument
    const split = {
      _id: 'b',
      _type: 'article',
      body: [
        {
          _type: 'block',
          children: [
            {_type: 'span', text: 'বৈঠ'},
            {_type: 'span', text: 'কের খবর'},
          ],
        },
      ],
    } as SanityDocument
    for (const d of [lone, split]) expectColumns(d)
    // The joined text's token and words, which neither span has alone (the token is one of its
    // words' keys, so in words only; `match` looks in both columns).
    expect(actualTerms(split).words).toContain(encodeMatchText('বৈঠকের'))
    expect(actualTerms(split).words).toContain('বৈঠক')
    expect(actualTerms(lone).words).toContain('বৈঠক')
  })

  test('name a match token that is one of its own words once, in words', () => {
    // Most tokens of Bengali text are their words' keys: both columns named them, a third of a
    // row's terms. A token that is none of its run's keys (a dot inside it) stays in tokens.
    const d = {
      _id: 'a',
      _type: 'article',
      title: 'ঢাকায় বৈঠকের খবর ১২ Dhaka',
      body: [{_type: 'block', _key: 'খবর', children: [{_type: 'span', text: 'ঢাকা.বৈঠক'}]}],
    } as SanityDocument
    expectColumns(d)
    const {words, tokens} = actualTerms(d)
    for (const token of ['ঢাকায়', 'বৈঠকের', 'dhaka', 'article']) {
      expect(words).toContain(token)
      expect(tokens).not.toContain(token)
    }
    // Bengali digits are ASCII in words: the token as typed is none of its keys.
    expect(tokens).toContain('১২')
    expect(tokens).toContain(encodeMatchText('ঢাকা.বৈঠক'))
  })

  test("leave out the strings under skipped keys, which no query the planner narrows reads: a reference's id is in refs alone", () => {
    // With ids as the Studio makes them, a reference's id was five terms in tokens beside its
    // five in refs (and a key, a revision, each a term of its own), never looked up: `match`
    // narrows only over paths without a skipped key (searchHints.ts readsDocument).
    const d = {
      _id: 'drafts.9d20779b-f56a-4d12-ac35-d96a079c371e',
      _type: 'headline',
      _rev: 'Xq3kd8fJ2pLm',
      _createdAt: '2026-12-05T10:15:00Z',
      _updatedAt: '2026-12-05T10:16:00Z',
      text: 'বৈঠকের খবর',
      article: {_type: 'reference', _ref: '61282ec0-9198-4886-a223-a0aeac606760', _weak: true},
      body: [
        {
          _type: 'block',
          _key: 'b7e1c0ffee42',
          children: [{_type: 'span', _key: 'a1b2c3d4e5f6', text: 'ঢাকা'}],
          markDefs: [{_type: 'link', _key: 'c9d8', ref: {_ref: 'source-12'}}],
        },
      ],
    } as SanityDocument
    expectColumns(d)
    const {words, tokens, refs} = actualTerms(d)
    expect(tokens).toEqual(new Set())
    for (const piece of [
      '61282ec0',
      'a0aeac606760',
      'xq3kd8fj2plm',
      'b7e1c0ffee42',
      'a1b2c3d4e5f6',
      'c9d8',
    ]) {
      expect(words).not.toContain(piece)
    }
    // The references for references().
    for (const piece of ['headline', 'বৈঠক', 'ঢাকা']) {
      expect(words).toContain(piece)
    }
    expect(refs).toEqual(
      new Set(['61282ec0-9198-4886-a223-a0aeac606760', 'source-12'].map(refTerm)),
    )
  })

  test("leave out the document's own id, which the store finds in the documents' id index", () => {
    // A UUID was five terms of the words column (its published form's too, for a draft): 7.5 of
    // the index's 30 MB with the Studio's ids. A nested `_id` is text like any other.
    const d = {
      _id: 'drafts.9d20779b-f56a-4d12-ac35-d96a079c371e',
      _type: 'article',
      title: 'ঢাকা',
      inner: {_id: 'c212b3ff-ca5e'},
    } as SanityDocument
    expectColumns(d)
    const {words, tokens} = actualTerms(d)
    for (const piece of [
      'drafts',
      '9d20779b',
      'f56a',
      'd96a079c371e',
      encodeMatchText('drafts9d20779b'),
    ]) {
      expect(words).not.toContain(piece)
      expect(tokens).not.toContain(piece)
    }
    // A digit after a letter starts a word (bangla/search.ts searchWords).
    expect(words).toEqual(new Set(['article', 'ঢাকা', '।ঢাকা', 'c', '212b', '3ff', 'ca', '5e']))
  })

  test('head the Latin words of a title of ASCII alone, not its numbers nor `_…` attributes', () => {
    // A ranked search bounds a Latin word by the heads of the attribute it probes: a title
    // "Dhaka" must be among them (it was not, and a Latin word's search tallied every candidate).
    const d = {
      _id: 'article-7',
      _type: 'article',
      _rev: 'r3x',
      title: 'Dhaka 2024 x1',
      summary: 'বৈঠক ১৯৭১',
      publishedAt: '2025-01-01T10:00:00Z',
      featured: false,
      position: 3,
      slug: {_type: 'slug', current: 'dhaka'},
      source: {_type: 'reference', _ref: 'source-1'},
    } as SanityDocument
    expectColumns(d)
    const heads = [...actualTerms(d).words].filter((term) => term.startsWith('।')).sort()
    // x1 is the words x and 1 (a digit after a letter starts a word); no head starts with a digit.
    expect(heads).toEqual(['।dhaka', '।x', '।বৈঠক', '।।featured', '।।slug'].sort())
  })

  test('name each reference by one term the tokenizer keeps whole', () => {
    // The `ascii` tokenizer splits at ASCII punctuation and spaces: a UUID was five terms, a
    // third of the refs column's entries with the Studio's ids, each looked up by references().
    const ids = ['61282ec0-9198-4886-a223-a0aeac606760', 'source-12', 'ঢাকা বৈঠক', 'a.b', 'A.B']
    const d = {
      _id: 'a',
      _type: 'article',
      refs: ids.map((id) => ({_type: 'reference', _ref: id})),
      again: {_ref: ids[0]},
    } as SanityDocument
    const refs = [...actualTerms(d).refs]
    expect(refs).toHaveLength(ids.length)
    for (const term of refs) expect(term).toMatch(/^[0-9a-z]+$/)
  })

  test('encode each UTF-16 unit of a match token as a case-insensitive regex compares it', () => {
    // Each unit alone: ASCII letters lower-cased, other ASCII moved to the private use area,
    // anything else upper-cased where that gives one unit of its own outside ASCII.
    const reference = (token: string) =>
      [...Array(token.length).keys()]
        .map((i) => {
          const unit = token[i]
          const code = token.charCodeAt(i)
          if (code < 128)
            return /[A-Za-z0-9]/.test(unit)
              ? unit.toLowerCase()
              : String.fromCharCode(0xe000 + code)
          const upper = unit.toUpperCase()
          return upper.length === 1 && upper.charCodeAt(0) >= 128 ? upper : unit
        })
        .join('')
    const units = fc.oneof(
      fc.integer({min: 0, max: 127}),
      fc.integer({min: 0x0980, max: 0x09ff}),
      fc.integer({min: 0x80, max: 0x24f}),
      fc.integer({min: 0x370, max: 0x3ff}),
      fc.integer({min: 0xd800, max: 0xdfff}),
      fc.integer({min: 0, max: 0xffff}),
    )
    const token = fc.array(units, {maxLength: 12}).map((codes) => String.fromCharCode(...codes))
    fc.assert(
      fc.property(token, (t) => {
        expect(encodeMatchText(t)).toBe(reference(t))
        // Again, from the cache where it keeps one.
        expect(encodeMatchText(t)).toBe(reference(t))
      }),
      {numRuns: 5000},
    )
    // Every unit of ASCII and the Bengali block, alone and beside letters of either case.
    for (let code = 0; code < 0x0a00; code = code === 127 ? 0x0980 : code + 1) {
      const unit = String.fromCharCode(code)
      for (const t of [unit, `a${unit}`, `${unit}B`, `ঢা${unit}Ka`])
        expect(encodeMatchText(t)).toBe(reference(t))
    }
    for (const t of ['2025', 'article', 'Dhaka', 'ঢাকা', 'ঢাকা১২AB', 'ঢাকা-x', 'ΑΣ', 'İ', 'ß'])
      expect(encodeMatchText(t)).toBe(reference(t))
  })
})
