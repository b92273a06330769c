import {describe, expect, it} from 'vitest'
import {graphemeLength, slugify, transliterate} from '../../bangla/index.ts'

// The romanisation is for readable URLs, newsroom style: close to how Bangladeshi sites and
// official place names write Bengali in Latin letters (Dhaka, Chattagram, Rajshahi,
// Narayanganj, Moulvibazar, Jatiya Sangsad), not ISO 15919 — no diacritics, nothing a reader
// has to decode. The choices the table pins down:
// - inherent vowel 'a' (বাংলাদেশ bangladesh); dropped at a word's end after one consonant
//   (চীন chin), kept after a conjunct (ভূমিকম্প bhumikampa, মৃত্যুদণ্ড mrityudanda) except for
//   loanword endings after a written vowel (ট্রাম্প tramp, প্রেসিডেন্ট president) and -গঞ্জ;
//   dropped inside a word between a vowel and consonant+vowel (প্রধানমন্ত্রী pradhanmantri,
//   সরকার sarkar), as Bengali speech does, but never around য় (উন্নয়ন unnayan);
// - ফ f, য j, শ/ষ sh, ছ chh, ভ bh, ড়/ঢ় r/rh, য় y, ৎ t, ং ng (n before a velar: bank);
// - ক্ষ ksh, জ্ঞ gy, ঙ্গ ng (সঙ্গে sange), ব-ফলা w (বিশ্ব bishwa), য-ফলা y, but a word-initial
//   ্যা is the /æ/ of loanwords and reads 'a' (ম্যাক্রোঁ makron);
// - chandrabindu is written 'n' (চাঁদপুর chandpur, ঠাকুরগাঁও thakurgaon, ম্যাক্রোঁ makron),
//   because that is how place names with it are spelled officially;
// - glides: initial ইয়/ইউ y (ইয়েমেন yemen, ইউরোপ yurop), ওয় w (ওয়াং wang), ি+য়া ia
//   (রাশিয়া rashia); visarga h at a word's end, silent inside (দুঃখ dukh).
// The names come from the seed article and its related headlines, plus common news words.
// This table pins the rules alone (no dictionary); tests/bangla/slugs.test.ts pins what a reader
// sees, dictionary and acronyms included.
const TABLE: [string, string][] = [
  // countries and places
  ['চীন', 'chin'],
  ['চীনা', 'china'],
  ['রাশিয়া', 'rashia'],
  ['বেইজিং', 'beijing'],
  ['শাংহাই', 'shanghai'],
  ['ইসরায়েল', 'israyel'],
  ['গাজা', 'gaja'],
  ['ফিলিস্তিনি', 'filistini'],
  ['আলাস্কা', 'alaska'],
  ['ইরাক', 'irak'],
  ['ইয়েমেন', 'yemen'],
  ['ইউরোপ', 'yurop'],
  ['ইউক্রেন', 'yukren'],
  ['অস্ট্রেলিয়া', 'astrelia'],
  ['ভারত', 'bharat'],
  ['বাংলাদেশ', 'bangladesh'],
  ['ঢাকা', 'dhaka'],
  ['চট্টগ্রাম', 'chattagram'],
  ['রাজশাহী', 'rajshahi'],
  ['খুলনা', 'khulna'],
  ['বরিশাল', 'barishal'],
  ['রংপুর', 'rangpur'],
  ['নারায়ণগঞ্জ', 'narayanganj'],
  ['চাঁদপুর', 'chandpur'],
  ['ঠাকুরগাঁও', 'thakurgaon'],
  ['মৌলভীবাজার', 'moulbhibajar'],
  ['শ্রীলংকা', 'shrilanka'],
  // people
  ['সার্গেই লাভরভ', 'sargei labhrabh'],
  ['সি চিন পিং', 'si chin ping'],
  ['ওয়াং ই', 'wang i'],
  ['ট্রাম্প', 'tramp'],
  ['ম্যাক্রোঁ', 'makron'],
  ['পুতিন', 'putin'],
  ['মোহাম্মদ ইউনূস', 'mohammad yunus'],
  ['শেখ হাসিনা', 'shekh hasina'],
  ['খালেদা জিয়া', 'khaleda jia'],
  // institutions and news words
  ['প্রধানমন্ত্রী', 'pradhanmantri'],
  ['পররাষ্ট্রমন্ত্রী', 'parrashtramantri'],
  ['প্রেসিডেন্ট', 'president'],
  ['আওয়ামী লীগ', 'awami lig'],
  ['জাতীয় সংসদ', 'jatiya sangsad'],
  ['জাতিসংঘ', 'jatisangh'],
  ['র‍্যাব', 'rab'],
  ['সরকার', 'sarkar'],
  ['নির্বাচন', 'nirbachan'],
  ['সঙ্গে', 'sange'],
  ['বৈঠক', 'baithak'],
  ['সাক্ষাৎ', 'sakshat'],
  ['ভূমিকম্প', 'bhumikampa'],
  ['সুনামি', 'sunami'],
  ['মৃত্যুদণ্ড', 'mrityudanda'],
  ['যুদ্ধবিরতি', 'juddhabirti'],
  ['দ্বিতীয় বিশ্বযুদ্ধ', 'dwitiya bishwajuddha'],
  ['হত্যাকাণ্ড', 'hatyakanda'],
  ['ব্যাংক', 'bank'],
  ['উন্নয়ন', 'unnayan'],
  ['পরীক্ষা', 'pariksha'],
  ['বিজ্ঞান', 'bigyan'],
  ['ক্ষেত্রে', 'kshetre'],
  ['স্বাধীনতা', 'swadhinata'],
  ['অর্থনীতি', 'arthaniti'],
  ['প্রযুক্তি', 'prajukti'],
  ['আরও', 'aro'],
  ['দুঃখ', 'dukh'],
  ['উৎসব', 'utsab'],
  ['ঋণ', 'rin'],
  ['কৃষক', 'krishak'],
  ['ঐক্য', 'aikya'],
]

describe('transliterate: the news-word table', () => {
  it('has at least 40 entries', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(40)
  })

  it.each(TABLE)('%s → %s', (bengali, expected) => {
    expect(transliterate(bengali, {dictionary: false})).toBe(expected)
  })
})

describe('transliterate: the details', () => {
  it('reads the nukta letters the same precomposed or as base + nukta', () => {
    expect(transliterate('রাশি\u09DFা', {dictionary: false})).toBe('rashia')
    expect(transliterate('রাশি\u09AF\u09BCা', {dictionary: false})).toBe('rashia')
    expect(transliterate('রাশি\u09AF\u09BCা')).toBe('russia')
    expect(transliterate('প\u09DCা')).toBe('para')
    expect(transliterate('আষা\u09DD')).toBe('asharh')
    expect(transliterate('ব\u09A1\u09BC')).toBe('bar')
  })

  it('reads the two-part vowels typed either way', () => {
    expect(transliterate('মৌলভী')).toBe(transliterate('ম\u09C7\u09D7লভী'))
    expect(transliterate('মোহাম্মদ')).toBe(transliterate('ম\u09C7\u09BEহাম্মদ'))
  })

  it('handles hasanta, visarga, anusvara and chandrabindu', () => {
    expect(transliterate('ক্\u200Cষ')).toBe('ksh') // explicit hasanta
    expect(transliterate('পুনঃ')).toBe('punah')
    expect(transliterate('অতঃপর')).toBe('atapar')
    expect(transliterate('সংগীত')).toBe('sangit')
    expect(transliterate('কেঁপে উঠল')).toBe('kenpe uthal')
  })

  it('turns Bengali digits into ASCII and keeps other text', () => {
    expect(transliterate('৭.৩ মাত্রার ভূমিকম্প')).toBe('7.3 matrar bhumikampa')
    expect(transliterate('৮০তম')).toBe('80tam')
    expect(transliterate('Trump ও পুতিন।')).toBe('Trump o putin.')
    expect(transliterate('৫০০ ৳')).toBe('500 tk')
    expect(transliterate('')).toBe('')
  })
})

describe('slugify', () => {
  it('turns the seed title into a readable slug', () => {
    expect(slugify('চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক')).toBe(
      'chinese-presidenter-sange-russian-parrashtramantri-sargei-lavrover-baithak',
    )
  })

  it('slugs the related headlines, speaker and all', () => {
    expect(slugify('পুতিন সবাইকে ধোঁকা দিয়েছেন, কিন্তু আমাকে পারেননি : ট্রাম্প')).toBe(
      'putin-sabaike-dhonka-diyechhen-kintu-amake-parenni-trump',
    )
    expect(slugify('৭.৩ মাত্রার শক্তিশালী ভূমিকম্পে কেঁপে উঠল আলাস্কা, সুনামি সতর্কতা')).toBe(
      '7-3-matrar-shaktishali-bhumikampe-kenpe-uthal-alaska-sunami-satarkata',
    )
    expect(slugify('গাজায় যুদ্ধবিরতি চুক্তি ‘আগামী সপ্তাহের মধ্যেই’ সম্ভব : ট্রাম্প')).toBe(
      'gazay-juddhabirti-chukti-agami-saptaher-madhyei-sambhab-trump',
    )
    expect(slugify("দু'দেশকে")).toBe('dudeshke')
  })

  it('slugifies Latin input too', () => {
    expect(slugify('  Café Olé: Breaking NEWS! ')).toBe('cafe-ole-breaking-news')
    expect(slugify('ঢাকা 2025 — Dhaka')).toBe('dhaka-2025-dhaka')
  })

  it('stays within maxLength, cutting at a word boundary', () => {
    const long =
      'দ্বিতীয় বিশ্বযুদ্ধের পর ইউরোপ সবচেয়ে বড় হুমকির মুখে, বললেন ফ্রান্সের প্রেসিডেন্ট ম্যাক্রোঁ; ' +
      'ইউক্রেন যুদ্ধ, রাশিয়ার সঙ্গে আলোচনা আর ন্যাটোর ভবিষ্যৎ নিয়ে দীর্ঘ বক্তব্য'
    expect(graphemeLength(long)).toBeLessThan(150)
    const full = slugify(long, 1000)
    const slug = slugify(long)
    expect(full.length).toBeGreaterThan(96)
    expect(slug.length).toBeLessThanOrEqual(96)
    expect(full.startsWith(slug + '-')).toBe(true) // whole words only
    expect(slug).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/)
    expect(slugify('সার্গেই লাভরভ', 10)).toBe('sargei')
    expect(slugify('পররাষ্ট্রমন্ত্রী', 8)).toBe('parrasht') // one long word: hard cut
  })

  it('is never empty for Bengali input', () => {
    const odd = slugify('\u0981\u0982') // marks only
    expect(odd).toMatch(/^bn-[a-z0-9]+$/)
    expect(slugify('\u0981\u0982')).toBe(odd) // stable
    expect(slugify('\u09BC')).toMatch(/^bn-/) // a lone nukta
    expect(slugify('২০২৫')).toBe('2025')
    expect(slugify('')).toBe('')
    expect(slugify('!!!')).toMatch(/^bn-[a-z0-9]+$/) // a title, if an odd one
  })
})

describe('robustness', () => {
  it('gives ASCII for any sequence of Bengali-block characters and joiners', () => {
    // Deterministic pseudo-random strings, including malformed ones (marks first, doubled
    // hasanta, stray nukta), must never throw and must give a valid slug.
    let seed = 1
    const random = () => (seed = (Math.imul(seed, 48271) >>> 0) % 2147483647) / 2147483647
    const pool = [...Array(0x80)].map((_, i) => String.fromCharCode(0x0980 + i))
    pool.push('\u200C', '\u200D', ' ', '-')
    for (let n = 0; n < 2000; n++) {
      let s = ''
      for (let i = 0, len = 1 + Math.floor(random() * 12); i < len; i++) {
        s += pool[Math.floor(random() * pool.length)]
      }
      expect(transliterate(s), s).toMatch(/^[ -~]*$/)
      expect(slugify(s), s).toMatch(/^(?:[a-z0-9]+(?:-[a-z0-9]+)*|bn-[a-z0-9]+)?$/)
    }
  })
})
