/**
 * An `order()` of many keys passes the query text's limits (1,990 single-name keys are within an
 * anonymous caller's 4,000 terms), but each key is two terms of the ORDER BY the planner gives
 * SQLite, which takes at most 2,000: an ordered slice of more than 999 keys was a 500 ("too many
 * terms in ORDER BY clause"), which @sanity/client retries. Such an order is groq-js's to sort: the
 * same answer as groq-js's own, for a signed-in and an anonymous caller, side-table fields too.
 */
import {evaluate, parse} from 'groq-js'
import {beforeAll, expect, it} from 'vitest'
import {LIMITS, scanQueryText} from '../../../lake/core/limits.ts'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake()

const DOCS = Array.from({length: 40}, (_, i) => ({
  _id: `a${String(i).padStart(2, '0')}`,
  _type: 'article',
  n: i % 7,
  rank: (i * 13) % 5,
  publishedAt: `2026-0${1 + (i % 9)}-01T00:00:00Z`,
}))

beforeAll(async () => {
  lake().server.lake.context.visibility.set('test', 'public')
  const tx = lake().client().transaction()
  for (const doc of DOCS) tx.create(doc)
  tx.create({_id: 'other', _type: 'source', n: 100})
  await tx.commit()
})

const keys = (count: number, key: (i: number) => string) =>
  Array.from({length: count}, (_, i) => key(i)).join(', ')

/** groq-js over the same documents, in the lake's order (by `_id`). */
async function groqJs(query: string): Promise<unknown> {
  const dataset = [...DOCS, {_id: 'other', _type: 'source', n: 100}].sort((a, b) =>
    a._id < b._id ? -1 : 1,
  )
  return (await evaluate(parse(query), {dataset})).get()
}

async function post(query: string, token: string | null) {
  const res = await fetch(`${lake().url}/v2025-02-19/data/query/test`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? {authorization: `Bearer ${token}`} : {}),
    },
    body: JSON.stringify({query}),
  })
  return {status: res.status, body: (await res.json()) as {result?: unknown}}
}

it.each([
  // Missing attributes tie: n and rank decide, ties by _id.
  ['1,100 keys of attributes', `n desc, ${keys(1098, (i) => `f${i}`)}, rank`],
  // A side-table field read off its own index (publishedAt), repeated.
  ['1,100 keys of a side-table field', keys(1100, () => 'publishedAt desc')],
])('an ordered slice of %s is answered as groq-js answers it', async (_, order) => {
  const query = `*[_type == "article"] | order(${order}) [0...12] {_id, n, rank}`
  expect(scanQueryText(query).terms).toBeLessThanOrEqual(LIMITS.query.terms)
  expect(scanQueryText(query).work).toBeLessThanOrEqual(LIMITS.query.parseWork)
  const expected = await groqJs(query)
  expect((expected as unknown[]).length).toBe(12)
  for (const token of [lake().token, null]) {
    const {status, body} = await post(query, token)
    expect(status, JSON.stringify(body).slice(0, 300)).toBe(200)
    expect(body.result).toEqual(expected)
  }
})
