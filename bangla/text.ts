// Bengali text basics: NFC, grapheme counting, script and spacing checks, and the validation
// helpers the schemas use. Pure functions, no I/O: runs in Node and in the Studio (browser).

import {mixedDigitRuns, toBengaliDigits} from './digits.ts'

/** NFC normalisation. Note what NFC does to Bengali: the precomposed nukta letters ড় ঢ় য়
 * (U+09DC/09DD/09DF) are composition exclusions, so NFC *decomposes* them to base + U+09BC;
 * the two-part vowel signs ো ৌ (U+09C7 + U+09BE/09D7) are *composed* to U+09CB/09CC. */
export function nfc(s: string): string {
  return s.normalize('NFC')
}

// U+09F7 (৷, BENGALI CURRENCY NUMERATOR FOUR) looks like the danda and some keyboard layouts
// type it for one; no news copy writes the old currency fraction.
const NUMERATOR_FOUR = /\u09F7/g

/** The danda (।, U+0964) for the currency numerator four (৷, U+09F7) typed in its place. */
export function fixDanda(s: string): string {
  return s.replace(NUMERATOR_FOUR, '\u0964')
}

export function isNfc(s: string): boolean {
  return s === s.normalize('NFC')
}

/** NFC of every string in nested plain objects and arrays; keys and non-plain objects
 * (Date, Map, class instances) are left as they are. Returns a new value, input untouched. */
export function normalizeDeep<T>(value: T): T {
  return deep(value, new WeakMap()) as T
}

function deep(value: unknown, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return value.normalize('NFC')
  if (value === null || typeof value !== 'object') return value
  const cached = seen.get(value)
  if (cached !== undefined) return cached
  if (Array.isArray(value)) {
    const out: unknown[] = []
    seen.set(value, out)
    for (const item of value) out.push(deep(item, seen))
    return out
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {}
  seen.set(value, out)
  for (const [key, item] of Object.entries(value)) out[key] = deep(item, seen)
  return out
}

// One segmenter for the module: constructing it is the expensive part.
const segmenter = new Intl.Segmenter('bn', {granularity: 'grapheme'})

/** Extended grapheme clusters (what an editor sees as one letter). With Unicode 15.1+ rules
 * (ICU in Node 20+/24 and current browsers) a conjunct joined by hasanta such as ক্ষ or ন্ত্রী
 * is ONE cluster; an explicit hasanta (ক্ + ZWNJ + ষ) makes two. */
export function graphemes(s: string): string[] {
  return Array.from(segmenter.segment(s), (part) => part.segment)
}

export function graphemeLength(s: string): number {
  let count = 0
  for (const _ of segmenter.segment(s)) count++
  return count
}

// A letter (not a vowel sign, digit or danda) of the Bengali block.
const BENGALI_LETTER = /(?=[\u0980-\u09FF])\p{L}/u

export function hasBengaliLetters(s: string): boolean {
  return BENGALI_LETTER.test(s)
}

export type SpacingIssue = {
  kind: 'leading' | 'trailing' | 'double'
  message: string
}

// Horizontal white space only: line breaks in multi-line text are not "double spaces".
const HSPACE = '[ \\t\\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]'
const DOUBLE_SPACE = new RegExp(`${HSPACE}{2,}`, 'g')
const ANY_SPACE_RUN = new RegExp(`${HSPACE}+`, 'g')

export const SPACING_MESSAGES: Readonly<Record<SpacingIssue['kind'], string>> = {
  leading: 'শুরুতে বাড়তি ফাঁকা জায়গা আছে। প্রথম অক্ষরের আগের স্পেস মুছে দিন।',
  trailing: 'শেষে বাড়তি ফাঁকা জায়গা আছে। শেষ অক্ষরের পরের স্পেস মুছে দিন।',
  double: 'পাশাপাশি একাধিক স্পেস আছে। দুই শব্দের মাঝে একটি স্পেস রেখে বাকিগুলো মুছে দিন।',
}

export function spacingIssues(s: string): SpacingIssue[] {
  const issues: SpacingIssue[] = []
  if (/^\s/u.test(s)) issues.push({kind: 'leading', message: SPACING_MESSAGES.leading})
  if (/\s$/u.test(s) && s.trim() !== '') {
    issues.push({kind: 'trailing', message: SPACING_MESSAGES.trailing})
  }
  if (s.trim().match(DOUBLE_SPACE)) issues.push({kind: 'double', message: SPACING_MESSAGES.double})
  return issues
}

/** Trims the ends and collapses runs of horizontal white space to one ASCII space
 * (line breaks are kept, spaces around them dropped). */
export function fixSpacing(s: string): string {
  return s
    .split('\n')
    .map((line) => line.replace(ANY_SPACE_RUN, ' ').trim())
    .join('\n')
    .trim()
}

// ---------------------------------------------------------------------------------------------
// Validation helpers. Sanity custom validators return `true` or a message; a rule decides the
// level (`rule.custom(fn)` is an error, `rule.custom(fn).warning()` a warning). Non-strings
// and empty values pass: `required()` is the schema's business.

export type ValidationResult = true | string

export type LimitLevel = 'ok' | 'warning' | 'error'

export type GraphemeLimits = {
  /** Above this many graphemes: a warning (optional). */
  warn?: number
  /** Above this many graphemes: an error. */
  max: number
}

export type GraphemeCheck = {
  level: LimitLevel
  count: number
  warn?: number
  max: number
  /** Bengali, editor-facing: a counter when ok, what to do otherwise. */
  message: string
}

/** The limits the content model uses (article.title, headline.text). */
export const GRAPHEME_LIMITS = {
  articleTitle: {warn: 90, max: 150},
  headlineText: {max: 120},
} as const satisfies Record<string, GraphemeLimits>

const bn = (n: number) => toBengaliDigits(n)

/** Counts graphemes of `s` against the limits; the validators below report `message` (the
 * Studio's counter under a field is studio/counter.ts, which shows the soft limit instead). */
export function checkGraphemeLimit(
  s: string | null | undefined,
  limits: GraphemeLimits,
): GraphemeCheck {
  const count = s ? graphemeLength(s) : 0
  const {warn, max} = limits
  if (count > max) {
    return {
      level: 'error',
      count,
      warn,
      max,
      message: `সর্বোচ্চ ${bn(max)} অক্ষর লেখা যাবে, এখন ${bn(count)}টি। আরও ${bn(count - max)}টি অক্ষর কমান।`,
    }
  }
  if (warn !== undefined && count > warn) {
    return {
      level: 'warning',
      count,
      warn,
      max,
      message: `${bn(warn)} অক্ষরের বেশি (এখন ${bn(count)}টি)। পাঠকের সুবিধার জন্য ছোট করুন; সর্বোচ্চ ${bn(max)}।`,
    }
  }
  return {level: 'ok', count, warn, max, message: `${bn(count)}/${bn(max)} অক্ষর`}
}

/** Error-level check: more graphemes than `max`. */
export function validateGraphemeMax(value: unknown, max: number): ValidationResult {
  if (typeof value !== 'string') return true
  const check = checkGraphemeLimit(value, {max})
  return check.level === 'error' ? check.message : true
}

/** Warning-level check (use with `.warning()`): more graphemes than `warn` (but not above
 * `max`, which the error rule reports, so the editor does not see two messages). */
export function validateGraphemeWarn(value: unknown, limits: GraphemeLimits): ValidationResult {
  if (typeof value !== 'string' || limits.warn === undefined) return true
  const check = checkGraphemeLimit(value, limits)
  return check.level === 'warning' ? check.message : true
}

/** Warning-level: a title with no Bengali letter at all (digits and danda do not count). */
export function validateHasBengali(value: unknown): ValidationResult {
  if (typeof value !== 'string' || value.trim() === '') return true
  return hasBengaliLetters(value)
    ? true
    : 'এখানে কোনো বাংলা অক্ষর নেই। লেখাটি বাংলায় লিখুন, অথবা নিশ্চিত হোন যে ইংরেজিতেই রাখতে চান।'
}

/** Error-level: leading/trailing or doubled spaces; the message says how to fix each. */
export function validateSpacing(value: unknown): ValidationResult {
  if (typeof value !== 'string') return true
  const issues = spacingIssues(value)
  return issues.length === 0 ? true : issues.map((issue) => issue.message).join(' ')
}

/** Error-level: a number mixing Bengali and ASCII digits, e.g. '২০23'. */
export function validateNoMixedDigits(value: unknown): ValidationResult {
  if (typeof value !== 'string') return true
  const runs = mixedDigitRuns(value)
  if (runs.length === 0) return true
  const examples = runs.map((run) => `'${run}' → '${toBengaliDigits(run)}'`).join(', ')
  return `একই সংখ্যায় বাংলা ও ইংরেজি অঙ্ক মেশানো হয়েছে: ${examples}। পুরো সংখ্যাটি এক ধরনের অঙ্কে লিখুন।`
}

/** Error-level: text not in NFC (the Studio and the import normalise; this catches the rest). */
export function validateNfc(value: unknown): ValidationResult {
  if (typeof value !== 'string' || isNfc(value)) return true
  return 'লেখাটি ইউনিকোড NFC রূপে নেই (যেমন য় দুইভাবে লেখা যায়)। লেখাটি আবার টাইপ বা পেস্ট করুন।'
}
