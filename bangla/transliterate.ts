// Bengali → readable ASCII, for slugs. Newsroom style, close to how Bangladeshi sites and
// official place names romanise (Dhaka, Chattagram, Rajshahi, Narayanganj, Moulvibazar), not
// ISO 15919: no diacritics, inherent vowel 'a', ফ 'f', য 'j', শ/ষ 'sh'. The rules, briefly:
//
// - The inherent vowel is written 'a'. It is dropped at the end of a word after a single
//   consonant (চীন chin), kept after a conjunct (যুদ্ধ juddha, রাষ্ট্র rashtra) unless the
//   conjunct is a typical loanword ending after a written vowel (ট্রাম্প tramp, প্রেসিডেন্ট
//   president, মার্চ march) or -গঞ্জ (ganj). Inside a word it is dropped between a vowel and a
//   consonant+vowel, scanning right to left (প্রধানমন্ত্রী pradhanmantri, সরকার sarkar, আমরা
//   amra), never after a conjunct or around য় (সময়ের samayer, উন্নয়ন unnayan).
// - Conjuncts: ক্ষ ksh, জ্ঞ gy, ঙ্গ ng (সঙ্গে sange), য-ফলা y (মৃত্যু mrityu) but ্যা is the
//   /æ/ of loanwords and reads 'a' (ম্যাক্রোঁ makron, ব্যাংক bank), ব-ফলা w (বিশ্ব bishwa, স্ব sw).
// - Nukta letters ড় r, ঢ় rh, য় y; khanda ta ৎ t; anusvara ং ng; visarga ঃ h at a word's end,
//   silent before a consonant; chandrabindu ঁ n (চাঁদপুর chandpur, ঠাকুরগাঁও thakurgaon).
// - Glides: initial ইয়/ইউ y (ইয়েমেন yemen, ইউরোপ yurop), ওয়+vowel w (ওয়াং wang, আওয়ামী awami),
//   ি+য়া ia (রাশিয়া rashia). Bengali digits become ASCII digits; other text passes through.

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

function decideInherentVowels(units: Unit[]): void {
  const n = units.length
  const last = units[n - 1]
  if (n > 1 && last.kind === 'C' && last.inherent && last.mods === '') {
    const key = last.cons.map((c) => c.ch).join('')
    const before = units[n - 2]
    const afterWrittenVowel = before.kind === 'V' || before.sign !== ''
    if (last.cons.length === 1) {
      // ভারতীয় bhartiya, জাতীয় jatiya, দ্বিতীয় dwitiya: final য় after an i-vowel is said
      const iBefore = I_SOUNDS.has(before.kind === 'V' ? before.ch : before.sign)
      if (!(last.cons[0].ch === YA_NUKTA && iBefore)) last.inherent = false
    } else if (ALWAYS_BARE_FINALS.has(key)) last.inherent = false
    else if (LOAN_FINALS.has(key) && afterWrittenVowel) last.inherent = false
  }
  for (let k = n - 2; k >= 1; k--) {
    const u = units[k]
    const next = units[k + 1]
    const prev = units[k - 1]
    if (u.kind !== 'C' || !u.inherent || u.mods !== '' || u.cons.length !== 1) continue
    // আরও aro, এখনও ekhano, দেশও desho, এমএসএম emesem (but a first syllable keeps it: হও hao)
    if (next?.kind === 'V' && (next.ch === 'ও' || next.ch === 'এ')) {
      u.inherent = false
      continue
    }
    if (!single(next) || single(next, YA_NUKTA)) continue
    // য় loses its vowel only after a written vowel: চায়না chayna, but উন্নয়ন unnayan
    if (u.cons[0].ch === YA_NUKTA && !(prev.kind === 'V' || prev.sign !== '')) continue
    if (hasVowel(prev) && hasVowel(next)) u.inherent = false
  }
}

function renderCluster(cons: Consonant[], sign: string, wordInitial: boolean): string {
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
    } else if (j > 0 && c === 'য' && (prev !== 'র' || cons[j].zwj)) {
      // ya-phala. Word-initial before া it is the /æ/ of ব্যাংক, ম্যাক্রোঁ: plain 'a'; inside a
      // word it doubles the consonant (হত্যা hotta), where 'ya' reads better: hatya.
      if (!(wordInitial && j === cons.length - 1 && sign === 'া')) out += 'y'
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
  decideInherentVowels(units)
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
      if (u.ch === 'ও' && !u.mods && single(next, YA_NUKTA) && next?.kind === 'C' && next.sign) {
        out += 'w' // ওয়াং wang, আওয়ামী awami; the য় unit then writes only its vowel
        continue
      }
      out += u.ch === 'অ্যা' ? 'a' : (INDEPENDENT_VOWELS[u.ch] ?? VOWEL_SIGNS[u.ch] ?? '')
    } else {
      let cluster = renderCluster(u.cons, u.sign, k === 0)
      if (u.cons.length === 1 && u.cons[0].ch === YA_NUKTA && prev) {
        const prevCh = prev.kind === 'V' ? prev.ch : prev.sign
        const afterWo = prev.kind === 'V' && prev.ch === 'ও' && !prev.mods && u.sign !== ''
        const initialI = k === 1 && prev.kind === 'V'
        // ওয়া: the ও already wrote 'w'. রাশিয়া rashia, জিয়া jia: no 'y' between i and a.
        if (afterWo || (I_SOUNDS.has(prevCh) && u.sign === 'া' && !prev.mods && !initialI)) {
          cluster = ''
        }
      }
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

/** Bengali → readable ASCII (see the conventions above). Non-Bengali text passes through;
 * Bengali digits become ASCII digits, danda a full stop, ৳ 'tk'. */
export function transliterate(s: string): string {
  const text = nfc(s)
    .replace(/\u09A1\u09BC/g, '\u09DC')
    .replace(/\u09A2\u09BC/g, '\u09DD')
    .replace(/\u09AF\u09BC/g, '\u09DF')
    .replace(/\u09BC/g, '') // other nukta letters (rare loan spellings): read the base
  return text
    .replace(WORD, (word) => renderWord(word))
    .replace(/[০-৯]/g, (d) => String(d.charCodeAt(0) - 0x09e6))
    .replace(/[।॥]/g, '.')
    .replace(/৳/g, 'tk')
    .replace(/[\u0980-\u09FF]/g, '') // signs with no Latin reading (৺, fractions, unassigned)
    .replace(/[\u200C\u200D]/g, '')
}

/**
 * A URL slug: lowercase ASCII words joined by '-', at most `maxLength` characters, cut at a word
 * boundary. Latin input is slugified too (accents removed). Never empty for input containing
 * Bengali: if nothing readable is left, a short stable 'bn-<hash>' is returned.
 */
export function slugify(s: string, maxLength = 96): string {
  const ascii = transliterate(s)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
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
  if (slug === '' && /[\u0980-\u09FF]/.test(s)) slug = `bn-${hash(nfc(s))}`.slice(0, maxLength)
  return slug
}

// FNV-1a, base 36: a stable fallback slug for text that transliterates to nothing.
function hash(s: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return (h >>> 0).toString(36)
}
