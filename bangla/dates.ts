// The three dates a Bangladeshi front page prints, all for the calendar day in Asia/Dhaka:
// Gregorian in Bengali (Intl bn-BD), the revised Bangla calendar, and the Hijri date (Intl
// islamic-umalqura). Plus Bengali month and weekday names for parsing datelines.

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
  if (Number.isNaN(date.getTime())) throw new RangeError(`Invalid date: ${String(input)}`)
  return date
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
// Hijri (Umm al-Qura, as Intl computes it)

const hijriBn = new Intl.DateTimeFormat('bn-BD-u-ca-islamic-umalqura', {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
})

/**
 * '২০ মুহররম ১৪৪৭ হিজরি'. Month names are CLDR's Bengali ones. Bangladesh's own moon sighting
 * often runs a day behind Umm al-Qura; pass `adjustDays: -1` to print that date.
 */
export function formatHijriBn(
  input: DateInput,
  options: {adjustDays?: number; era?: boolean} = {},
): string {
  const parts = hijriBn.formatToParts(noonUtc(dhakaCalendarDay(input), options.adjustDays ?? 0))
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  const text = `${get('day')} ${get('month')} ${get('year')}`
  return options.era === false ? text : `${text} হিজরি`
}

/** 'মঙ্গলবার, ১৫ জুলাই ২০২৫ · ৩১ আষাঢ় ১৪৩২ বঙ্গাব্দ · ২০ মুহররম ১৪৪৭ হিজরি' */
export function formatFrontPageDate(
  input: DateInput,
  options: {hijriAdjustDays?: number; rules?: BanglaCalendarRules} = {},
): string {
  return [
    formatGregorianBn(input),
    formatBanglaCalendar(input, {rules: options.rules}),
    formatHijriBn(input, {adjustDays: options.hijriAdjustDays}),
  ].join(' · ')
}

// ---------------------------------------------------------------------------------------------
// Month and weekday names, with the spellings found in real copy

/** Index i = month i + 1; the first spelling is the one Intl bn-BD prints. */
export const GREGORIAN_MONTHS_BN: readonly (readonly string[])[] = [
  ['জানুয়ারি', 'জানুয়ারী', 'জানু'],
  ['ফেব্রুয়ারি', 'ফেব্রুয়ারী', 'ফেব্রু'],
  ['মার্চ'],
  ['এপ্রিল'],
  ['মে'],
  ['জুন'],
  ['জুলাই'],
  ['আগস্ট', 'আগষ্ট', 'অগাস্ট', 'অগস্ট'],
  ['সেপ্টেম্বর', 'সেপ্টে'],
  ['অক্টোবর', 'অক্টো'],
  ['নভেম্বর', 'নভে'],
  ['ডিসেম্বর', 'ডিসে'],
].map((names) => [...new Set(names.map(nfc))])

/** Index 0 = Sunday; the first spelling is the one Intl bn-BD prints. */
export const WEEKDAYS_BN: readonly (readonly string[])[] = [
  ['রবিবার', 'রোববার'],
  ['সোমবার'],
  ['মঙ্গলবার'],
  ['বুধবার'],
  ['বৃহস্পতিবার', 'বিষ্যুদবার', 'বিস্যুদবার'],
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

/** 'জুলাই' → 7, 'আগষ্ট' → 8; null when not a Gregorian month name. */
export function bengaliMonthIndex(word: string): number | null {
  const index = monthLookup.get(key(word))
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
