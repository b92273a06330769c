import {describe, expect, it} from 'vitest'
import * as bangla from '../../bangla/index.ts'

describe('bangla module surface', () => {
  it('exports the frozen API', () => {
    for (const name of [
      'nfc',
      'normalizeDeep',
      'graphemes',
      'graphemeLength',
      'hasBengaliLetters',
      'spacingIssues',
      'fixSpacing',
      'checkGraphemeLimit',
      'validateGraphemeMax',
      'validateGraphemeWarn',
      'validateHasBengali',
      'validateSpacing',
      'validateNoMixedDigits',
      'validateNfc',
      'toBengaliDigits',
      'toAsciiDigits',
      'hasMixedDigits',
      'mixedDigitRuns',
      'parseBengaliInteger',
      'formatGregorianBn',
      'banglaCalendarDate',
      'formatBanglaCalendar',
      'formatHijriBn',
      'formatFrontPageDate',
      'bengaliMonthIndex',
      'bengaliWeekdayIndex',
      'transliterate',
      'slugify',
    ]) {
      expect(typeof (bangla as Record<string, unknown>)[name], name).toBe('function')
    }
  })
})
