/**
 * The import against a real lake over HTTP: the draft an undated import wrote goes when a dated
 * import publishes its article (it would shadow the published article in the Studio), unless
 * someone has edited it since: then it is kept, with a warning.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../helpers/lake.ts'
import {importIntoLake} from '../helpers/importer.ts'

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake()
})

afterAll(async () => {
  await lake?.close()
})

const SEED_FILE = '000_6a6c5dd935f09d3d.txt'

/** The seed imported without --as-of, months after its week: its dateline fits no date. */
const importUndated = (dataset: string) =>
  importIntoLake(lake, dataset, [], new Date('2026-01-15T00:00:00Z'))

/** The seed's article ids in the dataset, drafts included. */
async function articles(dataset: string): Promise<{_id: string; publishedAt: string | null}[]> {
  return lake
    .client({dataset})
    .fetch('*[_type == "article"]{_id, publishedAt} | order(_id)', {}, {perspective: 'raw'})
}

describe('an undated import, then a dated one', () => {
  for (const replace of [false, true]) {
    it(`removes the draft the import wrote and left unchanged${replace ? ' (--replace)' : ''}`, async () => {
      const dataset = replace ? 'stale-replace' : 'stale'
      expect((await importUndated(dataset)).code).toBe(0)
      const [draft] = await articles(dataset)
      expect(draft!._id).toMatch(/^drafts\./)

      const dated = await importIntoLake(lake, dataset, [
        '--as-of',
        '2025-07-20',
        ...(replace ? ['--replace'] : []),
      ])
      expect(dated.code).toBe(0)
      expect(dated.stderr).not.toMatch(/warning/)
      const published = draft!._id.slice('drafts.'.length)
      expect(await articles(dataset)).toEqual([
        {_id: published, publishedAt: '2025-07-14T18:00:00.000Z'},
      ])
    })
  }

  it('keeps a draft someone edited since, and says so', async () => {
    const dataset = 'edited'
    expect((await importUndated(dataset)).code).toBe(0)
    const client = lake.client({dataset})
    const [draft] = await articles(dataset)
    // As the Studio's edit of the draft: a patch.
    await client.patch(draft!._id).set({title: 'সম্পাদকের শিরোনাম'}).commit()

    const dated = await importIntoLake(lake, dataset, ['--as-of', '2025-07-20'])
    expect(dated.code).toBe(0)
    expect(dated.stderr).toContain(
      `${SEED_FILE}:1: warning: ${draft!._id} has been edited since it was imported: it is kept`,
    )
    const published = draft!._id.slice('drafts.'.length)
    expect(await articles(dataset)).toEqual([
      {_id: published, publishedAt: '2025-07-14T18:00:00.000Z'},
      {_id: draft!._id, publishedAt: null},
    ])
    expect(await client.getDocument(draft!._id)).toMatchObject({title: 'সম্পাদকের শিরোনাম'})
  })
})
