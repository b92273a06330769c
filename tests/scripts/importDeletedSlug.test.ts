/**
 * The import against a real lake over HTTP, where the deleted-documents skip meets the taken-slug
 * drafting: a headline the newsroom deleted stays deleted, and an article the dataset already
 * holds keeps the slug it has, even when another article has since taken the one the file gives.
 */
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../helpers/lake.ts'
import {importIntoLake} from '../helpers/importer.ts'

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake()
})
afterAll(async () => {
  await lake?.close()
})

type Client = ReturnType<TestLake['client']>

/**
 * An editor renames the imported article's slug, and another article takes the old one: what a
 * later import of the same file meets.
 */
async function slugTakenAfterRename(client: Client) {
  const article = await client.fetch<{_id: string; slug: {current: string}}>(
    '*[_type == "article" && !(_id in path("drafts.**"))][0]',
    {},
    {perspective: 'raw'},
  )
  const renamed = `${article.slug.current}-x`
  await client
    .patch(article._id)
    .set({slug: {_type: 'slug', current: renamed}})
    .commit()
  const {_id, _rev, _createdAt, _updatedAt, ...fields} = article as Record<string, unknown>
  void [_id, _rev, _createdAt, _updatedAt]
  await client.create({...fields, _id: 'other-article', _type: 'article', slug: article.slug})
  return {article, renamed}
}

it('keeps a deleted headline deleted and writes no draft over an article whose old slug another took', async () => {
  expect((await importIntoLake(lake, 'hs', ['--as-of', '2025-07-20'])).code).toBe(0)
  const client = lake.client({dataset: 'hs'})
  const headline = await client.fetch<string>(
    '*[_type == "headline" && count(*[references(^._id)]) == 0][0]._id',
    {},
    {perspective: 'raw'},
  )
  await client.delete(headline)
  const {article, renamed} = await slugTakenAfterRename(client)

  const {code, stderr} = await importIntoLake(lake, 'hs', ['--as-of', '2025-07-20'])

  expect(code).toBe(0)
  expect(stderr).toContain(`${headline} was deleted`)
  expect.soft(await client.getDocument(headline)).toBeUndefined()
  expect.soft(await client.getDocument(`drafts.${article._id}`)).toBeUndefined()
  expect((await client.getDocument(article._id))?.slug).toEqual({_type: 'slug', current: renamed})
})

it('with --replace, restores the published article with the slug the editor gave it, not one another article has taken', async () => {
  expect((await importIntoLake(lake, 'hr', ['--as-of', '2025-07-20'])).code).toBe(0)
  const client = lake.client({dataset: 'hr'})
  const {article, renamed} = await slugTakenAfterRename(client)
  await client.patch(article._id).set({title: 'edited in the Studio'}).commit()

  const {code, stderr} = await importIntoLake(lake, 'hr', ['--as-of', '2025-07-20', '--replace'])

  expect(code).toBe(0)
  expect(stderr).not.toContain('is taken by')
  const holders = await client.fetch<string[]>(
    '*[_type == "article" && !(_id in path("drafts.**")) && slug.current == $slug]._id',
    {slug: article.slug.current},
    {perspective: 'raw'},
  )
  expect(holders).toEqual(['other-article'])
  // A published URL is permanent: the text is restored from the file, the slug is the stored one.
  const restored = await client.getDocument(article._id)
  expect(restored?.slug).toEqual({_type: 'slug', current: renamed})
  expect(restored?.title).toBe((article as unknown as {title: string}).title)
  expect(await client.getDocument(`drafts.${article._id}`)).toBeUndefined()
})
