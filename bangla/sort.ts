// A sort key for Bengali alphabetical order. GROQ (the lake and hosted Sanity alike) orders strings
// by code point, which for NFC Bengali is close to, but not, the order of `Intl.Collator('bn')`:
// numbers go last instead of first; ড় ঢ় য় (NFC: letter + nukta) are not variants of ড ঢ য; ৎ
// is not ত্; ং ঃ ঁ are not between the vowels and the consonants; spaces and punctuation go after
// the letters instead of before, in another order; Latin goes before Bengali instead of after.
// `sortKey(text)` is a string whose code-point order is the collator's order, so a stored key
// (`titleSortKey` on articles and headlines) makes `order(titleSortKey asc)` alphabetical.
//
// The key has three levels, like the collator's: the letters (primary), then which letters carry a
// nukta or is ৎ (secondary), then Latin case (tertiary), separated by U+0001 so a shorter primary (a
// prefix) sorts first.
import {nfc} from './text.ts'
import {toAsciiDigits} from './digits.ts'

const NUKTA = '\u09BC'
const KHANDA_TA = '\u09CE'
const TA_HASANTA = '\u09A4\u09CD'
const LEVEL = '\u0001'
const SPACE = '\u0003'
const PUNCTUATION = '\u0004'
/** Latin letters after every Bengali letter (the collator puts the Bengali script first). */
const LATIN_BASE = 0xe000

/**
 * ং ঃ ঁ (in that order) come after the vowels and before the consonants, where no code point is
 * free: the last vowel (ঔ) plus a weight above every Bengali code point.
 */
const SIGNS: Record<string, string> = {
  '\u0982': '\u0994\uFFF0', // ং anusvara
  '\u0983': '\u0994\uFFF1', // ঃ visarga
  '\u0981': '\u0994\uFFF2', // ঁ chandrabindu
}

const IGNORED = /[\u200B-\u200D\uFEFF]/g

/** Punctuation and symbols in the collator's order (all before the digits and letters). */
const PUNCTUATION_ORDER = [...'_-‐–—,;:!?.…।॥\'‘’"“”()[]{}@*/\\&#%`^৺+<=>|~$৳']
const PUNCTUATION_WEIGHTS = new Map(
  PUNCTUATION_ORDER.map((char, i) => [char, PUNCTUATION + String.fromCharCode(0x100 + i)]),
)
/** Any other punctuation or symbol: after the listed ones, by code point. */
const OTHER_PUNCTUATION = PUNCTUATION + '\uF000'

/** The sort key of `text`: compare keys by code point (`<`, GROQ's `order`) for Bengali order. */
export function sortKey(text: string): string {
  const chars = [...toAsciiDigits(nfc(text)).replace(IGNORED, '')]
  let primary = ''
  let secondary = ''
  let tertiary = ''
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]
    if (char === NUKTA) continue
    const nukta = chars[i + 1] === NUKTA
    let weight: string
    // ৎ sorts as ত্ (ta with hasanta); the difference only breaks ties.
    if (char === KHANDA_TA) weight = TA_HASANTA
    else if (SIGNS[char]) weight = SIGNS[char]
    else if (/\s/.test(char)) weight = SPACE
    else if (/[A-Za-z]/.test(char)) {
      weight = String.fromCharCode(LATIN_BASE + char.toLowerCase().charCodeAt(0))
    } else if (/[\p{P}\p{S}]/u.test(char)) {
      weight = PUNCTUATION_WEIGHTS.get(char) ?? OTHER_PUNCTUATION + char
    } else weight = char
    primary += weight
    secondary += nukta || char === KHANDA_TA ? '2' : '1'
    tertiary += /[A-Z]/.test(char) ? '2' : '1'
  }
  return primary + LEVEL + secondary + LEVEL + tertiary
}

/** Compares two texts in Bengali alphabetical order (the order of their sort keys). */
export function compareBengali(a: string, b: string): number {
  const ka = sortKey(a)
  const kb = sortKey(b)
  return ka < kb ? -1 : ka > kb ? 1 : 0
}
