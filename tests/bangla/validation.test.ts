import {describe, expect, it} from 'vitest'
import {
  GRAPHEME_LIMITS,
  checkGraphemeLimit,
  graphemeLength,
  hasBengaliLetters,
} from '../../bangla/index.ts'
// The validators by the module's name, as the schemas' rules meet them.
import * as bangla from '../../bangla/index.ts'

// n graphemes of real Bengali: each 'ক্ষে' is one cluster, so 2 of them are 2 graphemes
// but 8 UTF-16 code units; a limit counted in code units would trip far too early.
const text = (n: number) => 'ক্ষে'.repeat(n)
const title = GRAPHEME_LIMITS.articleTitle
const headline = GRAPHEME_LIMITS.headlineText

describe('checkGraphemeLimit', () => {
  it('article.title: ok up to 90, warning above 90, error above 150', () => {
    expect(graphemeLength(text(90))).toBe(90)
    expect(text(90).length).toBe(360)
    expect(checkGraphemeLimit(text(90), title)).toMatchObject({level: 'ok', count: 90})
    expect(checkGraphemeLimit(text(90), title).message).toBe('৯০/১৫০ অক্ষর')
    const warning = checkGraphemeLimit(text(91), title)
    expect(warning).toMatchObject({level: 'warning', count: 91, warn: 90, max: 150})
    expect(warning.message).toContain('৯০ অক্ষরের বেশি')
    expect(checkGraphemeLimit(text(150), title).level).toBe('warning')
    const error = checkGraphemeLimit(text(151), title)
    expect(error).toMatchObject({level: 'error', count: 151})
    expect(error.message).toContain('সর্বোচ্চ ১৫০')
    expect(error.message).toContain('আরও ১টি অক্ষর কমান')
  })

  it('headline.text: error above 120, no warning level', () => {
    expect(checkGraphemeLimit(text(120), headline).level).toBe('ok')
    expect(checkGraphemeLimit(text(121), headline).level).toBe('error')
  })

  it('counts an empty or missing value as zero', () => {
    expect(checkGraphemeLimit(undefined, title)).toMatchObject({level: 'ok', count: 0})
    expect(checkGraphemeLimit('', headline).message).toBe('০/১২০ অক্ষর')
  })
})

describe('Sanity-style validators return true or a Bengali message', () => {
  const expectMessage = (result: true | string) => {
    expect(typeof result).toBe('string')
    expect(hasBengaliLetters(result as string)).toBe(true)
  }

  it('validateGraphemeMax', () => {
    const real = 'চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক'
    expect(bangla.validateGraphemeMax(real, headline.max)).toBe(true)
    expectMessage(bangla.validateGraphemeMax(text(121), headline.max))
    expect(bangla.validateGraphemeMax(undefined, 10)).toBe(true)
  })

  it('validateGraphemeWarn only between warn and max', () => {
    expect(bangla.validateGraphemeWarn(text(90), title)).toBe(true)
    expectMessage(bangla.validateGraphemeWarn(text(91), title))
    expect(bangla.validateGraphemeWarn(text(151), title)).toBe(true) // the error rule speaks here
    expect(bangla.validateGraphemeWarn(text(500), headline)).toBe(true) // no warn level
  })

  it('validateHasBengali', () => {
    expect(bangla.validateHasBengali('গাজায় যুদ্ধবিরতি')).toBe(true)
    expect(bangla.validateHasBengali('Trump বললেন')).toBe(true)
    expectMessage(bangla.validateHasBengali('Breaking news 2025'))
    expectMessage(bangla.validateHasBengali('২০২৫ । ৭.৩'))
    expect(bangla.validateHasBengali('')).toBe(true)
  })

  it('validateSpacing', () => {
    expect(bangla.validateSpacing('ইরাকের শপিং মলে ভয়াবহ আগুন')).toBe(true)
    expectMessage(bangla.validateSpacing(' ইরাকের শপিং মলে'))
    expectMessage(bangla.validateSpacing('ইরাকের  শপিং মলে'))
    const both = bangla.validateSpacing(' ইরাকের  শপিং ') as string
    expect(both).toContain('শুরুতে')
    expect(both).toContain('শেষে')
    expect(both).toContain('একাধিক স্পেস')
  })

  it('validateNoMixedDigits', () => {
    expect(bangla.validateNoMixedDigits('2023 সালের ১৫ জুলাই')).toBe(true)
    expect(bangla.validateNoMixedDigits('নিহত অন্তত ৫০')).toBe(true)
    const message = bangla.validateNoMixedDigits('২০23 সালের নির্বাচন') as string
    expectMessage(message)
    expect(message).toContain("'২০23' → '২০২৩'")
  })

  it('validateNfc', () => {
    expect(bangla.validateNfc('রাশি\u09AF\u09BCা')).toBe(true)
    expectMessage(bangla.validateNfc('রাশি\u09DFা'))
  })

  it('let non-strings through (required() is the schema’s job)', () => {
    for (const validate of [
      bangla.validateHasBengali,
      bangla.validateSpacing,
      bangla.validateNoMixedDigits,
      bangla.validateNfc,
    ]) {
      expect(validate(undefined)).toBe(true)
      expect(validate(42)).toBe(true)
    }
  })
})
