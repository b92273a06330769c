// Acronyms written as the Bengali names of Latin letters, as Bangladeshi copy writes them:
// বিএনপি BNP, এইচএসসি HSC, ডব্লিউএইচও WHO, সিইও CEO, ইউএনও UNO. A word is an acronym when the
// whole of it (less a case ending: বিএনপির, ইউএনওকে) splits into two or more letter names.

import {nfc} from './text.ts'

// Each Latin letter with the spellings its Bengali name is found in.
const LETTER_NAMES: Readonly<Record<string, readonly string[]>> = {
  a: ['এ'],
  b: ['বি'],
  c: ['সি'],
  d: ['ডি'],
  e: ['ই'],
  f: ['এফ'],
  g: ['জি'],
  h: ['এইচ'],
  i: ['আই'],
  j: ['জে'],
  k: ['কে'],
  l: ['এল'],
  m: ['এম'],
  n: ['এন'],
  o: ['ও'],
  p: ['পি'],
  q: ['কিউ'],
  r: ['আর'],
  s: ['এস'],
  t: ['টি'],
  u: ['ইউ'],
  v: ['ভি'],
  w: ['ডব্লিউ', 'ডাব্লিউ', 'ডব্লু', 'ডাবলিউ', 'ডাব্লু'],
  x: ['এক্স'],
  y: ['ওয়াই'],
  z: ['জেড', 'জেট'],
}

// Everyday words that happen to split into letter names (এই 'this' would read 'ae').
const NOT_ACRONYMS = new Set(
  ['এই', 'ওই', 'এটি', 'এটিই', 'এও', 'টিকে', 'পিসি', 'বিবি', 'আরও'].map(nfc),
)

// Case endings an acronym takes in copy (বিএনপির, ডিসিকে, এইচএসসিতে); dropped in the Latin
// form, which is what English-language slugs write (bnp, not bnpr).
const CASE_ENDINGS = ['য়ের', 'এর', 'ের', 'র', 'কে', 'তে', 'রা', 'দের', 'য়ে', 'য়', 'েই', 'ও', 'ই']

/** Key for matching: NFC with the nukta letters precomposed, as transliterate reads them. */
export function letterKey(text: string): string {
  return nfc(text)
    .replace(/\u09A1\u09BC/g, '\u09DC')
    .replace(/\u09A2\u09BC/g, '\u09DD')
    .replace(/\u09AF\u09BC/g, '\u09DF')
    .replace(/[\u200C\u200D]/g, '')
}

const NAMES: [string, string][] = Object.entries(LETTER_NAMES)
  .flatMap(([letter, names]) => names.map((name): [string, string] => [letterKey(name), letter]))
  .sort(([a], [b]) => b.length - a.length) // longest first: এইচ before এ + ই
const STOP = new Set([...NOT_ACRONYMS].map(letterKey))
const ENDINGS = CASE_ENDINGS.map(letterKey)
const DATIVE = letterKey('কে')

function split(word: string, from: number): string | null {
  if (from === word.length) return ''
  for (const [name, letter] of NAMES) {
    if (!word.startsWith(name, from)) continue
    // A name never ends before a dependent sign of the same syllable (এস + ি is not এ + সি).
    const rest = split(word, from + name.length)
    if (rest !== null) return letter + rest
  }
  return null
}

function lettersOf(word: string): string | null {
  if (STOP.has(word)) return null
  const letters = split(word, 0)
  return letters !== null && letters.length >= 2 ? letters : null
}

/**
 * The Latin letters of an acronym written as letter names ('বিএনপির' → 'bnp'), or null when
 * the word is not one. Input is one word in letterKey form.
 */
export function acronymLetters(word: string): string | null {
  // কে is both K and the dative ending: ইউএনওকে is 'to the UNO', but ইউকে is UK.
  if (word.endsWith(DATIVE)) {
    const base = lettersOf(word.slice(0, -DATIVE.length))
    if (base !== null) return base
  }
  const whole = lettersOf(word)
  if (whole !== null) return whole
  for (const ending of ENDINGS) {
    if (word.length > ending.length && word.endsWith(ending)) {
      const letters = lettersOf(word.slice(0, -ending.length))
      if (letters !== null) return letters
    }
  }
  return null
}
