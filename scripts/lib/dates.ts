/**
 * Calendar helpers for the import: plain Gregorian dates as 'YYYY-MM-DD' strings, the newsroom's
 * time zone (Asia/Dhaka) and the year inference for datelines that name no year.
 */
import {DHAKA_TIME_ZONE, dhakaCalendarDay} from '../../bangla/index.ts'

/** A calendar date without a time or zone. */
export type CalendarDate = {year: number; month: number; day: number}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** Parses 'YYYY-MM-DD' into a calendar date, or null when it is malformed or does not exist. */
export function parseIsoDate(value: string): CalendarDate | null {
  const match = ISO_DATE.exec(value)
  if (!match) return null
  const date = {year: Number(match[1]), month: Number(match[2]), day: Number(match[3])}
  return isValidDate(date) ? date : null
}

/** Formats a calendar date as 'YYYY-MM-DD'. */
export function formatIsoDate({year, month, day}: CalendarDate): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** True when the day exists in that month of that year (31 June and 29 February 2025 do not). */
export function isValidDate({year, month, day}: CalendarDate): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false
  if (month < 1 || month > 12 || day < 1) return false
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** Day of the week of a calendar date, 0 = Sunday … 6 = Saturday (proleptic Gregorian). */
export function weekdayOf({year, month, day}: CalendarDate): number {
  const at = new Date(Date.UTC(2000, month - 1, day))
  at.setUTCFullYear(year)
  return at.getUTCDay()
}

/** Compares two calendar dates: negative, zero or positive like a sort comparator. */
export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day
}

/** Today's date in Asia/Dhaka at the given instant. */
export function todayInDhaka(now: Date = new Date()): string {
  return formatIsoDate(dhakaCalendarDay(now))
}

/**
 * The UTC instant of 00:00 in Asia/Dhaka on the given date, as an ISO string
 * ('2025-07-15' → '2025-07-14T18:00:00.000Z'). The offset comes from the time-zone database
 * rather than a constant +06:00 because Bangladesh kept daylight saving time in 2009.
 */
export function dhakaMidnightUtc(date: string): string {
  const parsed = parseIsoDate(date)
  if (!parsed) throw new RangeError(`Not a calendar date: ${JSON.stringify(date)}`)
  const localMidnightAsUtc = Date.UTC(parsed.year, parsed.month - 1, parsed.day)
  let guess = localMidnightAsUtc - 6 * 3_600_000
  // Two rounds settle any offset change around the date.
  for (let round = 0; round < 2; round++) {
    guess = localMidnightAsUtc - offsetMs(guess)
  }
  return new Date(guess).toISOString()
}

// Built once: the import converts a date per article, and a formatter is costly to construct.
const dhakaClock = new Intl.DateTimeFormat('en-US', {
  timeZone: DHAKA_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
})

function offsetMs(instant: number): number {
  const parts = dhakaClock.formatToParts(new Date(instant))
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value)
  const local = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  )
  return local - Math.floor(instant / 1000) * 1000
}

// A weekday and a day of the year repeat within 28 years, except 29 February, which can take up
// to 40 years across a century that skips a leap year; 400 years covers every case.
const YEAR_SEARCH_LIMIT = 400

/**
 * The year of a dateline that names no year: the latest year, not after the reference date, in
 * which the day exists, is not after the reference date and (when a weekday is given) falls on
 * that weekday. Returns null when no such year exists (for example 30 February).
 */
export function inferYear(
  {month, day, weekday}: {month: number; day: number; weekday?: number},
  reference: CalendarDate,
): number | null {
  for (let year = reference.year; year > reference.year - YEAR_SEARCH_LIMIT; year--) {
    const candidate = {year, month, day}
    if (!isValidDate(candidate) || compareDates(candidate, reference) > 0) continue
    if (weekday === undefined || weekdayOf(candidate) === weekday) return year
  }
  return null
}
