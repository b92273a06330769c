/** The count of requests under way, in process: what a route that throws gives back. */
import {Hono} from 'hono'
import {expect, it} from 'vitest'
import type {LakeContext} from '../../../lake/http/context.ts'
import {
  createRequestsInFlight,
  requestsInFlightMiddleware,
} from '../../../lake/http/requestsInFlight.ts'

/** An app counting its requests in `inFlight`, one caller (anonymous, no address) at most once. */
function appOf(inFlight = createRequestsInFlight({perCaller: 1, total: 2, anonymousBodies: 1})) {
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
  app.onError((_err, c) => c.text('failed', 500))
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
  const inFlight = createRequestsInFlight({perCaller: 2, total: 4, anonymousBodies: 1})
  const first = inFlight.enter('anonymous@a', true)
  expect(() => inFlight.enter('anonymous@a', true)).toThrow(/1 requests with a body under way/)
  // Not another address's, nor its requests without a body.
  inFlight.enter('anonymous@b', true)()
  const plain = inFlight.enter('anonymous@a')
  // Past the requests' own bound, the body's place taken first is given back.
  first()
  const other = inFlight.enter('anonymous@a')
  expect(() => inFlight.enter('anonymous@a', true)).toThrow(/2 requests under way/)
  other()
  plain()
  inFlight.enter('anonymous@a', true)()
  expect(inFlight.held).toBe(0)
})
