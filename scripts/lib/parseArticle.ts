/**
 * Parses one newsroom text file (the layout of data/seed) into a plain article. Pure: no I/O,
 * every input string is NFC-normalised, every problem is reported with its file and line.
 *
 * Layout: the title; a blank line; body paragraphs, one per line, the first opening with a
 * dateline; a credit line 'সূত্র: people-joined-by-hyphens, organisation।'; an optional
 * desk-initials line ('এমএসএম / এমএসএম'); then related headlines, one per line, separated by
 * blank lines, some ending in ' : speaker'.
 */
import {bengaliMonthIndex, bengaliWeekdayIndex, nfc, toAsciiDigits} from '../../bangla/index.ts'
import {
  type CalendarDate,
  compareDates,
  formatIsoDate,
  inferYear,
  isValidDate,
  parseIsoDate,
  weekdayOf,
} from './dates.ts'

/** A dateline as found at the start of the first paragraph. */
export type ParsedDateline = {
  /** The dateline phrase exactly as written (NFC), e.g. 'মঙ্গলবার (১৫ই জুলাই) সকালে'. */
  text: string
  /** The place of a wire dateline ('ঢাকা, ২ ফেব্রুয়ারি, ২০২৫ (বাসস) :' → 'ঢাকা'). */
  place?: string
  /** The resolved calendar date, 'YYYY-MM-DD' in Asia/Dhaka; absent when it cannot be resolved. */
  date?: string
  /** How the year was found: written in the dateline or inferred from the reference date. */
  year?: 'explicit' | 'inferred'
}

/** One line of the related-headlines list. */
export type ParsedHeadline = {
  /** The headline without its attribution. */
  text: string
  /** The short attribution after the last ' : ' (e.g. 'ট্রাম্প'), when there is one. */
  speaker?: string
  /** 1-based line in the file. */
  line: number
}

/** Something questionable that did not stop the parse. */
export type ParseWarning = {line: number; message: string}

/** One file's article, headlines and credits, all NFC. */
export type ParsedArticle = {
  file: string
  title: string
  paragraphs: string[]
  /** Null when the first paragraph opens with no recognisable dateline. */
  dateline: ParsedDateline | null
  /**
   * The article's date ('YYYY-MM-DD', Asia/Dhaka): the dateline's date, else the fallback date
   * from the options; absent when neither gives one (the article is then imported as a draft).
   */
  date?: string
  /** The people credited, in order. */
  credits: string[]
  organisation?: string
  deskInitials?: string
  headlines: ParsedHeadline[]
  warnings: ParseWarning[]
}

/** What the parser needs besides the text. */
export type ParseOptions = {
  /** The file name used in messages. */
  file: string
  /** The reference date ('YYYY-MM-DD') for datelines without a year: today in Asia/Dhaka or --as-of. */
  asOf: string
  /** The date for articles whose dateline gives none (--date). */
  fallbackDate?: string
}

/** Bad input: a file that cannot be imported as it is. */
export class ArticleParseError extends Error {
  override name = 'ArticleParseError'
  /** The file as given on the command line. */
  readonly file: string
  /** 1-based line of the problem (1 for whole-file problems). */
  readonly line: number
  /** What is wrong, in one sentence. */
  readonly problem: string
  /** How to fix it, in one sentence. */
  readonly fix: string

  constructor(file: string, line: number, problem: string, fix: string) {
    super(`${file}:${line}: ${problem}. ${fix}`)
    this.file = file
    this.line = line
    this.problem = problem
    this.fix = fix
  }
}

/** True for bad input (as opposed to a bug). */
export function isArticleParseError(error: unknown): error is ArticleParseError {
  return error instanceof ArticleParseError
}

const LAYOUT_HINT =
  'Expected: the title on line 1, a blank line, the body paragraphs, then the credit line ' +
  "'সূত্র: …' and the related headlines"

/**
 * Decodes the bytes of a file as UTF-8, strictly. Throws ArticleParseError naming the line of the
 * first byte that is not UTF-8, and for control characters or U+FFFD (text already damaged by an
 * earlier wrong decoding).
 */
export function decodeArticle(bytes: Uint8Array, file: string): string {
  const decoder = new TextDecoder('utf-8', {fatal: true, ignoreBOM: false})
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new ArticleParseError(
      file,
      1,
      'the file is UTF-16, not UTF-8',
      'Save it as UTF-8 (in most editors: Save As → Encoding: UTF-8) and import again',
    )
  }
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch {
    throw new ArticleParseError(
      file,
      firstInvalidUtf8Line(bytes),
      'the file is not valid UTF-8 (it may be in a legacy encoding such as Bijoy/ANSI or be binary)',
      'Convert it to UTF-8 Unicode text (e.g. with a Bijoy-to-Unicode converter) and import again',
    )
  }
  const lines = text.split(/\r\n|\r|\n/)
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!
    // Tabs are whitespace; other C0 controls, DEL and U+FFFD are damage.
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.exec(line)
    if (bad) {
      const what =
        bad[0] === '\ufffd'
          ? 'the replacement character U+FFFD (text damaged by an earlier wrong decoding)'
          : `the control character U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
      throw new ArticleParseError(
        file,
        index + 1,
        `unreadable bytes: column ${bad.index + 1} holds ${what}`,
        'Replace the damaged text with the original wording and import again',
      )
    }
  }
  return text
}

function firstInvalidUtf8Line(bytes: Uint8Array): number {
  // 0x0A never occurs inside a multi-byte UTF-8 sequence, so each line can be checked alone.
  const decoder = new TextDecoder('utf-8', {fatal: true})
  let line = 1
  let start = 0
  for (let index = 0; index <= bytes.length; index++) {
    if (index === bytes.length || bytes[index] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, index))
      } catch {
        return line
      }
      line++
      start = index + 1
    }
  }
  return 1
}

type Line = {text: string; number: number}

// The visarga ঃ is often typed for a colon; it is a combining mark, so it stays out of [...].
const CREDIT_LINE = /^সূত্র\s*(?:[:：]|ঃ)\s*(.*)$/u
// Initials such as 'এমএসএম / এমএসএম' or 'এমএসএম': tokens without spaces, joined by slashes.
const DESK_LINE = /^[^\s/:।,]+(?:\s*\/\s*[^\s/:।,]+)*$/u
const MAX_DESK_LENGTH = 40
// A speaker never contains sentence punctuation.
const SENTENCE_PUNCTUATION = /[।?!.,;:‘’“”"]/u
const MAX_SPEAKER_WORDS = 6

/**
 * Parses an article. Throws ArticleParseError for input that cannot become an article (empty,
 * only a title, no body); returns warnings for anything merely unusual.
 */
export function parseArticle(text: string, options: ParseOptions): ParsedArticle {
  const {file} = options
  const warnings: ParseWarning[] = []
  const lines: Line[] = text
    .replace(/^\ufeff/, '')
    .split(/\r\n|\r|\n/)
    .map((raw, index) => ({text: nfc(raw).trim(), number: index + 1}))
  const content = lines.filter((line) => line.text !== '')

  const title = content[0]
  if (!title) {
    throw new ArticleParseError(file, 1, 'the file is empty', LAYOUT_HINT)
  }
  if (content.length === 1) {
    throw new ArticleParseError(
      file,
      title.number,
      'the file has only a title, no body',
      LAYOUT_HINT,
    )
  }
  const rest = lines.slice(title.number)
  const creditIndex = rest.findIndex((line) => CREDIT_LINE.test(line.text))

  let bodyLines: Line[]
  let afterBody: Line[]
  let credits: string[] = []
  let organisation: string | undefined
  if (creditIndex >= 0) {
    const creditLine = rest[creditIndex]!
    bodyLines = rest.slice(0, creditIndex).filter((line) => line.text !== '')
    if (bodyLines.length === 0) {
      throw new ArticleParseError(
        file,
        creditLine.number,
        'the article has no body: the credit line follows the title',
        'Put the body paragraphs, one per line, between the title and the credit line',
      )
    }
    ;({credits, organisation} = parseCreditLine(creditLine, file, warnings))
    afterBody = rest.slice(creditIndex + 1)
  } else {
    // Without a credit line the body is the first block of lines; later blocks are headlines.
    const start = rest.findIndex((line) => line.text !== '')
    let end = start
    while (end < rest.length && rest[end]!.text !== '') end++
    bodyLines = rest.slice(start, end)
    afterBody = rest.slice(end)
    warnings.push({
      line: bodyLines.at(-1)!.number,
      message:
        "no credit line 'সূত্র: …' found: the article has no source and no credits, and its " +
        'body is taken to end at the first blank line',
    })
  }

  let deskInitials: string | undefined
  const firstAfter = afterBody.findIndex((line) => line.text !== '')
  if (firstAfter >= 0) {
    const candidate = afterBody[firstAfter]!.text
    const adjacent = firstAfter === 0
    if (
      DESK_LINE.test(candidate) &&
      candidate.length <= MAX_DESK_LENGTH &&
      (adjacent || candidate.includes('/'))
    ) {
      deskInitials = candidate
      afterBody = afterBody.slice(firstAfter + 1)
    }
  }

  const headlines = afterBody
    .filter((line) => line.text !== '')
    .map((line) => splitSpeaker(line.text, line.number, title.text))

  const paragraphs = bodyLines.map((line) => line.text)
  const dateline = parseDateline(paragraphs[0]!, parseIsoDate(options.asOf) ?? invalidAsOf(options))
  for (const message of dateline.warnings) warnings.push({line: bodyLines[0]!.number, message})

  let date = dateline.dateline?.date
  if (!date && options.fallbackDate) date = options.fallbackDate
  if (!date) {
    warnings.push({
      line: bodyLines[0]!.number,
      message: dateline.dateline
        ? 'the dateline gives no usable date: the article is imported as a draft'
        : 'no dateline at the start of the first paragraph: the article is imported as a draft',
    })
  }

  return {
    file,
    title: title.text,
    paragraphs,
    dateline: dateline.dateline,
    ...(date ? {date} : {}),
    credits,
    ...(organisation ? {organisation} : {}),
    ...(deskInitials ? {deskInitials} : {}),
    headlines,
    warnings,
  }
}

function invalidAsOf(options: ParseOptions): never {
  throw new RangeError(`asOf must be a date 'YYYY-MM-DD', got ${JSON.stringify(options.asOf)}`)
}

function parseCreditLine(
  line: Line,
  file: string,
  warnings: ParseWarning[],
): {credits: string[]; organisation?: string} {
  const value = CREDIT_LINE.exec(line.text)![1]!
    .replace(/[।.]+$/u, '')
    .trim()
  if (value === '') {
    throw new ArticleParseError(
      file,
      line.number,
      'the credit line names nobody',
      "Write it as 'সূত্র: name-name, organisation।' or 'সূত্র: organisation।', or delete it",
    )
  }
  const comma = value.lastIndexOf(',')
  if (comma < 0) return {credits: [], organisation: value}
  const organisation = value.slice(comma + 1).trim()
  const credits = value
    .slice(0, comma)
    .split(/\s*[-–—]\s*/u)
    .map((name) => name.trim())
    .filter((name) => name !== '')
  if (organisation === '') {
    warnings.push({line: line.number, message: 'the credit line ends in a comma: no organisation'})
    return {credits}
  }
  return {credits, organisation}
}

/**
 * Splits 'text : speaker' at the last ' : ' or ': ' when what follows is a short attribution
 * (at most six words, no sentence punctuation). A line equal to the title is never split.
 */
export function splitSpeaker(value: string, line: number, title?: string): ParsedHeadline {
  if (value === title) return {text: value, line}
  const separators = [...value.matchAll(/ ?: /gu)]
  const last = separators.at(-1)
  if (last) {
    const text = value.slice(0, last.index).trim()
    const speaker = value.slice(last.index + last[0].length).trim()
    const words = speaker.split(/\s+/u).filter(Boolean)
    if (
      text !== '' &&
      words.length > 0 &&
      words.length <= MAX_SPEAKER_WORDS &&
      !SENTENCE_PUNCTUATION.test(speaker)
    ) {
      return {text, speaker, line}
    }
  }
  return {text: value, line}
}

// Bengali letters and signs, without the Bengali digits (U+09E6–U+09EF).
const WORD = '[\\u0980-\\u09E5\\u09F0-\\u09FF\\u200C\\u200D]+'
const NUMBER = '[০-৯0-9]{1,4}'
// Ordinal suffixes written on the day: ১লা, ২রা, ৪ঠা, ১৫ই, ২১শে.
const ORDINAL = '(?:লা|রা|ঠা|ই|শে|এ)?'
const RELATIVE_DAY = '(?:গতকাল|আজ|আগামীকাল)'
const TIMES_OF_DAY = [
  'ভোরে',
  'সকালে',
  'দুপুরে',
  'বিকেলে',
  'বিকালে',
  'সন্ধ্যায়',
  'রাতে',
  'মধ্যরাতে',
  'ভোর',
  'সকাল',
  'দুপুর',
  'বিকেল',
  'সন্ধ্যা',
  'রাত',
].map((word) => nfc(word))
const TIME_OF_DAY = `(?:${TIMES_OF_DAY.join('|')})(?![\\u0980-\\u09FF])`

// 'মঙ্গলবার (১৫ই জুলাই) সকালে', 'গতকাল সোমবার (১৪ জুলাই ২০২৫)', 'ঢাকা, মঙ্গলবার (১৫ জুলাই)'.
const WEEKDAY_FORM = new RegExp(
  `^(?:(?<place>${WORD}(?: ${WORD})?),\\s*)?(?:${RELATIVE_DAY}\\s+)?(?<weekday>${WORD})\\s*,?\\s*` +
    `(?<open>\\(?)\\s*(?<day>${NUMBER})${ORDINAL}\\s+(?<month>${WORD})` +
    `(?:\\s*,?\\s*(?<year>${NUMBER}))?(?:\\s*(?<close>\\)))?(?:\\s+${TIME_OF_DAY})?`,
  'u',
)
// The CMG form: 'মে ৮: আজ (সোমবার)'.
const CMG_FORM = new RegExp(
  `^(?<month>${WORD})\\s+(?<day>${NUMBER})${ORDINAL}(?:\\s*,\\s*(?<year>${NUMBER}))?\\s*(?:[:：]|ঃ)\\s*` +
    `(?:${RELATIVE_DAY}\\s*)?(?:\\(\\s*(?<weekday>${WORD})\\s*\\))?`,
  'u',
)
// The wire form: 'ঢাকা, ২ ফেব্রুয়ারি, ২০২৫ (বাসস) :'. The place is at most three words and the
// closing colon (or dash) is required, so that a sentence such as 'তিনি বলেন, ২ জুন …' is no dateline.
const PLACE = `[^\\s,()০-৯0-9:।]+(?: [^\\s,()০-৯0-9:।]+){0,2}`
const WIRE_FORM = new RegExp(
  `^(?<place>${PLACE})\\s*,\\s*(?:(?<weekday>${WORD})\\s*,\\s*)?` +
    `(?<day>${NUMBER})${ORDINAL}\\s+(?<month>${WORD})(?:\\s*,?\\s*(?<year>${NUMBER}))?` +
    `(?:\\s*\\([^()]{1,40}\\))?\\s*(?:[:：–—-]|ঃ)(?=\\s|$)`,
  'u',
)

type DatelineResult = {dateline: ParsedDateline | null; warnings: string[]}

/**
 * Finds the dateline at the start of a paragraph and resolves its date. An explicit year wins;
 * otherwise the year is the latest one, not after the reference date, in which that day falls on
 * the named weekday; with no weekday either, the latest such date not after the reference date.
 */
export function parseDateline(paragraph: string, reference: CalendarDate): DatelineResult {
  const text = nfc(paragraph)
  for (const form of [WEEKDAY_FORM, CMG_FORM, WIRE_FORM]) {
    const match = form.exec(text)
    const groups = match?.groups
    if (!match || !groups) continue
    // Parentheses around the day come in pairs or not at all.
    if (form === WEEKDAY_FORM && (groups.open !== '') !== (groups.close !== undefined)) continue
    const month = bengaliMonthIndex(groups.month!)
    if (month === null) continue
    let weekday: number | undefined
    if (groups.weekday !== undefined) {
      const index = bengaliWeekdayIndex(groups.weekday)
      if (index === null) continue
      weekday = index
    }
    const day = Number(toAsciiDigits(groups.day!))
    const place = groups.place?.trim()
    const dateline: ParsedDateline = {text: match[0].trim(), ...(place ? {place} : {})}
    return resolveDate(dateline, {month, day, weekday, year: groups.year}, reference)
  }
  return {dateline: null, warnings: []}
}

function resolveDate(
  dateline: ParsedDateline,
  parts: {month: number; day: number; weekday?: number; year?: string},
  reference: CalendarDate,
): DatelineResult {
  const {month, day, weekday} = parts
  const warnings: string[] = []
  if (parts.year !== undefined) {
    const year = Number(toAsciiDigits(parts.year))
    const date = {year, month, day}
    if (parts.year.length !== 4 || !isValidDate(date)) {
      warnings.push(`the dateline '${dateline.text}' names a date that does not exist`)
      return {dateline, warnings}
    }
    if (weekday !== undefined && weekdayOf(date) !== weekday) {
      warnings.push(
        `the dateline '${dateline.text}' names a weekday on which ${formatIsoDate(date)} does ` +
          'not fall: the written year wins',
      )
    }
    if (compareDates(date, reference) > 0) {
      warnings.push(
        `the dateline '${dateline.text}' is after the reference date ${formatIsoDate(reference)}`,
      )
    }
    return {dateline: {...dateline, date: formatIsoDate(date), year: 'explicit'}, warnings}
  }
  if (!isValidDate({year: 2000, month, day})) {
    warnings.push(`the dateline '${dateline.text}' names a day that does not exist`)
    return {dateline, warnings}
  }
  const year = inferYear({month, day, weekday}, reference)
  if (year === null) {
    warnings.push(
      `no year up to ${formatIsoDate(reference)} has the day in '${dateline.text}' on that weekday`,
    )
    return {dateline, warnings}
  }
  return {
    dateline: {...dateline, date: formatIsoDate({year, month, day}), year: 'inferred'},
    warnings,
  }
}
