/**
 * The import against a real lake over HTTP: documents the newsroom deleted (a takedown) are not
 * brought back by a later import, unless --restore-deleted asks to restore them.
 */
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {useImportLake} from '../helpers/importer.ts'

const fixture = useImportLake('import-deleted-')
const {importInto} = fixture

/** Deletes the seed's article, its draft and the headlines referring to it in one transaction. */
async function takeDown(dataset: string): Promise<{article: string; headlines: string[]}> {
  const client = fixture.lake.client({dataset})
  const article = await client.fetch<string>(
    '*[_type == "article"][0]._id',
    {},
    {perspective: 'raw'},
  )
  const headlines = await client.fetch<string[]>(
    '*[_type == "headline" && references($id)]._id',
    {id: article},
    {perspective: 'raw'},
  )
  const transaction = client.transaction().delete(article).delete(`drafts.${article}`)
  for (const id of headlines) transaction.delete(id)
  await transaction.commit()
  return {article, headlines}
}

describe('a re-import after a takedown', () => {
  it('does not bring back deleted documents, and names the file and the ids', async () => {
    await importInto('takedown', ['--as-of', '2025-07-20'])
    const {article, headlines} = await takeDown('takedown')
    expect(headlines.length).toBeGreaterThan(0)

    const {code, stderr} = await importInto('takedown', ['--as-of', '2025-07-20'])
    expect(code).toBe(0)
    expect(stderr).toMatch(/Imported 0 documents/)
    expect(stderr).toContain(`000_6a6c5dd935f09d3d.txt:1: warning: ${article} was deleted`)
    const client = fixture.lake.client({dataset: 'takedown'})
    const back = await client.fetch<string[]>(
      '*[_id in $ids]._id',
      {ids: [article, `drafts.${article}`, ...headlines]},
      {perspective: 'raw'},
    )
    expect(back).toEqual([])
  })

  it('keeps them deleted with --replace, and restores them with --restore-deleted', async () => {
    await importInto('restore', ['--as-of', '2025-07-20'])
    const {article, headlines} = await takeDown('restore')

    const replaced = await importInto('restore', ['--as-of', '2025-07-20', '--replace'])
    expect(replaced.code).toBe(0)
    expect(replaced.stderr).toContain(`${article} was deleted`)
    expect(await fixture.lake.client({dataset: 'restore'}).getDocument(article)).toBeUndefined()

    const {code, stderr} = await importInto('restore', [
      '--as-of',
      '2025-07-20',
      '--restore-deleted',
    ])
    expect(code).toBe(0)
    expect(stderr).not.toMatch(/was deleted/)
    const back = await fixture.lake
      .client({dataset: 'restore'})
      .fetch<string[]>('*[_id in $ids]._id', {ids: [article, ...headlines]}, {perspective: 'raw'})
    expect(back.sort()).toEqual([article, ...headlines].sort())
  })

  it('skips a deleted headline of an article still there, naming it', async () => {
    await importInto('headline', ['--as-of', '2025-07-20'])
    const client = fixture.lake.client({dataset: 'headline'})
    // One the article does not refer to, so it may be deleted alone.
    const headline = await client.fetch<string>(
      '*[_type == "headline" && count(*[references(^._id)]) == 0][0]._id',
      {},
      {perspective: 'raw'},
    )
    await client.delete(headline)

    const {code, stderr} = await importInto('headline', ['--as-of', '2025-07-20'])
    expect(code).toBe(0)
    expect(stderr).toContain(`000_6a6c5dd935f09d3d.txt:1: warning: ${headline} was deleted`)
    expect(stderr).toMatch(/Imported 0 documents/)
    expect(await client.getDocument(headline)).toBeUndefined()
  })

  it('does not count a draft the Studio published (and so deleted) as deleted', async () => {
    const file = join(fixture.work, 'undated.txt')
    await writeFile(file, 'তারিখহীন খবর\n\nকোনো তারিখ নেই।\nসূত্র: বাসস।\n\nতারিখহীন খবর\n')
    await importInto('published', [file])
    const client = fixture.lake.client({dataset: 'published'})
    const draft = await client.fetch<{_id: string} & Record<string, unknown>>(
      '*[_id in path("drafts.**")][0]',
      {},
      {perspective: 'raw'},
    )
    const {_id, _rev, _createdAt, _updatedAt, ...fields} = draft
    void [_rev, _createdAt, _updatedAt]
    // As the Studio's publish: the published document written and the draft deleted at once.
    await client
      .transaction()
      .createOrReplace({
        ...fields,
        _id: _id.slice('drafts.'.length),
        _type: 'article',
        publishedAt: '2025-03-01T00:00:00Z',
      })
      .delete(_id)
      .commit()

    const {code, stderr} = await importInto('published', [file])
    expect(code).toBe(0)
    expect(stderr).not.toMatch(/was deleted/)
    expect(stderr).toContain('undated.txt: no date, but its article is already published')
  })
})
