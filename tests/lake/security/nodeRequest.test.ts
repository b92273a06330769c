/**
 * The query route reads a POSTed body straight from Node's request (lake/http/nodeRequest.ts).
 * Served by @hono/node-server on a socket: the body must arrive whole however it was sent, and
 * whether or not something before the route already read it through a Request.
 */
import {connect, type AddressInfo} from 'node:net'
import {serve, type ServerType} from '@hono/node-server'
import {Hono} from 'hono'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {jsonBody, requestHeader} from '../../../lake/http/nodeRequest.ts'

let server: ServerType
let url: string

beforeAll(async () => {
  const app = new Hono()
  // As a middleware might: the lightweight request becomes an undici Request, and a copy of it
  // is read whole, which reads Node's request to its end.
  app.use('/touched', async (c, next) => {
    await c.req.raw.clone().arrayBuffer()
    await next()
  })
  for (const path of ['/plain', '/touched']) {
    app.post(path, async (c) => c.json({got: await jsonBody<unknown>(c)}))
  }
  app.get('/headers', (c) => {
    const names = ['authorization', 'origin', 'content-type', 'x-many', 'x-none']
    // Read from Node's raw list first: Hono's c.req.header() makes its Headers object.
    const ours = names.map((name) => requestHeader(c, name))
    return c.json({ours, hono: names.map((name) => c.req.header(name))})
  })
  server = serve({fetch: app.fetch, port: 0, hostname: '127.0.0.1'})
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

const big = {query: '*', params: {s: 'নির্বাচন '.repeat(20_000)}}

describe('jsonBody', () => {
  test.each(['/plain', '/touched'])('%s: a body of many chunks arrives whole', async (path) => {
    const res = await fetch(url + path, {method: 'POST', body: JSON.stringify(big)})
    expect(await res.json()).toEqual({got: big})
  })

  test.each(['/plain', '/touched'])('%s: a chunked body arrives whole', async (path) => {
    const body = new Blob([JSON.stringify(big)]).stream()
    const res = await fetch(url + path, {method: 'POST', body, duplex: 'half'} as RequestInit)
    expect(await res.json()).toEqual({got: big})
  })
})

/** A GET with exactly these header lines, over a socket (fetch would tidy them). */
function rawGet(lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const {port} = new URL(url)
    const socket = connect(Number(port), '127.0.0.1')
    let text = ''
    socket.on('data', (chunk) => (text += chunk.toString('utf8')))
    socket.on('end', () => resolve(text.slice(text.indexOf('\r\n\r\n') + 4)))
    socket.on('error', reject)
    socket.write(
      ['GET /headers HTTP/1.1', 'Host: x', 'Connection: close', ...lines, '', ''].join('\r\n'),
    )
  })
}

describe('requestHeader', () => {
  test("reads a header as Hono's c.req.header does: any case, repeats joined, ends trimmed", async () => {
    const body = await rawGet([
      'AUTHORIZATION: Bearer one',
      'authorization: Bearer two',
      'Origin:   http://localhost:3333\t ',
      'content-Type: application/json',
      'X-Many: a',
      'x-many: b ,c',
    ])
    const {ours, hono} = JSON.parse(body) as {ours: unknown[]; hono: unknown[]}
    expect(ours).toEqual(hono)
    expect(ours).toEqual([
      'Bearer one, Bearer two',
      'http://localhost:3333',
      'application/json',
      'a, b ,c',
      null,
    ])
  })
})
