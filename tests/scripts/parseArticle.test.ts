import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {
  ArticleParseError,
  DATELINE_WINDOW,
  datelineWindow,
  decodeArticle,
  parseArticle,
  parseDateline,
  splitSpeaker,
} from '../../scripts/lib/parseArticle.ts'
import {parseIsoDate} from '../../scripts/lib/dates.ts'
import {toDocuments} from '../../scripts/lib/toDocuments.ts'

const SEED_FILE = join(import.meta.dirname, '../../data/seed/000_6a6c5dd935f09d3d.txt')
const SEED = readFileSync(SEED_FILE, 'utf8')
const TITLE = 'চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক'.normalize('NFC')

function parse(text: string, asOf = '2025-07-20', fallbackDate?: string) {
  return parseArticle(text, {file: 'story.txt', asOf, ...(fallbackDate ? {fallbackDate} : {})})
}

function parseError(run: () => unknown): ArticleParseError {
  try {
    run()
  } catch (error) {
    if (error instanceof ArticleParseError) return error
    throw error
  }
  throw new Error('expected an ArticleParseError')
}

/** The seed with its line list changed by `edit`. */
function seedWith(edit: (lines: string[]) => string[]): string {
  return edit(SEED.split('\n')).join('\n')
}

const ref = (date: string) => parseIsoDate(date)!

describe('parseArticle on the seed', () => {
  const article = parse(SEED)

  it('reads the title, four paragraphs and the dateline', () => {
    expect(article.title).toBe(TITLE)
    expect(article.paragraphs).toHaveLength(4)
    expect(article.paragraphs[0]).toMatch(/^মঙ্গলবার \(১৫ই জুলাই\) সকালে বেইজিংয়ের/u)
    expect(article.paragraphs[3]).toMatch(/কাজ করতে আগ্রহী।$/u)
    expect(article.dateline).toEqual({
      text: 'মঙ্গলবার (১৫ই জুলাই) সকালে',
      date: '2025-07-15',
      year: 'inferred',
    })
    expect(article.date).toBe('2025-07-15')
  })

  it('reads the credits, the organisation and the desk initials', () => {
    expect(article.credits).toEqual(['অনুপমা', 'আলিম', 'ছাই'])
    expect(article.organisation).toBe('চায়না মিডিয়া গ্রুপ'.normalize('NFC'))
    expect(article.deskInitials).toBe('এমএসএম / এমএসএম')
  })

  it('reads twelve headlines, four with speakers, the fifth equal to the title', () => {
    expect(article.headlines).toHaveLength(12)
    expect(article.headlines[4]!.text).toBe(TITLE)
    expect(article.headlines[4]!.speaker).toBeUndefined()
    const withSpeakers = article.headlines.filter((headline) => headline.speaker)
    expect(withSpeakers.map((headline) => headline.speaker)).toEqual([
      'চীনা পররাষ্ট্রমন্ত্রী ওয়াং ই'.normalize('NFC'),
      'ট্রাম্প',
      'ম্যাক্রোঁ',
      'ট্রাম্প',
    ])
    expect(article.headlines[0]!.text).toBe(
      'এসসিও সহযোগিতার ক্ষেত্রগুলো ক্রমাগত প্রসারিত করছে'.normalize('NFC'),
    )
    expect(article.headlines[11]!.text).toBe(
      'গাজায় যুদ্ধবিরতি চুক্তি ‘আগামী সপ্তাহের মধ্যেই’ সম্ভব'.normalize('NFC'),
    )
    expect(article.headlines.map((headline) => headline.line)).toEqual([
      10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32,
    ])
  })

  it('has no warnings', () => {
    expect(article.warnings).toEqual([])
  })

  it('dates the seed 2025-07-15 for every reference date from 2025-07-15 to 60 days later', () => {
    const wrong: string[] = []
    for (let day = Date.UTC(2025, 6, 15); day <= Date.UTC(2025, 8, 13); day += 86_400_000) {
      const asOf = new Date(day).toISOString().slice(0, 10)
      if (parse(SEED, asOf).date !== '2025-07-15') wrong.push(asOf)
    }
    expect(wrong).toEqual([])
  })

  it('imports it as a draft with a warning naming the line, never in another year', () => {
    // 61 days on, the inferred date is too far back to trust.
    const late = parse(SEED, '2025-09-14')
    expect(late.date).toBeUndefined()
    expect(late.warnings).toContainEqual({
      line: 3,
      message: expect.stringContaining('61 days before the reference date 2025-09-14'),
    })
    // A year on, 15 July is a Wednesday: no Tuesday 15 July within a year (2020 is not searched).
    const yearOn = parse(SEED, '2026-07-20')
    expect(yearOn.date).toBeUndefined()
    expect(yearOn.warnings[0]).toMatchObject({line: 3, message: expect.stringContaining('weekday')})
    // The day before: the previous 15 July (2024) was a Monday.
    expect(parse(SEED, '2025-07-14').date).toBeUndefined()
  })
})

describe('parseArticle on layout variants', () => {
  const seed = parse(SEED)
  const same = (text: string) => expect(parse(text)).toEqual(seed)

  it('accepts CRLF line ends and a byte-order mark', () => {
    same('\ufeff' + SEED.replace(/\n/g, '\r\n'))
  })

  it('accepts old Mac CR line ends and trailing blanks', () => {
    same(SEED.replace(/\n/g, '  \t\r'))
  })

  it('normalises precomposed য় ড় ঢ় to base letter + nukta', () => {
    const precomposed = SEED.replace(/য\u09bc/g, '\u09df').replace(/ড\u09bc/g, '\u09dc')
    expect(precomposed).not.toBe(SEED)
    same(precomposed)
    const withRha = parse(
      'আষাঢ় মাসে\n\nমঙ্গলবার (১৫ই জুলাই) বৃষ্টি হয়েছে।\nসূত্র: বাসস।\n'.replace(/ঢ\u09bc/g, '\u09dd'),
    )
    expect(withRha.title).toBe('আষাঢ\u09bc মাসে')
  })

  it('accepts a missing desk line', () => {
    const article = parse(seedWith((lines) => lines.filter((line) => line !== 'এমএসএম / এমএসএম')))
    expect(article.deskInitials).toBeUndefined()
    expect(article.headlines).toEqual(seed.headlines.map((h) => ({...h, line: h.line - 1})))
  })

  it("accepts 'সূত্র :' with a space and 'সূত্রঃ' with a visarga", () => {
    for (const prefix of ['সূত্র :', 'সূত্র  :  ', 'সূত্রঃ']) {
      const article = parse(SEED.replace('সূত্র:', prefix))
      expect(article.credits).toEqual(['অনুপমা', 'আলিম', 'ছাই'])
      expect(article.organisation).toBe(seed.organisation)
    }
  })

  it('accepts a single organisation and no people', () => {
    const article = parse(SEED.replace('সূত্র: অনুপমা-আলিম-ছাই, চায়না মিডিয়া গ্রুপ।', 'সূত্র: বাসস।'))
    expect(article.credits).toEqual([])
    expect(article.organisation).toBe('বাসস')
  })

  it('accepts extra blank lines anywhere', () => {
    const spaced = seedWith((lines) =>
      ['', '', ...lines.flatMap((line) => (line === '' ? ['', '', ''] : [line, '']))].concat([
        '',
        '',
      ]),
    )
    const article = parse(spaced)
    // Line numbers move with the blank lines; everything else is the same.
    const strip = (value: typeof article) => ({
      ...value,
      lines: undefined,
      headlines: value.headlines.map(({text, speaker}) => ({text, speaker})),
    })
    // The desk line is no longer adjacent to the credit line, but it still has its slash.
    expect(strip(article)).toEqual(strip(seed))
  })

  it('keeps Bengali digits and punctuation as written', () => {
    const article = parse(SEED)
    expect(article.paragraphs[3]).toContain('৮০তম')
    expect(article.paragraphs[2]).toContain("দু'দেশকে")
    expect(article.headlines[2]!.text).toBe(
      '৭.৩ মাত্রার শক্তিশালী ভূমিকম্পে কেঁপে উঠল আলাস্কা, সুনামি সতর্কতা',
    )
  })

  it('imports an article without a dateline as undated, with a warning', () => {
    const article = parse('শিরোনাম\n\nকোনো তারিখ নেই এমন একটি অনুচ্ছেদ।\nসূত্র: বাসস।\n')
    expect(article.dateline).toBeNull()
    expect(article.date).toBeUndefined()
    expect(article.warnings).toEqual([{line: 3, message: expect.stringContaining('no dateline')}])
  })

  it('uses the fallback date (--date) when the dateline gives none', () => {
    const article = parse('শিরোনাম\n\nকোনো তারিখ নেই।\nসূত্র: বাসস।\n', '2025-07-20', '2025-03-01')
    expect(article.date).toBe('2025-03-01')
    expect(article.warnings).toEqual([])
  })

  it('keeps the dateline date over the fallback date', () => {
    expect(parse(SEED, '2025-07-20', '2025-03-01').date).toBe('2025-07-15')
  })

  it('takes the first block as the body when there is no credit line, with a warning', () => {
    const article = parse('শিরোনাম\n\nমঙ্গলবার (১৫ই জুলাই) প্রথম।\nদ্বিতীয়।\n\nএকটি শিরোনাম : ট্রাম্প\n')
    expect(article.paragraphs).toEqual(['মঙ্গলবার (১৫ই জুলাই) প্রথম।', 'দ্বিতীয়।'.normalize('NFC')])
    expect(article.headlines).toEqual([{text: 'একটি শিরোনাম', speaker: 'ট্রাম্প', line: 6}])
    expect(article.organisation).toBeUndefined()
    expect(article.warnings).toEqual([
      {line: 4, message: expect.stringContaining('no credit line')},
    ])
  })
})

describe('parseArticle on bad input', () => {
  it('rejects an empty file', () => {
    for (const text of ['', '\ufeff', '\n\n  \r\n']) {
      const error = parseError(() => parse(text))
      expect(error).toMatchObject({file: 'story.txt', line: 1, problem: 'the file is empty'})
      expect(error.message).toMatch(
        /^story\.txt:1: the file is empty\. Expected: the title on line 1/,
      )
    }
  })

  it('rejects a file with only a title, naming the title line', () => {
    expect(parseError(() => parse(`${TITLE}\n`))).toMatchObject({
      line: 1,
      problem: expect.stringContaining('only a title'),
    })
    expect(parseError(() => parse(`\n\n${TITLE}\n\n\n`))).toMatchObject({line: 3})
  })

  it('rejects a file whose credit line follows the title', () => {
    const error = parseError(() => parse(`${TITLE}\n\nসূত্র: বাসস।\n\nএকটি শিরোনাম\n`))
    expect(error).toMatchObject({line: 3, problem: expect.stringContaining('no body')})
    expect(error.fix).toMatch(/between the title and the credit line/)
  })

  it('rejects an empty credit line', () => {
    expect(parseError(() => parse(`${TITLE}\n\nএকটি অনুচ্ছেদ।\nসূত্র: ।\n`))).toMatchObject({line: 4})
  })
})

describe('decodeArticle', () => {
  const utf8 = (text: string) => new TextEncoder().encode(text)

  it('decodes UTF-8 and drops the byte-order mark', () => {
    expect(decodeArticle(utf8('\ufeffশিরোনাম\n'), 'a.txt')).toBe('শিরোনাম\n')
  })

  it('names the line of the first byte that is not UTF-8', () => {
    const good = utf8('শিরোনাম\n\nপ্রথম অনুচ্ছেদ\n')
    const bytes = new Uint8Array([...good, 0xe0, 0xa6, 0x0a, ...utf8('আরও\n')])
    const error = parseError(() => decodeArticle(bytes, 'bad.txt'))
    expect(error).toMatchObject({file: 'bad.txt', line: 4})
    expect(error.problem).toMatch(/not valid UTF-8/)
    expect(error.fix).toMatch(/Convert it to UTF-8/)
  })

  it('rejects Latin-1 (legacy) bytes', () => {
    expect(parseError(() => decodeArticle(new Uint8Array([0x41, 0xe9, 0x0a]), 'l.txt')).line).toBe(
      1,
    )
  })

  it('rejects UTF-16 with a byte-order mark', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x41, 0x00])
    expect(parseError(() => decodeArticle(bytes, 'u.txt')).problem).toMatch(/UTF-16/)
  })

  it('rejects control characters and U+FFFD as unreadable bytes', () => {
    expect(parseError(() => decodeArticle(utf8('a\n\nb\u0000c\n'), 'n.txt'))).toMatchObject({
      line: 3,
      problem: expect.stringContaining('U+0000'),
    })
    expect(parseError(() => decodeArticle(utf8('a\r\nb\ufffd\r\n'), 'r.txt'))).toMatchObject({
      line: 2,
      problem: expect.stringContaining('U+FFFD'),
    })
  })

  it('accepts tabs', () => {
    expect(decodeArticle(utf8('a\tb\n'), 't.txt')).toBe('a\tb\n')
  })
})

describe('splitSpeaker', () => {
  it("splits at the last ' : ' or ': ' before a short attribution", () => {
    expect(splitSpeaker('পুতিন সবাইকে ধোঁকা দিয়েছেন : ট্রাম্প', 1)).toEqual({
      text: 'পুতিন সবাইকে ধোঁকা দিয়েছেন',
      speaker: 'ট্রাম্প',
      line: 1,
    })
    expect(
      splitSpeaker('এসসিও সহযোগিতার ক্ষেত্রগুলো ক্রমাগত প্রসারিত করছে: চীনা পররাষ্ট্রমন্ত্রী ওয়াং ই', 2),
    ).toMatchObject({
      text: 'এসসিও সহযোগিতার ক্ষেত্রগুলো ক্রমাগত প্রসারিত করছে',
      speaker: 'চীনা পররাষ্ট্রমন্ত্রী ওয়াং ই',
    })
    expect(splitSpeaker('প্রশ্ন: উত্তর : ট্রাম্প', 3)).toMatchObject({
      text: 'প্রশ্ন: উত্তর',
      speaker: 'ট্রাম্প',
    })
  })

  it('leaves attributions of more than six words or with sentence punctuation alone', () => {
    const long = 'শিরোনাম : এক দুই তিন চার পাঁচ ছয় সাত'
    expect(splitSpeaker(long, 1)).toEqual({text: long, line: 1})
    const sentence = 'আলোচনা: দুই দেশ একমত।'
    expect(splitSpeaker(sentence, 1)).toEqual({text: sentence, line: 1})
    expect(splitSpeaker('সময় ১০:৩০ মিনিটে', 1)).toEqual({text: 'সময় ১০:৩০ মিনিটে', line: 1})
  })

  it('never splits a line equal to the title', () => {
    expect(splitSpeaker('গাজা: যুদ্ধবিরতি', 1, 'গাজা: যুদ্ধবিরতি')).toEqual({
      text: 'গাজা: যুদ্ধবিরতি',
      line: 1,
    })
  })
})

describe('parseDateline', () => {
  const asOf = ref('2025-07-20')

  it("reads the weekday form 'মঙ্গলবার (১৫ই জুলাই) সকালে'", () => {
    expect(parseDateline('মঙ্গলবার (১৫ই জুলাই) সকালে বেইজিংয়ে…', asOf)).toEqual({
      dateline: {text: 'মঙ্গলবার (১৫ই জুলাই) সকালে', date: '2025-07-15', year: 'inferred'},
      warnings: [],
    })
    // Print convention: yesterday's Monday 14 July is the paper of Tuesday 15 July.
    expect(parseDateline('গতকাল সোমবার (১৪ জুলাই) রাতে…', asOf).dateline).toEqual({
      text: 'গতকাল সোমবার (১৪ জুলাই) রাতে',
      date: '2025-07-15',
      year: 'inferred',
    })
    expect(parseDateline('মঙ্গলবার ১লা জুলাই সন্ধ্যায় এক অনুষ্ঠানে…', asOf).dateline).toEqual({
      text: 'মঙ্গলবার ১লা জুলাই সন্ধ্যায়'.normalize('NFC'),
      date: '2025-07-01',
      year: 'inferred',
    })
  })

  it("reads the CMG form 'মে ৮: আজ (সোমবার)'", () => {
    expect(parseDateline('মে ৮: আজ (বৃহস্পতিবার) বেইজিংয়ে…', ref('2025-05-20'))).toEqual({
      dateline: {text: 'মে ৮: আজ (বৃহস্পতিবার)', date: '2025-05-08', year: 'inferred'},
      warnings: [],
    })
    // 8 May was a Monday in 2023, not within a year of the reference date: no date, a warning.
    const old = parseDateline('মে ৮: আজ (সোমবার) বেইজিংয়ে…', asOf)
    expect(old.dateline).toEqual({text: 'মে ৮: আজ (সোমবার)'})
    expect(old.warnings).toEqual([expect.stringContaining('weekday')])
  })

  it("reads the wire form 'ঢাকা, ২ ফেব্রুয়ারি, ২০২৫ (বাসস) :' with its place", () => {
    expect(parseDateline('ঢাকা, ২ ফেব্রুয়ারি, ২০২৫ (বাসস) : প্রধান উপদেষ্টা…', asOf)).toEqual({
      dateline: {
        text: 'ঢাকা, ২ ফেব্রুয়ারি, ২০২৫ (বাসস) :'.normalize('NFC'),
        place: 'ঢাকা',
        date: '2025-02-02',
        year: 'explicit',
      },
      warnings: [],
    })
    expect(parseDateline('কক্সবাজার, ৩০ জুন (বাসস) : …', asOf).dateline).toMatchObject({
      place: 'কক্সবাজার',
      date: '2025-06-30',
    })
  })

  it('lets an explicit year win over the weekday, with a warning', () => {
    const result = parseDateline('সোমবার (১৫ জুলাই ২০২৫) সকালে…', asOf)
    expect(result.dateline).toMatchObject({date: '2025-07-15', year: 'explicit'})
    expect(result.warnings).toEqual([expect.stringContaining('weekday')])
  })

  it('takes the latest date not after the reference date when there is no weekday and no year', () => {
    expect(parseDateline('ঢাকা, ২০ জুলাই (বাসস) : …', asOf).dateline?.date).toBe('2025-07-20')
    expect(parseDateline('ঢাকা, ১ জুন (বাসস) : …', asOf).dateline?.date).toBe('2025-06-01')
    // 21 July 2024 is a year back: too far to trust, so no date (the article becomes a draft).
    const lastYear = parseDateline('ঢাকা, ২১ জুলাই (বাসস) : …', asOf)
    expect(lastYear.dateline?.date).toBeUndefined()
    expect(lastYear.warnings).toEqual([expect.stringContaining('364 days before')])
    expect(parseDateline('মে ৮: আজ …', ref('2025-05-20')).dateline).toMatchObject({
      text: 'মে ৮: আজ',
      date: '2025-05-08',
    })
    expect(parseDateline('ঢাকা, ২৯ ফেব্রুয়ারি (বাসস) : …', ref('2024-03-10')).dateline?.date).toBe(
      '2024-02-29',
    )
  })

  it('accepts the common spellings of months and weekdays', () => {
    const february = ref('2025-02-20')
    expect(parseDateline('রোববার (২ ফেব্রুয়ারী) …', february).dateline?.date).toBe('2025-02-02')
    expect(parseDateline('রবিবার (২ ফেব্রুয়ারি) …', february).dateline?.date).toBe('2025-02-02')
    // A written year is trusted near the reference date only (see tests/scripts/datelines).
    const august = ref('2024-08-10')
    expect(parseDateline('ঢাকা, ৫ আগস্ট, ২০২৪ (বাসস) : …', august).dateline?.date).toBe('2024-08-05')
    expect(parseDateline('ঢাকা, ৫ আগষ্ট, ২০২৪ (বাসস) : …', august).dateline?.date).toBe('2024-08-05')
    expect(parseDateline('ঢাকা, 5 আগস্ট, 2024 (বাসস) : …', august).dateline?.date).toBe('2024-08-05')
  })

  it('finds the latest 29 February on the named weekday', () => {
    const march = ref('2024-03-10')
    expect(parseDateline('বৃহস্পতিবার (২৯ ফেব্রুয়ারি) …', march).dateline?.date).toBe('2024-02-29')
    // 29 February 2016 was a Monday, but that is years back: no date rather than a silent jump.
    expect(parseDateline('সোমবার (২৯ ফেব্রুয়ারি) …', march).dateline?.date).toBeUndefined()
  })

  it('keeps a dateline that names an impossible date, without a date and with a warning', () => {
    const result = parseDateline('মঙ্গলবার (৩১ জুন) সকালে…', asOf)
    expect(result.dateline).toEqual({text: 'মঙ্গলবার (৩১ জুন) সকালে'})
    expect(result.warnings).toEqual([expect.stringContaining('does not exist')])
  })

  it('finds no dateline in ordinary sentences', () => {
    for (const text of [
      'তিনি বলেন, ২ জুন থেকে নতুন নিয়ম চালু হবে:',
      'সাক্ষাতে প্রেসিডেন্ট সি বলেন…',
      'প্রায় ২০ জন আহত হয়েছেন।',
      '(১৫ই জুলাই) সকালে',
    ]) {
      expect(parseDateline(text, asOf)).toEqual({dateline: null, warnings: []})
    }
  })
})

// Hostile whitespace: runs of blanks once made the dateline forms and the speaker separator
// backtrack (a 4 kB paragraph never finished). The forms now see a bounded window of the
// paragraph with every run of blanks collapsed, so their work does not grow with the input.
describe('hostile whitespace', () => {
  const hostile = (blanks: number) =>
    `শিরোনাম\n\nঢাকা${' '.repeat(blanks)}শহরে আগুন লাগে।\n` +
    `সূত্র: বাসস।\n\nসরকার বলছে সব ঠিক আছে${'\t '.repeat(blanks / 2)}: মন্ত্রী\n`

  it('parses a 4 kB paragraph of blanks', () => {
    const article = parse(hostile(4_000))
    expect(article.paragraphs).toEqual(['ঢাকা শহরে আগুন লাগে।'])
    expect(article.dateline).toBeNull()
  })

  it('gives the dateline forms the same bounded window for 1 kB, 10 kB and 100 kB', () => {
    const windows = [1_000, 10_000, 100_000].map((size) =>
      datelineWindow(`ঢাকা${' '.repeat(size)}, ${'\u00a0'.repeat(size)}৫ ডিসেম্বর (বাসস) :`),
    )
    for (const window of windows) {
      expect(window.length).toBeLessThanOrEqual(DATELINE_WINDOW)
      expect(window).not.toMatch(/\s\s/u)
    }
    expect(new Set(windows).size).toBe(1)
    expect(parseDateline(windows[2]!, ref('2026-12-06')).dateline).toMatchObject({
      date: '2026-12-05',
    })
  })

  it('parses 100 kB of blanks in a paragraph and a headline', () => {
    const article = parse(hostile(100_000), '2026-12-06')
    expect(article.paragraphs).toEqual(['ঢাকা শহরে আগুন লাগে।'])
    expect(article.headlines).toEqual([{text: 'সরকার বলছে সব ঠিক আছে', speaker: 'মন্ত্রী', line: 6}])
  })
})

// U+09F7 (৷, the currency numerator four) looks like the danda and is typed for it.
describe('the numerator four typed for the danda', () => {
  it('ends the credit line and the paragraphs like a danda', () => {
    const article = parse(
      'শিরোনাম\n\nঢাকা, ১২ মার্চ (বাসস) : আগুন লাগে৷ পরে নেভে৷\nসূত্র: বাসস৷\n',
      '2025-03-20',
    )
    expect(article.organisation).toBe('বাসস')
    expect(article.paragraphs).toEqual(['ঢাকা, ১২ মার্চ (বাসস) : আগুন লাগে। পরে নেভে।'])
    expect(toDocuments(article).sources.map((source) => source._id)).toEqual([
      'source-bangladesh-sangbad-sangstha',
    ])
  })

  it('ends a credit with people and an organisation', () => {
    const article = parse('শিরোনাম\n\nআজ ২৬ মার্চ সকালে…\nসূত্র: আবদুল করিম, প্রথম আলো৷\n', '2025-03-26')
    expect(article.credits).toEqual(['আবদুল করিম'])
    expect(article.organisation).toBe('প্রথম আলো')
  })
})

// Zero-width and other format characters (ZWSP, BOM, word joiner, LRM) at a line's edge are
// invisible in an editor; left there they hid the dateline and stayed in the stored title.
describe('invisible characters at the edges of lines', () => {
  const TEXT = 'শিরোনাম\n\nমঙ্গলবার (১৫ই জুলাই) সকালে বেইজিংয়ে…\nসূত্র: বাসস।\n'
  for (const [name, mark] of [
    ['zero-width space', '\u200B'],
    ['byte-order mark', '\uFEFF'],
    ['word joiner', '\u2060'],
    ['left-to-right mark', '\u200E'],
  ] as const) {
    it(`drops a ${name} before the title and the first paragraph, and after them`, () => {
      const marked = TEXT.replace('শিরোনাম', `${mark}শিরোনাম${mark}`).replace(
        'মঙ্গলবার',
        `${mark} ${mark}মঙ্গলবার`,
      )
      const article = parse(marked)
      expect(article.title).toBe('শিরোনাম')
      expect(article.dateline).toMatchObject({date: '2025-07-15'})
      expect(article.paragraphs[0]).toMatch(/^মঙ্গলবার/u)
    })
  }

  it('keeps a zero-width joiner inside a word', () => {
    const article = parse(TEXT.replace('শিরোনাম', 'র\u200D্যাব শিরোনাম'))
    expect(article.title).toBe('র\u200D্যাব শিরোনাম')
  })
})

// 'সূত্র:' also opens sentences in the body ('সূত্র: পুলিশ সদর দপ্তর জানিয়েছে, …'): only the
// last such line, the credit block at the end, is the credit line.
describe('a body paragraph opening with সূত্র:', () => {
  const TEXT = [
    'সংঘর্ষে নিহত ১০',
    '',
    'ঢাকা, ১২ মার্চ (বাসস) : জেলায় সংঘর্ষ হয়েছে।',
    'সূত্র: পুলিশ সদর দপ্তর জানিয়েছে, ১০ জন নিহত হয়েছেন।',
    'আহতদের হাসপাতালে নেওয়া হয়েছে।',
    'সূত্র: আবদুল করিম, বাসস।',
    'এমএসএম/কেআই',
    '',
    'সীমান্তে সতর্কতা জারি',
  ].join('\n')

  it('keeps it as a paragraph and reads the last one as the credit line, with a warning', () => {
    const article = parse(TEXT, '2025-03-20')
    expect(article.paragraphs).toEqual([
      'ঢাকা, ১২ মার্চ (বাসস) : জেলায় সংঘর্ষ হয়েছে।',
      'সূত্র: পুলিশ সদর দপ্তর জানিয়েছে, ১০ জন নিহত হয়েছেন।',
      'আহতদের হাসপাতালে নেওয়া হয়েছে।',
    ])
    expect(article.credits).toEqual(['আবদুল করিম'])
    expect(article.organisation).toBe('বাসস')
    expect(article.headlines.map((headline) => headline.text)).toEqual(['সীমান্তে সতর্কতা জারি'])
    expect(article.warnings).toEqual([
      {line: 4, message: expect.stringContaining('kept as a paragraph')},
    ])
  })
})

// A known agency or outlet in the credit line is an organisation, never a person.
describe('two organisations in one credit line', () => {
  const text = (credit: string) => `শিরোনাম\n\nআজ ২৬ মার্চ সকালে…\n${credit}\n`

  it('makes every known organisation a source, the last the article’s, with a warning', () => {
    const article = parse(text('সূত্র: রয়টার্স, আল জাজিরা।'), '2025-03-26')
    expect(article.credits).toEqual([])
    expect(article.organisation).toBe('আল জাজিরা')
    expect(article.otherOrganisations).toEqual(['রয়টার্স'.normalize('NFC')])
    expect(article.warnings).toEqual([
      {line: 4, message: expect.stringContaining('রয়টার্স'.normalize('NFC'))},
    ])
    const docs = toDocuments(article)
    expect(docs.sources.map((source) => source.name)).toEqual(
      ['আল জাজিরা', 'রয়টার্স'].map((name) => name.normalize('NFC')),
    )
    expect(docs.article.source).toEqual({_type: 'reference', _ref: docs.sources[0]!._id})
    expect(docs.article.credits).toBeUndefined()
  })

  it('keeps people beside a known agency: আবদুল করিম-এএফপি, বাসস', () => {
    const article = parse(text('সূত্র: আবদুল করিম-এএফপি, বাসস।'), '2025-03-26')
    expect(article.credits).toEqual(['আবদুল করিম'])
    expect(article.organisation).toBe('বাসস')
    expect(article.otherOrganisations).toEqual(['এএফপি'])
  })
})

// The credit line is the last 'সূত্র:' line of the story's own part, before the headline block;
// consecutive 'সূত্র:' lines at its end are all credit lines.
describe('the credit line is the story’s last সূত্র line, before the headlines', () => {
  it('keeps a সূত্র line in the headline block a headline', () => {
    const article = parse(
      [
        'সংঘর্ষে নিহত ১০',
        '',
        'ঢাকা, ১২ মার্চ (বাসস) : জেলায় সংঘর্ষ হয়েছে।',
        'সূত্র: রয়টার্স, আল জাজিরা।',
        '',
        'সীমান্তে সতর্কতা জারি',
        '',
        'সূত্র: পুলিশ জানিয়েছে, পরে আরও খবর।',
      ].join('\n'),
      '2025-03-20',
    )
    expect(article.paragraphs).toEqual(['ঢাকা, ১২ মার্চ (বাসস) : জেলায় সংঘর্ষ হয়েছে।'])
    expect(article.organisation).toBe('আল জাজিরা')
    expect(article.otherOrganisations).toEqual(['রয়টার্স'])
    expect(article.headlines.map((headline) => headline.text)).toEqual([
      'সীমান্তে সতর্কতা জারি',
      'সূত্র: পুলিশ জানিয়েছে, পরে আরও খবর।',
    ])
    const sources = toDocuments(article).sources.map((source) => source._id)
    expect(sources).not.toContain('source-pare-aro-khabar')
  })

  it('reads consecutive সূত্র lines at the end as credits: no source is lost', () => {
    const article = parse(
      [
        'সংঘর্ষে নিহত ১০',
        '',
        'ঢাকা, ১২ মার্চ (বাসস) : জেলায় সংঘর্ষ হয়েছে।',
        'সূত্র: রয়টার্স।',
        'সূত্র: এএফপি।',
      ].join('\n'),
      '2025-03-20',
    )
    expect(article.paragraphs).toEqual(['ঢাকা, ১২ মার্চ (বাসস) : জেলায় সংঘর্ষ হয়েছে।'])
    expect([article.organisation, ...(article.otherOrganisations ?? [])].sort()).toEqual(
      ['এএফপি', 'রয়টার্স'].sort(),
    )
    expect(toDocuments(article).sources).toHaveLength(2)
  })
})

// A credit line is split at commas, 'ও', 'এবং' and spaced dashes, never inside a known agency's
// name ('এজেন্স ফ্রান্স-প্রেস'); people are joined by hyphens; every known agency is a source.
describe('several agencies in one credit line', () => {
  const text = (credit: string) => `শিরোনাম\n\nআজ ২৬ মার্চ সকালে…\n${credit}\n`
  const sourcesOf = (credit: string) => {
    const article = parse(text(credit), '2025-03-26')
    return {
      article,
      names: toDocuments(article)
        .sources.map((source) => source.name)
        .sort(),
    }
  }
  const nfcAll = (names: string[]) => names.map((name) => name.normalize('NFC')).sort()

  it.each([
    ['সূত্র: রয়টার্স, এএফপি, আল জাজিরা।', ['রয়টার্স', 'এজেন্স ফ্রান্স-প্রেস', 'আল জাজিরা']],
    ['সূত্র: রয়টার্স - এজেন্স ফ্রান্স-প্রেস, আল জাজিরা।', ['রয়টার্স', 'এজেন্স ফ্রান্স-প্রেস', 'আল জাজিরা']],
    ['সূত্র: রয়টার্স ও এএফপি।', ['রয়টার্স', 'এজেন্স ফ্রান্স-প্রেস']],
    ['সূত্র: বিবিসি এবং সিএনএন।', ['বিবিসি', 'সিএনএন']],
  ])('%s: every agency a source, no person', (credit, sources) => {
    const {article, names} = sourcesOf(credit)
    expect(article.credits).toEqual([])
    expect(names).toEqual(nfcAll(sources))
  })

  it('still splits people at hyphens and keeps an unknown organisation with ও whole', () => {
    const {article, names} = sourcesOf('সূত্র: অনুপমা-আলিম, বাংলাদেশ শিল্প ও বণিক সমিতি।')
    expect(article.credits).toEqual(['অনুপমা', 'আলিম'])
    expect(names).toEqual(nfcAll(['বাংলাদেশ শিল্প ও বণিক সমিতি']))
  })
})

// A reporter's name printed on a line of its own, before the dateline or after a dateline that
// stands alone, is the credit: never a body paragraph, and never in the way of the dateline.
describe('a byline name on its own line', () => {
  const story = (body: string, credit = 'সূত্র: প্রথম আলো।') =>
    parse(`টেকনাফে নৌকাডুবি, নিখোঁজ ১২\n\n${body}\n${credit}\n`, '2026-12-06')
  const nfcAll = (values: string[]) => values.map((value) => value.normalize('NFC'))

  it('before the dateline: the credit, and the dateline is read', () => {
    const article = story(
      'মো. আবদুল করিম\nটেকনাফ (কক্সবাজার), ৫ ডিসেম্বর : মিয়ানমার সীমান্তে নৌকাডুবি হয়েছে।\nউদ্ধার অভিযান চলছে।',
    )
    expect(article.credits).toEqual(nfcAll(['মো. আবদুল করিম']))
    expect(article.paragraphs).toHaveLength(2)
    expect(article.paragraphs[0]).toMatch(/^টেকনাফ \(কক্সবাজার\), ৫ ডিসেম্বর :/u)
    expect(article.date).toBe('2026-12-05')
    expect(article.warnings).toEqual([])
  })

  it('with its place after a comma: the place fills a dateline that names none', () => {
    const article = story('গিয়াস উদ্দিন, টেকনাফ (কক্সবাজার)\nশনিবার সকালে (৫ ডিসেম্বর) নৌকাডুবি হয়।')
    expect(article.credits).toEqual(nfcAll(['গিয়াস উদ্দিন']))
    expect(article.dateline).toMatchObject({place: 'টেকনাফ (কক্সবাজার)'.normalize('NFC')})
    expect(article.paragraphs).toEqual(nfcAll(['শনিবার সকালে (৫ ডিসেম্বর) নৌকাডুবি হয়।']))
    expect(article.date).toBe('2026-12-05')
  })

  it('after a dateline on a line of its own', () => {
    const article = story('ঢাকা, ৫ ডিসেম্বর ২০২৬ —\nআবদুল করিম\nপ্রধান উপদেষ্টা বলেন, নির্বাচন হবে।')
    expect(article.credits).toEqual(nfcAll(['আবদুল করিম']))
    expect(article.paragraphs).toEqual(
      nfcAll(['ঢাকা, ৫ ডিসেম্বর ২০২৬ —', 'প্রধান উপদেষ্টা বলেন, নির্বাচন হবে।']),
    )
    expect(article.date).toBe('2026-12-05')
  })

  it('after a role byline (নিজস্ব প্রতিবেদক, স্টাফ রিপোর্টার): the role is the byline, the name the credit', () => {
    for (const role of ['নিজস্ব প্রতিবেদক', 'স্টাফ রিপোর্টার']) {
      const article = story(`${role}\nআবদুল করিম\nশনিবার (৫ ডিসেম্বর) সকালে নৌকাডুবি হয়।`)
      expect(article.byline).toBe(role.normalize('NFC'))
      expect(article.credits).toEqual(nfcAll(['আবদুল করিম']))
      expect(article.paragraphs).toHaveLength(1)
      expect(article.date).toBe('2026-12-05')
    }
  })

  it('comes before the credit line’s people, once', () => {
    const article = story(
      'আবদুল করিম\nশনিবার (৫ ডিসেম্বর) সকালে নৌকাডুবি হয়।',
      'সূত্র: আবদুল করিম-রহিম উদ্দিন, প্রথম আলো।',
    )
    expect(article.credits).toEqual(nfcAll(['আবদুল করিম', 'রহিম উদ্দিন']))
  })

  it('a sentence or a single word before the dateline stays a paragraph', () => {
    for (const first of ['উদ্ধার অভিযান চলছে।', 'বিজ্ঞপ্তি', 'তিনি বলেন, ভয় নেই']) {
      const article = story(`${first}\nশনিবার (৫ ডিসেম্বর) সকালে নৌকাডুবি হয়।`)
      expect(article.paragraphs[0], first).toBe(first.normalize('NFC'))
      expect(article.credits).toEqual([])
    }
  })
})
