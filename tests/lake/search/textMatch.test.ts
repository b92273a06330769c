/**
 * matchTextQuery looks a single query word up where its keys occur instead of reading every
 * token of the text. Property: the counts and whole-word flags (so matches and scores) are those
 * of reading every token with matchWord, over hostile text (inflections, joiners, khanda-ta,
 * precomposed letters, digits, punctuation right against words, Latin, astral characters).
 */
import fc from 'fast-check'
import {describe, expect, test} from 'vitest'
import {analyzeForSearch, matchWord} from '../../../bangla/index.ts'
import {analyzeTexts, matchTextQuery, parseTextQuery} from '../../../lake/core/textQuery.ts'

const PIECES = [
  'বৈঠক',
  'বৈঠকে',
  'বৈঠকের',
  'বৈঠকটি',
  'বৈঠকেও',
  'ের',
  'কে',
  'আমরা',
  'আম',
  'র‍্যাব',
  'র্যাব',
  'উত্‍সব',
  'উৎসব',
  'চা\u09DFনা',
  'চায়না',
  '১৯৭১',
  '1971',
  'Dhaka',
  'DHAKA',
  '😀',
  '𝒜',
  'সময়',
]
const SEPARATORS = [' ', '', '।', '‘', '’', '“', '”', '—', '-', "'", '.', ',', '\u200D', '\n', '😀']

const text = fc
  .array(fc.tuple(fc.constantFrom(...PIECES), fc.constantFrom(...SEPARATORS)), {maxLength: 8})
  .map((parts) => parts.map(([piece, sep]) => piece + sep).join(''))

const queryWord = fc.tuple(fc.constantFrom(...PIECES), fc.boolean()).map(([w, star]) => ({
  query: star ? `${w}*` : w,
}))

/** The reference: every token of every string through matchWord. */
function reference(texts: string[], query: string) {
  const [term] = parseTextQuery(query)
  if (!term || term.words.length !== 1) return null
  let count = 0
  let whole = false
  for (const tokens of texts.map((t) => analyzeForSearch(t))) {
    for (const token of tokens) {
      const hit = matchWord(token, term.words[0], term.prefix)
      if (hit) count++
      if (hit === 'whole') whole = true
    }
  }
  if (count === 0) return {matched: false, score: 0}
  return {matched: true, score: (whole ? 2 : 1) + Math.min(0.2, 0.02 * count)}
}

describe('a single query word', () => {
  test('matches and scores as reading every token', () => {
    fc.assert(
      fc.property(fc.array(text, {minLength: 1, maxLength: 3}), queryWord, (texts, {query}) => {
        const expected = reference(texts, query)
        fc.pre(expected !== null)
        expect(matchTextQuery(analyzeTexts(texts), parseTextQuery(query))).toEqual(expected)
      }),
      {numRuns: 3000},
    )
  })

  test('matches and scores as reading every token, past the hits the score counts', () => {
    // Long texts full of the pieces: a word's lookup stops once its score can rise no more.
    const long = fc.array(text, {minLength: 1, maxLength: 8})
    const repeated = fc
      .tuple(long, fc.integer({min: 1, max: 4}))
      .map(([texts, n]) => texts.flatMap((t) => Array.from({length: n}, () => t)))
    fc.assert(
      fc.property(repeated, queryWord, (texts, {query}) => {
        const expected = reference(texts, query)
        fc.pre(expected !== null)
        expect(matchTextQuery(analyzeTexts(texts), parseTextQuery(query))).toEqual(expected)
      }),
      {numRuns: 2000},
    )
  })

  test('reads no further string once the score can rise no more', () => {
    // Ten hits as written, then strings a lookup would have to fold: left unread.
    const texts = ['বৈঠক '.repeat(10), ...Array.from({length: 50}, () => 'বৈঠকের কথা')]
    const analyzed = analyzeTexts(texts)
    expect(matchTextQuery(analyzed, parseTextQuery('বৈঠক'))).toEqual({matched: true, score: 2.2})
    expect(analyzed.folded.filter((f) => f !== undefined)).toHaveLength(1)
    // Nine are not enough: the next string is read, and its stem hits count.
    const nine = analyzeTexts(['বৈঠক '.repeat(9), 'বৈঠকের', 'কথা'])
    expect(matchTextQuery(nine, parseTextQuery('বৈঠক'))).toEqual({matched: true, score: 2.2})
    expect(nine.folded.filter((f) => f !== undefined)).toHaveLength(2)
    // Stem hits alone never stop it: a hit as written may come later.
    const stems = analyzeTexts(['বৈঠকের '.repeat(12), 'কথা', 'বৈঠক'])
    expect(matchTextQuery(stems, parseTextQuery('বৈঠক'))).toEqual({matched: true, score: 2.2})
    // A negated word stops at its first hit.
    const negated = analyzeTexts(['বৈঠকের', 'ঢাকা', 'ঢাকা'])
    expect(matchTextQuery(negated, parseTextQuery('-বৈঠক ঢাকা')).matched).toBe(false)
    expect(negated.folded.filter((f) => f !== undefined)).toHaveLength(1)
  })

  test('a key inside a longer word is not a token start', () => {
    // আমরা is kept whole, so আম does not meet it; বৈঠক inside অবৈঠক is not a word of its own.
    expect(matchTextQuery(analyzeTexts(['আমরা অবৈঠক']), parseTextQuery('আম')).matched).toBe(false)
    expect(matchTextQuery(analyzeTexts(['অবৈঠক']), parseTextQuery('বৈঠক')).matched).toBe(false)
    expect(matchTextQuery(analyzeTexts(['‘বৈঠকের']), parseTextQuery('বৈঠক'))).toMatchObject({
      matched: true,
    })
  })
})
