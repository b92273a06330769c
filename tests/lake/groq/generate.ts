/**
 * Seeded generators for the differential suite: newsroom-like datasets (articles, headlines,
 * sources with Bengali text, drafts and release versions) and GROQ queries over them. The same
 * seed always gives the same documents and queries, so a failure can be replayed.
 */

import {createRandom, SECTIONS, WORDS, type Random} from '../../../kit/seeded.ts'

export const TAGS = ['ঢাকা', 'সরকার', 'বিশ্বকাপ', 'শেয়ারবাজার', 'আবহাওয়া', 'ভোট', 'সড়ক'] as const
/** Words with punctuation GROQ's match does not split on, and shapes the index must still find. */
const HOSTILE_WORDS = ['‘বাজেট’', 'ঢাকা।', "দু'দেশ", 'DHAKA.', 'e.g', 'Dhaka-র'] as const
const MATCH_WORDS = [...WORDS, ...HOSTILE_WORDS]

const SOURCE_NAMES = ['প্রথম আলো', 'বাসস', 'রয়টার্স', 'এএফপি', 'নিজস্ব প্রতিবেদক', 'ডেইলি স্টার']
export const RELEASES = ['eid', 'budget'] as const

type Doc = {_id: string; _type: string; [key: string]: unknown}

function sentence(random: Random, min: number, max: number): string {
  const words: string[] = []
  for (let i = random.int(min, max); i > 0; i--) words.push(random.pick(WORDS))
  return words.join(' ')
}

function isoDate(random: Random): string {
  const ms = Date.UTC(2024, 0, 1) + random.int(0, 2 * 365 * 24 * 60) * 60_000
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}

function reference(id: string, random: Random, key = false): Record<string, unknown> {
  const ref: Record<string, unknown> = {_type: 'reference', _ref: id}
  if (key) ref._key = `k${random.int(100000, 999999)}`
  // Weak references may point at nothing; the lake must not need the target to exist.
  ref._weak = true
  return ref
}

function article(random: Random, id: string, index: number, sources: number): Doc {
  const doc: Doc = {
    _id: id,
    _type: 'article',
    title: `${sentence(random, 2, 6)} ${random.pick(HOSTILE_WORDS)}`,
    slug: {_type: 'slug', current: `slug-${index}`},
    section: random.pick(SECTIONS),
    featured: random.chance(0.3),
    body: [
      {
        _type: 'block',
        _key: `b${index}`,
        style: 'normal',
        children: [{_type: 'span', _key: `s${index}`, text: sentence(random, 4, 12)}],
      },
    ],
  }
  if (random.chance(0.85)) doc.publishedAt = isoDate(random)
  if (random.chance(0.9)) doc.wordCount = random.int(80, 2400)
  if (random.chance(0.4)) doc.subtitle = sentence(random, 1, 4)
  if (random.chance(0.8)) doc.tags = [...new Set(random.some(TAGS, 4))]
  if (random.chance(0.7)) doc.priority = random.int(1, 3)
  else if (random.chance(0.5)) doc.priority = null
  // A few references point at a source id that does not exist.
  if (random.chance(0.9)) doc.source = reference(`src-${random.int(0, sources)}`, random)
  if (random.chance(0.5)) {
    doc.related = Array.from({length: random.int(1, 3)}, () =>
      reference(`art-${random.int(0, index + 5)}`, random, true),
    )
  }
  if (random.chance(0.2))
    doc.byline = {name: random.pick(SOURCE_NAMES), desk: random.pick(SECTIONS)}
  return doc
}

/** One generated dataset: published documents plus drafts and release versions of some. */
export function generateDataset(seed: number, size: {articles: number}): Doc[] {
  const random = createRandom(seed)
  const sourceCount = 6
  const docs: Doc[] = []
  for (let i = 0; i < sourceCount; i++) {
    docs.push({
      _id: `src-${i}`,
      _type: 'source',
      name: SOURCE_NAMES[i],
      trust: random.int(1, 5),
      country: random.pick(['BD', 'IN', 'GB']),
    })
  }
  const articleIds: string[] = []
  for (let i = 0; i < size.articles; i++) {
    const id = `art-${i}`
    articleIds.push(id)
    const published = article(random, id, i, sourceCount)
    if (random.chance(0.9)) docs.push(published)
    // Drafts edit some fields of the published document (or stand alone when it is missing).
    if (random.chance(0.35)) {
      const draft: Doc = {...published, _id: `drafts.${id}`, title: sentence(random, 2, 6)}
      if (random.chance(0.5)) draft.wordCount = random.int(80, 2400)
      if (random.chance(0.3)) delete draft.subtitle
      if (random.chance(0.3)) draft.tags = [...new Set(random.some(TAGS, 4))]
      docs.push(draft)
    }
    if (random.chance(0.15)) {
      const release = random.pick(RELEASES)
      docs.push({...published, _id: `versions.${release}.${id}`, title: sentence(random, 2, 5)})
    }
  }
  for (let i = 0; i < Math.ceil(size.articles / 3); i++) {
    docs.push({
      _id: `hl-${i}`,
      _type: 'headline',
      text: sentence(random, 2, 5),
      rank: random.int(1, 20),
      article: reference(random.pick(articleIds), random),
    })
    if (random.chance(0.2)) {
      docs.push({_id: `drafts.hl-${i}`, _type: 'headline', text: sentence(random, 2, 5), rank: 1})
    }
  }
  // A draft of a source, so dereferencing differs between perspectives.
  docs.push({_id: 'drafts.src-1', _type: 'source', name: 'বাসস (সম্পাদিত)', trust: 5, country: 'BD'})
  return docs
}

export type GeneratedQuery = {
  query: string
  params: Record<string, unknown>
  /** False when the top-level result is an array whose order GROQ leaves undefined. */
  ordered: boolean
}

/** A random filter expression; it may add parameters to `params`. */
function predicate(random: Random, params: Record<string, unknown>, depth = 0): string {
  const choices: (() => string)[] = [
    () => `wordCount > ${random.int(100, 2000)}`,
    () => {
      params.maxWords = random.int(200, 2400)
      return 'wordCount <= $maxWords'
    },
    () => 'defined(subtitle)',
    () => '!defined(publishedAt)',
    () => 'featured',
    () => 'featured == false',
    () => 'priority in [1, 2]',
    () => 'priority == null',
    () => `section == ${JSON.stringify(random.pick(SECTIONS))}`,
    () => {
      params.section = random.pick(SECTIONS)
      return 'section == $section'
    },
    () => `${JSON.stringify(random.pick(TAGS))} in tags`,
    () => {
      params.tag = random.pick(TAGS)
      return '$tag in tags'
    },
    () => `count(tags) >= ${random.int(1, 3)}`,
    () => `title match ${JSON.stringify(random.pick(WORDS))}`,
    () => `[title, subtitle] match ${JSON.stringify(random.pick(WORDS))}`,
    () => `body[].children[].text match ${JSON.stringify(random.pick(WORDS))}`,
    () => `title match "Dha*"`,
    // match through the full-text index: case, `.` and `*` inside terms, arrays of patterns,
    // Portable Text, objects and patterns that can never match.
    () =>
      `title match ${JSON.stringify(random.pick(['dhaka', 'DHAKA', 'dHaKa', 'Dh.ka', 'D*a', '*aka', 'e.g', 'E*', '‘বাজেট’', 'ঢাকা।']))}`,
    () => `[title, subtitle] match ${JSON.stringify(random.some(MATCH_WORDS, 2))}`,
    () => `pt::text(body) match ${JSON.stringify(`${random.pick(WORDS).slice(0, 2)}*`)}`,
    () => `body match ${JSON.stringify(random.pick(WORDS))}`,
    () => `@ match ${JSON.stringify(random.pick(WORDS))}`,
    () => `slug.current match "slug-${random.int(1, 9)}*"`,
    () => `byline.name match ${JSON.stringify(random.pick(['প্রথম', 'আলো', 'বাসস*']))}`,
    () => `title match ${JSON.stringify(random.pick(['*', '', '-', '‘', 'বাজেট ঢাকা']))}`,
    () => {
      params.pattern = `${random.pick(MATCH_WORDS)}*`
      return 'title match $pattern'
    },
    () => `references(${JSON.stringify(`src-${random.int(0, 6)}`)})`,
    () => {
      params.refs = [`src-${random.int(0, 5)}`, `art-${random.int(0, 20)}`]
      return 'references($refs)'
    },
    () => `source->trust >= ${random.int(1, 5)}`,
    () => `source->country == ${JSON.stringify(random.pick(['BD', 'IN', 'GB']))}`,
    () => `publishedAt > "2025-${String(random.int(1, 12)).padStart(2, '0')}-01"`,
    () =>
      `dateTime(publishedAt) < dateTime("2024-${String(random.int(2, 12)).padStart(2, '0')}-15T00:00:00Z")`,
    () => '_id in path("drafts.**")',
    () => '_originalId in path("drafts.**")',
    () => '_id in path("versions.**")',
    () => `_id match "art-${random.int(1, 9)}*"`,
    () => {
      params.ids = Array.from({length: 4}, () => `art-${random.int(0, 30)}`)
      return '_id in $ids'
    },
    () => `coalesce(priority, 0) > ${random.int(0, 2)}`,
    () =>
      `select(wordCount > 800 => "long", "short") == ${JSON.stringify(random.pick(['long', 'short']))}`,
    () => `length(title) > ${random.int(10, 40)}`,
    () => `string::startsWith(slug.current, "slug-${random.int(1, 9)}")`,
    () => `count(related[@->_type == "article"]) > 0`,
    () => `byline.desk == section`,
  ]
  const simple = random.pick(choices)()
  if (depth >= 2 || random.chance(0.45)) return simple
  const other = predicate(random, params, depth + 1)
  return random.pick([
    `${simple} && ${other}`,
    `(${simple} || ${other})`,
    `!(${simple}) && ${other}`,
  ])
}

const ARTICLE_PROJECTIONS = [
  '{_id, title}',
  '{_id, _originalId, title, "src": source->name}',
  '{_id, "n": count(tags), "t": coalesce(subtitle, title, "—")}',
  '{_id, "kind": select(wordCount > 800 => "long", wordCount > 300 => "medium", "short")}',
  '{_id, "headlines": *[_type == "headline" && references(^._id)] | order(rank asc, _id asc).text}',
  '{_id, "related": related[]->title}',
  '{...}',
  '{..., "src": source->{name, trust}}',
  '{_id, "tags": tags[0...2]}',
  '{_id, "first": body[0].children[0].text}',
  '{"id": _id, slug, publishedAt}',
  '{_id, "day": string::split(publishedAt, "T")[0]}',
  '{_id, "up": upper(section), "low": lower(title)}',
  '{_id, "defined": defined(subtitle), "draft": _id in path("drafts.**")}',
  '{_id, "words": wordCount, "double": wordCount * 2, "rounded": round(wordCount / 7, 2)}',
]

const ORDERINGS = [
  'publishedAt desc',
  'publishedAt asc',
  'wordCount desc',
  'title asc',
  'priority asc',
  'section asc, wordCount desc',
  'coalesce(publishedAt, "0") desc',
  '_updatedAt desc',
]

function slice(random: Random, params: Record<string, unknown>): string {
  return random.pick<() => string>([
    () => `[0...${random.int(1, 12)}]`,
    () => `[${random.int(0, 4)}..${random.int(4, 10)}]`,
    () => {
      params.limit = random.int(1, 15)
      return '[0...$limit]'
    },
    () => {
      params.from = random.int(0, 5)
      params.to = random.int(5, 20)
      return '[$from...$to]'
    },
    () => '[0]',
    () => '',
  ])()
}

/** `count` reproducible queries for `seed`, covering the shapes front ends and the Studio use. */
export function generateQueries(seed: number, count: number): GeneratedQuery[] {
  const random = createRandom(seed ^ 0x5bd1e995)
  const queries: GeneratedQuery[] = []
  const shapes: ((params: Record<string, unknown>) => {query: string; ordered: boolean})[] = [
    // Filtered, ordered, sliced, projected: the front-page shape.
    (params) => ({
      query: `*[_type == "article" && ${predicate(random, params)}] | order(${random.pick(ORDERINGS)}, _id asc) ${slice(random, params)} ${random.pick(ARTICLE_PROJECTIONS)}`,
      ordered: true,
    }),
    (params) => ({
      query: `*[_type == "article" && ${predicate(random, params)}] ${random.pick(ARTICLE_PROJECTIONS)}`,
      ordered: false,
    }),
    (params) => ({
      query: `count(*[_type == "article" && ${predicate(random, params)}])`,
      ordered: true,
    }),
    (params) => ({query: `*[${predicate(random, params)}]._id`, ordered: false}),
    (params) => ({
      query: `*[_type == "article" && ${predicate(random, params)}] | order(${random.pick(ORDERINGS)}, _id asc)[0].${random.pick(['title', '_id', 'slug.current', 'wordCount'])}`,
      ordered: true,
    }),
    (params) => {
      params.slug = `slug-${random.int(0, 40)}`
      return {
        query: `*[_type == "article" && slug.current == $slug] | order(_id asc)[0]{_id, _originalId, title, "src": source->name, "related": related[]->{_id, title}}`,
        ordered: true,
      }
    },
    (params) => ({
      query: `{"total": count(*[_type == "article"]), "matching": count(*[_type == "article" && ${predicate(random, params)}]), "latest": *[_type == "article" && defined(publishedAt)] | order(publishedAt desc, _id asc)[0]{_id, title}}`,
      ordered: true,
    }),
    (params) => ({
      query: `*[_type == "headline"] | order(rank asc, _id asc) ${slice(random, params)} {text, rank, "article": article->{_id, title, "src": source->name}}`,
      ordered: true,
    }),
    () => ({
      query: `array::unique(*[_type == "article"].section) | order(@)`,
      ordered: true,
    }),
    (params) => ({
      query: `math::sum(*[_type == "article" && ${predicate(random, params)}].wordCount)`,
      ordered: true,
    }),
    () => ({
      query: `*[_type == "source"] | order(_id) {_id, name, "articles": count(*[_type == "article" && references(^._id)])}`,
      ordered: true,
    }),
    (params) => ({
      query: `*[_type == "article" && ${predicate(random, params)}] | order(_id asc) {_id, "score": coalesce(priority, -1)} [${random.int(0, 3)}...${random.int(3, 9)}]`,
      ordered: true,
    }),
    () => ({
      query: `*[_type == "article" && defined(tags)] | order(_id asc)[0...20] {_id, "hasDhaka": "ঢাকা" in tags, "joined": array::join(tags, ", ")}`,
      ordered: true,
    }),
    (params) => ({
      query: `*[_type in ["article", "headline"] && ${predicate(random, params)}] | order(_type asc, _id desc) [0...10] {_type, _id}`,
      ordered: true,
    }),
    // Scored match, which the lake narrows through its full-text index: same scores as groq-js.
    () => {
      const [a, b] = [random.pick(MATCH_WORDS), random.pick(WORDS)]
      return {
        query: `*[_type in ["article", "headline"]] | score(boost(title match ${JSON.stringify(a)}, 3), text match ${JSON.stringify(`${b}*`)}, body[].children[].text match ${JSON.stringify(`${a} ${b}`)}) [_score > 0] | order(_score desc, _id asc) {_id, _score}`,
        ordered: true,
      }
    },
  ]
  for (let i = 0; i < count; i++) {
    const params: Record<string, unknown> = {}
    const {query, ordered} = random.pick(shapes)(params)
    queries.push({query: query.replace(/\s+/g, ' ').trim(), params, ordered})
  }
  return queries
}
