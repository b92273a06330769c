// Wires the bangla module's validators (spacing, digits, script, graphemes, NFC) into Sanity rules
// with the right level, and adds the checks that need a document or the dataset (dates, slugs).
import type {RuleDef, SlugIsUniqueValidator, SlugifierFn, ValidationContext} from 'sanity'
import {
  graphemeLength,
  nfc,
  slugify,
  validateGraphemeMax,
  validateGraphemeWarn,
  validateHasBengali,
  validateNfc,
  validateNoMixedDigits,
  validateSpacing,
} from '../bangla/index.ts'
import {getPublishedId} from '../kit/sanityIds.ts'
import {SLUG_MAX_LENGTH, type GraphemeLimit} from './names.ts'

export type CheckResult = true | string

/** The API version the validation client (slug uniqueness) uses. */
export const VALIDATION_API_VERSION = '2025-02-19'

export const messages = {
  slugTaken: 'এই স্লাগ আগেই অন্য একটি ডকুমেন্টে ব্যবহৃত হয়েছে: শেষে কিছু যোগ করে আলাদা করুন।',
  updatedBeforePublished: 'হালনাগাদের সময় প্রকাশের সময়ের আগে হতে পারে না: তারিখটি ঠিক করুন।',
}

/** NFC check for Portable Text: every span's text. */
export function checkBlocksNfc(value: unknown): CheckResult {
  if (!Array.isArray(value)) return true
  for (const block of value) {
    const children: unknown = block?.children
    if (!Array.isArray(children)) continue
    for (const span of children) {
      const result = validateNfc(span?.text)
      if (result !== true) return result
    }
  }
  return true
}

export function checkUpdatedAfterPublished(updatedAt: unknown, publishedAt: unknown): CheckResult {
  if (typeof updatedAt !== 'string' || typeof publishedAt !== 'string') return true
  return Date.parse(updatedAt) >= Date.parse(publishedAt) ? true : messages.updatedBeforePublished
}

export type TextValidationOptions = {
  /** Bengali message shown when the field is empty; omit for optional fields. */
  required?: string
  limit?: GraphemeLimit
  /** Warn when the text has no Bengali letters (titles). */
  expectBengali?: boolean
}

/** One error-level rule of a text field, as a plain check the import runs outside the Studio. */
export type TextErrorRule = {
  check: (value: unknown) => CheckResult
  /** What is wrong, in English, for the import's warnings ('mixes Bengali and ASCII digits'). */
  describe: (value: string) => string
}

/**
 * The error-level rules textValidation gives a field (spacing, mixed digits, NFC, the grapheme
 * maximum), in its order: the Studio and the import share them.
 */
export function textErrorRules({limit}: TextValidationOptions = {}): TextErrorRule[] {
  const rules: TextErrorRule[] = [
    {check: validateSpacing, describe: () => 'has blanks at an end or a double space'},
    {
      check: validateNoMixedDigits,
      describe: () => 'mixes Bengali and ASCII digits in one number',
    },
    {check: validateNfc, describe: () => 'is not in NFC'},
  ]
  if (limit) {
    rules.push({
      check: (value) => validateGraphemeMax(value, limit.max),
      describe: (value) => `has ${graphemeLength(value)} graphemes (at most ${limit.max})`,
    })
  }
  return rules
}

/**
 * The rules every editor-typed string gets (spacing, mixed digits, NFC), plus the optional
 * required/limit/script rules. Spacing and digits are errors; over-`warn` and no-Bengali are warnings.
 */
export function textValidation(options: TextValidationOptions = {}) {
  return <R extends RuleDef<R, string>>(rule: R): R[] => {
    const {required, limit, expectBengali} = options
    const rules: R[] = textErrorRules(options).map(({check}) => rule.custom(check).error())
    if (required) rules.unshift(rule.required().error(required))
    if (limit?.warn !== undefined) {
      rules.push(rule.custom((value) => validateGraphemeWarn(value, limit)).warning())
    }
    if (expectBengali) rules.push(rule.custom(validateHasBengali).warning())
    return rules
  }
}

/** The Studio's slug "Generate": romanised Bengali, hyphenated, at most 96 characters. */
export const slugifyBengali: SlugifierFn = (source) => slugify(nfc(source), SLUG_MAX_LENGTH)

/**
 * Slug uniqueness against the dataset, per document type. A document's own versions (published,
 * draft, release versions) don't count; any other document's do. Same shape as Sanity's built-in
 * check, `sanity::versionOf` being what covers the release versions.
 */
export const SLUG_TAKEN_QUERY =
  'defined(*[_type == $type && !sanity::versionOf($published) && slug.current == $slug][0]._id)'

type SlugUniquenessContext = Pick<ValidationContext, 'document' | 'getClient'>

/** The slug's uniqueness check as a custom rule, so the editor gets a Bengali message. */
export async function checkSlugUnique(
  value: {current?: string} | undefined,
  context: SlugUniquenessContext,
): Promise<CheckResult> {
  const slug = value?.current
  const {document, getClient} = context
  if (!document || !slug) return true
  const published = getPublishedId(document._id)
  const client = getClient({apiVersion: VALIDATION_API_VERSION})
  const params = {type: document._type, slug: nfc(slug), published}
  // Raw perspective: from API v2025-02-19 the default is `published`, which would miss drafts.
  const taken = await client.fetch<boolean>(SLUG_TAKEN_QUERY, params, {perspective: 'raw'})
  return taken ? messages.slugTaken : true
}

/**
 * Replaces Sanity's built-in uniqueness check (English message, same query) since
 * `checkSlugUnique` runs as a rule with a Bengali message.
 */
export const skipBuiltInUniqueness: SlugIsUniqueValidator = () => true
