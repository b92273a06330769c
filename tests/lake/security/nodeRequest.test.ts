/**
 * The query route reads a POSTed body straight from Node's request (lake/http/nodeRequest.ts).
 * Served by @hono/node-server on a socket: the body must arrive whole however it was sent, and
 * whether or not something before the route already read it through a Request.
 */
import type {AddressInfo} from 'node:net'
import {serve, type ServerType} from '@hono/node-server'
import {Hono} from 'hono'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {jsonBody} from '../../../lake/http/nodeRequest.ts'

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
