/**
 * The import against a real lake over HTTP: files an older import read differently keep their
 * article. Header lines (a date line, a web page's place and update lines), a paper's report
 * prefix and an organisation's name on a line of its own changed what the first paragraph is, and
 * the article id is a hash of the title and the first paragraph: without recognising the id the
 * older import gave, re-importing an archive made a second article of each such story.
 *
 * The ids and slugs below are what the import wrote before those rules (commit 40c0b351, run on
 * these files with `--as-of 2026-12-07`); the documents are written as it left them.
 */
import {describe, expect, it} from 'vitest'
import {useImportLake} from '../helpers/importer.ts'

const fixture = useImportLake('import-earlier-ids-')
const {importInto} = fixture

type Story = {text: string; earlierId: string; slug: string; firstParagraph: string}

const STORIES: Record<string, Story> = {
  'date-line.txt': {
    text: 'ঢাকায় টানা বৃষ্টি\n\nতারিখ: ৫ ডিসেম্বর ২০২৬\nরাজধানীতে আজ দিনভর বৃষ্টি হয়েছে। নগরের বহু সড়কে পানি জমেছে।\nসূত্র: বাসস।\n',
    earlierId: 'drafts.article-66b6b9c384edcef4',
    slug: 'dhakay-tana-brishti',
    firstParagraph: 'তারিখ: ৫ ডিসেম্বর ২০২৬',
  },
  'web-page.txt': {
    text: 'চট্টগ্রাম বন্দরে কনটেইনার জট\n\nনিজস্ব প্রতিবেদক\nচট্টগ্রাম\nপ্রকাশ: ০৫ ডিসেম্বর ২০২৬, ১০: ৩০\nআপডেট: ০৫ ডিসেম্বর ২০২৬, ১২: ০০\nচট্টগ্রাম বন্দরে কনটেইনার জট বেড়েছে। ব্যবসায়ীরা উদ্বিগ্ন।\nসূত্র: প্রথম আলো।\n',
    earlierId: 'drafts.article-3d8036ae1a510ab3',
    slug: 'chattogram-bandare-container-jat',
    firstParagraph: 'চট্টগ্রাম',
  },
  'place-line.txt': {
    text: 'টেকনাফে নৌকাডুবি\n\nটেকনাফ (কক্সবাজার)\nশনিবার (৫ ডিসেম্বর) সকালে নাফ নদীতে একটি নৌকা ডুবে যায়।\nসূত্র: বাসস।\n',
    earlierId: 'drafts.article-d3e092befc1600b3',
    slug: 'teknafe-noukadubi',
    firstParagraph: 'টেকনাফ (কক্সবাজার)',
  },
  'update-line.txt': {
    text: 'সিলেটে বন্যা পরিস্থিতি\n\nআপডেট: ০৫ ডিসেম্বর ২০২৬, ১২: ০০\nশনিবার (৫ ডিসেম্বর) সিলেটে বন্যা পরিস্থিতির অবনতি হয়েছে।\nসূত্র: বাসস।\n',
    earlierId: 'drafts.article-af85c47de495a582',
    slug: 'sylhete-banya-paristhiti',
    firstParagraph: 'আপডেট: ০৫ ডিসেম্বর ২০২৬, ১২: ০০',
  },
  'organisation-line.txt': {
    text: 'বাণিজ্য মেলা শুরু\n\nবাংলাদেশ শিল্প ও বণিক সমিতি\nশনিবার (৫ ডিসেম্বর) রাজধানীতে বাণিজ্য মেলা শুরু হয়েছে।\nসূত্র: বাসস।\n',
    earlierId: 'article-9908776fe8ac16c2',
    slug: 'banijya-mela-shuru',
    firstParagraph: 'শনিবার (৫ ডিসেম্বর) রাজধানীতে বাণিজ্য মেলা শুরু হয়েছে।',
  },
  'paper-report.txt': {
    text: 'রাজধানীতে যানজট\n\nযুগান্তর প্রতিবেদন ॥ শনিবার (৫ ডিসেম্বর) রাজধানীতে তীব্র যানজট ছিল।\nসূত্র: যুগান্তর।\n',
    earlierId: 'article-1c504d6cc004246b',
    slug: 'rajdhanite-janjat',
    firstParagraph: 'যুগান্তর প্রতিবেদন ॥ শনিবার (৫ ডিসেম্বর) রাজধানীতে তীব্র যানজট ছিল।',
  },
}

const titleOf = (story: Story) => story.text.split('\n')[0]!

/** The dataset as the older import left it: each story's article under its earlier id. */
async function importedEarlier(dataset: string, names: string[]): Promise<void> {
  const transaction = fixture.lake.client({dataset}).transaction()
  for (const name of names) {
    const story = STORIES[name]!
    transaction.createIfNotExists({
      _id: story.earlierId,
      _type: 'article',
      title: titleOf(story),
      slug: {_type: 'slug', current: story.slug},
      ...(story.earlierId.startsWith('drafts.') ? {} : {publishedAt: '2026-12-04T18:00:00.000Z'}),
      body: [
        {
          _type: 'block',
          _key: 'b0',
          style: 'normal',
          markDefs: [],
          children: [{_type: 'span', _key: 's0', text: story.firstParagraph, marks: []}],
        },
      ],
      relatedHeadlines: [],
    })
  }
  await transaction.commit()
}

/** The article ids (drafts and published) of the dataset with the title. */
async function articleIds(dataset: string, title: string): Promise<string[]> {
  return fixture.lake
    .client({dataset})
    .fetch<string[]>(
      '*[_type == "article" && title == $title]._id | order(@)',
      {title},
      {perspective: 'raw'},
    )
}

const published = (id: string) => id.replace(/^drafts\./, '')

describe('a re-import of files an older import read differently', () => {
  for (const [name, story] of Object.entries(STORIES)) {
    it(`keeps the article the older import made (${name})`, async () => {
      const dataset = `earlier-${name.replace('.txt', '')}`
      await importedEarlier(dataset, [name])
      const folder = await fixture.storiesFolder(dataset, {[name]: story.text})

      const {code, stderr} = await importInto(dataset, [folder, '--as-of', '2026-12-07'])
      expect(code).toBe(0)
      expect(stderr).not.toContain('is taken by')
      // One article, under the earlier id: published, with the older import's draft kept over it
      // when it made one (it named no transactions, so the draft is not known as its own).
      const ids = await articleIds(dataset, titleOf(story))
      expect(new Set(ids.map(published))).toEqual(new Set([published(story.earlierId)]))
      const article = await fixture.lake.client({dataset}).getDocument(published(story.earlierId))
      expect(article?.publishedAt).toBe('2026-12-04T18:00:00.000Z')

      // Again: nothing new.
      const again = await importInto(dataset, [folder, '--as-of', '2026-12-07'])
      expect(again.code).toBe(0)
      expect(await articleIds(dataset, titleOf(story))).toEqual(ids)
    })
  }

  it('keeps an article taken down after the older import down', async () => {
    const dataset = 'earlier-takedown'
    const name = 'organisation-line.txt'
    const story = STORIES[name]!
    await importedEarlier(dataset, [name])
    await fixture.lake.client({dataset}).delete(story.earlierId)
    const folder = await fixture.storiesFolder(dataset, {[name]: story.text})

    const {code, stderr} = await importInto(dataset, [folder, '--as-of', '2026-12-07'])
    expect(code).toBe(0)
    expect(stderr).toContain(`${name}:1: warning: ${story.earlierId} was deleted in the dataset`)
    expect(await articleIds(dataset, titleOf(story))).toEqual([])
  })

  it('gives an earlier article to one file: a second file of that title and first line is its own', async () => {
    const dataset = 'earlier-twins'
    const name = 'date-line.txt'
    const story = STORIES[name]!
    await importedEarlier(dataset, [name])
    const other = story.text.replace('রাজধানীতে আজ দিনভর বৃষ্টি হয়েছে।', 'চট্টগ্রামেও বৃষ্টি হয়েছে।')
    const folder = await fixture.storiesFolder(dataset, {[name]: story.text, 'other.txt': other})

    const {code} = await importInto(dataset, [folder, '--as-of', '2026-12-07'])
    expect(code).toBe(0)
    const ids = new Set((await articleIds(dataset, titleOf(story))).map(published))
    expect(ids.size).toBe(2)
    expect(ids.has(published(story.earlierId))).toBe(true)
  })

  // Only a line the current rules read as a header (or the line after an organisation's name they
  // keep) can have been an older import's first paragraph: a later paragraph of another story of a
  // common title is no earlier id of this one.
  const BLANKETS = 'শীতার্তদের মধ্যে কম্বল বিতরণ'
  const FIRST =
    'শনিবার (৫ ডিসেম্বর) সকালে উপজেলা পরিষদ চত্বরে দুই শতাধিক শীতার্তের মধ্যে কম্বল বিতরণ করা হয়।'
  const OWN = 'রবিবার (৬ ডিসেম্বর) সকালে ইউনিয়ন পরিষদে তিনশ শীতার্তের মধ্যে কম্বল দেওয়া হয়।'
  const SECOND = 'স্থানীয় সংসদ সদস্য কম্বল তুলে দেন।'
  for (const [place, lines] of [
    ['second', [OWN, FIRST, SECOND]],
    ['third', [OWN, SECOND, FIRST]],
  ] as const) {
    it(`never gives a file another story's article whose first paragraph is its ${place} line`, async () => {
      const dataset = `earlier-other-story-${place}`
      const first = await fixture.storiesFolder(`${dataset}-1`, {
        'c.txt': `${BLANKETS}\n\n${FIRST}\nসূত্র: বাসস।\n`,
      })
      expect((await importInto(dataset, [first, '--as-of', '2026-12-07'])).code).toBe(0)
      const [earlier] = await articleIds(dataset, BLANKETS)

      const second = await fixture.storiesFolder(`${dataset}-2`, {
        'a.txt': `${BLANKETS}\n\n${lines.join('\n')}\nসূত্র: বাসস।\n`,
      })
      const {code, stderr} = await importInto(dataset, [second, '--as-of', '2026-12-07'])
      expect(code).toBe(0)
      // Its own article, a draft: the title's slug is c.txt's.
      expect(stderr).toContain(`is taken by ${earlier}`)
      const ids = await articleIds(dataset, BLANKETS)
      expect(new Set(ids.map(published)).size).toBe(2)
      const ledes = await fixture.lake
        .client({dataset})
        .fetch<string[]>(
          '*[_type == "article" && title == $title].body[0].children[0].text',
          {title: BLANKETS},
          {perspective: 'raw'},
        )
      expect(ledes).toContain(OWN)
      expect(ledes).toContain(FIRST)
    })
  }

  it('makes a new article of a file no earlier import read', async () => {
    const dataset = 'earlier-none'
    const name = 'date-line.txt'
    const folder = await fixture.storiesFolder(dataset, {[name]: STORIES[name]!.text})
    expect((await importInto(dataset, [folder, '--as-of', '2026-12-07'])).code).toBe(0)
    const ids = await articleIds(dataset, titleOf(STORIES[name]!))
    expect(ids).toHaveLength(1)
    expect(ids[0]).not.toBe(published(STORIES[name]!.earlierId))
  })
})
