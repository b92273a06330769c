// GROQ for news front ends, typed by Sanity TypeGen (`npm run typegen` writes sanity.types.ts).
import {defineQuery} from 'groq'
import {nfc} from '../bangla/index.ts'

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
    "relatedHeadlines": relatedHeadlines[]->{
      _id,
      text,
      speaker,
      position,
      breaking,
      "articleSlug": article->slug.current
    }
  }
`)

/** The headline list in list order; a headline that is an article's own title links to it. */
export const HEADLINE_LIST_QUERY = defineQuery(`
  *[_type == "headline"] | order(position asc) {
    _id,
    text,
    speaker,
    position,
    breaking,
    "articleSlug": article->slug.current
  }
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
 * Bengali full-text search over title, summary and body text. Pass `$search` built by
 * `searchPattern`: GROQ's `match` splits words on spaces and ASCII punctuation only, so '।'
 * stays attached to the word before it and each term needs a trailing wildcard.
 */
export const SEARCH_ARTICLES_QUERY = defineQuery(`
  *[_type == "article" && [title, summary, pt::text(body)] match $search]
    | score(title match $search, summary match $search)
    | order(_score desc, publishedAt desc) [0...$limit] {
    _id,
    title,
    "slug": slug.current,
    summary,
    publishedAt
  }
`)

/** Turns what a reader typed into `match` terms: NFC, one prefix term per word. */
export function searchPattern(input: string): string[] {
  return nfc(input)
    .split(/[\s,;:!?।॥"'()[\]{}]+/u)
    .filter((word) => word !== '')
    .map((word) => `${word.replace(/\*/g, '')}*`)
    .filter((term) => term !== '*')
}
