/** The app's router remembers its answers per method and path: the same answers as Hono's own. */
import {Hono} from 'hono'
import {TrieRouter} from 'hono/router/trie-router'
import {describe, expect, it} from 'vitest'
import {CACHED_MATCHES, CachedRouter, MAX_CACHED_PATH} from '../../../lake/http/cachedRouter.ts'

const ROUTES: [string, string][] = [
  ['GET', '/:version{v[^/]+}/data/query/:dataset'],
  ['POST', '/:version{v[^/]+}/data/query/:dataset'],
  ['POST', '/:version{v[^/]+}/data/mutate/:dataset'],
  ['GET', '/:version{v[^/]+}/data/doc/:dataset/:ids'],
  ['ALL', '/:version{v[^/]+}/*'],
  ['GET', '/auth/login/:provider'],
]

function routers() {
  const plain = new TrieRouter<string>()
  const cached = new CachedRouter<string>(new TrieRouter<string>())
  for (const [method, path] of ROUTES) {
    plain.add(method, path, `${method} ${path}`)
    cached.add(method, path, `${method} ${path}`)
  }
  return {plain, cached}
}

const REQUESTS: [string, string][] = [
  ['POST', '/v2025-02-19/data/mutate/production'],
  ['POST', '/v2025-02-19/data/mutate/staging'],
  ['GET', '/v2025-02-19/data/query/production'],
  ['GET', '/v1/data/doc/production/article-1,article-2'],
  ['GET', '/v1/data/doc/production/a%2Fb'],
  ['PUT', '/v2025-02-19/data/mutate/production'],
  ['GET', '/auth/login/sanity'],
  ['GET', '/nowhere'],
]

describe('CachedRouter', () => {
  it("answers as Hono's router does, first time and again", () => {
    const {plain, cached} = routers()
    for (let round = 0; round < 3; round++) {
      for (const [method, path] of REQUESTS) {
        expect(cached.match(method, path)).toEqual(plain.match(method, path))
      }
    }
    expect(cached.size).toBe(REQUESTS.length)
  })

  it('forgets its answers when a route is added', () => {
    const {cached} = routers()
    const before = cached.match('GET', '/auth/logout')
    expect(before[0]).toEqual([])
    cached.add('GET', '/auth/logout', 'logout')
    expect(cached.match('GET', '/auth/logout')[0].map(([handler]) => handler)).toEqual(['logout'])
  })

  it('keeps at most CACHED_MATCHES answers and matches long paths each time', () => {
    const {plain, cached} = routers()
    for (let i = 0; i < CACHED_MATCHES + 50; i++) cached.match('GET', `/v1/data/doc/p/id-${i}`)
    expect(cached.size).toBe(CACHED_MATCHES)
    const long = `/v1/data/doc/p/${'x'.repeat(MAX_CACHED_PATH)}`
    expect(cached.match('GET', long)).toEqual(plain.match('GET', long))
    expect(cached.size).toBe(CACHED_MATCHES)
  })

  it('routes a Hono app: parameters per request, not the first caller’s', async () => {
    const app = new Hono({router: new CachedRouter()})
    app.post('/:version{v[^/]+}/data/mutate/:dataset', (c) =>
      c.json({version: c.req.param('version'), dataset: c.req.param('dataset')}),
    )
    for (const dataset of ['one', 'two', 'one']) {
      const res = await app.request(`/v2025-02-19/data/mutate/${dataset}`, {method: 'POST'})
      expect(await res.json()).toEqual({version: 'v2025-02-19', dataset})
    }
  })
})
