/**
 * bench/studioSearch.ts sends what the Studio's search box sends: bench/queries.ts
 * studioSearchRequests must equal the requests sanity's own createSearch makes over this
 * project's schema, with the options the global search gives it (sanity 6.9.2's SearchProvider:
 * groq2024, `raw`, 25 hits, its `findability-*` comments), for each shape the bench types.
 */
import {firstValueFrom, of} from 'rxjs'
import {createSchema, createSearch, getSearchableTypes} from 'sanity'
import {expect, test} from 'vitest'
import {schemaTypes} from '../../schemas/index.ts'
import {archiveDocuments, archiveOf, withSanityIds} from '../../bench/data.ts'
import {studioPrefixLast, studioSearchRequests, studioSearchTerms} from '../../bench/queries.ts'

const schema = createSchema({name: 'default', types: schemaTypes})

/** The requests the Studio sends for `typed`, its first answered with `found`. */
async function studioSends(typed: string, found: string[]) {
  const sent: {query: string; params: Record<string, unknown>; perspective: unknown}[] = []
  const client = {
    observable: {
      fetch: (query: string, params: Record<string, unknown>, options: {perspective?: unknown}) => {
        sent.push({query, params, perspective: options.perspective})
        return of(sent.length === 1 ? found : [])
      },
    },
  }
  const search = createSearch(
    getSearchableTypes(schema),
    client as never,
    {
      tag: 'search.global',
      unique: true,
      strategy: 'groq2024',
    } as Parameters<typeof createSearch>[2],
  )
  await firstValueFrom(
    search({query: typed, types: []}, {
      comments: [
        'findability-selected-types:0',
        'findability-sort:relevance',
        'findability-source: global',
        'findability-filter-count:0',
      ],
      limit: 25,
      perspective: 'raw',
    } as never),
  )
  return sent
}

const terms = [
  ...studioSearchTerms(archiveDocuments(archiveOf(1000))),
  ...studioSearchTerms(withSanityIds(archiveDocuments(archiveOf(1000)))),
  {name: 'a phrase and a negation', typed: '"ঢাকা বৈঠক" -বাজেট নির্বা'},
]

test.each(terms.map((t) => [t.name, t.typed]))(
  '%s (%s): as the Studio sends it',
  async (_, typed) => {
    for (const found of [[], ['source-1', 'drafts.source-2', 'source-1']]) {
      const [resolve, main] = studioSearchRequests(typed)
      const ours = [resolve, main(found)].map((r) => ({...r, perspective: 'raw'}))
      expect(ours).toEqual(await studioSends(typed, found))
    }
  },
)

test('the last plain word gets its `*`, as the search box adds it', () => {
  expect(studioPrefixLast('dhaka')).toBe('dhaka*')
  expect(studioPrefixLast('ঢাকা  বৈঠক ')).toBe('ঢাকা বৈঠক*')
  expect(studioPrefixLast('বৈঠক* "ঢাকা"')).toBe('বৈঠক* "ঢাকা"')
  expect(studioPrefixLast('বৈঠক -ঢাকা')).toBe('বৈঠক* -ঢাকা')
  expect(studioPrefixLast('')).toBe('*')
})
