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

/** Datelines without a year are searched this far back from the reference date. */
export const YEAR_WINDOW_DAYS = 366
/** A date inferred further back than this is not trusted: the article becomes a draft. */
export const MAX_DAYS_BACK = 60

/** Days from a to b (b − a), both calendar dates. */
export function daysBetween(a: CalendarDate, b: CalendarDate): number {
  return (utcDay(b) - utcDay(a)) / 86_400_000
}

/** The calendar date n days after (or before, n < 0) a date. */
export function addDays(date: CalendarDate, n: number): CalendarDate {
  const at = new Date(utcDay(date) + n * 86_400_000)
  return {year: at.getUTCFullYear(), month: at.getUTCMonth() + 1, day: at.getUTCDate()}
}

function utcDay({year, month, day}: CalendarDate): number {
  const at = new Date(Date.UTC(2000, month - 1, day))
  at.setUTCFullYear(year)
  return at.getTime()
}

/**
 * The date a dateline without a year means: of the candidate dates (the day in this year and the
 * last, as the caller's calendar gives them), the latest whose article date — the named date
 * moved by `shiftDays` for the print convention — is not after the reference date and at most
 * YEAR_WINDOW_DAYS before it, and which falls on the named weekday. Null when none does.
 */
export function inferDate(
  candidates: readonly (CalendarDate | null)[],
  reference: CalendarDate,
  {weekday, shiftDays = 0}: {weekday?: number; shiftDays?: number} = {},
): CalendarDate | null {
  let best: CalendarDate | null = null
  for (const named of candidates) {
    if (!named || !isValidDate(named)) continue
    const back = daysBetween(addDays(named, shiftDays), reference)
    if (back < 0 || back > YEAR_WINDOW_DAYS) continue
    if (weekday !== undefined && weekdayOf(named) !== weekday) continue
    if (!best || compareDates(named, best) > 0) best = named
  }
  return best
}
