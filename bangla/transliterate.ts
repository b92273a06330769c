// Bengali → readable ASCII, for slugs. Newsroom style, close to how Bangladeshi sites and
// official place names romanise (Dhaka, Chattagram, Rajshahi, Narayanganj, Moulvibazar), not
// ISO 15919: no diacritics, inherent vowel 'a', ফ 'f', য 'j', শ/ষ 'sh'. The rules, briefly:
//
// - The inherent vowel is written 'a'. It is dropped at the end of a word after a single
//   consonant (চীন chin), kept after a conjunct (যুদ্ধ juddha, রাষ্ট্র rashtra) unless the
//   conjunct is a typical loanword ending after a written vowel (ট্রাম্প tramp, প্রেসিডেন্ট
//   president, মার্চ march) or -গঞ্জ (ganj). Inside a word it is dropped between a vowel and a
//   consonant+vowel, scanning right to left (প্রধানমন্ত্রী pradhanmantri, সরকার sarkar, আমরা
//   amra), never after a conjunct or around য় (সময়ের samayer, উন্নয়ন unnayan), nor in a
//   prefix or the first syllable of the stem after it (মহাসচিব mahasachib, উপসচিব upasachib).
// - Conjuncts: ক্ষ ksh, জ্ঞ gy, ঙ্গ ng (সঙ্গে sange), য-ফলা y (মৃত্যু mrityu) but ্যা is the
//   /æ/ of loanwords and reads 'a' (ম্যাক্রোঁ makron, ব্যাংক bank), ব-ফলা w (বিশ্ব bishwa, স্ব sw).
// - Nukta letters ড় r, ঢ় rh, য় y; khanda ta ৎ t; anusvara ং ng; visarga ঃ h at a word's end,
//   silent before a consonant; chandrabindu ঁ n (চাঁদপুর chandpur, ঠাকুরগাঁও thakurgaon).
// - Glides: initial ইয়/ইউ y (ইয়েমেন yemen, ইউরোপ yurop), ওয়+vowel w (ওয়াং wang, আওয়ামী awami),
//   ি+য়া ia (রাশিয়া rashia), ু/ো+য়া ua/oa (পটুয়াখালী patuakhali). Bengali digits become ASCII
//   digits; other text passes through.
// - Before the rules, each word (or phrase) is looked up in the reviewed dictionary of fixed
//   spellings (spellings.json: places, countries, loanwords, names, brands), with case endings
//   kept (ময়মনসিংহে mymensinghe, ঢাকার dhakar); then acronyms written as letter names become
//   their letters (বিএনপি bnp, এইচএসসি hsc; see acronyms.ts). See docs/bengali-copy.md.

import {acronymLetters, letterKey} from './acronyms.ts'
import SPELLINGS from './spellings.json' with {type: 'json'}
import {nfc} from './text.ts'

const CONSONANTS: Readonly<Record<string, string>> = {
  ক: 'k',
  খ: 'kh',
  গ: 'g',
  ঘ: 'gh',
  ঙ: 'ng',
  চ: 'ch',
  ছ: 'chh',
  জ: 'j',
  ঝ: 'jh',
  ঞ: 'n',
  ট: 't',
  ঠ: 'th',
  ড: 'd',
  ঢ: 'dh',
  ণ: 'n',
  ত: 't',
  থ: 'th',
  দ: 'd',
  ধ: 'dh',
  ন: 'n',
  প: 'p',
  ফ: 'f',
  ব: 'b',
  ভ: 'bh',
  ম: 'm',
  য: 'j',
  র: 'r',
  ল: 'l',
  শ: 'sh',
  ষ: 'sh',
  স: 's',
  হ: 'h',
  '\u09DC': 'r',
  '\u09DD': 'rh',
  '\u09DF': 'y',
  ৎ: 't',
  ৰ: 'r',
  ৱ: 'w',
}

const INDEPENDENT_VOWELS: Readonly<Record<string, string>> = {
  অ: 'a',
  আ: 'a',
  ই: 'i',
  ঈ: 'i',
  উ: 'u',
  ঊ: 'u',
  ঋ: 'ri',
  ৠ: 'ri',
  ঌ: 'li',
  ৡ: 'li',
  এ: 'e',
  ঐ: 'ai',
  ও: 'o',
  ঔ: 'ou',
}

const VOWEL_SIGNS: Readonly<Record<string, string>> = {
  'া': 'a',
  'ি': 'i',
  'ী': 'i',
  'ু': 'u',
  'ূ': 'u',
  'ৃ': 'ri',
  'ৄ': 'ri',
  'ৢ': 'li',
  'ৣ': 'li',
  'ে': 'e',
  'ৈ': 'ai',
  'ো': 'o',
  'ৌ': 'ou',
  'ৗ': 'ou',
}

const VIRAMA = '\u09CD'
const ZWJ = '\u200D'
const YA_NUKTA = '\u09DF' // য় as one internal character
const I_SOUNDS = new Set(['ি', 'ী', 'ই', 'ঈ'])
const U_O_SIGNS = new Set(['ু', 'ূ', 'ো'])

// Final conjuncts that end loanwords (the inherent vowel is not said): dropped after a written
// vowel. Keys are the consonants without hasanta. Native words rarely end in these after a
// written vowel; after an inherent vowel they keep it (ভূমিকম্প bhumikampa, সম্পর্ক samparka).
const LOAN_FINALS = new Set([
  'নট',
  'নড',
  'মপ',
  'নস',
  'সট',
  'সক',
  'সপ',
  'রট',
  'রড',
  'রক',
  'রম',
  'রস',
  'রজ',
  'রচ',
  'রলড',
  'লড',
  'লট',
  'লম',
  'লফ',
  'কস',
  'কট',
  'পট',
  'ফট',
  'ঙক',
])
const ALWAYS_BARE_FINALS = new Set(['ঞজ']) // -গঞ্জ place names: Narayanganj, Kishoreganj
// Conjuncts only loanwords have (native words write ষ্ট, ণ্ট): never followed by the inherent
// vowel, at a word's end or inside it (রেকর্ড rekard, স্মার্টফোন smartfon, পোস্টমর্টেম).
const LOAN_ONLY = new Set(['সট', 'নট', 'রড', 'রট', 'লড', 'কস'])
// Prefixes and compound heads. The rule that drops a medial vowel reads a word as one stretch of
// syllables, but after a prefix the stem starts a word again: the prefix keeps its vowels
// (উপদেষ্টা upadeshta, অপরাধ aparadh, গণমাধ্যম ganamadhyam) and so does the stem's first
// consonant, which no rule drops at a word's start (মহাসচিব mahasachib, মহানগর mahanagar,
// উপসচিব upasachib, প্রতিফলন pratifalan, পরিণতি parinati).
const PREFIXES = ['উপ', 'অপ', 'অব', 'গণ', 'মহা', 'প্রতি', 'পরি']
// Consonants whose ্যা inside a word is the /æ/ of an English loan (মেডিক্যাল medikal,
// সোশ্যাল soshal), not the doubled consonant of native words (বিদ্যা bidya, কল্যাণ kalyan).
const LOAN_YA_PHALA = new Set(['ক', 'ট', 'গ', 'প', 'ফ', 'চ', 'শ'])

type Consonant = {ch: string; zwj: boolean}
type Unit =
  | {kind: 'V'; ch: string; mods: string}
  | {
      kind: 'C'
      cons: Consonant[]
      sign: string
      virama: boolean
      mods: string
      /** inherent vowel said? (only meaningful when there is no sign and no virama) */
      inherent: boolean
    }

const isConsonant = (c: string | undefined) => c !== undefined && c in CONSONANTS && c !== 'ৎ'
const isMod = (c: string | undefined) => c === 'ঁ' || c === 'ং' || c === 'ঃ'

// Letters and marks that make up a Bengali word (digits and danda do not).
const WORD = /(?:(?![\u09E6-\u09EF\u09F2-\u09FB])[\p{Script=Bengali}\u200C\u200D])+/gu

function parseWord(word: string): Unit[] {
  const units: Unit[] = []
  let i = 0
  while (i < word.length) {
    const c = word[i]
    if (c in INDEPENDENT_VOWELS) {
      i++
      // অ্যা / এ্যা: the /æ/ vowel written with a carrier letter (অ্যাপল apple).
      let ch = c
      if ((c === 'অ' || c === 'এ') && word[i] === VIRAMA && word[i + 1] === 'য') {
        ch = 'অ্যা'
        i += word[i + 2] === 'া' ? 3 : 2
      }
      let mods = ''
      while (isMod(word[i])) mods += word[i++]
      units.push({kind: 'V', ch, mods})
    } else if (c in CONSONANTS) {
      const cons: Consonant[] = [{ch: c, zwj: false}]
      let virama = c === 'ৎ'
      i++
      while (!virama && i < word.length) {
        if (word[i] === VIRAMA && isConsonant(word[i + 1])) {
          cons.push({ch: word[i + 1], zwj: false})
          i += 2
        } else if (word[i] === VIRAMA && word[i + 1] === ZWJ && isConsonant(word[i + 2])) {
          cons.push({ch: word[i + 2], zwj: false}) // half form, still a conjunct
          i += 3
        } else if (word[i] === ZWJ && word[i + 1] === VIRAMA && isConsonant(word[i + 2])) {
          cons.push({ch: word[i + 2], zwj: true}) // র‍্য: ra + ya-phala, not reph
          i += 3
        } else if (word[i] === VIRAMA) {
          virama = true // explicit hasanta (maybe followed by ZWNJ)
          i++
        } else break
      }
      let sign = ''
      if (!virama && word[i] in VOWEL_SIGNS) sign = word[i++]
      let mods = ''
      while (isMod(word[i])) mods += word[i++]
      units.push({kind: 'C', cons, sign, virama, mods, inherent: !virama && !sign})
    } else if (isMod(c)) {
      const last = units.at(-1)
      if (last) last.mods += c
      i++
    } else if (c in VOWEL_SIGNS) {
      units.push({kind: 'V', ch: c, mods: ''}) // stray sign: read it as its vowel
      i++
    } else i++ // stray nukta, virama, ZWJ/ZWNJ
  }
  return units
}

const single = (u: Unit | undefined, ch?: string) =>
  u?.kind === 'C' && u.cons.length === 1 && (ch === undefined || u.cons[0].ch === ch)

const hasVowel = (u: Unit | undefined) =>
  u !== undefined && (u.kind === 'V' || u.sign !== '' || u.inherent || u.mods !== '')

// Each prefix with the number of units it takes.
const PREFIX_UNITS = PREFIXES.map((prefix) => [prefix, parseWord(prefix).length] as const)

function decideInherentVowels(units: Unit[], word: string): void {
  const n = units.length
  const last = units[n - 1]
  const key = (u: Unit) => (u.kind === 'C' ? u.cons.map((c) => c.ch).join('') : '')
  if (n > 1 && last.kind === 'C' && last.inherent && last.mods === '') {
    const before = units[n - 2]
    const afterWrittenVowel = before.kind === 'V' || before.sign !== ''
    if (last.cons.length === 1) {
      // ভারতীয় bhartiya, জাতীয় jatiya, দ্বিতীয় dwitiya: final য় after an i-vowel is said
      const iBefore = I_SOUNDS.has(before.kind === 'V' ? before.ch : before.sign)
      if (!(last.cons[0].ch === YA_NUKTA && iBefore)) last.inherent = false
    } else if (ALWAYS_BARE_FINALS.has(key(last)) || LOAN_ONLY.has(key(last))) last.inherent = false
    else if (LOAN_FINALS.has(key(last)) && afterWrittenVowel) last.inherent = false
  }
  // A loan-only conjunct inside a word (a compound such as স্মার্টফোন) has no vowel either.
  for (let k = 1; k < n - 1; k++) {
    const u = units[k]
    if (u.kind === 'C' && u.inherent && u.mods === '' && LOAN_ONLY.has(key(u))) {
      u.inherent = false
    }
  }
  // Units 1..prefixEnd: the prefix's own and the stem's first (see PREFIX_UNITS).
  const prefixEnd = PREFIX_UNITS.find(([prefix]) => word.startsWith(prefix))?.[1] ?? 0
  // -তা abstract nouns keep the vowel before the suffix: স্বাধীনতা swadhinata, ক্ষমতা kshamata.
  const ta = last?.kind === 'C' && key(last) === 'ত' && last.sign === 'া' && n > 2 ? n - 2 : -1
  // -গঞ্জ place names: the syllable before গ closes (নারায়ণগঞ্জ narayanganj, মানিকগঞ্জ).
  const beforeGanj = units[n - 3]
  if (n > 3 && key(last) === 'ঞজ' && key(units[n - 2]) === 'গ' && beforeGanj.kind === 'C') {
    if (beforeGanj.cons.length === 1 && !beforeGanj.sign && !beforeGanj.mods) {
      beforeGanj.inherent = false
    }
  }
  // Left to right, as the word is said: বিচারপতি bicharpati, পৌরসভা poursabha.
  for (let k = 1; k <= n - 2; k++) {
    const u = units[k]
    const next = units[k + 1]
    const prev = units[k - 1]
    if (u.kind !== 'C' || !u.inherent || u.mods !== '' || u.cons.length !== 1) continue
    // আরও aro, এখনও ekhano, দেশও desho, এমএসএম emesem (but a first syllable keeps it: হও hao)
    if (next?.kind === 'V' && (next.ch === 'ও' || next.ch === 'এ')) {
      u.inherent = false
      continue
    }
    if (k <= prefixEnd || k === ta) continue
    if (!single(next) || single(next, YA_NUKTA)) continue
    // য় loses its vowel only after a written vowel: চায়না chayna, but উন্নয়ন unnayan
    if (u.cons[0].ch === YA_NUKTA && !(prev.kind === 'V' || prev.sign !== '')) continue
    // Three open syllables in a row keep the middle one: গণতন্ত্র ganatantra, জনগণ janagan,
    // পরবর্তী parabarti (but সরকার sarkar, প্রধানমন্ত্রী pradhanmantri, নারায়ণগঞ্জ
    // narayanganj drop it).
    // After a conjunct with its vowel the next vowel stays: রাষ্ট্রপতি rashtrapati, দুর্ঘটনা
    // durghatana.
    if (prev.kind === 'C' && prev.cons.length > 1 && prev.inherent && !prev.sign) continue
    const schwa = (x: Unit) => x.kind === 'C' && x.inherent && x.sign === '' && x.mods === ''
    if (schwa(prev) && schwa(next)) continue
    if (hasVowel(prev) && hasVowel(next)) u.inherent = false
  }
}

function renderCluster(
  cons: Consonant[],
  sign: string,
  wordInitial: boolean,
  afterWrittenVowel: boolean,
): string {
  let out = ''
  for (let j = 0; j < cons.length; j++) {
    const c = cons[j].ch
    const prev = cons[j - 1]?.ch
    const next = cons[j + 1]?.ch
    if (c === 'ক' && next === 'ষ') {
      out += 'ksh'
      j++
    } else if (c === 'জ' && next === 'ঞ') {
      out += 'gy'
      j++
    } else if (c === 'ঙ' && (next === 'গ' || next === 'ঘ' || next === 'ক' || next === 'খ')) {
      out += next === 'গ' ? 'ng' : next === 'ঘ' ? 'ngh' : next === 'ক' ? 'nk' : 'nkh'
      j++
    } else if (j > 0 && c === 'য') {
      // ya-phala, also after র with or without ZWJ (র্যাব = র‍্যাব rab, স্বাতন্ত্র্য swatantrya).
      // Word-initial before া it is the /æ/ of ব্যাংক, ম্যাক্রোঁ: plain 'a'; so is a loan's
      // ক্যা/ট্যা… after a written vowel (মেডিক্যাল medikal). Otherwise it doubles the
      // consonant (হত্যা hotta), where 'ya' reads better: hatya.
      const last = j === cons.length - 1 && sign === 'া'
      const loan = cons.length === 2 && afterWrittenVowel && LOAN_YA_PHALA.has(cons[0].ch)
      if (!(last && (wordInitial || loan))) out += 'y'
    } else if (j > 0 && c === 'ব' && prev !== 'ম' && prev !== 'র' && prev !== 'ব' && prev !== 'ল') {
      out += 'w' // ba-phala: বিশ্ব bishwa, স্বাধীন swadhin, দ্বিতীয় dwitiy
    } else out += CONSONANTS[c]
  }
  return out
}

// ং before a velar is plain 'n' (ব্যাংক bank, শ্রীলংকা shrilanka, সংগীত sangit); otherwise 'ng'.
function modsText(mods: string, wordEnd: boolean, next: Unit | undefined): string {
  const velar = next?.kind === 'C' && 'কখগঘ'.includes(next.cons[0].ch)
  let out = ''
  for (const m of mods) {
    out += m === 'ং' ? (velar ? 'n' : 'ng') : m === 'ঁ' ? 'n' : wordEnd ? 'h' : ''
  }
  return out
}

function renderWord(word: string): string {
  const units = parseWord(word)
  if (units.length === 0) return ''
  decideInherentVowels(units, word)
  let out = ''
  let pendingNasal = ''
  for (let k = 0; k < units.length; k++) {
    const u = units[k]
    const prev = units[k - 1]
    const next = units[k + 1]
    const wordEnd = k === units.length - 1
    let mods = modsText(u.mods, wordEnd, next)
    // A chandrabindu vowel followed by a vowel letter: the nasal goes after both
    // (ঠাকুরগাঁও thakurgaon, not thakurgano).
    if (u.mods.includes('ঁ') && next?.kind === 'V') {
      pendingNasal = 'n'
      mods = mods.replace('n', '')
    }
    if (u.kind === 'V') {
      if (k === 0 && (u.ch === 'ই' || u.ch === 'ঈ') && !u.mods) {
        if (single(next, YA_NUKTA)) continue // ইয়েমেন: the য় unit writes the 'y'
        if (next?.kind === 'V' && (next.ch === 'উ' || next.ch === 'ঊ')) {
          out += 'y' // ইউরোপ yurop, ইউনূস yunus
          continue
        }
      }
      const afterNasal = prev?.mods.includes('ঁ') === true // ঠাকুরগাঁওয়ে: a vowel, not a glide
      if (
        u.ch === 'ও' &&
        !u.mods &&
        !afterNasal &&
        single(next, YA_NUKTA) &&
        next?.kind === 'C' &&
        next.sign
      ) {
        out += 'w' // ওয়াং wang, আওয়ামী awami; the য় unit then writes only its vowel
        continue
      }
      out += u.ch === 'অ্যা' ? 'a' : (INDEPENDENT_VOWELS[u.ch] ?? VOWEL_SIGNS[u.ch] ?? '')
    } else {
      const afterWritten = prev !== undefined && (prev.kind === 'V' || prev.sign !== '')
      let cluster = renderCluster(u.cons, u.sign, k === 0, afterWritten)
      if (u.cons.length === 1 && u.cons[0].ch === YA_NUKTA && prev) {
        const prevCh = prev.kind === 'V' ? prev.ch : prev.sign
        const afterWo =
          prev.kind === 'V' &&
          prev.ch === 'ও' &&
          !prev.mods &&
          u.sign !== '' &&
          !units[k - 2]?.mods.includes('ঁ')
        const initialI = k === 1 && prev.kind === 'V'
        // ওয়া: the ও already wrote 'w'. রাশিয়া rashia, জিয়া jia: no 'y' between i and a;
        // পটুয়াখালী patuakhali, নোয়াখালী noakhali: none between u/o and a either.
        const glide = u.sign === 'া' && !prev.mods && prev.kind === 'C' && U_O_SIGNS.has(prev.sign)
        if (
          afterWo ||
          glide ||
          (I_SOUNDS.has(prevCh) && u.sign === 'া' && !prev.mods && !initialI)
        ) {
          cluster = ''
        }
      }
      // ম্যাক্রোঁর: a case ending after a nasalised vowel reads 'er' (makroner, not makronr).
      const nasalEnding =
        wordEnd && !u.sign && !u.inherent && prev?.mods.endsWith('ঁ') && prev.kind === 'C'
      if (nasalEnding && u.cons.length === 1 && u.cons[0].ch === 'র') cluster = 'er'
      out += cluster + (u.sign ? VOWEL_SIGNS[u.sign] : u.inherent ? 'a' : '')
    }
    if (pendingNasal && prev?.mods.includes('ঁ') && u.kind === 'V') {
      out += pendingNasal
      pendingNasal = ''
    }
    out += mods
  }
  return out + pendingNasal
}

// ---------------------------------------------------------------------------------------------
// The dictionary of fixed spellings (spellings.json), applied before the rules

// Case endings kept after a dictionary word (ময়মনসিংহে mymensinghe, ঢাকায় dhakay, ঢাকার dhakar),
// longest first. -গামী (ঢাকাগামী 'Dhaka-bound') is written like one.
const ENDINGS: readonly (readonly [string, string])[] = (
  [
    ['য়েরও', 'yero'],
    ['েরও', 'ero'],
    ['য়ের', 'yer'],
    ['দের', 'der'],
    ['এরা', 'era'],
    ['গামী', 'gami'],
    ['এর', 'er'],
    ['ের', 'er'],
    ['রা', 'ra'],
    ['র', 'r'],
    ['য়েও', 'yeo'],
    ['য়ে', 'ye'],
    ['য়ও', 'yo'],
    ['য়', 'y'],
    ['তেও', 'teo'],
    ['তে', 'te'],
    ['েও', 'eo'],
    ['কেও', 'keo'],
    ['কে', 'ke'],
    ['েই', 'ei'],
    ['ও', 'o'],
    ['এ', 'e'],
    ['ে', 'e'],
  ] as const
).map(([bengali, latin]) => [letterKey(bengali), latin] as const)
const ENDING_LATIN = new Map(ENDINGS)

const LETTER = '[\\u0980-\\u09E5\\u09F0-\\u09FF\\u200C\\u200D]'
const SPELLING_TABLE = new Map<string, string>()
for (const section of Object.values(SPELLINGS as Record<string, Record<string, string>>)) {
  for (const [bengali, latin] of Object.entries(section))
    SPELLING_TABLE.set(letterKey(bengali), latin)
}
// Entries that are not one run of letters (প্রথম আলো, বিডিনিউজ২৪, টি-টোয়েন্টি) are matched as
// phrases in the text; the others word by word.
const PHRASES = [...SPELLING_TABLE.keys()]
  .filter((key) => !new RegExp(`^${LETTER}+$`, 'u').test(key))
  .sort((a, b) => b.length - a.length)
// Multi-word entries (প্রথম আলো, সৌদি আরব), with an optional case ending on the last word.
// The first run of letters of each phrase: the phrase pass runs only on text holding one.
const PHRASE_STARTS = new Set(PHRASES.map((key) => new RegExp(`^${LETTER}+`, 'u').exec(key)?.[0]))
const PHRASE = new RegExp(
  `(?<!${LETTER})(${PHRASES.map(escapeRegExp).join('|')})(${ENDINGS.map(([bengali]) => bengali).join('|')})?(?!${LETTER})`,
  'gu',
)

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+')
}

/** A dictionary spelling with the case ending read by the rules and joined as speech joins it. */
function withEnding(latin: string, ending: string | undefined): string {
  if (!ending) return latin
  // Short forms are acronyms (us, uk, bss): like বিএনপির → bnp, the ending is not written.
  if (/^[a-z0-9]{1,3}$/.test(latin)) return latin
  let tail = ENDING_LATIN.get(ending) ?? ''
  if (/[aiou]$/.test(latin)) {
    // After a vowel, as Bengali writes it after one: ভারতে indiay, ভারতের indiar (ঢাকায়, ঢাকার).
    if (tail.startsWith('e'))
      tail = tail === 'e' ? 'y' : tail.replace(/^e(?=r)/, '').replace(/^e/, 'y')
  } else {
    if (tail.startsWith('y')) tail = tail.slice(1) // ঠাকুরগাঁওয়ে thakurgaone
    if (tail.startsWith('r')) tail = `e${tail}` // ম্যাক্রোঁর macroner
    if (latin.endsWith('e') && tail.startsWith('e')) tail = tail.slice(1) // ইউক্রেনে ukraine
  }
  return latin + tail
}

function lookUp(word: string): string | undefined {
  const exact = SPELLING_TABLE.get(word)
  if (exact !== undefined) return exact
  for (const [ending] of ENDINGS) {
    if (word.length - ending.length < 2 || !word.endsWith(ending)) continue
    const latin = SPELLING_TABLE.get(word.slice(0, -ending.length))
    if (latin !== undefined) return withEnding(latin, ending)
  }
  return undefined
}

/** Romanises one Bengali word: the dictionary, then acronyms, then the rules. */
function romaniseWord(word: string, dictionary: boolean): string {
  if (dictionary) {
    const key = letterKey(word)
    const fixed = lookUp(key) ?? acronymLetters(key)
    if (fixed !== undefined && fixed !== null) return fixed
  }
  return renderWord(word)
}

export type TransliterateOptions = {
  /** Use the dictionary of fixed spellings and the acronym reading (default true); false shows
   * what the rules alone give. */
  dictionary?: boolean
}

// Abbreviations as Bangladeshi copy writes them before a name, read as its English-language
// sites write them: Dr, Md. আ. before লীগ is the Awami League, written out in Bengali so the
// dictionary reads it with its case ending (আ.লীগের awami-leaguer).
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  'ড.': 'dr',
  'ডা.': 'dr',
  'মো.': 'md',
  মোঃ: 'md',
  'আ.': nfc('আওয়ামী'),
}
const ABBREVIATION = new RegExp(`(?<!${LETTER})(?:(?:ড|ডা|মো)[.]|মোঃ|আ[.](?=\\s*লীগ))`, 'gu')

function expandAbbreviation(abbreviation: string, offset: number, text: string): string {
  const expanded = ABBREVIATIONS[abbreviation]
  // ড.ইউনূস: a word of its own all the same.
  return /\s/u.test(text[offset + abbreviation.length] ?? ' ') ? expanded : `${expanded} `
}

/** Bengali → readable ASCII (see the conventions above). Non-Bengali text passes through;
 * Bengali digits become ASCII digits, danda a full stop, ৳ 'tk'. */
export function transliterate(s: string, options: TransliterateOptions = {}): string {
  const dictionary = options.dictionary ?? true
  let text = nfc(s)
  if (dictionary) text = text.replace(ABBREVIATION, expandAbbreviation)
  text = text
    .replace(/\u09A1\u09BC/g, '\u09DC')
    .replace(/\u09A2\u09BC/g, '\u09DD')
    .replace(/\u09AF\u09BC/g, '\u09DF')
    .replace(/\u09BC/g, '') // other nukta letters (rare loan spellings): read the base
  if (dictionary && [...text.matchAll(WORD)].some(([word]) => PHRASE_STARTS.has(word))) {
    text = text.replace(PHRASE, (_, phrase: string, ending: string | undefined) =>
      withEnding(SPELLING_TABLE.get(phrase.replace(/\s+/gu, ' ')) ?? phrase, ending),
    )
  }
  return text
    .replace(WORD, (word) => romaniseWord(word, dictionary))
    .replace(/[০-৯]/g, (d) => String(d.charCodeAt(0) - 0x09e6))
    .replace(/[।॥]/g, '.')
    .replace(/৳/g, 'tk')
    .replace(/[\u0980-\u09FF]/g, '') // signs with no Latin reading (৺, fractions, unassigned)
    .replace(/[\u200C\u200D]/g, '')
}

/**
 * A URL slug: lowercase ASCII words joined by '-', at most `maxLength` characters, cut at a word
 * boundary. Latin input is slugified too (accents removed, ß ss, ł l). Never empty for a
 * non-blank title: if nothing readable is left, a short stable 'bn-<hash>' is returned.
 */
export function slugify(s: string, maxLength = 96): string {
  const ascii = transliterate(slugPrefix(s, maxLength))
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßæœøłđðþıħŧŋĸŀ]/giu, latinLetter)
    .toLowerCase()
    .replace(/['’‘`]/g, '') // দু'দেশ → dudesh, don't → dont
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  let slug = ascii
  if (slug.length > maxLength) {
    const cut = slug.slice(0, maxLength + 1)
    const boundary = cut.lastIndexOf('-')
    slug = boundary > 0 ? cut.slice(0, boundary) : slug.slice(0, maxLength)
    slug = slug.replace(/-+$/, '')
  }
  // A title in a script with no reading here (Chinese, Cyrillic, emoji…) or of marks and
  // punctuation alone still gets a slug, so the Studio never generates an empty one.
  if (slug === '' && /\S/u.test(s)) slug = `bn-${hash(nfc(s))}`.slice(0, maxLength)
  return slug
}

// Latin letters NFKD does not split into a base letter and marks, as English writes them.
const LATIN_LETTERS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
  ŧ: 't',
  ŋ: 'ng',
  ĸ: 'k',
  ŀ: 'l',
}
const latinLetter = (letter: string) => LATIN_LETTERS[letter.toLowerCase()] ?? letter

/**
 * The start of the text a slug of maxLength can come from, cut at a blank: every title the Studio
 * accepts is far shorter and slugs whole, and a megabyte line costs no more than a long title.
 */
function slugPrefix(s: string, maxLength: number): string {
  const limit = Math.max(SLUG_SOURCE_CHARS, maxLength * 20)
  if (s.length <= limit) return s
  const cut = s.slice(0, limit)
  const blank = cut.search(/\s\S*$/u)
  return blank > 0 ? cut.slice(0, blank) : cut
}
const SLUG_SOURCE_CHARS = 2000

// FNV-1a, base 36: a stable fallback slug for text that transliterates to nothing.
function hash(s: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return (h >>> 0).toString(36)
}
