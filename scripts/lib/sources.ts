/**
 * What the import knows about news organisations named in credit lines: the canonical name, the
 * short name editors use and the kind of organisation. Unknown organisations keep the name as
 * written and get a kind guessed from words in the name.
 */
import {nfc} from '../../bangla/index.ts'
import {type SourceKind} from '../../schemas/names.ts'

/** The fields of a source document that the import fills. */
export type SourceInfo = {name: string; shortName?: string; kind: SourceKind}

type KnownSource = SourceInfo & {aliases?: string[]}

// Organisations that appear in Bangladeshi wire copy. Aliases are other spellings and short
// names seen in credit lines; all of them map to one source document.
const KNOWN_SOURCES: KnownSource[] = [
  {name: 'চায়না মিডিয়া গ্রুপ', shortName: 'সিএমজি', kind: 'broadcaster'},
  {name: 'বাংলাদেশ সংবাদ সংস্থা', shortName: 'বাসস', kind: 'agency'},
  {name: 'ইউনাইটেড নিউজ অব বাংলাদেশ', shortName: 'ইউএনবি', kind: 'agency'},
  {name: 'রয়টার্স', kind: 'agency', aliases: ['রয়টার']},
  {name: 'এজেন্স ফ্রান্স-প্রেস', shortName: 'এএফপি', kind: 'agency'},
  {name: 'অ্যাসোসিয়েটেড প্রেস', shortName: 'এপি', kind: 'agency'},
  {name: 'সিনহুয়া', kind: 'agency'},
  {name: 'বিবিসি', kind: 'broadcaster'},
  {name: 'আল জাজিরা', kind: 'broadcaster'},
  {name: 'সিএনএন', kind: 'broadcaster'},
]

const BY_NAME = new Map<string, SourceInfo>()
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

/** Looks up an organisation named in a credit line (NFC). */
export function describeSource(organisation: string): SourceInfo {
  const name = nfc(organisation)
  const known = BY_NAME.get(name)
  if (known) return known
  const kind = KIND_HINTS.find(([pattern]) => pattern.test(name))?.[1] ?? 'other'
  return {name, kind}
}
