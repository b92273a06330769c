/**
 * An export that fails after its status was sent must say so. It reads a page at a time while it
 * streams (lake/dataset.ts), so a page can fail midway (the database busy, the lake stopping); the
 * stream then ended as if whole, and `sanity dataset export` wrote a backup missing documents.
 */
import {expect, test} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {ndjsonLines} from '../../helpers/ndjson.ts'

const lake = useTestLake({inProcess: true})
/** Four pages of EXPORT_PAGE's 250 documents. */
const DOCS = 1000

test('an export cut short ends with an error line, not as a whole file; the closed dataset is a 503', async () => {
  const tx = lake().client().transaction()
  for (let i = 0; i < DOCS; i++) {
    tx.create({_id: `story-${String(i).padStart(4, '0')}`, _type: 'article', title: `খবর ${i}`})
  }
  await tx.commit()
  const res = await lake().fetch(`${lake().url}/v2025-02-19/data/export/test`, {
    headers: {authorization: `Bearer ${lake().token}`},
  })
  expect(res.status).toBe(200)
  const reader = res.body!.getReader()
  const first = (await reader.read()).value!
  // The dataset's database closes while the export is under way, as when the lake stops.
  lake().lake.context.stores.get('test').close()
  const lines = await ndjsonLines(reader, first)
  const documents = lines.filter((line) => typeof line._id === 'string')
  expect(documents.length).toBeGreaterThan(0)
  expect(documents.length).toBeLessThan(DOCS)
  // What @sanity/export rejects on (rejectOnApiError): a line without `_id`, with `statusCode`.
  expect(lines.at(-1)).toMatchObject({statusCode: 503, error: 'Service Unavailable'})
  // A request that arrives meanwhile is told the same, with when to try again (not a 500).
  const doc = await lake().fetch(`${lake().url}/v2025-02-19/data/doc/test/story-0001`, {
    headers: {authorization: `Bearer ${lake().token}`},
  })
  expect(doc.status).toBe(503)
  expect(doc.headers.get('retry-after')).toBe('5')
  expect(((await doc.json()) as {message: string}).message).toMatch(/shutting down/)
})
