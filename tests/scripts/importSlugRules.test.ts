/**
 * The import against a real lake over HTTP, after the slug rules changed: a story imported before
 * keeps its published URL and its source, with --replace or without. The slugs and the source id
 * below are what slugify gave before the prefix rule (the parent of commit 8a9626e4): পরিষদে read
 * parishde, মহানগর mahangar; they now read parishade, mahanagar.
 */
import {describe, expect, it} from 'vitest'
import {parseArticle} from '../../scripts/lib/parseArticle.ts'
import {toDocuments} from '../../scripts/lib/toDocuments.ts'
import {useImportLake} from '../helpers/importer.ts'

const fixture = useImportLake('import-slug-rules-')

const STORY = [
  'জাতিসংঘ সাধারণ পরিষদে চীনা প্রধানমন্ত্রীর ভাষণ',
  '',
  'সেপ্টেম্বর ২২: আজ (সোমবার) নিউইয়র্কে জাতিসংঘ সাধারণ পরিষদের অধিবেশনে ভাষণ দেন চীনের প্রধানমন্ত্রী লি ছিয়াং।',
  'তিনি বহুপাক্ষিকতার পক্ষে চীনের অবস্থান তুলে ধরেন।',
  'সূত্র: মহানগর বার্তা।',
  '',
  'গাজায় যুদ্ধবিরতি চুক্তি ‘আগামী সপ্তাহের মধ্যেই’ সম্ভব : ট্রাম্প',
  '',
].join('\n')
const AS_OF = '2025-09-25'
const OLD_SLUG = 'jatisangh-sadharan-parishde-chinese-pradhanmantrir-bhashan'
const OLD_SOURCE_SLUG = 'mahangar-barta'

/**
 * The dataset as an import under the old rules left it: the same documents, the article's slug
 * and the source's id and slug as they were then (`sourceId` is the id an even older rule gave).
 */
async function importedUnderOldRules(dataset: string, sourceId: string) {
  const docs = toDocuments(parseArticle(STORY, {file: 'story.txt', asOf: AS_OF}))
  const source = {
    ...docs.sources[0]!,
    _id: sourceId,
    slug: {_type: 'slug', current: OLD_SOURCE_SLUG},
  }
  const article = {
    ...docs.article,
    slug: {_type: 'slug', current: OLD_SLUG},
    source: {_type: 'reference', _ref: sourceId},
  }
  const transaction = fixture.lake.client({dataset}).transaction()
  for (const document of [source, ...docs.headlines, article]) transaction.create(document)
  await transaction.commit()
  return {articleId: article._id, newSlug: (docs.article.slug as {current: string}).current}
}

type Seen = {
  articles: {_id: string; slug: string; source: string; sourceName: string}[]
  sources: {_id: string; slug: string}[]
  related: (string | null)[]
}

async function seen(dataset: string): Promise<Seen> {
  return fixture.lake.client({dataset}).fetch<Seen>(
    `{
      "articles": *[_type == "article"]{_id, "slug": slug.current, "source": source._ref,
        "sourceName": source->name},
      "sources": *[_type == "source"]{_id, "slug": slug.current},
      "related": *[_type == "article"].relatedHeadlines[]->text
    }`,
    {},
    {perspective: 'raw'},
  )
}

describe('a re-import after the slug rules changed', () => {
  for (const [name, oldSourceId, args] of [
    ['without --replace', 'source-mahangar-barta', []],
    ['with --replace', 'source-mahangar-barta', ['--replace']],
    // A name that slugged to nothing had a hash for an id: it is found by its name all the same.
    ['with --replace, a source under a hash id', 'source-1f0e2d3c4b5a6978', ['--replace']],
  ] as const) {
    it(`keeps the published URL and the one source (${name})`, async () => {
      const dataset = `rules-${name.replace(/[^a-z]+/g, '-').replace(/-$/, '')}`
      const {articleId, newSlug} = await importedUnderOldRules(dataset, oldSourceId)
      expect(newSlug).not.toBe(OLD_SLUG)
      const folder = await fixture.storiesFolder(dataset, {'story.txt': STORY})

      const {code, stderr} = await fixture.importInto(dataset, [folder, '--as-of', AS_OF, ...args])
      expect(code, stderr).toBe(0)
      expect(stderr).not.toContain('warning')
      const after = await seen(dataset)
      expect(after.articles).toEqual([
        {_id: articleId, slug: OLD_SLUG, source: oldSourceId, sourceName: 'মহানগর বার্তা'},
      ])
      expect(after.sources).toEqual([{_id: oldSourceId, slug: OLD_SOURCE_SLUG}])
      expect(after.related).toEqual(['গাজায় যুদ্ধবিরতি চুক্তি ‘আগামী সপ্তাহের মধ্যেই’ সম্ভব'])
    })
  }

  it('gives a new story of a known source that source, and a new article its new slug', async () => {
    const dataset = 'rules-new-story'
    await importedUnderOldRules(dataset, 'source-mahangar-barta')
    const other = STORY.replace('জাতিসংঘ সাধারণ পরিষদে', 'মহানগর পরিষদে').replace(
      'নিউইয়র্কে',
      'ঢাকায়',
    )
    const folder = await fixture.storiesFolder(dataset, {'other.txt': other})
    const {code, stderr} = await fixture.importInto(dataset, [folder, '--as-of', AS_OF])
    expect(code, stderr).toBe(0)
    const after = await seen(dataset)
    expect(after.sources).toEqual([{_id: 'source-mahangar-barta', slug: OLD_SOURCE_SLUG}])
    const added = after.articles.find(({slug}) => slug !== OLD_SLUG)
    expect(added).toMatchObject({
      slug: 'mahanagar-parishade-chinese-pradhanmantrir-bhashan',
      source: 'source-mahangar-barta',
    })
  })
})
