// Dates an editor types: Bengali digits become ASCII, and under the field the chosen day shows in
// three calendars (bangla/ computes them; the Studio composes the line).
import {describe, expect, it} from 'vitest'
import {formatBanglaCalendar, formatHijriBn, toAsciiDigits} from '../../bangla/index.ts'
import {calendarLine} from '../../studio/components/BengaliDateInput.tsx'
import {articleDescription, articleSubtitle} from '../../schemas/preview.ts'

describe('a typed Bengali date', () => {
  it('is the same ISO value once the digits are ASCII', () => {
    expect(toAsciiDigits('২০২৬-১২-০২ ০৯:৩০')).toBe('2026-12-02 09:30')
    expect(toAsciiDigits('2026-12-02 09:30')).toBe('2026-12-02 09:30')
  })
})

describe('the calendars under a date field', () => {
  it('shows a date-time in Dhaka: Gregorian, 24-hour time, Bangla and Hijri dates', () => {
    // 03:30Z is 09:30 in Dhaka.
    const line = calendarLine('2026-12-02T03:30:00.000Z', true)!
    const [gregorian, time, bangla, hijri] = line.split(' · ')
    expect(gregorian).toBe('বুধবার, ২ ডিসেম্বর ২০২৬')
    expect(time).toBe('০৯:৩০')
    expect(bangla).toBe(formatBanglaCalendar('2026-12-02T03:30:00.000Z'))
    expect(bangla).toMatch(/অগ্রহায়ণ ১৪৩৩ বঙ্গাব্দ$/)
    expect(hijri).toBe(formatHijriBn('2026-12-02T03:30:00.000Z'))
  })

  it('uses the Dhaka day: 20:00Z is already the next day there', () => {
    expect(calendarLine('2026-12-01T20:00:00.000Z', true)).toMatch(/^বুধবার, ২ ডিসেম্বর ২০২৬ · ০২:০০/)
  })

  it('shows a plain date without a time, and nothing for a value that is not a date', () => {
    expect(calendarLine('2026-12-02', false)!.split(' · ')).toHaveLength(3)
    expect(calendarLine('not a date', true)).toBeNull()
  })
})

describe('article previews', () => {
  it('keep the subtitle short and put the other calendars in the description', () => {
    expect(articleSubtitle('2026-12-02T03:30:00.000Z', 'বাসস')).toBe('২ ডিসেম্বর ২০২৬ · বাসস')
    expect(articleSubtitle(undefined, 'বাসস')).toBe('বাসস')
    expect(articleSubtitle('garbage')).toBeUndefined()
    expect(articleDescription('2026-12-02T03:30:00.000Z')).toMatch(
      /^বুধবার · \S+ অগ্রহায়ণ ১৪৩৩ বঙ্গাব্দ · .+ হিজরি$/,
    )
    expect(articleDescription(undefined)).toBeUndefined()
  })
})
