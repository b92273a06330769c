// Slugs: the Studio's "Generate" (bangla's slugify) and uniqueness checked against a real lake over
// HTTP through the validation context's client, drafts included.
import type {SanityClient} from 'sanity'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {checkSlugUnique, messages, slugifyBengali} from '../../schemas/validation.ts'
import {startTestLake, type TestLake} from '../helpers/lake.ts'
import {seedArticle, validate} from './_validate.ts'

const slug = (current: string) => ({_type: 'slug', current})

describe('slug generation', () => {
  it('romanises a Bengali title into a readable ASCII slug of at most 96 characters', async () => {
    const generated = await slugifyBengali(
      'চীনা প্রেসিডেন্টের সঙ্গে রুশ পররাষ্ট্রমন্ত্রী সার্গেই লাভরভের বৈঠক',
      {} as never,
      {} as never,
    )
    expect(generated).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
    expect(generated.length).toBeGreaterThan(20)
    expect(generated.length).toBeLessThanOrEqual(96)
  })

  it('turns Bengali digits into ASCII digits', async () => {
    const generated = await slugifyBengali('বাজেট ২০২৫', {} as never, {} as never)
    expect(generated).toMatch(/2025/)
  })

  it('caps a very long title at 96 characters', async () => {
    const generated = await slugifyBengali('বাংলাদেশ '.repeat(40), {} as never, {} as never)
    expect(generated.length).toBeLessThanOrEqual(96)
    expect(generated).not.toMatch(/-$/)
  })

  it('never generates an empty slug from a non-blank title', async () => {
    for (const title of ['习近平会见', 'Путин', '😀', '—']) {
      const generated = await slugifyBengali(title, {} as never, {} as never)
      expect(generated, title).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/)
    }
  })
})

describe('slug uniqueness against the dataset', () => {
  let lake: TestLake
  let client: SanityClient

  beforeAll(async () => {
    lake = await startTestLake()
    client = lake.client() as unknown as SanityClient
    await client
      .transaction()
      .create({_id: 'article-a', ...seedArticle({slug: slug('lavrov-beijing')})})
      .create({_id: 'drafts.article-b', ...seedArticle({slug: slug('draft-only')})})
      .create({_id: 'source-cmg', _type: 'source', name: 'চায়না মিডিয়া গ্রুপ', slug: slug('cmg')})
      .commit()
  })
  afterAll(() => lake?.close())

  const context = (id: string, type = 'article') => ({
    document: {_id: id, _type: type} as never,
    getClient: () => client,
  })

  it('refuses a slug another published article holds', async () => {
    expect(await checkSlugUnique(slug('lavrov-beijing'), context('article-c'))).toBe(
      messages.slugTaken,
    )
  })

  it('refuses a slug held only by another document’s draft', async () => {
    expect(await checkSlugUnique(slug('draft-only'), context('drafts.article-c'))).toBe(
      messages.slugTaken,
    )
  })

  it('accepts the document’s own slug, from its draft or its published version', async () => {
    expect(await checkSlugUnique(slug('lavrov-beijing'), context('drafts.article-a'))).toBe(true)
    expect(await checkSlugUnique(slug('lavrov-beijing'), context('article-a'))).toBe(true)
    expect(await checkSlugUnique(slug('draft-only'), context('article-b'))).toBe(true)
  })

  it('accepts the slug the document’s own release version holds, from every version', async () => {
    await client
      .transaction()
      .create({_id: 'article-v', ...seedArticle({slug: slug('spring-story')})})
      .create({_id: 'versions.rSpring.article-v', ...seedArticle({slug: slug('spring-story')})})
      .create({_id: 'versions.rSpring.article-w', ...seedArticle({slug: slug('release-only')})})
      .commit()
    for (const id of ['article-v', 'drafts.article-v', 'versions.rSpring.article-v']) {
      expect(await checkSlugUnique(slug('spring-story'), context(id)), id).toBe(true)
    }
    // Another document's release version still holds its slug.
    expect(await checkSlugUnique(slug('release-only'), context('drafts.article-c'))).toBe(
      messages.slugTaken,
    )
    expect(await checkSlugUnique(slug('release-only'), context('versions.rOther.article-w'))).toBe(
      true,
    )
  })

  it('accepts a new slug, and a slug another type uses', async () => {
    expect(await checkSlugUnique(slug('xi-lavrov-meeting'), context('article-c'))).toBe(true)
    expect(await checkSlugUnique(slug('cmg'), context('article-c'))).toBe(true)
    expect(await checkSlugUnique(slug('cmg'), context('source-other', 'source'))).toBe(
      messages.slugTaken,
    )
  })

  it('shows the Bengali message through Sanity’s validation', async () => {
    const markers = await validate(
      {_id: 'drafts.article-c', ...seedArticle({slug: slug('lavrov-beijing')})},
      client,
    )
    expect(markers).toEqual([{level: 'error', path: 'slug', message: messages.slugTaken}])
  })
})
