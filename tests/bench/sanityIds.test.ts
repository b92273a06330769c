/**
 * bench/bulk.ts --random-ids: the archive with ids shaped as the Studio makes them (bench/data.ts
 * withSanityIds). The mapping must keep every reference on the document it named, keep the
 * `drafts.` and `versions.<release>.` prefixes, and give the same ids on every run.
 */
import {expect, test} from 'vitest'
import {archiveDocuments, archiveOf, withSanityIds} from '../../bench/data.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('every id and reference is mapped, references still name the same documents', () => {
  const docs = archiveDocuments(archiveOf(2000))
  const mapped = withSanityIds(docs)
  expect(mapped).toHaveLength(docs.length)
  const ids = new Set(mapped.map((doc) => doc._id))
  expect(ids.size).toBe(docs.length)
  const byOldId = new Map(docs.map((doc, i) => [doc._id, mapped[i]]))
  let refs = 0
  docs.forEach((doc, i) => {
    const now = mapped[i]
    expect(now._type).toBe(doc._type)
    if (doc._id.startsWith('drafts.')) {
      expect(now._id).toBe(`drafts.${byOldId.get(doc._id.slice(7))!._id}`)
    } else {
      expect(now._id).toMatch(UUID)
    }
    for (const field of ['source', 'article'] as const) {
      const ref = (doc[field] as {_ref: string} | undefined)?._ref
      if (!ref) continue
      refs++
      const target = (now[field] as {_ref: string})._ref
      expect(target).toMatch(UUID)
      // The reference names the mapped document that the original reference named.
      expect(target).toBe(byOldId.get(ref)!._id)
      expect(ids.has(target)).toBe(true)
    }
  })
  expect(refs).toBeGreaterThan(2000)
  // The originals are left as they were.
  expect(docs[0]._id).toBe('source-0')
})

test('the mapping is stable, keeps version prefixes, and does not keep key order', () => {
  const docs = archiveDocuments(archiveOf(500))
  expect(withSanityIds(docs).map((d) => d._id)).toEqual(withSanityIds(docs).map((d) => d._id))
  const [version] = withSanityIds([
    {_id: 'versions.r-spring.article-3', _type: 'article', source: {_ref: 'source-1'}},
  ])
  const [published] = withSanityIds([{_id: 'article-3', _type: 'article'}])
  expect(version._id).toBe(`versions.r-spring.${published._id}`)
  const articles = withSanityIds(docs)
    .filter((doc) => doc._type === 'article' && !doc._id.startsWith('drafts.'))
    .map((doc) => doc._id)
  // Random ids arrive out of key order (the point of the option): far from sorted.
  const ascending = articles.filter((id, i) => i > 0 && id > articles[i - 1]).length
  expect(ascending / articles.length).toBeLessThan(0.6)
  expect(ascending / articles.length).toBeGreaterThan(0.4)
})
