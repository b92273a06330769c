/** The count of requests under way, in process: what a route that throws gives back. */
import type {Server} from 'node:http'
import {connect} from 'node:net'
import {serve, type ServerType} from '@hono/node-server'
import {Hono} from 'hono'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {CallerBusyError} from '../../../lake/core/errors.ts'
import type {LakeContext} from '../../../lake/http/context.ts'
import {
  createRequestsInFlight,
  requestsInFlightMiddleware,
} from '../../../lake/http/requestsInFlight.ts'

/** An app counting its requests in `inFlight`, one caller (anonymous, no address) at most once. */
function appOf(
  inFlight = createRequestsInFlight({
    perCaller: 1,
    total: 2,
    anonymous: 1,
    anonymousAssets: 1,
    anonymousBodies: 1,
  }),
) {
  const app = new Hono()
  app.use('*', (c, next) => {
    c.set('lake', {inFlight} as unknown as LakeContext)
    return next()
  })
  app.use('*', requestsInFlightMiddleware())
  app.get('/ok', (c) => c.text('ok'))
  app.get('/fails', () => {
    throw new Error('the route failed')
  })
  // What is not an Error passes Hono's error handler by and reaches the middleware as thrown.
  app.get('/throws', () => {
    throw 'not an Error'
  })
  app.onError((err, c) =>
    err instanceof CallerBusyError ? c.text('busy', 429) : c.text('failed', 500),
  )
  return {app, inFlight}
}

it('gives back the count of an answered request and of one whose route failed', async () => {
  const {app, inFlight} = appOf()
  expect((await app.request('/ok')).status).toBe(200)
  expect((await app.request('/fails')).status).toBe(500)
  // Its caller's one place is free: a count kept would make this a 429.
  expect((await app.request('/fails')).status).toBe(500)
  expect(inFlight.held).toBe(0)
})

it('gives back the count of a request whose route threw past the error handler', async () => {
  const {app, inFlight} = appOf()
  await expect(app.request('/throws')).rejects.toBe('not an Error')
  expect(inFlight.held).toBe(0)
  await expect(app.request('/throws')).rejects.toBe('not an Error')
  expect(inFlight.held).toBe(0)
})

it("counts an anonymous caller's requests with a body in their own share too, given back with it", () => {
  const inFlight = createRequestsInFlight({
    perCaller: 2,
    total: 4,
    anonymous: 4,
    anonymousAssets: 4,
    anonymousBodies: 1,
  })
  const first = inFlight.enter('anonymous@a', 'anonymousBody')
  expect(() => inFlight.enter('anonymous@a', 'anonymousBody')).toThrow(
    /1 requests with a body under way/,
  )
  // Not another address's, nor its requests without a body.
  inFlight.enter('anonymous@b', 'anonymousBody').release()
  const plain = inFlight.enter('anonymous@a', 'anonymous')
  // Past the requests' own bound, the body's place taken first is given back.
  first.release()
  const other = inFlight.enter('anonymous@a', 'anonymous')
  expect(() => inFlight.enter('anonymous@a', 'anonymousBody')).toThrow(
    /This caller has 2 requests under way/,
  )
  other.release()
  plain.release()
  inFlight.enter('anonymous@a', 'anonymousBody').release()
  // A body that has arrived gives back its own place, its request still counted.
  const arrived = inFlight.enter('anonymous@a', 'anonymousBody')
  arrived.bodyArrived()
  const next = inFlight.enter('anonymous@a', 'anonymousBody')
  expect(inFlight.held).toBe(2)
  arrived.release()
  next.release()
  expect(inFlight.held).toBe(0)
})

it("counts an anonymous caller's requests in a share of their own; signed-in callers are not in it", () => {
  const inFlight = createRequestsInFlight({
    perCaller: 4,
    total: 8,
    anonymous: 2,
    anonymousAssets: 2,
    anonymousBodies: 1,
  })
  const plain = inFlight.enter('anonymous@a', 'anonymous')
  const body = inFlight.enter('anonymous@a', 'anonymousBody')
  expect(() => inFlight.enter('anonymous@a', 'anonymous')).toThrow(
    /anonymous callers have 2 requests under way \(at most 2\)/,
  )
  // Refused, it holds nothing: the lake still counts the two.
  expect(inFlight.held).toBe(2)
  // Another address's share is its own, and a signed-in caller's requests are in none.
  inFlight.enter('anonymous@b', 'anonymous').release()
  const signedIn = [1, 2, 3].map(() => inFlight.enter('user@x'))
  plain.release()
  inFlight.enter('anonymous@a', 'anonymous').release()
  body.release()
  for (const entered of signedIn) entered.release()
  expect(inFlight.held).toBe(0)
})

it("counts an anonymous caller's asset downloads in a share of their own, not in its requests'", () => {
  const inFlight = createRequestsInFlight({
    perCaller: 8,
    total: 8,
    anonymous: 1,
    anonymousAssets: 2,
    anonymousBodies: 1,
  })
  const request = inFlight.enter('anonymous@a', 'anonymous')
  // Its requests' share full, its images are still served, up to their own.
  const images = [1, 2].map(() => inFlight.enter('anonymous@a', 'anonymousAsset'))
  expect(() => inFlight.enter('anonymous@a', 'anonymousAsset')).toThrow(
    /anonymous callers have 2 asset downloads under way \(at most 2\)/,
  )
  expect(() => inFlight.enter('anonymous@a', 'anonymous')).toThrow(/1 requests under way/)
  expect(inFlight.held).toBe(3)
  images[0].release()
  inFlight.enter('anonymous@a', 'anonymousAsset').release()
  request.release()
  images[1].release()
  expect(inFlight.held).toBe(0)
})

describe("an anonymous caller's bodies over Node", () => {
  /**
   * Served by Node (the body's arrival is heard there): anonymous callers share one address, one
   * body under way at most, and `/slow` answers once `open` is called, its body read first.
   */
  let server: ServerType
  let base: string
  let open: () => void = () => {}
  let gate = Promise.resolve()
  const inFlight = createRequestsInFlight({
    perCaller: 8,
    total: 8,
    anonymous: 8,
    anonymousAssets: 8,
    anonymousBodies: 1,
  })
  beforeAll(async () => {
    const {app} = appOf(inFlight)
    app.post('/slow', async (c) => {
      const body = await c.req.text()
      await gate
      return c.text(body)
    })
    await new Promise<void>((resolve) => {
      server = serve({fetch: app.fetch, port: 0, hostname: '127.0.0.1'}, (info) => {
        base = `http://127.0.0.1:${info.port}`
        resolve()
      })
    })
  })
  afterAll(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    ;(server as Server).closeAllConnections()
    await closed
  })
  beforeEach(() => {
    gate = new Promise((resolve) => (open = resolve))
  })
  // A failed case's answers are let go, so that the next begins with nothing held.
  afterEach(async () => {
    open()
    await expect.poll(() => inFlight.held).toBe(0)
  })

  it('counts a body only while it arrives: a whole one waiting for its answer holds no place', async () => {
    const first = fetch(`${base}/slow`, {method: 'POST', body: 'a long query'})
    await expect.poll(() => inFlight.held).toBe(1)
    // The first's body has all arrived; its answer waits (a long query), as a public site's may.
    const second = await Promise.race([
      fetch(`${base}/slow`, {method: 'POST', body: 'another'}),
      expect
        .poll(() => inFlight.held)
        .toBe(2)
        .then(() => null),
    ])
    expect(second?.status ?? 'taken in hand').toBe('taken in hand')
    open()
    expect(await (await first).text()).toBe('a long query')
    await expect.poll(() => inFlight.held).toBe(0)
  })

  it('still counts a body that has not all arrived, and gives its place back when its client goes', async () => {
    const socket = connect({port: Number(new URL(base).port), host: '127.0.0.1'})
    socket.on('error', () => {})
    socket.write('POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nthe start')
    await expect.poll(() => inFlight.held).toBe(1)
    expect((await fetch(`${base}/slow`, {method: 'POST', body: 'x'})).status).toBe(429)
    socket.destroy()
    await expect.poll(() => inFlight.held).toBe(0)
    open()
    expect((await fetch(`${base}/slow`, {method: 'POST', body: 'x'})).status).toBe(200)
  })
})
