/**
 * Word and token splitting on huge input: a 7-million-character run of letters (a pasted blob)
 * threw "Maximum call stack size exceeded" in the regexes that split words (bangla/search.ts) and
 * groq-js `match` tokens (lake/core/searchText.ts), and a run of dots was quadratic; the full-text
 * index retried that document for good. The linear versions must give today's words and tokens
 * (groq-js's, for `match`) for every normal-size text.
 */
import fc from 'fast-check'
import {describe, expect, test} from 'vitest'
import {analyzeForSearch, foldForSearch, searchWords, typedWords} from '../../../bangla/search.ts'
import {groqMatchTerms, groqMatchTokens} from '../../../lake/core/searchText.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {executeQuery} from '../../../lake/query/execute.ts'
import {indexedColumns, MAX_TERM} from '../../../lake/store/searchIndex.ts'
import {memoryStore} from '../../helpers/store.ts'

// The splits as unbounded regexes (bangla/search.ts: a digit after a letter starts a word) and
// as groq-js 2.0.1 has them (shared chunk).
const OLD_WORD = /\p{N}+[\p{L}\p{M}]*|[\p{L}\p{M}]+/gu
// A word as typed keeps the zero-width space and a colon after a visarga stem (a whole word)
// before a Bengali letter; ৷ is a danda.
const OLD_TYPED_WORD =
  /(?:[\p{L}\p{M}\p{N}\u200B\u200C\u200D]|(?<=(?<![\u0980-\u09FF])(?:দু|নি|অন্ত|বহি|পুন|মন|অত|প্রাত|স্বত|ইত|শির|তপ|যশ|চক্ষু)):(?=[\u0985-\u09B9\u09CE\u09DC-\u09E1\u09F0\u09F1]))+/gu
const GROQ_CHARS = /([^!@#$%^&*(),\\/?";:{}|[\]+<>\s-])+/g
const GROQ_CHARS_WITH_WILDCARD = /([^!@#$%^&(),\\/?";:{}|[\]+<>\s-])+/g
const GROQ_EDGE_CHARS = /(\b\.+|\.+\b)/g
const old = {
  searchWords: (text: string) => foldForSearch(text).match(OLD_WORD) ?? [],
  typedWords: (text: string) =>
    text
      .normalize('NFC')
      .replace(/\u09F7/g, '\u0964')
      .match(OLD_TYPED_WORD) ?? [],
  groqMatchTokens: (text: string) => text.replace(GROQ_EDGE_CHARS, '').match(GROQ_CHARS) || [],
  groqMatchTerms: (text: string) =>
    (text.replace(GROQ_EDGE_CHARS, '').match(GROQ_CHARS_WITH_WILDCARD) || []).map((term) =>
      term.slice(0, 1024),
    ),
}

const HUGE = 7_000_000

/**
 * Hang guards: every case here is CPU alone (the file about 10 s of CPU), and at load 25-30 the
 * process got a twenty-fifth of a core: the property cases and the query case passed vitest's
 * 30 s (35 s and 63 s), with nothing wrong.
 */
const CPU_BOUND = {timeout: 240_000}

describe('huge words', CPU_BOUND, () => {
  test('a 7-million-character word is one word and one token, in every split', () => {
    const word = 'ক'.repeat(HUGE)
    for (const split of [searchWords, typedWords, groqMatchTokens, groqMatchTerms]) {
      const parts = split(`শুরু ${word}।শেষ`)
      // `।` is not one of groq-js's separators; a pattern's term is cut at 1,024 (groq-js's).
      const expected = {
        searchWords: [4, HUGE, 3],
        typedWords: [4, HUGE, 3],
        groqMatchTokens: [4, HUGE + 4],
        groqMatchTerms: [4, 1024],
      }[split.name]
      expect(parts.map((part) => part.length)).toEqual(expected)
    }
    // Latin and astral letters too (the `u` class's surrogate pairs; 𠀀, which NFKC keeps).
    expect(searchWords('a'.repeat(HUGE)).map((w) => w.length)).toEqual([HUGE])
    expect(searchWords('𠀀'.repeat(HUGE / 2)).map((w) => w.length)).toEqual([HUGE])
  })

  test('a long run of dots (groq-js drops the ones beside a word character) is split in linear time', () => {
    // groq-js's EDGE_CHARS took 5 s for 40,000 dots, growing with the square.
    const dots = '.'.repeat(1_000_000)
    expect(groqMatchTokens(`a${dots} ${dots} ${dots}b`).map((t) => t.length)).toEqual([
      1, 1_000_000, 1,
    ])
  })

  test('a word ending like an inflection is stemmed without counting all its letters for each rule', () => {
    const [token] = analyzeForSearch(`${'ক'.repeat(HUGE)}কেই`)
    // The word; without -ই; without -কে and without -ে.
    expect(token.keys.map((key) => key.length)).toEqual([HUGE + 3, HUGE + 2, HUGE, HUGE + 1])
  })

  test('the index keeps a long word or token as its first MAX_TERM units', () => {
    const columns = indexedColumns({
      _id: 'a',
      _type: 'article',
      _rev: 'r',
      _createdAt: '',
      _updatedAt: '',
      body: `খবর ${'ক'.repeat(HUGE)}কে ক${'𠀀'.repeat(MAX_TERM)}`,
    })
    const long = (column: string) =>
      column
        .split(' ')
        .map((term) => term.length)
        .filter((length) => length > 10)
    // The word and its stems, all cut to the same first MAX_TERM; the astral word cut before the
    // surrogate pair the cut would split. So are the heads (the body is a top-level string),
    // whose danda before the astral word makes the cut fall after a whole pair.
    expect(long(columns.words)).toEqual([MAX_TERM, MAX_TERM - 1, MAX_TERM, MAX_TERM])
    // Both `match` tokens are their words' keys, cut alike: named once, in words, where `match`
    // looks too.
    expect(long(columns.tokens)).toEqual([])
  })
})

// Bengali letters and signs, Latin, digits (both), ASCII punctuation and dots, dandas, quotes,
// dashes, white space, joiners and an astral letter: what a newsroom's text (and a paste) holds.
const CHARS = [
  ...'কখগঘঙচছজঝঞটঠডঢণতথদধনপফবভমযরলশষসহড়ঢ়য়ৎংঃঁ',
  ...'ািীুূৃেৈোৌ়্',
  ...'অআইঈউঊএঐওঔ',
  ...'০১২৩৪৫৬৭৮৯0123456789',
  ...'aAbZzéÉ_',
  ...' \t\n.....,;:!?-*()[]{}"\'/\\@#$%^&+<>|',
  ...'।॥‘’“”—–',
  '\u200C',
  '\u200D',
  '\u09DF',
  '𝐀',
  '😀',
]
const text = fc
  .array(
    fc.oneof(
      {weight: 20, arbitrary: fc.constantFrom(...CHARS)},
      // Now and then a run past the 4,096 code points a word's regex takes at a time.
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom('ক', 'কা', 'a', '𝐀', '.', 'ক\u200D'),
            fc.integer({min: 1, max: 9000}),
          )
          .map(([s, n]) => s.repeat(n)),
      },
    ),
    {maxLength: 80},
  )
  .map((parts) => parts.join(''))

describe('the linear splits give what the regexes gave', CPU_BOUND, () => {
  for (const name of ['searchWords', 'typedWords', 'groqMatchTokens', 'groqMatchTerms'] as const) {
    const now = {searchWords, typedWords, groqMatchTokens, groqMatchTerms}[name]
    test(name, () => {
      fc.assert(
        fc.property(text, (t) => {
          expect(now(t)).toEqual(old[name](t))
        }),
        {numRuns: 2000},
      )
    })
  }
})

describe('a query over a document with a 7-million-character word', CPU_BOUND, () => {
  test('finds what it asks for; where groq-js itself cannot split the word, says so as a 400', async () => {
    const doc = (id: string, body: string) =>
      ({_id: id, _type: 'article', _rev: 'r', body}) as unknown as SanityDocument
    const store = await memoryStore([doc('huge', `শুরু ${'ক'.repeat(HUGE)}`), doc('a', 'খবর')])
    try {
      // Before, indexing threw here, for good.
      store.flushSearchIndex()
      const run = (query: string) =>
        executeQuery(
          store,
          {query, params: {}, perspective: 'raw', apiVersion: '2025-02-19'},
          {id: 'admin', kind: 'token', role: 'administrator'},
          {now: new Date(), projectId: 'p', dataset: 'huge'},
        )
      // The index rules the huge document out: groq-js never splits it.
      expect(await run('*[body match "খবর"]._id')).toEqual(['a'])
      expect(await run('*[body match text::query("শুরু")]._id')).toEqual(['huge'])
      // A pattern the index cannot rule it out for: groq-js's own tokenizer overflows.
      await expect(run('*[body match "ক*"]._id')).rejects.toMatchObject({
        name: 'QueryError',
        message: expect.stringContaining('too large for the query engine'),
      })
    } finally {
      store.close()
    }
  })
})
