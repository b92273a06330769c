import {describe, expect, it} from 'vitest'
import {
  formatNumberBn,
  hasMixedDigits,
  mixedDigitRuns,
  parseBengaliInteger,
  toAsciiDigits,
  toBengaliDigits,
} from '../../bangla/index.ts'

describe('digit conversion', () => {
  it('converts both ways, leaving everything else alone', () => {
    expect(toBengaliDigits(2025)).toBe('২০২৫')
    expect(toBengaliDigits('৭.৩ মাত্রা, 94 জন')).toBe('৭.৩ মাত্রা, ৯৪ জন')
    expect(toBengaliDigits(-12.5)).toBe('-১২.৫')
    expect(toAsciiDigits('১৫ই জুলাই ২০২৫')).toBe('15ই জুলাই 2025')
    expect(toAsciiDigits(toBengaliDigits('0123456789'))).toBe('0123456789')
  })

  it('groups the South Asian way through Intl bn-BD', () => {
    expect(formatNumberBn(1234567)).toBe('১২,৩৪,৫৬৭')
    expect(formatNumberBn(7.3)).toBe('৭.৩')
  })

  it('prints no minus before a zero', () => {
    expect(formatNumberBn(-0)).toBe('০')
    expect(formatNumberBn(-0.001, {maximumFractionDigits: 1})).toBe('০')
    expect(formatNumberBn(-12)).toBe('-১২')
  })
})

describe('mixed digits', () => {
  it('flags one number that mixes Bengali and ASCII digits', () => {
    expect(hasMixedDigits('২০23 সালের নির্বাচন')).toBe(true)
    expect(mixedDigitRuns('২০23 সালে ১২,৩4৫ জন, 7.৩ মাত্রা')).toEqual(['২০23', '১২,৩4৫', '7.৩'])
  })

  it('accepts numbers that are each in one script', () => {
    expect(hasMixedDigits('2023 সালের ১৫ জুলাই')).toBe(false)
    expect(hasMixedDigits('২০২৩-24 অর্থবছর')).toBe(false) // a range: two numbers
    expect(hasMixedDigits('১২,৩৪,৫৬৭ টাকা')).toBe(false)
    expect(hasMixedDigits('কোনো সংখ্যা নেই')).toBe(false)
  })
})

describe('parseBengaliInteger', () => {
  it('reads integers in either script, with sign and grouping', () => {
    expect(parseBengaliInteger('১৫')).toBe(15)
    expect(parseBengaliInteger(' ২০২৫ ')).toBe(2025)
    expect(parseBengaliInteger('১২,৩৪,৫৬৭')).toBe(1234567)
    expect(parseBengaliInteger('1,234,567')).toBe(1234567)
    expect(parseBengaliInteger('-৫')).toBe(-5)
    expect(parseBengaliInteger('০')).toBe(0)
  })

  it('gives null for anything that is not just an integer', () => {
    for (const s of ['', '১৫ই', '৭.৩', 'পনেরো', '১২ ৩', ',১২', '৯৯৯৯৯৯৯৯৯৯৯৯৯৯৯৯৯৯']) {
      expect(parseBengaliInteger(s), s).toBeNull()
    }
  })

  it('reads Western (1,234,567) and South Asian (12,34,567) grouping, and no other', () => {
    expect(parseBengaliInteger('১,০০০')).toBe(1000)
    expect(parseBengaliInteger('১,২৩,৪৫,৬৭৮')).toBe(12345678)
    expect(parseBengaliInteger('12,345,678')).toBe(12345678)
    for (const s of ['1,23', '১২,৩৪৫,৬৭', '12,34,5', '1,2345', '১২৩,৪৫,৬৭৮', '1,23,456,789']) {
      expect(parseBengaliInteger(s), s).toBeNull()
    }
  })
})
