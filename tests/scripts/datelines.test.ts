// Every dateline form a Bangladeshi desk writes, each with the date it must give or the draft and
// warning it must cause, and the year rule: the latest matching date within a year, never more
// than 60 days back, never a silent jump to another year.
import {describe, expect, it} from 'vitest'
import {parseArticle, parseDateline} from '../../scripts/lib/parseArticle.ts'
import {parseIsoDate} from '../../scripts/lib/dates.ts'
import {toDocuments} from '../../scripts/lib/toDocuments.ts'

const ref = (date: string) => parseIsoDate(date)!

/** `paragraph`, read as of `asOf`, gives a dateline like `expected` and no warning. */
function expectDateline(paragraph: string, asOf: string, expected: Record<string, unknown>) {
  const result = parseDateline(paragraph, ref(asOf))
  expect(result.dateline).toMatchObject(expected)
  expect(result.warnings).toEqual([])
  return result.dateline
}

/** `paragraph`, read as of `asOf`, gives a dateline without a date and the one warning `warning` is in. */
function expectDraftDateline(paragraph: string, asOf: string, warning: string) {
  const result = parseDateline(paragraph, ref(asOf))
  expect(result.dateline).not.toBeNull()
  expect(result.dateline!.date).toBeUndefined()
  expect(result.warnings).toEqual([expect.stringContaining(warning)])
}

// [paragraph opening, reference date, expected article date, expected dateline text]
const DATED: [string, string, string, string][] = [
  // weekday forms
  ['মঙ্গলবার (১৫ই জুলাই) সকালে বেইজিংয়ে…', '2025-07-20', '2025-07-15', 'মঙ্গলবার (১৫ই জুলাই) সকালে'],
  ['গত মঙ্গলবার (১৫ জুলাই) রাজধানীতে…', '2025-07-20', '2025-07-15', 'গত মঙ্গলবার (১৫ জুলাই)'],
  ['শনিবার (২০ সেপ্টেম্বর) দুপুরে…', '2025-09-25', '2025-09-20', 'শনিবার (২০ সেপ্টেম্বর) দুপুরে'],
  ['রবিবার (২১-এ সেপ্টেম্বর) বিকেলে…', '2025-09-25', '2025-09-21', 'রবিবার (২১-এ সেপ্টেম্বর) বিকেলে'],
  ['রবিবার (২১শে সেপ্টেম্বর) বিকেলে…', '2025-09-25', '2025-09-21', 'রবিবার (২১শে সেপ্টেম্বর) বিকেলে'],
  // print convention: গতকাল is the day before the paper, আজ the paper's day
  [
    'গতকাল রবিবার (১৪ সেপ্টেম্বর) সচিবালয়ে…',
    '2025-09-20',
    '2025-09-15',
    'গতকাল রবিবার (১৪ সেপ্টেম্বর)',
  ],
  ['আজ বুধবার (২৬ মার্চ) সকালে…', '2025-03-30', '2025-03-26', 'আজ বুধবার (২৬ মার্চ) সকালে'],
  ['আগামীকাল শুক্রবার (২৮ মার্চ) থেকে…', '2025-03-30', '2025-03-27', 'আগামীকাল শুক্রবার (২৮ মার্চ)'],
  // the weekday after the date
  ['আজ ২৬ মার্চ বুধবার জাতীয় স্মৃতিসৌধে…', '2025-03-30', '2025-03-26', 'আজ ২৬ মার্চ বুধবার'],
  ['সিলেট, ১৯ জুন, বৃহস্পতিবার : নগরীর…', '2025-06-25', '2025-06-19', 'সিলেট, ১৯ জুন, বৃহস্পতিবার :'],
  ['১৯ জুন (বৃহস্পতিবার) সন্ধ্যায়…', '2025-06-25', '2025-06-19', '১৯ জুন (বৃহস্পতিবার) সন্ধ্যায়'],
  ['আজ ২৬ মার্চ, মহান স্বাধীনতা দিবস…', '2025-03-26', '2025-03-26', 'আজ ২৬ মার্চ'],
  // wire variants
  [
    'ঢাকা, ১২ মার্চ, ২০২৫ (বাসস) : প্রধান উপদেষ্টা…',
    '2025-03-20',
    '2025-03-12',
    'ঢাকা, ১২ মার্চ, ২০২৫ (বাসস) :',
  ],
  ['ঢাকা, ১২ মার্চ, (বাসস) : প্রধান উপদেষ্টা…', '2025-03-20', '2025-03-12', 'ঢাকা, ১২ মার্চ, (বাসস) :'],
  ['ঢাকা ১২ মার্চ (বাসস) : প্রধান উপদেষ্টা…', '2025-03-20', '2025-03-12', 'ঢাকা ১২ মার্চ (বাসস) :'],
  ['ঢাকা, ১২ মার্চ (বাসস)। প্রধান উপদেষ্টা…', '2025-03-20', '2025-03-12', 'ঢাকা, ১২ মার্চ (বাসস)।'],
  [
    'ঢাকা, ১২ মার্চ (ইউএনবি) — প্রধান উপদেষ্টা…',
    '2025-03-20',
    '2025-03-12',
    'ঢাকা, ১২ মার্চ (ইউএনবি) —',
  ],
  ['কক্সবাজার, ৩০ জুন (বাসস) : …', '2025-07-02', '2025-06-30', 'কক্সবাজার, ৩০ জুন (বাসস) :'],
  ['মে ৮: আজ (বৃহস্পতিবার) বেইজিংয়ে…', '2025-05-20', '2025-05-08', 'মে ৮: আজ (বৃহস্পতিবার)'],
  // month misspellings and abbreviations
  ['শনিবার (২০ সেপ্টেম্বার) সকালে…', '2025-09-25', '2025-09-20', 'শনিবার (২০ সেপ্টেম্বার) সকালে'],
  ['শনিবার (২০ সেপ্টেমবর) সকালে…', '2025-09-25', '2025-09-20', 'শনিবার (২০ সেপ্টেমবর) সকালে'],
  ['ঢাকা, ২০ সেপ্টে. (বাসস) : …', '2025-09-25', '2025-09-20', 'ঢাকা, ২০ সেপ্টে. (বাসস) :'],
  ['বুধবার (১৩ আগষ্ট) সকালে…', '2025-08-20', '2025-08-13', 'বুধবার (১৩ আগষ্ট) সকালে'],
  ['রোববার (২ ফেব্রুয়ারী) …', '2025-02-20', '2025-02-02', 'রোববার (২ ফেব্রুয়ারী)'],
  ['বৃহস্পতিবার (৪ ডিসেম্বার) …', '2025-12-10', '2025-12-04', 'বৃহস্পতিবার (৪ ডিসেম্বার)'],
  // a Bangla-calendar date, converted back
  ['সোমবার (১ বৈশাখ) সকালে রমনার বটমূলে…', '2025-04-20', '2025-04-14', 'সোমবার (১ বৈশাখ) সকালে'],
  ['মঙ্গলবার (১ পৌষ ১৪৩২) …', '2025-12-20', '2025-12-16', 'মঙ্গলবার (১ পৌষ ১৪৩২)'],
  ['ঢাকা, ৮ ফাল্গুন (বাসস) : …', '2025-02-25', '2025-02-21', 'ঢাকা, ৮ ফাল্গুন (বাসস) :'],
  // a colon with no space after it, a colon and a dash, a misspelt weekday
  ['ঢাকা, ৫ ডিসেম্বর (বাসস):প্রধান উপদেষ্টা…', '2026-12-06', '2026-12-05', 'ঢাকা, ৫ ডিসেম্বর (বাসস):'],
  [
    'ঢাকা, ৫ ডিসেম্বর (বাসস) :— প্রধান উপদেষ্টা…',
    '2026-12-06',
    '2026-12-05',
    'ঢাকা, ৫ ডিসেম্বর (বাসস) :—',
  ],
  ['বৃহষ্পতিবার (৩ ডিসেম্বর) সকালে…', '2026-12-06', '2026-12-03', 'বৃহষ্পতিবার (৩ ডিসেম্বর) সকালে'],
  // Bengali or ASCII digits, an explicit year
  ['ঢাকা, 5 আগস্ট, 2024 (বাসস) : …', '2024-08-10', '2024-08-05', 'ঢাকা, 5 আগস্ট, 2024 (বাসস) :'],
  // a wire's dash typed straight onto the text, as UNB's desk does
  [
    'ঢাকা, ৫ ডিসেম্বর (ইউএনবি)—প্রধান উপদেষ্টা…',
    '2026-12-06',
    '2026-12-05',
    'ঢাকা, ৫ ডিসেম্বর (ইউএনবি)—',
  ],
  [
    'ঢাকা, ৫ ডিসেম্বর (বাসস) –প্রধান উপদেষ্টা…',
    '2026-12-06',
    '2026-12-05',
    'ঢাকা, ৫ ডিসেম্বর (বাসস) –',
  ],
  // the day as an ordinal word past the fourth: the calendar's own (পাঁচই … একত্রিশে) and
  // the adjective (পঞ্চম)
  ['শনিবার (পাঁচই ডিসেম্বর) সকালে…', '2026-12-06', '2026-12-05', 'শনিবার (পাঁচই ডিসেম্বর) সকালে'],
  ['শনিবার (পঞ্চম ডিসেম্বর) সকালে…', '2026-12-06', '2026-12-05', 'শনিবার (পঞ্চম ডিসেম্বর) সকালে'],
  ['বুধবার (ষোলোই ডিসেম্বর) সকালে…', '2026-12-20', '2026-12-16', 'বুধবার (ষোলোই ডিসেম্বর) সকালে'],
  ['শনিবার (একুশে ফেব্রুয়ারি) প্রভাতফেরিতে…', '2026-02-25', '2026-02-21', 'শনিবার (একুশে ফেব্রুয়ারি)'],
  [
    'ঢাকা, একত্রিশে ডিসেম্বর (বাসস) : …',
    '2027-01-01',
    '2026-12-31',
    'ঢাকা, একত্রিশে ডিসেম্বর (বাসস) :',
  ],
  // the month first, as a desk translating an English wire types it
  [
    'ঢাকা, ডিসেম্বর ৫ (ইউএনবি) : প্রধান উপদেষ্টা…',
    '2026-12-06',
    '2026-12-05',
    'ঢাকা, ডিসেম্বর ৫ (ইউএনবি) :',
  ],
  [
    'ওয়াশিংটন, ডিসেম্বর ৪, ২০২৬ (এএফপি) — মার্কিন প্রেসিডেন্ট…',
    '2026-12-06',
    '2026-12-04',
    'ওয়াশিংটন, ডিসেম্বর ৪, ২০২৬ (এএফপি) —',
  ],
  // বিকাল, as some desks spell বিকেল
  [
    'শনিবার (৫ ডিসেম্বর) বিকাল সাড়ে ৪টার দিকে…',
    '2026-12-06',
    '2026-12-05',
    'শনিবার (৫ ডিসেম্বর) বিকাল সাড়ে ৪টার দিকে',
  ],
]

describe('dateline forms that give a date', () => {
  it.each(DATED)('%s (as of %s) → %s', (paragraph, asOf, date, text) => {
    expectDateline(paragraph, asOf, {text: text.normalize('NFC'), date})
  })
})

// [paragraph opening, reference date, a phrase the warning must contain]
const DRAFTS: [string, string, string][] = [
  // the findings: the weekday does not fit the most recent date; the old rule jumped years back
  ['সোমবার (৩ আগস্ট) সকালে…', '2025-10-10', 'weekday'], // was 2020-08-03
  ['মঙ্গলবার (১৬ই ডিসেম্বর) বিকেলে…', '2025-10-10', 'weekday'], // was 2014-12-16
  ['বুধবার (২২ অক্টোবর) রাতে…', '2025-10-10', 'weekday'], // was 2014
  // a match, but too far back to trust
  ['মঙ্গলবার (১৫ই জুলাই) সকালে…', '2025-10-10', '87 days before the reference date 2025-10-10'],
  ['ঢাকা, ২১ জুলাই (বাসস) : …', '2025-07-20', '364 days before'],
  // a day that does not exist
  ['মঙ্গলবার (৩১ জুন) সকালে…', '2025-07-20', 'does not exist'],
  ['ঢাকা, ৩২ বৈশাখ (বাসস) : …', '2025-07-20', 'does not exist'],
  // a written year no news is from
  ['ঢাকা, ৪ ডিসেম্বর, ১২০০ (বাসস) : …', '2026-12-06', 'the year ১২০০, which is not a year'],
]

describe('dateline forms that make a draft with a warning', () => {
  it.each(DRAFTS)('%s (as of %s)', (paragraph, asOf, warning) => {
    expectDraftDateline(paragraph, asOf, warning)
  })

  it('names the line of the dateline in the article warning, and imports a draft', () => {
    const text = 'শিরোনাম\n\nনিজস্ব প্রতিবেদক\nসোমবার (৩ আগস্ট) সকালে রাজধানীতে…\nসূত্র: প্রথম আলো।\n'
    const article = parseArticle(text, {file: 'late.txt', asOf: '2025-10-10'})
    expect(article.date).toBeUndefined()
    expect(article.warnings).toContainEqual({line: 4, message: expect.stringContaining('weekday')})
    expect(article.warnings).toContainEqual({
      line: 4,
      message: expect.stringContaining('imported as a draft'),
    })
  })
})

describe('the year rule', () => {
  it('never gives a date more than 60 days back or after the reference date', () => {
    const weekdays = ['রবিবার', 'সোমবার', 'মঙ্গলবার', 'বুধবার', 'বৃহস্পতিবার', 'শুক্রবার', 'শনিবার']
    const months = ['জানুয়ারি', 'ফেব্রুয়ারি', 'মার্চ', 'এপ্রিল', 'মে', 'জুন', 'জুলাই', 'আগস্ট']
    const digits = (n: number) => String(n).replace(/\d/g, (d) => '০১২৩৪৫৬৭৮৯'[Number(d)]!)
    const reference = ref('2025-03-15')
    for (const [m, month] of months.entries()) {
      for (let day = 1; day <= 31; day += 3) {
        for (const weekday of weekdays) {
          const result = parseDateline(`${weekday} (${digits(day)} ${month}) সকালে`, reference)
          const date = result.dateline?.date
          if (date === undefined) {
            expect(result.warnings, `${weekday} ${day} ${m + 1}`).toHaveLength(1)
            continue
          }
          const back = (Date.parse('2025-03-15') - Date.parse(date)) / 86_400_000
          expect(back, date).toBeGreaterThanOrEqual(0)
          expect(back, date).toBeLessThanOrEqual(60)
          expect(new Date(date).getUTCDay()).toBe(weekdays.indexOf(weekday))
        }
      }
    }
  })
})

// A number after the month is a year only when it reads as one: four digits, a plausible year,
// and followed by what closes a date (a comma, a bracket, the end, a year word, a weekday or a
// time of day) — not a count ('১২০০ শ্রমিককে') or a clock time ('১০টায়').
describe('a number after the month that is not a year', () => {
  const DEC: [string, string, string][] = [
    ['গতকাল ৫ ডিসেম্বর ১২০০ শ্রমিককে ছাঁটাই করেছে কর্তৃপক্ষ।', '2026-12-06', 'গতকাল ৫ ডিসেম্বর'],
    ['গতকাল ৫ ডিসেম্বর ২০০০ শ্রমিককে ছাঁটাই করেছে কর্তৃপক্ষ।', '2026-12-06', 'গতকাল ৫ ডিসেম্বর'],
    ['আজ ৬ ডিসেম্বর ১০টায় সচিবালয়ে…', '2026-12-06', 'আজ ৬ ডিসেম্বর'],
    ['গতকাল ৪ ডিসেম্বর ১১টার দিকে আগুন লাগে।', '2026-12-05', 'গতকাল ৪ ডিসেম্বর'],
    ['শুক্রবার ৪ ডিসেম্বর ১২টার দিকে আগুন লাগে।', '2026-12-04', 'শুক্রবার ৪ ডিসেম্বর'],
    ['আজ ৬ ডিসেম্বর ২০ জন আহত হয়েছেন।', '2026-12-06', 'আজ ৬ ডিসেম্বর'],
    ['আজ ৬ ডিসেম্বর ২০০০ বার সাইরেন বাজে।', '2026-12-06', 'আজ ৬ ডিসেম্বর'],
  ]
  it.each(DEC)('%s (as of 2026-12-06) → %s', (paragraph, date, text) => {
    expectDateline(paragraph, '2026-12-06', {text: text.normalize('NFC'), date, year: 'inferred'})
  })

  // [paragraph, the written year's date]
  const YEARS: [string, string][] = [
    ['আজ ৬ ডিসেম্বর ২০২৬ সকালে…', '2026-12-06'],
    ['গতকাল শুক্রবার (৪ ডিসেম্বর ২০২৬) রাতে…', '2026-12-05'],
    ['ঢাকা, ৪ ডিসেম্বর ২০২৬ (বাসস) : …', '2026-12-04'],
    ['আজ ৬ ডিসেম্বর ২০২৬ সালে…', '2026-12-06'],
    ['আজ ৬ ডিসেম্বর, ২০২৬, রাজধানীতে…', '2026-12-06'],
  ]
  it.each(YEARS)('a written year still wins: %s → %s', (paragraph, date) => {
    expectDateline(paragraph, '2026-12-06', {date, year: 'explicit'})
  })
})

// A range, a word ending in -বার that is no weekday, or a bracketed gloss after the number make
// it a count; and a written year is trusted only near the reference date: a dateline is the
// story's day, so a year far from it, or any date after it, is a draft with a warning that names
// the date read — never a silent publish in another year.
describe('a written year far from the reference date', () => {
  const article = (paragraph: string, asOf: string) => {
    const parsed = parseArticle(`শিরোনাম\n\n${paragraph}\nসূত্র: প্রথম আলো।\n`, {
      file: 'story.txt',
      asOf,
    })
    return {parsed, docs: toDocuments(parsed)}
  }

  const COUNTS: [string, string][] = [
    ['আজ ৬ ডিসেম্বর ২০০০-৩০০০ মানুষ জড়ো হন।', 'আজ ৬ ডিসেম্বর'],
    ['আজ ৬ ডিসেম্বর ২০০০ - ৩০০০ মানুষ জড়ো হন।', 'আজ ৬ ডিসেম্বর'],
    ['আজ ৬ ডিসেম্বর ২০০০–৩০০০ মানুষ জড়ো হন।', 'আজ ৬ ডিসেম্বর'],
    ['আজ ৬ ডিসেম্বর ২০০০ কয়েকবার সাইরেন বাজে।', 'আজ ৬ ডিসেম্বর'],
    ['আজ ৬ ডিসেম্বর ২০০০ (দুই হাজার) মানুষ জড়ো হন।', 'আজ ৬ ডিসেম্বর'],
  ]
  it.each(COUNTS)('%s is a count, not a year', (paragraph, text) => {
    const {parsed, docs} = article(paragraph, '2026-12-06')
    expect(parsed.dateline).toMatchObject({text: text.normalize('NFC'), year: 'inferred'})
    expect(parsed.date).toBe('2026-12-06')
    expect(parsed.warnings).toEqual([])
    expect(docs.draft).toBe(false)
  })

  // [paragraph, reference date, the date the warning must name]
  const FAR: [string, string, string][] = [
    ['গতকাল ৫ ডিসেম্বর ২০৩০ সালের লক্ষ্য ঘোষণা করা হয়।', '2026-12-06', '2030-12-06'],
    ['ঢাকা, ২ জানুয়ারি ২০২৭ (বাসস) : প্রধান উপদেষ্টা…', '2026-12-31', '2027-01-02'],
    ['ঢাকা, ৭ ডিসেম্বর ২০২৬ (বাসস) : প্রধান উপদেষ্টা…', '2026-12-06', '2026-12-07'],
    ['ঢাকা, ৬ ডিসেম্বর ২০০০ (বাসস) : প্রধান উপদেষ্টা…', '2026-12-06', '2000-12-06'],
    ['আজ ৬ ডিসেম্বর ২০২৫ সকালে…', '2026-12-06', '2025-12-06'],
    ['ঢাকা, ২৮ ডিসেম্বর ২০২৬ (বাসস) : প্রধান উপদেষ্টা…', '2027-01-02', '2026-12-28'],
  ]
  it.each(FAR)('%s (as of %s) is a draft naming %s', (paragraph, asOf, date) => {
    const {parsed, docs} = article(paragraph, asOf)
    expect(parsed.date).toBeUndefined()
    expect(docs.draft).toBe(true)
    expect(docs.article._id.startsWith('drafts.')).toBe(true)
    expect(parsed.warnings).toContainEqual({line: 3, message: expect.stringContaining(date)})
    expect(parsed.warnings).toContainEqual({
      line: 3,
      message: expect.stringContaining('imported as a draft'),
    })
  })

  // Across the turn of the year a written year one day either side is the story's day.
  const NEAR: [string, string, string][] = [
    ['ঢাকা, ৩১ ডিসেম্বর ২০২৬ (বাসস) : প্রধান উপদেষ্টা…', '2027-01-01', '2026-12-31'],
    ['গতকাল ৩১ ডিসেম্বর ২০২৬ সন্ধ্যায়…', '2027-01-01', '2027-01-01'],
    ['ঢাকা, ১২ মার্চ, ২০২৬ (বাসস) : প্রধান উপদেষ্টা…', '2026-12-06', '2026-03-12'],
  ]
  it.each(NEAR)('%s (as of %s) is published on %s', (paragraph, asOf, date) => {
    const {parsed, docs} = article(paragraph, asOf)
    expect(parsed.date).toBe(date)
    expect(parsed.dateline?.year).toBe('explicit')
    expect(parsed.warnings).toEqual([])
    expect(docs.draft).toBe(false)
  })
})

// Invisible format characters inside a dateline (a zero-width space after the comma, an LRM or a
// word joiner pasted from the web) are read past; ZWJ/ZWNJ are letters' business and stay.
describe('invisible characters inside the dateline', () => {
  // Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) come with
  // text pasted from right-to-left pages.
  it.each(['200B', 'FEFF', '200E', '200F', '2060', '202A', '202B', '202C', '202E', '2066', '2069'])(
    'U+%s',
    (code) => {
      const mark = String.fromCodePoint(parseInt(code, 16))
      expectDateline(`ঢাকা,${mark} ১২ মার্চ${mark} (বাসস) : প্রধান উপদেষ্টা…`, '2025-03-20', {
        place: 'ঢাকা',
        date: '2025-03-12',
      })
    },
  )
})

// Forms Bangladeshi desks write that earlier imports left undated or misread (as of Sunday
// 6 December 2026; 5 December 2026 is a Saturday and ২০ অগ্রহায়ণ ১৪৩৩ in the revised calendar).
describe('more dateline forms desks write', () => {
  // [paragraph opening, expected article date, expected dateline text, expected place]
  const FORMS: [string, string, string, string | undefined][] = [
    // a bracketed date alone, after a place or opening the paragraph
    [
      'ঢাকা, (৪ ডিসেম্বর ২০২৬ খ্রিস্টাব্দ) — প্রধান উপদেষ্টা বলেন…',
      '2026-12-04',
      'ঢাকা, (৪ ডিসেম্বর ২০২৬ খ্রিস্টাব্দ) —',
      'ঢাকা',
    ],
    [
      'ঢাকা, (৪ ডিসেম্বর ২০২৬) — প্রধান উপদেষ্টা বলেন…',
      '2026-12-04',
      'ঢাকা, (৪ ডিসেম্বর ২০২৬) —',
      'ঢাকা',
    ],
    ['(৪ ডিসেম্বর ২০২৬) রাজধানীর মিরপুরে…', '2026-12-04', '(৪ ডিসেম্বর ২০২৬)', undefined],
    ['(৪ ডিসেম্বর) — রাজধানীর মিরপুরে…', '2026-12-04', '(৪ ডিসেম্বর) —', undefined],
    // the Bangla calendar alone, and with the Gregorian date in either order
    ['ঢাকা, ২০ অগ্রহায়ণ ১৪৩৩ — প্রধান উপদেষ্টা…', '2026-12-05', 'ঢাকা, ২০ অগ্রহায়ণ ১৪৩৩ —', 'ঢাকা'],
    [
      'ঢাকা, ৫ ডিসেম্বর ২০২৬ / ২০ অগ্রহায়ণ ১৪৩৩ — প্রধান উপদেষ্টা…',
      '2026-12-05',
      'ঢাকা, ৫ ডিসেম্বর ২০২৬ / ২০ অগ্রহায়ণ ১৪৩৩ —',
      'ঢাকা',
    ],
    [
      'ঢাকা, ২০ অগ্রহায়ণ ১৪৩৩ / ৫ ডিসেম্বর ২০২৬ — প্রধান উপদেষ্টা…',
      '2026-12-05',
      'ঢাকা, ২০ অগ্রহায়ণ ১৪৩৩ / ৫ ডিসেম্বর ২০২৬ —',
      'ঢাকা',
    ],
    [
      'শনিবার (৫ ডিসেম্বর ২০২৬ / ২০ অগ্রহায়ণ ১৪৩৩) সকালে…',
      '2026-12-05',
      'শনিবার (৫ ডিসেম্বর ২০২৬ / ২০ অগ্রহায়ণ ১৪৩৩) সকালে',
      undefined,
    ],
    [
      'ঢাকা, ৫ ডিসেম্বর ২০২৬, ২০ অগ্রহায়ণ ১৪৩৩ বঙ্গাব্দ (বাসস) : প্রধান উপদেষ্টা…',
      '2026-12-05',
      'ঢাকা, ৫ ডিসেম্বর ২০২৬, ২০ অগ্রহায়ণ ১৪৩৩ বঙ্গাব্দ (বাসস) :',
      'ঢাকা',
    ],
    [
      'শনিবার (২০ অগ্রহায়ণ ১৪৩৩, ৫ ডিসেম্বর ২০২৬) সকালে…',
      '2026-12-05',
      'শনিবার (২০ অগ্রহায়ণ ১৪৩৩, ৫ ডিসেম্বর ২০২৬) সকালে',
      undefined,
    ],
    [
      'শনিবার (৫ ডিসেম্বর ২০২৬ | ২০ অগ্রহায়ণ ১৪৩৩) সকালে…',
      '2026-12-05',
      'শনিবার (৫ ডিসেম্বর ২০২৬ | ২০ অগ্রহায়ণ ১৪৩৩) সকালে',
      undefined,
    ],
    // a place with its district in brackets, a colon or a dash
    [
      'টেকনাফ (কক্সবাজার), ৫ ডিসেম্বর : মিয়ানমার সীমান্তে…',
      '2026-12-05',
      'টেকনাফ (কক্সবাজার), ৫ ডিসেম্বর :',
      'টেকনাফ (কক্সবাজার)',
    ],
    [
      'টেকনাফ (কক্সবাজার), ৫ ডিসেম্বর — মিয়ানমার সীমান্তে…',
      '2026-12-05',
      'টেকনাফ (কক্সবাজার), ৫ ডিসেম্বর —',
      'টেকনাফ (কক্সবাজার)',
    ],
    [
      'বেনাপোল (যশোর), ৫ ডিসেম্বর (বাসস) : বেনাপোল স্থলবন্দর…',
      '2026-12-05',
      'বেনাপোল (যশোর), ৫ ডিসেম্বর (বাসস) :',
      'বেনাপোল (যশোর)',
    ],
    // a weekday, a time of day, then the bracketed date: opening the lede or inside its first sentence
    ['শনিবার সকালে (৫ ডিসেম্বর) টেকনাফে…', '2026-12-05', 'শনিবার সকালে (৫ ডিসেম্বর)', undefined],
    [
      'কক্সবাজারের টেকনাফে শনিবার সকালে (৫ ডিসেম্বর) নৌকাডুবিতে ১২ জন নিখোঁজ হয়েছেন।',
      '2026-12-05',
      'শনিবার সকালে (৫ ডিসেম্বর)',
      undefined,
    ],
    [
      'রাজধানীর মিরপুরে শনিবার (৫ ডিসেম্বর) রাতে একটি পোশাক কারখানায় আগুন লাগে।',
      '2026-12-05',
      'শনিবার (৫ ডিসেম্বর) রাতে',
      undefined,
    ],
    [
      'রাজধানীর মিরপুরে গতকাল শনিবার রাতে (৫ ডিসেম্বর) আগুন লাগে।',
      '2026-12-06',
      'গতকাল শনিবার রাতে (৫ ডিসেম্বর)',
      undefined,
    ],
    [
      'শুক্রবার দিবাগত রাতে (৪ ডিসেম্বর) টেকনাফ সীমান্তে…',
      '2026-12-04',
      'শুক্রবার দিবাগত রাতে (৪ ডিসেম্বর)',
      undefined,
    ],
    // past the list: era words written short or joined, a year before 'তারিখে'
    [
      'ঢাকা, ০৫ ডিসেম্বর ২০২৬ খ্রিঃ — প্রধান উপদেষ্টা…',
      '2026-12-05',
      'ঢাকা, ০৫ ডিসেম্বর ২০২৬ খ্রিঃ —',
      'ঢাকা',
    ],
    ['ঢাকা, ৫ ডিসেম্বর ২০২৬ইং — প্রধান উপদেষ্টা…', '2026-12-05', 'ঢাকা, ৫ ডিসেম্বর ২০২৬ইং —', 'ঢাকা'],
    ['ঢাকা, 5 ডিসে. 2026 ইং — প্রধান উপদেষ্টা…', '2026-12-05', 'ঢাকা, 5 ডিসে. 2026 ইং —', 'ঢাকা'],
  ]
  it.each(FORMS)('%s → %s', (paragraph, date, text, place) => {
    const dateline = expectDateline(paragraph, '2026-12-06', {text: text.normalize('NFC'), date})
    expect(dateline?.place).toBe(place?.normalize('NFC'))
  })

  it('reads the year written before an era word and a noun, not the latest matching date', () => {
    // '২০২৫ ইং তারিখে' names 2025: the story is a year old, so a draft with a warning.
    const result = parseDateline('গত ৫ ডিসেম্বর ২০২৫ ইং তারিখে রাজধানীতে…', ref('2026-12-06'))
    expect(result.dateline?.date).toBeUndefined()
    expect(result.warnings).toEqual([expect.stringContaining('2025-12-05')])
    const dated = parseDateline('গত ৫ ডিসেম্বর ২০২৬ তারিখে রাজধানীতে…', ref('2026-12-06'))
    expect(dated.dateline).toMatchObject({date: '2026-12-05', year: 'explicit'})
  })

  it('makes a draft naming both dates when the Gregorian and the Bangla date disagree', () => {
    for (const paragraph of [
      'ঢাকা, ৫ ডিসেম্বর ২০২৬ / ২১ অগ্রহায়ণ ১৪৩৩ — প্রধান উপদেষ্টা…',
      'ঢাকা, ২১ অগ্রহায়ণ ১৪৩৩ / ৫ ডিসেম্বর ২০২৬ — প্রধান উপদেষ্টা…',
    ]) {
      const result = parseDateline(paragraph, ref('2026-12-06'))
      expect(result.dateline).not.toBeNull()
      expect(result.dateline!.date).toBeUndefined()
      expect(result.warnings).toEqual([
        expect.stringMatching(
          /৫ ডিসেম্বর ২০২৬.*2026-12-05.*২১ অগ্রহায়ণ ১৪৩৩.*2026-12-06|২১ অগ্রহায়ণ ১৪৩৩.*2026-12-06.*৫ ডিসেম্বর ২০২৬.*2026-12-05/u,
        ),
      ])
    }
  })

  it('reads no date in a later sentence of the lede, nor a bracketed date without a weekday', () => {
    for (const paragraph of [
      'রাজধানীতে আগুন লাগে। শনিবার (৫ ডিসেম্বর) তদন্ত কমিটি গঠন করা হয়।',
      'সরকার এক প্রজ্ঞাপনে (৫ ডিসেম্বর) নতুন নিয়ম জারি করেছে।',
      'তিনি বলেন, শনিবার সকালে বৈঠক হবে।',
    ]) {
      expect(parseDateline(paragraph, ref('2026-12-06')).dateline, paragraph).toBeNull()
    }
  })
})

// Numeric dates as desks type them: day/month/year, as Bangladesh writes it, with a slash, dash or
// dot, Bengali or ASCII digits, four- or two-digit years. Day and month are never swapped: a month
// over 12, or a weekday that does not fit, makes a draft with a warning naming the dateline.
describe('numeric dates', () => {
  const NUMERIC: [string, string, string][] = [
    ['ঢাকা, ৫/১২/২০২৬ (বাসস) : প্রধান উপদেষ্টা…', '2026-12-05', 'ঢাকা, ৫/১২/২০২৬ (বাসস) :'],
    ['ঢাকা, ০৫-১২-২০২৬ : প্রধান উপদেষ্টা…', '2026-12-05', 'ঢাকা, ০৫-১২-২০২৬ :'],
    ['ঢাকা, ৫.১২.২০২৬ — প্রধান উপদেষ্টা…', '2026-12-05', 'ঢাকা, ৫.১২.২০২৬ —'],
    ['ঢাকা, 05/12/2026 (বাসস) : প্রধান উপদেষ্টা…', '2026-12-05', 'ঢাকা, 05/12/2026 (বাসস) :'],
    ['ঢাকা, ৫/১২/২৬ : প্রধান উপদেষ্টা…', '2026-12-05', 'ঢাকা, ৫/১২/২৬ :'],
    ['ঢাকা, ৫/১২/2026 : প্রধান উপদেষ্টা…', '2026-12-05', 'ঢাকা, ৫/১২/2026 :'],
    ['ঢাকা, ০৫/১২/২০২৬ইং : প্রধান উপদেষ্টা…', '2026-12-05', 'ঢাকা, ০৫/১২/২০২৬ইং :'],
    ['শনিবার (৫/১২/২০২৬) সকালে রাজধানীতে…', '2026-12-05', 'শনিবার (৫/১২/২০২৬) সকালে'],
    ['গতকাল শুক্রবার (৪-১২-২০২৬) রাতে…', '2026-12-05', 'গতকাল শুক্রবার (৪-১২-২০২৬) রাতে'],
    ['রাজধানীর মিরপুরে শনিবার (৫/১২/২৬) রাতে আগুন লাগে।', '2026-12-05', 'শনিবার (৫/১২/২৬) রাতে'],
    ['(০৫/১২/২০২৬) রাজধানীর মিরপুরে…', '2026-12-05', '(০৫/১২/২০২৬)'],
  ]
  it.each(NUMERIC)('%s → %s', (paragraph, date, text) => {
    expectDateline(paragraph, '2026-12-06', {text: text.normalize('NFC'), date, year: 'explicit'})
  })

  // [paragraph, a phrase the warning must contain]
  const NEVER_SWAPPED: [string, string][] = [
    ['ঢাকা, ১২/৩১/২০২৬ : প্রধান উপদেষ্টা…', 'day/month/year'],
    ['ঢাকা, 12/31/2026 (বাসস) : প্রধান উপদেষ্টা…', 'no month 31'],
    ['ঢাকা, ৩১/১১/২০২৬ : প্রধান উপদেষ্টা…', 'does not exist'],
    ['ঢাকা, ২৯/০২/২০২৬ : প্রধান উপদেষ্টা…', 'does not exist'],
    ['ঢাকা, ০/১২/২০২৬ : প্রধান উপদেষ্টা…', 'does not exist'],
    // 5 December 2026 is a Saturday; 12 May 2026, the month/day/year reading, a Tuesday
    ['মঙ্গলবার (০৫/১২/২০২৬) সকালে…', 'would be 2026-05-12'],
  ]
  it.each(NEVER_SWAPPED)('%s is a draft, never another date', (paragraph, warning) => {
    expectDraftDateline(paragraph, '2026-12-06', warning)
  })

  it('names the line of an impossible numeric date and imports a draft', () => {
    const text = 'শিরোনাম\n\nনিজস্ব প্রতিবেদক\nঢাকা, ১২/৩১/২০২৬ : রাজধানীতে…\nসূত্র: প্রথম আলো।\n'
    const article = parseArticle(text, {file: 'us.txt', asOf: '2026-12-06'})
    expect(article.date).toBeUndefined()
    expect(article.dateline?.text).toBe('ঢাকা, ১২/৩১/২০২৬ :'.normalize('NFC'))
    expect(article.warnings).toContainEqual({line: 4, message: expect.stringContaining('31')})
  })

  it('reads no date in numbers that are not one (a score, a ratio, a phone number)', () => {
    for (const paragraph of [
      'ঢাকা, ৩/২ গোলে জিতেছে আবাহনী।',
      'ঢাকা, ০১৭১১-১২৩৪৫৬ নম্বরে ফোন করুন।',
    ]) {
      expect(parseDateline(paragraph, ref('2026-12-06')).dateline).toBeNull()
    }
  })
})

// A clock time after the time of day ('রাত ১০টার দিকে', 'বিকেল সাড়ে ৪টায়'), the night after a day
// written 'দিনগত' or 'গভীর রাতে', and a day written as an ordinal word ('পহেলা বৈশাখ').
describe('clock times and ordinal words in the dateline', () => {
  // [paragraph opening, reference date, expected article date, expected dateline text]
  const TIMED: [string, string, string, string][] = [
    [
      'শনিবার রাত ১০টার দিকে (৫ ডিসেম্বর) মিরপুরে আগুন লাগে।',
      '2026-12-06',
      '2026-12-05',
      'শনিবার রাত ১০টার দিকে (৫ ডিসেম্বর)',
    ],
    [
      'শনিবার বিকেল সাড়ে ৪টায় (৫ ডিসেম্বর) সমাবেশ শুরু হয়।',
      '2026-12-06',
      '2026-12-05',
      'শনিবার বিকেল সাড়ে ৪টায় (৫ ডিসেম্বর)',
    ],
    [
      'শনিবার বেলা ১১টার দিকে (৫ ডিসেম্বর) দুর্ঘটনাটি ঘটে।',
      '2026-12-06',
      '2026-12-05',
      'শনিবার বেলা ১১টার দিকে (৫ ডিসেম্বর)',
    ],
    [
      'শনিবার দুপুর ১২টা ৩০ মিনিটে (৫ ডিসেম্বর) ট্রেনটি ছাড়ে।',
      '2026-12-06',
      '2026-12-05',
      'শনিবার দুপুর ১২টা ৩০ মিনিটে (৫ ডিসেম্বর)',
    ],
    [
      'গতকাল শুক্রবার দিবাগত রাত ২টার দিকে (৪ ডিসেম্বর) আগুন লাগে।',
      '2026-12-06',
      '2026-12-05',
      'গতকাল শুক্রবার দিবাগত রাত ২টার দিকে (৪ ডিসেম্বর)',
    ],
    [
      'শুক্রবার দিনগত রাতে (৪ ডিসেম্বর) অভিযান চালানো হয়।',
      '2026-12-06',
      '2026-12-04',
      'শুক্রবার দিনগত রাতে (৪ ডিসেম্বর)',
    ],
    [
      'শুক্রবার গভীর রাতে (৪ ডিসেম্বর) অভিযান চালানো হয়।',
      '2026-12-06',
      '2026-12-04',
      'শুক্রবার গভীর রাতে (৪ ডিসেম্বর)',
    ],
    [
      'শুক্রবার (৪ ডিসেম্বর) দিবাগত রাতে অভিযান চালানো হয়।',
      '2026-12-06',
      '2026-12-04',
      'শুক্রবার (৪ ডিসেম্বর) দিবাগত রাতে',
    ],
    [
      'উপজেলার পালংখালীতে শনিবার ভোর ৫টার দিকে (৫ ডিসেম্বর) নৌকাডুবি হয়।',
      '2026-12-06',
      '2026-12-05',
      'শনিবার ভোর ৫টার দিকে (৫ ডিসেম্বর)',
    ],
    [
      'মঙ্গলবার (পহেলা বৈশাখ) সকালে রমনার বটমূলে…',
      '2026-04-20',
      '2026-04-14',
      'মঙ্গলবার (পহেলা বৈশাখ) সকালে',
    ],
    [
      'মঙ্গলবার (পয়লা বৈশাখ) সকালে রমনার বটমূলে…',
      '2026-04-20',
      '2026-04-14',
      'মঙ্গলবার (পয়লা বৈশাখ) সকালে',
    ],
    ['বৃহস্পতিবার (দোসরা জুলাই) সকালে…', '2026-07-05', '2026-07-02', 'বৃহস্পতিবার (দোসরা জুলাই) সকালে'],
  ]
  it.each(TIMED)('%s (as of %s) → %s', (paragraph, asOf, date, text) => {
    expectDateline(paragraph, asOf, {text: text.normalize('NFC'), date})
  })

  it('reads no dateline in a clock time without a weekday, nor an ordinal word alone', () => {
    expect(
      parseDateline('রাত ১০টার দিকে (৫ ডিসেম্বর) আগুন লাগে।', ref('2026-12-06')).dateline,
    ).toBeNull()
    expect(parseDateline('পহেলা বৈশাখ উদযাপনে প্রস্তুতি চলছে।', ref('2026-04-10')).dateline).toBeNull()
  })
})

// A line of its own giving the date, as desks and pasted web copy carry it: 'তারিখ: …',
// 'প্রকাশ: …' (Prothom Alo online, with the clock time). It dates the story when the lede does
// not, and is no paragraph.
describe('a date line of its own', () => {
  const LEDE = 'রাজধানীতে এক অনুষ্ঠানে তিনি এ কথা বলেন।'
  const parseDec = (text: string) => parseArticle(text, {file: 'story.txt', asOf: '2026-12-06'})
  // [the date line, the line it is read as, the date]
  const LINES: [string, string][] = [
    ['তারিখ: ৫ ডিসেম্বর ২০২৬', '2026-12-05'],
    ['তারিখঃ ০৫/১২/২০২৬', '2026-12-05'],
    ['তারিখ : শনিবার, ৫ ডিসেম্বর ২০২৬ খ্রি.', '2026-12-05'],
    ['প্রকাশ: ০৫ ডিসেম্বর ২০২৬, ১০: ৩০', '2026-12-05'],
    ['প্রকাশিত: ৪ ডিসেম্বর ২০২৬, ১১:৪৫ পিএম', '2026-12-04'],
  ]
  it.each(LINES)('%s', (line, date) => {
    const article = parseDec(`শিরোনাম\n\n${line}\nনিজস্ব প্রতিবেদক\n${LEDE}\nসূত্র: বাসস।\n`)
    expect(article.date).toBe(date)
    expect(article.dateline).toMatchObject({text: line.normalize('NFC'), date})
    expect(article.byline).toBe('নিজস্ব প্রতিবেদক'.normalize('NFC'))
    expect(article.paragraphs).toEqual([LEDE.normalize('NFC')])
    expect(article.lines?.dateline).toBe(3)
    expect(article.warnings).toEqual([])
  })

  it('after the byline too; the lede’s own dateline wins, and a date that differs is named', () => {
    const after = parseDec(
      `শিরোনাম\n\nনিজস্ব প্রতিবেদক\nতারিখ: ৫ ডিসেম্বর ২০২৬\n${LEDE}\nসূত্র: বাসস।\n`,
    )
    expect(after.date).toBe('2026-12-05')
    expect(after.paragraphs).toEqual([LEDE.normalize('NFC')])
    const both = parseDec(
      `শিরোনাম\n\nতারিখ: ৪ ডিসেম্বর ২০২৬\nশনিবার (৫ ডিসেম্বর) সকালে ${LEDE}\nসূত্র: বাসস।\n`,
    )
    expect(both.date).toBe('2026-12-05')
    expect(both.paragraphs).toHaveLength(1)
    expect(both.warnings).toEqual([
      {line: 3, message: expect.stringMatching(/2026-12-04.*2026-12-05/u)},
    ])
  })

  it('a sentence that opens with তারিখ stays a paragraph', () => {
    const text = 'তারিখ: ৫ ডিসেম্বর ২০২৬ পর্যন্ত আবেদন করা যাবে।'
    const article = parseDec(`শিরোনাম\n\n${text}\nশনিবার (৫ ডিসেম্বর) সকালে ${LEDE}\nসূত্র: বাসস।\n`)
    expect(article.paragraphs[0]).toBe(text.normalize('NFC'))
  })
})

// Prothom Alo's web page copied whole: the role, the place on a line of its own, the publication
// and the update lines, then the lede. None of them is a paragraph; the publication line dates.
describe('a web page’s header lines', () => {
  const LEDE = 'চট্টগ্রাম নগরের আকবর শাহ এলাকায় আজ ভোরে পাহাড়ধসে তিনজন নিহত হয়েছেন।'
  const parseDec = (text: string) => parseArticle(text, {file: 'story.txt', asOf: '2026-12-06'})
  it('role, place, publication and update lines', () => {
    const article = parseDec(
      `শিরোনাম\n\nনিজস্ব প্রতিবেদক\nচট্টগ্রাম\nপ্রকাশ: ০৫ ডিসেম্বর ২০২৬, ১০: ৩০\nআপডেট: ০৬ ডিসেম্বর ২০২৬, ১২: ০০\n${LEDE}\nসূত্র: প্রথম আলো।\n`,
    )
    expect(article.date).toBe('2026-12-05')
    expect(article.byline).toBe('নিজস্ব প্রতিবেদক'.normalize('NFC'))
    expect(article.dateline?.place).toBe('চট্টগ্রাম'.normalize('NFC'))
    expect(article.paragraphs).toEqual([LEDE.normalize('NFC')])
    expect(article.warnings).toEqual([])
  })

  it('an update line alone does not date the story: a draft, the line named', () => {
    const article = parseDec(`শিরোনাম\n\nআপডেট: ০৫ ডিসেম্বর ২০২৬, ১২: ০০\n${LEDE}\nসূত্র: প্রথম আলো।\n`)
    expect(article.date).toBeUndefined()
    expect(article.paragraphs).toEqual([LEDE.normalize('NFC')])
    expect(article.warnings).toContainEqual({
      line: 3,
      message: expect.stringContaining('আপডেট'.normalize('NFC')),
    })
  })

  it('a reporter’s name, then the place on a line of its own', () => {
    const article = parseDec(
      `শিরোনাম\n\nআবদুল করিম\nচট্টগ্রাম\nশনিবার (৫ ডিসেম্বর) সকালে ${LEDE}\nসূত্র: প্রথম আলো।\n`,
    )
    expect(article.date).toBe('2026-12-05')
    expect(article.credits).toEqual(['আবদুল করিম'.normalize('NFC')])
    expect(article.dateline?.place).toBe('চট্টগ্রাম'.normalize('NFC'))
    expect(article.paragraphs).toHaveLength(1)
  })
})
