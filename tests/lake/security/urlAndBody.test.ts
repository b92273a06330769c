/**
 * A POST's URL and body both giving one thing (a query's `query`, a mutation's `transactionId`):
 * which was meant is a guess, so a 400 naming both, as for `perspective`. Before, the body's won
 * without a word. The query route's 400s are all in hosted Sanity's shape, which @sanity/client
 * reads (`{error: {type, description}}`), and its 413 speaks of queries.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake()
})
afterAll(() => lake?.close())

const API = '/v2025-02-19'
const post = (path: string, body: unknown) =>
  fetch(`${lake.url}${API}${path}`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'},
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

async function badRequest(res: Response): Promise<string> {
  expect(res.status).toBe(400)
  const body = (await res.json()) as {error: {type: string; description: string}}
  expect(body.error.type).toBe('httpBadRequest')
  return body.error.description
}

describe('the URL and the body both giving one thing', () => {
  it("a query's `query`: a 400 naming both", async () => {
    const description = await badRequest(await post('/data/query/test?query=1', {query: '2'}))
    expect(description).toMatch(/"query".*URL.*body/)
  })

  it("a mutation's `transactionId`: a 400 naming both; nothing written", async () => {
    const res = await post('/data/mutate/test?transactionId=tx-2', {
      transactionId: 'tx-3',
      mutations: [{create: {_id: 'u1', _type: 'article'}}],
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as {message: string}).message).toMatch(/"transactionId".*URL.*body/)
    expect(await lake.client().getDocument('u1')).toBeUndefined()
    // Given once, in either place, it is the transaction's id.
    for (const [path, body] of [
      ['/data/mutate/test?transactionId=tx-4', {}],
      ['/data/mutate/test', {transactionId: 'tx-4b'}],
    ] as const) {
      const once = await post(path, {
        ...body,
        mutations: [{createOrReplace: {_id: 'u1', _type: 'a'}}],
      })
      expect(once.status).toBe(200)
      expect(((await once.json()) as {transactionId: string}).transactionId).toMatch(/^tx-4/)
    }
  })
})

describe("the query route's refusals", () => {
  it("are in hosted Sanity's shape, which @sanity/client reads", async () => {
    expect(await badRequest(await post('/data/query/test', {params: {}}))).toMatch(/"query"/)
    expect(await badRequest(await post('/data/query/test', {query: '1', params: []}))).toMatch(
      /"params"/,
    )
    const get = await fetch(`${lake.url}${API}/data/query/test`, {
      headers: {authorization: `Bearer ${lake.token}`},
    })
    expect(await badRequest(get)).toMatch(/"query"/)
    const twice = await post('/data/query/test?perspective=raw', {query: '1', perspective: 'raw'})
    expect(await badRequest(twice)).toMatch(/perspective/)
    const err = await lake
      .client()
      .request({method: 'POST', uri: '/data/query/test', body: {query: '1', params: 7}})
      .catch((e: Error) => e)
    expect((err as Error).message).toMatch(/^"params" must be an object/)
  })

  it('past the body limit: a 413 that speaks of queries, not transactions', async () => {
    const res = await post('/data/query/test', {query: `"${'ক'.repeat(2_000_000)}"`})
    expect(res.status).toBe(413)
    const text = await res.text()
    expect(text).toMatch(/query/i)
    expect(text).not.toMatch(/transactions/)
  })
})
