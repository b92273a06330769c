// GROQ for news front ends, typed by Sanity TypeGen (`npm run typegen` writes sanity.types.ts).
import {defineQuery} from 'groq'
import {typedWords} from '../bangla/index.ts'

/** A headline as front ends show it; a headline that is an article's own title links to it. */
const HEADLINE_FIELDS = `_id, text, speaker, position, breaking, "articleSlug": article->slug.current`

/** Latest published articles for a front page or list; `$limit` articles. */
export const LATEST_ARTICLES_QUERY = defineQuery(`
  *[_type == "article" && defined(slug.current)] | order(publishedAt desc) [0...$limit] {
    _id,
    title,
    "slug": slug.current,
    kicker,
    summary,
    section,
    byline,
    publishedAt,
    leadImage{..., "lqip": asset->metadata.lqip},
    "source": source->{name, shortName, "slug": slug.current}
  }
`)

/** One article by slug, with its source and related headlines dereferenced. */
export const ARTICLE_BY_SLUG_QUERY = defineQuery(`
  *[_type == "article" && slug.current == $slug][0] {
    _id,
    _updatedAt,
    title,
    "slug": slug.current,
    kicker,
    subheadline,
    dateline,
    publishedAt,
    updatedAt,
    summary,
    body,
    leadImage{..., "lqip": asset->metadata.lqip},
    byline,
    credits,
    deskInitials,
    section,
    tags,
    corrections,
    "source": source->{_id, name, shortName, kind, url, "slug": slug.current},
    "relatedHeadlines": relatedHeadlines[]->{${HEADLINE_FIELDS}}
  }
`)

/** The headline list in list order; a headline that is an article's own title links to it. */
export const HEADLINE_LIST_QUERY = defineQuery(`
  *[_type == "headline"] | order(position asc) {${HEADLINE_FIELDS}}
`)

/** The ticker: breaking headlines only, in list order. */
export const BREAKING_HEADLINES_QUERY = defineQuery(`
  *[_type == "headline" && breaking == true] | order(position asc) {_id, text, speaker}
`)

/** Articles from one source (by the source's slug), newest first. */
export const ARTICLES_BY_SOURCE_QUERY = defineQuery(`
  *[_type == "article" && source->slug.current == $source] | order(publishedAt desc) [0...$limit] {
    _id,
    title,
    "slug": slug.current,
    summary,
    publishedAt,
    "source": source->{name, shortName}
  }
`)

/**
 * Bengali full-text search over title, summary and body text with `text::query()`, the same
 * search the Studio's search box runs: inflections, joiners, ৎ, the precomposed য় and both
 * kinds of digits are understood by the lake (docs/search.md). Title hits rank first, then
 * summary, then body; ties go to the newest. Pass `$search` built by `searchPattern`.
 */
export const SEARCH_ARTICLES_QUERY = defineQuery(`
  *[_type == "article" && [title, summary, pt::text(body)] match text::query($search)]
    | score(
      boost(title match text::query($search), 10),
      boost(summary match text::query($search), 3),
      pt::text(body) match text::query($search)
    )
    | order(_score desc, publishedAt desc) [0...$limit] {
    _id,
    title,
    "slug": slug.current,
    summary,
    publishedAt
  }
`)

// The Studio's tokenizer for search strings (sanity's TOKEN_REGEX): a quoted run stays one token.
const SEARCH_TOKEN = /(?:[^\s"]+|"[^"]*")+/g

/**
 * Turns what a reader typed into a `text::query()` string the way the Studio's search box does
 * (sanity's prefixLast): an exclusion (`-word`) and a quoted phrase keep their meaning, and the
 * last other word becomes a prefix, so that a half-typed word already finds. Punctuation around a
 * word (quotes, danda, commas) is dropped and the text is NFC. Input without a word, or with only
 * exclusions, gives '', which finds nothing (the search box sends `*`, everything).
 */
export function searchPattern(input: string): string {
  const tokens: {text: string; incremental: boolean; negated: boolean}[] = []
  for (const raw of input.normalize('NFC').match(SEARCH_TOKEN) ?? []) {
    const negated = raw.length > 1 && raw.startsWith('-')
    const body = negated ? raw.slice(1) : raw
    const quoted = body.length >= 2 && body.startsWith('"') && body.endsWith('"')
    const words = typedWords(body)
    if (words.length === 0) continue
    // A word's span keeps what joins words into one token (কোভিড-১৯, দু:খ): the lake reads it
    // as the same words next to each other.
    const first = body.indexOf(words[0])
    const last = body.lastIndexOf(words.at(-1)!) + words.at(-1)!.length
    const span = body.slice(first, last)
    const phrase = quoted || span.includes('"')
    const text = phrase ? `"${words.join(' ')}"` : `${span}${body.endsWith('*') ? '*' : ''}`
    tokens.push({text: `${negated ? '-' : ''}${text}`, incremental: !negated && !phrase, negated})
  }
  // Exclusions alone would find every article without them: a scored scan per keystroke.
  if (tokens.every((token) => token.negated)) return ''
  const last = tokens.findLastIndex((token) => token.incremental)
  if (last >= 0 && !tokens[last].text.endsWith('*')) tokens[last].text += '*'
  return tokens.map((token) => token.text).join(' ')
}
