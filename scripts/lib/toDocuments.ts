/**
 * Turns a parsed article into Sanity documents. Pure and deterministic: the same file always gives
 * the same documents with the same ids and keys, so importing twice creates nothing twice.
 */
import {createHash} from 'node:crypto'
import {slugify, sortKey} from '../../bangla/index.ts'
import {
  ARTICLE_TYPE,
  DATELINE_TYPE,
  HEADLINE_TYPE,
  type Section,
  SORT_KEY_FIELD,
  SOURCE_TYPE,
} from '../../schemas/names.ts'
import {dhakaMidnightUtc} from './dates.ts'
import {type ParsedArticle, type ParseWarning, readByline} from './parseArticle.ts'
import {describeSource, type SourceDescription} from './sources.ts'
import {
  articleRuleProblems,
  headlineRuleProblems,
  type RuleProblem,
  sourceRuleProblems,
} from './studioRules.ts'
import {getDraftId, getPublishedId} from '../../kit/sanityIds.ts'

/** A document as sent to the lake: only _id and _type are required. */
export type ImportDocument = {_id: string; _type: string; [field: string]: unknown}

/** A Sanity reference, weak when it points at a document that may not exist yet. */
export type Reference = {
  _type: 'reference'
  _ref: string
  _key?: string
  _weak?: boolean
  _strengthenOnPublish?: {type: string}
}

/** The documents made from one file. */
export type ArticleDocuments = {
  /** The article; its id starts with 'drafts.' when it has no date. */
  article: ImportDocument
  headlines: ImportDocument[]
  /** The credit line's organisation (the article's source) first, then any others it names. */
  sources: ImportDocument[]
  /** Every document above, in the order they are written: source, headlines, article. */
  documents: ImportDocument[]
  /** True when the article becomes a draft: it has no date, or a field the Studio would refuse. */
  draft: boolean
  /** Fields the Studio would refuse, and what became a draft for them. */
  warnings: ParseWarning[]
}

function refused(problems: RuleProblem[], then: string): string {
  const what = problems.map(({field, problem}) => `the ${field} ${problem}`).join('; ')
  return `${what}: the Studio would refuse it, so ${then}; fix it in the Studio and publish`
}

/** A reference to a source: weak while the source is a draft, as the Studio does. */
function sourceReference(id: string, drafts: ReadonlySet<string>): Reference {
  return drafts.has(id)
    ? {_type: 'reference', _ref: id, _weak: true, _strengthenOnPublish: {type: SOURCE_TYPE}}
    : {_type: 'reference', _ref: id}
}

/** A short, stable hash of NFC strings (64 bits in hex: collisions are not a practical risk). */
export function contentHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 16)
}

/**
 * The id of an article: a hash of its title and first paragraph as written (dateline included), so
 * one title on two days is two articles, yet the id never depends on the inferred year or --as-of.
 */
export function articleId(title: string, firstParagraph: string | undefined): string {
  return `article-${contentHash(title, firstParagraph ?? '')}`
}

/**
 * The published ids an older import may have given the article: its first paragraph was a line
 * the parser now reads as a header line or byline (ParsedArticle.earlierLeads), or such a line
 * with a byline prefix it did not know kept ('যুগান্তর প্রতিবেদন ॥ …'). Without the current id: the
 * import adopts the first of these the dataset holds, so re-importing an archive does not make a
 * second article.
 */
export function earlierArticleIds(parsed: ParsedArticle): string[] {
  const title = parsed.idText?.title ?? parsed.title
  const current = articleIdOf(parsed)
  const ids = (parsed.earlierLeads ?? []).flatMap((line) => {
    const rest = readByline(line)?.rest
    return [line, ...(rest ? [rest] : [])].map((paragraph) => articleId(title, paragraph))
  })
  return [...new Set(ids)].filter((id) => id !== current)
}

/** The article's published id as the parse gives it. */
function articleIdOf(parsed: ParsedArticle): string {
  return parsed.idText
    ? articleId(parsed.idText.title, parsed.idText.firstParagraph)
    : articleId(parsed.title, parsed.paragraphs[0])
}

/** The id of a headline: a hash of its text and speaker, shared by every file that lists it. */
export function headlineId(text: string, speaker: string | undefined): string {
  return `headline-${contentHash(text, speaker ?? '')}`
}

/** The id of a source: its slug, so the same organisation in many files is one document. */
export function sourceId(name: string): string {
  const slug = slugify(name)
  return `source-${slug || contentHash(name)}`
}

/** The credit line's organisations as sources (the article's own first), each name as listed. */
export function namedSources(parsed: ParsedArticle): SourceDescription[] {
  return [parsed.organisation, ...(parsed.otherOrganisations ?? [])].flatMap((name) =>
    name ? [describeSource(name)] : [],
  )
}

/** What the import adds to every article it builds. */
export type DocumentOptions = {
  /** The section (--section); without it, the source's default section, if it has one. */
  section?: Section
  /** Problems found beyond the file (a slug another article holds): they draft the article too. */
  problems?: RuleProblem[]
  /** The article's published id, when the dataset holds it under an earlier one (earlierArticleIds). */
  articleId?: string
  /** The slug the dataset's article already has: a published URL stays when the slug rules change. */
  slug?: string
  /** Sources the dataset holds by name under another id or slug (an older slug rule): reused. */
  sources?: ReadonlyMap<string, StoredSource>
}

/** A source the dataset holds: its published id and its slug. */
export type StoredSource = {id: string; slug?: string}

/** Builds the documents of one parsed article. */
export function toDocuments(
  parsed: ParsedArticle,
  options: DocumentOptions = {},
): ArticleDocuments {
  const warnings: ParseWarning[] = []
  const problems = [...articleRuleProblems(parsed), ...(options.problems ?? [])]
  // One warning per line, each at the line the fields came from.
  for (const line of [...new Set(problems.map((problem) => problem.line))].sort((a, b) => a - b)) {
    const here = problems.filter((problem) => problem.line === line)
    warnings.push({line, message: refused(here, 'the article is imported as a draft')})
  }
  const draft = parsed.date === undefined || problems.length > 0
  const publishedId = options.articleId ?? articleIdOf(parsed)
  const id = draft ? getDraftId(publishedId) : publishedId

  const sources: ImportDocument[] = []
  const named = namedSources(parsed)
  // The article's section follows its own source, the credit line's organisation.
  const section = options.section ?? (parsed.organisation ? named[0]?.defaultSection : undefined)
  const draftSources = new Set<string>()
  const idOf = (name: string) => options.sources?.get(name)?.id ?? sourceId(name)
  for (const info of named) {
    const id = idOf(info.name)
    if (sources.some((source) => getPublishedId(source._id) === id)) continue
    // A name the Studio would refuse: the source is a draft for an editor to fix and publish.
    const line = parsed.lines?.organisations[info.name] ?? parsed.lines?.title ?? 1
    const sourceProblems = sourceRuleProblems(info.name, line)
    if (sourceProblems.length > 0) {
      warnings.push({line, message: refused(sourceProblems, 'the source is imported as a draft')})
      draftSources.add(id)
    }
    sources.push({
      _id: sourceProblems.length > 0 ? getDraftId(id) : id,
      _type: SOURCE_TYPE,
      name: info.name,
      slug: {_type: 'slug', current: options.sources?.get(info.name)?.slug ?? slugify(info.name)},
      ...(info.shortName ? {shortName: info.shortName} : {}),
      kind: info.kind,
    })
  }

  const headlines: ImportDocument[] = []
  const related: Reference[] = []
  const seen = new Set<string>()
  parsed.headlines.forEach((headline, index) => {
    const position = index + 1
    const hid = headline.idText
      ? headlineId(headline.idText.text, headline.idText.speaker)
      : headlineId(headline.text, headline.speaker)
    if (seen.has(hid)) return
    seen.add(hid)
    const isOwnTitle = headline.text === parsed.title && headline.speaker === undefined
    const headlineProblems = headlineRuleProblems(headline)
    if (headlineProblems.length > 0) {
      warnings.push({
        line: headline.line,
        message: refused(headlineProblems, 'the headline is imported as a draft'),
      })
    }
    const headlineDraft = headlineProblems.length > 0
    headlines.push({
      _id: headlineDraft ? getDraftId(hid) : hid,
      _type: HEADLINE_TYPE,
      text: headline.text,
      [SORT_KEY_FIELD]: sortKey(headline.text),
      ...(headline.speaker ? {speaker: headline.speaker} : {}),
      position,
      // A published document may not hold a strong reference to a draft: the Studio's own
      // convention is a weak reference that becomes strong when the article is published.
      ...(isOwnTitle
        ? {
            article: draft
              ? {
                  _type: 'reference',
                  _ref: publishedId,
                  _weak: true,
                  _strengthenOnPublish: {type: ARTICLE_TYPE},
                }
              : {_type: 'reference', _ref: publishedId},
          }
        : {}),
    })
    if (!isOwnTitle) {
      related.push({
        _type: 'reference',
        _ref: hid,
        _key: contentHash('related', hid).slice(0, 12),
        // Pointing at a draft: weak, as the Studio does, until the headline is published.
        ...(headlineDraft ? {_weak: true, _strengthenOnPublish: {type: HEADLINE_TYPE}} : {}),
      })
    }
  })

  const body = parsed.paragraphs.map((text, index) => ({
    _type: 'block',
    _key: contentHash('block', String(index), text).slice(0, 12),
    style: 'normal',
    markDefs: [],
    children: [
      {
        _type: 'span',
        _key: contentHash('span', String(index), text).slice(0, 12),
        text,
        marks: [],
      },
    ],
  }))

  const article: ImportDocument = {
    _id: id,
    _type: ARTICLE_TYPE,
    title: parsed.title,
    [SORT_KEY_FIELD]: sortKey(parsed.title),
    slug: {_type: 'slug', current: options.slug ?? slugify(parsed.title)},
    ...(parsed.dateline
      ? {
          dateline: {
            _type: DATELINE_TYPE,
            text: parsed.dateline.text,
            ...(parsed.dateline.place ? {place: parsed.dateline.place} : {}),
          },
        }
      : {}),
    ...(parsed.date ? {publishedAt: dhakaMidnightUtc(parsed.date)} : {}),
    body,
    ...(parsed.byline ? {byline: parsed.byline} : {}),
    ...(parsed.credits.length > 0 ? {credits: parsed.credits} : {}),
    ...(parsed.deskInitials ? {deskInitials: parsed.deskInitials} : {}),
    ...(sources[0] ? {source: sourceReference(getPublishedId(sources[0]._id), draftSources)} : {}),
    ...(section ? {section} : {}),
    relatedHeadlines: related,
  }

  return {
    article,
    headlines,
    sources,
    documents: [...sources, ...headlines, article],
    draft,
    warnings,
  }
}
