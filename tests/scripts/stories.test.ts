/**
 * The import over stories written the way Bangladeshi outlets write them (tests/fixtures/stories:
 * national dailies, the BSS and UNB wires, district correspondents, online portals, CMG and foreign
 * agencies), into a real lake over HTTP, compared with the documents each must give
 * (tests/fixtures/stories/expected.json): date or draft, dateline and place, byline, credits,
 * desk initials, section, source and related headlines with their speakers, and the warnings.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {run as runImport} from '../../scripts/import.ts'
import {startTestLake, type TestLake} from '../helpers/lake.ts'
import {captureIo, REPO_ROOT} from '../helpers/io.ts'

const FOLDER = 'tests/fixtures/stories'
const STORIES = readdirSync(join(REPO_ROOT, FOLDER)).filter((name) => name.endsWith('.txt'))
type Expected = {title: string; warnings: string[]; [field: string]: unknown}
const EXPECTED = JSON.parse(
  readFileSync(join(REPO_ROOT, FOLDER, 'expected.json'), 'utf8'),
) as Record<string, Expected>

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake()
})

afterAll(async () => {
  await lake?.close()
})

async function importStories(dataset: string, args: string[] = []) {
  const io = captureIo({env: {SANITY_STUDIO_API_HOST: lake.url, LAKE_DATA: lake.dataDir}})
  const code = await runImport(
    [FOLDER, '--as-of', '2025-09-25', '--dataset', dataset, '--create-dataset', ...args],
    io,
  )
  return {code, stderr: io.err()}
}

const PROJECTION = `*[_type == "article"]{
  "draft": _id in path("drafts.**"),
  title,
  "slug": slug.current,
  "publishedAt": coalesce(publishedAt, null),
  "dateline": select(defined(dateline) => {"text": dateline.text, "place": coalesce(dateline.place, null)}, null),
  "byline": coalesce(byline, null),
  "credits": coalesce(credits, null),
  "deskInitials": coalesce(deskInitials, null),
  "section": coalesce(section, null),
  "source": select(defined(source) => source->{name, "slug": slug.current, kind}, null),
  "related": coalesce(relatedHeadlines[]->{text, speaker}, [])
}`

describe('importing stories from Bangladeshi outlets', () => {
  it('has at least 20 stories, each with its expected documents', () => {
    expect(STORIES.length).toBeGreaterThanOrEqual(20)
    expect(Object.keys(EXPECTED).sort()).toEqual([...STORIES].sort())
  })

  it('gives every story the expected article, source and headlines, and the expected warnings', async () => {
    const {code, stderr} = await importStories('stories')
    expect(code, stderr).toBe(0)
    const articles = await lake
      .client({dataset: 'stories'})
      .fetch<Record<string, unknown>[]>(PROJECTION, {}, {perspective: 'raw'})
    expect(articles).toHaveLength(STORIES.length)
    for (const story of STORIES) {
      const {warnings, ...expected} = EXPECTED[story]!
      const article = articles.find((doc) => doc.title === expected.title)
      const related = (article?.related as {text: string; speaker?: string | null}[]) ?? []
      expect(
        {
          ...article,
          related: related.map(({text, speaker}) => (speaker ? {text, speaker} : {text})),
        },
        story,
      ).toEqual(expected)
      const lines = stderr
        .split('\n')
        .filter((line) => line.startsWith(`${FOLDER}/${story}:`))
        .map((line) => line.slice(`${FOLDER}/${story}:`.length))
      expect(lines, story).toEqual(warnings)
    }
  })

  it('--section puts every article in that section, over the source default', async () => {
    const {code} = await importStories('sections', ['--section', 'জাতীয়'])
    expect(code).toBe(0)
    const sections = await lake
      .client({dataset: 'sections'})
      .fetch<string[]>('array::unique(*[_type == "article"].section)', {}, {perspective: 'raw'})
    expect(sections).toEqual(['জাতীয়'.normalize('NFC')])
  })

  it('refuses a section that is not one of the newsroom sections, writing nothing', async () => {
    const {code, stderr} = await importStories('bad-section', ['--section', 'খেলাধুলা'])
    expect(code).toBe(2)
    expect(stderr).toContain("--section 'খেলাধুলা' is not a section. Use one of: জাতীয়")
    const count = await lake
      .client({dataset: 'bad-section'})
      .fetch<number>('count(*[_type == "article"])')
    expect(count).toBe(0)
  })
})
