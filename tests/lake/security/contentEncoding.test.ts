/**
 * Request bodies in a content coding (`Content-Encoding: gzip`, `deflate`, `br`, or one nobody
 * knows). No Sanity client sends one (@sanity/client, the Studio, `sanity dataset import`: they
 * ask for compressed answers, never compress what they send), so the lake decodes none: each is a
 * 415 naming the coding and saying to send the body uncompressed, with `Accept-Encoding: identity`
 * (RFC 9110 15.5.16), before anything is read or stored. Until 2026-12-05 a gzipped write was a
 * misleading "invalid JSON" 400 and a gzipped upload was stored as its compressed bytes.
 */
import {gzipSync, deflateSync, brotliCompressSync} from 'node:zlib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {TRANSPORTS, type Transport} from '../studio/transport.ts'

let lake: TestLake
const API = '/v2025-02-19'

beforeAll(async () => {
  lake = await startTestLake()
})
afterAll(async () => {
  await lake?.close()
})

const CODINGS: [string, (bytes: Buffer) => Buffer][] = [
  ['gzip', (bytes) => gzipSync(bytes)],
  ['deflate', (bytes) => deflateSync(bytes)],
  ['br', (bytes) => brotliCompressSync(bytes)],
  ['x-gzip', (bytes) => gzipSync(bytes)],
  ['zstd', (bytes) => bytes],
  ['gzip, identity', (bytes) => gzipSync(bytes)],
]

let transport: Transport
let written = 0

/** Over HTTP/2 the body goes without a Content-Length, over HTTP/1.1 with one. */
function send(path: string, body: Buffer | undefined, headers: Record<string, string>) {
  return transport.request(`${lake.url}${API}${path}`, {
    method: path.startsWith('/users/me/keyvalue') ? 'PUT' : 'POST',
    body: body === undefined ? undefined : new Uint8Array(body),
    headers: {authorization: `Bearer ${lake.token}`, ...headers},
  })
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value))

describe.each(TRANSPORTS)('over $name', ({make}) => {
  beforeAll(() => {
    transport = make()
  })
  afterAll(() => transport.close())

  describe.each(CODINGS)('a body in Content-Encoding "%s"', (coding, encode) => {
    it('is a 415 naming the coding on a write, and nothing is written', async () => {
      const id = `coded-${++written}`
      const body = encode(json({mutations: [{create: {_id: id, _type: 'article', title: 'ক'}}]}))
      const res = await send('/data/mutate/test', body, {
        'content-type': 'application/json',
        'content-encoding': coding,
      })
      expect(res.status).toBe(415)
      expect(res.headers.get('accept-encoding')).toBe('identity')
      const answer = res.json<{message: string}>()
      expect(answer.message).toContain(`Content-Encoding "${coding}"`)
      expect(answer.message).toMatch(/uncompressed/)
      expect(await lake.client().getDocument(id)).toBeUndefined()
    })

    it('is a 415 on a query, an action and a key/value setting', async () => {
      const bodies: [string, unknown][] = [
        ['/data/query/test', {query: 'count(*)'}],
        ['/data/actions/test', {actions: []}],
        ['/users/me/keyvalue', [{key: 'k', value: 1}]],
      ]
      for (const [path, value] of bodies) {
        const res = await send(path, encode(json(value)), {
          'content-type': 'application/json',
          'content-encoding': coding,
        })
        expect(res.status, path).toBe(415)
        expect(res.json<{message: string}>().message, path).toContain(coding)
      }
    })

    it('is a 415 on an upload, and nothing is stored', async () => {
      const text = Buffer.from('এটি একটি নোট')
      const res = await send('/assets/files/test?filename=note.txt', encode(text), {
        'content-type': 'text/plain',
        'content-encoding': coding,
      })
      expect(res.status).toBe(415)
      expect(await lake.client().fetch('count(*[_type == "sanity.fileAsset"])')).toBe(0)
    })
  })

  describe('a body without a coding', () => {
    it.each(['identity', 'IDENTITY', ''])(
      'is read as before with Content-Encoding "%s"',
      async (c) => {
        const id = `identity-${++written}`
        const res = await send(
          '/data/mutate/test',
          json({mutations: [{create: {_id: id, _type: 'article', title: 'ক'}}]}),
          {'content-type': 'application/json', 'content-encoding': c},
        )
        expect(res.status).toBe(200)
        expect(await lake.client().getDocument(id)).toMatchObject({title: 'ক'})
      },
    )

    it('a request with a Content-Encoding but no body is not refused for it', async () => {
      const res = await send('/data/query/test', undefined, {
        'content-encoding': 'gzip',
        'content-length': '0',
      })
      expect(res.status).toBe(400)
      expect(res.text).not.toMatch(/Content-Encoding/)
      const get = await transport.request(`${lake.url}${API}/data/query/test?query=count(*)`, {
        headers: {authorization: `Bearer ${lake.token}`, 'content-encoding': 'gzip'},
      })
      expect(get.status).toBe(200)
    })
  })
})
