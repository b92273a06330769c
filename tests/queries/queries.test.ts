// The front-end queries: each parses with groq-js, reads only fields the extracted schema has, and
// returns what a news page needs from a small Bengali dataset.
import {parse, type ExprNode} from 'groq-js'
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {evaluateQuery, parseQuery} from '../../lake/core/query.ts'
import type {SanityDocument} from '../../lake/core/types.ts'
import * as queries from '../../queries/index.ts'
import {block} from '../helpers/portableText.ts'

const QUERIES: [string, string][] = Object.entries(queries).flatMap(([name, value]) =>
  name.endsWith('_QUERY') && typeof value === 'string' ? [[name, value] as [string, string]] : [],
)

/** Every attribute name any type in schema.json declares, plus what GROQ itself provides. */
function schemaFieldNames(): Set<string> {
  const schema = JSON.parse(readFileSync(new URL('../../schema.json', import.meta.url), 'utf8'))
  const names = new Set(['_id', '_type', '_rev', '_createdAt', '_updatedAt', '_key', '_score'])
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk)
    if (node === null || typeof node !== 'object') return
    const record = node as Record<string, unknown>
    if (record.attributes && typeof record.attributes === 'object') {
      for (const key of Object.keys(record.attributes)) names.add(key)
    }
    Object.values(record).forEach(walk)
  }
  walk(schema)
  return names
}

/** Names of all attribute accesses (`foo`, `a.foo`, `a->foo`) in a parsed query. */
function accessedAttributes(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((child) => accessedAttributes(child, out))
  else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>
    if (record.type === 'AccessAttribute' && typeof record.name === 'string') out.add(record.name)
    Object.values(record).forEach((child) => accessedAttributes(child, out))
  }
  return out
}

const DATASET = [
  {
    _id: 'source-cmg',
    _type: 'source',
    name: 'চায়না মিডিয়া গ্রুপ',
    shortName: 'সিএমজি',
    kind: 'broadcaster',
    slug: {_type: 'slug', current: 'china-media-group'},
  },
  {
    _id: 'source-bss',
    _type: 'source',
    name: 'বাংলাদেশ সংবাদ সংস্থা',
    shortName: 'বাসস',
    kind: 'agency',
    slug: {_type: 'slug', current: 'bss'},
  },
  {
    _id: 'article-lavrov',
    _type: 'article',
    title: 'চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক',
    slug: {_type: 'slug', current: 'chinaa-presidenter-sange-lavrover-baithak'},
    publishedAt: '2025-07-15T04:00:00Z',
    summary: 'বেইজিংয়ের মহাগণভবনে সি চিন পিংয়ের সঙ্গে সাক্ষাৎ করেন লাভরভ।',
    body: [
      block(
        'p1',
        'মঙ্গলবার (১৫ই জুলাই) সকালে বেইজিংয়ের মহাগণভবনে চীনের প্রেসিডেন্ট সি চিন পিংয়ের সঙ্গে সাক্ষাৎ করেন রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভ।',
      ),
    ],
    source: {_type: 'reference', _ref: 'source-cmg'},
    relatedHeadlines: [
      {_key: 'r1', _type: 'reference', _ref: 'headline-2'},
      {_key: 'r2', _type: 'reference', _ref: 'headline-1'},
    ],
  },
  {
    _id: 'article-budget',
    _type: 'article',
    title: 'সংসদে বাজেট পাস',
    slug: {_type: 'slug', current: 'sangsade-bajet-pas'},
    publishedAt: '2025-06-30T10:00:00Z',
    summary: 'অর্থমন্ত্রী বাজেট পেশ করেন।',
    source: {_type: 'reference', _ref: 'source-bss'},
  },
  {
    _id: 'drafts.article-unpublished',
    _type: 'article',
    title: 'খসড়া',
    publishedAt: '2025-07-20T00:00:00Z',
  },
  {
    _id: 'headline-1',
    _type: 'headline',
    text: 'চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক',
    position: 0,
    breaking: true,
    article: {_type: 'reference', _ref: 'article-lavrov'},
  },
  {
    _id: 'headline-2',
    _type: 'headline',
    text: 'সম্পর্ক আগের চেয়ে উন্নত',
    speaker: 'লাভরভ',
    position: 2,
    breaking: false,
  },
  {
    _id: 'headline-3',
    _type: 'headline',
    text: 'এসসিও-কে শক্তিশালী করতে হবে',
    speaker: 'সি চিন পিং',
    position: 1,
    breaking: true,
  },
]

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reads its query's shape
async function run(query: string, params: Record<string, unknown>): Promise<any> {
  // The published perspective, as a front end reads: no drafts.
  const published = DATASET.filter((doc) => !doc._id.startsWith('drafts.'))
  // The lake's own evaluation (groq-js plus text::query), parameter slices resolved at parse time.
  return evaluateQuery(parseQuery(query, params), published as SanityDocument[], {params})
}

describe('queries', () => {
  it('exports the six front-end queries', () => {
    expect(QUERIES.map(([name]) => name).sort()).toEqual([
      'ARTICLES_BY_SOURCE_QUERY',
      'ARTICLE_BY_SLUG_QUERY',
      'BREAKING_HEADLINES_QUERY',
      'HEADLINE_LIST_QUERY',
      'LATEST_ARTICLES_QUERY',
      'SEARCH_ARTICLES_QUERY',
    ])
  })

  const fields = schemaFieldNames()
  it.each(QUERIES)('%s parses and reads only fields the schema has', (_name, query) => {
    const tree: ExprNode = parse(query, {params: {limit: 10}})
    const unknown = [...accessedAttributes(tree)].filter((name) => !fields.has(name))
    expect(unknown).toEqual([])
  })

  it('latest articles: newest first, with the source dereferenced', async () => {
    const result = await run(queries.LATEST_ARTICLES_QUERY, {limit: 10})
    expect(result.map((a: {_id: string}) => a._id)).toEqual(['article-lavrov', 'article-budget'])
    expect(result[0].source).toEqual({
      name: 'চায়না মিডিয়া গ্রুপ',
      shortName: 'সিএমজি',
      slug: 'china-media-group',
    })
    expect(await run(queries.LATEST_ARTICLES_QUERY, {limit: 1})).toHaveLength(1)
  })

  it('article by slug: source and related headlines dereferenced, in the article’s order', async () => {
    const article = await run(queries.ARTICLE_BY_SLUG_QUERY, {
      slug: 'chinaa-presidenter-sange-lavrover-baithak',
    })
    expect(article.title).toBe('চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক')
    expect(article.source.name).toBe('চায়না মিডিয়া গ্রুপ')
    expect(
      article.relatedHeadlines.map((h: {text: string; speaker: string | null}) => [
        h.text,
        h.speaker,
      ]),
    ).toEqual([
      ['সম্পর্ক আগের চেয়ে উন্নত', 'লাভরভ'],
      ['চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক', null],
    ])
    expect(article.relatedHeadlines[1].articleSlug).toBe(
      'chinaa-presidenter-sange-lavrover-baithak',
    )
    expect(await run(queries.ARTICLE_BY_SLUG_QUERY, {slug: 'nope'})).toBeNull()
  })

  it('headline list: ordered by position; ticker: breaking only', async () => {
    const list = await run(queries.HEADLINE_LIST_QUERY, {})
    expect(list.map((h: {position: number}) => h.position)).toEqual([0, 1, 2])
    const ticker = await run(queries.BREAKING_HEADLINES_QUERY, {})
    expect(ticker.map((h: {_id: string}) => h._id)).toEqual(['headline-1', 'headline-3'])
  })

  it('articles by source slug', async () => {
    const result = await run(queries.ARTICLES_BY_SOURCE_QUERY, {source: 'bss', limit: 10})
    expect(result.map((a: {_id: string}) => a._id)).toEqual(['article-budget'])
    expect(result[0].source.shortName).toBe('বাসস')
  })

  describe('Bengali search', () => {
    it('builds a text::query string: NFC words, punctuation dropped, the last word a prefix', () => {
      expect(queries.searchPattern(' লাভরভ।  বৈঠক, ')).toBe('লাভরভ বৈঠক*')
      // U+09DF is NFC-decomposed; joiners stay inside their word.
      expect(queries.searchPattern('রাশি\u09DFা')).toBe('রাশি\u09AF\u09BCা*')
      expect(queries.searchPattern('‘র\u200D্যাব’')).toBe('র\u200D্যাব*')
      expect(queries.searchPattern(' ।—“” ')).toBe('')
    })

    it('keeps what the lake folds into one word as one word: a colon between letters, a zero-width space, ৷ as a danda', () => {
      expect(queries.searchPattern('দু:খ')).toBe('দু:খ*')
      expect(queries.searchPattern('অত:পর সূত্র: বাসস')).toBe('অত:পর সূত্র বাসস*')
      expect(queries.searchPattern('ঢা\u200Bকায়')).toBe('ঢা\u200Bকায়*')
      expect(queries.searchPattern('বৈঠক৷ পরে')).toBe('বৈঠক পরে*')
    })

    it("keeps the query syntax as the Studio's search box does: an exclusion, a phrase, a typed prefix", () => {
      // The last word that is neither excluded nor quoted becomes the prefix (sanity's prefixLast).
      expect(queries.searchPattern('ঢাকা -বৈঠক')).toBe('ঢাকা* -বৈঠক')
      expect(queries.searchPattern('"যৌথ বিবৃতি"')).toBe('"যৌথ বিবৃতি"')
      expect(queries.searchPattern('“যৌথ” "যৌথ বিবৃতি।" প্রকাশ')).toBe('যৌথ "যৌথ বিবৃতি" প্রকাশ*')
      expect(queries.searchPattern('প্রতিবেদ* বৈঠক -পদ্মা।')).toBe('প্রতিবেদ* বৈঠক* -পদ্মা')
      expect(queries.searchPattern('কোভিড-১৯,')).toBe('কোভিড-১৯*')
      expect(queries.searchPattern('- "" -।')).toBe('')
    })

    it('input of exclusions alone gives nothing, as input without a word does', async () => {
      // text::query("-বৈঠক") is every article without the word: a scored scan per keystroke.
      expect(queries.searchPattern('-বৈঠক')).toBe('')
      expect(queries.searchPattern(' -বৈঠক  -"যৌথ বিবৃতি" ')).toBe('')
      const result = await run(queries.SEARCH_ARTICLES_QUERY, {
        search: queries.searchPattern('-বৈঠক'),
        limit: 10,
      })
      expect(result).toEqual([])
    })

    it('an exclusion excludes and a phrase keeps its order', async () => {
      const ids = async (input: string) =>
        (
          await run(queries.SEARCH_ARTICLES_QUERY, {
            search: queries.searchPattern(input),
            limit: 10,
          })
        ).map((a: {_id: string}) => a._id)
      expect(await ids('করেন -লাভরভ')).toEqual(['article-budget'])
      expect(await ids('"বাজেট পাস"')).toEqual(['article-budget'])
      expect(await ids('"পাস বাজেট"')).toEqual([])
    })

    it('finds an article by a word in its body, even when the word ends with ।', async () => {
      const search = queries.searchPattern('লাভরভ')
      const result = await run(queries.SEARCH_ARTICLES_QUERY, {search, limit: 10})
      expect(result.map((a: {_id: string}) => a._id)).toEqual(['article-lavrov'])
    })

    it('finds an inflected form and a precomposed spelling', async () => {
      // লাভরভকে is not in the text (লাভরভ, লাভরভের are); বেইজিং typed with U+09DF.
      for (const input of ['লাভরভকে', 'বেইজিং\u09DFে', '১৫']) {
        const result = await run(queries.SEARCH_ARTICLES_QUERY, {
          search: queries.searchPattern(input),
          limit: 10,
        })
        expect(result.map((a: {_id: string}) => a._id)).toEqual(['article-lavrov'])
      }
    })

    it('needs every word to match, and finds nothing for an absent word or no word', async () => {
      expect(
        await run(queries.SEARCH_ARTICLES_QUERY, {
          search: queries.searchPattern('বাজেট পাস'),
          limit: 10,
        }),
      ).toHaveLength(1)
      for (const input of ['ক্রিকেট', '।']) {
        expect(
          await run(queries.SEARCH_ARTICLES_QUERY, {
            search: queries.searchPattern(input),
            limit: 10,
          }),
        ).toEqual([])
      }
    })
  })
})
