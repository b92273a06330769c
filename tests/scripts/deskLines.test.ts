// Desk lines, bylines, credits and speakers as Bangladeshi desks write them.
import {describe, expect, it} from 'vitest'
import {
  isDeskLine,
  isRole,
  parseArticle,
  readByline,
  splitSpeaker,
} from '../../scripts/lib/parseArticle.ts'

const parse = (text: string, asOf = '2025-07-20') => parseArticle(text, {file: 'story.txt', asOf})

const BODY = 'মঙ্গলবার (১৫ই জুলাই) সকালে রাজধানীতে এক অনুষ্ঠানে তিনি এ কথা বলেন।'

describe('desk lines', () => {
  it.each(['এমএসএম / এমএসএম', 'কেআই//', '/কেআই/', 'এসআই/এমএস', 'বাসস/এসএইচ/১৮৩০/কেএমকে', 'এমএসএম'])(
    '%s after the credits is the desk initials, not a headline',
    (desk) => {
      const article = parse(`শিরোনাম\n\n${BODY}\nসূত্র: বাসস।\n${desk}\n\nপরের খবর\n`)
      expect(article.deskInitials).toBe(desk)
      expect(article.headlines.map((h) => h.text)).toEqual(['পরের খবর'])
    },
  )

  it('reads a desk line after a blank line, and one closing a body without credits', () => {
    const spaced = parse(`শিরোনাম\n\n${BODY}\nসূত্র: বাসস।\n\nকেআই//\n\nপরের খবর\n`)
    expect(spaced.deskInitials).toBe('কেআই//')
    expect(spaced.headlines.map((h) => h.text)).toEqual(['পরের খবর'])
    const wire = parse(`শিরোনাম\n\n${BODY}\nদ্বিতীয় অনুচ্ছেদ।\n/কেআই/\n`)
    expect(wire.deskInitials).toBe('/কেআই/')
    expect(wire.paragraphs).toEqual([BODY, 'দ্বিতীয় অনুচ্ছেদ।'])
  })

  it('never takes a desk line for a headline, wherever it stands', () => {
    const article = parse(`শিরোনাম\n\n${BODY}\nসূত্র: বাসস।\n\nপরের খবর\n\nএসআই/এমএস\n`)
    expect(article.headlines.map((h) => h.text)).toEqual(['পরের খবর'])
    expect(article.deskInitials).toBe('এসআই/এমএস')
  })

  it('tells desk lines from headlines', () => {
    expect(isDeskLine('এমএসএম / এমএসএম')).toBe(true)
    expect(isDeskLine('এমএসএম')).toBe(false) // alone only right after the credits
    expect(isDeskLine('এমএসএম', true)).toBe(true)
    expect(isDeskLine('গাজায় যুদ্ধবিরতি')).toBe(false)
    expect(isDeskLine('চীন/রাশিয়া সম্পর্ক নতুন উচ্চতায়')).toBe(false)
  })
})

describe('bylines', () => {
  it.each([
    ['নিজস্ব প্রতিবেদক, চট্টগ্রাম', 'নিজস্ব প্রতিবেদক, চট্টগ্রাম', 'চট্টগ্রাম'],
    ['নিজস্ব প্রতিবেদক:', 'নিজস্ব প্রতিবেদক', undefined],
    ['স্টাফ রিপোর্টার ॥', 'স্টাফ রিপোর্টার', undefined],
    ['সিলেট প্রতিনিধি', 'সিলেট প্রতিনিধি', 'সিলেট'],
    ['আন্তর্জাতিক ডেস্ক', 'আন্তর্জাতিক ডেস্ক', undefined],
    ['চট্টগ্রাম ব্যুরো', 'চট্টগ্রাম ব্যুরো', 'চট্টগ্রাম'],
  ])('a line of its own %s is the byline', (line, byline, place) => {
    const article = parse(`শিরোনাম\n\n${line}\n${BODY}\nসূত্র: প্রথম আলো।\n`)
    expect(article.byline).toBe(byline)
    expect(article.paragraphs).toEqual([BODY])
    expect(article.date).toBe('2025-07-15')
    expect(article.dateline?.place).toBe(place)
  })

  it('a byline prefix on the first paragraph', () => {
    const staff = parse(`শিরোনাম\n\nস্টাফ রিপোর্টার ॥ ${BODY}\nসূত্র: জনকণ্ঠ।\n`)
    expect(staff.byline).toBe('স্টাফ রিপোর্টার')
    expect(staff.paragraphs).toEqual([BODY])
    expect(staff.date).toBe('2025-07-15')
    const own = parse(`শিরোনাম\n\nনিজস্ব প্রতিবেদক: ${BODY}\nসূত্র: সমকাল।\n`)
    expect(own.byline).toBe('নিজস্ব প্রতিবেদক')
    expect(own.paragraphs).toEqual([BODY])
  })

  it('role words in the credit line are the byline, not people in credits', () => {
    const article = parse(`শিরোনাম\n\n${BODY}\nসূত্র: সিলেট প্রতিনিধি-রহিম, প্রথম আলো।\n`)
    expect(article.credits).toEqual(['রহিম'])
    expect(article.byline).toBe('সিলেট প্রতিনিধি')
    expect(article.organisation).toBe('প্রথম আলো')
    const own = parse(`শিরোনাম\n\n${BODY}\nসূত্র: নিজস্ব প্রতিবেদক।\n`)
    expect(own.credits).toEqual([])
    expect(own.byline).toBe('নিজস্ব প্রতিবেদক')
    expect(own.organisation).toBeUndefined()
  })

  it('a sentence is not a byline', () => {
    expect(readByline(BODY)).toBeNull()
    expect(readByline('প্রতিবেদকেরা জানান, ১২ জন আহত।')).toBeNull()
    expect(isRole('নিজস্ব প্রতিবেদক')).toBe(true)
    expect(isRole('অনুপমা')).toBe(false)
  })
})

describe('speakers', () => {
  it.each([
    ['ডেঙ্গু পরিস্থিতি: হাসপাতালে ভর্তি ১ হাজার ২০০'],
    ['বাজেট ২০২৫-২৬: কী থাকছে'],
    ['ঘূর্ণিঝড় রিমাল: উপকূলে ১০ নম্বর মহাবিপদসংকেত'],
    ['ঘূর্ণিঝড় রিমাল: উপকূলে জলোচ্ছ্বাসের আশঙ্কা, সরিয়ে নেওয়া হচ্ছে মানুষ'],
    ['নির্বাচন: কেন পিছিয়ে গেল ভোট'],
  ])('a topic lead is not a speaker: %s', (line) => {
    expect(splitSpeaker(line, 1)).toEqual({text: line, line: 1})
  })

  it.each([
    ['দেশ এখন সঠিক পথে : রাষ্ট্রপতি মো. সাহাবুদ্দিন', 'দেশ এখন সঠিক পথে', 'রাষ্ট্রপতি মো. সাহাবুদ্দিন'],
    [
      'ডেঙ্গু নিয়ন্ত্রণে সবাইকে সচেতন হতে হবে: ডা. আব্দুল্লাহ',
      'ডেঙ্গু নিয়ন্ত্রণে সবাইকে সচেতন হতে হবে',
      'ডা. আব্দুল্লাহ',
    ],
    ['সংস্কার ছাড়া নির্বাচন অর্থহীন — ড. মুহাম্মদ ইউনূস', 'সংস্কার ছাড়া নির্বাচন অর্থহীন', 'ড. মুহাম্মদ ইউনূস'],
    ['গাজায় গণহত্যা বন্ধ করতে হবে—জাতিসংঘ', 'গাজায় গণহত্যা বন্ধ করতে হবে', 'জাতিসংঘ'],
    ['বাজারে সিন্ডিকেট ভাঙা হবে ঃ বাণিজ্য উপদেষ্টা', 'বাজারে সিন্ডিকেট ভাঙা হবে', 'বাণিজ্য উপদেষ্টা'],
    [
      'পুতিন সবাইকে ধোঁকা দিয়েছেন, কিন্তু আমাকে পারেননি : ট্রাম্প',
      'পুতিন সবাইকে ধোঁকা দিয়েছেন, কিন্তু আমাকে পারেননি',
      'ট্রাম্প',
    ],
    ['রেমিট্যান্স প্রবাহ বাড়ছে: বাংলাদেশ ব্যাংক', 'রেমিট্যান্স প্রবাহ বাড়ছে', 'বাংলাদেশ ব্যাংক'],
  ])('splits %s', (line, text, speaker) => {
    expect(splitSpeaker(line.normalize('NFC'), 1)).toEqual({
      text: text.normalize('NFC'),
      speaker: speaker.normalize('NFC'),
      line: 1,
    })
  })
})

// A credit line as the desk prints it over the story: the name(s), then the role or where from.
// Names go to `credits` one by one, the role to `byline`, a place to `dateline.place`.
describe('names with their role', () => {
  const DEC = 'শনিবার (৫ ডিসেম্বর) সকালে রাজধানীতে এক অনুষ্ঠানে তিনি এ কথা বলেন।'
  const parseDec = (text: string) => parse(text, '2026-12-06')
  // [the line over the story, credits, byline, place]
  const LINES: [string, string[], string | undefined, string | undefined][] = [
    ['আবদুল করিম, নিজস্ব প্রতিবেদক', ['আবদুল করিম'], 'নিজস্ব প্রতিবেদক', undefined],
    ['আবদুল করিম, স্টাফ রিপোর্টার', ['আবদুল করিম'], 'স্টাফ রিপোর্টার', undefined],
    ['আবদুল করিম, বিশেষ প্রতিনিধি', ['আবদুল করিম'], 'বিশেষ প্রতিনিধি', undefined],
    ['আবদুল করিম, জেলা প্রতিনিধি', ['আবদুল করিম'], 'জেলা প্রতিনিধি', undefined],
    ['আবদুল করিম, ঢাকা অফিস', ['আবদুল করিম'], 'ঢাকা অফিস', 'ঢাকা'],
    ['আবদুল করিম, কক্সবাজার থেকে', ['আবদুল করিম'], undefined, 'কক্সবাজার'],
    ['মো. আবদুল করিম, টেকনাফ (কক্সবাজার) থেকে', ['মো. আবদুল করিম'], undefined, 'টেকনাফ (কক্সবাজার)'],
    ['আবদুল করিম, নিজস্ব প্রতিবেদক, চট্টগ্রাম', ['আবদুল করিম'], 'নিজস্ব প্রতিবেদক, চট্টগ্রাম', 'চট্টগ্রাম'],
    [
      'আবদুল করিম ও রহিম উদ্দিন, নিজস্ব প্রতিবেদক',
      ['আবদুল করিম', 'রহিম উদ্দিন'],
      'নিজস্ব প্রতিবেদক',
      undefined,
    ],
    [
      'আবদুল করিম এবং রহিম উদ্দিন, স্টাফ রিপোর্টার',
      ['আবদুল করিম', 'রহিম উদ্দিন'],
      'স্টাফ রিপোর্টার',
      undefined,
    ],
    [
      'আবদুল করিম, রহিম উদ্দিন ও সালমা খাতুন, নিজস্ব প্রতিবেদক',
      ['আবদুল করিম', 'রহিম উদ্দিন', 'সালমা খাতুন'],
      'নিজস্ব প্রতিবেদক',
      undefined,
    ],
    ['আবদুল করিম ও রহিম উদ্দিন', ['আবদুল করিম', 'রহিম উদ্দিন'], undefined, undefined],
    ['নিজস্ব প্রতিবেদক', [], 'নিজস্ব প্রতিবেদক', undefined],
  ]
  it.each(LINES)('%s on its own line', (line, credits, byline, place) => {
    const article = parseDec(`শিরোনাম\n\n${line}\n${DEC}\nসূত্র: বাসস।\n`)
    expect(article.credits).toEqual(credits.map((name) => name.normalize('NFC')))
    expect(article.byline).toBe(byline?.normalize('NFC'))
    expect(article.dateline?.place).toBe(place?.normalize('NFC'))
    expect(article.paragraphs).toEqual([DEC.normalize('NFC')])
    expect(article.date).toBe('2026-12-05')
  })

  it('a prefix with a name and role: আবদুল করিম, নিজস্ব প্রতিবেদক ॥', () => {
    const article = parseDec(`শিরোনাম\n\nআবদুল করিম, নিজস্ব প্রতিবেদক ॥ ${DEC}\nসূত্র: বাসস।\n`)
    expect(article.credits).toEqual(['আবদুল করিম'.normalize('NFC')])
    expect(article.byline).toBe('নিজস্ব প্রতিবেদক'.normalize('NFC'))
    expect(article.paragraphs).toEqual([DEC.normalize('NFC')])
  })

  // [the credit line's value, credits, byline, organisation]
  const CREDIT_LINES: [string, string[], string | undefined, string | undefined][] = [
    ['আবদুল করিম, নিজস্ব প্রতিবেদক', ['আবদুল করিম'], 'নিজস্ব প্রতিবেদক', undefined],
    ['আবদুল করিম, ঢাকা অফিস', ['আবদুল করিম'], 'ঢাকা অফিস', undefined],
    ['আবদুল করিম, কক্সবাজার থেকে', ['আবদুল করিম'], undefined, undefined],
    ['আবদুল করিম ও রহিম উদ্দিন, প্রথম আলো', ['আবদুল করিম', 'রহিম উদ্দিন'], undefined, 'প্রথম আলো'],
    ['আবদুল করিম, স্টাফ রিপোর্টার, প্রথম আলো', ['আবদুল করিম'], 'স্টাফ রিপোর্টার', 'প্রথম আলো'],
  ]
  it.each(CREDIT_LINES)('সূত্র: %s।', (value, credits, byline, organisation) => {
    const article = parseDec(`শিরোনাম\n\n${DEC}\nসূত্র: ${value}।\n`)
    expect(article.credits).toEqual(credits.map((name) => name.normalize('NFC')))
    expect(article.byline).toBe(byline?.normalize('NFC'))
    expect(article.organisation).toBe(organisation?.normalize('NFC'))
  })

  it('keeps an organisation joined by ও whole, and a sentence a paragraph', () => {
    const chamber = parseDec(`শিরোনাম\n\n${DEC}\nসূত্র: বাংলাদেশ শিল্প ও বণিক সমিতি।\n`)
    expect(chamber.organisation).toBe('বাংলাদেশ শিল্প ও বণিক সমিতি'.normalize('NFC'))
    expect(chamber.credits).toEqual([])
    const sentence = 'তিনি ও তাঁর স্ত্রী, নিজস্ব প্রতিবেদককে জানান।'
    const article = parseDec(`শিরোনাম\n\n${sentence}\n${DEC}\nসূত্র: বাসস।\n`)
    expect(article.paragraphs[0]).toBe(sentence.normalize('NFC'))
    expect(article.credits).toEqual([])
  })
})

// The upazila and its district as desks write them after a name or a role: in brackets or after
// a comma ('উখিয়া, কক্সবাজার'), and a bureau after a role ('বিশেষ প্রতিনিধি, চট্টগ্রাম ব্যুরো').
describe('an upazila and its district after a name or role', () => {
  const DEC = 'শনিবার (৫ ডিসেম্বর) সকালে উপজেলা সদরে এক অনুষ্ঠানে তিনি এ কথা বলেন।'
  // [the line over the story, credits, byline, place]
  const LINES: [string, string[], string | undefined, string][] = [
    ['আবদুল করিম, উখিয়া, কক্সবাজার', ['আবদুল করিম'], undefined, 'উখিয়া, কক্সবাজার'],
    ['নিজস্ব প্রতিবেদক, উখিয়া, কক্সবাজার', [], 'নিজস্ব প্রতিবেদক, উখিয়া, কক্সবাজার', 'উখিয়া, কক্সবাজার'],
    ['বিশেষ প্রতিনিধি, চট্টগ্রাম ব্যুরো', [], 'বিশেষ প্রতিনিধি, চট্টগ্রাম ব্যুরো', 'চট্টগ্রাম'],
    [
      'আবদুল করিম, উখিয়া (কক্সবাজার) প্রতিনিধি',
      ['আবদুল করিম'],
      'উখিয়া (কক্সবাজার) প্রতিনিধি',
      'উখিয়া (কক্সবাজার)',
    ],
  ]
  it.each(LINES)('%s', (line, credits, byline, place) => {
    const article = parse(`শিরোনাম\n\n${line}\n${DEC}\nসূত্র: বাসস।\n`, '2026-12-06')
    expect(article.credits).toEqual(credits.map((name) => name.normalize('NFC')))
    expect(article.byline).toBe(byline?.normalize('NFC'))
    expect(article.dateline?.place).toBe(place.normalize('NFC'))
    expect(article.paragraphs).toEqual([DEC.normalize('NFC')])
  })
})

// A name line's last comma part is a place only when it is a known place or reads as one (one
// word, '… থেকে', a bracketed district); otherwise it is one more name, never a dropped one.
describe('the last name on a line of names', () => {
  const DEC = 'শনিবার (৫ ডিসেম্বর) সকালে রাজধানীতে এক অনুষ্ঠানে তিনি এ কথা বলেন।'
  const DHAKA = 'ঢাকা, ৫ ডিসেম্বর : রাজধানীতে এক অনুষ্ঠানে তিনি এ কথা বলেন।'
  const parseDec = (line: string, lede = DEC) =>
    parse(`শিরোনাম\n\n${line}\n${lede}\nসূত্র: বাসস।\n`, '2026-12-06')
  const nfcAll = (names: string[]) => names.map((name) => name.normalize('NFC'))
  // [the line over the story, the lede, credits, place]
  const LINES: [string, string, string[], string | undefined][] = [
    [
      'আবদুল করিম, রহিম উদ্দিন, সেলিনা হোসেন',
      DEC,
      ['আবদুল করিম', 'রহিম উদ্দিন', 'সেলিনা হোসেন'],
      undefined,
    ],
    [
      'আবদুল করিম, রহিম উদ্দিন, সেলিনা হোসেন',
      DHAKA,
      ['আবদুল করিম', 'রহিম উদ্দিন', 'সেলিনা হোসেন'],
      'ঢাকা',
    ],
    ['আবদুল করিম, রহিম উদ্দিন', DEC, ['আবদুল করিম', 'রহিম উদ্দিন'], undefined],
    ['সেলিনা হোসেন, মো. রফিকুল ইসলাম', DEC, ['সেলিনা হোসেন', 'মো. রফিকুল ইসলাম'], undefined],
    ['আবদুল করিম, রহিম উদ্দিন, কক্সবাজার', DEC, ['আবদুল করিম', 'রহিম উদ্দিন'], 'কক্সবাজার'],
    ['আবদুল করিম, কক্সবাজার সদর', DEC, ['আবদুল করিম'], 'কক্সবাজার সদর'],
    ['আবদুল করিম, কুলাউড়া', DEC, ['আবদুল করিম'], 'কুলাউড়া'],
  ]
  it.each(LINES)('%s (case %#)', (line, lede, credits, place) => {
    const article = parseDec(line, lede)
    expect(article.credits).toEqual(nfcAll(credits))
    expect(article.dateline?.place).toBe(place?.normalize('NFC'))
    expect(article.paragraphs).toEqual([lede.normalize('NFC')])
    expect(article.date).toBe('2026-12-05')
    expect(article.warnings).toEqual([])
  })

  it('a last part that may be a place or a name is a name, with a warning naming the line', () => {
    // 'পদ্মা' is a river and a woman's name: 'পদ্মা রানী' is kept as a credit.
    const article = parseDec('আবদুল করিম, পদ্মা রানী')
    expect(article.credits).toEqual(nfcAll(['আবদুল করিম', 'পদ্মা রানী']))
    expect(article.dateline?.place).toBeUndefined()
    expect(article.date).toBe('2026-12-05')
    expect(article.warnings).toEqual([
      {line: 3, message: expect.stringContaining('পদ্মা রানী'.normalize('NFC'))},
    ])
  })

  it('a place after the names that the dateline overrides is not dropped silently', () => {
    const article = parseDec('আবদুল করিম, কুলাউড়া', DHAKA)
    expect(article.credits).toEqual(nfcAll(['আবদুল করিম']))
    expect(article.dateline?.place).toBe('ঢাকা')
    expect(article.warnings).toEqual([
      {line: 3, message: expect.stringContaining('কুলাউড়া'.normalize('NFC'))},
    ])
  })
})

// Organisations named in the credit line hold 'ও' and 'এবং' ('বাংলাদেশ শিল্প ও বণিক সমিতি'): a
// part that reads as an organisation is a source, never cut into two people.
describe('organisations in the credit line', () => {
  const DEC = 'শনিবার (৫ ডিসেম্বর) সকালে রাজধানীতে এক অনুষ্ঠানে তিনি এ কথা বলেন।'
  const parseDec = (text: string) => parse(text, '2026-12-06')
  const nfcAll = (names: string[]) => names.map((name) => name.normalize('NFC'))
  // [the credit line's value, credits, every source named, the article's source]
  const LINES: [string, string[], string[], string][] = [
    ['বাংলাদেশ শিল্প ও বণিক সমিতি, রয়টার্স', [], ['বাংলাদেশ শিল্প ও বণিক সমিতি', 'রয়টার্স'], 'রয়টার্স'],
    [
      'ঢাকা চেম্বার অব কমার্স অ্যান্ড ইন্ডাস্ট্রি, বাসস',
      [],
      ['ঢাকা চেম্বার অব কমার্স অ্যান্ড ইন্ডাস্ট্রি', 'বাসস'],
      'বাসস',
    ],
    [
      'আবদুল করিম, জাতিসংঘ খাদ্য ও কৃষি সংস্থা, বাসস',
      ['আবদুল করিম'],
      ['জাতিসংঘ খাদ্য ও কৃষি সংস্থা', 'বাসস'],
      'বাসস',
    ],
    [
      'ঢাকা চেম্বার অব কমার্স অ্যান্ড ইন্ডাস্ট্রি',
      [],
      ['ঢাকা চেম্বার অব কমার্স অ্যান্ড ইন্ডাস্ট্রি'],
      'ঢাকা চেম্বার অব কমার্স অ্যান্ড ইন্ডাস্ট্রি',
    ],
    ['আবদুল করিম ও রহিম উদ্দিন, প্রথম আলো', ['আবদুল করিম', 'রহিম উদ্দিন'], ['প্রথম আলো'], 'প্রথম আলো'],
    // A person and an organisation joined by 'ও': a credit and a source, not one merged source.
    ['আবদুল করিম ও বাংলাদেশ ব্যাংক, বাসস', ['আবদুল করিম'], ['বাংলাদেশ ব্যাংক', 'বাসস'], 'বাসস'],
    ['বাংলাদেশ ব্যাংক ও আবদুল করিম, বাসস', ['আবদুল করিম'], ['বাংলাদেশ ব্যাংক', 'বাসস'], 'বাসস'],
    // Two organisations, each with its own organisation's word: two sources.
    ['পুলিশ ও ফায়ার সার্ভিস, বাসস', [], ['পুলিশ', 'ফায়ার সার্ভিস', 'বাসস'], 'বাসস'],
  ]
  it.each(LINES)('সূত্র: %s।', (value, credits, sources, source) => {
    const article = parseDec(`শিরোনাম\n\n${DEC}\nসূত্র: ${value}।\n`)
    expect(article.credits).toEqual(nfcAll(credits))
    expect([...(article.otherOrganisations ?? []), article.organisation]).toEqual(nfcAll(sources))
    expect(article.organisation).toBe(source.normalize('NFC'))
  })

  it('a part that reads as neither a person nor an organisation is kept as a credit, with a warning', () => {
    const article = parseDec(
      `শিরোনাম\n\n${DEC}\nসূত্র: পুলিশের এক ঊর্ধ্বতন কর্মকর্তা এ তথ্য জানান, বাসস।\n`,
    )
    expect(article.organisation).toBe('বাসস'.normalize('NFC'))
    expect(article.warnings).toEqual([
      {
        line: 4,
        message: expect.stringContaining('পুলিশের এক ঊর্ধ্বতন কর্মকর্তা এ তথ্য জানান'.normalize('NFC')),
      },
    ])
  })

  it('an organisation on a line of its own is no reporter', () => {
    const article = parseDec(`শিরোনাম\n\nবাংলাদেশ শিল্প ও বণিক সমিতি\n${DEC}\nসূত্র: বাসস।\n`)
    expect(article.credits).toEqual([])
    expect(article.paragraphs).toHaveLength(2)
  })
})

// Bylines as the desks print them: a reporter known by one name, the paper's own report, an
// online outlet after the role, an upazila the module does not list.
describe('one-word names, the paper’s report and the outlet in a byline', () => {
  const DEC = 'শনিবার (৫ ডিসেম্বর) সকালে রাজধানীতে এক অনুষ্ঠানে তিনি এ কথা বলেন।'
  const nfcAll = (names: string[]) => names.map((name) => name.normalize('NFC'))
  // [the line over the story, credits, byline, place]
  const LINES: [string, string[], string | undefined, string | undefined][] = [
    // সরকার is a common surname as well as 'the government'
    ['রফিকুল ইসলাম সরকার, নিজস্ব প্রতিবেদক', ['রফিকুল ইসলাম সরকার'], 'নিজস্ব প্রতিবেদক', undefined],
    ['আবদুল করিম, দক্ষিণ সুরমা', ['আবদুল করিম'], undefined, 'দক্ষিণ সুরমা'],
    ['আবদুল করিম, নাসিরনগর সদর', ['আবদুল করিম'], undefined, 'নাসিরনগর সদর'],
    ['যুগান্তর প্রতিবেদন', [], 'যুগান্তর প্রতিবেদন', undefined],
    ['ইত্তেফাক রিপোর্ট', [], 'ইত্তেফাক রিপোর্ট', undefined],
    [
      'নিজস্ব প্রতিবেদক, বিডিনিউজ টোয়েন্টিফোর ডটকম',
      [],
      'নিজস্ব প্রতিবেদক, বিডিনিউজ টোয়েন্টিফোর ডটকম',
      undefined,
    ],
    [
      'চট্টগ্রাম ব্যুরো, বিডিনিউজ টোয়েন্টিফোর ডটকম',
      [],
      'চট্টগ্রাম ব্যুরো, বিডিনিউজ টোয়েন্টিফোর ডটকম',
      'চট্টগ্রাম',
    ],
    [
      'আবদুল করিম, রহিম উদ্দিন, নাসিরনগর উপজেলা',
      ['আবদুল করিম', 'রহিম উদ্দিন'],
      undefined,
      'নাসিরনগর উপজেলা',
    ],
  ]
  it.each(LINES)('%s', (line, credits, byline, place) => {
    const article = parse(`শিরোনাম\n\n${line}\n${DEC}\nসূত্র: বাসস।\n`, '2026-12-06')
    expect(article.credits).toEqual(nfcAll(credits))
    expect(article.byline).toBe(byline?.normalize('NFC'))
    expect(article.dateline?.place).toBe(place?.normalize('NFC'))
    expect(article.paragraphs).toEqual([DEC.normalize('NFC')])
    expect(article.date).toBe('2026-12-05')
    expect(article.warnings).toEqual([])
  })

  // One word before the role is a reporter known by one name or an upazila the module does not
  // list ('মাওয়া, নিজস্ব প্রতিবেদক'; পলাশ, a given name, is left out of the list): read as the
  // name, with a warning naming the line.
  it.each([
    ['রিয়াজ, নিজস্ব প্রতিবেদক', ['রিয়াজ'], 'নিজস্ব প্রতিবেদক', undefined],
    ['মাওয়া, নিজস্ব প্রতিবেদক', ['মাওয়া'], 'নিজস্ব প্রতিবেদক', undefined],
    ['পলাশ, স্টাফ রিপোর্টার', ['পলাশ'], 'স্টাফ রিপোর্টার', undefined],
    ['রিয়াজ ও সুমন, স্টাফ রিপোর্টার', ['রিয়াজ', 'সুমন'], 'স্টাফ রিপোর্টার', undefined],
    ['রিয়াজ, নিজস্ব প্রতিবেদক, চট্টগ্রাম', ['রিয়াজ'], 'নিজস্ব প্রতিবেদক, চট্টগ্রাম', 'চট্টগ্রাম'],
  ])('%s: a one-word name, with a warning', (line, credits, byline, place) => {
    const article = parse(`শিরোনাম\n\n${line}\n${DEC}\nসূত্র: বাসস।\n`, '2026-12-06')
    expect(article.credits).toEqual(nfcAll(credits))
    expect(article.byline).toBe(byline.normalize('NFC'))
    expect(article.dateline?.place).toBe(place?.normalize('NFC'))
    expect(article.warnings).toEqual([
      {line: 3, message: expect.stringContaining(`'${credits[0]!.normalize('NFC')}'`)},
    ])
  })

  // The place first, as district desks print it: where the story is from, no name, no warning.
  it.each([
    ['চট্টগ্রাম, নিজস্ব প্রতিবেদক', 'চট্টগ্রাম'],
    ['সাভার, নিজস্ব প্রতিবেদক', 'সাভার'],
    ['রাজৈর, স্টাফ রিপোর্টার', 'রাজৈর'],
    ['ডাসার (মাদারীপুর), প্রতিনিধি', 'ডাসার (মাদারীপুর)'],
  ])('a place before the role, %s, is the place and no name', (line, place) => {
    const article = parse(`শিরোনাম\n\n${line}\n${DEC}\nসূত্র: বাসস।\n`, '2026-12-06')
    expect(article.credits).toEqual([])
    expect(article.byline).toBe(line.normalize('NFC'))
    expect(article.dateline?.place).toBe(place.normalize('NFC'))
    expect(article.warnings).toEqual([])
  })
})
