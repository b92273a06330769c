/**
 * The archive benchmark's queries (issue 9's front-page shapes and issue 11's search), each with
 * its goal, and the baselines they are compared with: groq-js in process over the same published
 * documents, or — for text::query, which groq-js cannot run — the lake's own evaluator over every
 * document without the full-text index.
 */
import {evaluate, parse} from 'groq-js'
import {evaluateQuery, parseQuery} from '../lake/core/query.ts'
import {textQueryDereference} from '../lake/core/textQueryRewrite.ts'
import type {SanityDocument} from '../lake/core/types.ts'
import {COMMON_PREFIX, RARE_NAME, RARE_WORDS, type ArchiveSize, type BenchDocument} from './data.ts'

export type Goal = {text: string; met: (lakeMs: number, baselineMs: number) => boolean}

const LOOKUP: Goal = {
  text: '≤ 5 ms and ≥ 100× groq-js',
  met: (lake, groq) => lake <= 5 && groq / lake >= 100,
}
const MATCH: Goal = {
  text: '≤ 20 ms and ≥ 50× groq-js',
  met: (lake, groq) => lake <= 20 && groq / lake >= 50,
}
const NO_GOAL: Goal = {text: '(no goal)', met: () => true}

export type Baseline = (
  docs: BenchDocument[],
  query: string,
  params: Record<string, unknown>,
) => Promise<unknown>

export interface BenchQuery {
  name: string
  query: string
  params: Record<string, unknown>
  goal: Goal
  /** Instead of groq-js, e.g. the lake's evaluator without the index (text::query). */
  baseline?: Baseline
  baselineName?: string
}

/** groq-js in this process over the published documents: the engine without HTTP or storage. */
export async function groqJs(
  docs: BenchDocument[],
  query: string,
  params: Record<string, unknown>,
) {
  const value = await evaluate(parse(query, {params}), {dataset: docs, params})
  return value.get()
}

const views = new WeakMap<BenchDocument[], SanityDocument[]>()

/** The published documents with `_originalId`, as in the lake's perspective view (made once). */
function viewOf(docs: BenchDocument[]): SanityDocument[] {
  let view = views.get(docs)
  if (!view)
    views.set(docs, (view = docs.map((doc) => ({...doc, _originalId: doc._id}) as SanityDocument)))
  return view
}

/**
 * The lake's evaluator over every published document, without the index: what search costs
 * without it.
 */
async function withoutIndex(docs: BenchDocument[], query: string, params: Record<string, unknown>) {
  return evaluateQuery(parseQuery(query, params), viewOf(docs), {params})
}

/**
 * groq-js over every published document with the lake's text::query dereference, and none of the
 * lake's shortcuts: what the Studio's ranked search cost before lake/core/scoreTopK.ts.
 */
async function plainEvaluator(
  docs: BenchDocument[],
  query: string,
  params: Record<string, unknown>,
) {
  return groqJsOver(viewOf(docs), query, params)
}

/** groq-js over every document of `view`, with the lake's text::query dereference. */
export async function groqJsOver(
  view: SanityDocument[],
  query: string,
  params: Record<string, unknown>,
) {
  const value = await evaluate(parseQuery(query, params), {
    dataset: view,
    params,
    dereference: textQueryDereference({documents: view, params}),
  })
  return value.get()
}

/**
 * The ranked search the Studio's search box sends with its default strategy (groq2024) for the
 * article, headline and source types: title and name weighted, the whole document matched,
 * references to the typed text counted. Ordered by `_score` itself; sanity 6.9.2 orders by the
 * projection's copy, `orderings[0]`, and adds the first request's sources (studioSearchRequests,
 * bench/studioSearch.ts), which the lake answers the same way (lake/core/scoreTopK.ts).
 */
export const STUDIO_SEARCH = `*[_type in $__types] | score(
  boost(_type in ["article"] && title match text::query($__query), 10),
  boost(_type in ["headline"] && text match text::query($__query), 10),
  boost(_type in ["source"] && name match text::query($__query), 10),
  ([@, _id] match text::query($__query) || references($__rawQuery))
) [_score > 0] {_type, _id, _originalId, "orderings": [_score]} | order(_score desc) [0...$__limit]`

/**
 * The words a search box request takes apart as Studio 6.9.2 does (`prefixLast`): runs of
 * anything but spaces and `"`, quoted phrases kept whole.
 */
const STUDIO_TOKENS = /(?:[^\s"]+|"[^"]*")+/g

/** What the Studio sends as `$__query`: the typed text with `*` on its last plain word. */
export function studioPrefixLast(typed: string): string {
  const tokens = (typed.match(STUDIO_TOKENS) ?? []).map((token) => token.trim())
  if (tokens.length === 0) return '*'
  const plain = (t: string) => !t.startsWith('-') && !(t.startsWith('"') && t.endsWith('"'))
  const last = tokens.findLastIndex(plain)
  if (last < 0 || tokens[last].endsWith('*')) return tokens.join(' ')
  tokens[last] = `${tokens[last]}*`
  return tokens.join(' ')
}

export interface StudioRequest {
  query: string
  params: Record<string, unknown>
}

/**
 * The two requests the Studio's search box (its default groq2024 strategy, over this project's
 * schema, in the global search's `raw` perspective with its 25 hits) sends for `typed`: first the
 * sources whose name (a reference's preview field) holds the text, then the ranked search, which
 * boosts the documents referencing the sources found. `tests/bench/studioSearch.test.ts` checks
 * them against sanity's own createSearch.
 */
export function studioSearchRequests(
  typed: string,
): [StudioRequest, (referenceIds: string[]) => StudioRequest] {
  const __query = studioPrefixLast(typed)
  const resolve = {
    query: '*[(_type == "source" && name match text::query($__query))][0...1000]._id',
    params: {__query},
  }
  const main = (referenceIds: string[]): StudioRequest => {
    // The Studio asks for the published ids of what the first request found.
    const ids = [
      ...new Set(referenceIds.map((id) => id.replace(/^(drafts|versions\.[^.]+)\./, ''))),
    ]
    const boosts = [
      'boost(_type in ["article"] && title match text::query($__query), 10)',
      'boost(_type in ["source"] && name match text::query($__query), 10)',
      ...(ids.length > 0 ? ['boost(references($__refIds), 5)'] : []),
      '([@, _id] match text::query($__query) || references($__rawQuery))',
    ]
    return {
      query: [
        '// findability-mvi:5',
        '// findability-selected-types:0',
        '// findability-sort:relevance',
        '// findability-source: global',
        '// findability-filter-count:0',
        `*[_type in $__types] | score(${boosts.join(', ')}) [_score > 0] {_type, _id, _originalId, "orderings": [_score]} | order(orderings[0] desc) [0...$__limit]`,
      ].join('\n'),
      params: {
        __types: ['article', 'headline', 'source'],
        __limit: 26,
        __query,
        __rawQuery: typed,
        ...(ids.length > 0 ? {__refIds: ids} : {}),
      },
    }
  }
  return [resolve, main]
}

/**
 * What an editor types into the search box, for bench/studioSearch.ts: a Latin word no document
 * holds, a first letter, Bengali (a common prefix, a rare name, two words), a source's name, a
 * year in Bengali digits, and an article's id whole and its first piece (the archive's `article-N` or the Studio's UUID).
 */
export function studioSearchTerms(docs: readonly BenchDocument[]): {name: string; typed: string}[] {
  const article = docs.filter(
    (doc) => doc._type === 'article' && !doc._id.startsWith('drafts.'),
  )[417]
  return [
    {name: 'Latin word', typed: 'dhaka'},
    {name: 'Latin letter', typed: 'd'},
    {name: 'Bengali prefix', typed: COMMON_PREFIX.replace('*', '')},
    {name: 'Bengali name', typed: RARE_NAME},
    {name: 'two words', typed: RARE_WORDS.join(' ')},
    {name: "a source's name", typed: 'বাসস'},
    // Digits: Bengali ones as typed on a Bengali layout, folded to the ASCII ones.
    {name: 'a year', typed: '২০২৪'},
    {name: 'id', typed: article._id},
    {name: "id's first piece", typed: article._id.split('-')[0]},
  ]
}

/** Issue 9's query list and issue 11's search queries, in the published perspective. */
export function archiveQueries(size: ArchiveSize): BenchQuery[] {
  return [
    {
      name: 'by _id',
      query: '*[_id == $id][0]{_id, title, publishedAt}',
      params: {id: `article-${Math.floor(size.articles / 3)}`},
      goal: LOOKUP,
    },
    {
      name: 'by slug',
      query:
        '*[_type == "article" && slug.current == $slug][0]{_id, title, publishedAt, body, "source": source->name}',
      params: {slug: `article-${Math.floor(size.articles / 2)}`},
      goal: LOOKUP,
    },
    {
      name: 'latest 20',
      query:
        '*[_type == "article" && defined(publishedAt)] | order(publishedAt desc) [0...20] {_id, title, publishedAt, "source": source->name}',
      params: {},
      goal: LOOKUP,
    },
    {
      name: "source's latest 20",
      query:
        '*[_type == "article" && source._ref == $source] | order(publishedAt desc) [0...20] {_id, title, publishedAt}',
      params: {source: 'source-7'},
      goal: LOOKUP,
    },
    {
      name: 'section + order + [20...40]',
      query:
        '*[_type == "article" && section == $section] | order(publishedAt desc) [20...40] {_id, title, publishedAt}',
      params: {section: 'খেলা'},
      goal: LOOKUP,
    },
    {
      name: 'count by type',
      query: 'count(*[_type == "article"])',
      params: {},
      goal: LOOKUP,
    },
    {
      name: 'references($id)',
      query: '*[references($id)]{_id, _type}',
      params: {id: 'source-7'},
      goal: LOOKUP,
    },
    {
      name: 'match, common prefix',
      query:
        '*[_type == "article" && title match $word] | order(publishedAt desc) [0...20] {_id, title}',
      params: {word: COMMON_PREFIX},
      goal: MATCH,
    },
    {
      name: 'match, rare two-word AND',
      query: '*[_type == "article" && title match $words] {_id, title}',
      params: {words: RARE_WORDS},
      goal: MATCH,
    },
    {
      name: 'title match, rare name (issue 11)',
      query: '*[_type == "article" && title match $name] {_id, title}',
      params: {name: RARE_NAME},
      goal: MATCH,
    },
    {
      name: 'text::query, Studio search box (issue 11)',
      query: STUDIO_SEARCH,
      params: {
        __types: ['article', 'headline', 'source'],
        // Typed with another case ending than the body's (-ের): found by its stem.
        __query: `${RARE_NAME}কে*`,
        __rawQuery: `${RARE_NAME}কে`,
        __limit: 26,
      },
      goal: {text: '≤ 30 ms', met: (lake) => lake <= 30},
      baseline: withoutIndex,
      baselineName: 'lake evaluator without the index',
    },
    {
      name: 'text::query, common word (issue 11)',
      query: STUDIO_SEARCH,
      params: {
        __types: ['article', 'headline', 'source'],
        // In most titles: every article is a candidate and is scored.
        __query: COMMON_PREFIX,
        __rawQuery: COMMON_PREFIX.replace('*', ''),
        __limit: 26,
      },
      goal: {text: '≤ 1,000 ms', met: (lake) => lake <= 1000},
      baseline: plainEvaluator,
      baselineName: 'groq-js scoring every document',
    },
    {
      name: 'full scan, common field',
      query: '*[length(title) > $n]._id',
      params: {n: 75},
      goal: {text: '≥ 10× groq-js', met: (lake, groq) => groq / lake >= 10},
    },
    {
      name: 'full scan, other field',
      query: '*[_type == "article" && length(body[1].children[0].text) > $n]._id',
      params: {n: 150},
      goal: {text: '≤ 1.5× groq-js', met: (lake, groq) => lake <= 1.5 * groq},
    },
    {
      name: 'headlines with article and source',
      query:
        '*[_type == "headline"] | order(position asc, _id asc) [0...10] {text, "article": article->{title, "source": source->name}}',
      params: {},
      goal: NO_GOAL,
    },
  ]
}

/** One request the Studio sends while an editor works (bench/studioWork.ts). */
export interface StudioWorkRequest extends StudioRequest {
  name: string
  perspective: string
}

/**
 * The structure list pane's query (sanity 6.9.2 `listenSearchQuery`, its groq2024 strategy,
 * `limit` items and one more to know there are more: 100, or the full list's 2,000 once the editor
 * scrolls to the end) for a `documentTypeList(type)` in its default ordering (studio/structure.ts),
 * in the perspective of the editor's stack; `typed` is what the editor typed into the pane's
 * filter (none: every document of the type).
 */
export function studioListRequest(
  type: string,
  field: string,
  direction: 'asc' | 'desc',
  limit = 100,
  typed = '',
) {
  return {
    query: [
      '// findability-mvi:5',
      '// findability-source: list',
      `*[_type in $__types && ([@, _id] match text::query($__query) || references($__rawQuery)) && (_type == $type)] {_type, _id, _originalId, "orderings": [${field}]} | order(orderings[0] ${direction}) [0...$__limit]`,
    ].join('\n'),
    params: {
      __types: [type],
      __limit: limit + 1,
      __query: studioPrefixLast(typed),
      __rawQuery: typed,
      type,
    },
  }
}

/**
 * What a pane over articles sends first once a term is typed into its filter (the search's
 * reference resolution: sources whose name holds the term; sanity 6.9.2 createSearch, groq2024).
 */
export function studioSourcesNamed(typed: string): StudioRequest {
  return {
    query: '*[(_type == "source" && name match text::query($__query))][0...1000]._id',
    params: {__query: studioPrefixLast(typed)},
  }
}

/**
 * The reference input's source picker (groq2024 over the `source` type, 101 hits and one more)
 * for `typed`.
 */
export function studioReferenceSearch(typed: string): StudioRequest {
  return {
    query: [
      '// findability-mvi:5',
      '*[_type in $__types] | score(boost(_type in ["source"] && name match text::query($__query), 10), ([@, _id] match text::query($__query) || references($__rawQuery))) [_score > 0] {_type, _id, _originalId, "orderings": [_score]} | order(orderings[0] desc) [0...$__limit]',
    ].join('\n'),
    params: {
      __types: ['source'],
      __limit: 102,
      __query: studioPrefixLast(typed),
      __rawQuery: typed,
    },
  }
}

/**
 * The preview store's batch (sanity 6.9.2 `observeFields`, its toQuery): one request per set of
 * fields asked for within its debounce (chunkCombinedSelections: an article's previews and their
 * sources' names are two requests), the ids written into the query, the fields the previews
 * select (schemas/: an article's title, date, source reference and image; a source's name),
 * wrapped in an array of one.
 */
export function studioPreviewBatch(ids: readonly string[], fields: readonly string[]) {
  return `[*[_id in [${ids.map((id) => JSON.stringify(id)).join(',')}]][0...${ids.length}]{${['_id', '_rev', '_type', ...fields].join(',')}}][0...1]`
}

/**
 * What the Studio sends while an editor works on the archive, besides the search box
 * (studioSearchRequests): the three list panes and the articles pane's full list, opening an
 * article (its document group's first version and type), its previews, the slug check the schema runs (schemas/validation.ts), the
 * source picker and its previews, the delete dialog's referring documents, and the releases list.
 * `docs` is the archive loaded; the requests name its 418th article and that article's source.
 */
/** What the editor types into a list pane's filter: a word in most titles (bench/data.ts). */
const TYPED = COMMON_PREFIX.replace('*', '')

export function studioWorkRequests(docs: readonly BenchDocument[]): StudioWorkRequest[] {
  const articles = docs.filter((doc) => doc._type === 'article' && !doc._id.startsWith('drafts.'))
  const article = articles[417]
  const sourceId = (article.source as {_ref: string})._ref
  const slug = (article.slug as {current: string}).current
  const page = articles.slice(0, 50).map((doc) => doc._id)
  const sources = docs.filter((doc) => doc._type === 'source').slice(0, 20)
  return [
    {
      name: 'list: articles',
      perspective: 'drafts',
      ...studioListRequest('article', 'publishedAt', 'desc'),
    },
    {
      name: 'list: headlines',
      perspective: 'drafts',
      ...studioListRequest('headline', 'position', 'asc'),
    },
    {name: 'list: sources', perspective: 'drafts', ...studioListRequest('source', 'name', 'asc')},
    // A common word typed into the pane's filter: the sources named by it, then the list.
    {name: 'list typed: sources named', perspective: 'drafts', ...studioSourcesNamed(TYPED)},
    {
      name: 'list typed: articles',
      perspective: 'drafts',
      ...studioListRequest('article', 'publishedAt', 'desc', 100, TYPED),
    },
    {
      name: 'list typed: headlines',
      perspective: 'drafts',
      ...studioListRequest('headline', 'position', 'asc', 100, TYPED),
    },
    {
      name: 'list: articles, full',
      perspective: 'drafts',
      ...studioListRequest('article', 'publishedAt', 'desc', 2000),
    },
    {
      name: 'open: first version',
      perspective: 'raw',
      query: '*[sanity::versionOf($publishedId)]|order(_updatedAt)[0]{_id, _type}',
      params: {publishedId: article._id},
    },
    {
      name: 'open: type',
      perspective: 'raw',
      query: '*[sanity::versionOf($publishedId)][0]._type',
      params: {publishedId: article._id},
    },
    {
      name: 'previews: a page',
      perspective: 'drafts',
      query: studioPreviewBatch(page, ['title', 'publishedAt', 'source', 'leadImage']),
      params: {},
    },
    {
      name: "previews: sources' names",
      perspective: 'drafts',
      query: studioPreviewBatch(
        sources.map((doc) => doc._id),
        ['name'],
      ),
      params: {},
    },
    {
      name: 'slug taken?',
      perspective: 'raw',
      query:
        'defined(*[_type == $type && !sanity::versionOf($published) && slug.current == $slug][0]._id)',
      params: {type: 'article', slug, published: article._id},
    },
    {name: 'source picker', perspective: 'drafts', ...studioReferenceSearch('বাসস')},
    {
      name: 'referring documents',
      perspective: 'raw',
      query:
        '{"references":*[references($documentId)][0...100]{_id,_type},"totalCount":count(*[references($documentId)])}',
      params: {documentId: sourceId},
    },
    {name: 'releases', perspective: 'raw', query: 'releases::all()', params: {}},
  ]
}
