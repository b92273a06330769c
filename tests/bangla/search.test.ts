import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {
  analyzeForSearch,
  COMPATIBLE_LETTER_RANGES,
  EMPHATIC_RULES,
  DROPPED_BY_FOLD,
  foldForSearch,
  foldKeepsCaselessOccurrences,
  foldKeepsOccurrences,
  FOLDED_INTO_ASCII,
  isPlainForSearch,
  matchWord,
  searchKeys,
  searchWords,
  SUFFIX_RULES,
  typedWords,
  SPELLING_VARIANTS,
  UNSTEMMED_WORDS,
  variantSpellings,
  VERB_FORMS,
} from '../../bangla/index.ts'

const keysOf = (word: string) => searchKeys(foldForSearch(word))
const meet = (a: string, b: string) => keysOf(a).some((key) => keysOf(b).includes(key))

describe('searchKeys', () => {
  // text::query looks a word up by its shortest key alone (lake/core/textQuery.ts).
  it('gives prefixes of the word only', () => {
    const words = [
      ...SUFFIX_RULES.flatMap((r) => r.example),
      ...EMPHATIC_RULES.flatMap((r) => r.example),
      ...UNSTEMMED_WORDS,
      ...VERB_FORMS,
    ].map((w) => foldForSearch(w))
    for (const word of words) {
      for (const key of searchKeys(word)) expect(word.startsWith(key), `${word} ${key}`).toBe(true)
    }
    const letters = fc.constantFrom(...'কখগবঠরয়েোাীিুৃংঁ্টএওই'.split(''))
    fc.assert(
      fc.property(fc.array(letters, {minLength: 1, maxLength: 10}), (parts) => {
        const word = foldForSearch(parts.join(''))
        return searchKeys(word).every((key) => word.startsWith(key))
      }),
      {numRuns: 5000},
    )
  })
})

describe('foldForSearch', () => {
  // Plain text skips NFC and lower-cases A-Z alone: every such string must be one NFC leaves
  // alone, with no other upper case.
  const plainClaimHolds = (s: string) =>
    !isPlainForSearch(s) ||
    (s.normalize('NFKC') === s &&
      s.toLowerCase() === s.replace(/[A-Z]/g, (c) => c.toLowerCase()) &&
      !/\u200C|\u200D|\u00AD|\u2060|\uFEFF/.test(s))
  const chars = (from: number, to: number) =>
    Array.from({length: to - from + 1}, (_, i) => String.fromCharCode(from + i))
  // The whole Bengali block (unassigned code points too), the dandas, ASCII, Latin-1, the
  // general punctuation block, joiners and a few combining marks of other scripts.
  const ALPHABET = [
    ...chars(0x0980, 0x09ff),
    ...chars(0x0964, 0x0965),
    ...chars(0x0009, 0x000d),
    ...chars(0x0020, 0x00ff),
    ...chars(0x2000, 0x206f),
    ...['\u0300', '\u0301', '\u093C', '\u094D', '\u0A3C', '\uFEFF', '\u1E9E', '\u212A'],
  ]

  it('skips NFC only for text it leaves as it is: every pair of characters', () => {
    const wrong: string[] = []
    for (const a of ALPHABET)
      for (const b of ALPHABET) if (!plainClaimHolds(a + b)) wrong.push(a + b)
    expect(wrong).toEqual([])
  })

  it('skips NFC only for text it leaves as it is: random runs', () => {
    const text = fc
      .array(fc.constantFrom(...ALPHABET), {maxLength: 12})
      .map((parts) => parts.join(''))
    fc.assert(fc.property(text, plainClaimHolds), {numRuns: 20000})
  })

  it('plain Bengali text, with dandas, quotes, dashes and Bengali digits, is plain', () => {
    const text = '‘আমরা’ বললেন — ১৯৭১ সালের কথা। বৈঠক-শেষে, ঢাকায় (রবিবার)।'
    // Typed with the NFC spelling of য় (য + nukta): NFC leaves it.
    expect(isPlainForSearch(text.normalize('NFC'))).toBe(true)
    expect(foldForSearch(text.normalize('NFC'))).toBe(
      text.normalize('NFC').replace(/[\u09E6-\u09EF]/g, (d) => String(d.charCodeAt(0) - 0x09e6)),
    )
    expect(isPlainForSearch('চা\u09DFনা')).toBe(false)
    expect(isPlainForSearch('Dhaka\u200D')).toBe(false)
    // Latin capitals are plain, and folded to lower case.
    expect(foldForSearch('Dhaka ঢাকা 2021-05-16T23:53Z')).toBe('dhaka ঢাকা 2021-05-16t23:53z')
  })

  it('NFKC: full-width Latin, ligatures and letterlike symbols are the letters they stand for', () => {
    expect(foldForSearch('ＣＯＶＩＤ')).toBe('covid')
    expect(foldForSearch('\uFB01nal \uFB02ood')).toBe('final flood')
    expect(foldForSearch('ＷＨＯ-র ১９')).toBe('who-র 19')
    expect(searchWords('ＣＯＶＩＤ১৯')).toEqual(['covid', '19'])
    expect(foldForSearch('\u{1D41D}haka ℌ')).toBe('dhaka h')
  })

  it('a symbol is not made letters: ™ ㎏ № ℡ ½ ﷺ stay themselves', () => {
    expect(searchWords('Apple™')).toEqual(['apple'])
    expect(searchWords('১০㎏ №৫ ℡')).toEqual(['10', '5'])
    expect(searchWords('২½')).not.toContain('21')
    expect(foldForSearch('ﷺ ﷻ Ⅻ ①')).toBe('ﷺ ﷻ ⅻ ①')
  })

  // The one rule: a letter or digit whose NFKC form is letters, marks and digits becomes that
  // form; every other character is folded as NFC. Checked for every code point, so the table
  // follows the runtime's Unicode.
  const isWordy = (c: string) => /^[\p{L}\p{M}\p{Nd}]+$/u.test(c)
  it('COMPATIBLE_LETTER_RANGES is exactly the letters and digits NFKC makes other letters and digits of', () => {
    const inTable = (cp: number) =>
      COMPATIBLE_LETTER_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi)
    const wrong: string[] = []
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue
      const c = String.fromCodePoint(cp)
      const k = c.normalize('NFKC')
      const rule = /^[\p{L}\p{Nd}]$/u.test(c) && k !== c.normalize('NFC') && isWordy(k)
      if (rule !== inTable(cp)) wrong.push(cp.toString(16))
    }
    expect(wrong).toEqual([])
  })

  it('no character grows past 4 when folded (ﷺ was 18 under NFKC), nor becomes a word break', () => {
    const grown: string[] = []
    for (let cp = 0x80; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue
      const c = String.fromCodePoint(cp)
      const f = foldForSearch(c)
      if ([...f].length > 4 || (isWordy(c) && f !== '' && !/^[\p{L}\p{M}\p{N}]+$/u.test(f)))
        grown.push(cp.toString(16))
    }
    expect(grown).toEqual([])
  })

  it('NFKC changes no Bengali that NFC does not: the nukta forms, ৎ, joiners', () => {
    for (let cp = 0x0980; cp <= 0x09ff; cp++) {
      const c = String.fromCodePoint(cp)
      expect(c.normalize('NFKC'), cp.toString(16)).toBe(c.normalize('NFC'))
    }
    // Precomposed and decomposed য় ড় ঢ় fold alike, to NFC's decomposed form; ৎ and its typed forms
    // to ৎ; a ZWJ or ZWNJ inside a conjunct is dropped.
    const pairs: [string, string][] = [
      ['\u09DF', '\u09AF\u09BC'],
      ['\u09DC', '\u09A1\u09BC'],
      ['\u09DD', '\u09A2\u09BC'],
      ['উত\u09CD\u200Dসব', 'উৎসব'],
      ['সাক্ষাত\u09CD', 'সাক্ষাৎ'],
      ['র\u200D্যাব', 'র্যাব'],
      ['হৃদ্\u200Cরোগ', 'হৃদ্রোগ'],
    ]
    for (const [typed, folded] of pairs) {
      // Ａ: the text is not plain, so it goes through NFKC.
      expect(foldForSearch(`${typed} Ａ`), typed).toBe(foldForSearch(`${folded} a`))
      expect(foldForSearch(`${typed} Ａ`), typed).toBe(`${folded} a`.normalize('NFC'))
    }
  })

  it('NFC: the precomposed য় ড় ঢ় (U+09DF/09DC/09DD) equal their decomposed forms', () => {
    expect(foldForSearch('চা\u09DFনা')).toBe(foldForSearch('চা\u09AF\u09BCনা'))
    expect(foldForSearch('প\u09DCা')).toBe(foldForSearch('প\u09A1\u09BCা'))
    expect(foldForSearch('আ\u09DD')).toBe(foldForSearch('আ\u09A2\u09BC'))
    // The two-part vowel sign ো typed as ে + া.
    expect(foldForSearch('ক\u09C7\u09BE')).toBe('ক\u09CB')
  })

  it('drops ZWNJ and ZWJ: হৃদ্‌রোগ equals হৃদ্রোগ', () => {
    expect(foldForSearch('হৃদ্\u200Cরোগ')).toBe(foldForSearch('হৃদ্রোগ'))
    expect(foldForSearch('ক্\u200Dষ')).toBe('ক্ষ')
  })

  it('র‍্য (র + ZWJ + ্য, the "ra-phala" spelling) equals র্য', () => {
    expect(foldForSearch('র\u200D্যাব')).toBe(foldForSearch('র্যাব'))
  })

  it('ত্ + joiner is the khanda-ta ৎ: উত্‍সব equals উৎসব', () => {
    expect(foldForSearch('উত্\u200Dসব')).toBe('উৎসব')
    expect(foldForSearch('উত্\u200Cসব')).toBe('উৎসব')
    // Without a joiner ত্স is a conjunct, not a khanda-ta.
    expect(foldForSearch('উত্সব')).not.toBe('উৎসব')
  })

  it('folds Bengali digits to ASCII, and Latin letters to lower case', () => {
    expect(foldForSearch('২০২৪ সালে')).toBe('2024 সালে')
    expect(foldForSearch('BNP ও Awami')).toBe('bnp ও awami')
  })

  it('drops the soft hyphen and other invisible characters', () => {
    expect(foldForSearch('বাং\u00ADলা\uFEFF')).toBe('বাংলা')
  })
  // Spellings desks type: each written one way in a story and searched the other.
  const sameWords = (a: string, b: string) => expect(searchWords(a)).toEqual(searchWords(b))

  it('U+09F7 ৷ typed as the danda splits words as the danda does', () => {
    sameWords('রাজধানীতে বৈঠক৷ পরে তিনি ফিরে যান৷', 'রাজধানীতে বৈঠক। পরে তিনি ফিরে যান।')
    expect(searchWords('বৈঠক৷পরে')).toEqual(['বৈঠক', 'পরে'])
  })

  it('chandrabindu typed before the vowel sign (old Bijoy conversions) is the same letter', () => {
    sameWords('চঁাদ', 'চাঁদ')
    sameWords('তঁার বঁাশি', 'তাঁর বাঁশি')
    // ো typed as ে + া with the chandrabindu between.
    sameWords('ক\u09C7\u0981\u09BE', 'ক\u09CB\u0981')
    expect(searchWords('চঁাদ')).toHaveLength(1)
  })

  it('a colon typed for the visarga after a visarga stem is the visarga', () => {
    sameWords('দু:খ', 'দুঃখ')
    sameWords('অত:পর', 'অতঃপর')
    sameWords('পুন:নির্বাচন', 'পুনঃনির্বাচন')
    // At a word's end the visarga is dropped, as the standard spelling does (মূলত, সাধারণত):
    // পুনঃ, পুন: and মূলতঃ, মূলত:, মূলত meet.
    sameWords('পুন: নির্বাচিত', 'পুনঃ নির্বাচিত')
    sameWords('মূলতঃ', 'মূলত')
    // A colon after a word and a space stays a colon: the credit line, a clock time.
    expect(searchWords('সূত্র: বাসস')).toEqual(['সূত্র', 'বাসস'])
    expect(searchWords('১০:৩০')).toEqual(['10', '30'])
    // Nor between a label and its value typed without a space: only after a visarga stem.
    expect(searchWords('সূত্র:বাসস')).toEqual(['সূত্র', 'বাসস'])
    expect(searchWords('প্রশ্ন:কেন')).toEqual(['প্রশ্ন', 'কেন'])
    expect(searchWords('বিষয়:নির্বাচন')).toHaveLength(2)
    sameWords('নি:শেষ', 'নিঃশেষ')
    sameWords('মন:কষ্ট', 'মনঃকষ্ট')
    expect(searchWords('Dhaka:দু')).toEqual(['dhaka', 'দু'])
  })

  it('khanda-ta written as ত + hasanta at a word end is ৎ', () => {
    sameWords('সাক্ষাত্', 'সাক্ষাৎ')
    sameWords('হঠাত্ বিদ্যুত্।', 'হঠাৎ বিদ্যুৎ।')
    // Inside a word ত্ + a letter is a conjunct.
    expect(foldForSearch('উত্তর')).toBe('উত্তর')
    expect(foldForSearch('উত্সব')).not.toBe('উৎসব')
  })

  it('drops the zero-width space inside a word', () => {
    sameWords('ঢা\u200Bকায়', 'ঢাকায়')
    sameWords('সাক্ষাত্\u200B', 'সাক্ষাৎ')
  })

  it("folds the words the Bangla Academy's standard spelling changed, with their inflections", () => {
    sameWords('সরকারী সিদ্ধান্ত', 'সরকারি সিদ্ধান্ত')
    sameWords('বেসরকারী', 'বেসরকারি')
    sameWords('রানী', 'রানি')
    sameWords('সরকারীভাবে দাবীতে শহীদের', 'সরকারিভাবে দাবিতে শহিদের')
    sameWords('জানুয়ারী তৈরী বাড়ীতে', 'জানুয়ারি তৈরি বাড়িতে')
    sameWords('বা\u09DCী', 'বাড়ি') // the precomposed ড়, too
    sameWords('রূপালী ধূলা পূজো', 'রুপালি ধুলা পুজো')
    sameWords('ঈদের', 'ইদের')
    sameWords('আগষ্ট মাষ্টার পোষ্টার', 'আগস্ট মাস্টার পোস্টার')
    sameWords('ষ্টেশন ষ্টাফ', 'স্টেশন স্টাফ')
    sameWords('১৫ আগষ্ট', '১৫ আগস্ট')
    sameWords('সরকারী\u200D', 'সরকারি')
  })

  it('reads মো., মোঃ and ডা. before a name as the words they stand for', () => {
    sameWords('মো. আবদুল হামিদ', 'মোহাম্মদ আবদুল হামিদ')
    sameWords('মোঃ আবদুল হামিদ', 'মোহাম্মদ আবদুল হামিদ')
    sameWords('মো.আবদুল', 'মোহাম্মদ আবদুল')
    sameWords('ডা. দীপু মনি', 'ডাক্তার দীপু মনি')
    // Without its mark it is the start of a word being typed (মো* on the way to মোবাইল).
    expect(searchWords('মো')).toEqual(['মো'])
    expect(searchWords('ডা')).toEqual(['ডা'])
  })

  it('reads a number grouped by commas as one number, in threes or the South Asian way', () => {
    sameWords('১২,৫০০ টাকা', '১২৫০০ টাকা')
    sameWords('12,500', '১২৫০০')
    sameWords('১২,৩৪,৫৬৭', '1234567')
    sameWords('১,০০,০০০', '100000')
    // A comma between numbers that are no groups splits them.
    sameWords('১২,১৩ ও ১৪ আগস্ট', '১২ ১৩ ও ১৪ আগস্ট')
    sameWords('1,2,300', '1 2 300')
    sameWords('২০২৪,২০২৫', '২০২৪ ২০২৫')
  })

  it('leaves the vowel length of other words, and ষ inside them, as written', () => {
    const apart = (a: string, b: string) => expect(searchWords(a)).not.toEqual(searchWords(b))
    apart('নীল', 'নিল') // "blue", "took"
    apart('দীন', 'দিন')
    apart('কূল', 'কুল')
    apart('নীচ', 'নিচ')
    apart('মন্ত্রী', 'মন্ত্রি')
    apart('কষ্ট', 'কস্ট')
    apart('রাষ্ট্র', 'রাস্ট্র')
    // Two forms of one word, not two spellings.
    apart('পূজা', 'পুজো')
    // Only where a word starts with the old spelling.
    apart('অসরকারী', 'অসরকারি')
  })
})

describe('foldKeepsOccurrences', () => {
  // What core/scoreTopK.ts relies on: a key it allows is found in folded text (at a word start)
  // no more often than in the text as written, plus once per character folding drops.
  const WORD_BEFORE = /[\p{L}\p{M}\p{N}]$/u
  const folded = (text: string, key: string) => {
    const f = foldForSearch(text)
    let n = 0
    for (let i = f.indexOf(key); i !== -1; i = f.indexOf(key, i + 1))
      if (i === 0 || !WORD_BEFORE.test(f.slice(Math.max(0, i - 2), i))) n++
    return n
  }
  const written = (text: string, key: string) => text.split(key).length - 1
  const dropped = (text: string) => DROPPED_BY_FOLD.reduce((n, c) => n + written(text, c), 0)
  // The key as written, and its old spellings (variantSpellings), which folding makes it of.
  const spellings = new Map<string, string[]>()
  const spelled = (text: string, key: string) => {
    let all = spellings.get(key)
    if (!all) spellings.set(key, (all = [key, ...variantSpellings(key)]))
    return all.reduce((n, k) => n + written(text, k), 0)
  }
  const holds = (text: string, key: string) =>
    !foldKeepsOccurrences(key) || folded(text, key) <= spelled(text, key) + dropped(text)
  const chars = (from: number, to: number) =>
    Array.from({length: to - from + 1}, (_, i) => String.fromCharCode(from + i))
  // The Bengali block, what folding composes, decomposes, reorders or drops, and other scripts'
  // marks (U+0301 ccc 230, U+0334 ccc 1, U+093C ccc 7) that NFC moves around Bengali marks.
  const ALPHABET = [
    ...chars(0x0980, 0x09ff),
    ...[' ', '।', ':', 'A', 'a', '\u0301', '\u0334', '\u093C'],
    ...DROPPED_BY_FOLD,
    ...DROPPED_BY_FOLD,
  ]
  const text = fc.array(fc.constantFrom(...ALPHABET), {maxLength: 10}).map((p) => p.join(''))

  it('holds for keys folded from random Bengali text, over random text', () => {
    const key = text
      .map((t) => searchWords(t)[0] ?? '')
      .filter((k) => k !== '' && foldKeepsOccurrences(k))
    fc.assert(
      fc.property(text, key, fc.nat(3), (t, k, cut) => {
        // The key written into the text too, whole or cut short, so that occurrences are common.
        const around = t.slice(0, cut) + k + t.slice(cut) + k.slice(0, -1)
        return holds(t, k) && holds(around, k)
      }),
      {numRuns: 30000},
    )
  })

  it('holds for keys of the standard spellings and their prefixes, over text with the old ones', () => {
    const pairs = [...SPELLING_VARIANTS]
    const pair = fc.constantFrom(...pairs)
    fc.assert(
      fc.property(text, text, pair, pair, fc.nat(12), (before, after, [old], [, standard], cut) => {
        // A key cut anywhere in (or past) a standard spelling, inflected or not.
        const key = searchWords(standard + 'ের')[0].slice(0, Math.max(1, cut))
        const t = `${before}${old}${after} ${old}ের ${standard}`
        return holds(t, key) && holds(before + old, key)
      }),
      {numRuns: 20000},
    )
  })

  it('holds for every key of two letters, with a character of the alphabet (and a joiner) put between', () => {
    const wrong: string[] = []
    const bengali = chars(0x0980, 0x09ff)
    for (const a of bengali)
      for (const b of bengali) {
        const key = a + b
        if (!foldKeepsOccurrences(key)) continue
        if (!holds(a + '\u200D' + b, key)) wrong.push(a + '\u200D' + b)
        for (const y of ALPHABET) if (!holds(a + y + b + b, key)) wrong.push(a + y + b)
      }
    expect(wrong).toEqual([])
  })

  it('refuses keys folding can make: each with a text where it would be wrong', () => {
    const made: [key: string, text: string][] = [
      ['কার্য', 'কার্\u09DF'], // য from the precomposed য়
      ['পড', 'প\u09DC'], // ড from ড়
      ['গাঢ', 'গা\u09DD'],
      ['বো', 'বে\u09BE'], // ো from ে + া
      ['বৌ', 'বে\u09D7'],
      ['ক্', 'ক\u0301\u09CD'], // hasanta moved before a mark of ccc 230
      ['ক়', 'ক\u09CD\u09BC'], // nukta moved before hasanta
      ['dhaka', 'Dhaka'],
      ['2024', '২০২৪'],
      // Not refused, but counted: a joiner folding drops joins the two parts of বৈঠক.
      ['বৈঠক', 'বৈ\u200Dঠক'],
      ['বৈঠক', 'বৈ\u200Bঠক'],
      // Spellings folding makes: the visarga from a colon, the khanda-ta at a word end, the
      // chandrabindu before the vowel sign (where folding puts it: see CHANDRABINDU_AFTER).
      ['দুঃখ', 'দু:খ'],
      ['সাক্ষাৎ', 'সাক্ষাত্'],
      ['চঁা', 'চাঁ'],
    ]
    for (const [key, sample] of made) {
      expect(foldKeepsOccurrences(key), key).toBe(dropped(sample) > 0)
      expect(folded(sample, key), key).toBeGreaterThan(written(sample, key))
    }
    expect(foldKeepsOccurrences('নির্বা')).toBe(true)
    expect(foldKeepsOccurrences('বৈঠক')).toBe(true)
    expect(foldKeepsOccurrences('')).toBe(false)
    // Not a word: keys are runs of letters and marks (searchWords).
    expect(foldKeepsOccurrences('ক।')).toBe(false)
  })
})

describe('foldKeepsCaselessOccurrences', () => {
  // What core/scoreTopK.ts and store/tally.ts rely on for a Latin key: in text without
  // FOLDED_INTO_ASCII, it is found in folded text (at a word start) no more often than in the
  // text as written with A-Z taken as a-z, plus once per character folding drops.
  const WORD_BEFORE = /[\p{L}\p{M}\p{N}]$/u
  const folded = (text: string, key: string) => {
    const f = foldForSearch(text)
    let n = 0
    for (let i = f.indexOf(key); i !== -1; i = f.indexOf(key, i + 1))
      if (i === 0 || !WORD_BEFORE.test(f.slice(Math.max(0, i - 2), i))) n++
    return n
  }
  const asciiLower = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase())
  const written = (text: string, key: string) => {
    const t = asciiLower(text)
    let n = 0
    for (let i = t.indexOf(key); i !== -1; i = t.indexOf(key, i + 1)) n++
    return n
  }
  const dropped = (text: string) =>
    DROPPED_BY_FOLD.reduce((n, c) => n + text.split(c).length - 1, 0)
  const holds = (text: string, key: string) =>
    !foldKeepsCaselessOccurrences(key) ||
    FOLDED_INTO_ASCII.test(text) ||
    folded(text, key) <= written(text, key) + dropped(text)

  it('FOLDED_INTO_ASCII holds every character past ASCII that folds into or decomposes to an ASCII letter', () => {
    const missed: string[] = []
    for (let cp = 0x80; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue
      const c = String.fromCodePoint(cp)
      const makes = /[A-Za-z]/.test(c.normalize('NFD')) || /[a-z]/.test(foldForSearch(c))
      if (makes && !FOLDED_INTO_ASCII.test(c)) missed.push(cp.toString(16))
    }
    expect(missed).toEqual([])
  })

  it('holds over random text of Latin letters of either case, marks, joiners and Bengali', () => {
    const ALPHABET = [
      ...'dhakDHAKiI ।'.split(''),
      'ঢাকা',
      '\u0301',
      '\u0307',
      '\u0323',
      '\u0334',
      '\u212A',
      '\u0130',
      '\u1E0C',
      'é',
      ...DROPPED_BY_FOLD,
    ]
    const text = fc.array(fc.constantFrom(...ALPHABET), {maxLength: 14}).map((p) => p.join(''))
    const key = fc.constantFrom('dhaka', 'dh', 'a', 'ka', 'i', 'kid')
    fc.assert(
      fc.property(text, key, fc.nat(4), (t, k, cut) => {
        const around = t.slice(0, cut) + k.toUpperCase() + t.slice(cut) + k
        return holds(t, k) && holds(around, k)
      }),
      {numRuns: 30000},
    )
  })

  it('is for keys of ASCII lower-case letters only', () => {
    expect(foldKeepsCaselessOccurrences('dhaka')).toBe(true)
    for (const key of ['Dhaka', 'dhaka1', '2024', 'ঢাকা', '', 'dh-aka']) {
      expect(foldKeepsCaselessOccurrences(key), key).toBe(false)
    }
    // What the byte count alone would miss: FOLDED_INTO_ASCII makes the document unbounded.
    expect(folded('DHA\u212AA', 'dhaka')).toBe(1)
    expect(FOLDED_INTO_ASCII.test('DHA\u212AA')).toBe(true)
  })
})

describe('searchWords', () => {
  it('splits on white space, danda and double danda', () => {
    expect(searchWords('বৈঠক শেষ। আলোচনা হবে॥ তারপর')).toEqual([
      'বৈঠক',
      'শেষ',
      'আলোচনা',
      'হবে',
      'তারপর',
    ])
  })

  it('splits on curly and straight quotes', () => {
    // Folded, the chandrabindu comes before the vowel sign (CHANDRABINDU_AFTER in search.ts).
    expect(searchWords('‘আমরা’ “রাজি” \'না\' "হ্যাঁ"')).toEqual(['আমরা', 'রাজি', 'না', 'হ্যঁা'])
    expect(searchWords("দু'দেশকে")).toEqual(['দু', 'দেশকে'])
  })

  it('splits on em dash, en dash and hyphen', () => {
    expect(searchWords('না”—বললেন ঢাকা–দিল্লি ২০২৪-এর')).toEqual([
      'না',
      'বললেন',
      'ঢাকা',
      'দিল্লি',
      '2024',
      'এর',
    ])
  })

  it('splits on ASCII punctuation and keeps vowel signs, hasanta and chandrabindu in words', () => {
    expect(searchWords('(ঢাকা), [চাঁদপুর]; কী? হ্যাঁ! ১২.৫%')).toEqual([
      'ঢাকা',
      'চঁাদপুর',
      'কী',
      'হ্যঁা',
      '12',
      '5',
    ])
  })

  it('splits a digit from the letter before it, not a letter from the digit before it', () => {
    expect(searchWords('কোভিড১৯ কোভিড-১৯ covid19 COVID-19 ১০টি ৩য় h5n1')).toEqual([
      'কোভিড',
      '19',
      'কোভিড',
      '19',
      'covid',
      '19',
      'covid',
      '19',
      '10টি',
      '3য়'.normalize('NFC'),
      'h',
      '5n',
      '1',
    ])
    // So also in a word past the regex's piece (runs joins pieces, not across that boundary).
    const long = 'ক'.repeat(5000)
    expect(searchWords(`${long}১৯`)).toEqual([long, '19'])
    expect(searchWords(`${'১'.repeat(5000)}${long}`)).toEqual([`${'1'.repeat(5000)}${long}`])
    // Typed words stay as typed: the server splits them.
    expect(typedWords('কোভিড১৯ টিকা')).toEqual(['কোভিড১৯', 'টিকা'])
  })

  it('gives nothing for text without words', () => {
    expect(searchWords(' ।—“” ')).toEqual([])
  })
})

describe('suffix rules (one test each)', () => {
  for (const rule of [...SUFFIX_RULES, ...EMPHATIC_RULES]) {
    const [word, stem] = rule.example
    it(`-${rule.suffix}: ${word} folds to ${stem}, and each finds the other`, () => {
      expect(word.endsWith(rule.suffix) || word.normalize('NFC').endsWith(rule.suffix)).toBe(true)
      expect(keysOf(word)).toContain(stem.normalize('NFC'))
      // The stem finds the inflected form, the inflected form finds the stem.
      expect(matchWord(analyzeForSearch(word)[0], foldForSearch(stem))).toBe('stem')
      expect(matchWord(analyzeForSearch(stem)[0], foldForSearch(word))).toBe('stem')
    })
  }

  it('does not strip a suffix that would leave a stem too short (তারা, থেকে, মাটি)', () => {
    expect(keysOf('সারা')).toEqual(['সারা'])
    expect(keysOf('দ্বারা')).toEqual(['দ্বারা'])
    expect(keysOf('মাটি')).toEqual(['মাটি'])
  })

  it('-য় and -র only after a vowel; -ে only after a consonant', () => {
    expect(keysOf('সময়')).toEqual([foldForSearch('সময়')])
    expect(keysOf('বিষয়')).toEqual([foldForSearch('বিষয়')])
    expect(keysOf('খবর')).toEqual(['খবর'])
    expect(keysOf('বৈঠকে')).toContain('বৈঠক')
    expect(keysOf('ঢাকাে')).not.toContain('ঢাকা')
  })

  it('inflections of one stem find each other (বৈঠকে, বৈঠকের, বৈঠকটি, বৈঠকেই)', () => {
    const forms = ['বৈঠক', 'বৈঠকে', 'বৈঠকের', 'বৈঠকটি', 'বৈঠকেই', 'বৈঠকগুলো']
    for (const a of forms) for (const b of forms) expect(meet(a, b), `${a} ~ ${b}`).toBe(true)
  })

  it('chains a classifier and a case ending (বইগুলোর → বইগুলো → বই)', () => {
    expect(keysOf('বইগুলোর')).toEqual(expect.arrayContaining(['বইগুলো', 'বই']))
  })
})

describe('words that must not be over-stemmed', () => {
  for (const word of [...UNSTEMMED_WORDS, ...VERB_FORMS]) {
    it(`${word} keeps only itself`, () => {
      expect(searchKeys(word)).toEqual([word])
    })
  }

  it('they do not meet the unrelated words their endings suggest', () => {
    expect(meet('আমরা', 'আম')).toBe(false)
    expect(meet('বাজার', 'বাজায়')).toBe(false)
    expect(meet('সরকার', 'সরকা')).toBe(false)
    expect(meet('কমিটি', 'কমি')).toBe(false)
    expect(meet('কারখানা', 'কার')).toBe(false)
    expect(meet('থেকে', 'থেক')).toBe(false)
  })

  it('their own inflections still fold back to them (বাজারে, সরকারের, কমিটির)', () => {
    expect(meet('বাজারে', 'বাজার')).toBe(true)
    expect(meet('সরকারের', 'সরকার')).toBe(true)
    expect(meet('কমিটির', 'কমিটি')).toBe(true)
  })

  it('their inflections fold back to them and no further (কমিটির is not কমি, একটির not এক)', () => {
    expect(meet('কমিটির', 'কমি')).toBe(false)
    expect(meet('একটির', 'এক')).toBe(false)
    expect(meet('একটির', 'একটি')).toBe(true)
    expect(keysOf('কমিটির')).toEqual(['কমিটির', 'কমিটি'])
  })
})

describe('a light stemmer: inflections meet, homographs do not', () => {
  it('a verb form is not the noun it is spelled like (করতে is not কর "tax")', () => {
    for (const [verb, root] of [
      ['করতে', 'কর'],
      ['বলতে', 'বল'],
      ['দেখতে', 'দেখ'],
      ['থাকতে', 'থাক'],
      ['করছে', 'কর'],
      ['করেছে', 'কর'],
      ['করবে', 'কর'],
    ])
      expect(keysOf(verb), verb).not.toContain(root)
    expect(meet('করতে', 'কর')).toBe(false)
    expect(meet('করতে', 'করের')).toBe(false)
    expect(meet('বলতে', 'বল')).toBe(false)
    // The tax's own inflection still is the tax.
    expect(meet('করের', 'কর')).toBe(true)
  })

  it("a noun's case ending folds to the noun, never to a verb form (করের is not করে)", () => {
    expect(keysOf('করের')).toEqual(['করের', 'কর'])
    expect(keysOf('বলের')).toEqual(['বলের', 'বল'])
    for (const [noun, verb] of [
      ['করের', 'করে'],
      ['বলের', 'বলে'],
      ['খেত', 'খেতে'],
      ['খেতের', 'খেতে'],
      ['হলের', 'হলে'],
    ])
      expect(meet(noun, verb), `${noun} ~ ${verb}`).toBe(false)
    // A verb form with an emphatic particle is still the verb form.
    expect(meet('করেই', 'করে')).toBe(true)
    expect(meet('বলেও', 'বলে')).toBe(true)
  })

  it('a quantifier is not the numeral (একটি is not এক, তিনটি not তিন)', () => {
    expect(meet('একটি', 'এক')).toBe(false)
    expect(meet('একটা', 'এক')).toBe(false)
    expect(meet('তিনটি', 'তিন')).toBe(false)
    // A noun's classifier still comes off.
    expect(meet('দলটি', 'দল')).toBe(true)
  })

  it("a noun's inflections meet (নির্বাচন, সরকার, বাংলাদেশ)", () => {
    const groups = [
      ['নির্বাচন', 'নির্বাচনে', 'নির্বাচনের', 'নির্বাচনেও', 'নির্বাচনটি'],
      ['সরকার', 'সরকারের', 'সরকারকে', 'সরকারও'],
      ['বাংলাদেশ', 'বাংলাদেশের', 'বাংলাদেশে', 'বাংলাদেশকে'],
      ['রাজধানী', 'রাজধানীতে', 'রাজধানীর'],
    ]
    for (const forms of groups)
      for (const a of forms) for (const b of forms) expect(meet(a, b), `${a} ~ ${b}`).toBe(true)
  })
})

describe('matchWord', () => {
  const token = (text: string) => analyzeForSearch(text)[0]

  it('the same word is a whole-word match, an inflection a stem match, others none', () => {
    expect(matchWord(token('বৈঠকের'), 'বৈঠকের')).toBe('whole')
    expect(matchWord(token('বৈঠকের'), 'বৈঠকে')).toBe('stem')
    expect(matchWord(token('বৈঠকের'), 'উৎসব')).toBe(null)
  })

  it('with prefix, a word that starts with the query is a whole-word match', () => {
    expect(matchWord(token('বৈঠকের'), 'বৈঠ', true)).toBe('whole')
    expect(matchWord(token('বৈঠকের'), 'বৈঠ', false)).toBe(null)
  })
})
