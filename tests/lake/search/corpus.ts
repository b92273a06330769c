/**
 * The search recall set: a small newsroom of articles written the ways Bengali text reaches the
 * lake (inflections, quotes and dashes around words, joiners, khanda-ta typed two ways, the
 * precomposed য় from Bijoy-style keyboards, Bengali and ASCII digits), and queries with the
 * articles an editor expects each to find. Every expected set lists ALL articles that should come
 * back, so a result outside it is a false hit.
 */
import {block} from '../../helpers/portableText.ts'

type Article = {_id: string; _type: 'article'; title: string; [key: string]: unknown}

const article = (id: string, title: string, body: string[], publishedAt: string): Article => ({
  _id: id,
  _type: 'article',
  title,
  publishedAt,
  body: body.map((text, i) => block(`${id}-${i}`, text)),
})

export const ARTICLES: Article[] = [
  article(
    'meeting-dhaka',
    'ঢাকায় দুই দেশের বৈঠক শুরু',
    ['পররাষ্ট্রসচিব পর্যায়ের আলোচনা আজ সকালে শুরু হয়েছে।'],
    '2025-03-01T04:00:00Z',
  ),
  article(
    'meeting-statement',
    'যৌথ বিবৃতি প্রকাশ',
    ['বৈঠকের পর দুই পক্ষ যৌথ বিবৃতি দেয়। ‘আমরা সন্তুষ্ট’—বললেন মুখপাত্র।'],
    '2025-03-02T04:00:00Z',
  ),
  article(
    'meeting-cabinet',
    'মন্ত্রিসভার নিয়মিত সভা',
    ['সোমবারের বৈঠকেও পদ্মা প্রকল্প নিয়ে সিদ্ধান্ত হয়নি।'],
    '2025-03-03T04:00:00Z',
  ),
  article(
    'meeting-series',
    'সিদ্ধান্তের অপেক্ষা',
    ['গত সপ্তাহের বৈঠকগুলোর কার্যবিবরণী এখনো প্রকাশ হয়নি। বৈঠকটি দুই ঘণ্টা চলে।'],
    '2025-03-04T04:00:00Z',
  ),
  article(
    'rab-zwj',
    'অভিযানে ৫ জন আটক',
    ['র\u200D্যাবের একটি দল রাতে অভিযান চালায়।'],
    '2025-04-01T04:00:00Z',
  ),
  article(
    'rab-plain',
    'সদর দপ্তরে সংবাদ সম্মেলন',
    ['র্যাব মহাপরিচালক সাংবাদিকদের প্রশ্নের উত্তর দেন।'],
    '2025-04-02T04:00:00Z',
  ),
  article(
    'heart-zwnj',
    'শীতে সতর্ক থাকার পরামর্শ',
    ['হৃদ্\u200Cরোগ বিশেষজ্ঞরা নিয়মিত হাঁটার কথা বলেন।'],
    '2025-01-10T04:00:00Z',
  ),
  article(
    'heart-plain',
    'হাসপাতালে ভিড় বাড়ছে',
    ['হৃদ্রোগে আক্রান্ত রোগীর সংখ্যা বেড়েছে।'],
    '2025-01-11T04:00:00Z',
  ),
  article(
    'festival-zwj',
    'শারদীয় উত্\u200Dসব শুরু',
    ['মণ্ডপে মণ্ডপে ভক্তদের ভিড়।'],
    '2025-10-01T04:00:00Z',
  ),
  article(
    'festival-khanda',
    'নবান্নের আমেজ',
    ['গ্রামে গ্রামে উৎসবের আয়োজন চলছে।'],
    '2025-11-15T04:00:00Z',
  ),
  article(
    'china-precomposed',
    'চা\u09DFনা মিডিয়া গ্রুপের প্রতিবেদন',
    ['বাণিজ্য আলোচনা নিয়ে প্রতিবেদন প্রকাশ করেছে চা\u09DFনা।'],
    '2025-05-01T04:00:00Z',
  ),
  article(
    'china-nfc',
    'বিনিয়োগ বাড়াচ্ছে প্রতিবেশী',
    ['চায়নার প্রতিনিধিদল শিল্পাঞ্চল ঘুরে দেখেছে।'],
    '2025-05-02T04:00:00Z',
  ),
  article(
    'war-bengali-digits',
    'মুক্তিযুদ্ধের স্মৃতি',
    ['১৯৭১ সালের ডিসেম্বরে দেশ স্বাধীন হয়।'],
    '2025-12-16T04:00:00Z',
  ),
  article(
    'war-ascii-digits',
    'জাদুঘরে নতুন প্রদর্শনী',
    ['1971 সালের আলোকচিত্র নিয়ে প্রদর্শনী চলবে এক মাস।'],
    '2025-12-10T04:00:00Z',
  ),
  article(
    'quote-captain',
    'অধিনায়কের আত্মবিশ্বাস',
    ["“জিততেই এসেছি”—অধিনায়ক বলেন। দু'দেশকে নিয়ে সিরিজ শুরু কাল।"],
    '2025-06-01T04:00:00Z',
  ),
  article(
    'students-protest',
    'শিক্ষার্থীদের মানববন্ধন',
    ['শিক্ষার্থীরা ক্যাম্পাসে মানববন্ধন করে। শিক্ষার্থীদেরকে আশ্বাস দেন উপাচার্য।'],
    '2025-07-01T04:00:00Z',
  ),
  article(
    'student-scholarship',
    'বৃত্তি পেলেন মেধাবী শিক্ষার্থী',
    ['গরিব শিক্ষার্থীকে বৃত্তির টাকা তুলে দেওয়া হয়।'],
    '2025-07-02T04:00:00Z',
  ),
  article(
    'capital-traffic',
    'রাজধানীতে যানজট',
    ['ঈদের আগে রাজধানীর সড়কে তীব্র যানজট।'],
    '2025-08-01T04:00:00Z',
  ),
  article(
    'minister-visit',
    'মন্ত্রীর সফর',
    ['মন্ত্রী আজ চট্টগ্রাম বন্দর পরিদর্শন করেন।'],
    '2025-08-02T04:00:00Z',
  ),
  article(
    'books-fair',
    'বইমেলায় নতুন বই',
    ['প্রকাশকেরা বইগুলোর দাম কমিয়েছেন। বইটির প্রচ্ছদ আঁকেন এক তরুণ শিল্পী।'],
    '2025-02-01T04:00:00Z',
  ),
  article(
    'market-prices',
    'বাজারে সবজির দাম চড়া',
    ['কাঁচাবাজার ঘুরে দেখা গেছে, দাম বেড়েছে।'],
    '2025-09-01T04:00:00Z',
  ),
  article('music-night', 'সংগীতসন্ধ্যা', ['শিল্পী বাঁশি বাজায়, দর্শকেরা মুগ্ধ।'], '2025-09-02T04:00:00Z'),
  article('we-mango', 'আমের মৌসুম', ['রাজশাহীর আম বাজারে এসেছে।'], '2025-06-10T04:00:00Z'),
  article(
    'committee-report',
    'তদন্ত কমিটির প্রতিবেদন',
    ['কমিটি সাত দিনের মধ্যে প্রতিবেদন দেবে।'],
    '2025-06-11T04:00:00Z',
  ),
  // Spellings desks type: U+09F7 ৷ for the danda, the chandrabindu before the vowel sign (old
  // Bijoy conversions), a colon for the visarga, ত + hasanta for the khanda-ta, a zero-width space.
  article(
    'treaty-danda-lookalike',
    'চুক্তি সই হলো৷ পরে প্রতিনিধিরা ফিরে যান৷',
    ['দুই পক্ষ সন্ধ্যায় সইয়ের পর ছবি তোলে৷'],
    '2025-01-20T04:00:00Z',
  ),
  article('moon-bijoy', 'আকাশে চঁাদ', ['সন্ধ্যায় চঁাদ দেখা যায়নি।'], '2025-03-30T04:00:00Z'),
  article('moon-unicode', 'চাঁদ দেখার খবর', ['শাওয়ালের চাঁদ ওঠেনি।'], '2025-03-31T04:00:00Z'),
  article(
    'grief-colon',
    'শোকবার্তায় দু:খ',
    ['অত:পর তিনি পুন: নির্বাচিত হন। সূত্র: বাসস'],
    '2025-04-10T04:00:00Z',
  ),
  // A label and its value with no space after the colon: two words, not a visarga.
  article(
    'credit-no-space',
    'পাহাড়ধসের খবর',
    ['প্রশ্ন:কেন সরানো হয়নি বাসিন্দাদের। সূত্র:বাসস'],
    '2025-04-12T04:00:00Z',
  ),
  article('grief-visarga', 'দুঃখের দিন', ['অতঃপর পুনঃ নির্বাচিত হলেন।'], '2025-04-11T04:00:00Z'),
  article('visit-virama', 'রাষ্ট্রপতির সঙ্গে সাক্ষাত্', ['হঠাত্ সফর।'], '2025-05-10T04:00:00Z'),
  article('visit-khanda', 'সাক্ষাৎকারের আগে', ['দূতের সাক্ষাৎ মেলেনি।'], '2025-05-11T04:00:00Z'),
  article('flood-zwsp', 'সিলে\u200Bটে বন্যা', ['সিলেটের হাওরে পানি।'], '2025-06-20T04:00:00Z'),
  article('flood-plain', 'সুনামগঞ্জে ঢল', ['সিলেট বিভাগে বৃষ্টি।'], '2025-06-21T04:00:00Z'),
  // Nouns spelled like the stem of a common verb form (কর "tax" and করে "does", বল "ball" and
  // বলে "says", খেত "field" and খেতে "to eat").
  article('tax-rate', 'করের হার কমল', ['নতুন বাজেট ঘোষণা।'], '2025-07-01T04:00:00Z'),
  article('ball-possession', 'বলের দখলে আবাহনী', ['ফুটবল লিগের খেলা।'], '2025-07-02T04:00:00Z'),
  article('field-harvest', 'খেত থেকে ধান ঘরে', ['কৃষকেরা খুশি।'], '2025-07-03T04:00:00Z'),
  article(
    'verbs-said',
    'উপদেষ্টা বলে গেলেন',
    ['রাতে খেতে বসে পরিবার। সরকার কাজ করে চলেছে।'],
    '2025-07-04T04:00:00Z',
  ),
  // The spellings the Bangla Academy's standard spelling changed (ী → ি, ূ → ু, ষ → স in foreign
  // words), each typed the old way in one story and the standard way in the other.
  article(
    'quota-old',
    'সরকারী চাকরিতে কোটা',
    ['শহীদ পরিবারের দাবীতে আন্দোলন।'],
    '2025-08-01T04:00:00Z',
  ),
  article('quota-new', 'বেসরকারি খাতে নিয়োগ', ['শহিদদের স্মরণে রানি এলেন।'], '2025-08-02T04:00:00Z'),
  article('august-old', '১৫ আগষ্ট শোক দিবস', ['ষ্টেশনে রুপালী ট্রেন থামে।'], '2025-08-15T04:00:00Z'),
  article('august-new', 'আগস্টে বন্যার পূর্বাভাস', ['স্টেশন মাস্টার জানান।'], '2025-08-16T04:00:00Z'),
  // Names after an abbreviation, and a grouped number, as copy writes them.
  article(
    'name-abbrev',
    'মো. আবদুল হামিদের সংবর্ধনা',
    ['ডা. জাফরুল্লাহ চৌধুরী বক্তব্য দেন। অনুদান ১২,৫০০ টাকা।'],
    '2025-08-20T04:00:00Z',
  ),
  // Vowel length that tells tatsama words apart stays: নীল "blue" is not নিল "took".
  article('blue-sky', 'নীল আকাশে মেঘ', ['শরতের বিকেল।'], '2025-09-01T04:00:00Z'),
  article('took-charge', 'দায়িত্ব নিল নতুন পর্ষদ', ['সভায় সিদ্ধান্ত।'], '2025-09-02T04:00:00Z'),
]

export interface RecallCase {
  query: string
  expected: string[]
  /** Which analyzer rule the case exercises. */
  rule: string
  /**
   * Where the Studio's search box finds more, because it adds `*` to the last word (দু* also
   * finds দুই): all it should find.
   */
  studioExpected?: string[]
}

const MEETINGS = ['meeting-dhaka', 'meeting-statement', 'meeting-cabinet', 'meeting-series']

export const CASES: RecallCase[] = [
  // Inflections, both ways: any form finds every form.
  {rule: 'inflection: stem finds inflected', query: 'বৈঠক', expected: MEETINGS},
  {rule: 'inflection: locative -ে', query: 'বৈঠকে', expected: MEETINGS},
  {rule: 'inflection: genitive -ের', query: 'বৈঠকের', expected: MEETINGS},
  {rule: 'inflection: classifier -টি', query: 'বৈঠকটি', expected: MEETINGS},
  {rule: 'inflection: plural -গুলো', query: 'বৈঠকগুলো', expected: MEETINGS},
  {rule: 'inflection: emphatic -ও', query: 'বৈঠকেও', expected: MEETINGS},
  {rule: 'inflection: emphatic -ই', query: 'বৈঠকেই', expected: MEETINGS},
  {rule: 'inflection: -য় finds stem', query: 'ঢাকায়', expected: ['meeting-dhaka']},
  {rule: 'inflection: stem finds -য়', query: 'ঢাকা', expected: ['meeting-dhaka']},
  {rule: 'inflection: -র after vowel', query: 'রাজধানীর', expected: ['capital-traffic']},
  {rule: 'inflection: -তে', query: 'রাজধানীতে', expected: ['capital-traffic']},
  {rule: 'inflection: stem finds -তে/-র', query: 'রাজধানী', expected: ['capital-traffic']},
  {rule: 'inflection: -র finds stem', query: 'মন্ত্রীর', expected: ['minister-visit']},
  {rule: 'inflection: stem finds -র', query: 'মন্ত্রী', expected: ['minister-visit']},
  {
    rule: 'inflection: -দের',
    query: 'শিক্ষার্থীদের',
    expected: ['students-protest', 'student-scholarship'],
  },
  {
    rule: 'inflection: -রা',
    query: 'শিক্ষার্থীরা',
    expected: ['students-protest', 'student-scholarship'],
  },
  {
    rule: 'inflection: -দেরকে',
    query: 'শিক্ষার্থীদেরকে',
    expected: ['students-protest', 'student-scholarship'],
  },
  {
    rule: 'inflection: -কে',
    query: 'শিক্ষার্থীকে',
    expected: ['students-protest', 'student-scholarship'],
  },
  {
    rule: 'inflection: stem finds -রা/-দের/-কে',
    query: 'শিক্ষার্থী',
    expected: ['students-protest', 'student-scholarship'],
  },
  {rule: 'inflection: -গুলোর', query: 'বইগুলোর', expected: ['books-fair']},
  {rule: 'inflection: -টির', query: 'বইটির', expected: ['books-fair']},
  {rule: 'inflection: stem finds -গুলোর/-টির', query: 'বই', expected: ['books-fair']},
  {
    rule: 'inflection: -ের on title word',
    query: 'উৎসবের',
    expected: ['festival-zwj', 'festival-khanda'],
  },
  {rule: 'inflection: classifier -টি finds the stem', query: 'দলটি', expected: ['rab-zwj']},
  {rule: 'inflection: -র on an unstemmed word', query: 'কমিটির', expected: ['committee-report']},
  {rule: 'inflection: stem finds -ির', query: 'কমিটি', expected: ['committee-report']},
  // Words next to quotes, dashes, danda, apostrophes.
  {
    rule: 'punctuation: after ‘',
    query: 'আমরা',
    expected: ['meeting-statement'],
  },
  {rule: 'punctuation: before ’ and —', query: 'সন্তুষ্ট', expected: ['meeting-statement']},
  {rule: 'punctuation: after —', query: 'বললেন', expected: ['meeting-statement']},
  {rule: 'punctuation: before ।', query: 'মুখপাত্র', expected: ['meeting-statement']},
  {rule: 'punctuation: after “', query: 'জিততেই', expected: ['quote-captain']},
  {rule: 'punctuation: before ”—', query: 'এসেছি', expected: ['quote-captain']},
  {
    rule: "punctuation: after ' (and the stem দেশ elsewhere)",
    query: 'দেশকে',
    expected: ['quote-captain', 'war-bengali-digits', 'meeting-dhaka'],
  },
  {
    rule: "punctuation: before '",
    query: 'দু',
    expected: ['quote-captain'],
    // দু* also finds দুই and দুঃখ (typed দু:খ too: one word, not দু and খ).
    studioExpected: [
      'quote-captain',
      'meeting-dhaka',
      'meeting-statement',
      'meeting-series',
      'treaty-danda-lookalike',
      'grief-colon',
      'grief-visarga',
    ],
  },
  {rule: 'punctuation: before ,', query: 'গেছে', expected: ['market-prices']},
  {rule: 'punctuation: query typed with ।', query: 'বন্দর।', expected: ['minister-visit']},
  {rule: 'punctuation: query typed in quotes', query: '‘সন্তুষ্ট’', expected: ['meeting-statement']},
  // Joiners.
  {rule: 'joiner: র‍্য (ZWJ) finds both', query: 'র\u200D্যাব', expected: ['rab-zwj', 'rab-plain']},
  {rule: 'joiner: র্য finds both', query: 'র্যাব', expected: ['rab-zwj', 'rab-plain']},
  {rule: 'joiner: inflected র্যাবের', query: 'র্যাবের', expected: ['rab-zwj', 'rab-plain']},
  {
    rule: 'joiner: হৃদ্‌রোগ (ZWNJ) finds both',
    query: 'হৃদ্\u200Cরোগ',
    expected: ['heart-zwnj', 'heart-plain'],
  },
  {rule: 'joiner: হৃদ্রোগ finds both', query: 'হৃদ্রোগ', expected: ['heart-zwnj', 'heart-plain']},
  {rule: 'joiner: inflected হৃদ্রোগে', query: 'হৃদ্রোগে', expected: ['heart-zwnj', 'heart-plain']},
  // Khanda-ta.
  {rule: 'khanda-ta: ৎ finds ত্‍', query: 'উৎসব', expected: ['festival-zwj', 'festival-khanda']},
  {
    rule: 'khanda-ta: ত্‍ finds ৎ',
    query: 'উত্\u200Dসব',
    expected: ['festival-zwj', 'festival-khanda'],
  },
  {
    rule: 'khanda-ta: ত্ + ZWNJ finds ৎ',
    query: 'উত্\u200Cসব',
    expected: ['festival-zwj', 'festival-khanda'],
  },
  {
    rule: 'khanda-ta: ত্ at a word end finds ৎ',
    query: 'সাক্ষাৎ',
    expected: ['visit-virama', 'visit-khanda'],
  },
  {
    rule: 'khanda-ta: ৎ finds ত্ at a word end',
    query: 'সাক্ষাত্',
    expected: ['visit-virama', 'visit-khanda'],
  },
  {rule: 'khanda-ta: ত্ at a word end, another word', query: 'হঠাৎ', expected: ['visit-virama']},
  // ৷ (U+09F7) typed as the danda.
  {
    rule: 'danda: a word before ৷',
    query: 'যান',
    expected: ['treaty-danda-lookalike'],
    // যান* also finds যানজট.
    studioExpected: ['treaty-danda-lookalike', 'capital-traffic'],
  },
  {rule: 'danda: ৷ in the body', query: 'তোলে', expected: ['treaty-danda-lookalike']},
  {rule: 'danda: the query typed with ৷', query: 'হলো৷', expected: ['treaty-danda-lookalike']},
  // Chandrabindu.
  {rule: 'chandrabindu: চাঁদ finds চঁাদ', query: 'চাঁদ', expected: ['moon-bijoy', 'moon-unicode']},
  {rule: 'chandrabindu: চঁাদ finds চাঁদ', query: 'চঁাদ', expected: ['moon-bijoy', 'moon-unicode']},
  // Visarga typed as a colon.
  {rule: 'visarga: দুঃখ finds দু:খ', query: 'দুঃখ', expected: ['grief-colon', 'grief-visarga']},
  {rule: 'visarga: দু:খ finds দুঃখ', query: 'দু:খ', expected: ['grief-colon', 'grief-visarga']},
  {rule: 'visarga: অত:পর finds অতঃপর', query: 'অত:পর', expected: ['grief-colon', 'grief-visarga']},
  {rule: 'visarga: পুনঃ finds পুন:', query: 'পুনঃ', expected: ['grief-colon', 'grief-visarga']},
  {
    rule: 'visarga: a colon after a word and a space stays',
    query: 'সূত্র বাসস',
    expected: ['credit-no-space', 'grief-colon'],
  },
  {
    rule: 'visarga: a label before a colon is its own word (সূত্র:বাসস)',
    query: 'বাসস',
    expected: ['credit-no-space', 'grief-colon'],
  },
  {
    rule: 'visarga: a question label before a colon is its own word (প্রশ্ন:কেন)',
    query: 'কেন',
    expected: ['credit-no-space'],
  },
  // Invisible characters.
  {
    rule: 'invisible: zero-width space inside a word',
    query: 'সিলেট',
    expected: ['flood-zwsp', 'flood-plain'],
  },
  {
    rule: 'invisible: zero-width space in the query',
    query: 'সিলে\u200Bটে',
    expected: ['flood-zwsp', 'flood-plain'],
  },
  // Precomposed letters.
  {
    rule: 'precomposed: NFC য় finds U+09DF',
    query: 'চায়না',
    expected: ['china-precomposed', 'china-nfc'],
  },
  {
    rule: 'precomposed: U+09DF finds both',
    query: 'চা\u09DFনা',
    expected: ['china-precomposed', 'china-nfc'],
  },
  {
    rule: 'precomposed: U+09DF inflected',
    query: 'চা\u09DFনার',
    expected: ['china-precomposed', 'china-nfc'],
  },
  {rule: 'precomposed: ড় U+09DC', query: 'ভি\u09DC', expected: ['festival-zwj', 'heart-plain']},
  {rule: 'precomposed: য় U+09DF in -য়', query: 'ঢাকা\u09DF', expected: ['meeting-dhaka']},
  // Digits.
  {
    rule: 'digits: Bengali finds both',
    query: '১৯৭১',
    expected: ['war-bengali-digits', 'war-ascii-digits'],
  },
  {
    rule: 'digits: ASCII finds both',
    query: '1971',
    expected: ['war-bengali-digits', 'war-ascii-digits'],
  },
  {rule: 'digits: Bengali in a title', query: '৫', expected: ['rab-zwj']},
  {rule: 'digits: ASCII for a Bengali digit', query: '5 আটক', expected: ['rab-zwj']},
  // Over-stemming: related-looking words must not meet.
  {
    rule: 'over-stemming: বাজার is not বাজায়',
    query: 'বাজার',
    expected: ['market-prices', 'we-mango'],
  },
  {rule: 'over-stemming: বাজায় is not বাজার', query: 'বাজায়', expected: ['music-night']},
  {
    rule: 'over-stemming: আম is not আমরা',
    query: 'আম',
    expected: ['we-mango'],
    // আম* finds আমরা and আমেজ as words that start with it, not as forms of আম.
    studioExpected: ['we-mango', 'meeting-statement', 'festival-khanda'],
  },
  // A noun's inflection folds to the noun, never to a verb form spelled like it.
  {rule: 'over-stemming: করের is not the verb form করে', query: 'করের', expected: ['tax-rate']},
  {
    rule: 'over-stemming: বলের is not the verb form বলে',
    query: 'বলের',
    expected: ['ball-possession'],
  },
  {
    rule: 'over-stemming: খেত is not the verb form খেতে',
    query: 'খেত',
    expected: ['field-harvest'],
    // খেত* finds খেতে as a word that starts with it.
    studioExpected: ['field-harvest', 'verbs-said'],
  },
  // The Bangla Academy's standard spellings and the old ones find each other, inflected too.
  {rule: 'spelling: সরকারি finds সরকারী', query: 'সরকারি', expected: ['quota-old']},
  {
    rule: 'spelling: সরকারী finds সরকারী',
    query: 'সরকারী',
    expected: ['quota-old'],
  },
  {rule: 'spelling: বেসরকারী finds বেসরকারি', query: 'বেসরকারী', expected: ['quota-new']},
  {
    rule: 'spelling: শহিদ finds শহীদ and শহিদদের',
    query: 'শহিদ',
    expected: ['quota-old', 'quota-new'],
  },
  {rule: 'spelling: দাবি finds দাবীতে', query: 'দাবি', expected: ['quota-old']},
  {rule: 'spelling: রানী finds রানি', query: 'রানী', expected: ['quota-new']},
  {rule: 'spelling: আগস্ট finds আগষ্ট', query: 'আগস্ট', expected: ['august-old', 'august-new']},
  {rule: 'spelling: আগষ্ট finds আগস্টে', query: 'আগষ্ট', expected: ['august-old', 'august-new']},
  {rule: 'spelling: স্টেশন finds ষ্টেশনে', query: 'স্টেশন', expected: ['august-old', 'august-new']},
  {rule: 'spelling: রুপালি finds রুপালী', query: 'রুপালি', expected: ['august-old']},
  {rule: 'spelling: নীল is not নিল', query: 'নীল', expected: ['blue-sky']},
  {rule: 'spelling: নিল is not নীল', query: 'নিল', expected: ['took-charge']},
  // What an editor types for a name the copy abbreviates, and for a grouped number.
  {rule: 'names: মোহাম্মদ finds মো.', query: 'মোহাম্মদ আবদুল হামিদ', expected: ['name-abbrev']},
  {rule: 'names: ডাক্তার finds ডা.', query: 'ডাক্তার জাফরুল্লাহ', expected: ['name-abbrev']},
  {rule: 'numbers: ১২৫০০ finds ১২,৫০০', query: '১২৫০০', expected: ['name-abbrev']},
  {rule: 'numbers: 12,500 finds ১২,৫০০', query: '12,500 টাকা', expected: ['name-abbrev']},
  // Query syntax: several words, phrases, exclusions, prefixes.
  {rule: 'syntax: all words must be found', query: 'বৈঠক বিবৃতি', expected: ['meeting-statement']},
  {rule: 'syntax: phrase', query: '"যৌথ বিবৃতি"', expected: ['meeting-statement']},
  {rule: 'syntax: phrase out of order', query: '"বিবৃতি যৌথ"', expected: []},
  {
    rule: 'syntax: exclusion',
    query: 'বৈঠক -পদ্মা',
    expected: ['meeting-dhaka', 'meeting-statement', 'meeting-series'],
  },
  {rule: 'syntax: prefix', query: 'মানব*', expected: ['students-protest']},
  {
    rule: 'syntax: prefix of an inflected form',
    query: 'প্রতিবেদ*',
    expected: ['china-precomposed', 'committee-report'],
  },
  {rule: 'syntax: absent word', query: 'ক্রিকেট', expected: []},
]
