/**
 * What the import knows about news organisations named in credit lines: the canonical name, the
 * short name editors use, the kind of organisation and the section its stories go to by default.
 * Unknown organisations keep the name as written and get a kind guessed from words in the name.
 * The slug and id of a source come from slugify, which writes a known brand's own Latin name
 * (bangla/spellings.json: china-media-group, bss, reuters).
 */
import {nfc} from '../../bangla/index.ts'
import {type Section, type SourceKind} from '../../schemas/names.ts'

/** The fields of a source document that the import fills. */
export type SourceInfo = {name: string; shortName?: string; kind: SourceKind}

/** A source and the section its stories go to when the import is given no --section. */
export type SourceDescription = SourceInfo & {defaultSection?: Section}

type KnownSource = SourceDescription & {aliases?: string[]}

const INTERNATIONAL: Section = 'আন্তর্জাতিক'

// Organisations that appear in Bangladeshi wire copy. Aliases are other spellings and short
// names seen in credit lines; all of them map to one source document.
const KNOWN_SOURCES: KnownSource[] = [
  // Foreign outlets: their stories are international news. Bangladeshi agencies cover everything.
  {
    name: 'চায়না মিডিয়া গ্রুপ',
    shortName: 'সিএমজি',
    kind: 'broadcaster',
    defaultSection: INTERNATIONAL,
  },
  {name: 'বাংলাদেশ সংবাদ সংস্থা', shortName: 'বাসস', kind: 'agency'},
  {name: 'ইউনাইটেড নিউজ অব বাংলাদেশ', shortName: 'ইউএনবি', kind: 'agency'},
  {name: 'রয়টার্স', kind: 'agency', aliases: ['রয়টার'], defaultSection: INTERNATIONAL},
  {
    name: 'এজেন্স ফ্রান্স-প্রেস',
    shortName: 'এএফপি',
    kind: 'agency',
    defaultSection: INTERNATIONAL,
  },
  {name: 'অ্যাসোসিয়েটেড প্রেস', shortName: 'এপি', kind: 'agency', defaultSection: INTERNATIONAL},
  {name: 'সিনহুয়া', kind: 'agency', defaultSection: INTERNATIONAL},
  {name: 'বিবিসি', kind: 'broadcaster', defaultSection: INTERNATIONAL},
  {name: 'আল জাজিরা', kind: 'broadcaster', defaultSection: INTERNATIONAL},
  {name: 'সিএনএন', kind: 'broadcaster', defaultSection: INTERNATIONAL},
  // Bangladeshi dailies and online portals, by the names their credit lines use.
  {name: 'প্রথম আলো', kind: 'newspaper', aliases: ['দৈনিক প্রথম আলো']},
  {name: 'ইত্তেফাক', kind: 'newspaper', aliases: ['দৈনিক ইত্তেফাক']},
  {name: 'সমকাল', kind: 'newspaper', aliases: ['দৈনিক সমকাল']},
  {name: 'যুগান্তর', kind: 'newspaper', aliases: ['দৈনিক যুগান্তর']},
  {name: 'কালের কণ্ঠ', kind: 'newspaper', aliases: ['দৈনিক কালের কণ্ঠ']},
  {name: 'জনকণ্ঠ', kind: 'newspaper', aliases: ['দৈনিক জনকণ্ঠ']},
  {name: 'মানবজমিন', kind: 'newspaper', aliases: ['দৈনিক মানবজমিন']},
  {name: 'ইনকিলাব', kind: 'newspaper', aliases: ['দৈনিক ইনকিলাব']},
  {name: 'নয়া দিগন্ত', kind: 'newspaper', aliases: ['দৈনিক নয়া দিগন্ত']},
  {name: 'বাংলাদেশ প্রতিদিন', kind: 'newspaper'},
  {name: 'বিডিনিউজ টোয়েন্টিফোর ডটকম', kind: 'newspaper', aliases: ['বিডিনিউজ২৪', 'বিডিনিউজ২৪ ডটকম']},
  {name: 'বাংলা ট্রিবিউন', kind: 'newspaper'},
  {name: 'ঢাকা পোস্ট', kind: 'newspaper'},
  {name: 'জাগো নিউজ', kind: 'newspaper'},
]

const BY_NAME = new Map<string, SourceDescription>()
for (const {aliases = [], ...info} of KNOWN_SOURCES) {
  const normalised = {
    ...info,
    name: nfc(info.name),
    ...(info.shortName ? {shortName: nfc(info.shortName)} : {}),
  }
  for (const key of [info.name, info.shortName, ...aliases]) {
    if (key) BY_NAME.set(nfc(key), normalised)
  }
}

// Built from NFC strings so that a nukta letter typed precomposed in this file still matches.
const KIND_HINTS: [RegExp, SourceKind][] = (
  [
    ['সংবাদ সংস্থা|বার্তা সংস্থা|নিউজ এজেন্সি', 'agency'],
    ['টেলিভিশন|টিভি|রেডিও|বেতার|মিডিয়া গ্রুপ', 'broadcaster'],
    ['পত্রিকা|দৈনিক|প্রতিদিন|টাইমস|ট্রিবিউন|পোস্ট|গেজেট', 'newspaper'],
  ] as const
).map(([pattern, kind]) => [new RegExp(nfc(pattern), 'u'), kind])

/** The most hyphen-joined pieces in a known name ('এজেন্স ফ্রান্স-প্রেস' has two). */
export const KNOWN_NAME_MAX_PIECES = Math.max(
  ...[...BY_NAME.keys()].map((name) => name.split(/\s*[-–—]\s*/u).length),
)

/** True for an organisation the import knows by name or alias (a credit naming it is no person). */
export function isKnownSource(name: string): boolean {
  return BY_NAME.has(nfc(name.trim()))
}

/** Looks up an organisation named in a credit line (NFC). */
export function describeSource(organisation: string): SourceDescription {
  const name = nfc(organisation)
  const known = BY_NAME.get(name)
  if (known) return known
  const kind = KIND_HINTS.find(([pattern]) => pattern.test(name))?.[1] ?? 'other'
  return {name, kind}
}
