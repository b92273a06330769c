// Schema type names and shared value lists. No React and no Sanity imports, so the Studio,
// queries and scripts can all use them.
import {GRAPHEME_LIMITS, type GraphemeLimits} from '../bangla/index.ts'

export const ARTICLE_TYPE = 'article'
export const HEADLINE_TYPE = 'headline'
export const SOURCE_TYPE = 'source'
export const DATELINE_TYPE = 'dateline'
export const CORRECTION_TYPE = 'correction'
export const LEAD_IMAGE_TYPE = 'leadImage'
export const ARTICLE_BODY_TYPE = 'articleBody'

/**
 * The hidden field holding the Bengali sort key of an article's title or a headline's text
 * (bangla/sort.ts): 'শিরোনাম, বর্ণানুক্রমে' orders by it. The Studio's title input and the import
 * write it.
 */
export const SORT_KEY_FIELD = 'sortKey'

/** The newsroom's sections; the stored value is the Bengali name itself (NFC). */
export const SECTIONS = [
  'জাতীয়',
  'আন্তর্জাতিক',
  'রাজনীতি',
  'অর্থনীতি',
  'খেলা',
  'বিনোদন',
  'মতামত',
  'প্রযুক্তি',
] as const
export type Section = (typeof SECTIONS)[number]

export const SOURCE_KINDS = [
  {value: 'agency', title: 'সংবাদ সংস্থা'},
  {value: 'broadcaster', title: 'সম্প্রচারমাধ্যম'},
  {value: 'newspaper', title: 'সংবাদপত্র'},
  {value: 'other', title: 'অন্যান্য'},
] as const
export type SourceKind = (typeof SOURCE_KINDS)[number]['value']

/** Grapheme-cluster limits (letters as an editor sees them, not UTF-16 code units). */
export type GraphemeLimit = GraphemeLimits
export const ARTICLE_TITLE_LIMIT: GraphemeLimit = GRAPHEME_LIMITS.articleTitle // warn 90, max 150
export const HEADLINE_TEXT_LIMIT: GraphemeLimit = GRAPHEME_LIMITS.headlineText // max 120
export const SLUG_MAX_LENGTH = 96
