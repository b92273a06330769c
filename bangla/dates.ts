// The three dates a Bangladeshi front page prints, all for the calendar day in Asia/Dhaka:
// Gregorian in Bengali (Intl bn-BD), the revised Bangla calendar, and the Hijri date as
// Bangladesh dates it (Intl islamic-umalqura, a day behind, announced months). Plus Bengali month and weekday names for parsing datelines.

import CalendarBengaliRevised from 'date-bengali-revised'
import {toBengaliDigits} from './digits.ts'
import {nfc} from './text.ts'

export type DateInput = Date | string | number

export const DHAKA_TIME_ZONE = 'Asia/Dhaka'

export type CalendarDay = {
  year: number
  /** 1–12 */
  month: number
  day: number
  /** 0 = Sunday */
  weekday: number
}

const dhakaParts = new Intl.DateTimeFormat('en-US', {
  timeZone: DHAKA_TIME_ZONE,
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  calendar: 'gregory',
  numberingSystem: 'latn',
})

function toDate(input: DateInput): Date {
  const date = input instanceof Date ? input : new Date(input)
  if (Number.isNaN(date.getTime()) || !calendarDayExists(input)) {
    throw new RangeError(`Invalid date: ${String(input)}`)
  }
  return date
}

// Date.parse takes '2025-02-30' as 2 March: a day the written month does not have is refused.
function calendarDayExists(input: DateInput): boolean {
  if (typeof input !== 'string') return true
  const written = /^\s*([+-]\d{6}|\d{4})-(\d{2})-(\d{2})/.exec(input)
  if (!written) return true
  const [year, month, day] = [Number(written[1]), Number(written[2]), Number(written[3])]
  const last = new Date(0)
  last.setUTCFullYear(year, month, 0) // day 0 of the next month: this month's last day
  return month >= 1 && month <= 12 && day >= 1 && day <= last.getUTCDate()
}

/** The Gregorian calendar day in Dhaka (a Date at 20:00Z is already the next day there). */
export function dhakaCalendarDay(input: DateInput): CalendarDay {
  const parts = dhakaParts.formatToParts(toDate(input))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const year = get('year')
  const month = get('month')
  const day = get('day')
  return {year, month, day, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay()}
}

// Noon UTC of a calendar day: formatting it in UTC can never slip to a neighbouring day.
function noonUtc({year, month, day}: CalendarDay, addDays = 0): Date {
  return new Date(Date.UTC(year, month - 1, day + addDays, 12))
}

// ---------------------------------------------------------------------------------------------
// Gregorian in Bengali

const gregorianBn = new Intl.DateTimeFormat('bn-BD', {
  timeZone: 'UTC',
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
})

/** 'মঙ্গলবার, ১৫ জুলাই ২০২৫' (Intl puts a comma before the year; papers do not). */
export function formatGregorianBn(input: DateInput, options: {weekday?: boolean} = {}): string {
  const parts = gregorianBn.formatToParts(noonUtc(dhakaCalendarDay(input)))
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  const date = `${get('day')} ${get('month')} ${get('year')}`
  return options.weekday === false ? date : `${get('weekday')}, ${date}`
}

// ---------------------------------------------------------------------------------------------
// Revised Bangla calendar (বঙ্গাব্দ)

export const BANGLA_MONTHS = [
  'বৈশাখ',
  'জ্যৈষ্ঠ',
  'আষাঢ়',
  'শ্রাবণ',
  'ভাদ্র',
  'আশ্বিন',
  'কার্তিক',
  'অগ্রহায়ণ',
  'পৌষ',
  'মাঘ',
  'ফাল্গুন',
  'চৈত্র',
].map(nfc)

export const BANGLA_SEASONS = ['গ্রীষ্ম', 'বর্ষা', 'শরৎ', 'হেমন্ত', 'শীত', 'বসন্ত'].map(nfc)

/**
 * Which month lengths to use:
 * - '2019': Bangla Academy's 2019 revision, Bangladesh's official calendar from 1426 BS
 *   (14 April 2019): বৈশাখ–আশ্বিন 31 days, কার্তিক–মাঘ and চৈত্র 30, ফাল্গুন 29 (30 when that
 *   February has 29 days). 21 February = ৮ ফাল্গুন, 16 December = ১ পৌষ, 26 March = ১২ চৈত্র.
 * - '1987': the earlier revision (first five months 31 days, the rest 30, ফাল্গুন 31 in leap
 *   years), which is what date-bengali-revised 2.0.2 implements: 21 February = ৯ ফাল্গুন.
 * - 'official' (default): whichever was official on that day — '1987' before 14 April 2019,
 *   '2019' from then on. The two agree until ৩০ আশ্বিন ১৪২৬, so the switch is seamless.
 */
export type BanglaCalendarRules = 'official' | '2019' | '1987'

export type BanglaDate = {
  day: number
  /** 1 = বৈশাখ … 12 = চৈত্র */
  month: number
  monthName: string
  year: number
  season: string
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
const DAY_MS = 86_400_000

function bangla2019({year, month, day}: CalendarDay): {year: number; month: number; day: number} {
  // The Bangla year starts on 14 April; before that the date belongs to the previous year.
  const startYear = month < 4 || (month === 4 && day < 14) ? year - 1 : year
  let offset = (Date.UTC(year, month - 1, day) - Date.UTC(startYear, 3, 14)) / DAY_MS
  const lengths = [31, 31, 31, 31, 31, 31, 30, 30, 30, 30, isLeap(startYear + 1) ? 30 : 29, 30]
  let m = 0
  while (offset >= lengths[m]) offset -= lengths[m++]
  return {year: startYear - 593, month: m + 1, day: offset + 1}
}

function bangla1987({year, month, day}: CalendarDay): {year: number; month: number; day: number} {
  // fromGregorian works on the given y/m/d (no time zone involved); fromDate would use the
  // machine's local day, which is why we never call it.
  const cal = new CalendarBengaliRevised().fromGregorian(year, month, day)
  return {year: cal.year, month: cal.month, day: cal.day}
}

export function banglaCalendarDate(
  input: DateInput,
  options: {rules?: BanglaCalendarRules} = {},
): BanglaDate {
  const gregorian = dhakaCalendarDay(input)
  const rules = options.rules ?? 'official'
  const use2019 =
    rules === '2019' ||
    (rules === 'official' &&
      Date.UTC(gregorian.year, gregorian.month - 1, gregorian.day) >= Date.UTC(2019, 3, 14))
  const {year, month, day} = use2019 ? bangla2019(gregorian) : bangla1987(gregorian)
  return {
    day,
    month,
    monthName: BANGLA_MONTHS[month - 1],
    year,
    season: BANGLA_SEASONS[Math.floor((month - 1) / 2)],
  }
}

/**
 * The Gregorian day of a Bangla calendar date (the inverse of banglaCalendarDate): ১ বৈশাখ
 * ১৪৩২ → 14 April 2025. Null when the day does not exist in that month.
 */
export function gregorianFromBangla(
  {day, month, year}: {day: number; month: number; year: number},
  options: {rules?: BanglaCalendarRules} = {},
): {year: number; month: number; day: number} | null {
  if (!Number.isInteger(day) || !Number.isInteger(month) || !Number.isInteger(year)) return null
  if (month < 1 || month > 12 || day < 1) return null
  const rules = options.rules ?? 'official'
  const startYear = year + 593
  if (rules === '2019' || (rules === 'official' && year >= 1426)) {
    const lengths = [31, 31, 31, 31, 31, 31, 30, 30, 30, 30, isLeap(startYear + 1) ? 30 : 29, 30]
    if (day > lengths[month - 1]!) return null
    let offset = day - 1
    for (let m = 0; m < month - 1; m++) offset += lengths[m]!
    const at = new Date(Date.UTC(startYear, 3, 14 + offset))
    return {year: at.getUTCFullYear(), month: at.getUTCMonth() + 1, day: at.getUTCDate()}
  }
  const lengths1987 = [31, 31, 31, 31, 31, 30, 30, 30, 30, 30, isLeap(startYear + 1) ? 31 : 30, 30]
  if (day > lengths1987[month - 1]!) return null
  const g = new CalendarBengaliRevised(year, month, day).toGregorian()
  return {year: g.year, month: g.month, day: g.day}
}

/** '৩১ আষাঢ় ১৪৩২ বঙ্গাব্দ' */
export function formatBanglaCalendar(
  input: DateInput,
  options: {rules?: BanglaCalendarRules; era?: boolean} = {},
): string {
  const d = banglaCalendarDate(input, options)
  const text = `${toBengaliDigits(d.day)} ${d.monthName} ${toBengaliDigits(d.year)}`
  return options.era === false ? text : `${text} বঙ্গাব্দ`
}

// ---------------------------------------------------------------------------------------------
// Hijri, as Bangladesh dates it

/**
 * Hijri month names as the Bangladeshi press writes them (Islamic Foundation, the national
 * moon-sighting committee's notices, the dailies' front pages); index i = month i + 1. CLDR's
 * Bengali names (মুহররম, শা‘বান, জ্বিলকদ) are Intl's, not the papers'.
 */
export const HIJRI_MONTHS_BD = [
  'মহররম',
  'সফর',
  'রবিউল আউয়াল',
  'রবিউস সানি',
  'জমাদিউল আউয়াল',
  'জমাদিউস সানি',
  'রজব',
  'শাবান',
  'রমজান',
  'শাওয়াল',
  'জিলকদ',
  'জিলহজ',
].map(nfc)

/**
 * Bangladesh's moon sighting runs a day behind Umm al-Qura (the Saudi calendar Intl computes):
 * Ramadan 1446 began on 2 March 2025 in Bangladesh, 1 March by Umm al-Qura.
 */
export const HIJRI_BANGLADESH_ADJUST_DAYS = -1

/**
 * The first day of Hijri months as the National Moon Sighting Committee announced them
 * ('YYYY-MM' Hijri → 'YYYY-MM-DD' Gregorian). Inside an announced month the day counts from its
 * first day, whatever Umm al-Qura says; other months use the adjustment. Add a month here when
 * the committee's date differs from Umm al-Qura − 1 day.
 */
export const HIJRI_BANGLADESH_MONTH_STARTS: Readonly<Record<string, string>> = {
  '1446-09': '2025-03-02', // রমজান: first fast 2 March 2025
  '1446-10': '2025-03-31', // শাওয়াল: Eid-ul-Fitr 31 March 2025
  '1446-12': '2025-05-29', // জিলহজ: Eid-ul-Azha (10th) 7 June 2025
  '1447-01': '2025-06-27', // মহররম: Ashura (10th) 6 July 2025
}

export type HijriDate = {
  day: number
  /** 1 = মহররম … 12 = জিলহজ */
  month: number
  monthName: string
  year: number
}

export type HijriOptions = {
  /**
   * Days added to Umm al-Qura: -1 (default) is Bangladesh's usual moon sighting, 0 is Umm
   * al-Qura itself.
   */
  adjustDays?: number
  /** Announced month starts that override the adjustment (default: Bangladesh's table). */
  monthStarts?: Readonly<Record<string, string>>
  /** 'bangladesh' (default): the press spellings; 'cldr': Intl's Bengali month names. */
  monthNames?: 'bangladesh' | 'cldr'
}

const hijriNumeric = new Intl.DateTimeFormat('en-US-u-ca-islamic-umalqura', {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'numeric',
  year: 'numeric',
})
const hijriCldrMonth = new Intl.DateTimeFormat('bn-BD-u-ca-islamic-umalqura', {
  timeZone: 'UTC',
  month: 'long',
})

function umalqura(at: Date): {year: number; month: number; day: number} {
  const parts = hijriNumeric.formatToParts(at)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  return {year: get('year'), month: get('month'), day: get('day')}
}

const monthKey = (year: number, month: number) => `${year}-${String(month).padStart(2, '0')}`

/** The Hijri date of a day in Dhaka, as Bangladesh dates it (see HijriOptions). */
export function hijriDate(input: DateInput, options: HijriOptions = {}): HijriDate {
  const today = dhakaCalendarDay(input)
  const adjust = options.adjustDays ?? HIJRI_BANGLADESH_ADJUST_DAYS
  // The announced months are Bangladesh's: with an explicit adjustment they apply only if given.
  const starts =
    options.monthStarts ?? (options.adjustDays === undefined ? HIJRI_BANGLADESH_MONTH_STARTS : {})
  let {year, month, day} = umalqura(noonUtc(today, adjust))
  const todayMs = Date.UTC(today.year, today.month - 1, today.day)
  // An announced month holds this day if it began at most 29 days ago and the next announced
  // month has not begun (without one, day 30 is trusted only when the computed date agrees).
  for (const [key, start] of Object.entries(starts)) {
    const since = (todayMs - Date.parse(`${start}T00:00:00Z`)) / DAY_MS
    if (since < 0 || since > 29) continue
    const [y, m] = key.split('-').map(Number) as [number, number]
    const next = starts[m === 12 ? monthKey(y + 1, 1) : monthKey(y, m + 1)]
    const nextSince = next ? (todayMs - Date.parse(`${next}T00:00:00Z`)) / DAY_MS : undefined
    if (nextSince !== undefined && nextSince >= 0) continue
    if (since === 29 && nextSince === undefined && !(month === m && day === 30)) continue
    ;({year, month, day} = {year: y, month: m, day: since + 1})
    break
  }
  const monthName =
    options.monthNames === 'cldr'
      ? hijriCldrMonth.format(noonUtc(today, adjust))
      : HIJRI_MONTHS_BD[month - 1]!
  return {day, month, monthName, year}
}

/**
 * '১৯ মহররম ১৪৪৭ হিজরি' for 15 July 2025: the Hijri date as Bangladesh dates it, with the
 * press's month names. `{adjustDays: 0, monthStarts: {}, monthNames: 'cldr'}` gives Intl's Umm
 * al-Qura date ('২০ মুহররম ১৪৪৭ হিজরি').
 */
export function formatHijriBn(
  input: DateInput,
  options: HijriOptions & {era?: boolean} = {},
): string {
  const date = hijriDate(input, options)
  const text = `${toBengaliDigits(date.day)} ${date.monthName} ${toBengaliDigits(date.year)}`
  return options.era === false ? text : `${text} হিজরি`
}

/** 'মঙ্গলবার, ১৫ জুলাই ২০২৫ · ৩১ আষাঢ় ১৪৩২ বঙ্গাব্দ · ১৯ মহররম ১৪৪৭ হিজরি' */
export function formatFrontPageDate(
  input: DateInput,
  options: {hijriAdjustDays?: number; rules?: BanglaCalendarRules} = {},
): string {
  return [
    formatGregorianBn(input),
    formatBanglaCalendar(input, {rules: options.rules}),
    formatHijriBn(
      input,
      options.hijriAdjustDays === undefined ? {} : {adjustDays: options.hijriAdjustDays},
    ),
  ].join(' · ')
}

// ---------------------------------------------------------------------------------------------
// Month and weekday names, with the spellings found in real copy

/** Index i = month i + 1; the first spelling is the one Intl bn-BD prints. */
export const GREGORIAN_MONTHS_BN: readonly (readonly string[])[] = [
  ['জানুয়ারি', 'জানুয়ারী', 'জানু', 'জানুআরি'],
  ['ফেব্রুয়ারি', 'ফেব্রুয়ারী', 'ফেব্রু', 'ফেব্রুআরি', 'ফেবরুয়ারি'],
  ['মার্চ'],
  ['এপ্রিল'],
  ['মে'],
  ['জুন'],
  ['জুলাই'],
  ['আগস্ট', 'আগষ্ট', 'অগাস্ট', 'অগস্ট', 'আগস্ত', 'আগ'],
  ['সেপ্টেম্বর', 'সেপ্টে', 'সেপ্টেম্বার', 'সেপ্টেমবর', 'সেপ্টেমবার', 'সেপ্ট'],
  ['অক্টোবর', 'অক্টো', 'অক্টোবার', 'অকটোবর'],
  ['নভেম্বর', 'নভে', 'নভেম্বার', 'নভেমবর'],
  ['ডিসেম্বর', 'ডিসে', 'ডিসেম্বার', 'ডিসেমবর'],
].map((names) => [...new Set(names.map(nfc))])
/** Index 0 = Sunday; the first spelling is the one Intl bn-BD prints. */
export const WEEKDAYS_BN: readonly (readonly string[])[] = [
  ['রবিবার', 'রোববার'],
  ['সোমবার'],
  ['মঙ্গলবার'],
  ['বুধবার'],
  ['বৃহস্পতিবার', 'বৃহষ্পতিবার', 'বিষ্যুদবার', 'বিস্যুদবার'],
  ['শুক্রবার'],
  ['শনিবার'],
].map((names) => names.map(nfc))

/** Bangla calendar months with common variant spellings; index i = month i + 1. */
export const BANGLA_MONTH_VARIANTS: readonly (readonly string[])[] = [
  ['বৈশাখ'],
  ['জ্যৈষ্ঠ', 'জৈষ্ঠ', 'জ্যেষ্ঠ'],
  ['আষাঢ়', 'আষাঢ'],
  ['শ্রাবণ', 'শ্রাবন'],
  ['ভাদ্র'],
  ['আশ্বিন'],
  ['কার্তিক'],
  ['অগ্রহায়ণ', 'অগ্রহায়ন'],
  ['পৌষ'],
  ['মাঘ'],
  ['ফাল্গুন', 'ফালগুন'],
  ['চৈত্র'],
].map((names) => names.map(nfc))

// Lookups compare NFC text without zero-width joiners, so any way of typing a name matches.
const key = (word: string) =>
  nfc(word)
    .replace(/[\u200B-\u200D\uFEFF]/g, '')
    .trim()

function lookup(table: readonly (readonly string[])[]): Map<string, number> {
  const map = new Map<string, number>()
  table.forEach((names, index) => names.forEach((name) => map.set(key(name), index)))
  return map
}

const monthLookup = lookup(GREGORIAN_MONTHS_BN)
const weekdayLookup = lookup(WEEKDAYS_BN)
const banglaMonthLookup = lookup(BANGLA_MONTH_VARIANTS)

/** 'জুলাই' → 7, 'আগষ্ট' → 8, 'সেপ্টে.' → 9; null when not a Gregorian month name. */
export function bengaliMonthIndex(word: string): number | null {
  const index = monthLookup.get(key(word).replace(/\.$/, ''))
  return index === undefined ? null : index + 1
}

/** 'মঙ্গলবার' → 2, 'রোববার' → 0 (0 = Sunday); null when not a weekday name. */
export function bengaliWeekdayIndex(word: string): number | null {
  return weekdayLookup.get(key(word)) ?? null
}

/** 'আষাঢ়' → 3 (1 = বৈশাখ); null when not a Bangla calendar month. */
export function banglaMonthIndex(word: string): number | null {
  const index = banglaMonthLookup.get(key(word))
  return index === undefined ? null : index + 1
}
