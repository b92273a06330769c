/**
 * `text::query()` strings as hosted Sanity reads them, matched the Bengali way (bangla/search.ts):
 *
 * - words separated by spaces must all be found (`বৈঠক ঢাকা`);
 * - `"two words"` must be found next to each other, in that order;
 * - `-word` (or `-"two words"`) must not be found;
 * - `word*` also finds words that start with `word` (the Studio adds `*` to the last word typed);
 *   when `word` is typed in an old spelling the standard-spelling table names (ঈদ, হাতী), the words
 *   that start with it as written, and the table word's own forms (ইদ, হাতির): not every word
 *   its standard spelling starts (ইদানীং, হাতিয়ার).
 *
 * A word is found as written (a whole-word hit) or as another inflection of the same stem (a
 * stem hit: বৈঠকের finds বৈঠকে). A bare `*` matches anything, a query of exclusions only
 * anything without them, and a query with no word at all (empty, or only punctuation) nothing.
 */
import {
  analyzeForSearch,
  foldForSearch,
  foldKeepingSpellings,
  foldKeepsCaselessOccurrences,
  foldKeepsOccurrences,
  matchWord,
  searchKeys,
  searchWords,
  searchWordsAsSpelled,
  spelledTheOldWay,
  variantSpellings,
  type SearchToken,
} from '../../bangla/index.ts'

export interface TextTerm {
  /** Folded words; more than one must be found next to each other. */
  words: string[]
  /** The last word also matches as a prefix. */
  prefix: boolean
  /**
   * With `prefix`, the last word as typed when it is an old spelling of a table word (ঈদ of ইদ):
   * a word that only starts with the last word is found when written starting with this.
   */
  oldSpelling?: string
  negated: boolean
}

// The Studio's own tokenizer for search strings (sanity's TOKEN_REGEX): quoted runs stay whole.
const TOKEN = /(?:[^\s"]+|"[^"]*")+/g

export function parseTextQuery(query: string): TextTerm[] {
  const terms: TextTerm[] = []
  for (const raw of query.match(TOKEN) ?? []) {
    let token = raw
    const negated = token.length > 1 && token.startsWith('-')
    if (negated) token = token.slice(1)
    const quoted = token.length >= 2 && token.startsWith('"') && token.endsWith('"')
    const prefix = !quoted && token.endsWith('*')
    const words = searchWords(token)
    // A bare `*` (what the Studio sends for an empty search box) matches anything.
    if (words.length > 0 || (token === '*' && !negated)) {
      const term: TextTerm = {words, prefix, negated}
      const typed = prefix ? searchWordsAsSpelled(token).at(-1) : undefined
      if (typed !== undefined && spelledTheOldWay(typed)) term.oldSpelling = typed
      terms.push(term)
    }
  }
  return terms
}

/**
 * Whether `query` matches any text, none included: it holds only bare `*`s (what the Studio sends
 * for an empty search box), each of which matches anything.
 */
export function matchesAnything(query: string): boolean {
  const terms = parseTextQuery(query)
  return terms.length > 0 && terms.every((term) => term.words.length === 0 && !term.negated)
}

/**
 * A text as search reads it: its strings, folded as a word's lookup reaches them (a phrase never
 * spans two strings; a lookup that has seen enough stops before the rest), and their token lists,
 * made only when a phrase needs them (a single word is looked up where it occurs).
 */
export interface AnalyzedText {
  texts: readonly string[]
  /** `folded[i]` is texts[i] folded, once a lookup has read it (foldedAt). */
  folded: string[]
  /** `written[i]` is texts[i] folded keeping its spellings (foldKeepingSpellings), once read. */
  written: string[]
  tokens: SearchToken[][] | null
  /** Per text, its words as spelled (searchWordsAsSpelled), once a phrase needs them. */
  wordsAsSpelled: string[][] | null
}

export function analyzeTexts(texts: readonly string[]): AnalyzedText {
  return {texts, folded: [], written: [], tokens: null, wordsAsSpelled: null}
}

function foldedAt(text: AnalyzedText, i: number): string {
  return (text.folded[i] ??= foldForSearch(text.texts[i]))
}

// The table's spellings are one letter for another (ী for ি…), so a word starts at the same place
// in both folds.
function writtenAt(text: AnalyzedText, i: number): string {
  return (text.written[i] ??= foldKeepingSpellings(text.texts[i]))
}

/** Hits counted towards the score (HIT_SCORE each, MAX_HIT_SCORE at most): more change nothing. */
const HIT_SCORE = 0.02
const MAX_HIT_SCORE = 0.2
const SCORED_HITS = Math.ceil(MAX_HIT_SCORE / HIT_SCORE)

function tokensOf(text: AnalyzedText): SearchToken[][] {
  return (text.tokens ??= text.texts.map((t) => analyzeForSearch(t)))
}

// Word for word tokensOf's words (the table's spellings are one letter for another).
function wordsAsSpelledOf(text: AnalyzedText): string[][] {
  return (text.wordsAsSpelled ??= text.texts.map((t) => searchWordsAsSpelled(t)))
}

// A word goes on at `i` when the code point before is a letter, mark or digit, unless a digit
// at `i` follows a letter or mark (searchWords: কোভিড১৯ is two words).
const WORD_BEFORE = /[\p{L}\p{M}\p{N}]$/u
const LETTER_BEFORE = /[\p{L}\p{M}]$/u
const DIGIT_AT = /\p{N}/uy
const WORD_AT = /[\p{L}\p{M}\p{N}]+/uy
const LETTER_THEN_DIGIT = /[\p{L}\p{M}](?=\p{N})/u

function continuesWord(folded: string, start: number): boolean {
  const before = folded.slice(Math.max(0, start - 2), start)
  if (!WORD_BEFORE.test(before)) return false
  DIGIT_AT.lastIndex = start
  return !(LETTER_BEFORE.test(before) && DIGIT_AT.test(folded))
}

/** The word of searchWords that starts at `start`. */
function wordAt(folded: string, start: number): string {
  WORD_AT.lastIndex = start
  const run = WORD_AT.exec(folded)![0]
  const cut = LETTER_THEN_DIGIT.exec(run)
  return cut ? run.slice(0, cut.index + cut[0].length) : run
}

/**
 * One query word over the folded strings, as findTerm counts it over every token, reading only
 * the tokens that start with one of the word's keys: a token meets the word only then, since a
 * word's keys are itself and its stems, all prefixes of it (bangla/search.ts).
 */
function findWord(
  text: AnalyzedText,
  word: string,
  prefix: boolean,
  oldSpelling: string | undefined,
  enough: Enough,
) {
  let count = 0
  let whole = false
  const key = shortestKey(word)
  for (let i = 0; i < text.texts.length; i++) {
    if (count >= enough.count && (whole || !enough.whole)) break
    const folded = foldedAt(text, i)
    for (let start = folded.indexOf(key); start !== -1; start = folded.indexOf(key, start + 1)) {
      if (start > 0 && continuesWord(folded, start)) continue
      const token = wordAt(folded, start)
      let hit = matchWord({word: token, keys: searchKeys(token)}, word, prefix && !oldSpelling)
      if (!hit && prefix && oldSpelling && token.startsWith(word)) {
        if (writtenAt(text, i).startsWith(oldSpelling, start)) hit = 'whole'
      }
      if (!hit) continue
      count++
      if (hit === 'whole') whole = true
    }
  }
  return {count, whole}
}

/**
 * The shortest of a word's keys: a prefix of every other (a word's keys are itself and its
 * stems), so every token that meets the word starts with it, and looking it up alone finds them.
 */
function shortestKey(word: string): string {
  let shortest = word
  for (const key of searchKeys(word)) if (key !== '' && key.length < shortest.length) shortest = key
  return shortest
}

export interface TextMatch {
  matched: boolean
  /**
   * For ranking, when matched: 2 when every term was found as written, 1 when only as another
   * inflection (the mean over terms), plus up to 0.2 for how often the terms occur.
   */
  score: number
}

const NO_MATCH: TextMatch = {matched: false, score: 0}

export function matchTextQuery(text: AnalyzedText, terms: readonly TextTerm[]): TextMatch {
  let quality = 0
  let hits = 0
  let positive = 0
  for (const term of terms) {
    const found = findTerm(text, term)
    if (term.negated) {
      if (found.count > 0) return NO_MATCH
      continue
    }
    if (found.count === 0) return NO_MATCH
    positive++
    quality += found.whole ? 2 : 1
    hits += found.count
  }
  if (terms.length === 0) return NO_MATCH
  if (positive === 0) return {matched: true, score: 1}
  return {matched: true, score: quality / positive + Math.min(MAX_HIT_SCORE, HIT_SCORE * hits)}
}

/**
 * The keys whose counts bound matchTextQuery (boundTextQuery): per term that must be found, the
 * shortest key of its first word, where every hit of the term starts (findWord, findTerm), and
 * the old spellings folding makes it of (variantSpellings: a term's count is theirs summed). Null
 * when a key is one folding can make out of other text (foldKeepsOccurrences), so that counting
 * it in text as written would not bound it.
 */
export function boundKeys(terms: readonly TextTerm[]): string[][] | null {
  const keys: string[][] = []
  for (const term of terms) {
    if (term.negated || term.words.length === 0) continue
    const key = shortestKey(term.words[0])
    // A Latin key is counted without regard to case (foldKeepsCaselessOccurrences, Probe).
    if (!foldKeepsOccurrences(key) && !foldKeepsCaselessOccurrences(key)) return null
    keys.push([key, ...variantSpellings(key)])
  }
  return keys
}

/**
 * At least matchTextQuery(text, terms), from at least how often each of boundKeys(terms) occurs
 * in the text: the same sum with every term found as written and every occurrence a hit.
 */
export function boundTextQuery(terms: readonly TextTerm[], counts: readonly number[]): TextMatch {
  if (terms.length === 0) return NO_MATCH
  let positive = 0
  let hits = 0
  let k = 0
  for (const term of terms) {
    if (term.negated) continue
    positive++
    const count = term.words.length === 0 ? 1 : counts[k++]
    if (count === 0) return NO_MATCH
    hits += count
  }
  if (positive === 0) return {matched: true, score: 1}
  return {
    matched: true,
    score: (2 * positive) / positive + Math.min(MAX_HIT_SCORE, HIT_SCORE * hits),
  }
}

/** When a word's lookup may stop: `count` hits, and one of them as written if `whole`. */
interface Enough {
  count: number
  whole: boolean
}
// One hit excludes a negated term; a term found as written SCORED_HITS times scores the most.
const ENOUGH_NEGATED: Enough = {count: 1, whole: false}
const ENOUGH: Enough = {count: SCORED_HITS, whole: true}

/** How often a term occurs (a single word's count may stop at Enough) and whether as written. */
function findTerm(text: AnalyzedText, term: TextTerm): {count: number; whole: boolean} {
  if (term.words.length === 0) return {count: 1, whole: false}
  if (term.words.length === 1) {
    return findWord(
      text,
      term.words[0],
      term.prefix,
      term.oldSpelling,
      term.negated ? ENOUGH_NEGATED : ENOUGH,
    )
  }
  let count = 0
  let whole = false
  const last = term.words.length - 1
  const all = tokensOf(text)
  for (let t = 0; t < all.length; t++) {
    const tokens = all[t]
    for (let start = 0; start + last < tokens.length; start++) {
      let allWhole = true
      let ok = true
      for (let i = 0; i <= last; i++) {
        const prefix = term.prefix && i === last
        let hit = matchWord(tokens[start + i], term.words[i], prefix && !term.oldSpelling)
        if (
          !hit &&
          prefix &&
          term.oldSpelling &&
          tokens[start + i].word.startsWith(term.words[i])
        ) {
          if (wordsAsSpelledOf(text)[t][start + i].startsWith(term.oldSpelling)) hit = 'whole'
        }
        if (!hit) {
          ok = false
          break
        }
        if (hit !== 'whole') allWhole = false
      }
      if (!ok) continue
      count++
      if (allWhole) whole = true
    }
  }
  return {count, whole}
}
