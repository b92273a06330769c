/**
 * bench/studioWork.ts sends what the Studio sends: the list panes' queries and the source picker's
 * search (bench/queries.ts) must equal what sanity's own createSearch makes over this project's
 * schema with the options sanity 6.9.2 gives it (the list pane's `listenSearchQuery`: groq2024, no
 * search text, studio/structure.ts's orderings, 100 items; the reference input: 101 hits).
 */
import {firstValueFrom, of} from 'rxjs'
import {createSchema, createSearch, getSearchableTypes} from 'sanity'
import {expect, test} from 'vitest'
import {schemaTypes} from '../../schemas/index.ts'
import {studioListRequest, studioReferenceSearch, studioSourcesNamed} from '../../bench/queries.ts'
import {COMMON_PREFIX} from '../../bench/data.ts'
import {STRUCTURE_LISTS} from '../../studio/structure.ts'

const schema = createSchema({name: 'default', types: schemaTypes})

/** The requests createSearch sends for `typed` over `type`, with `options` for the search. */
async function studioSends(type: string, typed: string, factory: object, options: object) {
  const sent: {query: string; params: Record<string, unknown>}[] = []
  const client = {
    observable: {
      fetch: (query: string, params: Record<string, unknown>) => {
        sent.push({query, params})
        return of([])
      },
    },
    withConfig: () => client,
  }
  const types = getSearchableTypes(schema).filter((t) => t.name === type)
  const search = createSearch(types, client as never, {strategy: 'groq2024', ...factory} as never)
  await firstValueFrom(search({query: typed, types}, options as never))
  return sent
}

test.each(STRUCTURE_LISTS.map((list) => [list.id, list] as const))(
  'the %s list pane, as the Studio sends it',
  async (_, {type, ordering}) => {
    const [{field, direction}] = ordering
    const sent = await studioSends(
      type,
      '',
      {filter: '_type == $type', params: {type}},
      {
        comments: ['findability-source: list'],
        limit: 100,
        skipSortByScore: true,
        sort: ordering,
        perspective: 'drafts',
      },
    )
    expect(sent).toEqual([studioListRequest(type, field, direction)])
  },
)

test("the articles pane's full list (scrolled to its end), as the Studio sends it", async () => {
  // PaneContainer's useDocumentList: the same listenSearchQuery with FULL_LIST_LIMIT, 2,000.
  const {ordering} = STRUCTURE_LISTS.find((list) => list.type === 'article')!
  const [{field, direction}] = ordering
  const sent = await studioSends(
    'article',
    '',
    {filter: '_type == $type', params: {type: 'article'}},
    {
      comments: ['findability-source: list'],
      limit: 2000,
      skipSortByScore: true,
      sort: ordering,
      perspective: 'drafts',
    },
  )
  expect(sent).toEqual([studioListRequest('article', field, direction, 2000)])
})

test.each(STRUCTURE_LISTS.map((list) => [list.id, list] as const))(
  'the %s list pane with a word typed into its filter, as the Studio sends it',
  async (_, {type, ordering}) => {
    const typed = COMMON_PREFIX.replace('*', '')
    const [{field, direction}] = ordering
    const sent = await studioSends(
      type,
      typed,
      {filter: '_type == $type', params: {type}},
      {
        comments: ['findability-source: list'],
        limit: 100,
        skipSortByScore: true,
        sort: ordering,
        perspective: 'drafts',
      },
    )
    // Articles reference sources: the search first resolves the sources the word names.
    const list = studioListRequest(type, field, direction, 100, typed)
    expect(sent).toEqual(type === 'article' ? [studioSourcesNamed(typed), list] : [list])
  },
)

test('the source picker, as the Studio sends it', async () => {
  const sent = await studioSends(
    'source',
    'বাসস',
    {tag: 'search.reference', perspective: 'drafts', maxDepth: 5},
    {perspective: 'drafts', limit: 101},
  )
  expect(sent).toEqual([studioReferenceSearch('বাসস')])
})
