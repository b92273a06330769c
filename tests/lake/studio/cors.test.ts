/**
 * CORS: the Studio's origins (defaults, LAKE_CORS_ORIGINS, --cors-origin) are reflected with
 * credentials and the requested headers; any other origin gets no CORS headers and a 403 preflight.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {originWarning} from '../../../examples/front-page/lakeTarget.ts'
import {corsOrigins} from '../../../lake/http/cors.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {TRANSPORTS} from './transport.ts'

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake({
    env: {LAKE_CORS_ORIGINS: 'https://desk.example.org, http://10.0.0.5:3333'},
    serverOptions: {corsOrigins: ['http://studio.test:8080/']},
  })
})

afterAll(async () => {
  await lake?.close()
})

const preflight = (origin: string) => ({
  method: 'OPTIONS',
  headers: {
    origin,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'authorization,content-type,x-sanity-app',
  },
})

describe.each(TRANSPORTS)('CORS over $name', ({make}) => {
  const t = make()
  afterAll(() => t.close())

  it.each([
    'http://localhost:3333',
    'http://127.0.0.1:3333',
    'https://desk.example.org',
    'http://10.0.0.5:3333',
    'http://studio.test:8080',
  ])('allows %s with credentials and the requested headers', async (origin) => {
    const pre = await t.request(`${lake.url}/v2025-02-19/data/mutate/test`, preflight(origin))
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe(origin)
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true')
    expect(pre.headers.get('access-control-allow-headers')).toBe(
      'authorization,content-type,x-sanity-app',
    )
    expect(pre.headers.get('access-control-allow-methods')).toContain('PUT')

    const res = await t.request(`${lake.url}/v2026-05-04/users/me`, {
      headers: {origin, authorization: `Bearer ${lake.token}`},
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe(origin)
    expect(res.headers.get('access-control-allow-credentials')).toBe('true')
    expect(res.headers.get('vary')).toContain('Origin')
  })

  it.each(['https://evil.example', 'http://localhost:4444', 'null'])(
    'refuses %s: 403 preflight and no CORS headers',
    async (origin) => {
      const pre = await t.request(`${lake.url}/v2025-02-19/data/mutate/test`, preflight(origin))
      expect(pre.status).toBe(403)
      expect(pre.headers.get('access-control-allow-origin')).toBeNull()
      expect(pre.headers.get('access-control-allow-credentials')).toBeNull()

      const res = await t.request(`${lake.url}/v2026-05-04/users/me`, {headers: {origin}})
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
    },
  )

  it.each(['https://evil.example', 'http://localhost:4444', 'null'])(
    'answers %s’s CORS probe readably (allowed: false), and only the probe',
    async (origin) => {
      // @sanity/client and the Studio probe with credentials omitted and read `allowed: false`
      // to name the origin to add; without CORS headers the browser hides the answer.
      const probe = await t.request(`${lake.url}/v2025-02-19/check/cors`, {headers: {origin}})
      expect(probe.status).toBe(200)
      expect(probe.headers.get('access-control-allow-origin')).toBe(origin)
      expect(probe.headers.get('access-control-allow-credentials')).toBeNull()
      expect(probe.headers.get('vary')).toContain('Origin')
      expect(await probe.json()).toEqual({result: {allowed: false, withCredentials: false}})

      for (const path of [
        '/v2025-02-19/users/me',
        '/v2025-02-19/data/query/test?query=*[0]',
        '/v2025-02-19/projects/local',
        '/v2025-02-19/check/cors/x',
      ]) {
        const res = await t.request(`${lake.url}${path}`, {
          headers: {origin, authorization: `Bearer ${lake.token}`},
        })
        expect(res.headers.get('access-control-allow-origin'), path).toBeNull()
      }
    },
  )

  it('puts CORS headers on error responses too, so the Studio can read them', async () => {
    const res = await t.request(`${lake.url}/v2026-05-04/users/me`, {
      headers: {origin: 'http://localhost:3333', authorization: 'Bearer sk-revoked'},
    })
    expect(res.status).toBe(401)
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3333')
  })
})

// With --port 5400 the example's live updates silently broke: the lake allows only 3400.
it("warns npm run example's site when the lake does not allow its origin", async () => {
  expect(await originWarning(lake.url, 'http://localhost:3400')).toBeNull()
  const warning = await originWarning(lake.url, 'http://localhost:5400')
  expect(warning).toContain("does not allow this site's origin http://localhost:5400")
  expect(warning).toContain('LAKE_CORS_ORIGINS=http://localhost:5400')
})

it('rejects a configured origin that is not scheme://host[:port]', () => {
  expect(() => corsOrigins(['localhost:3333'], {})).toThrow(/Not a CORS origin/)
  expect(corsOrigins([], {LAKE_CORS_ORIGINS: 'HTTP://Example.ORG/'})).toContain(
    'http://example.org',
  )
})
