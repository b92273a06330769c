/**
 * Ten stories as Bangladeshi desks format them (Prothom Alo in print and online, bdnews24, Kaler
 * Kantho, Jugantor, Ittefaq, BSS, UNB, a district correspondent), each read by the real parser and
 * imported into a real lake: the date, place, byline, credits and source each desk's form gives.
 */
import {describe, expect, it} from 'vitest'
import {parseArticle} from '../../scripts/lib/parseArticle.ts'
import {useImportLake} from '../helpers/importer.ts'

// Sunday 6 December 2026: the paper of the day after Saturday the 5th.
const AS_OF = '2026-12-06'

type Expected = {
  title: string
  date: string
  byline?: string
  credits: string[]
  place?: string
  source?: string
  paragraphs: number
  datelineText: string
}

// [file name, text, what it must give]
const STORIES: [string, string, Expected][] = [
  [
    'prothomalo-print.txt',
    'শীতের সবজির দাম কমেছে\n\nনিজস্ব প্রতিবেদক, ঢাকা\nরাজধানীর কারওয়ান বাজারে গতকাল শনিবার (৫ ডিসেম্বর) সকালে শীতের সবজির দাম কেজিতে ১০ থেকে ১৫ টাকা কমেছে।\nবিক্রেতারা বলছেন, সরবরাহ বাড়ায় দাম কমেছে।\nসূত্র: প্রথম আলো।\n',
    {
      title: 'শীতের সবজির দাম কমেছে',
      date: '2026-12-06',
      byline: 'নিজস্ব প্রতিবেদক, ঢাকা',
      credits: [],
      place: 'ঢাকা',
      source: 'প্রথম আলো',
      paragraphs: 2,
      datelineText: 'গতকাল শনিবার (৫ ডিসেম্বর) সকালে',
    },
  ],
  [
    'prothomalo-online.txt',
    'আকবর শাহে পাহাড়ধসে নিহত ৩\n\nপ্রকাশ: ০৫ ডিসেম্বর ২০২৬, ১০: ৩০\nনিজস্ব প্রতিবেদক, চট্টগ্রাম\nচট্টগ্রাম নগরের আকবর শাহ এলাকায় আজ ভোরে পাহাড়ধসে তিনজন নিহত হয়েছেন।\nফায়ার সার্ভিস উদ্ধারকাজ চালাচ্ছে।\nসূত্র: প্রথম আলো।\n',
    {
      title: 'আকবর শাহে পাহাড়ধসে নিহত ৩',
      date: '2026-12-05',
      byline: 'নিজস্ব প্রতিবেদক, চট্টগ্রাম',
      credits: [],
      place: 'চট্টগ্রাম',
      source: 'প্রথম আলো',
      paragraphs: 2,
      datelineText: 'প্রকাশ: ০৫ ডিসেম্বর ২০২৬, ১০: ৩০',
    },
  ],
  [
    'bdnews24.txt',
    'এক্সপ্রেসওয়েতে বাস উল্টে আহত ২০\n\nনিজস্ব প্রতিবেদক, বিডিনিউজ টোয়েন্টিফোর ডটকম\nঢাকা-মাওয়া এক্সপ্রেসওয়েতে শনিবার (৫ ডিসেম্বর) বিকাল সাড়ে ৪টার দিকে একটি বাস উল্টে অন্তত ২০ জন আহত হয়েছেন।\nসূত্র: বিডিনিউজ টোয়েন্টিফোর ডটকম।\n',
    {
      title: 'এক্সপ্রেসওয়েতে বাস উল্টে আহত ২০',
      date: '2026-12-05',
      byline: 'নিজস্ব প্রতিবেদক, বিডিনিউজ টোয়েন্টিফোর ডটকম',
      credits: [],
      source: 'বিডিনিউজ টোয়েন্টিফোর ডটকম',
      paragraphs: 1,
      datelineText: 'শনিবার (৫ ডিসেম্বর) বিকাল সাড়ে ৪টার দিকে',
    },
  ],
  [
    'bdnews24-bureau.txt',
    'বন্দরে কনটেইনার জট কমেছে\n\nচট্টগ্রাম ব্যুরো, বিডিনিউজ টোয়েন্টিফোর ডটকম\nচট্টগ্রাম বন্দরে শুক্রবার (৪ ডিসেম্বর) দিবাগত রাতে কনটেইনার জট কমে এসেছে।\nসূত্র: বিডিনিউজ২৪।\n',
    {
      title: 'বন্দরে কনটেইনার জট কমেছে',
      date: '2026-12-04',
      byline: 'চট্টগ্রাম ব্যুরো, বিডিনিউজ টোয়েন্টিফোর ডটকম',
      credits: [],
      place: 'চট্টগ্রাম',
      source: 'বিডিনিউজ টোয়েন্টিফোর ডটকম',
      paragraphs: 1,
      datelineText: 'শুক্রবার (৪ ডিসেম্বর) দিবাগত রাতে',
    },
  ],
  [
    'kalerkantho.txt',
    'মেট্রোরেলের সময়সূচি বদল\n\nরিয়াজ, নিজস্ব প্রতিবেদক\nতারিখ: ০৫/১২/২০২৬\nমেট্রোরেলের সময়সূচি আগামী রবিবার থেকে বদলাচ্ছে।\nডিএমটিসিএল এ তথ্য জানিয়েছে।\nসূত্র: কালের কণ্ঠ।\n',
    {
      title: 'মেট্রোরেলের সময়সূচি বদল',
      date: '2026-12-05',
      byline: 'নিজস্ব প্রতিবেদক',
      credits: ['রিয়াজ'],
      source: 'কালের কণ্ঠ',
      paragraphs: 2,
      datelineText: 'তারিখ: ০৫/১২/২০২৬',
    },
  ],
  [
    'jugantor.txt',
    'শীতে কাঁপছে উত্তরাঞ্চল\n\nযুগান্তর প্রতিবেদন\nউত্তরাঞ্চলে শনিবার (পাঁচই ডিসেম্বর) ভোরে তাপমাত্রা নেমেছে ৯ ডিগ্রিতে।\nসূত্র: যুগান্তর।\n',
    {
      title: 'শীতে কাঁপছে উত্তরাঞ্চল',
      date: '2026-12-05',
      byline: 'যুগান্তর প্রতিবেদন',
      credits: [],
      source: 'যুগান্তর',
      paragraphs: 1,
      datelineText: 'শনিবার (পাঁচই ডিসেম্বর) ভোরে',
    },
  ],
  [
    'ittefaq.txt',
    'ব্যবসায়ীদের বাজেট প্রস্তাব\n\nইত্তেফাক রিপোর্ট\nআগামী বাজেটে করমুক্ত আয়সীমা বাড়ানোর প্রস্তাব দিয়েছেন ব্যবসায়ীরা। গতকাল শনিবার (৫ ডিসেম্বর) এক সভায় এ প্রস্তাব দেওয়া হয়।\nসূত্র: বাংলাদেশ শিল্প ও বণিক সমিতি, ইত্তেফাক।\n',
    {
      title: 'ব্যবসায়ীদের বাজেট প্রস্তাব',
      date: '',
      byline: 'ইত্তেফাক রিপোর্ট',
      credits: [],
      source: 'ইত্তেফাক',
      paragraphs: 1,
      datelineText: '',
    },
  ],
  [
    'bss.txt',
    'বিনিয়োগ বাড়াতে নীতি সহায়তার আহ্বান\n\nঢাকা, ৫ ডিসেম্বর, ২০২৬ (বাসস) : ঢাকা চেম্বার অব কমার্স অ্যান্ড ইন্ডাস্ট্রির সভাপতি আজ বিনিয়োগ বাড়াতে নীতি সহায়তার আহ্বান জানিয়েছেন।\nতিনি রাজধানীতে এক সেমিনারে বক্তব্য রাখছিলেন।\nবাসস/এসএইচ/১৮৩০/কেএমকে\n',
    {
      title: 'বিনিয়োগ বাড়াতে নীতি সহায়তার আহ্বান',
      date: '2026-12-05',
      credits: [],
      place: 'ঢাকা',
      paragraphs: 2,
      datelineText: 'ঢাকা, ৫ ডিসেম্বর, ২০২৬ (বাসস) :',
    },
  ],
  [
    'unb.txt',
    'শৈত্যপ্রবাহের পূর্বাভাস\n\nঢাকা, ৫ ডিসেম্বর (ইউএনবি)—দেশের উত্তরাঞ্চলে মৃদু শৈত্যপ্রবাহ বয়ে যেতে পারে বলে জানিয়েছে আবহাওয়া অধিদপ্তর।\nসূত্র: ইউএনবি।\n',
    {
      title: 'শৈত্যপ্রবাহের পূর্বাভাস',
      date: '2026-12-05',
      credits: [],
      place: 'ঢাকা',
      source: 'ইউনাইটেড নিউজ অব বাংলাদেশ',
      paragraphs: 1,
      datelineText: 'ঢাকা, ৫ ডিসেম্বর (ইউএনবি)—',
    },
  ],
  [
    'district.txt',
    'হাওরে আমন কাটার উৎসব\n\nআবদুল করিম, রহিম উদ্দিন, নাসিরনগর উপজেলা\nশনিবার (২০ অগ্রহায়ণ ১৪৩৩ বঙ্গাব্দ) সকালে হাওরে আমন ধান কাটা শুরু হয়েছে। চলতি 2026 সালে ফলন ভালো হয়েছে।\nসূত্র: সমকাল।\n',
    {
      title: 'হাওরে আমন কাটার উৎসব',
      date: '2026-12-05',
      credits: ['আবদুল করিম', 'রহিম উদ্দিন'],
      place: 'নাসিরনগর উপজেলা',
      source: 'সমকাল',
      paragraphs: 1,
      datelineText: 'শনিবার (২০ অগ্রহায়ণ ১৪৩৩ বঙ্গাব্দ) সকালে',
    },
  ],
]

const nfc = (text: string) => text.normalize('NFC')

describe('ten stories as the desks format them, read by the parser', () => {
  it.each(STORIES)('%s', (file, text, expected) => {
    const article = parseArticle(text, {file, asOf: AS_OF})
    expect(article.title).toBe(nfc(expected.title))
    expect(article.date ?? '').toBe(expected.date)
    expect(article.dateline?.text ?? '').toBe(nfc(expected.datelineText))
    expect(article.byline).toBe(expected.byline && nfc(expected.byline))
    expect(article.credits).toEqual(expected.credits.map(nfc))
    expect(article.dateline?.place).toBe(expected.place && nfc(expected.place))
    expect(article.paragraphs).toHaveLength(expected.paragraphs)
  })

  it('a lede whose date is not at its start is a draft with a warning naming the line', () => {
    const [file, text] = STORIES.find(([name]) => name === 'ittefaq.txt')!
    const article = parseArticle(text, {file, asOf: AS_OF})
    expect(article.date).toBeUndefined()
    expect(article.warnings).toContainEqual({line: 4, message: expect.stringContaining('draft')})
  })
})

describe('ten stories as the desks format them, imported into the lake', () => {
  const fixture = useImportLake('desk-variants-')

  it('stores each story’s date, place, byline, credits and source', async () => {
    const folder = await fixture.storiesFolder(
      'stories',
      Object.fromEntries(STORIES.map(([name, text]) => [name, text])),
    )
    const {code, stderr} = await fixture.importInto('desks', [folder, '--as-of', AS_OF])
    expect(code, stderr).toBe(0)
    const articles = await fixture.lake.client({dataset: 'desks'}).fetch<
      {
        _id: string
        title: string
        publishedAt: string | null
        byline: string | null
        credits: string[] | null
        place: string | null
        text: string | null
        source: string | null
        paragraphs: number
      }[]
    >('*[_type == "article"]{_id, title, publishedAt, byline, credits, "place": dateline.place, "text": dateline.text, "source": source->name, "paragraphs": count(body)}', {}, {perspective: 'raw'})
    expect(articles).toHaveLength(STORIES.length)
    for (const [file, , expected] of STORIES) {
      const article = articles.find((doc) => doc.title === nfc(expected.title))
      expect(article, file).toBeDefined()
      // Midnight in Dhaka, stored in UTC; an undated story is a draft.
      const publishedAt = expected.date
        ? new Date(Date.parse(`${expected.date}T00:00:00+06:00`)).toISOString()
        : null
      expect(article, file).toMatchObject({
        publishedAt,
        byline: expected.byline ? nfc(expected.byline) : null,
        credits: expected.credits.length > 0 ? expected.credits.map(nfc) : null,
        place: expected.place ? nfc(expected.place) : null,
        text: expected.datelineText ? nfc(expected.datelineText) : null,
        source: expected.source ? nfc(expected.source) : null,
        paragraphs: expected.paragraphs,
      })
      expect(article!._id.startsWith('drafts.'), file).toBe(!expected.date)
    }
    // The chamber is a source of its own, never two people.
    const sources = await fixture.lake
      .client({dataset: 'desks'})
      .fetch<string[]>('*[_type == "source"].name', {}, {perspective: 'raw'})
    expect(sources).toContain(nfc('বাংলাদেশ শিল্প ও বণিক সমিতি'))
  })
})
