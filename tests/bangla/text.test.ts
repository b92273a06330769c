import {describe, expect, it} from 'vitest'
import {
  fixDanda,
  fixSpacing,
  graphemeLength,
  graphemes,
  hasBengaliLetters,
  isNfc,
  nfc,
  normalizeDeep,
  spacingIssues,
} from '../../bangla/index.ts'

const cps = (s: string) => [...s].map((c) => c.codePointAt(0)!.toString(16).padStart(4, '0'))

describe('nfc', () => {
  it('decomposes the precomposed nukta letters ড় ঢ় য় (they are composition exclusions)', () => {
    expect(cps(nfc('\u09DC'))).toEqual(['09a1', '09bc'])
    expect(cps(nfc('\u09DD'))).toEqual(['09a2', '09bc'])
    expect(cps(nfc('\u09DF'))).toEqual(['09af', '09bc'])
    expect(isNfc('\u09DF')).toBe(false)
    expect(isNfc('\u09AF\u09BC')).toBe(true)
  })

  it('composes the two-part vowel signs ো and ৌ', () => {
    expect(cps(nfc('ক\u09C7\u09BE'))).toEqual(['0995', '09cb'])
    expect(cps(nfc('ক\u09C7\u09D7'))).toEqual(['0995', '09cc'])
    expect(nfc('ক\u09CB')).toBe('ক\u09CB')
  })

  it('makes both ways of typing a word compare equal', () => {
    const typed = 'বেইজিং\u09DFের সঙ্গে মৌলভীবাজার'.replace('ৌ', '\u09C7\u09D7')
    const pasted = 'বেইজিং\u09AF\u09BCের সঙ্গে মৌলভীবাজার'
    expect(typed).not.toBe(pasted)
    expect(nfc(typed)).toBe(nfc(pasted))
    expect(nfc(nfc(typed))).toBe(nfc(typed))
  })
})

describe('normalizeDeep', () => {
  it('normalises every string in nested objects and arrays, leaving keys alone', () => {
    const key = 'শিরো\u09A8\u09BEম\u09DF' // a key that is not NFC
    const input = {
      title: 'রাশি\u09DFা',
      tags: ['ইসরা\u09DFেল', 42, null, {deep: ['গাজা\u09DF']}],
      [key]: 'ঢাকা',
      when: new Date(0),
    }
    const out = normalizeDeep(input)
    expect(out.title).toBe('রাশি\u09AF\u09BCা')
    expect(out.tags[0]).toBe('ইসরা\u09AF\u09BCেল')
    expect(out.tags.slice(1, 3)).toEqual([42, null])
    expect((out.tags[3] as {deep: string[]}).deep[0]).toBe('গাজা\u09AF\u09BC')
    expect(Object.keys(out)).toContain(key)
    expect(out.when).toBe(input.when)
    expect(input.title).toBe('রাশি\u09DFা') // input untouched
  })

  it('handles plain values and cycles', () => {
    expect(normalizeDeep('\u09DF')).toBe('\u09AF\u09BC')
    expect(normalizeDeep(7)).toBe(7)
    const a: {name: string; self?: unknown} = {name: '\u09DC'}
    a.self = a
    const out = normalizeDeep(a)
    expect(out.name).toBe('\u09A1\u09BC')
    expect(out.self).toBe(out)
  })
})

describe('graphemes', () => {
  // Real counts from Intl.Segmenter (ICU 78 in Node 24; Unicode 15.1+ keeps a conjunct joined
  // by hasanta in one cluster).
  it('keeps a conjunct joined by hasanta together', () => {
    expect(graphemes('ক্ষ')).toEqual(['ক্ষ'])
    expect(graphemes('সঙ্গে')).toEqual(['স', 'ঙ্গে'])
    expect(graphemes('প্রধানমন্ত্রী')).toEqual(['প্র', 'ধা', 'ন', 'ম', 'ন্ত্রী'])
    expect(graphemes('কার্তিক')).toEqual(['কা', 'র্তি', 'ক'])
  })

  it('splits at an explicit hasanta (ZWNJ) and counts marks with their letter', () => {
    expect(graphemes('ক্\u200Cষ')).toHaveLength(2)
    expect(graphemes('বাংলাদেশ')).toEqual(['বাং', 'লা', 'দে', 'শ'])
    expect(graphemes('সাক্ষাৎ')).toEqual(['সা', 'ক্ষা', 'ৎ'])
    expect(graphemes('ম্যাক্রোঁ')).toEqual(['ম্যা', 'ক্রোঁ'])
  })

  it('counts য় the same precomposed or decomposed', () => {
    expect(graphemeLength('\u09DF')).toBe(1)
    expect(graphemeLength('\u09AF\u09BC')).toBe(1)
    expect(graphemeLength('')).toBe(0)
  })

  it('counts far fewer graphemes than UTF-16 code units in a real title', () => {
    const title = 'চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক'
    expect(title.length).toBe(66)
    expect(graphemeLength(title)).toBe(35)
  })
})

describe('hasBengaliLetters', () => {
  it('is true for Bengali words, alone or mixed with Latin', () => {
    expect(hasBengaliLetters('চীন')).toBe(true)
    expect(hasBengaliLetters('Trump ও পুতিন')).toBe(true)
    expect(hasBengaliLetters('ৎ')).toBe(true)
  })

  it('is false for digits, danda, vowel signs alone and Latin text', () => {
    expect(hasBengaliLetters('১২৩')).toBe(false)
    expect(hasBengaliLetters('৭.৩ । ॥')).toBe(false)
    expect(hasBengaliLetters('\u09BF')).toBe(false)
    expect(hasBengaliLetters('Trump 2025')).toBe(false)
    expect(hasBengaliLetters('')).toBe(false)
  })
})

describe('spacing', () => {
  it('finds leading, trailing and doubled spaces with Bengali messages', () => {
    expect(spacingIssues(' ঢাকা').map((i) => i.kind)).toEqual(['leading'])
    expect(spacingIssues('ঢাকা ').map((i) => i.kind)).toEqual(['trailing'])
    expect(spacingIssues('ঢাকা  চট্টগ্রাম').map((i) => i.kind)).toEqual(['double'])
    expect(spacingIssues('ঢাকা \u00A0চট্টগ্রাম').map((i) => i.kind)).toEqual(['double'])
    expect(spacingIssues('  ঢাকা  চট্টগ্রাম ').map((i) => i.kind)).toEqual([
      'leading',
      'trailing',
      'double',
    ])
    for (const issue of spacingIssues('  ঢাকা  চট্টগ্রাম ')) {
      expect(hasBengaliLetters(issue.message)).toBe(true)
      expect(issue.message).toMatch(/মুছে দিন/)
    }
  })

  it('accepts clean text, single spaces and line breaks', () => {
    expect(spacingIssues('চীনা প্রেসিডেন্টের সঙ্গে বৈঠক')).toEqual([])
    expect(spacingIssues('প্রথম অনুচ্ছেদ\nদ্বিতীয় অনুচ্ছেদ')).toEqual([])
    expect(spacingIssues('')).toEqual([])
  })

  it('fixes what it finds', () => {
    expect(fixSpacing('  ঢাকা  \u00A0চট্টগ্রাম\t ')).toBe('ঢাকা চট্টগ্রাম')
    expect(fixSpacing('এক  লাইন \n দুই')).toBe('এক লাইন\nদুই')
    const fixed = fixSpacing('  গাজায়   যুদ্ধবিরতি ')
    expect(spacingIssues(fixed)).toEqual([])
  })
})

describe('fixDanda', () => {
  it('writes the danda for the currency numerator four typed in its place', () => {
    expect(fixDanda('সূত্র: বাসস\u09F7')).toBe('সূত্র: বাসস।')
    expect(fixDanda('আগুন লাগে। পরে নেভে।')).toBe('আগুন লাগে। পরে নেভে।')
  })
})
