// Bengali alphabetical order through a stored sort key: the key's code-point order (what GROQ's
// `order()` uses, on the lake and on hosted Sanity) must be Intl.Collator('bn')'s order, on tricky
// words (nukta letters, ৎ, the signs ং ঃ ঁ, numbers in both digit sets, spaces, punctuation, Latin),
// on every word of the seed and on generated words and titles.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {compareBengali, nfc, sortKey} from '../../bangla/index.ts'

const collator = new Intl.Collator('bn')
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
/** The key agrees with the collator wherever the collator tells the two apart. */
const agrees = (a: string, b: string) => {
  const expected = Math.sign(collator.compare(a, b))
  return expected === 0 || expected === Math.sign(byCodePoint(sortKey(a), sortKey(b)))
}

const TRICKY = [
  // ড় ঢ় য় are ড ঢ য with a nukta: the same letter first, the nukta only breaks ties.
  'যা',
  'যক',
  'য়া',
  'য়',
  'য',
  'যৌ',
  'য্য',
  'আয়',
  'আয',
  'আযা',
  'আয়া',
  'বায়ু',
  'বাযু',
  'বাড়ি',
  'বাডি',
  'ড়',
  'ডক',
  'ড়ক',
  'ড়া',
  'ডু',
  'ঢ',
  'ঢ়',
  'ঢু',
  'পড়া',
  'পড়ো',
  'পডা',
  // The precomposed spellings (U+09DC, U+09DD, U+09DF) are the same words after NFC.
  '\u09AC\u09BE\u09DC\u09BF',
  '\u0986\u09DF',
  // ৎ is a letter after every ত-word.
  'ৎ',
  'ত',
  'তক',
  'তত',
  'তৎকালীন',
  'তত্ত্ব',
  'থ',
  'উৎসব',
  'উত্তর',
  'উতল',
  // ং ঃ ঁ after the vowels, before the consonants, in that order.
  'ং',
  'অ',
  'ঔ',
  'কং',
  'কঃ',
  'কঁ',
  'কক',
  'বাংলা',
  'বাঁশ',
  'বাঃ',
  'বাক',
  'চাঁদ',
  'চাদর',
  // Numbers (both digit sets) before letters, digit by digit.
  '৫০ বছর',
  '50',
  '১০',
  '১০০',
  '২',
  '২০২৬ সালের বাজেট',
  '2026 বাজেট',
  '৯ম',
  'আজ',
  // Spaces and punctuation before letters; ZWNJ is ignored.
  'ক ক',
  'ক-ক',
  '“ক”',
  'ক্‌ক',
  'ক্ষ',
  'খ',
  'কা',
  'ক',
  '‘আমরা’',
  'আমরা',
  'আম রা',
  // Latin after Bengali, case only breaks ties.
  'abc',
  'ABC',
  'abd',
  'Zed',
  'BNP-র সমাবেশ',
  'বিএনপির সমাবেশ',
].map(nfc)

describe('Bengali sort key', () => {
  it('orders the tricky words exactly as Intl.Collator("bn") does', () => {
    expect([...TRICKY].sort(compareBengali)).toEqual([...TRICKY].sort(collator.compare))
    for (const a of TRICKY) for (const b of TRICKY) expect(agrees(a, b), `${a} / ${b}`).toBe(true)
  })

  it('is what plain code-point order gets wrong (the reason for a key)', () => {
    const plain = [...TRICKY].sort(byCodePoint)
    expect(plain).not.toEqual([...TRICKY].sort(collator.compare))
    expect(byCodePoint('৫০ বছর', 'আজ')).toBe(1)
    expect(compareBengali('৫০ বছর', 'আজ')).toBe(-1)
    expect(byCodePoint(nfc('য়া'), 'যৌ')).toBe(-1)
    expect(compareBengali('য়া', 'যৌ')).toBe(-1)
    expect(compareBengali('যা', 'য়া')).toBe(-1)
  })

  it('gives one key for a word however it was typed (NFC, Bengali or ASCII digits)', () => {
    expect(sortKey('\u0986\u09DF')).toBe(sortKey('\u0986\u09AF\u09BC'))
    expect(sortKey('২০২৬').split('\u0001')[0]).toBe('2026')
  })

  it('orders every word of the seed as the collator does', () => {
    const dir = join(import.meta.dirname, '..', '..', 'data', 'seed')
    const words = [
      ...new Set(
        readdirSync(dir)
          .map((name) => nfc(readFileSync(join(dir, name), 'utf8')))
          .join('\n')
          .match(/[\u0980-\u09FF0-9]+/g),
      ),
    ]
    expect(words.length).toBeGreaterThan(100)
    expect([...words].sort(compareBengali)).toEqual([...words].sort(collator.compare))
  })

  const CONSONANTS = [...'কখগঘঙচছজঝঞটঠডঢণতথদধনপফবভমযরলশষসহ', 'ড়', 'ঢ়', 'য়', 'ৎ']
  const VOWELS = [...'অআইঈউঊঋএঐওঔ']
  const SIGNS = ['', '', '', ...'ািীুূৃেৈোৌ', 'ং', 'ঃ', 'ঁ', 'াং', 'াঁ']
  const syllable = fc
    .tuple(fc.constantFrom(...CONSONANTS), fc.constantFrom(...SIGNS), fc.boolean())
    .map(([c, sign, conjunct]) => (conjunct && c !== 'ৎ' ? `${c}\u09CD` : `${c}${sign}`))
  const word = fc
    .tuple(
      fc.option(fc.constantFrom(...VOWELS), {nil: ''}),
      fc.array(syllable, {minLength: 1, maxLength: 4}),
    )
    .map(([vowel, syllables]) => nfc(vowel + syllables.join('')))
  const number = fc
    .array(fc.constantFrom(...'০১২৩৪৫৬৭৮৯0123456789'), {minLength: 1, maxLength: 4})
    .map((digits) => digits.join(''))
  const latin = fc.constantFrom('BNP', 'bnp', 'AI', 'Ai', 'ICC', 'cox')
  const title = fc
    .array(fc.oneof({weight: 6, arbitrary: word}, number, latin), {minLength: 1, maxLength: 4})
    .chain((words) =>
      fc
        .array(fc.constantFrom(' ', ' ', '-', ', ', ': '), {
          minLength: words.length - 1,
          maxLength: words.length - 1,
        })
        .map((gaps) => words.map((w, i) => (i ? gaps[i - 1] : '') + w).join('')),
    )

  it('orders generated Bengali words as the collator does', () => {
    fc.assert(fc.property(word, word, agrees), {numRuns: 20_000})
  })

  it('orders generated titles (words, numbers, Latin, spaces, punctuation) as the collator does', () => {
    fc.assert(fc.property(title, title, agrees), {numRuns: 20_000})
  })
})
