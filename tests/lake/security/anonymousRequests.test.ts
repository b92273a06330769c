/**
 * What one anonymous caller (an address) may have under way of requests without a body (GET
 * queries, pings, documents, images). Every local process shares 127.0.0.1, the Studio's browser
 * too, and a request under way holds its connection (never displaced): with 1,024 allowed, above
 * the address's 1,000 connections, one process's unread answers could hold every connection of
 * its address. A front page's render sends one query and its images a dozen at most; past its
 * share an address's next request is a 429 with Retry-After (@sanity/client retries a GET's), and
 * signed-in callers from it are not counted. Answers held over HTTP/2 by a window of 0: the
 * client reads none of them, so each stays under way until it goes.
 */
import type {ClientHttp2Session} from 'node:http2'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {http2Sessions} from '../../helpers/http2Sessions.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const API = '/v2025-02-19'

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake()
})
afterAll(async () => {
  await lake?.close()
})

const session = http2Sessions(() => lake)

interface Answer {
  status: number
  retryAfter: string | undefined
}

/** A ping's status and Retry-After, once its headers arrive (its body need not). */
function ping(on: ClientHttp2Session, token?: string): Promise<Answer> {
  const stream = on.request({
    ':path': `${API}/ping`,
    ...(token ? {authorization: `Bearer ${token}`} : {}),
  })
  stream.on('error', () => {})
  return new Promise((resolve) =>
    stream.on('response', (headers) =>
      resolve({
        status: Number(headers[':status']),
        retryAfter: headers['retry-after'] as string | undefined,
      }),
    ),
  )
}

it("an address's anonymous requests without a body are held to a share well below its connections", async () => {
  const {perAddress, streamsPerSession} = LIMITS.connections
  const tries = perAddress / 2
  const answers: Answer[] = []
  let unread = session({unread: true})
  let open = 0
  // One after another, each answered (its headers) before the next; a new session before one
  // would have opened more streams than it may have open.
  for (let i = 0; i < tries; i++) {
    if (open === streamsPerSession - 1) [unread, open] = [session({unread: true}), 0]
    answers.push(await ping(unread))
    open++
  }
  const served = answers.filter((answer) => answer.status === 200)
  const refused = answers.filter((answer) => answer.status !== 200)
  // Well below the address's connections: the rest are left to its other callers.
  expect(served.length).toBeLessThanOrEqual(perAddress / 4)
  expect(served.length).toBe(LIMITS.requestsInFlight.anonymous)
  expect(served.length + refused.length).toBe(tries)
  for (const answer of refused) {
    expect(answer.status).toBe(429)
    expect(Number(answer.retryAfter)).toBeGreaterThan(0)
  }
  // A signed-in caller from the same address is not counted in it, and is served.
  expect((await ping(session(), lake.token)).status).toBe(200)
  // Given back once the client goes: the address is served again.
  session.destroyAll()
  await expect.poll(() => lake.server.lake.context.inFlight.held, {timeout: 20_000}).toBe(0)
  expect((await ping(session())).status).toBe(200)
})
