import {describe, expect, it} from 'vitest'
import {
  BANGLA_MONTHS,
  GREGORIAN_MONTHS_BN,
  WEEKDAYS_BN,
  banglaCalendarDate,
  banglaMonthIndex,
  bengaliMonthIndex,
  bengaliWeekdayIndex,
  dhakaCalendarDay,
  formatBanglaCalendar,
  formatFrontPageDate,
  formatGregorianBn,
  formatHijriBn,
  gregorianFromBangla,
  HIJRI_BANGLADESH_MONTH_STARTS,
  HIJRI_MONTHS_BD,
  hijriDate,
  nfc,
} from '../../bangla/index.ts'

// Mid-morning in Dhaka (UTC+6) unless a test is about the day boundary.
const day = (iso: string) => new Date(`${iso}T04:00:00Z`)

describe('Asia/Dhaka calendar day', () => {
  it('rolls over at midnight Dhaka time, not UTC', () => {
    expect(dhakaCalendarDay('2025-07-15T17:59:59Z')).toMatchObject({month: 7, day: 15})
    expect(dhakaCalendarDay('2025-07-15T18:00:00Z')).toMatchObject({month: 7, day: 16})
    expect(dhakaCalendarDay('2025-07-15T20:00:00Z')).toEqual({
      year: 2025,
      month: 7,
      day: 16,
      weekday: 3,
    })
  })

  it('applies to all three dates', () => {
    const lateEvening = '2025-07-15T20:00:00Z' // 02:00 on 16 July in Dhaka
    expect(formatGregorianBn(lateEvening)).toBe('বুধবার, ১৬ জুলাই ২০২৫')
    expect(formatBanglaCalendar(lateEvening)).toBe('১ শ্রাবণ ১৪৩২ বঙ্গাব্দ')
    expect(formatHijriBn(lateEvening)).toBe('২০ মহররম ১৪৪৭ হিজরি')
  })

  it('rejects an invalid date', () => {
    expect(() => formatGregorianBn('not a date')).toThrow(RangeError)
  })

  it('rejects a day its month does not have, rather than rolling into the next month', () => {
    for (const input of ['2025-02-30', '2025-02-29', '2025-04-31T10:00:00Z', '2025-13-01']) {
      expect(() => formatFrontPageDate(input), input).toThrow(/Invalid date: 2025-/)
    }
    expect(formatGregorianBn('2024-02-29')).toBe('বৃহস্পতিবার, ২৯ ফেব্রুয়ারি ২০২৪')
    expect(formatGregorianBn('2025-01-31T20:00:00Z')).toBe('শনিবার, ১ ফেব্রুয়ারি ২০২৫')
  })
})

describe('Gregorian in Bengali', () => {
  it('prints the front-page form, with or without the weekday', () => {
    expect(formatGregorianBn(day('2025-07-15'))).toBe('মঙ্গলবার, ১৫ জুলাই ২০২৫')
    expect(formatGregorianBn(day('2025-07-15'), {weekday: false})).toBe('১৫ জুলাই ২০২৫')
    expect(formatGregorianBn(day('2026-02-21'))).toBe('শনিবার, ২১ ফেব্রুয়ারি ২০২৬')
    expect(formatGregorianBn(Date.parse('2025-12-16T04:00:00Z'))).toBe('মঙ্গলবার, ১৬ ডিসেম্বর ২০২৫')
  })
})

describe('revised Bangla calendar', () => {
  it('starts every year on 14 April (১ বৈশাখ), from the 2019 revision on', () => {
    for (let year = 2019; year <= 2030; year++) {
      expect(formatBanglaCalendar(day(`${year}-04-14`))).toBe(`১ বৈশাখ ${toBn(year - 593)} বঙ্গাব্দ`)
      expect(banglaCalendarDate(day(`${year}-04-13`))).toMatchObject({day: 30, month: 12})
    }
  })

  it('matches the days the 2019 revision fixed', () => {
    expect(formatBanglaCalendar(day('2025-07-15'))).toBe('৩১ আষাঢ় ১৪৩২ বঙ্গাব্দ')
    expect(formatBanglaCalendar(day('2025-12-16'))).toBe('১ পৌষ ১৪৩২ বঙ্গাব্দ') // Victory Day
    expect(formatBanglaCalendar(day('2025-02-21'))).toBe('৮ ফাল্গুন ১৪৩১ বঙ্গাব্দ') // Ekushey
    expect(formatBanglaCalendar(day('2024-02-21'))).toBe('৮ ফাল্গুন ১৪৩০ বঙ্গাব্দ')
    expect(formatBanglaCalendar(day('2025-03-26'))).toBe('১২ চৈত্র ১৪৩১ বঙ্গাব্দ') // Independence
    expect(formatBanglaCalendar(day('2025-05-08'))).toBe('২৫ বৈশাখ ১৪৩২ বঙ্গাব্দ') // Rabindra
    expect(formatBanglaCalendar(day('2025-05-25'))).toBe('১১ জ্যৈষ্ঠ ১৪৩২ বঙ্গাব্দ') // Nazrul
    expect(formatBanglaCalendar(day('2025-10-16'))).toBe('৩১ আশ্বিন ১৪৩২ বঙ্গাব্দ')
    expect(formatBanglaCalendar(day('2025-10-17'))).toBe('১ কার্তিক ১৪৩২ বঙ্গাব্দ')
    expect(formatBanglaCalendar(day('2025-02-14'), {era: false})).toBe('১ ফাল্গুন ১৪৩১')
  })

  it('gives ফাল্গুন 30 days only when that February has a 29th', () => {
    expect(formatBanglaCalendar(day('2024-03-14'))).toBe('৩০ ফাল্গুন ১৪৩০ বঙ্গাব্দ')
    expect(formatBanglaCalendar(day('2024-03-15'))).toBe('১ চৈত্র ১৪৩০ বঙ্গাব্দ')
    expect(formatBanglaCalendar(day('2025-03-14'))).toBe('২৯ ফাল্গুন ১৪৩১ বঙ্গাব্দ')
    expect(formatBanglaCalendar(day('2025-03-15'))).toBe('১ চৈত্র ১৪৩১ বঙ্গাব্দ')
  })

  it('follows the 2019 month lengths day by day for twelve years', () => {
    let previous = banglaCalendarDate(day('2019-04-14'))
    const lengths = new Map<string, number>()
    for (let t = Date.parse('2019-04-15T04:00:00Z'); t < Date.parse('2031-04-14T04:00:00Z');) {
      const current = banglaCalendarDate(t)
      if (current.day === 1) {
        lengths.set(`${previous.year}-${previous.month}`, previous.day)
        expect(current.month).toBe((previous.month % 12) + 1)
      } else {
        expect(current).toMatchObject({month: previous.month, day: previous.day + 1})
      }
      previous = current
      t += 86_400_000
    }
    for (const [key, length] of lengths) {
      const [year, month] = key.split('-').map(Number)
      const leapFebruary = new Date(Date.UTC(year + 594, 1, 29)).getUTCDate() === 29
      const expected = month <= 6 ? 31 : month === 11 ? (leapFebruary ? 30 : 29) : 30
      expect(length, key).toBe(expected)
    }
  })

  it('returns the parts, with the season', () => {
    expect(banglaCalendarDate(day('2025-07-15'))).toEqual({
      day: 31,
      month: 3,
      monthName: nfc('আষাঢ়'),
      year: 1432,
      season: 'বর্ষা',
    })
    expect(banglaCalendarDate(day('2025-12-16')).season).toBe('শীত')
  })

  it('uses the 1987 rules (date-bengali-revised) before 1426 BS and on request', () => {
    // 21 February 2019 was still under the 1987 revision: ৯ ফাল্গুন.
    expect(formatBanglaCalendar(day('2019-02-21'))).toBe('৯ ফাল্গুন ১৪২৫ বঙ্গাব্দ')
    expect(formatBanglaCalendar(day('2018-12-16'))).toBe('২ পৌষ ১৪২৫ বঙ্গাব্দ')
    expect(formatBanglaCalendar(day('2018-04-14'))).toBe('১ বৈশাখ ১৪২৫ বঙ্গাব্দ')
    expect(formatBanglaCalendar(day('2025-02-21'), {rules: '1987'})).toBe('৯ ফাল্গুন ১৪৩১ বঙ্গাব্দ')
    expect(formatBanglaCalendar(day('2025-12-16'), {rules: '1987'})).toBe('২ পৌষ ১৪৩২ বঙ্গাব্দ')
    expect(formatBanglaCalendar(day('2019-02-21'), {rules: '2019'})).toBe('৮ ফাল্গুন ১৪২৫ বঙ্গাব্দ')
    // Both rule sets agree up to ৩০ আশ্বিন, so switching in 1426 skips or repeats no day.
    expect(formatBanglaCalendar(day('2019-10-15'), {rules: '1987'})).toBe('৩০ আশ্বিন ১৪২৬ বঙ্গাব্দ')
    expect(formatBanglaCalendar(day('2019-10-15'))).toBe('৩০ আশ্বিন ১৪২৬ বঙ্গাব্দ')
  })
})

describe('Hijri as Bangladesh dates it', () => {
  // The dates the National Moon Sighting Committee announced in 2025: each a day behind Umm al-Qura.
  it.each([
    ['2025-03-02', '১ রমজান ১৪৪৬ হিজরি'], // first fast
    ['2025-03-31', '১ শাওয়াল ১৪৪৬ হিজরি'], // Eid-ul-Fitr
    ['2025-06-07', '১০ জিলহজ ১৪৪৬ হিজরি'], // Eid-ul-Azha
    ['2025-07-06', '১০ মহররম ১৪৪৭ হিজরি'], // Ashura
    ['2025-07-15', '১৯ মহররম ১৪৪৭ হিজরি'], // not ২০ (the Saudi date)
    ['2025-03-01', '২৯ শাবান ১৪৪৬ হিজরি'],
    ['2025-01-10', '৯ রজব ১৪৪৬ হিজরি'], // outside the announced months: Umm al-Qura − 1
  ])('%s → %s', (date, expected) => {
    expect(formatHijriBn(day(date))).toBe(expected)
  })

  it('spells the months as the Bangladeshi press does', () => {
    expect(HIJRI_MONTHS_BD).toHaveLength(12)
    const press: [number, string][] = [
      [1, 'মহররম'],
      [8, 'শাবান'],
      [9, 'রমজান'],
      [11, 'জিলকদ'],
      [12, 'জিলহজ'],
    ]
    for (const [month, name] of press)
      expect(HIJRI_MONTHS_BD[month - 1]).toBe(name.normalize('NFC'))
    expect(hijriDate(day('2025-05-10'))).toMatchObject({month: 11, monthName: 'জিলকদ', year: 1446})
  })

  it('prints Umm al-Qura with CLDR names when asked', () => {
    const saudi = {adjustDays: 0, monthNames: 'cldr'} as const
    expect(formatHijriBn(day('2025-07-15'), saudi)).toBe('২০ মুহররম ১৪৪৭ হিজরি')
    expect(formatHijriBn(day('2025-03-01'), saudi)).toBe('১ রমজান ১৪৪৬ হিজরি')
    expect(formatHijriBn(day('2025-03-30'), {...saudi, era: false})).toBe('১ শাওয়াল ১৪৪৬')
    expect(formatHijriBn(day('2025-03-30'), {adjustDays: -1})).toBe('২৯ রমজান ১৪৪৬ হিজরি')
  })

  it('lets an announced month start override the adjustment', () => {
    // Suppose the committee had seen the Muharram 1447 moon a day later than usual.
    const monthStarts = {...HIJRI_BANGLADESH_MONTH_STARTS, '1447-01': '2025-06-28'}
    expect(formatHijriBn(day('2025-07-15'), {monthStarts})).toBe('১৮ মহররম ১৪৪৭ হিজরি')
    expect(formatHijriBn(day('2025-06-27'), {monthStarts})).toBe('৩০ জিলহজ ১৪৪৬ হিজরি')
    // Day 30 of an announced month only when the next month has not begun.
    expect(
      hijriDate(day('2025-07-27'), {
        monthStarts: {'1447-01': '2025-06-27', '1447-02': '2025-07-26'},
      }),
    ).toMatchObject({month: 2, day: 2})
  })
})

describe('front-page date', () => {
  it('joins the three dates', () => {
    expect(formatFrontPageDate(day('2025-07-15'))).toBe(
      'মঙ্গলবার, ১৫ জুলাই ২০২৫ · ৩১ আষাঢ় ১৪৩২ বঙ্গাব্দ · ১৯ মহররম ১৪৪৭ হিজরি',
    )
    expect(formatFrontPageDate(day('2025-07-15'), {hijriAdjustDays: 0})).toMatch(/· ২০ মহররম/)
  })
})

describe('Bangla calendar back to Gregorian', () => {
  it('inverts banglaCalendarDate every day from 2010 to 2029', () => {
    const wrong: string[] = []
    for (let t = Date.UTC(2010, 0, 1); t < Date.UTC(2030, 0, 1); t += 86_400_000) {
      const date = new Date(t + 6 * 3_600_000)
      const g = gregorianFromBangla(banglaCalendarDate(date))
      const iso = date.toISOString().slice(0, 10)
      if (
        !g ||
        `${g.year}-${String(g.month).padStart(2, '0')}-${String(g.day).padStart(2, '0')}` !== iso
      ) {
        wrong.push(iso)
      }
    }
    expect(wrong).toEqual([])
  })

  it('knows the fixed days and rejects days that do not exist', () => {
    expect(gregorianFromBangla({day: 1, month: 1, year: 1432})).toEqual({
      year: 2025,
      month: 4,
      day: 14,
    })
    expect(gregorianFromBangla({day: 8, month: 11, year: 1431})).toEqual({
      year: 2025,
      month: 2,
      day: 21,
    })
    expect(gregorianFromBangla({day: 31, month: 7, year: 1432})).toBeNull() // কার্তিক has 30
    expect(gregorianFromBangla({day: 0, month: 1, year: 1432})).toBeNull()
  })
})

describe('month and weekday names', () => {
  it('finds every spelling variant', () => {
    const months: [string, number][] = [
      ['জানুয়ারি', 1],
      ['জানুয়ারী', 1],
      ['ফেব্রুয়ারি', 2],
      ['ফেব্রুয়ারী', 2],
      ['মার্চ', 3],
      ['এপ্রিল', 4],
      ['মে', 5],
      ['জুন', 6],
      ['জুলাই', 7],
      ['আগস্ট', 8],
      ['আগষ্ট', 8],
      ['অগাস্ট', 8],
      ['সেপ্টেম্বর', 9],
      ['অক্টোবর', 10],
      ['নভেম্বর', 11],
      ['ডিসেম্বর', 12],
      ['ডিসে', 12],
    ]
    for (const [word, index] of months) expect(bengaliMonthIndex(word), word).toBe(index)
    const weekdays: [string, number][] = [
      ['রবিবার', 0],
      ['রোববার', 0],
      ['সোমবার', 1],
      ['মঙ্গলবার', 2],
      ['বুধবার', 3],
      ['বৃহস্পতিবার', 4],
      ['শুক্রবার', 5],
      ['শনিবার', 6],
    ]
    for (const [word, index] of weekdays) expect(bengaliWeekdayIndex(word), word).toBe(index)
    expect(banglaMonthIndex('আষাঢ়')).toBe(3)
    expect(banglaMonthIndex('চৈত্র')).toBe(12)
  })

  it('is tolerant of NFC differences, zero-width joiners and surrounding space', () => {
    expect(bengaliMonthIndex('জানু\u09DFারি')).toBe(1) // precomposed য়
    expect(bengaliMonthIndex('জানু\u09AF\u09BCারি')).toBe(1) // base + nukta
    expect(banglaMonthIndex('আষা\u09DD')).toBe(3)
    expect(banglaMonthIndex('আষা\u09A2\u09BC')).toBe(3)
    expect(bengaliWeekdayIndex(' রোববার\u200C ')).toBe(0)
    expect(bengaliWeekdayIndex('স\u09C7\u09BEমবার')).toBe(1) // ো typed as two signs
  })

  it('knows every name Intl bn-BD prints', () => {
    const month = new Intl.DateTimeFormat('bn-BD', {month: 'long', timeZone: 'UTC'})
    const weekday = new Intl.DateTimeFormat('bn-BD', {weekday: 'long', timeZone: 'UTC'})
    for (let m = 0; m < 12; m++) {
      const name = month.format(new Date(Date.UTC(2025, m, 1)))
      expect(bengaliMonthIndex(name), name).toBe(m + 1)
      expect(GREGORIAN_MONTHS_BN[m][0]).toBe(nfc(name))
    }
    for (let d = 0; d < 7; d++) {
      const date = new Date(Date.UTC(2025, 5, 1 + d)) // 1 June 2025 was a Sunday
      const name = weekday.format(date)
      expect(bengaliWeekdayIndex(name), name).toBe(date.getUTCDay())
      expect(WEEKDAYS_BN[date.getUTCDay()][0]).toBe(nfc(name))
    }
    expect(BANGLA_MONTHS).toHaveLength(12)
  })

  it('gives null for words that are not names', () => {
    for (const word of ['', 'ঢাকা', 'জুলাইয়ে', 'মঙ্গল', '১৫']) {
      expect(bengaliMonthIndex(word), word).toBeNull()
      expect(bengaliWeekdayIndex(word), word).toBeNull()
      expect(banglaMonthIndex(word), word).toBeNull()
    }
  })
})

function toBn(n: number): string {
  return String(n).replace(/\d/g, (d) => '০১২৩৪৫৬৭৮৯'[Number(d)])
}
