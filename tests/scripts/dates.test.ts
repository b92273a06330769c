import {describe, expect, it} from 'vitest'
import {
  dhakaMidnightUtc,
  inferDate,
  isValidDate,
  parseIsoDate,
  todayInDhaka,
  weekdayOf,
} from '../../scripts/lib/dates.ts'

describe('dates', () => {
  it('gives 00:00 in Asia/Dhaka as a UTC instant', () => {
    expect(dhakaMidnightUtc('2025-07-15')).toBe('2025-07-14T18:00:00.000Z')
    expect(dhakaMidnightUtc('2025-01-01')).toBe('2024-12-31T18:00:00.000Z')
  })

  it('follows the daylight saving time Bangladesh kept in 2009 (UTC+7)', () => {
    expect(dhakaMidnightUtc('2009-07-01')).toBe('2009-06-30T17:00:00.000Z')
  })

  it("takes today's date in Dhaka, which is a day ahead of UTC after 18:00 UTC", () => {
    expect(todayInDhaka(new Date('2025-07-14T17:59:59Z'))).toBe('2025-07-14')
    expect(todayInDhaka(new Date('2025-07-14T18:00:00Z'))).toBe('2025-07-15')
  })

  it('rejects dates that do not exist', () => {
    expect(parseIsoDate('2025-02-29')).toBeNull()
    expect(parseIsoDate('2024-02-29')).toEqual({year: 2024, month: 2, day: 29})
    expect(parseIsoDate('2025-7-15')).toBeNull()
    expect(isValidDate({year: 2025, month: 6, day: 31})).toBe(false)
  })

  it('knows the weekday, 0 = Sunday', () => {
    expect(weekdayOf({year: 2025, month: 7, day: 15})).toBe(2)
    expect(weekdayOf({year: 2025, month: 2, day: 2})).toBe(0)
  })

  it('infers the latest date within a year, not after the reference date, on that weekday', () => {
    const reference = {year: 2025, month: 7, day: 20}
    const july = (day: number) => [2026, 2025, 2024].map((year) => ({year, month: 7, day}))
    expect(inferDate(july(15), reference, {weekday: 2})).toEqual({year: 2025, month: 7, day: 15})
    // 15 July 2024 was a Monday, but 370 days back: outside the year searched.
    expect(inferDate(july(15), reference, {weekday: 1})).toBeNull()
    expect(inferDate(july(21), reference)).toEqual({year: 2024, month: 7, day: 21})
    expect(inferDate(july(20), reference)).toEqual({year: 2025, month: 7, day: 20})
    expect(inferDate([null], reference)).toBeNull()
    // The print convention: yesterday's 20 July is today's paper, tomorrow's is not yet.
    expect(inferDate(july(19), reference, {shiftDays: 1})).toEqual({year: 2025, month: 7, day: 19})
    expect(inferDate(july(20), reference, {shiftDays: 1})).toEqual({year: 2024, month: 7, day: 20})
  })
})
