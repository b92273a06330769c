/**
 * The query route reads a POSTed body straight from Node's request (lake/http/nodeRequest.ts).
 * Served by @hono/node-server on a socket: the body must arrive whole however it was sent, and
 * whether or not something before the route already read it through a Request.
 */
import {once} from 'node:events'
import {connect, type AddressInfo} from 'node:net'
import {PassThrough} from 'node:stream'
import {serve, type ServerType} from '@hono/node-server'
import {Hono, type Context} from 'hono'
import fc from 'fast-check'
import {afterAll, beforeAll, describe, expect, test, vi} from 'vitest'
import {
  decodeUtf8,
  jsonBody,
  requestHeader,
  requestSignal,
  sizedJsonBody,
  whenAnswered,
  type BodyArrival,
} from '../../../lake/http/nodeRequest.ts'

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
  // As a write route reads its body: a turn or more after its headers (the token's check, the
  // dataset), at a pace it watches; how many timers the read itself started is answered too.
  const arrival: BodyArrival = {withinMs: 60_000, within: 'test', windowMs: 10_000, windowBytes: 1}
  app.post('/paced', async (c) => {
    // Like a write route's first awaits (microtasks only), or a read a few turns later.
    if (c.req.query('later') !== undefined) await new Promise((resolve) => setTimeout(resolve, 20))
    else await Promise.resolve()
    const timers = vi.spyOn(globalThis, 'setTimeout')
    try {
      const {value, length} = await sizedJsonBody<unknown>(c, arrival)
      return c.json({got: value, length, timers: timers.mock.calls.length})
    } finally {
      timers.mockRestore()
    }
  })
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

describe('sizedJsonBody', () => {
  test("a body sent whole with its headers is taken at once, read in the route's first turn or later, no timer watching its pace", async () => {
    const small = {mutations: [{create: {_id: 'a', _type: 't', title: 'নির্বাচন'}}]}
    for (const path of ['/paced?later', '/paced']) {
      const res = await fetch(url + path, {method: 'POST', body: JSON.stringify(small)})
      expect(await res.json()).toEqual({
        got: small,
        length: JSON.stringify(small).length,
        timers: 0,
      })
    }
  })

  test('a body still arriving when the route reads it arrives whole, at a pace watched', async () => {
    const {port} = new URL(url)
    const text = JSON.stringify(big)
    const bytes = Buffer.from(text)
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1')
      const chunks: Buffer[] = []
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.on('end', () => {
        const got = Buffer.concat(chunks).toString('utf8')
        resolve(got.slice(got.indexOf('\r\n\r\n') + 4))
      })
      socket.on('error', reject)
      const head = `POST /paced HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${bytes.length}\r\n\r\n`
      // Half now, the rest after the route has begun to read.
      socket.write(Buffer.concat([Buffer.from(head), bytes.subarray(0, bytes.length >> 1)]))
      setTimeout(() => socket.write(bytes.subarray(bytes.length >> 1)), 200)
    })
    const parsed = JSON.parse(answer) as {got: unknown; length: number; timers: number}
    expect(parsed.got).toEqual(big)
    expect(parsed.length).toBe(text.length)
    expect(parsed.timers).toBeGreaterThan(0)
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

describe("a body's bytes are decoded as a fatal TextDecoder decodes them: UTF-8 or refused", () => {
  // Valid sequences of every length, a BOM, and the invalid ones the Encoding standard replaces:
  // lone continuation bytes, overlong forms, surrogates, past U+10FFFF, sequences cut short.
  const pieces = [
    [0xef, 0xbb, 0xbf],
    [0x41],
    [0xc3, 0xa9],
    [0xe0, 0xa6, 0x95],
    [0xf0, 0x9f, 0x98, 0x80],
    [0x80],
    [0xff],
    [0xc0, 0x80],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xe0, 0x80],
    [0xf0],
    [0xe0, 0xa6],
  ]
  const bytes = fc
    .array(fc.oneof(fc.constantFrom(...pieces), fc.array(fc.integer({min: 0, max: 255}))), {
      maxLength: 12,
    })
    .map((parts) => Buffer.from(parts.flat()))
  const decoder = new TextDecoder('utf-8', {fatal: true})
  const decoded = (decode: () => string) => {
    try {
      return decode()
    } catch (err) {
      return err instanceof Error && /not valid/.test(err.message) ? 'refused' : err
    }
  }

  test('alike for any bytes, a leading BOM dropped', () => {
    fc.assert(
      fc.property(bytes, (buffer) => {
        expect(decoded(() => decodeUtf8(buffer))).toBe(decoded(() => decoder.decode(buffer)))
      }),
      {numRuns: 20_000},
    )
  })

  test('a BOM after the first character is kept', () => {
    const buffer = Buffer.from([0x41, 0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf])
    expect(decodeUtf8(buffer)).toBe('A\ufeff\ufeff')
    expect(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]))).toBe('\ufeff')
  })
})

// The answer budget holds an answer's bytes until whenAnswered settles, asked once the answer is
// built: a client gone while its query ran had closed the response already, and listening then
// for 'finish' or 'close', which fire once, held those bytes for good.
describe('whenAnswered', () => {
  const contextOf = (outgoing: PassThrough) =>
    ({env: {incoming: new PassThrough(), outgoing}}) as unknown as Context
  const settled = (promise: Promise<void>) =>
    Promise.race([
      promise.then(() => 'settled'),
      new Promise((done) => setImmediate(() => done('pending'))),
    ])

  test('settles when the answer is sent or the client goes, asked before', async () => {
    const outgoing = new PassThrough()
    const sent = whenAnswered(contextOf(outgoing))!
    expect(await settled(sent)).toBe('pending')
    outgoing.destroy()
    expect(await settled(sent)).toBe('settled')
  })

  test('settles at once asked after the response closed or finished', async () => {
    const closed = new PassThrough()
    closed.destroy()
    await once(closed, 'close')
    expect(await settled(whenAnswered(contextOf(closed))!)).toBe('settled')
    const finished = new PassThrough()
    finished.resume()
    finished.end()
    await once(finished, 'finish')
    expect(await settled(whenAnswered(contextOf(finished))!)).toBe('settled')
  })
})

// Routes ask requestSignal after awaits (a write's body read, a query parsed, an export's first
// page): a client gone by then had closed the response, and a signal listening for 'close' then
// never aborted (the work ran on, an export's page waited for the budget for a client long gone).
describe('requestSignal', () => {
  const contextOf = (outgoing: PassThrough) =>
    ({env: {incoming: new PassThrough(), outgoing}}) as unknown as Context

  test('aborts when the client goes, asked before or after', async () => {
    const outgoing = new PassThrough()
    const before = requestSignal(contextOf(outgoing))
    expect(before.aborted).toBe(false)
    outgoing.destroy()
    await once(outgoing, 'close')
    expect(before.aborted).toBe(true)
    expect(requestSignal(contextOf(outgoing)).aborted).toBe(true)
  })

  test('does not abort for an answer sent whole, asked before or after', async () => {
    const outgoing = new PassThrough()
    const before = requestSignal(contextOf(outgoing))
    outgoing.resume()
    outgoing.end()
    await once(outgoing, 'close')
    expect(before.aborted).toBe(false)
    expect(requestSignal(contextOf(outgoing)).aborted).toBe(false)
  })
})
