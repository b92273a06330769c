/**
 * Copy as district correspondents and online desks send it: names with a place after them, a
 * place closed by a colon, a dateline closed by ' :', one-word names, Bengali and English digits,
 * era words. Each read by the real parser, and the stories imported into a real lake: what the
 * parser cannot be sure of is never a silent guess, but a warning naming the line.
 */
import {describe, expect, it} from 'vitest'
import {parseArticle, parseDateline} from '../../scripts/lib/parseArticle.ts'
import {parseIsoDate} from '../../scripts/lib/dates.ts'
import {useImportLake} from '../helpers/importer.ts'
import SPELLINGS from '../../bangla/spellings.json' with {type: 'json'}

// Sunday 6 December 2026; Saturday the 5th is the day before.
const AS_OF = '2026-12-06'
const LEDE = 'শনিবার (৫ ডিসেম্বর) সকালে উপজেলা সদরে এ ঘটনা ঘটে।'
const nfc = (text: string) => text.normalize('NFC')
const parse = (text: string) => parseArticle(text, {file: 'story.txt', asOf: AS_OF})

describe('one word after the names', () => {
  // [name line, credits, place, words the warning on line 3 must hold (none: no warning)]
  const NAME_LINES: [string, string[], string, string[]][] = [
    // A place the module lists: no doubt.
    ['আবদুল রহিম ও আবদুল করিম, সাভার', ['আবদুল রহিম', 'আবদুল করিম'], 'সাভার', []],
    // A town the module does not list, or a person: read as the place, said so.
    ['আবদুল রহিম ও আবদুল করিম, মাওয়া', ['আবদুল রহিম', 'আবদুল করিম'], 'মাওয়া', ["'মাওয়া'"]],
    // Every upazila is listed (ডাসার, made in 2021, too): no doubt.
    ['আবদুল রহিম ও আবদুল করিম, ডাসার', ['আবদুল রহিম', 'আবদুল করিম'], 'ডাসার', []],
    ['আবদুল রহিম, ডাসার থেকে', ['আবদুল রহিম'], 'ডাসার', []],
    ['আবদুল রহিম, ডাসার (মাদারীপুর)', ['আবদুল রহিম'], 'ডাসার (মাদারীপুর)', []],
    // Reporters known by one name before a listed place: read, said so.
    ['রহিম ও করিম, সাভার', ['রহিম', 'করিম'], 'সাভার', ["'রহিম'", "'করিম'"]],
  ]
  it.each(NAME_LINES)('the name line %s', (line, credits, place, warned) => {
    const article = parse(`শিরোনাম\n\n${line}\n${LEDE}\nসূত্র: বাসস।\n`)
    expect(article.credits).toEqual(credits.map(nfc))
    expect(article.dateline?.place).toBe(nfc(place))
    expect(article.date).toBe('2026-12-05')
    expect(article.paragraphs).toEqual([nfc(LEDE)])
    expect(article.warnings).toEqual(
      warned.length === 0
        ? []
        : [{line: 3, message: expect.stringMatching(new RegExp(warned.map(nfc).join('.*')))}],
    )
  })

  // [credit line, credits, source, place, words the warning on line 4 must hold (none: no warning)]
  const CREDIT_LINES: [string, string[], string | undefined, string | undefined, string[]][] = [
    ['সূত্র: রহিম ও করিম, প্রতিবেদক।', ['রহিম', 'করিম'], undefined, undefined, []],
    // A listed place is where the story is from, never a source.
    ['সূত্র: রহিম ও করিম, সাভার।', ['রহিম', 'করিম'], undefined, 'সাভার', []],
    ['সূত্র: আবদুল রহিম ও আবদুল করিম, সাভার।', ['আবদুল রহিম', 'আবদুল করিম'], undefined, 'সাভার', []],
    ['সূত্র: বাসস, ঢাকা।', [], 'বাসস', 'ঢাকা', []],
    // One word known neither as a source nor as a place: the source, said so.
    ['সূত্র: রহিম ও করিম, মাওয়া।', ['রহিম', 'করিম'], 'মাওয়া', undefined, ["'মাওয়া'", 'থেকে']],
    // Two reporters by one name each, then an upazila: the place, no source.
    ['সূত্র: রহিম ও করিম, ডাসার।', ['রহিম', 'করিম'], undefined, 'ডাসার', []],
    // The place first, then the desk's credit: the place, no credit.
    ['সূত্র: সাভার, নিজস্ব প্রতিবেদক।', [], undefined, 'সাভার', []],
    ['সূত্র: রহিম ও করিম, ডাসার থেকে।', ['রহিম', 'করিম'], undefined, 'ডাসার', []],
    // After a role one word is the place, as in a byline; said so when the module does not list it.
    ['সূত্র: নিজস্ব প্রতিবেদক, সাভার।', [], undefined, 'সাভার', []],
    ['সূত্র: নিজস্ব প্রতিবেদক, ডাসার।', [], undefined, 'ডাসার', []],
    ['সূত্র: নিজস্ব প্রতিবেদক, মাওয়া।', [], undefined, 'মাওয়া', ["'মাওয়া'"]],
    // A listed place alone is where the story is from, never a source; said so, naming the line.
    ['সূত্র: সাভার।', [], undefined, 'সাভার', ["'সাভার'", 'no source']],
    ['সূত্র: লালমোহন।', [], undefined, 'লালমোহন', ["'লালমোহন'", 'no source']],
    ['সূত্র: ডাসার থেকে।', [], undefined, 'ডাসার', ["'ডাসার থেকে'", 'no source']],
    // An organisation holding ও (কেন্দ্র) is a source, never a person.
    ['সূত্র: আইন ও সালিশ কেন্দ্র, বাসস।', [], 'বাসস', undefined, ["'আইন ও সালিশ কেন্দ্র'", "'বাসস'"]],
  ]
  it.each(CREDIT_LINES)('the credit line %s', (line, credits, source, place, warned) => {
    const article = parse(`শিরোনাম\n\n${LEDE}\n${line}\n`)
    expect(article.credits).toEqual(credits.map(nfc))
    expect(article.organisation).toBe(source && nfc(source))
    expect(article.dateline?.place).toBe(place && nfc(place))
    expect(article.warnings).toEqual(
      warned.length === 0
        ? []
        : [{line: 4, message: expect.stringMatching(new RegExp(warned.map(nfc).join('.*')))}],
    )
  })

  it('a name holding ও that reads as no name is a credit with a warning, never a silent person', () => {
    const article = parse(`শিরোনাম\n\n${LEDE}\nসূত্র: ডাল ও ভাত বিক্রেতা, বাসস।\n`)
    expect(article.credits).toEqual([nfc('ডাল ও ভাত বিক্রেতা')])
    expect(article.warnings).toEqual([
      {line: 4, message: expect.stringContaining(nfc("'ডাল ও ভাত বিক্রেতা'"))},
    ])
  })
})

describe('the places the module lists (districts, divisions, upazilas in the news)', () => {
  const places = Object.keys(SPELLINGS.places).filter((place) => place !== 'উপজেলা')
  it.each(places)('%s after a name is the place, without a warning', (place) => {
    const article = parse(`শিরোনাম\n\nআবদুল রহিম, ${place}\n${LEDE}\nসূত্র: বাসস।\n`)
    expect(article.credits).toEqual([nfc('আবদুল রহিম')])
    expect(article.dateline?.place).toBe(nfc(place))
    expect(article.warnings).toEqual([])
  })

  // A sample of the BBS list's upazilas, one of each division, and the newest (ঈদগাঁও, মধ্যনগর, ডাসার).
  it.each([
    ['শিবচর'],
    ['কালকিনি'],
    ['হাটহাজারী'],
    ['চকরিয়া'],
    ['গোয়াইনঘাট'],
    ['ত্রিশাল'],
    ['লালমাই'],
    ['গুইমারা'],
    ['সুজানগর'],
    ['বটিয়াঘাটা'],
    ['মেহেন্দিগঞ্জ'],
    ['বাহুবল'],
    ['দেলদুয়ার'],
    ['কাহারোল'],
    ['পূর্বধলা'],
    ['ঈদগাঁও'],
    ['মধ্যনগর'],
    ['ডাসার'],
  ])('the upazila %s is listed', (place) => {
    expect(Object.keys(SPELLINGS.places)).toContain(nfc(place))
  })
})

describe('a dateline closed by a colon, and a place before a colon', () => {
  // [paragraph, dateline text as the desk wrote it, place]
  const CLOSED: [string, string, string | undefined][] = [
    ['ঢাকা, শনিবার (৫ ডিসেম্বর) : সকালে …', 'ঢাকা, শনিবার (৫ ডিসেম্বর) :', 'ঢাকা'],
    ['শনিবার (৫ ডিসেম্বর) : সকালে …', 'শনিবার (৫ ডিসেম্বর) :', undefined],
    ['শনিবার (৫ ডিসেম্বর): সকালে …', 'শনিবার (৫ ডিসেম্বর):', undefined],
    ['শনিবার, ৫ ডিসেম্বর ২০২৬ : সকালে …', 'শনিবার, ৫ ডিসেম্বর ২০২৬ :', undefined],
    ['সাভার, শনিবার (৫ ডিসেম্বর) — সকালে …', 'সাভার, শনিবার (৫ ডিসেম্বর) —', 'সাভার'],
    ['ঢাকা : শনিবার (৫ ডিসেম্বর) সকালে …', 'ঢাকা : শনিবার (৫ ডিসেম্বর) সকালে', 'ঢাকা'],
    ['ঢাকা: শনিবার (৫ ডিসেম্বর) সকালে …', 'ঢাকা: শনিবার (৫ ডিসেম্বর) সকালে', 'ঢাকা'],
    ['ঢাকাঃ শনিবার (৫ ডিসেম্বর) সকালে …', 'ঢাকাঃ শনিবার (৫ ডিসেম্বর) সকালে', 'ঢাকা'],
    [
      'সাভার (ঢাকা) : শনিবার (৫ ডিসেম্বর) সকালে …',
      'সাভার (ঢাকা) : শনিবার (৫ ডিসেম্বর) সকালে',
      'সাভার (ঢাকা)',
    ],
    ['ঢাকা : আজ ৬ ডিসেম্বর সকালে …', 'ঢাকা : আজ ৬ ডিসেম্বর সকালে', 'ঢাকা'],
  ]
  it.each(CLOSED)('%s', (paragraph, text, place) => {
    const result = parseDateline(paragraph, parseIsoDate(AS_OF)!)
    expect(result.warnings).toEqual([])
    expect(result.dateline?.text).toBe(nfc(text))
    expect(result.dateline?.place).toBe(place && nfc(place))
    expect(result.dateline?.date).toBe(text.includes('আজ') ? '2026-12-06' : '2026-12-05')
  })

  // A clock time typed with a dot or a colon, as online desks do, is part of the dateline's text.
  it.each([
    ['শনিবার (৫ ডিসেম্বর) সকাল ১০.৩০ মিনিটে …', 'শনিবার (৫ ডিসেম্বর) সকাল ১০.৩০ মিনিটে'],
    ['শনিবার (৫ ডিসেম্বর) সকাল ১০:৩০ মিনিটে …', 'শনিবার (৫ ডিসেম্বর) সকাল ১০:৩০ মিনিটে'],
    ['শনিবার (৫ ডিসেম্বর) রাত 11.30টায় …', 'শনিবার (৫ ডিসেম্বর) রাত 11.30টায়'],
    ['শনিবার রাত ১১.৩০টার দিকে (৫ ডিসেম্বর) …', 'শনিবার রাত ১১.৩০টার দিকে (৫ ডিসেম্বর)'],
  ])('%s', (paragraph, text) => {
    const result = parseDateline(paragraph, parseIsoDate(AS_OF)!)
    expect(result.warnings).toEqual([])
    expect(result.dateline).toMatchObject({text: nfc(text), date: '2026-12-05'})
  })

  it('a web page’s update line is no place and no dateline', () => {
    expect(parseDateline('আপডেট: শনিবার, ৫ ডিসেম্বর ২০২৬', parseIsoDate(AS_OF)!).dateline).toBeNull()
  })

  it('a dateline closed by a colon alone on its line is followed by the reporter’s name', () => {
    const article = parse(
      `শিরোনাম\n\nঢাকা, শনিবার (৫ ডিসেম্বর) :\nআবদুল রহিম\nসকালে এ ঘটনা ঘটে।\nসূত্র: বাসস।\n`,
    )
    expect(article.credits).toEqual([nfc('আবদুল রহিম')])
    expect(article.dateline).toMatchObject({text: nfc('ঢাকা, শনিবার (৫ ডিসেম্বর) :'), place: 'ঢাকা'})
  })
})

describe('an online desk’s header lines', () => {
  // [the lines before the lede, the date line's text]
  const HEADERS: [string, string][] = [
    // The weekday after the date.
    ['প্রকাশিত: ৫ ডিসেম্বর ২০২৬ খ্রি., শনিবার', 'প্রকাশিত: ৫ ডিসেম্বর ২০২৬ খ্রি., শনিবার'],
    ['তারিখ: ০৫/১২/২০২৬ (শনিবার)', 'তারিখ: ০৫/১২/২০২৬ (শনিবার)'],
    // On the byline's line.
    ['অনলাইন ডেস্ক | প্রকাশিত: ০৫ ডিসেম্বর ২০২৬, ১০:৩০', 'প্রকাশিত: ০৫ ডিসেম্বর ২০২৬, ১০:৩০'],
    ['ডেস্ক রিপোর্ট ॥ প্রকাশ: শনিবার, ৫ ডিসেম্বর ২০২৬', 'প্রকাশ: শনিবার, ৫ ডিসেম্বর ২০২৬'],
  ]
  it.each(HEADERS)('%s dates the story and is no paragraph', (header, text) => {
    const article = parse(`শিরোনাম\n\n${header}\nসকালে রাজধানীতে এ ঘটনা ঘটে।\nসূত্র: বাসস।\n`)
    expect(article.date).toBe('2026-12-05')
    expect(article.dateline?.text).toBe(nfc(text))
    expect(article.paragraphs).toEqual([nfc('সকালে রাজধানীতে এ ঘটনা ঘটে।')])
    expect(article.warnings).toEqual([])
  })

  it('a weekday after the date that does not fit it is named', () => {
    const article = parse(
      `শিরোনাম\n\nপ্রকাশিত: ৫ ডিসেম্বর ২০২৬, রবিবার\nসকালে রাজধানীতে এ ঘটনা ঘটে।\nসূত্র: বাসস।\n`,
    )
    expect(article.warnings).toContainEqual({line: 3, message: expect.stringContaining('weekday')})
  })

  it('an update line on the byline’s line is no paragraph and never dates the story', () => {
    const article = parse(
      `শিরোনাম\n\nঅনলাইন ডেস্ক | আপডেট: ০৫ ডিসেম্বর ২০২৬, ১২:১৫\nসকালে রাজধানীতে এ ঘটনা ঘটে।\nসূত্র: বাসস।\n`,
    )
    expect(article.byline).toBe(nfc('অনলাইন ডেস্ক'))
    expect(article.paragraphs).toEqual([nfc('সকালে রাজধানীতে এ ঘটনা ঘটে।')])
    expect(article.date).toBeUndefined()
    expect(article.warnings).toContainEqual({line: 3, message: expect.stringContaining('updated')})
  })
})

// [file name, text, what it must give]
type Expected = {
  title: string
  date: string
  credits: string[]
  byline?: string
  place?: string
  source?: string
  datelineText: string
  /** Lines a warning must name. */
  warned: number[]
}
const STORIES: [string, string, Expected][] = [
  [
    'savar.txt',
    'সাভারে কারখানায় আগুন\n\nআবদুল রহিম ও আবদুল করিম, সাভার\nশনিবার (৫ ডিসেম্বর) ভোরে সাভারের আশুলিয়ায় একটি পোশাক কারখানায় আগুন লাগে।\nফায়ার সার্ভিসের চারটি ইউনিট আগুন নিয়ন্ত্রণে আনে।\nসূত্র: প্রথম আলো।\n',
    {
      title: 'সাভারে কারখানায় আগুন',
      date: '2026-12-05',
      credits: ['আবদুল রহিম', 'আবদুল করিম'],
      place: 'সাভার',
      source: 'প্রথম আলো',
      datelineText: 'শনিবার (৫ ডিসেম্বর) ভোরে',
      warned: [],
    },
  ],
  [
    'mawa.txt',
    'মাওয়ায় ফেরিঘাটে যানজট\n\nআবদুল রহিম, মাওয়া\nশনিবার (৫ ডিসেম্বর) সকালে মাওয়ায় ফেরিঘাটে যানজট হয়।\nসূত্র: সমকাল।\n',
    {
      title: 'মাওয়ায় ফেরিঘাটে যানজট',
      date: '2026-12-05',
      credits: ['আবদুল রহিম'],
      place: 'মাওয়া',
      source: 'সমকাল',
      datelineText: 'শনিবার (৫ ডিসেম্বর) সকালে',
      warned: [3],
    },
  ],
  [
    'dasar.txt',
    'ডাসারে সেতুর উদ্বোধন\n\nশনিবার (৫ ডিসেম্বর) সকালে ডাসারে নতুন সেতুর উদ্বোধন হয়।\nসূত্র: রহিম ও করিম, ডাসার।\n',
    {
      title: 'ডাসারে সেতুর উদ্বোধন',
      date: '2026-12-05',
      credits: ['রহিম', 'করিম'],
      place: 'ডাসার',
      datelineText: 'শনিবার (৫ ডিসেম্বর) সকালে',
      warned: [],
    },
  ],
  [
    'savar-desk.txt',
    'সাভারে সড়ক দুর্ঘটনা\n\nসাভার, নিজস্ব প্রতিবেদক\nশনিবার (৫ ডিসেম্বর) সকালে সাভারে সড়ক দুর্ঘটনা ঘটে।\nসূত্র: সমকাল।\n',
    {
      title: 'সাভারে সড়ক দুর্ঘটনা',
      date: '2026-12-05',
      credits: [],
      byline: 'সাভার, নিজস্ব প্রতিবেদক',
      place: 'সাভার',
      source: 'সমকাল',
      datelineText: 'শনিবার (৫ ডিসেম্বর) সকালে',
      warned: [],
    },
  ],
  [
    'online.txt',
    'রাজধানীতে শীতের তীব্রতা বাড়ছে\n\nঅনলাইন ডেস্ক\nঢাকা, শনিবার (৫ ডিসেম্বর) : রাজধানীতে আজ সকাল ১০টায় তাপমাত্রা ছিল 14 ডিগ্রি সেলসিয়াস।\nসূত্র: রহিম ও করিম, সাভার।\n',
    {
      title: 'রাজধানীতে শীতের তীব্রতা বাড়ছে',
      date: '2026-12-05',
      credits: ['রহিম', 'করিম'],
      byline: 'অনলাইন ডেস্ক',
      place: 'ঢাকা',
      datelineText: 'ঢাকা, শনিবার (৫ ডিসেম্বর) :',
      warned: [],
    },
  ],
  [
    'lalmohan.txt',
    'লালমোহনে হাটে আগুন\n\nআবদুল রহিম\nশনিবার (৫ ডিসেম্বর) ভোরে লালমোহন বাজারে আগুন লাগে।\nসূত্র: লালমোহন।\n',
    {
      title: 'লালমোহনে হাটে আগুন',
      date: '2026-12-05',
      credits: ['আবদুল রহিম'],
      place: 'লালমোহন',
      datelineText: 'শনিবার (৫ ডিসেম্বর) ভোরে',
      warned: [5],
    },
  ],
  [
    'desk-report.txt',
    'নদীভাঙনে ঘর হারাল ৫০ পরিবার\n\nডেস্ক রিপোর্ট\nশিবচর : শনিবার (৫ ডিসেম্বর ২০২৬ খ্রি.) সকালে পদ্মার ভাঙনে ৫০টি পরিবার ঘর হারিয়েছে।\nসূত্র: নিজস্ব প্রতিবেদক, শিবচর।\n',
    {
      title: 'নদীভাঙনে ঘর হারাল ৫০ পরিবার',
      date: '2026-12-05',
      credits: [],
      byline: 'ডেস্ক রিপোর্ট',
      place: 'শিবচর',
      datelineText: 'শিবচর : শনিবার (৫ ডিসেম্বর ২০২৬ খ্রি.) সকালে',
      warned: [],
    },
  ],
]

describe('correspondents’ and online desks’ stories, parsed', () => {
  it.each(STORIES)('%s', (file, text, expected) => {
    const article = parseArticle(text, {file, asOf: AS_OF})
    expect(article.date).toBe(expected.date)
    expect(article.credits).toEqual(expected.credits.map(nfc))
    expect(article.byline).toBe(expected.byline && nfc(expected.byline))
    expect(article.dateline?.place).toBe(expected.place && nfc(expected.place))
    expect(article.dateline?.text).toBe(nfc(expected.datelineText))
    expect(article.organisation).toBe(expected.source && nfc(expected.source))
    expect(article.warnings.map((warning) => warning.line)).toEqual(expected.warned)
  })
})

describe('correspondents’ and online desks’ stories, imported into the lake', () => {
  const fixture = useImportLake('correspondent-copy-')

  it('stores each story’s dateline as written, its place, credits and source; warns by line', async () => {
    const folder = await fixture.storiesFolder(
      'stories',
      Object.fromEntries(STORIES.map(([name, text]) => [name, text])),
    )
    const {code, stderr} = await fixture.importInto('correspondents', [folder, '--as-of', AS_OF])
    expect(code, stderr).toBe(0)
    for (const [file, , expected] of STORIES) {
      for (const line of expected.warned) expect(stderr).toContain(`${file}:${line}: warning:`)
    }
    const articles = await fixture.lake.client({dataset: 'correspondents'}).fetch<
      {
        title: string
        credits: string[] | null
        place: string | null
        text: string | null
        source: string | null
      }[]
    >('*[_type == "article"]{title, credits, "place": dateline.place, "text": dateline.text, "source": source->name}', {}, {perspective: 'raw'})
    expect(articles).toHaveLength(STORIES.length)
    for (const [file, , expected] of STORIES) {
      expect(
        articles.find((doc) => doc.title === nfc(expected.title)),
        file,
      ).toEqual({
        title: nfc(expected.title),
        credits: expected.credits.length > 0 ? expected.credits.map(nfc) : null,
        place: expected.place ? nfc(expected.place) : null,
        text: nfc(expected.datelineText),
        source: expected.source ? nfc(expected.source) : null,
      })
    }
    // A place is never a source document.
    const sources = await fixture.lake
      .client({dataset: 'correspondents'})
      .fetch<string[]>('*[_type == "source"].name', {}, {perspective: 'raw'})
    expect(sources.sort()).toEqual([nfc('প্রথম আলো'), nfc('সমকাল')].sort())
  })
})
