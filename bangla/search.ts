// The Bengali search analyzer: how text becomes the words and keys that search compares. Pure, no
// I/O: the lake's full-text index, `text::query`, the front end's `searchPattern` and the tests all
// use it, so an editor, a reader and the index agree on what a word is.
//
//   fold      NFC, a letter or digit made its NFKC form where that is letters, marks and digits
//             (ＷＨＯ, ﬁ; COMPATIBLE_LETTER_RANGES); joiners (ZWJ/ZWNJ) and the zero-width space dropped, except that ত্ + joiner
//             is the khanda-ta ৎ; the spellings desks type for one letter made one
//             (respell); Bengali digits as ASCII; lower case.
//   words     runs of letters, vowel signs and digits; everything else splits (space, danda,
//             quotes, dashes, ASCII punctuation).
//   keys      a word, plus the stems left by light suffix folding (the rules in SUFFIX_RULES),
//             so that a stem finds its inflected forms and an inflected word finds its stem.

import {fixDanda} from './text.ts'

const KHANDA_TA = /\u09A4\u09CD[\u200C\u200D]/g
// An alternation, not a class: a class holding ZWJ trips no-misleading-character-class.
const JOINERS_AND_INVISIBLES = /\u200B|\u200C|\u200D|\u00AD|\u2060|\uFEFF/g
const INVISIBLE = /\u200B|\u200C|\u200D|\u00AD|\u2060|\uFEFF/
const BENGALI_DIGIT = /[\u09E6-\u09EF]/g
const HAS_BENGALI_DIGIT = /[\u09E6-\u09EF]/

// Text made only of these (ASCII, Bengali, dandas, common quotes and dashes) has no joiner, its
// only upper case is A-Z, and NFC leaves it alone unless it holds one of NFC_CHANGES: most
// stored text.
const PLAIN = /^[\t\n\r\u0020-\u007E\u0964\u0965\u0980-\u09FF\u2013\u2014\u2018-\u201D]*$/
// Within PLAIN, what NFC changes: the composition exclusions ড় ঢ় য় (decomposed), ে + া or ৗ
// (composed to ো ৌ), and marks out of canonical order (nukta ccc 7, hasanta 9, U+09FE 230).
const NFC_CHANGES = /[\u09DC\u09DD\u09DF]|\u09C7[\u09BE\u09D7]|\u09CD\u09BC|\u09FE[\u09BC\u09CD]/
const ASCII_UPPER = /[A-Z]/

/**
 * Whether NFC, NFKC's letters and dropping joiners leave `text` as it is and lower case changes
 * only A-Z, so folding it only changes its digits and those letters: NFC alone costs more than the rest of
 * the fold, and search folds every string it reads.
 */
export function isPlainForSearch(text: string): boolean {
  return PLAIN.test(text) && !NFC_CHANGES.test(text)
}

/** Text as search compares it; see the module comment. */
export function foldForSearch(text: string): string {
  return fold(text, true)
}

/**
 * foldForSearch without the standard spellings (SPELLING_VARIANTS): the words as written, for
 * telling a word written in an old spelling (ঈদের) from another its standard one starts (ইদানীং).
 */
export function foldKeepingSpellings(text: string): string {
  return fold(text, false)
}

function fold(text: string, standard: boolean): string {
  if (isPlainForSearch(text)) {
    let s = abbreviated(text)
    if (RESPELLED.test(s)) s = respell(s)
    s = ungroup(foldDigits(standard ? standardSpelling(s) : s))
    return ASCII_UPPER.test(s) ? s.toLowerCase() : s
  }
  let s = text.normalize('NFC')
  if (COMPATIBLE_LETTER.test(s)) s = s.replace(COMPATIBLE_LETTERS, toNfkc).normalize('NFC')
  const invisible = INVISIBLE.test(s)
  if (invisible) {
    if (s.includes('\u09CD')) s = s.replace(KHANDA_TA, '\u09CE')
    s = s.replace(JOINERS_AND_INVISIBLES, '')
  }
  // After the joiners are gone: a ত্ they ended a word with, a ঁ they split off, is respelled.
  s = abbreviated(s)
  if (RESPELLED.test(s)) s = respell(s)
  s = ungroup(foldDigits(standard ? standardSpelling(s) : s)).toLowerCase()
  // Dropping a joiner can leave marks out of canonical order.
  return invisible ? s.normalize('NFC') : s
}

/**
 * The letters and digits NFKC makes other letters, marks and digits of (full-width Latin and
 * digits, ligatures like ﬁ, mathematical letters): folding makes them that form, and leaves every
 * other character as NFC does, so a symbol (™ ㎏ № ℡ ½ ﷺ) never becomes letters joining the word
 * beside it, and no character grows past 4. Nothing of the Bengali block is here.
 * tests/bangla/search.test.ts checks it against the runtime's NFKC for every code point.
 */
export const COMPATIBLE_LETTER_RANGES: readonly (readonly [number, number])[] = [
  [0xaa, 0xaa],
  [0xb5, 0xb5],
  [0xba, 0xba],
  [0x132, 0x133],
  [0x149, 0x149],
  [0x17f, 0x17f],
  [0x1c4, 0x1cc],
  [0x1f1, 0x1f3],
  [0x2b0, 0x2b8],
  [0x2e0, 0x2e4],
  [0x3d0, 0x3d6],
  [0x3f0, 0x3f2],
  [0x3f4, 0x3f5],
  [0x3f9, 0x3f9],
  [0x587, 0x587],
  [0x675, 0x678],
  [0xe33, 0xe33],
  [0xeb3, 0xeb3],
  [0xedc, 0xedd],
  [0x10fc, 0x10fc],
  [0x1d2c, 0x1d2e],
  [0x1d30, 0x1d3a],
  [0x1d3c, 0x1d4d],
  [0x1d4f, 0x1d6a],
  [0x1d78, 0x1d78],
  [0x1d9b, 0x1dbf],
  [0x1e9a, 0x1e9b],
  [0x2071, 0x2071],
  [0x207f, 0x207f],
  [0x2090, 0x209c],
  [0x2102, 0x2102],
  [0x2107, 0x2107],
  [0x210a, 0x2113],
  [0x2115, 0x2115],
  [0x2119, 0x211d],
  [0x2124, 0x2124],
  [0x2128, 0x2128],
  [0x212c, 0x212d],
  [0x212f, 0x2131],
  [0x2133, 0x2139],
  [0x213c, 0x213f],
  [0x2145, 0x2149],
  [0x2c7c, 0x2c7d],
  [0x2d6f, 0x2d6f],
  [0x309f, 0x309f],
  [0x30ff, 0x30ff],
  [0x3131, 0x318e],
  [0xa69c, 0xa69d],
  [0xa770, 0xa770],
  [0xa7f1, 0xa7f4],
  [0xa7f8, 0xa7f9],
  [0xab5c, 0xab5f],
  [0xab69, 0xab69],
  [0xfb00, 0xfb06],
  [0xfb13, 0xfb17],
  [0xfb20, 0xfb28],
  [0xfb4f, 0xfbb1],
  [0xfbd3, 0xfc5d],
  [0xfc64, 0xfd3d],
  [0xfd50, 0xfd8f],
  [0xfd92, 0xfdc7],
  [0xfdf0, 0xfdf9],
  [0xfe71, 0xfe71],
  [0xfe77, 0xfe77],
  [0xfe79, 0xfe79],
  [0xfe7b, 0xfe7b],
  [0xfe7d, 0xfe7d],
  [0xfe7f, 0xfefc],
  [0xff10, 0xff19],
  [0xff21, 0xff3a],
  [0xff41, 0xff5a],
  [0xff66, 0xffbe],
  [0xffc2, 0xffc7],
  [0xffca, 0xffcf],
  [0xffd2, 0xffd7],
  [0xffda, 0xffdc],
  [0x10781, 0x10785],
  [0x10787, 0x107b0],
  [0x107b2, 0x107ba],
  [0x1ccf0, 0x1ccf9],
  [0x1d400, 0x1d454],
  [0x1d456, 0x1d49c],
  [0x1d49e, 0x1d49f],
  [0x1d4a2, 0x1d4a2],
  [0x1d4a5, 0x1d4a6],
  [0x1d4a9, 0x1d4ac],
  [0x1d4ae, 0x1d4b9],
  [0x1d4bb, 0x1d4bb],
  [0x1d4bd, 0x1d4c3],
  [0x1d4c5, 0x1d505],
  [0x1d507, 0x1d50a],
  [0x1d50d, 0x1d514],
  [0x1d516, 0x1d51c],
  [0x1d51e, 0x1d539],
  [0x1d53b, 0x1d53e],
  [0x1d540, 0x1d544],
  [0x1d546, 0x1d546],
  [0x1d54a, 0x1d550],
  [0x1d552, 0x1d6a5],
  [0x1d6a8, 0x1d6c0],
  [0x1d6c2, 0x1d6da],
  [0x1d6dc, 0x1d6fa],
  [0x1d6fc, 0x1d714],
  [0x1d716, 0x1d734],
  [0x1d736, 0x1d74e],
  [0x1d750, 0x1d76e],
  [0x1d770, 0x1d788],
  [0x1d78a, 0x1d7a8],
  [0x1d7aa, 0x1d7c2],
  [0x1d7c4, 0x1d7cb],
  [0x1d7ce, 0x1d7ff],
  [0x1e030, 0x1e06d],
  [0x1ee00, 0x1ee03],
  [0x1ee05, 0x1ee1f],
  [0x1ee21, 0x1ee22],
  [0x1ee24, 0x1ee24],
  [0x1ee27, 0x1ee27],
  [0x1ee29, 0x1ee32],
  [0x1ee34, 0x1ee37],
  [0x1ee39, 0x1ee39],
  [0x1ee3b, 0x1ee3b],
  [0x1ee42, 0x1ee42],
  [0x1ee47, 0x1ee47],
  [0x1ee49, 0x1ee49],
  [0x1ee4b, 0x1ee4b],
  [0x1ee4d, 0x1ee4f],
  [0x1ee51, 0x1ee52],
  [0x1ee54, 0x1ee54],
  [0x1ee57, 0x1ee57],
  [0x1ee59, 0x1ee59],
  [0x1ee5b, 0x1ee5b],
  [0x1ee5d, 0x1ee5d],
  [0x1ee5f, 0x1ee5f],
  [0x1ee61, 0x1ee62],
  [0x1ee64, 0x1ee64],
  [0x1ee67, 0x1ee6a],
  [0x1ee6c, 0x1ee72],
  [0x1ee74, 0x1ee77],
  [0x1ee79, 0x1ee7c],
  [0x1ee7e, 0x1ee7e],
  [0x1ee80, 0x1ee89],
  [0x1ee8b, 0x1ee9b],
  [0x1eea1, 0x1eea3],
  [0x1eea5, 0x1eea9],
  [0x1eeab, 0x1eebb],
  [0x1fbf0, 0x1fbf9],
]

const hex = (cp: number) => `\\u{${cp.toString(16)}}`
const rangeClass = (ranges: readonly (readonly [number, number])[]) =>
  `[${ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('')}]`
const COMPATIBLE_LETTER = new RegExp(rangeClass(COMPATIBLE_LETTER_RANGES), 'u')
const COMPATIBLE_LETTERS = new RegExp(rangeClass(COMPATIBLE_LETTER_RANGES), 'gu')
const toNfkc = (c: string) => c.normalize('NFKC')

/** The characters folding drops (joiners and other invisibles): dropping one can join two parts. */
export const DROPPED_BY_FOLD: readonly string[] = [
  '\u200B',
  '\u200C',
  '\u200D',
  '\u00AD',
  '\u2060',
  '\uFEFF',
]

// ---------------------------------------------------------------------------------------------
// Spellings desks type for one letter (respell): each written one way in a story and searched
// the other. Each rule changes text only inside a run between spaces (the index analyses runs
// apart: lake/store/searchIndex.ts) and leaves NFC text NFC.

const VOWEL_SIGNS = '\u09BE-\u09C4\u09C7\u09C8\u09CB\u09CC\u09D7\u09E2\u09E3'
/**
 * The chandrabindu and the vowel signs of one letter, with the chandrabindu after one of them. Old
 * Bijoy conversions put it before the vowel sign (চঁাদ), Unicode after (চাঁদ); NFC keeps both,
 * and search puts it first. Not last: counting a word as written (foldKeepsOccurrences) bounds
 * how often it occurs folded only for words folding cannot make, and with the chandrabindu put
 * last every word ending in a vowel sign (চা from চঁাদ) would be one; put first, only words
 * holding a chandrabindu are.
 */
const CHANDRABINDU_AFTER = new RegExp(
  `[${VOWEL_SIGNS}\\u0981]*[${VOWEL_SIGNS}]\\u0981[${VOWEL_SIGNS}\\u0981]*`,
  'g',
)
// The stems a visarga stands inside a word after (দুঃখ, নিঃশেষ, অন্তঃসত্ত্বা, বহিঃপ্রকাশ,
// পুনঃপ্রচার, মনঃকষ্ট, অতঃপর, প্রাতঃকাল, স্বতঃস্ফূর্ত, ইতঃপূর্বে, শিরঃপীড়া, তপঃ, যশঃ, চক্ষুঃ), as a
// whole word up to the colon. A closed list, not any letter: a label and its value typed without
// a space (সূত্র:বাসস, প্রশ্ন:কেন, বিষয়:নির্বাচন) are two words, and far more common.
const VISARGA_STEMS = [
  'দু',
  'নি',
  'অন্ত',
  'বহি',
  'পুন',
  'মন',
  'অত',
  'প্রাত',
  'স্বত',
  'ইত',
  'শির',
  'তপ',
  'যশ',
  'চক্ষু',
].map((stem) => stem.normalize('NFC'))
const LETTER_AFTER = '[\\u0985-\\u09B9\\u09CE\\u09DC-\\u09E1\\u09F0\\u09F1]'
/** A colon typed for the visarga: only after a visarga stem, before a letter (দু:খ, not সূত্র:বাসস). */
const COLON_VISARGA = new RegExp(
  `(?<=(?<![\\u0980-\\u09FF])(?:${VISARGA_STEMS.join('|')})):(?=${LETTER_AFTER})`,
  'g',
)
// Where a word ends (searchWords: letters, marks and digits make words).
const WORD_END = '(?![\\p{L}\\p{M}\\p{N}])'
/**
 * The visarga ending a word, dropped as the standard spelling drops it (মূলত, সাধারণত): so
 * মূলতঃ, মূলত: and মূলত meet, and পুনঃ and পুন: (the colon splits it off).
 */
const FINAL_VISARGA = new RegExp(`\\u0983${WORD_END}`, 'gu')
/** ত + hasanta ending a word is the khanda-ta ৎ (সাক্ষাত্ is সাক্ষাৎ); before a letter, a conjunct. */
const FINAL_TA_HASANTA = new RegExp(`\\u09A4\\u09CD${WORD_END}`, 'gu')
/**
 * Where respell may change text (a superset, cheap to test): most text holds none of these, and
 * folds without a replace.
 */
const RESPELLED = new RegExp(
  `\\u09F7|\\u0983|[${VOWEL_SIGNS}]\\u0981|[\\u0980-\\u09FF]:|\\u09A4\\u09CD(?![\\u0995-\\u09B9\\u09DC-\\u09DF])`,
)

// ---------------------------------------------------------------------------------------------
// Spellings the Bangla Academy's standard spelling (প্রমিত বাংলা বানানের নিয়ম) changed and desks still
// type the old way. The reform (rule 2.01) gives every word that is not tatsama (a loanword, a
// tadbhava or deshi word) ই/উ and ি/ু only, and foreign words স where ষ was written (আগস্ট). Search
// cannot tell a tatsama word from another, and inside tatsama words the vowel's length tells words
// apart (দিন "day"/দীন "poor", নিল "took"/নীল "blue", কুল/কূল, নিচ/নীচ): so only the words the
// reform changed are folded, by this table, old spelling to standard, where a word starts with one
// (so their inflections and compounds follow: সরকারীভাবে, দাবীতে, পোষ্টার), and ষ্ট starting a word
// (ষ্টেশন, ষ্টাফ: no Bengali word starts with it). পুজো and পূজা are two forms (-ো, -া), not spellings.

/** Old spelling → the standard one: the words folded where a word starts with them. */
export const SPELLING_VARIANTS: ReadonlyMap<string, string> = new Map(
  (
    [
      // ী → ি in words that are not tatsama (Persian, Arabic, English, tadbhava; -ি of
      // nationality, language and adjectives made from nouns).
      ['সরকারী', 'সরকারি'],
      ['বেসরকারী', 'বেসরকারি'],
      ['দরকারী', 'দরকারি'],
      ['তৈরী', 'তৈরি'],
      ['রানী', 'রানি'],
      ['শহীদ', 'শহিদ'],
      ['গরীব', 'গরিব'],
      ['দাবী', 'দাবি'],
      ['কাহিনী', 'কাহিনি'],
      ['শ্রেণী', 'শ্রেণি'],
      ['বাড়ী', 'বাড়ি'],
      ['গাড়ী', 'গাড়ি'],
      ['শাড়ী', 'শাড়ি'],
      ['পাখী', 'পাখি'],
      ['হাতী', 'হাতি'],
      ['বাকী', 'বাকি'],
      ['আসামী', 'আসামি'],
      ['কেরানী', 'কেরানি'],
      ['পদবী', 'পদবি'],
      ['চাবী', 'চাবি'],
      ['দামী', 'দামি'],
      ['খুশী', 'খুশি'],
      ['জানুয়ারী', 'জানুয়ারি'],
      ['ফেব্রুয়ারী', 'ফেব্রুয়ারি'],
      ['ইংরেজী', 'ইংরেজি'],
      ['হিন্দী', 'হিন্দি'],
      ['আরবী', 'আরবি'],
      ['ফারসী', 'ফারসি'],
      ['জাপানী', 'জাপানি'],
      ['ইরানী', 'ইরানি'],
      ['পাকিস্তানী', 'পাকিস্তানি'],
      ['বাংলাদেশী', 'বাংলাদেশি'],
      ['বিদেশী', 'বিদেশি'],
      ['দেশী', 'দেশি'],
      ['বাঙালী', 'বাঙালি'],
      // ূ → ু, ঈ → ই.
      ['ধূলা', 'ধুলা'],
      ['চূন', 'চুন'],
      ['পূব', 'পুব'],
      ['মূলা', 'মুলা'],
      ['রূপালী', 'রুপালি'],
      ['রুপালী', 'রুপালি'],
      ['রূপালি', 'রুপালি'],
      ['ভূতুড়ে', 'ভুতুড়ে'],
      ['উর্দূ', 'উর্দু'],
      ['পূজো', 'পুজো'],
      ['ঈদ', 'ইদ'],
      // ষ → স in foreign words.
      ['আগষ্ট', 'আগস্ট'],
      ['পোষ্ট', 'পোস্ট'],
      ['মাষ্টার', 'মাস্টার'],
      ['টেষ্ট', 'টেস্ট'],
      ['ফাষ্ট', 'ফাস্ট'],
      ['লাষ্ট', 'লাস্ট'],
      ['রেষ্টুরেন্ট', 'রেস্টুরেন্ট'],
      ['ইনষ্টিটিউট', 'ইনস্টিটিউট'],
      ['ষ্ট', 'স্ট'],
    ] as const
  ).map(([old, standard]) => [old.normalize('NFC'), standard.normalize('NFC')]),
)

const ST_AT_WORD_START = 'ষ্ট'.normalize('NFC')
/**
 * Whether `word` (folded keeping its spelling) is an old spelling of a table word (ঈদ, হাতী,
 * সরকারী): typed as a prefix, its standard spelling (ইদ*, হাতি*) starts other words too (ইদানীং,
 * হাতিয়ার), so search takes the words written starting with it and the table word's own forms.
 * Not ষ্ট: no Bengali word starts with it, nor with its স্ট but the foreign words it is.
 */
export function spelledTheOldWay(word: string): boolean {
  return SPELLING_VARIANTS.has(word) && word !== ST_AT_WORD_START
}

// Longest first: an alternation takes the first that matches.
const VARIANT_AT_WORD_START = new RegExp(
  `(?<![\\p{L}\\p{M}\\p{N}])(?:${[...SPELLING_VARIANTS.keys()]
    .sort((a, b) => b.length - a.length)
    .join('|')})`,
  'gu',
)
// What every old spelling holds (ী ূ ঈ ষ্ট): most text holding none folds without the replace.
const MAY_HOLD_VARIANT = /[\u09C0\u09C2\u0988]|\u09B7\u09CD\u099F/

/** `text` with the old spellings the table names where a word starts with them made standard. */
export function standardSpelling(text: string): string {
  if (!MAY_HOLD_VARIANT.test(text)) return text
  return text.replace(VARIANT_AT_WORD_START, (old) => SPELLING_VARIANTS.get(old)!)
}

/**
 * Abbreviations before names, as desks write them (মো. and মোঃ, ডা.), and the word each stands
 * for: an editor searching মোহাম্মদ আবদুল হামিদ means মো. আবদুল হামিদ too. Only with the dot,
 * visarga or colon that marks the abbreviation, so that মো typed as the start of a word (মো* in
 * the search box, on the way to মোবাইল) stays a prefix.
 */
export const ABBREVIATIONS: ReadonlyMap<string, string> = new Map(
  (
    [
      ['মো', 'মোহাম্মদ'],
      ['ডা', 'ডাক্তার'],
    ] as const
  ).map(([short, word]) => [short.normalize('NFC'), word.normalize('NFC')]),
)
const ABBREVIATION = new RegExp(
  `(?<![\\p{L}\\p{M}\\p{N}])(?:${[...ABBREVIATIONS.keys()].join('|')})(?=[.:\\u0983])`,
  'gu',
)
// The vowel sign of মো or ডা before the mark (alternatives: a class of marks trips
// no-misleading-character-class).
const MAY_HOLD_ABBREVIATION = /(?:\u09CB|\u09BE)(?:\.|:|\u0983)/

function abbreviated(text: string): string {
  if (!MAY_HOLD_ABBREVIATION.test(text)) return text
  return text.replace(ABBREVIATION, (short) => ABBREVIATIONS.get(short)!)
}

// A number grouped by commas, in threes (12,500) or the South Asian way (১২,৩৪,৫৬৭: twos, then a
// last three), is one number: 12500. A comma between numbers otherwise (১২,১৩ ও ১৪ আগস্ট) splits.
const GROUPED_NUMBER = /(?<![0-9,])[0-9]{1,3}(?:,[0-9]{2,3})*,[0-9]{3}(?![0-9])/g

function ungroup(text: string): string {
  if (!text.includes(',')) return text
  return text.replace(GROUPED_NUMBER, (number) => number.replaceAll(',', ''))
}

/**
 * The spellings besides `key` (a folded search key) that standardSpelling can fold into an
 * occurrence of `key` at a word start, each as the text as written holds it there: counting them
 * too bounds how often `key` occurs folded (foldKeepsOccurrences). A key a standard spelling
 * starts with (সরকারি, সরকারিভাবে) is also the old spelling (সরকারী…); one that starts a standard
 * spelling and is cut inside the changed letter's place (স of স্ট) is the old one cut there (ষ).
 */
export function variantSpellings(key: string): string[] {
  const out = new Set<string>()
  for (const [old, standard] of SPELLING_VARIANTS) {
    let spelled: string | null = null
    if (key.startsWith(standard)) spelled = old + key.slice(standard.length)
    else if (standard.startsWith(key)) spelled = old.slice(0, key.length)
    if (spelled !== null && spelled !== key) out.add(spelled)
  }
  // An abbreviation is the whole word it stands for: a key that word starts with (and the
  // abbreviation does not) is the abbreviation where the text as written holds it.
  for (const [short, word] of ABBREVIATIONS) {
    if (word.startsWith(key) && !short.startsWith(key)) out.add(short)
  }
  return [...out]
}

function respell(text: string): string {
  let s = text
  // ৷ (U+09F7, a number character) typed for the danda: the import's rule (text.ts).
  if (s.includes('\u09F7')) s = fixDanda(s)
  if (s.includes('\u0981'))
    s = s.replace(CHANDRABINDU_AFTER, (run) => {
      const marks = run.replace(/\u0981/g, '')
      // ে + ঁ + া (ো typed in parts around it): the parts meet again, and NFC composes them.
      return '\u0981'.repeat(run.length - marks.length) + marks.normalize('NFC')
    })
  if (s.includes(':')) s = s.replace(COLON_VISARGA, '\u0983')
  if (s.includes('\u0983')) s = s.replace(FINAL_VISARGA, '')
  if (s.includes('\u09A4\u09CD')) s = s.replace(FINAL_TA_HASANTA, '\u09CE')
  return s
}

// Bengali letters and signs that folding can make out of other text: ো ৌ (NFC composes ে + া or
// ৗ), ড ঢ য and the nukta (NFC decomposes the precomposed ড় ঢ় য়), and the marks NFC reorders
// (nukta, U+09FE; hasanta only at the end: a mark moved past it stays before the next letter).
// Alternatives, not one class: a class of letters and marks trips no-misleading-character-class.
const FOLD_MADE = /[\u09A1\u09A2\u09AF]|\u09BC|\u09CB|\u09CC|\u09FE|\u09CD$|\u0981|\u0983|\u09CE$/
const BENGALI_LETTERS = /^[\u0980-\u09E5\u09F0-\u09FF]+$/
const WORD_ONLY = /^[\p{L}\p{M}]+$/u

/**
 * Whether every occurrence of `key` (a folded search key) at a word start in foldForSearch(text)
 * is one in the text as written, of `key` or of one of its variantSpellings, or takes in a place
 * where folding dropped one of DROPPED_BY_FOLD (each such place at most one): at most as many as
 * the text as written holds of them, plus its DROPPED_BY_FOLD characters, in any text. True for keys of Bengali letters and signs
 * that folding never makes out of other characters; lets a store bound how often a word occurs
 * by counting it in stored text without folding it (lake/core/scoreTopK.ts). Digits, Latin
 * letters (upper case folds) and the letters above do not qualify.
 */
export function foldKeepsOccurrences(key: string): boolean {
  return BENGALI_LETTERS.test(key) && WORD_ONLY.test(key) && !FOLD_MADE.test(key)
}

// Folding lowers A-Z; NFC composes a letter and a following mark into one character past ASCII
// (an occurrence lost, never made). Any other character that folds into, or decomposes to, an
// ASCII letter is in FOLDED_INTO_ASCII (tests/bangla/search.test.ts checks every code point).
const ASCII_LOWER_WORD = /^[a-z]+$/

/**
 * FOLDED_INTO_ASCII's code points, as inclusive ranges (a little more than asked where a block is
 * rare in newsroom text): the store finds them by their UTF-8 bytes (lake/store/tally.ts).
 */
export const FOLDED_INTO_ASCII_RANGES: readonly (readonly [number, number])[] = [
  [0xaa, 0xaa], // ª
  [0xba, 0xba], // º
  [0xc0, 0x24f], // precomposed Latin letters
  [0x2b0, 0x2b0], // modifier letters ʰ ʲ ʳ ʷ ʸ ˡ ˢ ˣ (not ʼ, typed for an apostrophe)
  [0x2b2, 0x2b3],
  [0x2b7, 0x2b8],
  [0x2e1, 0x2e3],
  [0x1d2c, 0x1dbb], // phonetic extensions' modifier letters
  [0x1e00, 0x1eff], // precomposed Latin letters
  [0x2071, 0x2071], // superscript and subscript letters
  [0x207f, 0x207f],
  [0x2090, 0x209c],
  [0x2102, 0x2102], // letterlike letters (ℌ K Å; not the symbols ™ №, which stay themselves)
  [0x210a, 0x210e],
  [0x2110, 0x2113],
  [0x2115, 0x2115],
  [0x2119, 0x211d],
  [0x2124, 0x2124],
  [0x2128, 0x2128],
  [0x212a, 0x212d],
  [0x212f, 0x2131],
  [0x2133, 0x2134],
  [0x2139, 0x2139],
  [0x2145, 0x2149],
  [0x2c7c, 0x2c7d],
  [0xa7f1, 0xa7f4],
  [0xfb00, 0xfb06], // the Latin ligatures (ﬁ ﬂ)
  [0xff21, 0xff3a], // full-width Latin
  [0xff41, 0xff5a],
  [0x107a5, 0x107a5],
  [0x1d400, 0x1d6a3], // mathematical alphanumerics
]

/**
 * The characters past ASCII that foldForSearch can turn into text holding an ASCII letter, or
 * whose canonical decomposition holds one (so that NFC, composing around them, might):
 * precomposed Latin letters, COMPATIBLE_LETTER_RANGES' Latin (full-width, ligatures, mathematical).
 */
export const FOLDED_INTO_ASCII = new RegExp(rangeClass(FOLDED_INTO_ASCII_RANGES), 'u')

/**
 * Whether every occurrence of `key` at a word start in foldForSearch(text) is one in the text as
 * written without regard to ASCII case, or takes in a place where folding dropped one of
 * DROPPED_BY_FOLD, in any text holding nothing of FOLDED_INTO_ASCII: true for keys of ASCII
 * lower-case letters. Lets a store bound a Latin word's occurrences as foldKeepsOccurrences does
 * a Bengali one's, counting A-Z as a-z and giving up where FOLDED_INTO_ASCII occurs.
 */
export function foldKeepsCaselessOccurrences(key: string): boolean {
  return ASCII_LOWER_WORD.test(key)
}

function foldDigits(s: string): string {
  if (!HAS_BENGALI_DIGIT.test(s)) return s
  return s.replace(BENGALI_DIGIT, (d) => String.fromCharCode(48 + d.charCodeAt(0) - 0x09e6))
}

// Letters, combining marks (Bengali vowel signs, hasanta, nukta, chandrabindu) and digits make
// words; anything else (white space, । ॥, ‘’“”'", —–-, ASCII punctuation, symbols) splits them,
// and so does a digit after a letter: কোভিড১৯, কোভিড-১৯ and কোভিড ১৯ are the same two words
// (digits then letters stay one: ১০টি, ৩য়). Matched a bounded piece at a time and joined (runs):
// `[…]+` with `u` backtracks through its astral alternatives, and V8 threw "Maximum call stack
// size exceeded" on a word of ~4 million Bengali characters (a pasted blob), stopping the
// full-text index.
const PIECE = 4096
const WORD = new RegExp(
  `\\p{N}{1,${PIECE}}[\\p{L}\\p{M}]{0,${PIECE}}|[\\p{L}\\p{M}]{1,${PIECE}}`,
  'gu',
)
const LETTER_BEFORE = /[\p{L}\p{M}]$/u
const DIGIT_FIRST = /^\p{N}/u

/** Whether a word starts at `i` that a letter or mark ends right before it: a digit there. */
function digitAfterLetter(text: string, i: number): boolean {
  return (
    DIGIT_FIRST.test(text.slice(i, i + 2)) && LETTER_BEFORE.test(text.slice(Math.max(0, i - 2), i))
  )
}

/** The folded words of a text, in order. */
export function searchWords(text: string): string[] {
  return runs(foldForSearch(text), WORD, digitAfterLetter)
}

/** searchWords, spelled as written (foldKeepingSpellings): word for word the same words. */
export function searchWordsAsSpelled(text: string): string[] {
  return runs(foldKeepingSpellings(text), WORD, digitAfterLetter)
}

// The same words, spelled as typed: joiners, the zero-width space and a colon typed for the
// visarga stay inside (র‍্যাব, দু:খ are one word), as folding joins them.
const TYPED_WORD = new RegExp(
  `(?:[\\p{L}\\p{M}\\p{N}\\u200B\\u200C\\u200D]|${COLON_VISARGA.source}){1,${PIECE}}`,
  'gu',
)

/**
 * The words of a text as typed (NFC, not folded; ৷ read as the danda it stands for): for
 * building queries a server folds itself.
 */
export function typedWords(text: string): string[] {
  return runs(fixDanda(text.normalize('NFC')), TYPED_WORD, () => false)
}

/**
 * The maximal runs of `piece`'s (global) matches that touch each other, in order, cut where
 * `splits` says a word starts though the piece before touches it.
 */
function runs(text: string, piece: RegExp, splits: (text: string, i: number) => boolean): string[] {
  const pieces = text.match(piece) ?? []
  // A piece cut by the bound is PIECE code points, at least as many UTF-16 units; most texts
  // have none, and matchAll's objects cost a third more.
  if (!pieces.some((p) => p.length >= PIECE)) return pieces
  const out: string[] = []
  let start = -1
  let end = -1
  for (const match of text.matchAll(piece)) {
    if (match.index !== end || splits(text, end)) {
      if (start >= 0) out.push(text.slice(start, end))
      start = match.index
    }
    end = match.index + match[0].length
  }
  if (start >= 0) out.push(text.slice(start, end))
  return out
}

// ---------------------------------------------------------------------------------------------
// Suffix folding

/** What must come right before a suffix for it to be stripped. */
export type SuffixContext = 'any' | 'vowel' | 'consonant' | 'consonant or e'

export interface SuffixRule {
  suffix: string
  /** The stem must keep at least this many letters (a conjunct counts as one). */
  minStem: number
  after: SuffixContext
  /** An inflected word and the stem it folds to: the rule's test. */
  example: readonly [word: string, stem: string]
}

const rule = (
  suffix: string,
  minStem: number,
  after: SuffixContext,
  example: readonly [string, string],
): SuffixRule => ({suffix: suffix.normalize('NFC'), minStem, after, example})

/**
 * The inflections search folds away: case endings, plural and classifier suffixes, alone and
 * combined. Every applicable rule gives a key (not only the longest), so বইগুলোর reaches বইগুলো
 * and বই. The emphatic particles ই and ও come off first (EMPHATIC_RULES).
 */
export const SUFFIX_RULES: readonly SuffixRule[] = [
  // Plural and classifier suffixes, with the case endings that follow them.
  rule('গুলোতে', 1, 'any', ['বইগুলোতে', 'বই']),
  rule('গুলিতে', 1, 'any', ['বইগুলিতে', 'বই']),
  rule('গুলোকে', 1, 'any', ['বইগুলোকে', 'বই']),
  rule('গুলিকে', 1, 'any', ['দলগুলিকে', 'দল']),
  rule('গুলোর', 1, 'any', ['দেশগুলোর', 'দেশ']),
  rule('গুলির', 1, 'any', ['দেশগুলির', 'দেশ']),
  rule('গুলো', 1, 'any', ['দলগুলো', 'দল']),
  rule('গুলি', 1, 'any', ['দলগুলি', 'দল']),
  rule('দেরকে', 2, 'any', ['শিক্ষার্থীদেরকে', 'শিক্ষার্থী']),
  rule('দের', 2, 'any', ['শিক্ষার্থীদের', 'শিক্ষার্থী']),
  rule('রা', 2, 'any', ['নেতারা', 'নেতা']),
  rule('টিতে', 2, 'any', ['ভবনটিতে', 'ভবন']),
  rule('টিকে', 2, 'any', ['প্রস্তাবটিকে', 'প্রস্তাব']),
  rule('টির', 2, 'any', ['প্রস্তাবটির', 'প্রস্তাব']),
  rule('টাকে', 2, 'any', ['প্রস্তাবটাকে', 'প্রস্তাব']),
  rule('টার', 2, 'any', ['প্রস্তাবটার', 'প্রস্তাব']),
  rule('টি', 2, 'any', ['প্রস্তাবটি', 'প্রস্তাব']),
  rule('টা', 2, 'any', ['প্রস্তাবটা', 'প্রস্তাব']),
  rule('খানা', 2, 'any', ['চিঠিখানা', 'চিঠি']),
  rule('খানি', 2, 'any', ['চিঠিখানি', 'চিঠি']),
  // Case endings.
  rule('য়ের', 1, 'vowel', ['মায়ের', 'মা']),
  rule('য়ে', 2, 'vowel', ['বেইজিংয়ে', 'বেইজিং']),
  rule('ের', 2, 'consonant', ['বৈঠকের', 'বৈঠক']),
  rule('এর', 1, 'any', ['বিএনপিএর', 'বিএনপি']),
  rule('র', 2, 'vowel', ['মন্ত্রীর', 'মন্ত্রী']),
  rule('কে', 2, 'any', ['দেশকে', 'দেশ']),
  // The locative -তে follows a vowel; after a consonant -তে is a verb's (করতে, বলতে, দেখতে), whose
  // root is often a noun's spelling (কর "tax", বল "ball"): stripping it derived a homograph.
  rule('তে', 2, 'vowel', ['রাজধানীতে', 'রাজধানী']),
  rule('য়', 2, 'vowel', ['ঢাকায়', 'ঢাকা']),
  rule('এ', 2, 'vowel', ['ঢাকাএ', 'ঢাকা']),
  rule('ে', 2, 'consonant', ['বৈঠকে', 'বৈঠক']),
]

/** Emphatic particles, stripped before the suffixes: বৈঠকেই → বৈঠকে → বৈঠক. */
export const EMPHATIC_RULES: readonly SuffixRule[] = [
  rule('ই', 2, 'consonant or e', ['বৈঠকেই', 'বৈঠকে']),
  rule('ও', 2, 'any', ['বাংলাদেশও', 'বাংলাদেশ']),
]

/**
 * Words that are stems themselves although they end like an inflection: folding them would
 * make them meet unrelated words (আমরা "we" is not আম "mango"; বাজার "market" is not বাজা
 * "play"). Their inflected forms still fold back to them (বাজারে → বাজার).
 */
export const UNSTEMMED_WORDS: ReadonlySet<string> = new Set(
  [
    // -রা: pronouns.
    'আমরা',
    'তোমরা',
    'তারা',
    'যারা',
    'কারা',
    'এরা',
    'ওরা',
    'সবাই',
    // -র after a vowel sign: nouns ending in -ার/-ীর/-ুর.
    'সরকার',
    'বাজার',
    'হাজার',
    'পরিবার',
    'অধিকার',
    'ব্যবহার',
    'বিচার',
    'প্রচার',
    'আবার',
    'শনিবার',
    'রবিবার',
    'সোমবার',
    'মঙ্গলবার',
    'বুধবার',
    'বৃহস্পতিবার',
    'শুক্রবার',
    'ভোটার',
    'কম্পিউটার',
    'ডাক্তার',
    'কাপুর',
    'সিঙ্গাপুর',
    'মিরপুর',
    'গভীর',
    'বীর',
    'তীর',
    'নীর',
    // -টি/-টা: nouns ending in them.
    'কমিটি',
    'পার্টি',
    'সিটি',
    'ইউনিভার্সিটি',
    'ডিউটি',
    'ভোটা',
    // Numeral + classifier: a quantifier (একটি "a, one"), not an inflection of the numeral (এক).
    'একটি',
    'একটা',
    'দুটি',
    'দুটো',
    'তিনটি',
    'তিনটা',
    'চারটি',
    'চারটা',
    'পাঁচটি',
    'পাঁচটা',
    'ছয়টি',
    'সাতটি',
    'আটটি',
    'নয়টি',
    'দশটি',
    // -খানা: compounds.
    'কারখানা',
    'ডাকখানা',
    'বৈঠকখানা',
    // -কে/-তে/-ে/-এ: words and function words ending in them.
    'থেকে',
    'একে',
    'সাথে',
    'আগে',
    'পরে',
    'মেয়ে',
    // -ও: words that end in ও.
    'এখনও',
    'কখনও',
    'আরও',
  ].map((word) => word.normalize('NFC')),
)

/**
 * Verb forms spelled like a noun's inflection (করে "does" like করের's করে-, খেতে "to eat" like
 * খেত "field" + -ে): they keep only themselves, as UNSTEMMED_WORDS do, and no suffix rule folds a
 * word to one, since a verb takes no case ending: করের (the tax's) is কর, never করে. An emphatic
 * particle still comes off one (করেই is করে). The locative of খেত (খেতে) no longer finds খেত:
 * the field is mostly spelled ক্ষেত, while খেতে "to eat" is common.
 */
export const VERB_FORMS: ReadonlySet<string> = new Set(
  ['করে', 'বলে', 'হলে', 'গেলে', 'খেতে', 'যেতে', 'দিতে', 'নিতে', 'পেতে', 'হতে'].map((word) =>
    word.normalize('NFC'),
  ),
)

const keptWhole = (word: string) => UNSTEMMED_WORDS.has(word) || VERB_FORMS.has(word)

// A vowel sign, or the anusvara ং, after which -য়/-য়ে/-য়ের are written (বেইজিংয়ের).
const VOWEL_SIGN = /[\u09BE-\u09CC\u09D7\u0982]$/u
const INDEPENDENT_VOWEL = /[\u0985-\u0994]$/u
const CONSONANT = /(?:[\u0995-\u09B9\u09CE\u09DC-\u09DF]|[\u0995-\u09B9]\u09BC)$/u

function fits(stem: string, r: SuffixRule): boolean {
  if (!hasLetters(stem, r.minStem)) return false
  switch (r.after) {
    case 'any':
      return true
    case 'vowel':
      return VOWEL_SIGN.test(stem) || INDEPENDENT_VOWEL.test(stem)
    case 'consonant':
      return CONSONANT.test(stem)
    case 'consonant or e':
      return CONSONANT.test(stem) || stem.endsWith('\u09C7')
  }
}

/**
 * Whether `s` has at least `min` letters and digits, a consonant after hasanta (a conjunct's
 * second part) not counted. Stops there: counting a whole million-character word, for each rule
 * it ends like, took seconds.
 */
function hasLetters(s: string, min: number): boolean {
  let count = 0
  let previous = ''
  for (const ch of s) {
    if (count >= min) return true
    if (previous !== '\u09CD' && /[\p{L}\p{N}]/u.test(ch)) count++
    previous = ch
  }
  return count >= min
}

function strip(word: string, rules: readonly SuffixRule[]): string[] {
  const out: string[] = []
  for (const r of rules) {
    if (word.length <= r.suffix.length || !word.endsWith(r.suffix)) continue
    const stem = word.slice(0, -r.suffix.length)
    if (fits(stem, r)) out.push(stem)
  }
  return out
}

/** The last UTF-16 unit of every suffix and emphatic particle. */
const SUFFIX_ENDS: ReadonlySet<number> = new Set(
  [...SUFFIX_RULES, ...EMPHATIC_RULES].map((r) => r.suffix.charCodeAt(r.suffix.length - 1)),
)

/** The plural and classifier suffixes a protected word may end like (কমিটি, আমরা, কারখানা). */
const CLASSIFIER_ENDINGS = ['গুলো', 'গুলি', 'রা', 'টি', 'টা', 'খানা', 'খানি'].map((ending) =>
  ending.normalize('NFC'),
)

const keyCache = new Map<string, readonly string[]>()
const KEY_CACHE_LIMIT = 100_000
/**
 * Longer words (a run of letters with no space, a pasted blob) are not kept: the limit counts
 * entries, and 200,000-character words kept ~12 MB of heap each on the search analyzer's thread.
 */
const CACHED_WORD_LENGTH = 64

/**
 * A folded word's search keys: the word itself first, then its stems. Two words meet when their
 * keys share one (বৈঠকে and বৈঠকের share বৈঠক). Words in UNSTEMMED_WORDS and VERB_FORMS keep only themselves,
 * and inflections of those ending like a classifier (কমিটির) fold back to them, not past them.
 */
export function searchKeys(word: string): readonly string[] {
  // No rule can strip a word that does not end like a suffix (digits, Latin words, an id's
  // number): they are most of the words an archive's ids, dates and slugs bring, each new.
  if (!SUFFIX_ENDS.has(word.charCodeAt(word.length - 1))) return [word]
  const cached = keyCache.get(word)
  if (cached) return cached
  const keys = new Set([word])
  if (!keptWhole(word)) {
    const bases = [word, ...strip(word, EMPHATIC_RULES)]
    for (const base of bases) {
      keys.add(base)
      if (base !== word && keptWhole(base)) continue
      for (const stem of strip(base, SUFFIX_RULES)) if (!VERB_FORMS.has(stem)) keys.add(stem)
    }
  }
  // An inflection of a protected word that ends like a classifier folds back to it, never past
  // it: কমিটির is কমিটি, not কমি (টির cut into the word). One that ends like a case ending keeps
  // both parses (আগের is আগে's and আগ's), a verb form excepted (above).
  let floor = 0
  for (const key of keys)
    if (
      key !== word &&
      UNSTEMMED_WORDS.has(key) &&
      CLASSIFIER_ENDINGS.some((ending) => key.endsWith(ending)) &&
      (floor === 0 || key.length < floor)
    )
      floor = key.length
  const out = floor === 0 ? [...keys] : [...keys].filter((key) => key.length >= floor)
  if (word.length > CACHED_WORD_LENGTH) return out
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
  keyCache.set(word, out)
  return out
}

export interface SearchToken {
  /** The folded word as written. */
  word: string
  /** The word and its stems (see searchKeys). */
  keys: readonly string[]
}

/** A text's words with their keys, in order. */
export function analyzeForSearch(text: string): SearchToken[] {
  return searchWords(text).map((word) => ({word, keys: searchKeys(word)}))
}

/** How well one word of a text meets one query word. */
export type WordMatch = 'whole' | 'stem' | null

/**
 * Whether a text word meets a query word (both folded): the same word is a whole-word match;
 * sharing a key (an inflection of the same stem) is a stem match. With `prefix`, a text word that
 * starts with the query word is a whole-word match too (the last word of a search box as typed).
 */
export function matchWord(token: SearchToken, query: string, prefix = false): WordMatch {
  if (token.word === query || (prefix && token.word.startsWith(query))) return 'whole'
  const keys = searchKeys(query)
  for (const key of keys) if (token.keys.includes(key)) return 'stem'
  return null
}
