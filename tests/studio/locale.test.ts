// The bn-BD Studio locale against the Studio's own US-English bundles: every key it translates
// exists, keeps the same placeholders and tags, is Bengali, uses the glossary's terms, and every
// string the newsroom day showed in English has a Bengali text.
import {describe, expect, it} from 'vitest'
import {GLOSSARY} from '../../studio/locale/bn-BD/glossary.ts'
import {bnBD} from '../../studio/locale/bn-BD/index.ts'
import {englishResources, type Resources} from './englishBundles.ts'

const NAMESPACES = ['studio', 'structure', 'validation', 'vision'] as const

async function bengali(namespace: string): Promise<Resources> {
  const bundle = bnBD.bundles!.find((b) => b.namespace === namespace)
  if (!bundle) throw new Error(`bn-BD has no ${namespace} bundle`)
  const loaded =
    typeof bundle.resources === 'function' ? await bundle.resources() : bundle.resources
  return ('default' in loaded ? loaded.default : loaded) as Resources
}

const bundles = Object.fromEntries(
  await Promise.all(NAMESPACES.map(async (ns) => [ns, await bengali(ns)] as const)),
) as Record<(typeof NAMESPACES)[number], Resources>

/** `{{count, number}}` → `count`; the formatter may differ (Bengali digits), the variable not. */
const variables = (text: string, key: string) =>
  [...text.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)]
    .map((m) => m[1])
    // A plural form may print the count that English spells out ('1 document' → '{{count}}টি').
    .filter((name) => !(name === 'count' && /_(one|other)$/.test(key)))
    .sort()
const tags = (text: string) => [...text.matchAll(/<\/?([A-Za-z]+)\s*\/?>/g)].map((m) => m[0]).sort()
const BENGALI = /[\u0980-\u09FF]/
/** Values that are only placeholders ('{{date}}', '{{types, list}}') need no Bengali letters. */
const onlyPlaceholders = (text: string) => text.replace(/\{\{[^}]*\}\}/g, '').trim() === ''

describe('bn-BD locale', () => {
  it('is a Sanity locale with the studio, structure, validation and vision bundles', () => {
    expect(bnBD.id).toBe('bn-BD')
    expect(bnBD.bundles?.map((b) => b.namespace).sort()).toEqual([...NAMESPACES].sort())
  })

  for (const ns of NAMESPACES) {
    describe(`namespace ${ns}`, () => {
      const english = englishResources(ns)
      const translated = Object.entries(bundles[ns])

      it('translates only keys the Studio has', () => {
        expect(translated.map(([key]) => key).filter((key) => !(key in english))).toEqual([])
      })

      it('keeps every placeholder and tag of the English text', () => {
        const broken = translated.filter(
          ([key, text]) =>
            key in english &&
            (variables(text, key).join() !== variables(english[key], key).join() ||
              tags(text).join() !== tags(english[key]).join()),
        )
        expect(broken.map(([key, text]) => `${key}: ${english[key]} → ${text}`)).toEqual([])
      })

      it('is written in Bengali, with counts in Bengali digits', () => {
        expect(
          translated.filter(([, text]) => !BENGALI.test(text) && !onlyPlaceholders(text)),
        ).toEqual([])
        // i18next's `number` formatter uses Intl with bn-BD: a bare {{count}} would print 1, 2, 3.
        expect(translated.filter(([, text]) => /\{\{\s*count\s*\}\}/.test(text))).toEqual([])
      })

      it('uses the glossary’s word wherever the English uses the term', () => {
        const misses: string[] = []
        for (const [key, text] of translated) {
          // Placeholders are not words: 'No matches for {{filter}}' says nothing about filters.
          const source = (english[key] ?? '').replace(/\{\{[^}]*\}\}/g, '')
          for (const term of GLOSSARY) {
            if (!new RegExp(`\\b${term.en}\\b`, 'i').test(source)) continue
            if (!new RegExp(term.bn).test(text))
              misses.push(`${key} (${term.en} → ${term.bn}): ${text}`)
          }
        }
        expect(misses).toEqual([])
      })
    })
  }

  // What the newsroom day showed in English (studio, structure, validation namespaces).
  const SEEN_IN_ENGLISH = [
    'Search list',
    'Drafts',
    'Published',
    'Draft',
    'All fields',
    'Add item',
    'No items',
    'Generate',
    'Type to search',
    'Create',
    'Upload',
    'Read only',
    'Validation',
    'Required',
    'Saving...',
    'Saved',
    'History',
    'Review changes',
    'Revert to revision',
    'Are you sure you want to restore this document?',
    'Cancel',
    'Confirm',
    'All types',
    'Add filter',
    'Best match',
    'No results found',
    'Edited <RelativeTime/>',
    'Last published <RelativeTime/>',
    '<Strong>{{title}}</Strong> was published',
    '<Strong>{{title}}</Strong> was restored',
    'just now',
    'Language',
    'New {{schemaType}}',
  ]

  it('has Bengali for every string the newsroom day showed in English', () => {
    const missing: string[] = []
    for (const phrase of SEEN_IN_ENGLISH) {
      const keys = NAMESPACES.flatMap((ns) =>
        Object.entries(englishResources(ns))
          .filter(
            // Hosted-only features (releases, tasks, canvas) are off; their navbar chips stay.
            ([key, text]) =>
              text === phrase &&
              (!/^(release|releases|tasks|canvas)\./.test(key) ||
                /^release\.(chip|navbar)\./.test(key)),
          )
          .map(([key]) => [ns, key] as const),
      )
      expect(keys.length, `no English key reads "${phrase}"`).toBeGreaterThan(0)
      for (const [ns, key] of keys) if (!bundles[ns][key]) missing.push(`${ns}:${key} "${phrase}"`)
    }
    expect(missing).toEqual([])
  })
})
