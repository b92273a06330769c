// Sorting by title: the lake orders strings by code point (GROQ `order(title asc)`), and for NFC
// Bengali words that is Bengali alphabetical order as Intl.Collator('bn') has it. This checks that
// claim on the seed's words and on generated words, and pins the known exceptions.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {nfc} from '../../bangla/index.ts'

const collator = new Intl.Collator('bn')
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
const sameOrder = (a: string, b: string) =>
  Math.sign(collator.compare(a, b)) === Math.sign(byCodePoint(a, b))

const SEED_DIR = join(import.meta.dirname, '..', '..', 'data', 'seed')
const seedWords = [
  ...new Set(
    readdirSync(SEED_DIR)
      .map((name) => nfc(readFileSync(join(SEED_DIR, name), 'utf8')))
      .join('\n')
      // Bengali words without digits (digits are an exception, below).
      .match(/[\u0980-\u09E5\u09F0-\u09FF]+/g),
  ),
]

// Letters, vowel signs and hasanta (the nukta letters ড় ঢ় য় are an exception, below).
const CONSONANTS = [...'কখগঘঙচছজঝঞটঠডঢণতথদধনপফবভমযরলশষসহ']
const VOWELS = [...'অআইঈউঊঋএঐওঔ']
const SIGNS = ['', '', ...'ািীুূৃেৈোৌ']
const syllable = fc
  .tuple(fc.constantFrom(...CONSONANTS), fc.constantFrom(...SIGNS), fc.boolean())
  .map(([c, sign, conjunct]) => nfc(`${c}${conjunct ? '\u09CD' : sign}`))
const word = fc
  .tuple(
    fc.option(fc.constantFrom(...VOWELS), {nil: ''}),
    fc.array(syllable, {minLength: 1, maxLength: 5}),
  )
  .map(([vowel, syllables]) => nfc(vowel + syllables.join('')))

describe('sort by title', () => {
  it('orders every word of the seed as Intl.Collator("bn") does', () => {
    expect(seedWords.length).toBeGreaterThan(100)
    expect([...seedWords].sort(byCodePoint)).toEqual([...seedWords].sort(collator.compare))
  })

  it('orders generated Bengali words as Intl.Collator("bn") does', () => {
    fc.assert(
      fc.property(word, word, (a, b) => sameOrder(a, b)),
      {numRuns: 5000},
    )
  })

  it('differs for digits and for ড় ঢ় য় against their base letters (documented)', () => {
    // A title that starts with a number sorts after the lettered ones.
    expect(sameOrder('৫০ বছর', 'আজ')).toBe(false)
    // NFC spells য় as য + nukta, so code points mix য়- and য-words by the next letter, where the
    // collator puts every য়-word after the য-words.
    expect(sameOrder('ওয়ৌক', 'ওযিক')).toBe(false)
  })
})
