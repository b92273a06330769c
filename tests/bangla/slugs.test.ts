// What a reader sees in a URL: the dictionary of fixed spellings, acronyms and the rules
// together, for words and headlines as Bangladeshi copy writes them. Each expected value was
// reviewed against how Bangladeshi news sites spell places, brands and terms in Latin letters
// (prothomalo.com, bdnews24.com, thedailystar.net): official district spellings (Chattogram,
// Cumilla, Jashore, Bogura), brands' own names (prothom-alo, bdnews24, bss), acronyms as
// letters (hsc, bnp, who), English loans as English spells them (vat, record, smartphone).
// Where no fixed spelling exists the rules give a transliteration (see transliterate.test.ts).
import {describe, expect, it} from 'vitest'
import {slugify, transliterate} from '../../bangla/index.ts'
import SPELLINGS from '../../bangla/spellings.json' with {type: 'json'}

const WORDS: [string, string][] = [
  ['ভ্যাট', 'vat'],
  ['এইচএসসি', 'hsc'],
  ['এসএসসি', 'ssc'],
  ['বিএনপি', 'bnp'],
  ['ডব্লিউএইচও', 'who'],
  ['সিইও', 'ceo'],
  ['আইএমএফ', 'imf'],
  ['ইউএনও', 'uno'],
  ['ডিসি', 'dc'],
  ['ওসি', 'oc'],
  ['এসপি', 'sp'],
  ['আইজিপি', 'igp'],
  ['র‍্যাব', 'rab'],
  ['র্যাব', 'rab'],
  ['বিজিবি', 'bgb'],
  ['বিসিবি', 'bcb'],
  ['বিটিভি', 'btv'],
  ['এনবিআর', 'nbr'],
  ['ইউএনবি', 'unb'],
  ['এএফপি', 'afp'],
  ['এপি', 'ap'],
  ['বিবিসি', 'bbc'],
  ['সিএনএন', 'cnn'],
  ['জিডিপি', 'gdp'],
  ['এমপি', 'mp'],
  ['আইসিসি', 'icc'],
  ['ফিফা', 'fifa'],
  ['নাসা', 'nasa'],
  ['ন্যাটো', 'nato'],
  ['বিএনপির', 'bnp'],
  ['আইএমএফের', 'imf'],
  ['এইচএসসিতে', 'hsc'],
  ['ময়মনসিংহে', 'mymensinghe'],
  ['কক্সবাজারে', 'coxs-bazare'],
  ['নিউইয়র্ক', 'new-york'],
  ['নিউইয়র্কে', 'new-yorke'],
  ['ঠাকুরগাঁওয়ে', 'thakurgaone'],
  ['পটুয়াখালী', 'patuakhali'],
  ['স্বাতন্ত্র্য', 'swatantrya'],
  ['ম্যাক্রোঁর', 'macroner'],
  ['রেকর্ড', 'record'],
  ['স্মার্টফোন', 'smartphone'],
  ['উপদেষ্টা', 'upadeshta'],
  ['অপরাধ', 'aparadh'],
  ['গণতন্ত্র', 'ganatantra'],
  ['স্বাধীনতা', 'swadhinata'],
  ['উপজেলা', 'upazila'],
  ['ঢাকায়', 'dhakay'],
  ['ঢাকার', 'dhakar'],
  ['চট্টগ্রামে', 'chattograme'],
  ['সিলেটে', 'sylhete'],
  ['খুলনায়', 'khulnay'],
  ['রাজশাহীতে', 'rajshahite'],
  ['বরিশালে', 'barishale'],
  ['রংপুরে', 'rangpure'],
  ['কুমিল্লায়', 'cumillay'],
  ['যশোরে', 'jashore'],
  ['বগুড়ায়', 'boguray'],
  ['গাজীপুরে', 'gazipure'],
  ['নারায়ণগঞ্জে', 'narayanganje'],
  ['টাঙ্গাইলে', 'tangaile'],
  ['ফেনীতে', 'fenite'],
  ['নোয়াখালীর', 'noakhalir'],
  ['সাতক্ষীরায়', 'satkhiray'],
  ['সুনামগঞ্জে', 'sunamganje'],
  ['মৌলভীবাজারের', 'moulvibazarer'],
  ['কুড়িগ্রামে', 'kurigrame'],
  ['পঞ্চগড়ে', 'panchagarhe'],
  ['ভারতের', 'indiar'],
  ['পাকিস্তানের', 'pakistaner'],
  ['যুক্তরাষ্ট্রের', 'us'],
  ['যুক্তরাজ্যে', 'uk'],
  ['মিয়ানমারের', 'myanmarer'],
  ['রোহিঙ্গা', 'rohingya'],
  ['চীনের', 'chinar'],
  ['রাশিয়ার', 'russiar'],
  ['ইউক্রেনে', 'ukraine'],
  ['গাজায়', 'gazay'],
  ['ইসরায়েলের', 'israeler'],
  ['ইরানের', 'iraner'],
  ['সৌদি', 'saudi'],
  ['জাপানে', 'japane'],
  ['লন্ডনে', 'londone'],
  ['ওয়াশিংটনে', 'washingtone'],
  ['দিল্লিতে', 'delhite'],
  ['কলকাতায়', 'kolkatay'],
  ['মস্কোতে', 'moscowte'],
  ['প্রধান', 'pradhan'],
  ['উপদেষ্টার', 'upadeshtar'],
  ['সরকার', 'sarkar'],
  ['সরকারের', 'sarkarer'],
  ['অন্তর্বর্তী', 'antarbarti'],
  ['নির্বাচন', 'nirbachan'],
  ['নির্বাচনে', 'nirbachne'],
  ['নির্বাচন কমিশন', 'nirbachan commission'],
  ['সংসদ', 'sangsad'],
  ['সংসদ নির্বাচন', 'sangsad nirbachan'],
  ['রাষ্ট্রপতি', 'rashtrapati'],
  ['প্রধানমন্ত্রী', 'pradhanmantri'],
  ['মন্ত্রী', 'mantri'],
  ['মন্ত্রণালয়', 'mantranalay'],
  ['স্বরাষ্ট্র', 'swarashtra'],
  ['পররাষ্ট্র', 'parrashtra'],
  ['অর্থমন্ত্রী', 'arthamantri'],
  ['শিক্ষা', 'shiksha'],
  ['শিক্ষার্থী', 'shiksharthi'],
  ['শিক্ষক', 'shikshak'],
  ['বিশ্ববিদ্যালয়', 'bishwabidyalay'],
  ['পরীক্ষা', 'pariksha'],
  ['ফল', 'fal'],
  ['ফলাফল', 'falafal'],
  ['পাসের হার', 'paser har'],
  ['জিপিএ', 'gpa'],
  ['বাজেট', 'budget'],
  ['মূল্যস্ফীতি', 'mulyasfiti'],
  ['রিজার্ভ', 'reserve'],
  ['রপ্তানি', 'raptani'],
  ['আমদানি', 'amdani'],
  ['রেমিট্যান্স', 'remittance'],
  ['ডলার', 'dollar'],
  ['টাকা', 'taka'],
  ['দাম', 'dam'],
  ['বাজার', 'bajar'],
  ['চাল', 'chal'],
  ['পেঁয়াজ', 'penyaj'],
  ['ইলিশ', 'ilish'],
  ['বন্যা', 'banya'],
  ['ঘূর্ণিঝড়', 'ghurnijhar'],
  ['ভূমিকম্প', 'bhumikampa'],
  ['বৃষ্টি', 'brishti'],
  ['তাপপ্রবাহ', 'tapaprabah'],
  ['শীত', 'sheet'],
  ['কুয়াশা', 'kuasha'],
  ['ডেঙ্গু', 'dengue'],
  ['করোনা', 'corona'],
  ['হাসপাতাল', 'haspatal'],
  ['হাসপাতালে', 'haspatale'],
  ['চিকিৎসা', 'chikitsa'],
  ['চিকিৎসক', 'chikitsak'],
  ['রোগী', 'rogi'],
  ['মৃত্যু', 'mrityu'],
  ['নিহত', 'nihat'],
  ['আহত', 'ahat'],
  ['দুর্ঘটনা', 'durghatana'],
  ['সড়ক দুর্ঘটনা', 'sarak durghatana'],
  ['অগ্নিকাণ্ড', 'agnikanda'],
  ['আগুন', 'agun'],
  ['লঞ্চডুবি', 'lanchadubi'],
  ['হত্যা', 'hatya'],
  ['হত্যাকাণ্ড', 'hatyakanda'],
  ['গ্রেপ্তার', 'greptar'],
  ['মামলা', 'mamla'],
  ['আদালত', 'adalat'],
  ['রায়', 'ray'],
  ['জামিন', 'jamin'],
  ['কারাগার', 'karagar'],
  ['পুলিশ', 'police'],
  ['সেনাবাহিনী', 'senabahini'],
  ['সেনাপ্রধান', 'senapradhan'],
  ['নৌবাহিনী', 'noubahini'],
  ['বিমানবাহিনী', 'bimanbahini'],
  ['কোস্টগার্ড', 'coast-guard'],
  ['সীমান্ত', 'simanta'],
  ['সংঘর্ষ', 'sangharsha'],
  ['বিক্ষোভ', 'bikshobh'],
  ['হরতাল', 'hartal'],
  ['অবরোধ', 'abarodh'],
  ['আন্দোলন', 'andolan'],
  ['ছাত্র', 'chhatra'],
  ['জনগণ', 'janagan'],
  ['জনসংখ্যা', 'jansankhya'],
  ['গণমাধ্যম', 'ganamadhyam'],
  ['গণঅভ্যুত্থান', 'ganaabhyutthan'],
  ['সাংবাদিক', 'sangbadik'],
  ['প্রতিবেদক', 'pratibedak'],
  ['সংবাদ সম্মেলন', 'sangbad sammelan'],
  ['বিবৃতি', 'bibriti'],
  ['বক্তব্য', 'baktabya'],
  ['আলোচনা', 'alochna'],
  ['বৈঠক', 'baithak'],
  ['সমঝোতা', 'samjhota'],
  ['চুক্তি', 'chukti'],
  ['সফর', 'safar'],
  ['শীর্ষ সম্মেলন', 'shirsha sammelan'],
  ['জাতিসংঘ', 'jatisangh'],
  ['নিরাপত্তা পরিষদ', 'nirapatta parishad'],
  ['বিশ্বব্যাংক', 'world-bank'],
  ['এশীয় উন্নয়ন ব্যাংক', 'eshiya unnayan bank'],
  ['উন্নয়ন', 'unnayan'],
  ['প্রকল্প', 'prakalpa'],
  ['পদ্মা সেতু', 'padma setu'],
  ['মেট্রোরেল', 'metro-rail'],
  ['এক্সপ্রেসওয়ে', 'expressway'],
  ['বঙ্গবন্ধু টানেল', 'bangabandhu tunnel'],
  ['বিদ্যুৎ', 'bidyut'],
  ['গ্যাস', 'gas'],
  ['জ্বালানি', 'jwalani'],
  ['লোডশেডিং', 'loadshedding'],
  ['কৃষি', 'krishi'],
  ['কৃষক', 'krishak'],
  ['ধান', 'dhan'],
  ['পাট', 'pat'],
  ['চা', 'cha'],
  ['পোশাক কারখানা', 'poshak karkhana'],
  ['শ্রমিক', 'shramik'],
  ['বেতন', 'betan'],
  ['মজুরি', 'majuri'],
  ['ক্রিকেট', 'cricket'],
  ['ফুটবল', 'football'],
  ['টেস্ট', 'test'],
  ['ওয়ানডে', 'odi'],
  ['টি-টোয়েন্টি', 't20'],
  ['বিশ্বকাপ', 'world-cup'],
  ['সাকিব', 'sakib'],
  ['তামিম', 'tamim'],
  ['মুশফিক', 'mushfik'],
  ['জয়', 'jay'],
  ['হার', 'har'],
  ['সিরিজ', 'series'],
  ['ম্যাচ', 'match'],
  ['অধিনায়ক', 'adhinayak'],
  ['কোচ', 'coach'],
  ['স্টেডিয়াম', 'stadium'],
  ['সিনেমা', 'cinema'],
  ['চলচ্চিত্র', 'chalachchitra'],
  ['নাটক', 'natak'],
  ['গান', 'gan'],
  ['শিল্পী', 'shilpi'],
  ['বইমেলা', 'baimela'],
  ['একুশে', 'ekushe'],
  ['ফেব্রুয়ারি', 'february'],
  ['শহীদ মিনার', 'shahid minar'],
  ['বিজয় দিবস', 'bijay dibas'],
  ['স্বাধীনতা দিবস', 'swadhinata dibas'],
  ['পহেলা বৈশাখ', 'pahela baishakh'],
  ['ঈদ', 'eid'],
  ['ঈদুল ফিতর', 'eid-ul-fitr'],
  ['ঈদুল আজহা', 'eid-ul-azha'],
  ['রমজান', 'ramadan'],
  ['রোজা', 'roja'],
  ['পূজা', 'puja'],
  ['দুর্গাপূজা', 'durgapuja'],
  ['মুক্তিযুদ্ধ', 'muktijuddha'],
  ['মুক্তিযোদ্ধা', 'muktijoddha'],
  ['ইন্টারনেট', 'internet'],
  ['মোবাইল', 'mobile'],
  ['ফেসবুক', 'facebook'],
  ['ইউটিউব', 'youtube'],
  ['অনলাইন', 'online'],
  ['ডিজিটাল', 'digital'],
  ['প্রযুক্তি', 'prajukti'],
  ['তথ্যপ্রযুক্তি', 'tathyaprajukti'],
  ['কৃত্রিম বুদ্ধিমত্তা', 'kritrim buddhimatta'],
  ['সাইবার', 'cyber'],
  ['ব্যাংকের', 'banker'],
  ['ব্যাংকিং', 'banking'],
  ['শেয়ারবাজার', 'sheyarbajar'],
  ['পুঁজিবাজার', 'punjibajar'],
  ['বিনিয়োগ', 'biniyog'],
  ['ঋণ', 'rin'],
  ['খেলাপি', 'khelapi'],
  ['দুর্নীতি', 'durniti'],
  ['দুদক', 'dudak'],
  ['অর্থপাচার', 'arthapachar'],
  ['ট্রাইব্যুনাল', 'tribunal'],
  ['হাইকোর্ট', 'high-court'],
  ['সুপ্রিম কোর্ট', 'supreme-court'],
  ['আপিল বিভাগ', 'apil bibhag'],
  ['প্রধান বিচারপতি', 'pradhan bicharpati'],
  ['আইনজীবী', 'ainjibi'],
  ['সংবিধান', 'sangbidhan'],
  ['সংস্কার', 'sangskar'],
  ['কমিশন', 'commission'],
  ['ঐকমত্য', 'aikmatya'],
  ['জুলাই সনদ', 'july sanad'],
  ['গণভোট', 'ganabhot'],
  ['রাজনৈতিক দল', 'rajnaitik dal'],
  ['আওয়ামী লীগ', 'awami-league'],
  ['জামায়াত', 'jamaat'],
  ['জাতীয় পার্টি', 'jatiya-party'],
  ['এনসিপি', 'ncp'],
  ['ছাত্রদল', 'chhatra-dal'],
  ['ছাত্রলীগ', 'chhatra-league'],
  ['প্রথম আলো', 'prothom-alo'],
  ['ইত্তেফাক', 'ittefaq'],
  ['বাসস', 'bss'],
  ['সিএমজি', 'cmg'],
  ['রয়টার্স', 'reuters'],
  ['আল জাজিরা', 'al-jazeera'],
  ['কালের কণ্ঠ', 'kaler-kantho'],
  ['যুগান্তর', 'jugantor'],
  ['সমকাল', 'samakal'],
  ['ডেইলি স্টার', 'daily-star'],
  ['বিডিনিউজ টোয়েন্টিফোর ডটকম', 'bdnews24'],
  ['ঢাকা ট্রিবিউন', 'dhaka-tribune'],
  ['বাংলা ট্রিবিউন', 'bangla-tribune'],
  ['মানবজমিন', 'manabzamin'],
  ['চ্যানেল আই', 'channel-i'],
  ['ট্রাম্প', 'trump'],
  ['বাইডেন', 'biden'],
  ['পুতিন', 'putin'],
  ['মোদি', 'modi'],
  ['নেতানিয়াহু', 'netanyahu'],
  ['জেলেনস্কি', 'zelensky'],
  ['মুহাম্মদ ইউনূস', 'muhammad yunus'],
  ['শেখ হাসিনা', 'sheikh hasina'],
  ['খালেদা জিয়া', 'khaleda zia'],
  ['তারেক রহমান', 'tarique rahman'],
  ['সাহাবুদ্দিন', 'shahabuddin'],
  ['আওয়ামী', 'awami'],
  ['স্বাস্থ্য', 'swasthya'],
  ['স্বাস্থ্যমন্ত্রী', 'swasthyamantri'],
  ['পরিবেশ', 'paribesh'],
  ['জলবায়ু', 'jalbayu'],
  ['নদী', 'nadi'],
  ['ভাঙন', 'bhangan'],
  ['লবণাক্ততা', 'labnaktata'],
  ['সুন্দরবন', 'sundarban'],
  ['বাঘ', 'bagh'],
  ['হাতি', 'hati'],
  ['রেল', 'rel'],
  ['ট্রেন', 'train'],
  ['বাস', 'bas'],
  ['বিমান', 'biman'],
  ['বিমানবন্দর', 'bimanbandar'],
  ['ফ্লাইট', 'flight'],
  ['যাত্রী', 'jatri'],
  ['যানজট', 'janjat'],
  ['ঢাকাগামী', 'dhakagami'],
  ['উপকূল', 'upakul'],
  ['উপকূলীয়', 'upakuliya'],
  ['উপজেলা চেয়ারম্যান', 'upazila chairman'],
  ['ইউনিয়ন পরিষদ', 'union parishad'],
  ['পৌরসভা', 'poursabha'],
  ['সিটি করপোরেশন', 'city corporation'],
  ['মেয়র', 'mayor'],
  ['কাউন্সিলর', 'councillor'],
  ['জেলা প্রশাসক', 'jela prashasak'],
  ['অপহরণ', 'apaharan'],
  ['অবসর', 'abasar'],
  ['অবশেষে', 'abasheshe'],
  ['উপস্থিত', 'upasthit'],
  ['অপেক্ষা', 'apeksha'],
  ['সমর্থন', 'samarthan'],
  ['সমর্থক', 'samarthak'],
  ['পরবর্তী', 'parabarti'],
  ['সম্পর্ক', 'samparka'],
  ['বিরোধ', 'birodh'],
  ['সহিংসতা', 'sahingsata'],
  ['নিরাপত্তা', 'nirapatta'],
  ['শান্তি', 'shanti'],
  ['যুদ্ধ', 'juddha'],
  ['যুদ্ধবিরতি', 'juddhabirti'],
  ['শরণার্থী', 'sharnarthi'],
  ['মানবিক', 'manbik'],
  ['সহায়তা', 'sahayata'],
  ['ত্রাণ', 'tran'],
  ['দেশ', 'desh'],
  ['বিদেশ', 'bidesh'],
  ['প্রবাসী', 'prabasi'],
  ['আন্তর্জাতিক', 'antarjatik'],
  ['জাতীয়', 'jatiya'],
  ['রাজধানী', 'rajdhani'],
  ['বিভাগ', 'bibhag'],
  ['জেলা', 'jela'],
  ['গ্রাম', 'gram'],
  ['শহর', 'shahar'],
  ['মানুষ', 'manush'],
  ['নারী', 'nari'],
  ['শিশু', 'shishu'],
  ['তরুণ', 'tarun'],
  ['বৃদ্ধ', 'briddha'],
  ['মেডিক্যাল কলেজ', 'medical college'],
  ['মেডিকেল', 'medical'],
  ['টেকনিক্যাল', 'technical'],
  ['ইন্টারন্যাশনাল', 'international'],
  ['প্ল্যাটফর্ম', 'platform'],
  ['র‍্যালি', 'rally'],
  ['র্যাংকিং', 'ranking'],
  ['ক্যাম্পাস', 'campus'],
  ['ক্যাম্প', 'camp'],
  ['কার্যালয়', 'karyalay'],
  ['কার্যকর', 'karyakar'],
  ['সূর্য', 'surya'],
  ['ধৈর্য', 'dhairya'],
  ['অর্থ', 'artha'],
  ['অর্থনীতি', 'arthaniti'],
  ['অর্থনৈতিক', 'arthanaitik'],
  ['ক্ষমতা', 'kshamata'],
  ['জনপ্রিয়', 'janapriya'],
  ['জনপ্রিয়তা', 'janapriyata'],
  ['সক্ষমতা', 'sakshamata'],
  ['দক্ষতা', 'dakshata'],
  ['মানবতা', 'manbata'],
  ['ভারতে', 'indiay'],
  ['ইউক্রেনের', 'ukrainer'],
  ['বাসসের', 'bss'],
  ['জুলাইয়ে', 'julye'],
  ['নিউইয়র্কের', 'new-yorker'],
  ['প্রথম আলোর', 'prothom-alor'],
  ['ইউকে', 'uk'],
  ['ইউএনওকে', 'uno'],
  ['এই', 'ei'],
  ['এটি', 'eti'],
  ['ওই', 'oi'],
  ['আরও', 'aro'],
  ['টিকে', 'tike'],
  ['পিএইচডি', 'phd'],
  ['এইচআইভি', 'hiv'],
  ['সিসিটিভি', 'cctv'],
  ['ওএসডি', 'osd'],
  ['কেজি', 'kg'],
  ['ম্যাক্রোঁ', 'macron'],
  ['ম্যাক্রোঁকে', 'macronke'],
  ['স্বাতন্ত্র্যের', 'swatantryer'],
  ['কার্য', 'karya'],
  ['দোয়া', 'doa'],
  ['সোয়া', 'soa'],
  ['কুয়াশায়', 'kuashay'],
  ['গাঁওয়ের', 'gaonyer'],
  ['সেমিফাইনাল', 'semifainal'],
  ['পোস্টমর্টেম', 'postmartem'],
  ['আমেরিক্যান', 'amerikan'],
  ['সোশ্যাল', 'soshal'],
  ['বিদ্যা', 'bidya'],
  ['কল্যাণ', 'kalyan'],
  ['অন্যান্য', 'anyanya'],
  ['অব্যাহত', 'abyahat'],
  ['উপকারী', 'upakari'],
  ['অপমান', 'apaman'],
  ['অবস্থান', 'abasthan'],
  ['গণহত্যা', 'ganahatya'],
  ['গণভবন', 'ganabhaban'],
  ['পরবর্তীতে', 'parabartite'],
  ['জনমত', 'janamat'],
  ['বিচারপতি', 'bicharpati'],
  ['সভাপতি', 'sabhapti'],
  ['মহাসচিব', 'mahasachib'],
]

const HEADLINES: [string, string][] = [
  ['এইচএসসির ফল প্রকাশ, পাসের হার ৭৭ শতাংশ', 'hsc-fal-prakash-paser-har-77-shatangsh'],
  ['বিএনপির সমাবেশ ঘিরে ঢাকায় কড়া নিরাপত্তা', 'bnp-samabesh-ghire-dhakay-kara-nirapatta'],
  ['ময়মনসিংহে সড়ক দুর্ঘটনায় নিহত ৫', 'mymensinghe-sarak-durghatanay-nihat-5'],
  ['কক্সবাজারে রোহিঙ্গা শিবিরে আগুন', 'coxs-bazare-rohingya-shibire-agun'],
  ['নিউইয়র্কে বাংলাদেশি অভিবাসীদের বিক্ষোভ', 'new-yorke-bangladeshi-abhibasider-bikshobh'],
  ['ভ্যাট কমানোর দাবি ব্যবসায়ীদের', 'vat-kamanor-dabi-byabasayider'],
  ['ডব্লিউএইচও বলছে, ডেঙ্গু পরিস্থিতি উদ্বেগজনক', 'who-balchhe-dengue-paristhiti-udwegjanak'],
  ['গ্রামীণফোনের নতুন সিইও দায়িত্ব নিলেন', 'grameenphoner-natun-ceo-dayitwa-nilen'],
  ['র্যাবের অভিযানে গ্রেপ্তার ৩', 'raber-abhijane-greptar-3'],
  ['র‍্যাবের অভিযানে গ্রেপ্তার ৩', 'raber-abhijane-greptar-3'],
  ['ঠাকুরগাঁওয়ে শীতে কাঁপছে মানুষ', 'thakurgaone-sheete-kanpchhe-manush'],
  ['পটুয়াখালীর কুয়াকাটায় পর্যটকের ভিড়', 'patuakhalir-kuakatay-paryataker-bhir'],
  ['ম্যাক্রোঁর সঙ্গে প্রধান উপদেষ্টার ফোনালাপ', 'macroner-sange-pradhan-upadeshtar-fonalap'],
  ['অপরাধ দমনে পুলিশের বিশেষ অভিযান', 'aparadh-damne-policer-bishesh-abhijan'],
  ['গণতন্ত্র ও স্বাধীনতা রক্ষার আহ্বান', 'ganatantra-o-swadhinata-rakshar-ahwan'],
  ['উপজেলা নির্বাচনে ভোট পড়েছে ৩৬ শতাংশ', 'upazila-nirbachne-bhot-parechhe-36-shatangsh'],
  ['স্মার্টফোনের দাম বাড়ছে বাজেটে', 'smartphoner-dam-barchhe-budgete'],
  ['রেকর্ড রেমিট্যান্স এসেছে জুনে', 'record-remittance-esechhe-june'],
  ['চট্টগ্রাম বন্দরে কনটেইনার জট', 'chattogram-bandare-container-jat'],
  ['সিলেটে বন্যা পরিস্থিতির অবনতি', 'sylhete-banya-paristhitir-abanati'],
  ['খুলনায় লবণাক্ততা বাড়ছে', 'khulnay-labnaktata-barchhe'],
  ['রাজশাহীতে আমের দাম কম', 'rajshahite-amer-dam-kam'],
  ['বরিশালে লঞ্চডুবিতে নিখোঁজ ১০', 'barishale-lanchadubite-nikhonj-10'],
  ['রংপুরে তিস্তার পানি বিপৎসীমার ওপরে', 'rangpure-teestar-pani-bipatsimar-opre'],
  ['কুমিল্লায় ট্রেন লাইনচ্যুত', 'cumillay-train-lainachyut'],
  ['যশোরের বেনাপোল বন্দরে আমদানি বেড়েছে', 'jashorer-benapole-bandare-amdani-berechhe'],
  ['গাজীপুরে পোশাক শ্রমিকদের সড়ক অবরোধ', 'gazipure-poshak-shramikder-sarak-abarodh'],
  ['নারায়ণগঞ্জে কারখানায় অগ্নিকাণ্ড', 'narayanganje-karkhanay-agnikanda'],
  [
    'মৌলভীবাজারের শ্রীমঙ্গলে চা শ্রমিকদের ধর্মঘট',
    'moulvibazarer-sreemangale-cha-shramikder-dharmaghat',
  ],
  ['সুনামগঞ্জে হাওরের বাঁধ ভেঙে ফসলহানি', 'sunamganje-haorer-bandh-bhenge-fasalhani'],
  ['ভারতের সঙ্গে তিস্তা চুক্তি নিয়ে আলোচনা', 'indiar-sange-teesta-chukti-niye-alochna'],
  ['যুক্তরাষ্ট্রের শুল্ক নিয়ে উদ্বেগে পোশাক খাত', 'us-shulka-niye-udwege-poshak-khat'],
  ['চীনের প্রেসিডেন্ট সি চিন পিংয়ের সঙ্গে বৈঠক', 'chinar-president-xi-jinpinger-sange-baithak'],
  ['রাশিয়ার তেল কিনবে না ভারত', 'russiar-tel-kinbe-na-india'],
  ['গাজায় ইসরায়েলি হামলায় নিহত আরও ৯৪ ফিলিস্তিনি', 'gazay-israeli-hamlay-nihat-aro-94-palestinian'],
  ['ইউক্রেনে রুশ ড্রোন হামলা', 'ukraine-russian-drone-hamla'],
  [
    'মিয়ানমারের রাখাইনে সংঘাত, সীমান্তে সতর্ক বিজিবি',
    'myanmarer-rakhine-sanghat-simante-satarka-bgb',
  ],
  ['জাতিসংঘ মহাসচিবের ঢাকা সফর', 'jatisangh-mahasachiber-dhaka-safar'],
  ['আইএমএফের ঋণের কিস্তি ছাড়', 'imf-riner-kisti-chhar'],
  ['বিশ্বব্যাংকের পূর্বাভাস: প্রবৃদ্ধি কমবে', 'world-banker-purbabhas-prabriddhi-kambe'],
  ['বাংলাদেশ ব্যাংকের রিজার্ভ ২০ বিলিয়ন ডলার', 'bangladesh-banker-reserve-20-billion-dollar'],
  ['মূল্যস্ফীতি কমে ৮ শতাংশে', 'mulyasfiti-kame-8-shatangshe'],
  ['এসএসসি পরীক্ষা শুরু আগামী মাসে', 'ssc-pariksha-shuru-agami-mase'],
  ['ঢাকা বিশ্ববিদ্যালয়ে ভর্তি পরীক্ষা শুক্রবার', 'dhaka-bishwabidyalaye-bharti-pariksha-shukrabar'],
  ['বিসিবির নতুন সভাপতি', 'bcb-natun-sabhapti'],
  ['টেস্টে বাংলাদেশের ঐতিহাসিক জয়', 'teste-bangladesher-aitihasik-jay'],
  ['ওয়ানডে সিরিজে হোয়াইটওয়াশ', 'odi-seriese-whitewash'],
  ['বিশ্বকাপের দল ঘোষণা', 'world-cuper-dal-ghoshna'],
  ['মেট্রোরেলের নতুন স্টেশন চালু', 'metro-railer-natun-station-chalu'],
  ['পদ্মা সেতুতে রেকর্ড টোল আদায়', 'padma-setute-record-tol-aday'],
  ['ঈদুল ফিতর উপলক্ষে সাত দিনের ছুটি', 'eid-ul-fitr-upalakshe-sat-diner-chhuti'],
  ['পহেলা বৈশাখে মঙ্গল শোভাযাত্রা', 'pahela-baishakhe-mangal-shobhajatra'],
  ['শহীদ মিনারে ফুলেল শ্রদ্ধা', 'shahid-minare-fulel-shraddha'],
  ['স্বাধীনতা দিবসে জাতীয় স্মৃতিসৌধে শ্রদ্ধা', 'swadhinata-dibse-jatiya-smritisoudhe-shraddha'],
  ['প্রথম আলোর সম্পাদককে তলব', 'prothom-alor-sampadkake-talab'],
  ['ইত্তেফাক ভবনে আগুন', 'ittefaq-bhabne-agun'],
  ['বাসসের নতুন প্রধান সম্পাদক', 'bss-natun-pradhan-sampadak'],
  ['রাষ্ট্রপতি মো. সাহাবুদ্দিনের ভাষণ', 'rashtrapati-md-shahabuddiner-bhashan'],
  ['হাইকোর্টের রায়ে স্থগিতাদেশ', 'high-courter-raye-sthagitadesh'],
  ['সুপ্রিম কোর্টের আপিল বিভাগে শুনানি', 'supreme-courter-apil-bibhage-shunani'],
  ['দুদকের মামলায় সাবেক এমপি কারাগারে', 'dudker-mamlay-sabek-mp-karagare'],
  ['নির্বাচন কমিশনের সংলাপে বিএনপি ও জামায়াত', 'nirbachan-commissioner-sanglape-bnp-o-jamaat'],
  ['জুলাই সনদে সই করল রাজনৈতিক দলগুলো', 'july-sande-sai-karal-rajnaitik-dalgulo'],
  ['সেন্টমার্টিনে পর্যটক সীমিত', 'saint-martine-paryatak-simit'],
  ['সুন্দরবনে বাঘের সংখ্যা বেড়েছে', 'sundarbane-bagher-sankhya-berechhe'],
  [
    'ঘূর্ণিঝড় রিমাল: উপকূলে ১০ নম্বর মহাবিপদসংকেত',
    'ghurnijhar-rimal-upakule-10-nambar-mahabipdasanket',
  ],
]

describe('slugs: the reviewed word table', () => {
  it('has at least 300 words and 50 headlines', () => {
    expect(WORDS.length).toBeGreaterThanOrEqual(300)
    expect(HEADLINES.length).toBeGreaterThanOrEqual(50)
  })

  it.each(WORDS)('%s → %s', (bengali, expected) => {
    expect(transliterate(bengali)).toBe(expected)
  })
})

describe('slugs: the reviewed headline table', () => {
  it.each(HEADLINES)('%s', (title, expected) => {
    expect(slugify(title)).toBe(expected)
  })
})

describe('slugs: the faults found in real copy', () => {
  it.each([
    ['ভ্যাট', 'vat'], // not bhat (ভাত, rice)
    ['এইচএসসি', 'hsc'],
    ['বিএনপি', 'bnp'],
    ['ডব্লিউএইচও', 'who'],
    ['সিইও', 'ceo'],
    ['ময়মনসিংহে', 'mymensinghe'],
    ['কক্সবাজারে', 'coxs-bazare'],
    ['নিউইয়র্ক', 'new-york'],
    ['প্রথম আলো', 'prothom-alo'],
    ['ইত্তেফাক', 'ittefaq'],
    ['বিডিনিউজ টোয়েন্টিফোর ডটকম', 'bdnews24'],
  ])('%s → %s', (bengali, expected) => {
    expect(slugify(bengali)).toBe(expected)
  })

  it.each([
    ['র্যাব', 'rab'], // without ZWJ, as most keyboards type it: the same as র‍্যাব
    ['স্বাতন্ত্র্য', 'swatantrya'],
    ['ম্যাক্রোঁর', 'makroner'],
    ['ঠাকুরগাঁওয়ে', 'thakurgaonye'],
    ['পটুয়াখালী', 'patuakhali'],
    ['রেকর্ড', 'rekard'],
    ['স্মার্টফোন', 'smartfon'],
    ['উপদেষ্টা', 'upadeshta'],
    ['অপরাধ', 'aparadh'],
    ['গণতন্ত্র', 'ganatantra'],
    ['স্বাধীনতা', 'swadhinata'],
    ['উপজেলা', 'upajela'],
    ['মেডিক্যাল', 'medikal'],
  ])('the rules alone: %s → %s', (bengali, expected) => {
    expect(transliterate(bengali, {dictionary: false})).toBe(expected)
  })

  // After a prefix (মহা-, উপ-, প্রতি-…) the stem starts a word again: its first vowel is said.
  it.each([
    ['বিএনপির মহাসচিব মির্জা ফখরুল', 'bnp-mahasachib-mirja-fakhrul'],
    ['ঢাকা-চট্টগ্রাম মহাসড়কে যানজট', 'dhaka-chattogram-mahasarke-janjat'],
    ['মহানগর', 'mahanagar'],
    ['মহাপরিচালক', 'mahaparichalak'],
    ['মহাসমাবেশ', 'mahasamabesh'],
    ['উপসচিব', 'upasachib'],
    ['উপকরণ', 'upakaran'],
    ['উপমহাদেশ', 'upamahadesh'],
    ['প্রতিফলন', 'pratifalan'],
    ['পরিণতি', 'parinati'],
  ])('the stem after a prefix: %s → %s', (bengali, expected) => {
    expect(slugify(bengali)).toBe(expected)
  })
})

describe('slugs: abbreviations and letters of other scripts', () => {
  // Titles as Bangladeshi copy abbreviates them, slugged as its English-language sites write
  // them: Dr for ড./ডা., Md for মো./মোঃ, and the Awami League in full ('al' reads as Arabic al-).
  it.each([
    [
      'প্রধান উপদেষ্টা ড. মুহাম্মদ ইউনূসের সঙ্গে বৈঠক',
      'pradhan-upadeshta-dr-muhammad-yunuser-sange-baithak',
    ],
    ['ড.ইউনূস', 'dr-yunus'],
    ['ডা. জাফরুল্লাহ চৌধুরী', 'dr-jafrullah-chowdhury'],
    ['মো. আব্দুল হামিদ', 'md-abdul-hamid'],
    ['মোঃ আব্দুল হামিদ', 'md-abdul-hamid'],
    ['আ.লীগ', 'awami-league'],
    ['আ. লীগের সমাবেশ', 'awami-leaguer-samabesh'],
    ['রোড. ডাক', 'rod-dak'], // a word ending in ড is no abbreviation
  ])('%s → %s', (title, expected) => {
    expect(slugify(title)).toBe(expected)
  })

  it.each([
    ['straße', 'strasse'],
    ['Łódź', 'lodz'],
    ['Đà Nẵng', 'da-nang'],
    ['Øresund Æon Œuvre Þór', 'oresund-aeon-oeuvre-thor'],
  ])('writes Latin letters with no decomposition: %s → %s', (title, expected) => {
    expect(slugify(title)).toBe(expected)
  })

  it('is never empty for a non-blank title, and stable', () => {
    for (const title of ['中文标题', 'русский', 'हिंदी', '😀😀', '!!!', '\u0981\u0982']) {
      const slug = slugify(title)
      expect(slug, title).toMatch(/^bn-[a-z0-9]+$/)
      expect(slugify(title), title).toBe(slug)
    }
    expect(slugify('中文标题')).not.toBe(slugify('中文'))
    expect(slugify('')).toBe('')
    expect(slugify('   ')).toBe('')
  })
})

describe('slugs: stability', () => {
  it('gives one slug for one title however it was typed', () => {
    for (const [title] of HEADLINES) {
      const slug = slugify(title)
      expect(slugify(title.normalize('NFD'))).toBe(slug)
      expect(slugify(title.replace(/র্য/g, 'র\u200D্য'))).toBe(slug) // র‍্য with ZWJ
      expect(slugify(title)).toBe(slug)
    }
    expect(slugify('র্যাবের অভিযান')).toBe(slugify('র‍্যাবের অভিযান'))
  })

  it('keeps the case ending after a dictionary word, and drops it after an acronym', () => {
    expect(transliterate('ঢাকায় ঢাকার ঢাকাগামী')).toBe('dhakay dhakar dhakagami')
    expect(transliterate('প্রথম আলোর')).toBe('prothom-alor')
    expect(transliterate('বিএনপির ইউএনওকে এইচএসসিতে')).toBe('bnp uno hsc')
    expect(transliterate('ইউকে ইউএনও')).toBe('uk uno') // কে and ও are letters here
  })

  it('does not read everyday words as acronyms', () => {
    expect(transliterate('এই এটি ওই আরও টিকে')).toBe('ei eti oi aro tike')
  })

  it('a dictionary word inside a longer word is not replaced', () => {
    expect(transliterate('ঢাকাই')).toBe('dhakai') // Dhakai (jamdani), not dhaka + i
    expect(transliterate('চীনাবাদাম')).not.toContain('chinese')
  })
})

describe('the dictionary (bangla/spellings.json)', () => {
  const sections = SPELLINGS as Record<string, Record<string, string>>

  it('is sorted, NFC, lowercase ASCII, with no key twice', () => {
    const seen = new Set<string>()
    for (const [name, section] of Object.entries(sections)) {
      const keys = Object.keys(section)
      expect([...keys].sort(), name).toEqual(keys)
      for (const [bengali, latin] of Object.entries(section)) {
        expect(bengali.normalize('NFC'), bengali).toBe(bengali)
        expect(latin, bengali).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/)
        expect(seen.has(bengali), `${bengali} twice`).toBe(false)
        seen.add(bengali)
      }
    }
    expect(seen.size).toBeGreaterThan(400)
  })

  it('holds all 64 districts', () => {
    expect(Object.keys(sections.places!).length).toBeGreaterThanOrEqual(64)
    for (const district of ['ঢাকা', 'চট্টগ্রাম', 'কুমিল্লা', 'যশোর', 'বগুড়া', 'বরিশাল']) {
      expect(sections.places![district.normalize('NFC')], district).toBeDefined()
    }
  })

  it('every entry reads as its spelling', () => {
    for (const section of Object.values(sections)) {
      for (const [bengali, latin] of Object.entries(section)) {
        expect(slugify(bengali), bengali).toBe(latin)
      }
    }
  })
})
