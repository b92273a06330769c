/**
 * Parses one newsroom text file (the layout of data/seed) into a plain article. Pure: no I/O,
 * every input string is NFC-normalised, every problem is reported with its file and line.
 *
 * Layout: the title; a blank line; body paragraphs, one per line, the first opening with a
 * dateline (a byline line or prefix such as 'নিজস্ব প্রতিবেদক, চট্টগ্রাম' or 'স্টাফ রিপোর্টার ॥'
 * may come first); a credit line 'সূত্র: people-joined-by-hyphens, organisation।'; an optional
 * desk-initials line ('এমএসএম / এমএসএম', 'কেআই//', '/কেআই/'); then related headlines, one per
 * line, separated by blank lines, some ending in ' : speaker'. See docs/bengali-copy.md.
 */
import {
  BANGLA_MONTH_VARIANTS,
  banglaCalendarDate,
  banglaMonthIndex,
  bengaliMonthIndex,
  bengaliWeekdayIndex,
  fixDanda,
  GREGORIAN_MONTHS_BN,
  gregorianFromBangla,
  nfc,
  toAsciiDigits,
  WEEKDAYS_BN,
} from '../../bangla/index.ts'
import {
  addDays,
  type CalendarDate,
  compareDates,
  daysBetween,
  formatIsoDate,
  inferDate,
  isValidDate,
  MAX_DAYS_BACK,
  parseIsoDate,
  weekdayOf,
} from './dates.ts'
import SPELLINGS from '../../bangla/spellings.json' with {type: 'json'}
import {isKnownSource, KNOWN_NAME_MAX_PIECES} from './sources.ts'

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
  /** 'bangla' when the dateline names a Bangla-calendar date ('(১ বৈশাখ)'), converted back. */
  calendar?: 'bangla'
}

/** One line of the related-headlines list. */
export type ParsedHeadline = {
  /** The headline without its attribution. */
  text: string
  /** The short attribution after the last ' : ' (e.g. 'ট্রাম্প'), when there is one. */
  speaker?: string
  /** 1-based line in the file. */
  line: number
  /**
   * Text and speaker as imports before blanks were collapsed read them (runs of blanks kept),
   * when they differ: the headline id is derived from these, so re-importing updates it.
   */
  idText?: {text: string; speaker?: string}
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
  /** The people credited, in order (role words such as 'নিজস্ব প্রতিবেদক' are the byline). */
  credits: string[]
  /** Who wrote it, as the desk writes it: 'নিজস্ব প্রতিবেদক, চট্টগ্রাম', 'সিলেট প্রতিনিধি'. */
  byline?: string
  organisation?: string
  /** Other known organisations the credit line names ('সূত্র: রয়টার্স, আল জাজিরা।'): sources too. */
  otherOrganisations?: string[]
  deskInitials?: string
  headlines: ParsedHeadline[]
  warnings: ParseWarning[]
  /** The 1-based line each article-level field came from, for warnings that name it. */
  lines?: FieldLines
  /**
   * The title and first paragraph as imports before blanks were collapsed read them (NFC,
   * trimmed, runs of blanks kept): the article id is derived from these, so re-importing a file
   * updates the article an earlier import made.
   */
  idText?: {title: string; firstParagraph: string}
  /**
   * Lines as written (NFC, trimmed) an older import may have read as the first paragraph
   * (toDocuments.earlierArticleIds): those of the body's first three read now as header lines or
   * a byline before it, the first paragraph's whole line when a byline prefix is cut from it, and
   * the line after an organisation's name kept as the first paragraph, which those imports dropped.
   */
  earlierLeads?: string[]
}

/** Where each article-level field was read: 1-based lines, as an editor shows them. */
export type FieldLines = {
  title: number
  dateline?: number
  byline?: number
  /** One line per entry of `credits`. */
  credits: number[]
  deskInitials?: number
  /** The credit line that names each organisation. */
  organisations: Record<string, number>
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

/** A line as read (`text`) and as imports before the blank cleaning read it (`asWritten`). */
type Line = {text: string; number: number; asWritten: string}

// The visarga ঃ is often typed for a colon; it is a combining mark, so it stays out of [...].
const CREDIT_LINE = /^সূত্র\s*(?:[:：]|ঃ)\s*(.*)$/u
// Initials such as 'এমএসএম / এমএসএম', 'এমএসএম', 'কেআই//', '/কেআই/', 'এসআই/এমএস' or a wire's
// 'বাসস/এসএইচ/১৮৩০': short tokens without spaces, joined (and maybe opened or closed) by slashes.
const DESK_TOKEN = '[\\u0980-\\u09FFA-Za-z0-9.]{1,12}'
const DESK_LINE = new RegExp(`^/*\\s*${DESK_TOKEN}(?:\\s*/+\\s*${DESK_TOKEN})*\\s*/*$`, 'u')
const MAX_DESK_LENGTH = 40

/** True for a desk-initials line; `alone` allows one without a slash (right after the credits). */
export function isDeskLine(text: string, alone = false): boolean {
  return text.length <= MAX_DESK_LENGTH && DESK_LINE.test(text) && (alone || text.includes('/'))
}
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
    .map((raw, index) => ({text: cleanLine(raw), number: index + 1, asWritten: nfc(raw).trim()}))
  const content = lines.filter((line) => line.text !== '')

  const title = content[0]
  // A line of zero-width characters only looks blank but is not: a title typed over them, lost.
  const invisible = lines.find(
    (line) => line.text === '' && line.asWritten !== '' && (!title || line.number < title.number),
  )
  if (invisible) {
    throw new ArticleParseError(
      file,
      invisible.number,
      'the line holds only invisible characters (zero-width spaces or joiners) where the title belongs',
      'Type the title on it, or delete the line',
    )
  }
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
  // 'সূত্র:' also opens body sentences ('সূত্র: পুলিশ জানিয়েছে, …') and headlines: the credit
  // line is the last one of the story's own part, which ends at the first blank line after a
  // 'সূত্র:' line; consecutive 'সূত্র:' lines ending there are all credit lines.
  const isCredit = (line: Line) => CREDIT_LINE.test(line.text)
  let creditIndex = rest.findIndex(isCredit)
  let creditStart = creditIndex
  if (creditIndex >= 0) {
    let end = creditIndex
    while (end < rest.length && rest[end]!.text !== '') end++
    creditIndex = rest.slice(0, end).findLastIndex(isCredit)
    creditStart = creditIndex
    while (creditStart > 0 && isCredit(rest[creditStart - 1]!)) creditStart--
  }

  let bodyLines: Line[]
  let afterBody: Line[]
  const credits: string[] = []
  let organisation: string | undefined
  let otherOrganisations: string[] = []
  let creditByline: string | undefined
  let creditBylineLine: number | undefined
  let creditPlace: string | undefined
  const creditLines: number[] = []
  const organisationLines: Record<string, number> = {}
  if (creditIndex >= 0) {
    const creditLine = rest[creditStart]!
    bodyLines = rest.slice(0, creditStart).filter((line) => line.text !== '')
    if (bodyLines.length === 0) {
      throw new ArticleParseError(
        file,
        creditLine.number,
        'the article has no body: the credit line follows the title',
        'Put the body paragraphs, one per line, between the title and the credit line',
      )
    }
    for (const line of bodyLines.filter((body) => CREDIT_LINE.test(body.text))) {
      warnings.push({
        line: line.number,
        message:
          "a paragraph opens with 'সূত্র:' before the credit line: it is kept as a paragraph " +
          `and line ${creditLine.number} is the credit line`,
      })
    }
    const bylines: string[] = []
    const named: string[] = []
    for (const line of rest.slice(creditStart, creditIndex + 1)) {
      const parsed = parseCreditLine(line, file, warnings)
      // A loop, not push(...): a hostile line of a million names would overflow the stack.
      for (const credit of parsed.credits) {
        credits.push(credit)
        creditLines.push(line.number)
      }
      for (const name of parsed.otherOrganisations) named.push(name)
      if (parsed.organisation !== undefined) named.push(parsed.organisation)
      for (const name of [...parsed.otherOrganisations, parsed.organisation ?? '']) {
        if (name !== '') organisationLines[name] ??= line.number
      }
      if (parsed.byline !== undefined) {
        bylines.push(parsed.byline)
        creditBylineLine ??= line.number
      }
      creditPlace ??= parsed.place
    }
    // Each organisation named is a source; the article's source is the last.
    const organisations = [...new Set(named)]
    organisation = organisations.at(-1)
    otherOrganisations = organisations.slice(0, -1)
    if (bylines.length > 0) creditByline = bylines.join(', ')
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
  let deskLine: number | undefined
  // A desk line closing the body (wire copy without a credit line) is no paragraph.
  const lastBody = bodyLines.at(-1)!
  if (bodyLines.length > 1 && isDeskLine(lastBody.text)) {
    deskInitials = lastBody.text
    deskLine = lastBody.number
    bodyLines = bodyLines.slice(0, -1)
  }
  const firstAfter = afterBody.findIndex((line) => line.text !== '')
  if (firstAfter >= 0 && deskInitials === undefined) {
    const candidate = afterBody[firstAfter]!.text
    if (isDeskLine(candidate, firstAfter === 0)) {
      deskInitials = candidate
      deskLine = afterBody[firstAfter]!.number
      afterBody = afterBody.slice(firstAfter + 1)
    }
  }

  // Desk lines are never headlines, wherever they stand in the list.
  const headlines = afterBody
    .filter((line) => line.text !== '')
    .filter((line) => {
      if (!isDeskLine(line.text)) return true
      if (deskInitials === undefined) {
        deskInitials = line.text
        deskLine = line.number
      } else
        warnings.push({line: line.number, message: `a second desk line '${line.text}' is ignored`})
      return false
    })
    .map((line) => withIdText(splitSpeaker(line.text, line.number, title.text), line, title))

  const leadLines = bodyLines.slice(0, LEAD_LINES)
  const reference = parseIsoDate(options.asOf) ?? invalidAsOf(options)
  // Header lines before the lede, as desks and pasted web pages carry them, none a paragraph: a
  // date line of its own ('তারিখ: ৫ ডিসেম্বর ২০২৬', 'প্রকাশ: ০৫ ডিসেম্বর ২০২৬, ১০: ৩০'), which dates
  // the story when the lede does not; a web page's update line ('আপডেট: …'), never the story's
  // date; the place on a line of its own ('চট্টগ্রাম' after the role or the name).
  let dateLine: {result: DatelineResult; number: number} | undefined
  let updateLine: Line | undefined
  let headerPlace: {place: string; line: number} | undefined
  const header = new Set<number>()
  for (const [index, line] of bodyLines.slice(0, HEADER_LINES).entries()) {
    if (index === bodyLines.length - 1) break
    if (
      !dateLine &&
      LABELLED_FORM.test(datelineWindow(line.text)) &&
      isWholeDateline(line.text, reference)
    ) {
      dateLine = {result: parseDateline(line.text, reference), number: line.number}
    } else if (!updateLine && UPDATE_FORM.test(datelineWindow(line.text))) {
      updateLine = line
    } else if (!headerPlace && isPlaceLine(line.text)) {
      headerPlace = {place: line.text, line: line.number}
    } else continue
    header.add(index)
  }
  bodyLines = bodyLines.filter((_, index) => !header.has(index))

  // A byline before the dateline: a line of its own or a prefix ending in ':', '॥' or '|'.
  let byline = creditByline
  let bylineLine = creditBylineLine
  let bylinePlace: string | undefined
  // The people a byline names ('আবদুল করিম, নিজস্ব প্রতিবেদক') are credits, at its line.
  let bylineNames: {names: string[]; line: number} | undefined
  const opening = readByline(bodyLines[0]!.text)
  if (opening && (opening.rest !== '' || bodyLines.length > 1)) {
    byline = opening.byline
    bylineLine = bodyLines[0]!.number
    bylinePlace = opening.place
    if (opening.names) bylineNames = {names: opening.names, line: bodyLines[0]!.number}
    // 'শিবচর, নিজস্ব প্রতিবেদক': one word before the role is a reporter known by one name or an
    // upazila the module does not list; read as the name, said so.
    const oneWord = opening.names?.filter((name) => !isPersonName(name)) ?? []
    if (oneWord.length > 0)
      warnings.push({
        line: bodyLines[0]!.number,
        message: `${oneWord.map((name) => `'${name}'`).join(', ')} before '${opening.byline}' is read as a reporter's one-word name: if it is where the story is from, write '${opening.byline}, ${oneWord[0]}'`,
      })
    const first = bodyLines[0]!
    // A date or update line on the byline's line ('অনলাইন ডেস্ক | প্রকাশিত: ০৫ ডিসেম্বর ২০২৬, ১০:৩০')
    // is a header line as on a line of its own.
    const headerRest =
      opening.rest === '' || bodyLines.length === 1
        ? null
        : !dateLine &&
            LABELLED_FORM.test(datelineWindow(opening.rest)) &&
            isWholeDateline(opening.rest, reference)
          ? 'date'
          : !updateLine && UPDATE_FORM.test(datelineWindow(opening.rest))
            ? 'update'
            : null
    if (headerRest === 'date')
      dateLine = {result: parseDateline(opening.rest, reference), number: first.number}
    else if (headerRest === 'update') updateLine = {...first, text: opening.rest}
    bodyLines =
      opening.rest === '' || headerRest !== null
        ? bodyLines.slice(1)
        : [
            {
              text: opening.rest,
              number: first.number,
              asWritten: readByline(first.asWritten)?.rest ?? opening.rest,
            },
            ...bodyLines.slice(1),
          ]
  }

  // A reporter's name on a line of its own, before the dateline or after a dateline that stands
  // alone: the credit, not body text.
  let named:
    | {
        names: string[]
        place?: string
        unsure?: string
        unlisted?: string
        oneWord?: string[]
        line: number
      }
    | undefined = bylineNames
  const datelineOf = (line: Line | undefined) =>
    line === undefined ? null : parseDateline(line.text, reference).dateline
  const before = bodyLines.length > 1 ? readNameLine(bodyLines[0]!.text) : null
  if (before && datelineOf(bodyLines[1])) {
    named = {...before, line: bodyLines[0]!.number}
    bodyLines = bodyLines.slice(1)
  } else if (bodyLines.length > 2) {
    const after = readNameLine(bodyLines[1]!.text)
    if (after && datelineOf(bodyLines[0])?.text === datelineWindow(bodyLines[0]!.text)) {
      named = {...after, line: bodyLines[1]!.number}
      bodyLines = [bodyLines[0]!, ...bodyLines.slice(2)]
    }
  }
  if (named) {
    const added = named.names.filter((name) => !credits.includes(name))
    credits.unshift(...added)
    creditLines.unshift(...added.map(() => named.line))
    if (named.unsure !== undefined)
      warnings.push({
        line: named.line,
        message: `'${named.unsure}' after the last comma is read as a person's name, not a place: if it is where the story is from, write '${named.unsure} থেকে'`,
      })
    if (named.unlisted !== undefined)
      warnings.push({
        line: named.line,
        message: `'${named.unlisted}' after the names is read as the place the story is from, a place the module does not list: if it is a person, write the full name; if it is the place, write '${named.unlisted} থেকে'`,
      })
    if (named.oneWord !== undefined && named.oneWord.length > 0)
      warnings.push({
        line: named.line,
        message: `${named.oneWord.map((name) => `'${name}'`).join(', ')} before '${named.place}' ${named.oneWord.length === 1 ? 'is' : 'are'} read as reporters' one-word names: check them`,
      })
  }

  const paragraphs = bodyLines.map((line) => line.text)
  // Only lines the older rules could have read first: a paragraph after the first is no earlier
  // id of this file, and may be another story's first paragraph under a common title.
  const lede = bodyLines[0]!
  const earlierLeads = leadLines
    .filter((line) => line.number < lede.number)
    .map((line) => line.asWritten)
  const whole = leadLines.find((line) => line.number === lede.number)
  if (whole && whole.asWritten !== lede.asWritten) earlierLeads.push(whole.asWritten)
  if (bodyLines.length > 1 && isOrganisationLine(lede.text) && datelineOf(bodyLines[1]))
    earlierLeads.push(bodyLines[1]!.asWritten)
  let dateline = parseDateline(paragraphs[0]!, reference)
  let datelineLine = bodyLines[0]!.number
  if (dateLine && !dateline.dateline) {
    dateline = dateLine.result
    datelineLine = dateLine.number
  } else if (dateLine) {
    const [own, lede] = [dateLine.result.dateline, dateline.dateline]
    if (own?.date && lede?.date && own.date !== lede.date)
      warnings.push({
        line: dateLine.number,
        message: `the date line '${own.text}' gives ${own.date} and the lede's dateline '${lede.text}' ${lede.date}: the lede's is kept; correct the one that is wrong`,
      })
  }
  const knownPlace = bylinePlace ?? headerPlace?.place ?? named?.place ?? creditPlace
  const datelinePlace = dateline.dateline?.place
  if (dateline.dateline && !datelinePlace && knownPlace) {
    dateline.dateline.place = knownPlace
  } else if (
    named?.place &&
    datelinePlace &&
    !named.place.includes(datelinePlace) &&
    !datelinePlace.includes(named.place)
  ) {
    // The dateline's own place wins; another after the names is said, not dropped unseen.
    warnings.push({
      line: named.line,
      message: `'${named.place}' after the names is not kept: the dateline names the place '${datelinePlace}'; if '${named.place}' is a person, write the full name`,
    })
  } else if (headerPlace && datelinePlace && !datelinePlace.includes(headerPlace.place)) {
    warnings.push({
      line: headerPlace.line,
      message: `the place line '${headerPlace.place}' is not kept: the dateline names the place '${datelinePlace}'`,
    })
  }
  if (updateLine && !dateline.dateline?.date && !options.fallbackDate) {
    warnings.push({
      line: updateLine.number,
      message: `'${updateLine.text}' says when the page was updated, not the story's date: it is not kept`,
    })
  }
  for (const message of dateline.warnings) warnings.push({line: datelineLine, message})

  let date = dateline.dateline?.date
  if (!date && options.fallbackDate) date = options.fallbackDate
  if (!date) {
    warnings.push({
      line: datelineLine,
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
    ...(byline ? {byline} : {}),
    ...(organisation ? {organisation} : {}),
    ...(otherOrganisations.length > 0 ? {otherOrganisations} : {}),
    ...(deskInitials ? {deskInitials} : {}),
    headlines,
    warnings,
    lines: {
      title: title.number,
      ...(dateline.dateline ? {dateline: datelineLine} : {}),
      ...(byline && bylineLine !== undefined ? {byline: bylineLine} : {}),
      credits: creditLines,
      ...(deskInitials && deskLine !== undefined ? {deskInitials: deskLine} : {}),
      organisations: organisationLines,
    },
    idText: {title: title.asWritten, firstParagraph: bodyLines[0]!.asWritten},
    earlierLeads,
  }
}

// Runs of blanks become one space: a double space is a typing slip (the Studio flags it), and
// single blanks keep every pattern below linear in the line's length.
const BLANK_RUN = /\s{2,}/gu

// Blanks and format characters (ZWSP, BOM, word joiner, LRM …): invisible at a line's edge,
// where they only hide a dateline or end up in a stored title.
const EDGE = /[\s\p{Cf}]/u

/** The text without blanks or format characters at its ends (a loop: linear in any input). */
function trimEdges(text: string): string {
  let start = 0
  let end = text.length
  while (start < end && EDGE.test(text[start]!)) start++
  while (end > start && EDGE.test(text[end - 1]!)) end--
  return text.slice(start, end)
}

/**
 * A line as the parser reads it: NFC, real dandas, blanks collapsed, no blanks or format
 * characters at its ends.
 */
function cleanLine(raw: string): string {
  return trimEdges(fixDanda(nfc(raw)).replace(BLANK_RUN, ' '))
}

function invalidAsOf(options: ParseOptions): never {
  throw new RangeError(`asOf must be a date 'YYYY-MM-DD', got ${JSON.stringify(options.asOf)}`)
}

function parseCreditLine(
  line: Line,
  file: string,
  warnings: ParseWarning[],
): {
  credits: string[]
  organisation?: string
  otherOrganisations: string[]
  byline?: string
  place?: string
} {
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
  const segments = splitCreditValue(value)
  if (segments.length === 1 && !value.includes(',')) {
    if (isRole(value)) return {credits: [], otherOrganisations: [], byline: value}
    // A place alone ('সূত্র: সাভার।') names where the story is from, not who sent it: no source
    // document named after a place.
    const place =
      readFrom(value) ??
      (!isKnownSource(value) && !looksLikeOrganisation(value) && isListedPlace(value)
        ? value
        : null)
    if (place === null) return {credits: [], otherOrganisations: [], organisation: value}
    warnings.push({
      line: line.number,
      message: `'${value}' alone in the credit line is a place, not a source: it is read as the place the story is from and the article has no source; name the source ('সূত্র: বাসস, ${place}।')`,
    })
    return {credits: [], otherOrganisations: [], place}
  }
  // The place first, then the role ('সূত্র: সাভার, নিজস্ব প্রতিবেদক।'): the place, no credit.
  if (segments.length === 2 && isPlaceBeforeRole(segments[0]!, segments[1]!)) {
    return {credits: [], otherOrganisations: [], byline: segments[1]!, place: segments[0]!}
  }
  // The last part is the organisation, unless it is a role ('আবদুল করিম, নিজস্ব প্রতিবেদক') or
  // where the reporter wrote from ('আবদুল করিম, কক্সবাজার থেকে').
  const last = segments.at(-1) ?? ''
  // A place the module lists after the names ('সূত্র: আবদুল করিম, সাভার।') is where the story is
  // from, as '… থেকে' is, never a source.
  // After a role ('সূত্র: নিজস্ব প্রতিবেদক, শিবচর।') one word is the place, as in a byline.
  const afterRole =
    segments.length > 1 && isRole(segments.at(-2)!) && ONE_WORD.test(last) && !isRole(last)
  const from =
    readFrom(last) ??
    (segments.length > 1 && !isKnownSource(last) && (isListedPlace(last) || afterRole)
      ? last
      : null)
  if (from === last && !isListedPlace(last))
    warnings.push({
      line: line.number,
      message: `'${last}' after '${segments.at(-2)!}' is read as the place the story is from, a place the module does not list: if it is the source, write 'সূত্র: ${last}।' on a line of its own`,
    })
  const organisation =
    /,$/u.test(value) || isRole(last) ? '' : from !== null ? '' : (segments.pop() ?? '')
  if (from !== null) segments.pop()
  // People joined by 'ও'/'এবং' ('আবদুল করিম ও রহিম উদ্দিন', 'রহিম ও করিম') are each a credit.
  const names = segments
    .flatMap(splitPeople)
    .flatMap((name) => readNames(name) ?? splitAtAnd(name) ?? oneWordNames(name) ?? [name])
  // 'নিজস্ব প্রতিবেদক', 'সিলেট প্রতিনিধি': a role, not a person.
  const roles = names.filter(isRole)
  // 'সূত্র: রয়টার্স, আল জাজিরা।', 'সূত্র: বাংলাদেশ শিল্প ও বণিক সমিতি, বাসস।': a known agency or
  // outlet, or a name with an organisation's word, is an organisation, not a person.
  const isOrganisation = (name: string) => isKnownSource(name) || looksLikeOrganisation(name)
  const otherOrganisations = names.filter((name) => !isRole(name) && isOrganisation(name))
  const credits = names.filter((name) => !isRole(name) && !isOrganisation(name))
  for (const credit of credits.filter((name) => !isPersonName(name) && !isOneWordName(name))) {
    warnings.push({
      line: line.number,
      message: `'${credit}' in the credit line reads neither as a person's name nor as an organisation: it is kept as a credit; check it`,
    })
  }
  const byline = roles.length > 0 ? roles.join(', ') : undefined
  if (organisation === '') {
    if (/,$/u.test(value))
      warnings.push({
        line: line.number,
        message: 'the credit line ends in a comma: no organisation',
      })
    return {
      credits,
      otherOrganisations,
      ...(byline ? {byline} : {}),
      ...(from !== null ? {place: from} : {}),
    }
  }
  // One word the module knows neither as a source nor as a place ('সূত্র: রহিম ও করিম, শিবচর।'):
  // a paper or an unlisted upazila; read as the source, said so.
  if (
    segments.length > 0 &&
    ONE_WORD.test(organisation) &&
    !isKnownSource(organisation) &&
    !looksLikeOrganisation(organisation)
  ) {
    warnings.push({
      line: line.number,
      message: `'${organisation}' after the names is read as the source, an organisation the module does not know: if it is where the story is from, write '${organisation} থেকে'`,
    })
  }
  if (otherOrganisations.length > 0) {
    warnings.push({
      line: line.number,
      message:
        `the credit line names ${[...otherOrganisations, organisation].map((name) => `'${name}'`).join(', ')}: ` +
        `each is a source, and the article's source (one per article) is the last, '${organisation}'`,
    })
  }
  return {credits, organisation, otherOrganisations, ...(byline ? {byline} : {})}
}

/**
 * The parts of a credit line: split at commas, spaced dashes, and 'ও'/'এবং' when every part is
 * a known organisation ('রয়টার্স ও এএফপি', but 'বাংলাদেশ শিল্প ও বণিক সমিতি' stays whole).
 */
function splitCreditValue(value: string): string[] {
  return value
    .split(/\s*,\s*|\s+[-–—]\s+/u)
    .flatMap((part) => {
      const pieces = part.split(new RegExp(`\\s+(?:${nfc('ও')}|${nfc('এবং')})\\s+`, 'u'))
      return pieces.length > 1 && pieces.every((piece) => isKnownSource(piece)) ? pieces : [part]
    })
    .map((part) => part.trim())
    .filter((part) => part !== '')
}

/**
 * A person and an organisation, or two organisations, joined by 'ও'/'এবং' ('আবদুল করিম ও বাংলাদেশ
 * ব্যাংক', 'পুলিশ ও ফায়ার সার্ভিস'): the pieces, or null unless each reads on its own as one. A
 * name holding 'ও' ('বাংলাদেশ শিল্প ও বণিক সমিতি', 'জাতিসংঘ খাদ্য ও কৃষি সংস্থা') stays whole: its
 * first piece holds no organisation's word and a place's word keeps it from reading as a person.
 */
function splitAtAnd(part: string): string[] | null {
  const pieces = part.split(AND).map((piece) => piece.trim())
  if (pieces.length < 2) return null
  const organisation = (piece: string) => isKnownSource(piece) || looksLikeOrganisation(piece)
  const person = (piece: string) =>
    isPersonName(piece) && !piece.split(' ').some((word) => PLACE_WORDS_OF_NAMES.has(word))
  return pieces.every((piece) => person(piece) || organisation(piece)) ? pieces : null
}

// Words of places and countries (spellings.json), and words ending in an organisation's word
// ('জাতিসংঘ'), that a person's name joined to an organisation by 'ও' never holds.
const PLACE_WORDS_OF_NAMES = {
  has: (word: string) =>
    KNOWN_PLACES.has(word) ||
    WORLD_PLACES.has(word) ||
    [...ORGANISATION_WORDS].some((end) => word.length > end.length && word.endsWith(end)),
}

/** People joined by hyphens ('অনুপমা-আলিম'), never cutting a known name ('এজেন্স ফ্রান্স-প্রেস'). */
function splitPeople(part: string): string[] {
  if (isKnownSource(part) || isRole(part)) return [part]
  const pieces = part
    .split(/\s*[-–—]\s*/u)
    .map((piece) => piece.trim())
    .filter((piece) => piece !== '')
  const names: string[] = []
  for (let start = 0; start < pieces.length;) {
    // A known name has at most KNOWN_NAME_MAX_PIECES pieces: one pass, however long the line.
    let end = Math.min(pieces.length, start + KNOWN_NAME_MAX_PIECES)
    while (end > start + 1 && !isKnownSource(pieces.slice(start, end).join('-'))) end--
    names.push(pieces.slice(start, end).join('-'))
    start = end
  }
  return names
}

// Words that make a byline: the desk's names for its reporters, desks and bureaus.
const ROLE_WORDS = [
  'নিজস্ব প্রতিবেদক',
  'নিজস্ব সংবাদদাতা',
  'স্টাফ রিপোর্টার',
  'বিশেষ প্রতিনিধি',
  'জ্যেষ্ঠ প্রতিবেদক',
  'প্রতিবেদক',
  'প্রতিনিধি',
  'সংবাদদাতা',
  'রিপোর্টার',
  'করেসপন্ডেন্ট',
  // The paper's own report: 'যুগান্তর প্রতিবেদন', 'ইত্তেফাক রিপোর্ট'.
  'প্রতিবেদন',
  'রিপোর্ট',
  'ডেস্ক',
  'ব্যুরো',
  'অফিস',
].map(nfc)
const ROLE = new RegExp(`(?:^|\\s)(?:${ROLE_WORDS.join('|')})(?=$|[\\s,])`, 'u')
// Qualifiers that name the role, not a place ('নিজস্ব প্রতিবেদক', 'বিশেষ প্রতিনিধি').
const NOT_PLACES = new Set(
  [
    'নিজস্ব',
    'বিশেষ',
    'জ্যেষ্ঠ',
    'স্টাফ',
    'অনলাইন',
    'আন্তর্জাতিক',
    'জাতীয়',
    'কূটনৈতিক',
    'অর্থনৈতিক',
    'জেলা',
    'উপজেলা',
  ].map(nfc),
)

/** True for a byline made of role words ('নিজস্ব প্রতিবেদক', 'সিলেট প্রতিনিধি', 'অনলাইন ডেস্ক'). */
export function isRole(text: string): boolean {
  const value = text.trim()
  return (
    value.length <= 60 &&
    value.split(/\s+/u).length <= 7 &&
    !/[।?!০-৯0-9]/u.test(value) &&
    ROLE.test(value)
  )
}

const BYLINE_PREFIX = /^(?<byline>[^:।॥|]{2,60}?)\s*(?:[:॥|]|ঃ)\s*(?<rest>.*)$/u

/**
 * Names before a role ('আবদুল করিম, নিজস্ব প্রতিবেদক', 'আবদুল করিম ও রহিম উদ্দিন, স্টাফ
 * রিপোর্টার'): the people and the role; null unless every name reads as one and a role follows.
 */
function peelNames(text: string): {names: string[]; role: string} | null {
  const parts = text.split(/\s*,\s*/u)
  const at = parts.findIndex((part) => isRole(part))
  if (at < 1) return null
  // Before a role a name may be one word: desks print some reporters so ('রিয়াজ, নিজস্ব প্রতিবেদক').
  const names = readNames(parts.slice(0, at).join(', '), true)
  return names ? {names, role: parts.slice(at).join(', ')} : null
}

/** A byline: role words, maybe after the names of the people ('আবদুল করিম, নিজস্ব প্রতিবেদক'). */
function isBylineText(text: string): boolean {
  return text.length <= 200 && (isRole(text) || peelNames(text) !== null)
}

/**
 * A byline opening a paragraph, with the rest of the line, the people it names (credits) and the
 * place it names.
 */
export function readByline(
  text: string,
): {byline: string; rest: string; names?: string[]; place?: string} | null {
  const prefix = BYLINE_PREFIX.exec(text)?.groups
  const isPrefix = prefix !== undefined && isBylineText(prefix.byline!)
  const head = (isPrefix ? prefix.byline! : isBylineText(text) ? text : '')
    .trim()
    .replace(/[,]$/u, '')
  if (head === '') return null
  const peeled = peelNames(head)
  const byline = peeled?.role ?? head
  const rest = isPrefix ? prefix.rest!.trim() : ''
  // 'নিজস্ব প্রতিবেদক, চট্টগ্রাম', 'নিজস্ব প্রতিবেদক, উখিয়া, কক্সবাজার' (upazila, district),
  // 'সিলেট প্রতিনিধি' or 'বিশেষ প্রতিনিধি, চট্টগ্রাম ব্যুরো': the place the story is from.
  // An outlet after the role ('নিজস্ব প্রতিবেদক, বিডিনিউজ টোয়েন্টিফোর ডটকম') is no place.
  const parts = byline
    .split(/\s*,\s*/u)
    .filter((part, index) => index === 0 || !isKnownSource(part))
  let place: string | undefined
  if (parts.length >= 2 && parts.length <= 3 && isRole(parts[0]!) && !parts.slice(1).some(isRole))
    place = parts.slice(1).join(', ')
  else if (parts.length === 2 && isPlaceBeforeRole(parts[0]!, parts[1]!)) {
    // The place first ('সাভার, নিজস্ব প্রতিবেদক'), as district desks print it.
    place = parts[0]!
  } else {
    const words = parts.at(-1)!.split(/\s+/u)
    const last = words.at(-1)!
    if (
      words.length >= 2 &&
      words.length <= 3 &&
      ['প্রতিনিধি', 'সংবাদদাতা', 'অফিস', 'ব্যুরো'].map(nfc).includes(last) &&
      !NOT_PLACES.has(words[0]!)
    ) {
      place = words.slice(0, -1).join(' ')
    }
  }
  return {byline, rest, ...(peeled ? {names: peeled.names} : {}), ...(place ? {place} : {})}
}

/**
 * Splits 'text : speaker' (also 'text — speaker' and 'text ঃ speaker', the visarga typed for a
 * colon) at the last separator, but only when what follows reads as a person or a body: a short
 * attribution (at most six words, fewer than the headline's), with no digits, no sentence
 * punctuation other than the dots of abbreviations (মো., ডা., ড.), and no question word or verb.
 * 'ডেঙ্গু পরিস্থিতি: হাসপাতালে ভর্তি ১ হাজার ২০০' and 'বাজেট ২০২৫-২৬: কী থাকছে' are topic leads,
 * not quotes. A line equal to the title is never split.
 */
export function splitSpeaker(value: string, line: number, title?: string): ParsedHeadline {
  if (value === title) return {text: value, line}
  const separators = [...value.matchAll(SPEAKER_SEPARATOR)]
  const last = separators.at(-1)
  if (last) {
    const text = value.slice(0, last.index).trim()
    const speaker = value.slice(last.index + last[0].length).trim()
    if (readsAsSpeaker(speaker, text)) return {text, speaker, line}
  }
  return {text: value, line}
}

/**
 * Adds the headline's text and speaker as earlier imports read the line (NFC, trimmed, blanks
 * kept) when blanks were collapsed. The line is split with its blanks collapsed (the separator
 * backtracks over a long run) and the split mapped back onto the line as written.
 */
function withIdText(headline: ParsedHeadline, line: Line, title: Line): ParsedHeadline {
  const written = line.asWritten
  if (written === line.text) return headline
  // Where each character of the collapsed line stands in the line as written.
  let collapsed = ''
  const at: number[] = []
  let from = 0
  for (const run of written.matchAll(BLANK_RUN)) {
    for (let i = from; i < run.index; i++) at.push(i)
    collapsed += written.slice(from, run.index) + ' '
    at.push(run.index)
    from = run.index + run[0].length
  }
  for (let i = from; i <= written.length; i++) at.push(i)
  collapsed += written.slice(from)
  const withId = (text: string, speaker?: string): ParsedHeadline =>
    text === headline.text && speaker === headline.speaker
      ? headline
      : {...headline, idText: speaker === undefined ? {text} : {text, speaker}}
  if (written === title.asWritten) return withId(written)
  const last = [...collapsed.matchAll(SPEAKER_SEPARATOR)].at(-1)
  if (last) {
    const text = written.slice(0, at[last.index]).trim()
    const speaker = written.slice(at[last.index + last[0].length]).trim()
    if (readsAsSpeaker(speaker, text)) return withId(text, speaker)
  }
  return withId(written)
}

// ' : ', ': ', ' :', ' — ', '—', ' – ', 'ঃ ' (the visarga as a colon).
const SPEAKER_SEPARATOR = /\s*:\s+|\s+:\s*(?=\S)|\s*[—―]\s*|\s+–\s+|ঃ\s+/gu
// Abbreviations written with a dot inside names: মো. ডা. ড. মু. অ্যাড. প্রফেসর ড.
const ABBREVIATION_DOT = /(?<=(?:^|\s)[\u0980-\u09FF]{1,5})\./gu
// Question words and verbs: what follows the colon is a topic's headline, not a person.
const NOT_SPEAKER_WORDS = new Set(
  [
    'কী',
    'কি',
    'কেন',
    'কীভাবে',
    'কোথায়',
    'কবে',
    'কারা',
    'যা',
    'যে',
    'না',
    'নেই',
    'আছে',
    'হবে',
    'হলো',
    'হল',
  ].map(nfc),
)
const VERB_ENDING = new RegExp(
  `(?:${['ছে', 'ছেন', 'চ্ছে', 'বে', 'বেন', 'লেন', 'লো', 'য়নি', 'েনি', 'তে'].map(nfc).join('|')})$`,
  'u',
)

function readsAsSpeaker(speaker: string, text: string): boolean {
  if (text === '' || speaker === '') return false
  const words = speaker.split(/\s+/u)
  // Fewer words than the headline: 'ঘূর্ণিঝড় রিমাল: উপকূলে …' leads with a topic.
  if (words.length > MAX_SPEAKER_WORDS || words.length >= text.split(/\s+/u).length) return false
  if (/[০-৯0-9]/u.test(speaker)) return false
  if (SENTENCE_PUNCTUATION.test(speaker.replace(ABBREVIATION_DOT, ''))) return false
  if (words.some((word) => NOT_SPEAKER_WORDS.has(word) || VERB_ENDING.test(word))) return false
  // 'বাজেট ২০২৫-২৬: …': a short lead with a number names a topic.
  if (text.split(/\s+/u).length <= 2 && /[০-৯0-9]/u.test(text)) return false
  return true
}

// Bengali letters and signs, without the Bengali digits (U+09E6–U+09EF).
const WORD = '[\\u0980-\\u09E5\\u09F0-\\u09FF\\u200C\\u200D]+'
const NUMBER = '[০-৯0-9]{1,4}'
// Ordinal suffixes written on the day: ১লা, ২রা, ৪ঠা, ১৫ই, ২১শে, ২১-এ.
const ORDINAL = '(?:-?(?:লা|রা|ঠা|ই|শে|এ))?'
// A month, maybe abbreviated with a dot ('সেপ্টে.').
const MONTH = `(?<month>${WORD})\\.?`
// 'গতকাল' and 'আজ' say when the paper printed it (see PRINT_SHIFT); 'গত'/'আগামী' only 'last'/'next'.
const RELATIVE = '(?<relative>গতকাল|আজ|আগামীকাল|গত|আগামী)'
const TIMES_OF_DAY = [
  'ভোরে',
  'সকালে',
  'দুপুরে',
  'বিকেলে',
  'বিকালে',
  'বিকাল',
  'সন্ধ্যায়',
  'রাতে',
  'মধ্যরাতে',
  'ভোর',
  'সকাল',
  'দুপুর',
  'বিকেল',
  'সন্ধ্যা',
  'রাত',
  'বেলা',
].map((word) => nfc(word))
const TIME_OF_DAY = `(?:${TIMES_OF_DAY.join('|')})(?![\\u0980-\\u09FF])`
// A clock time after the time of day: 'রাত ১০টার দিকে', 'বিকেল সাড়ে ৪টায়', 'দুপুর ১২টা ৩০ মিনিটে'.
// Online desks type the minutes after a dot or a colon: 'সকাল ১০.৩০ মিনিটে', 'রাত ১১.৩০টায়'.
const O_CLOCK = `(?:${['টায়', 'টার', 'টা'].map(nfc).join('|')})`
const CLOCK =
  `(?:\\s+(?:${['সাড়ে', 'পৌনে', 'সোয়া'].map(nfc).join('|')}))?\\s+` +
  `(?:[০-৯0-9]{1,2}${O_CLOCK}(?:\\s+[০-৯0-9]{1,2}\\s+${nfc('মিনিটে')})?` +
  `|[০-৯0-9]{1,2}[.:][০-৯0-9]{2}(?:${O_CLOCK}|\\s+${nfc('মিনিটে')})?)` +
  `(?:\\s+(?:${['দিকে', 'সময়'].map(nfc).join('|')}))?(?![\\u0980-\\u09FF])`
// 'শুক্রবার দিবাগত রাতে' or 'দিনগত রাতে' (the night after Friday) names Friday's date, as does
// 'গভীর রাতে' (late at night); a clock time may follow.
const TIME_PHRASE = `(?:(?:${['দিবাগত', 'দিনগত', 'গভীর'].map(nfc).join('|')})\\s+)?${TIME_OF_DAY}(?:${CLOCK})?`
// A year is four digits that read as one: followed by what can close a date (the end, a comma,
// a bracket, a colon, a dash, a danda), a year word ('২০২৬ সালে'), a weekday or a time of day —
// never by a suffix or a noun ('১০টায়', '১২০০ শ্রমিককে', '২০০০ জন'), which make it a count or
// a clock time and leave the date without a year. The era word is part of the dateline.
// An era word makes the number before it a year whatever follows ('২০২৫ ইং তারিখে'); it may be
// abbreviated with a dot or a visarga ('খ্রি.', 'খ্রিঃ') or typed onto the digits ('২০২৬ইং').
const ERA_WORDS = [
  'খ্রিস্টাব্দ',
  'খ্রিষ্টাব্দ',
  'খ্রীস্টাব্দ',
  'খ্রীষ্টাব্দ',
  'খ্রি.',
  'খ্রিঃ',
  'খ্রী.',
  'খ্রীঃ',
  'ইং.',
  'ইং',
  'বঙ্গাব্দ',
].map((word) => nfc(word))
const ERA = `(?:\\s*(?:${ERA_WORDS.map((word) => word.replace('.', '\\.')).join('|')})(?![\\u0980-\\u09FF]))`
const YEAR_FOLLOWER = `(?=\\s*(?:$|[,()।:：–—/|-]|ঃ)|\\s+(?:${nfc('সাল')}|${nfc('তারিখ')}|${TIME_OF_DAY}|[\\u0980-\\u09FF]+${nfc('বার')}(?![\\u0980-\\u09FF])))`
const yearOf = (name: string) => `(?:\\s*,?\\s*(?<${name}>[০-৯0-9]{4})(?:${ERA}|${YEAR_FOLLOWER}))?`
const YEAR = yearOf('year')
// A day written as an ordinal word: the calendar's own ('পহেলা বৈশাখ', 'দোসরা জুলাই', 'ষোলোই
// ডিসেম্বর', 'একুশে ফেব্রুয়ারি'), in the spellings desks use, and the adjective up to the tenth
// ('পঞ্চম ডিসেম্বর').
const DAY_WORDS: Readonly<Record<string, number>> = Object.fromEntries(
  (
    [
      [1, 'পহেলা পয়লা প্রথম'],
      [2, 'দোসরা দ্বিতীয়'],
      [3, 'তেসরা তৃতীয়'],
      [4, 'চৌঠা চতুর্থ'],
      [5, 'পাঁচই পঞ্চম'],
      [6, 'ছয়ই ছউই ষষ্ঠ'],
      [7, 'সাতই সপ্তম'],
      [8, 'আটই অষ্টম'],
      [9, 'নয়ই নউই নবম'],
      [10, 'দশই দশম'],
      [11, 'এগারোই এগারই'],
      [12, 'বারোই বারই'],
      [13, 'তেরোই তেরই'],
      [14, 'চৌদ্দই'],
      [15, 'পনেরোই পনেরই'],
      [16, 'ষোলোই ষোলই'],
      [17, 'সতেরোই সতেরই'],
      [18, 'আঠারোই আঠারই'],
      [19, 'উনিশে'],
      [20, 'বিশে'],
      [21, 'একুশে'],
      [22, 'বাইশে'],
      [23, 'তেইশে'],
      [24, 'চব্বিশে'],
      [25, 'পঁচিশে'],
      [26, 'ছাব্বিশে'],
      [27, 'সাতাশে'],
      [28, 'আঠাশে'],
      [29, 'উনত্রিশে'],
      [30, 'ত্রিশে তিরিশে'],
      [31, 'একত্রিশে'],
    ] as const
  ).flatMap(([day, words]) => words.split(' ').map((word) => [nfc(word), day])),
)
// Longest first, and never the start of a longer word.
const DAY_WORD = `(?:${Object.keys(DAY_WORDS)
  .sort((a, b) => b.length - a.length)
  .join('|')})(?![\\u0980-\\u09FF])`
const DAY = `(?<day>${NUMBER}${ORDINAL}|${DAY_WORD})`
// Every month name, either calendar, longest first: a second date must name a real month.
const ANY_MONTH = [...GREGORIAN_MONTHS_BN, ...BANGLA_MONTH_VARIANTS]
  .flat()
  .map(nfc)
  .sort((a, b) => b.length - a.length)
  .join('|')
// The same day in the other calendar after a slash, a bar or a comma: '৫ ডিসেম্বর ২০২৬ / ২০
// অগ্রহায়ণ ১৪৩৩', '২০ অগ্রহায়ণ ১৪৩৩, ৫ ডিসেম্বর ২০২৬'.
const SECOND_DATE =
  `(?:\\s*[/|,]\\s*(?<day2>${NUMBER}${ORDINAL}|${DAY_WORD})\\s+(?<month2>${ANY_MONTH})` +
  `(?![\\u0980-\\u09FF])\\.?${yearOf('year2')})?`
// A numeric date as desks type it, day/month/year as Bangladesh writes it: '৫/১২/২০২৬',
// '০৫-১২-২০২৬', '৫.১২.২৬', '05/12/2026', maybe with an era word ('০৫/১২/২০২৬ইং'). One separator
// throughout, so a score ('৩/২') or a phone number ('০১৭১১-১২৩৪৫৬') is none.
const NUMERIC_DATE =
  '(?<nday>[০-৯0-9]{1,2})(?<sep>[/.-])(?<nmonth>[০-৯0-9]{1,2})\\k<sep>' +
  `(?<nyear>[০-৯0-9]{4}|[০-৯0-9]{2})(?![০-৯0-9])${ERA}?`
const DATE = `(?:${NUMERIC_DATE}|${DAY}\\s+${MONTH}${YEAR}${SECOND_DATE})`
const WEEKDAY_NAME = `(?:${WEEKDAYS_BN.flat().join('|')})(?![\\u0980-\\u09FF])`
// A wire's agency in parentheses and the closing colon or dash: '(বাসস) :', ', (বাসস) :', '(বাসস)।'.
const AGENCY = `(?:\\s*,?\\s*\\([^()]{1,40}\\))?`
// ':' may be followed by a dash (':—') or, as typed in a hurry, straight by the text ('(বাসস):প্রধান').
// A long dash may be typed straight onto the text ('(ইউএনবি)—প্রধান'); a hyphen there joins a word.
const CLOSE = `\\s*(?:(?:[:：]|ঃ)(?:\\s?[–—])?(?=\\s|$)|[:：](?=[\\u0980-\\u09FF])|[–—-](?=\\s|$)|[–—](?=[\\u0980-\\u09FF])|।(?=\\s|$))`
// A place may name its district in brackets: 'টেকনাফ (কক্সবাজার)'.
const DISTRICT = `(?:\\s*\\(${WORD}(?: ${WORD})?\\))`
const PLACE_WORDS = `${WORD}(?: ${WORD})?${DISTRICT}?`

// A name line: two to five words, abbreviations with a dot allowed ('মো. আবদুল করিম'), then maybe
// a place after a comma ('গিয়াস উদ্দিন, টেকনাফ (কক্সবাজার)').
const NAME_WORD = `(?:${WORD}\\.?)`
const PERSON = new RegExp(`^${NAME_WORD}(?: ${NAME_WORD}){1,4}$`, 'u')
// A place after a name: a word or two, maybe its district ('টেকনাফ (কক্সবাজার)').
const PLACE_AFTER_NAME = new RegExp(`^${WORD}(?: ${WORD})?${DISTRICT}?$`, 'u')
const AND = new RegExp(`\\s+(?:${nfc('ও')}|${nfc('এবং')})\\s+`, 'u')
const FROM = new RegExp(`^(?<place>.+?)\\s+${nfc('থেকে')}$`, 'u')

// Words only an organisation's name holds ('বাংলাদেশ শিল্প ও বণিক সমিতি', 'ঢাকা চেম্বার অব কমার্স
// অ্যান্ড ইন্ডাস্ট্রি', 'খাদ্য ও কৃষি সংস্থা'): such a name is never cut at its 'ও' into people.
// Not সরকার: the government, and a common surname ('রফিকুল ইসলাম সরকার').
const ORGANISATION_WORDS = new Set(
  [
    'অব',
    'অফ',
    'অ্যান্ড',
    'সমিতি',
    'সংস্থা',
    'সংঘ',
    'চেম্বার',
    'কমার্স',
    'ইন্ডাস্ট্রি',
    'ইন্ডাস্ট্রিজ',
    'অ্যাসোসিয়েশন',
    'ফেডারেশন',
    'মন্ত্রণালয়',
    'অধিদপ্তর',
    'অধিদফতর',
    'পরিদপ্তর',
    'দপ্তর',
    'বিভাগ',
    'কমিশন',
    'কর্তৃপক্ষ',
    'ব্যাংক',
    'বিশ্ববিদ্যালয়',
    'ইনস্টিটিউট',
    'একাডেমি',
    'পরিষদ',
    'ফাউন্ডেশন',
    'ট্রাস্ট',
    'বোর্ড',
    'কাউন্সিল',
    'করপোরেশন',
    'কর্পোরেশন',
    'লিমিটেড',
    'বাহিনী',
    'পুলিশ',
    'হাসপাতাল',
    'সোসাইটি',
    'জোট',
    'লীগ',
    'পার্টি',
    'সার্ভিস',
    'কেন্দ্র',
  ].map(nfc),
)

/**
 * An organisation's name alone on its line ('বাংলাদেশ শিল্প ও বণিক সমিতি'), no sentence: imports
 * before such names were known read it before a dateline as reporters' names and dropped it.
 */
function isOrganisationLine(text: string): boolean {
  return text.length <= 200 && looksLikeOrganisation(text) && !/[।?!:]/u.test(text)
}

/** True for a name holding a word only organisations' names hold ('… বণিক সমিতি'). */
export function looksLikeOrganisation(text: string): boolean {
  return text.split(/\s+/u).some((word) => ORGANISATION_WORDS.has(word))
}

/** A person's name: two to five words, no digit, verb or sentence punctuation, role word or organisation. */
function isPersonName(text: string): boolean {
  return (
    PERSON.test(text) &&
    !isRole(text) &&
    !isKnownSource(text) &&
    !looksLikeOrganisation(text) &&
    !AND.test(text) &&
    !text.split(' ').some((word) => NOT_SPEAKER_WORDS.has(word) || VERB_ENDING.test(word))
  )
}

/**
 * People joined by commas, 'ও' or 'এবং' ('আবদুল করিম, রহিম উদ্দিন ও সালমা খাতুন'), one name
 * each; null unless every one reads as a name.
 */
function readNames(text: string, oneWord = false): string[] | null {
  if (text.length > 200) return null
  const names = text.split(/\s*,\s*/u).flatMap((part) => part.split(AND))
  return names.every((name) => isPersonName(name) || (oneWord && isOneWordName(name)))
    ? names
    : null
}

const ONE_WORD = new RegExp(`^${WORD}$`, 'u')

/** One-word names joined by 'ও'/'এবং' ('রহিম ও করিম'): the names, or null unless each is one. */
function oneWordNames(text: string): string[] | null {
  const names = text.split(AND)
  return names.length > 1 && names.every(isOneWordName) ? names : null
}

/**
 * A name of one word ('রিয়াজ', 'অনুপমা'): a Bengali word that names no known place, role,
 * weekday, organisation or verb.
 */
function isOneWordName(text: string): boolean {
  return (
    ONE_WORD.test(text) &&
    !KNOWN_PLACES.has(text) &&
    !NOT_PLACES.has(text) &&
    bengaliWeekdayIndex(text) === null &&
    !isRole(text) &&
    !isKnownSource(text) &&
    !looksLikeOrganisation(text) &&
    !NOT_SPEAKER_WORDS.has(text) &&
    !VERB_ENDING.test(text)
  )
}

/** The place in 'কক্সবাজার থেকে' ('from Cox's Bazar'); null for anything else. */
function readFrom(text: string): string | null {
  const place = FROM.exec(text)?.groups?.place
  return place !== undefined && PLACE_AFTER_NAME.test(place) ? place : null
}

// The places the module knows (districts, upazilas, city areas; spellings.json): after the names,
// a two-word part is a place only when it is one of these ('আবদুল করিম, রহিম উদ্দিন' is two people).
const KNOWN_PLACES: ReadonlySet<string> = new Set(
  Object.keys(SPELLINGS.places)
    .map(nfc)
    .filter((place) => !NOT_PLACES.has(place)),
)
const WORLD_PLACES: ReadonlySet<string> = new Set(Object.keys(SPELLINGS.world).map(nfc))
// What follows a known place's name in a place: 'কক্সবাজার সদর'.
const PLACE_SUFFIXES = new Set(['সদর', 'উপজেলা', 'জেলা', 'পৌরসভা', 'শহর'].map(nfc))
const ADMINISTRATIVE_UNITS = new Set(
  ['উপজেলা', 'জেলা', 'পৌরসভা', 'ইউনিয়ন', 'বিভাগ', 'সদর'].map(nfc),
)
const COMPASS = new Set(['উত্তর', 'দক্ষিণ', 'পূর্ব', 'পশ্চিম'].map(nfc))

/**
 * Whether a part after the names is where the story is from: one word (a name has two or more),
 * a bracketed district ('টেকনাফ (কক্সবাজার)'), or a known place, maybe with 'সদর' or 'উপজেলা';
 * 'unsure' for a two-word part that names a known place but is not one ('পদ্মা রানী': a river and
 * a woman's name), read as a name.
 */
function placeAfterNames(text: string): 'place' | 'unsure' | null {
  if (!PLACE_AFTER_NAME.test(text)) return null
  const words = text.split(' ')
  if (words.length === 1 || /\)$/u.test(text) || KNOWN_PLACES.has(text)) return 'place'
  if (KNOWN_PLACES.has(words[0]!) && PLACE_SUFFIXES.has(words[1]!)) return 'place'
  // 'নাসিরনগর উপজেলা', 'নাসিরনগর সদর', 'দক্ষিণ সুরমা': no name ends or opens so, whether or not
  // the module lists the upazila.
  if (ADMINISTRATIVE_UNITS.has(words[1]!) || COMPASS.has(words[0]!)) return 'place'
  return words.some((word) => KNOWN_PLACES.has(word)) ? 'unsure' : null
}

/**
 * Reporters' names printed on a line of their own, and the place after them: 'মো. আবদুল করিম',
 * 'গিয়াস উদ্দিন, টেকনাফ (কক্সবাজার)', 'আবদুল করিম, কক্সবাজার থেকে', 'আবদুল করিম ও রহিম উদ্দিন';
 * null for anything else. The last part is a place only when it reads as one (placeAfterNames):
 * 'আবদুল করিম, রহিম উদ্দিন, সেলিনা হোসেন' is three people. `unsure` is a last part read as a
 * name that may be a place, `unlisted` one word read as a place the module does not list
 * ('…, শিবচর'), `oneWord` one-word names read before a known place ('রহিম ও করিম, সাভার'): each
 * for a warning.
 */
export function readNameLine(text: string): {
  names: string[]
  place?: string
  unsure?: string
  unlisted?: string
  oneWord?: string[]
} | null {
  if (text.length > 200 || isRole(text) || isKnownSource(text) || CREDIT_LINE.test(text))
    return null
  const parts = text.split(', ')
  const last = parts.at(-1)!
  const kind = parts.length > 1 ? placeAfterNames(last) : null
  const from = parts.length > 1 ? readFrom(last) : null
  const place = from ?? (kind === 'place' ? last : null)
  if (place === null) {
    const names = readNames(text)
    if (!names) return null
    return kind === 'unsure' ? {names, unsure: last} : {names}
  }
  // One word that is no listed place ('শিবচর'): an upazila the module does not list, or a name.
  const unlisted = from === null && !isListedPlace(last) ? {unlisted: last} : {}
  const before = parts.slice(0, -1).join(', ')
  const names = readNames(before)
  if (names) return {names, place, ...unlisted}
  // Reporters known by one name, before a place the module knows: 'রহিম ও করিম, সাভার'.
  const oneWord = unlisted.unlisted === undefined ? readNames(before, true) : null
  if (oneWord) {
    return {names: oneWord, place, oneWord: oneWord.filter((name) => !isPersonName(name))}
  }
  // An upazila and its district after a comma: 'আবদুল করিম, উখিয়া, কক্সবাজার'.
  const upazila = parts.at(-2)!
  if (parts.length > 2 && placeAfterNames(upazila) === 'place' && !readFrom(last)) {
    const before = readNames(parts.slice(0, -2).join(', '))
    if (before) return {names: before, place: `${upazila}, ${last}`}
  }
  return null
}

/**
 * A listed place before a role ('সাভার, নিজস্ব প্রতিবেদক'): where the story is from, never a name.
 * One word the module does not list stays a one-word name, with a warning (peelNames).
 */
function isPlaceBeforeRole(first: string, second: string): boolean {
  return isRole(second) && !isRole(first) && !isKnownSource(first) && isListedPlace(first)
}

/**
 * A place the module knows: listed in spellings.json (maybe with 'সদর'/'উপজেলা'), a word with
 * an administrative unit or compass word, or bracketed with a listed district ('ডাসার (মাদারীপুর)').
 */
function isListedPlace(text: string): boolean {
  if (KNOWN_PLACES.has(text)) return true
  const bracketed = /^(?<place>.+?) \((?<district>[^()]+)\)$/u.exec(text)?.groups
  if (bracketed) return KNOWN_PLACES.has(bracketed.district!)
  return text.includes(' ') && placeAfterNames(text) === 'place'
}

// The place before a dateline, closed by a comma or a colon ('ঢাকা, শনিবার …', 'ঢাকা : শনিবার …').
const PLACE_PREFIX = `(?:(?<place>${PLACE_WORDS})(?:\\s*(?:[:：]|ঃ)\\s+|\\s*[:：]\\s*|,\\s*))?`
// A colon or dash closing the dateline ('ঢাকা, শনিবার (৫ ডিসেম্বর) :'): part of it as the desk
// wrote it, as the wire form's is.
const COLON_CLOSE = `(?:\\s*(?:(?:[:：]|ঃ)(?:\\s?[–—])?|[–—-])(?=\\s|$))`
// 'মঙ্গলবার (১৫ই জুলাই) সকালে', 'গতকাল সোমবার (১৪ জুলাই ২০২৫)', 'ঢাকা, মঙ্গলবার (১৫ জুলাই)',
// 'গত মঙ্গলবার (১৫ জুলাই)', 'সোমবার (১ বৈশাখ)'.
const WEEKDAY_FORM = new RegExp(
  `^${PLACE_PREFIX}(?:${RELATIVE}\\s+)?(?<weekday>${WORD})` +
    `(?:\\s+${TIME_PHRASE})?\\s*,?\\s*(?<open>\\(?)\\s*${DATE}(?:\\s*(?<close>\\)))?(?:\\s+${TIME_PHRASE})?` +
    `${COLON_CLOSE}?`,
  'du',
)
// The weekday after the date: 'আজ ২৬ মার্চ বুধবার', 'সিলেট, ১৯ জুন, বৃহস্পতিবার :'.
const DATE_FIRST_FORM = new RegExp(
  `^${PLACE_PREFIX}(?:${RELATIVE}\\s+)?(?<open>\\(?)\\s*${DATE}` +
    `(?:\\s*(?<close>\\)))?\\s*,?\\s*\\(?(?<weekday>${WORD})\\)?(?:\\s+${TIME_OF_DAY})?` +
    `(?:${AGENCY}${CLOSE})?`,
  'du',
)
// A relative day and a date with no weekday: 'আজ ২৬ মার্চ', 'গতকাল (১৪ জুলাই)'.
const RELATIVE_DATE_FORM = new RegExp(
  `^${PLACE_PREFIX}${RELATIVE}\\s+(?<open>\\(?)\\s*${DATE}` +
    `(?:\\s*(?<close>\\)))?(?:\\s+${TIME_OF_DAY})?${COLON_CLOSE}?`,
  'du',
)
// The CMG form: 'মে ৮: আজ (সোমবার)'.
const CMG_FORM = new RegExp(
  `^${MONTH}\\s+${DAY}(?:\\s*,\\s*(?<year>${NUMBER}))?\\s*(?:[:：]|ঃ)\\s*` +
    `(?:${RELATIVE}\\s*)?(?:\\(\\s*(?<weekday>${WORD})\\s*\\))?`,
  'du',
)
// The wire form: 'ঢাকা, ২ ফেব্রুয়ারি, ২০২৫ (বাসস) :', 'ঢাকা ১২ মার্চ (বাসস) :', 'ঢাকা, ১২ মার্চ,
// (বাসস) :', 'ঢাকা, ১২ মার্চ (বাসস)।'. The place is at most three words and the closing colon,
// dash or danda is required, so that a sentence such as 'তিনি বলেন, ২ জুন …' is no dateline.
// A bracketed date after the place ('ঢাকা, (৪ ডিসেম্বর ২০২৬ খ্রিস্টাব্দ) —') is the same form.
const PLACE = `[^\\s,()০-৯0-9:।]+(?: [^\\s,()০-৯0-9:।]+){0,2}${DISTRICT}?`
const WIRE_FORM = new RegExp(
  `^(?<place>${PLACE})\\s*,?\\s*(?:(?<weekday>${WORD})\\s*,\\s*)?(?<open>\\(?)\\s*${DATE}` +
    `(?:\\s*(?<close>\\)))?${AGENCY}${CLOSE}`,
  'du',
)
// The month first, as a desk translating an English wire types it: 'ঢাকা, ডিসেম্বর ৫ (ইউএনবি) :',
// 'ওয়াশিংটন, ডিসেম্বর ৪, ২০২৬ (এএফপি) —'. The closing colon or dash is required, as above.
const MONTH_FIRST_WIRE_FORM = new RegExp(
  `^(?<place>${PLACE})\\s*,\\s*${MONTH}\\s+(?<day>${NUMBER}${ORDINAL})${YEAR}${AGENCY}${CLOSE}`,
  'du',
)
// A bracketed date opening the paragraph: '(৪ ডিসেম্বর ২০২৬) রাজধানীর …', '(৪ ডিসেম্বর) —'. It
// needs a year or a closing dash or colon: '(১৫ই জুলাই) সকালে' may be a fragment that lost its weekday.
const BRACKETED_FORM = new RegExp(
  `^(?<open>\\()\\s*${DATE}\\s*(?<close>\\))(?<end>${AGENCY}${CLOSE})?`,
  'du',
)
// Inside the lede's first sentence, a weekday (maybe a time of day) and the date in brackets:
// 'কক্সবাজারের টেকনাফে শনিবার সকালে (৫ ডিসেম্বর) …', '… গতকাল শনিবার (৫ ডিসেম্বর) রাতে …'.
// Only real weekday names and a bracketed date count, so an ordinary sentence is no dateline.
const INLINE_FORM = new RegExp(
  `(?<=^|\\s)(?:${RELATIVE}\\s+)?(?<weekday>${WEEKDAY_NAME})(?:\\s+${TIME_PHRASE})?\\s*` +
    `(?<open>\\()\\s*${DATE}\\s*(?<close>\\))(?:\\s+${TIME_PHRASE})?`,
  'du',
)
// A date line of its own: 'তারিখ: ৫ ডিসেম্বর ২০২৬', 'তারিখ : শনিবার, ৫ ডিসেম্বর ২০২৬ খ্রি.', and
// the 'প্রকাশ: ০৫ ডিসেম্বর ২০২৬, ১০: ৩০' of pasted web copy (a clock time, maybe এএম/পিএম, may
// close it). The whole line must be the date, so a sentence opening with 'তারিখ:' is none.
const labelledForm = (labels: string[]) =>
  new RegExp(
    `^(?:${labels.map(nfc).join('|')})\\s*(?:[:：]|ঃ)\\s*(?:(?<weekday>${WEEKDAY_NAME})\\s*,?\\s*)?${DATE}` +
      `(?:\\s*,?\\s*(?:(?<weekdayAfter>${WEEKDAY_NAME})|\\((?<weekdayAfter2>${WEEKDAY_NAME})\\)))?` +
      `(?:\\s*,?\\s*[০-৯0-9]{1,2}\\s*[:.]\\s*[০-৯0-9]{2}(?:\\s*(?:${nfc('এএম')}|${nfc('পিএম')}|[AaPp][Mm]))?)?\\s*$`,
    'du',
  )
const LABELLED_FORM = labelledForm(['তারিখ', 'প্রকাশিত', 'প্রকাশ'])
const LABELS = new Set(['তারিখ', 'প্রকাশিত', 'প্রকাশ', 'আপডেট', 'হালনাগাদ', 'সূত্র'].map(nfc))
// A web page's update line: recognised so that it is no paragraph, never read as a dateline.
const UPDATE_FORM = labelledForm(['আপডেট', 'হালনাগাদ'])
// Header lines (date, update, place) stand among the first lines of the body.
const HEADER_LINES = 5
// Imports before header lines were read took the first paragraph from the body's first three
// lines: the first, or the one after a byline line and a reporter's name line.
const LEAD_LINES = 3

/** A place alone on its line: a place the module knows, maybe with its district ('টেকনাফ (কক্সবাজার)'). */
function isPlaceLine(text: string): boolean {
  const bracketed = /^(?<place>\S+) \((?<district>[^()]+)\)$/u.exec(text)?.groups
  return (
    KNOWN_PLACES.has(text) || (bracketed !== undefined && KNOWN_PLACES.has(bracketed.district!))
  )
}

/** True when the whole line is a dateline (a date line of its own, nothing else on it). */
function isWholeDateline(text: string, reference: CalendarDate): boolean {
  return parseDateline(text, reference).dateline?.text === datelineWindow(text)
}

// The lede's first sentence ends at the first danda, question or exclamation mark.
const SENTENCE_END = /[।?!]/u

// After a number: a range ('২০০০-৩০০০', '২০০০ - ৩০০০'), a word in -বার that is no weekday
// ('কয়েকবার'), or a bracketed gloss that is neither a weekday nor a wire's agency before its
// closing colon ('২০০০ (দুই হাজার) মানুষ').
const RANGE = /^\s*[-–—]\s*[০-৯0-9]/u
const BAR_WORD = new RegExp(`^\\s+([\\u0980-\\u09FF]+${nfc('বার')})(?![\\u0980-\\u09FF])`, 'u')
const GLOSS = new RegExp(`^\\s*\\(\\s*([^()]*?)\\s*\\)(?!${CLOSE})`, 'u')

/** True when what follows a four-digit number makes it a count rather than a year. */
function isCount(after: string): boolean {
  if (RANGE.test(after)) return true
  const word = BAR_WORD.exec(after)?.[1]
  if (word !== undefined && bengaliWeekdayIndex(word) === null) return true
  const gloss = GLOSS.exec(after)?.[1]
  return gloss !== undefined && bengaliWeekdayIndex(gloss) === null
}

// Print convention: 'গতকাল রবিবার (১৪ সেপ্টেম্বর)' is in the paper of the 15th, so the article's
// date is the named day plus one; 'আজ' is the paper's own day; 'আগামীকাল' the day before.
const PRINT_SHIFT: Readonly<Record<string, number>> = {
  [nfc('গতকাল')]: 1,
  [nfc('আজ')]: 0,
  [nfc('আগামীকাল')]: -1,
}

type DatelineResult = {dateline: ParsedDateline | null; warnings: string[]}
type DateParts = {
  month: number
  day: number
  weekday?: number
  year?: string
  calendar: 'gregorian' | 'bangla'
  shift: number
}

// ZWSP, BOM, LRM, RLM, the word joiner and the bidirectional embeddings, overrides and isolates
// (text pasted from right-to-left pages) hide nothing a dateline needs, wherever they stand;
// ZWJ and ZWNJ shape Bengali letters and are kept.
const INVISIBLE = /[\u200B\uFEFF\u200E\u200F\u2060\u202A-\u202E\u2066-\u2069]/gu

/** A dateline is a few words; the forms never see more than this many characters. */
export const DATELINE_WINDOW = 200

/**
 * What the dateline forms match: the paragraph's start, NFC, blanks collapsed. Bounded, so a
 * hostile paragraph (a 100 kB run of blanks) costs the forms no more than a real one.
 */
export function datelineWindow(paragraph: string): string {
  return trimEdges(fixDanda(nfc(paragraph)).replace(INVISIBLE, '').replace(BLANK_RUN, ' ')).slice(
    0,
    DATELINE_WINDOW,
  )
}

/**
 * Finds the dateline at the start of a paragraph and resolves its date. An explicit year wins.
 * Otherwise the date is the latest one, not after the reference date and within a year of it,
 * that falls on the named weekday (or, with no weekday, the latest such date). No such date, or
 * one more than MAX_DAYS_BACK days back, gives no date and a warning: the article becomes a
 * draft rather than silently landing in another year. With 'গতকাল'/'আজ' the article's date is
 * the paper's (PRINT_SHIFT).
 */
export function parseDateline(paragraph: string, reference: CalendarDate): DatelineResult {
  const window = datelineWindow(paragraph)
  const sentenceEnd = SENTENCE_END.exec(window)?.index
  const firstSentence = sentenceEnd === undefined ? window : window.slice(0, sentenceEnd)
  const forms = [
    LABELLED_FORM,
    WEEKDAY_FORM,
    DATE_FIRST_FORM,
    RELATIVE_DATE_FORM,
    CMG_FORM,
    WIRE_FORM,
    MONTH_FIRST_WIRE_FORM,
  ]
  for (const form of [...forms, BRACKETED_FORM, INLINE_FORM]) {
    const text = form === INLINE_FORM ? firstSentence : window
    let match = form.exec(text)
    const yearAt = match?.indices?.groups?.year2 ?? match?.indices?.groups?.year
    // A count after the month ('২০০০-৩০০০ মানুষ', '২০০০ কয়েকবার', '২০০০ (দুই হাজার)'): the
    // dateline ends at the month, as if the number were not there.
    if (yearAt && isCount(text.slice(yearAt[1])))
      match = form.exec(text.slice(0, yearAt[0]).trimEnd())
    const groups = match?.groups
    if (!match || !groups) continue
    // Parentheses around the day come in pairs or not at all.
    if (groups.open !== undefined && (groups.open !== '') !== (groups.close !== undefined)) continue
    let weekday: number | undefined
    // A date line may name the weekday after the date ('প্রকাশিত: ৫ ডিসেম্বর ২০২৬, শনিবার').
    const weekdayName = groups.weekday ?? groups.weekdayAfter ?? groups.weekdayAfter2
    if (weekdayName !== undefined) {
      const index = bengaliWeekdayIndex(weekdayName)
      if (index === null) continue
      weekday = index
    }
    // The date-first form needs a weekday or a relative day to tell it from a sentence.
    if (form === DATE_FIRST_FORM && weekday === undefined) continue
    // 'আপডেট: শনিবার, …' is a web page's update line, never a place and a dateline.
    if (groups.place !== undefined && LABELS.has(groups.place.trim())) continue
    if (groups.nyear !== undefined) {
      const place = groups.place?.trim()
      return resolveNumeric(
        {text: match[0].trim(), ...(place ? {place} : {})},
        {
          day: Number(toAsciiDigits(groups.nday!)),
          month: Number(toAsciiDigits(groups.nmonth!)),
          year: toAsciiDigits(groups.nyear),
          weekday,
          shift: groups.relative !== undefined ? (PRINT_SHIFT[groups.relative] ?? 0) : 0,
        },
        reference,
      )
    }
    const first = monthOf(groups.month!)
    if (first === null) continue
    if (form === BRACKETED_FORM && groups.year === undefined && groups.end === undefined) continue
    const relative = groups.relative
    const shift = relative !== undefined ? (PRINT_SHIFT[relative] ?? 0) : 0
    const place = groups.place?.trim()
    const dateline: ParsedDateline = {
      text: match[0].trim(),
      ...(place ? {place} : {}),
      ...(first.calendar === 'bangla' && groups.month2 === undefined ? {calendar: 'bangla'} : {}),
    }
    const parts: DateParts = {
      ...first,
      day: dayOf(groups.day!),
      weekday,
      year: groups.year,
      shift,
    }
    const second = groups.month2 === undefined ? null : monthOf(groups.month2)
    if (!second) return resolveDate(dateline, parts, reference)
    const written = (day: string, month: string, year?: string) =>
      [day, month, year].filter(Boolean).join(' ')
    return resolvePair(
      dateline,
      [
        {...parts, label: written(groups.day!, groups.month!, groups.year)},
        {
          ...parts,
          ...second,
          day: dayOf(groups.day2!),
          year: groups.year2,
          label: written(groups.day2!, groups.month2!, groups.year2),
        },
      ],
      reference,
    )
  }
  return {dateline: null, warnings: []}
}

/**
 * A numeric date, read day/month/year as Bangladesh writes it. Day and month are never swapped:
 * a month over 12, a day the month lacks, or a weekday that does not fit makes a draft with a
 * warning (naming the month/day/year reading when that is the one the weekday fits). A two-digit
 * year is in the century that puts it at or before the reference year ('২৬' → 2026, '৯৮' → 1998).
 */
function resolveNumeric(
  dateline: ParsedDateline,
  parts: {day: number; month: number; year: string; weekday?: number; shift: number},
  reference: CalendarDate,
): DatelineResult {
  const {day, month, weekday, shift} = parts
  const quoted = `'${dateline.text}'`
  let year = Number(parts.year)
  if (parts.year.length === 2) year += year + 2000 <= reference.year ? 2000 : 1900
  const swapped = {year, month: day, day: month}
  const swappedFits =
    isValidDate(swapped) && (weekday === undefined || weekdayOf(swapped) === weekday)
  const asUsWould = swappedFits
    ? ` (read month/day/year it would be ${formatIsoDate(swapped)}; if so, write the day first)`
    : ''
  const draft = (problem: string): DatelineResult => ({
    dateline,
    warnings: [
      `the dateline ${quoted} is read day/month/year, as Bangladesh writes dates, and ${problem}` +
        `${asUsWould}: correct the dateline, or pass --date`,
    ],
  })
  if (month < 1 || month > 12) return draft(`there is no month ${month}`)
  if (!isValidDate({year, month, day}))
    return draft(
      `${formatIsoDate({year, month, day: 1}).slice(0, 7)} has no day ${day}: the date does not exist`,
    )
  if (weekday !== undefined && weekdayOf({year, month, day}) !== weekday) {
    return draft(`${formatIsoDate({year, month, day})} does not fall on the weekday it names`)
  }
  return resolveDate(
    dateline,
    {month, day, year: String(year), calendar: 'gregorian', shift},
    reference,
  )
}

/** The day of the month as written: digits with an ordinal ('১৫ই', '২১-এ') or a word ('পহেলা'). */
function dayOf(written: string): number {
  return DAY_WORDS[written] ?? Number(toAsciiDigits(/^[০-৯0-9]+/u.exec(written)![0]))
}

/** A month name in either calendar: 'ডিসেম্বর' → Gregorian 12, 'অগ্রহায়ণ' → Bangla 8. */
function monthOf(name: string): {month: number; calendar: DateParts['calendar']} | null {
  const month = bengaliMonthIndex(name)
  if (month !== null) return {month, calendar: 'gregorian'}
  const bangla = banglaMonthIndex(name.replace(/\.$/u, ''))
  return bangla === null ? null : {month: bangla, calendar: 'bangla'}
}

/**
 * Two dates for one day ('৫ ডিসেম্বর ২০২৬ / ২০ অগ্রহায়ণ ১৪৩৩'): each is resolved alone; when
 * they agree that is the date, when they do not the article is a draft and the warning names both.
 */
function resolvePair(
  dateline: ParsedDateline,
  pair: [DateParts & {label: string}, DateParts & {label: string}],
  reference: CalendarDate,
): DatelineResult {
  const results = pair.map((parts) => resolveDate(dateline, parts, reference))
  const [a, b] = results as [DatelineResult, DatelineResult]
  const dateA = a.dateline?.date
  const dateB = b.dateline?.date
  if (dateA === undefined || dateB === undefined) {
    return {dateline, warnings: [...new Set([...a.warnings, ...b.warnings])]}
  }
  if (dateA !== dateB) {
    const named = pair.map(({label}, index) => `'${label}' (${results[index]!.dateline!.date})`)
    return {
      dateline,
      warnings: [
        `the dateline '${dateline.text}' names two dates that disagree, ${named.join(' and ')}: ` +
          'correct one of them, or pass --date',
      ],
    }
  }
  const year = a.dateline!.year === 'explicit' || b.dateline!.year === 'explicit'
  return {
    dateline: {...dateline, date: dateA, year: year ? 'explicit' : 'inferred'},
    warnings: [...new Set([...a.warnings, ...b.warnings])],
  }
}

// Years a written year may name: a newsroom archive reaches back to the last century.
const GREGORIAN_YEARS = [1900, 2199] as const
const BANGLA_YEARS = [1300, 1599] as const
// Across the turn of the year a story dated a day or two before the reference date is still news.
const YEAR_EDGE_DAYS = 2

function toGregorian(calendar: DateParts['calendar'], date: CalendarDate): CalendarDate | null {
  if (calendar === 'bangla') return gregorianFromBangla(date)
  return isValidDate(date) ? date : null
}

function resolveDate(
  dateline: ParsedDateline,
  parts: DateParts,
  reference: CalendarDate,
): DatelineResult {
  const {month, day, weekday, calendar, shift} = parts
  const warnings: string[] = []
  const quoted = `'${dateline.text}'`
  if (parts.year !== undefined) {
    const year = Number(toAsciiDigits(parts.year))
    const [first, last] = calendar === 'bangla' ? BANGLA_YEARS : GREGORIAN_YEARS
    if (year < first || year > last) {
      warnings.push(
        `the dateline ${quoted} names the year ${parts.year}, which is not a year the news is ` +
          `from (${first}–${last}): check the dateline, or pass --date`,
      )
      return {dateline, warnings}
    }
    const named = toGregorian(calendar, {year, month, day})
    if (!named) {
      warnings.push(`the dateline ${quoted} names a date that does not exist`)
      return {dateline, warnings}
    }
    if (weekday !== undefined && weekdayOf(named) !== weekday) {
      warnings.push(
        `the dateline ${quoted} names a weekday on which ${formatIsoDate(named)} does ` +
          'not fall: the written year wins',
      )
    }
    const date = addDays(named, shift)
    // A dateline is the story's day: a date after the reference date, or in another year than it
    // and more than YEAR_EDGE_DAYS away, is more likely a misread number than the story's day.
    const after = compareDates(date, reference) > 0
    const far =
      date.year !== reference.year && Math.abs(daysBetween(date, reference)) > YEAR_EDGE_DAYS
    if (after || far) {
      warnings.push(
        `the dateline ${quoted} gives ${formatIsoDate(date)}, ` +
          (after ? 'after' : 'in another year than') +
          ` the reference date ${formatIsoDate(reference)}: check the dateline; pass --as-of ` +
          'or --date if it is right',
      )
      return {dateline, warnings}
    }
    return {dateline: {...dateline, date: formatIsoDate(date), year: 'explicit'}, warnings}
  }
  const exists = calendar === 'bangla' ? day <= 31 : isValidDate({year: 2000, month, day})
  if (!exists) {
    warnings.push(`the dateline ${quoted} names a day that does not exist`)
    return {dateline, warnings}
  }
  const candidates =
    calendar === 'bangla'
      ? [1, 0, -1].map((back) =>
          gregorianFromBangla({
            year: banglaCalendarDate(isoNoon(reference)).year + back,
            month,
            day,
          }),
        )
      : [1, 0, -1].map((back) => toGregorian(calendar, {year: reference.year + back, month, day}))
  const named = inferDate(candidates, reference, {
    ...(weekday !== undefined ? {weekday} : {}),
    shiftDays: shift,
  })
  if (!named) {
    warnings.push(
      `the dateline ${quoted} names a weekday on which that day has not fallen in the year up ` +
        `to ${formatIsoDate(reference)}: check the dateline, or pass --date or --as-of`,
    )
    return {dateline, warnings}
  }
  const date = addDays(named, shift)
  const back = daysBetween(date, reference)
  if (back > MAX_DAYS_BACK) {
    warnings.push(
      `the dateline ${quoted} gives ${formatIsoDate(date)}, ${back} days before the reference ` +
        `date ${formatIsoDate(reference)}: too far back to trust the year; pass --as-of or --date ` +
        'if it is right',
    )
    return {dateline, warnings}
  }
  return {
    dateline: {...dateline, date: formatIsoDate(date), year: 'inferred'},
    warnings,
  }
}

function isoNoon({year, month, day}: CalendarDate): Date {
  return new Date(Date.UTC(year, month - 1, day, 6))
}
