/**
 * Differential suite for the query planner: every shape the lake answers from its indexes
 * (ordered slices, offsets, counts, references, ranges, defined(), `in` lists, scans over the
 * indexed fields) against groq-js over the same stored documents, in every perspective. The dataset
 * is large enough that a plan reads several batches and stops early, and it holds the awkward
 * values: ties, missing and null, mixed types in one field, strings beyond U+D800 (where code point
 * and UTF-16 order differ), objects where scalars are expected, strong, weak and hidden references.
 */
import {beforeAll, describe, expect, test} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {asMultiset} from './compare.ts'
import {groqJs} from './oracle.ts'
import {generateDataset, type GeneratedQuery} from './generate.ts'
import {loadDocuments, query} from './http.ts'
import {
  applyPerspective,
  perspectiveParam,
  type Perspective,
  type StoredDocument,
} from './perspective.ts'

const PERSPECTIVES: Perspective[] = [
  'raw',
  'published',
  'drafts',
  'previewDrafts',
  ['eid', 'drafts'],
  ['budget'],
]

/** Values of every GROQ type (and none) for the indexed fields of the odd documents. */
const ODD_VALUES: unknown[] = [
  5,
  -1.5,
  0,
  'a',
  'B',
  '\uE000 private use',
  '😀 emoji',
  '\uFFFF',
  'ঢাকা',
  '',
  true,
  false,
  null,
  {x: 1},
  [1, 2],
  undefined,
]

function oddDocuments(): StoredDocument[] {
  const docs: StoredDocument[] = []
  ODD_VALUES.forEach((value, i) => {
    const doc: StoredDocument = {_id: `odd-${i}`, _type: 'odd'}
    const at = (key: string, v: unknown) => {
      if (v !== undefined) doc[key] = v
    }
    at('title', value)
    at('publishedAt', ODD_VALUES[(i * 7) % ODD_VALUES.length])
    at('section', ODD_VALUES[(i * 3) % ODD_VALUES.length])
    doc.slug = i % 4 === 0 ? 'not an object' : {current: ODD_VALUES[(i * 5) % ODD_VALUES.length]}
    // Strong, weak, a non-reference `source`, an array of references, and a `_ref` GROQ ignores
    // because it sits inside another reference.
    if (i % 5 === 0) doc.source = {_type: 'reference', _ref: 'src-1'}
    if (i % 5 === 1) doc.source = {_type: 'reference', _ref: 'src-2', _weak: true}
    if (i % 5 === 2) doc.source = 'src-1'
    if (i % 5 === 3) doc.source = [{_ref: 'src-1'}]
    if (i % 5 === 4) doc.source = {_ref: 'src-3', inner: {_ref: 'src-4'}}
    docs.push(doc)
    if (i % 3 === 0) docs.push({...doc, _id: `drafts.odd-${i}`, title: ODD_VALUES[(i + 1) % 16]})
  })
  return docs
}

const many = Array.from({length: 3000}, (_, i) => `art-${i * 2}`)
const manySlugs = Array.from({length: 33_000}, (_, i) => `slug-${i}`)

const QUERIES: GeneratedQuery[] = [
  // Ordered slices served by an index, with offsets and ties.
  {
    query: '*[_type == "article"] | order(publishedAt desc) [0...20] {_id, publishedAt}',
    params: {},
    ordered: true,
  },
  {query: '*[_type == "article"] | order(publishedAt) [0...20]._id', params: {}, ordered: true},
  {
    query: '*[_type == "article"] | order(publishedAt desc) [20...40]._id',
    params: {},
    ordered: true,
  },
  {
    query: '*[_type == "article"] | order(publishedAt desc) [0..600]._id',
    params: {},
    ordered: true,
  },
  {query: '*[_type == "article"] | order(publishedAt desc) [3]._id', params: {}, ordered: true},
  {
    query: '*[_type == "article" && defined(publishedAt)] | order(publishedAt desc) [0...20]._id',
    params: {},
    ordered: true,
  },
  {query: '*[_type == "article"] | order(section) [0...30]._id', params: {}, ordered: true},
  {query: '*[_type == "article"] | order(section desc) [500...530]._id', params: {}, ordered: true},
  {
    query: '*[_type == "article"] | order(section, publishedAt desc) [0...25]._id',
    params: {},
    ordered: true,
  },
  {
    query: '*[_type == "article"] | order(section desc, title) [10...35]._id',
    params: {},
    ordered: true,
  },
  {query: '*[_type == "article"] | order(title) [0...15]._id', params: {}, ordered: true},
  {
    query: '*[_type == "article" && section == $s] | order(publishedAt desc) [20...40]._id',
    params: {s: 'খেলা'},
    ordered: true,
  },
  {
    query: '*[_type == "article" && source._ref == $src] | order(publishedAt desc) [0...20]._id',
    params: {src: 'src-2'},
    ordered: true,
  },
  {
    query: '*[_type == "article" && featured] | order(publishedAt desc) [0...10]._id',
    params: {},
    ordered: true,
  },
  {query: '*[_type == "article"][0...5]._id', params: {}, ordered: true},
  // A slice then order(): the first matches by `_id` (off the type index in view order), ordered.
  {
    query: '*[_type == "article"][0...20] | order(publishedAt desc) {_id, publishedAt}',
    params: {},
    ordered: true,
  },
  {query: '*[_type == "odd"][3...9] | order(title desc)._id', params: {}, ordered: true},
  {query: '*[_type == "article"][featured][2] | order(publishedAt)', params: {}, ordered: true},
  {query: '*[_type == "article" && wordCount > 1000][7]._id', params: {}, ordered: true},
  {
    query: '*[_id in path("drafts.**")] | order(publishedAt desc) [0...5]._id',
    params: {},
    ordered: true,
  },
  // Mixed types in one field: numbers, strings by UTF-16 code unit, booleans, then the rest.
  {query: '*[_type == "odd"] | order(title) {_id, title}', params: {}, ordered: true},
  {query: '*[_type == "odd"] | order(title desc) [0...9] {_id, title}', params: {}, ordered: true},
  {query: '*[_type == "odd"] | order(publishedAt desc) [0...5]._id', params: {}, ordered: true},
  {query: '*[_type == "odd"] | order(slug.current) [2...12]._id', params: {}, ordered: true},
  {query: '*[_type == "odd"] | order(section desc, title) [0...8]._id', params: {}, ordered: true},
  // Counts.
  {query: 'count(*[_type == "article"])', params: {}, ordered: true},
  {query: 'count(*)', params: {}, ordered: true},
  {query: 'count(*[_type == "article" && defined(publishedAt)])', params: {}, ordered: true},
  {query: '{"n": count(*[section == "খেলা"]), "x": 1}', params: {}, ordered: true},
  {query: 'count(*[_type == "article" && featured])', params: {}, ordered: true},
  {query: 'count(*[references("src-1")])', params: {}, ordered: true},
  // References, weak and strong.
  {query: '*[references($id)]._id', params: {id: 'src-2'}, ordered: false},
  {query: '*[references(["src-1", "src-3"])]._id', params: {}, ordered: false},
  {query: '*[references("src-4")]._id', params: {}, ordered: false},
  {query: '*[references("art-3")]{_id, _originalId}', params: {}, ordered: false},
  {query: '*[_type == "headline" && !references("art-1")]._id', params: {}, ordered: false},
  // Ranges, defined(), equality, `in`.
  {query: '*[publishedAt > $since]._id', params: {since: '2025-06-01'}, ordered: false},
  {query: '*[publishedAt >= "2024-06" && publishedAt < "2025"]._id', params: {}, ordered: false},
  {query: '*[title > "ঢ"]._id', params: {}, ordered: false},
  {query: '*[title < 5]._id', params: {}, ordered: false},
  {query: '*[5 > title]._id', params: {}, ordered: false},
  {query: '*[!(publishedAt > "2024-09")]._id', params: {}, ordered: false},
  {query: '*[defined(section)]._id', params: {}, ordered: false},
  {query: '*[!defined(publishedAt)]._id', params: {}, ordered: false},
  {query: '*[section in ["খেলা", "রাজনীতি"]]._id', params: {}, ordered: false},
  {query: '*[section != "খেলা" && _type == "article"]._id', params: {}, ordered: false},
  {query: '*[title == true || title == 5 || title == "a"]._id', params: {}, ordered: false},
  {query: '*[slug.current == $slug]._id', params: {slug: 'slug-12'}, ordered: false},
  {query: '*[_id in $many]._id', params: {many}, ordered: false},
  {query: '*[_type in ["odd", "source"] && !(title in [5, "a"])]._id', params: {}, ordered: false},
  // Scans over indexed fields only (no body needed) and over others.
  {query: '*[length(title) > 30]._id', params: {}, ordered: false},
  // length() counts code points (an emoji is 1), arrays count elements: SQL only narrows.
  {query: '*[length(title) >= 2 && _type == "odd"]._id', params: {}, ordered: false},
  {query: '*[7 < length(title) && _type == "odd"]._id', params: {}, ordered: false},
  {query: 'count(*[length(title) > 7])', params: {}, ordered: true},
  {query: '*[string::startsWith(title, "ঢাকা")]{_id, title}', params: {}, ordered: false},
  {query: '*[lower(section) == "b" || slug.current == 7]._id', params: {}, ordered: false},
  {query: '*[wordCount > 2000 && _type == "article"]._id', params: {}, ordered: false},
  {query: '*[source->name == "বাসস"]._id', params: {}, ordered: false},
  // Scans over other attributes: the filter runs on stand-ins holding only the values at the
  // paths it reads (elements, nested keys, whole arrays, dereferences), bodies read for matches.
  {
    query: '*[_type == "article" && length(body[1].children[0].text) > 40]._id',
    params: {},
    ordered: false,
  },
  {
    query: '*[body[0].style == "normal" && wordCount > 500]{_id, title}',
    params: {},
    ordered: false,
  },
  {query: '*[count(tags[@ == "খেলা"]) > 0 && featured]._id', params: {}, ordered: false},
  {query: '*["খেলা" in tags || count(body) > 3]._id', params: {}, ordered: false},
  {
    query: '*[source[0]._ref == "src-1" || source.inner._ref == "src-4"]._id',
    params: {},
    ordered: false,
  },
  {
    query: '*[defined(source._weak) || source == "src-1"]{_id, _originalId}',
    params: {},
    ordered: false,
  },
  {query: '*[slug == "not an object" || _originalId == "odd-3"]._id', params: {}, ordered: false},
  {query: '*[count(source[]._ref) > 0 && _type == "odd"]._id', params: {}, ordered: false},
  {query: '*[wordCount > 2000 && source->name == "বাসস"]._id', params: {}, ordered: false},
  {query: 'count(*[pt::text(body) match "বাজেট" && wordCount < 1000])', params: {}, ordered: true},
  // Projections the stand-ins answer without bodies: from the side table, or from paths.
  {query: '*[_type == "article"]{_id, title, publishedAt}', params: {}, ordered: false},
  {
    query: '*[_type == "odd"]{_id, _type, title, "s": slug.current, section}',
    params: {},
    ordered: false,
  },
  {
    query: '*[wordCount > 1500]{_id, "n": count(tags), "style": body[0].style, _originalId}',
    params: {},
    ordered: false,
  },
  {query: '*[_type == "odd"]{_id, source, "name": source->name}', params: {}, ordered: false},
  {query: '*[length(title) > 20]._id', params: {}, ordered: false},
  {
    query: '*[_type == "article" && featured]{"t": title, "w": wordCount}',
    params: {},
    ordered: false,
  },
  // An exact filter under a projection, an order() and a slice or element: the stand-ins hold
  // only what the projection and the order read, and the filter is not evaluated again.
  {query: '*[references($id)]{_id, _type, _originalId}', params: {id: 'src-1'}, ordered: true},
  {
    query: '*[references(["src-1", "src-2"])] | order(title) [0...5] {_id, title}',
    params: {},
    ordered: true,
  },
  // Indexed keys first, then others: off the index by the first, ties on them read whole.
  {
    query: '*[_type == "article"] | order(publishedAt desc, _id) [0...20]._id',
    params: {},
    ordered: true,
  },
  {
    query: '*[_type == "odd"] | order(publishedAt, title desc) [0...6] {_id, title, publishedAt}',
    params: {},
    ordered: true,
  },
  {
    query: '*[_type == "article"] | order(section, title, _id desc) [5...15] {_id, section, title}',
    params: {},
    ordered: true,
  },
  {
    query:
      '*[_type in ["article", "odd"] && defined(section)] | order(section desc, wordCount) [0...12] {_id, section, wordCount}',
    params: {},
    ordered: true,
  },
  // A projection between order() and the slice (a Map: one value a document, in order).
  {
    query: '*[_type == "article"] | order(publishedAt desc) {_id, publishedAt} [0...20]',
    params: {},
    ordered: true,
  },
  {
    query: '*[_type == "odd"] | order(publishedAt desc) {_id, "s": slug.current} [2...6]',
    params: {},
    ordered: true,
  },
  {query: '*[_type == "article"]{_id, "n": source->name} [0...10]', params: {}, ordered: true},
  // Literal lists (Array nodes, not inlined Values): through the references table too.
  {query: 'count(*[references(["src-1", 7, ["src-2"]], "src-4")])', params: {}, ordered: true},
  {query: '*[references(["src-2", "art-3"])]{_id, _originalId}', params: {}, ordered: true},
  {
    query:
      '*[_type == "odd"] | order(publishedAt desc) [0...8] {_id, title, publishedAt, "s": slug.current}',
    params: {},
    ordered: true,
  },
  {
    query:
      '*[_type == "article" && section == "খেলা"] | order(publishedAt desc) [3...13] {_id, "name": source->name, "n": count(tags)}',
    params: {},
    ordered: true,
  },
  {query: '*[_type == "odd" && defined(title)][0]{_id, title, source}', params: {}, ordered: true},
  // `->` on a stand-in: only the reference's `_ref` (an indexed field) is read.
  {
    query: '*[_type == "odd"]{_id, "name": source->name, "d": source->}',
    params: {},
    ordered: false,
  },
  {
    query:
      '*[_type in ["article", "odd"]] | order(publishedAt desc) [0...30] {_id, "name": source->name}',
    params: {},
    ordered: true,
  },
  // The bench's latest 20: its `->` read ahead in one read (view.ts referencesOf).
  {
    query:
      '*[_type == "article" && defined(publishedAt)] | order(publishedAt desc) [0...20] {_id, title, publishedAt, "source": source->name}',
    params: {},
    ordered: true,
  },
  {
    query:
      '*[_type in ["article", "odd"]] | order(publishedAt asc) [0...25] {_id, "s": source->{_id, name}, "t": source->_type}',
    params: {},
    ordered: true,
  },
  // `match` with an ordered slice: rows off the order's index, probed against full-text candidates.
  {
    query: '*[_type == "article" && title match "নির্বা*"] | order(publishedAt desc) [0...20]._id',
    params: {},
    ordered: true,
  },
  {
    query: '*[title match $w && section == "খেলা"] | order(publishedAt desc) [5...15]._id',
    params: {w: 'বাজেট'},
    ordered: true,
  },
  {
    query: '*[_type == "article" && title match $w] | order(title) [0...10] {_id, title}',
    params: {w: 'বাজেট'},
    ordered: true,
  },
  {query: 'count(*[_type == "article" && title match "বাজেট"])', params: {}, ordered: true},
  // An order of a projection's copy of the document's fields (the Studio's list pane): ties, mixed
  // types and missing values of indexed fields, an unindexed one, and a splat that may replace the
  // copied attribute (not planned so).
  {
    query:
      '*[_type in ["article", "odd"] && (_type in ["article", "odd"])] {_type, _id, _originalId, "orderings": [publishedAt]} | order(orderings[0] desc) [0...101]',
    params: {},
    ordered: true,
  },
  {
    query:
      '*[_type in ["odd", "article"]] {_id, "orderings": [section, publishedAt]} | order(orderings[0], orderings[1] desc) [3...12]',
    params: {},
    ordered: true,
  },
  {
    query:
      '*[_type == "headline"] {_type, _id, "orderings": [rank]} | order(orderings[0] asc) [0...25]',
    params: {},
    ordered: true,
  },
  {
    query: '*[_type == "odd"] {_id, "k": publishedAt, "s": slug.current} | order(k, s desc) [1]',
    params: {},
    ordered: true,
  },
  {
    query:
      '*[_type == "odd" || _type == "article"] {..., "orderings": [publishedAt]} | order(orderings[0] desc) [0...6] {_id, orderings}',
    params: {},
    ordered: true,
  },
  // Several `*`, each part planned alone and put back as its value (plan.ts separateScans).
  {
    query:
      '{"n": count(*[_type == "article"]), "latest": *[_type == "article"] | order(publishedAt desc) [0...5] {_id, publishedAt}, "odd": count(*[_type == "odd" && defined(title)])}',
    params: {},
    ordered: true,
  },
  {
    query:
      '[count(*[references($id)]), *[_type == "article" && section == "খেলা"] | order(publishedAt desc) [2]._id, count(*) - count(*[_type == "article"])]',
    params: {id: 'src-1'},
    ordered: true,
  },
  {
    // Datetimes and paths keep their types through the part's value; `^` and `@` at the root.
    query:
      '{"d": dateTime(*[_type == "article" && defined(publishedAt)] | order(publishedAt desc) [0].publishedAt) - dateTime(*[_type == "article" && defined(publishedAt)] | order(publishedAt) [0].publishedAt), "ds": *[_type == "article" && defined(publishedAt)] | order(publishedAt) [0...2] {"t": dateTime(publishedAt)}, "later": *[_type == "article" && defined(publishedAt)] | order(publishedAt) [0...2] {"t": dateTime(publishedAt)}[0].t < *[_type == "article" && defined(publishedAt)] | order(publishedAt desc) [0...2] {"t": dateTime(publishedAt)}[0].t, "root": [^, @], "p": *[_id in path("drafts.**")][0...2]._id}',
    params: {},
    ordered: true,
  },
  {
    // Parts skipped by short-circuits and select() are left whole, and answer the same.
    query:
      '{"and": count(*[_type == "odd"]) > 1000 && count(*[_type == "article"]) > 0, "sel": select(count(*[_type == "odd"]) > 0 => *[_type == "odd"] | order(publishedAt desc) [0]._id, "none"), "nested": *[_type == "odd"][0...3]{_id, "n": count(*[_type == ^._type])}}',
    params: {},
    ordered: true,
  },
  // A subquery per outer document: its `*` yields the outer document's referrers, read through
  // the references table (core/correlated.ts), and groq-js filters, orders and slices them.
  {
    query:
      '*[_type == "source"]{_id, name, "articles": *[_type == "article" && references(^._id)] | order(publishedAt desc) [0...5]{title, publishedAt}}',
    params: {},
    ordered: false,
  },
  {
    // The shape, cut to the articles groq-js compares with the whole view in seconds.
    query:
      '*[_type == "article"][0...40]{_id, "x": *[_type == "article" && references(^._id)]._id}',
    params: {},
    ordered: false,
  },
  {
    // Weak references (the odd documents' src-2), a `_ref` inside a reference (src-4: not one),
    // targets that do not exist, drafts as targets, and slices of ties.
    query:
      '*[_id in ["src-1", "src-2", "src-3", "src-4", "art-3", "drafts.odd-0", "nope"]]{_id, "n": count(*[references(^._id)]), "by": *[references(^._id) && _type in ["odd", "headline", "article"]] | order(section, _id desc) [1...4]{_id, _originalId}}',
    params: {},
    ordered: false,
  },
  {
    query:
      '*[_type == "headline"][0...30]{_id, "a": article->{_id, "others": *[_type == "headline" && references(^._id)]._id}}',
    params: {},
    ordered: false,
  },
  // A subquery per outer document keyed by an indexed field equal to the outer value, answered
  // from the side table (core/correlated.ts): strong, weak and non-reference `source`s, a `_ref`
  // inside a reference, sections and dates of every type, null and missing ones, ties.
  {
    query:
      '*[_type == "source"]{_id, name, "latest": *[_type == "article" && source._ref == ^._id] | order(publishedAt desc) [0...3]{_id, title}}',
    params: {},
    ordered: false,
  },
  {
    query:
      '*[_type == "article"][0...30]{_id, "s": *[_type == "article" && section == ^.section] | order(publishedAt desc, _id) [0...2]._id, "slug": count(*[slug.current == ^.slug.current])}',
    params: {},
    ordered: false,
  },
  {
    query:
      '*[_type == "odd"]{_id, "p": count(*[publishedAt == ^.publishedAt]), "s": *[section == ^.section && _type == "odd"]._id}',
    params: {},
    ordered: false,
  },
  {
    query:
      '*[_type == "odd"]{_id, "src": *[source._ref == ^.source._ref]._id, "in": *[_type == "odd" && ^.slug.current == slug.current]{_id, _originalId}}',
    params: {},
    ordered: false,
  },
  // Keyed by the references table (core/correlated.ts): any `_ref` compared with the outer value.
  {
    query:
      '*[_type == "source"]{_id, "in": *[_type == "article" && ^._id in source[]._ref] | order(publishedAt desc) [0...3]{_id, title}, "eq": count(*[source._ref == ^._id])}',
    params: {},
    ordered: false,
  },
  {
    query:
      '*[_type in ["odd", "article"]][0...40]{_id, "r": *[^.source._ref == source.inner._ref]._id, "h": *[_type == "headline" && article._ref == ^._id]._id}',
    params: {},
    ordered: false,
  },
]

// In-process (createLake + lake.fetch), as the differential suite.
const lake = useTestLake({inProcess: true})
let stored: StoredDocument[] = []
const DATASET = 'planner'

beforeAll(async () => {
  const documents = [...generateDataset(909, {articles: 1400}), ...oddDocuments()]
  stored = await loadDocuments(lake(), DATASET, documents, 500)
}, 120_000)

describe('planner', () => {
  const cases = PERSPECTIVES.flatMap((perspective) =>
    QUERIES.map((generated, index) => {
      const name = `${perspectiveParam(perspective)} #${index}: ${generated.query}`
      return [name, perspective, generated] as const
    }),
  )

  test.each(cases)(
    '%s',
    async (_name, perspective, generated) => {
      const response = await query(
        lake(),
        DATASET,
        generated.query,
        generated.params,
        perspectiveParam(perspective),
      )
      expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(200)
      const expected = await groqJs(stored, perspective, generated)
      const actual = JSON.parse(JSON.stringify(response.body.result ?? null)) as unknown
      if (generated.ordered) expect(actual).toEqual(expected)
      else expect(asMultiset(actual)).toEqual(asMultiset(expected))
    },
    30_000,
  )

  test.each(PERSPECTIVES)(
    "the oracle's dereference finds what groq-js's own does (%s)",
    async (perspective) => {
      const generated = {
        query: '*[_type == "odd" || wordCount > 2500]{_id, "name": source->name, "s": source->}',
        params: {},
        ordered: false,
      }
      const own = await groqJs(stored, perspective, generated, {ownDereference: true})
      expect((own as {name?: string}[]).some((row) => row.name)).toBe(true)
      expect(await groqJs(stored, perspective, generated)).toEqual(own)
    },
  )

  // groq-js needs seconds for this one, so the expected ids come from a Set.
  test.each(PERSPECTIVES)(
    'an `in` list longer than SQLite binds at once (%s)',
    async (perspective) => {
      const response = await query(
        lake(),
        DATASET,
        '*[slug.current in $slugs]._id',
        {slugs: manySlugs},
        perspectiveParam(perspective),
      )
      expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(200)
      const wanted = new Set(manySlugs)
      const expected = applyPerspective(stored, perspective)
        .filter((doc) => wanted.has(String((doc.slug as {current?: unknown} | undefined)?.current)))
        .map((doc) => doc._id)
      expect(expected.length).toBeGreaterThan(1000)
      expect(asMultiset(response.body.result)).toEqual(asMultiset(expected))
    },
  )
})
