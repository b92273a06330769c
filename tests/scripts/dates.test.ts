import {describe, expect, it} from 'vitest'
import {
  dhakaMidnightUtc,
  inferYear,
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

  it('infers the latest year not after the reference date with that weekday', () => {
    const reference = {year: 2025, month: 7, day: 20}
    expect(inferYear({month: 7, day: 15, weekday: 2}, reference)).toBe(2025)
    expect(inferYear({month: 7, day: 15, weekday: 1}, reference)).toBe(2024)
    expect(inferYear({month: 7, day: 21}, reference)).toBe(2024)
    expect(inferYear({month: 7, day: 20}, reference)).toBe(2025)
    expect(inferYear({month: 2, day: 30}, reference)).toBeNull()
  })
})
