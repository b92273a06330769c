/**
 * Requests under way at once, per caller and lake-wide. Each request the lake is working on holds
 * its stream, its request objects and its route's promises, about 26 kB, until it is answered; a
 * write whose body never comes is answered (a 408) only after the body arrival's window, 10 s.
 * Over HTTP/2 a session takes as many streams as its client opens: one editor's 8 sessions of
 * 6,000 such writes grew a lake from 129 MB to 1.39 GB, and an anonymous caller's logouts (any
 * route reads a small body) 4 × 6,000 to 731 MB, each burst again as soon as the last was
 * answered. Past a caller's bound the lake answers a 429 at once, past the lake's a 503, both with
 * Retry-After, and others are served.
 */
import type {ClientHttp2Session} from 'node:http2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {http2Sessions} from '../../helpers/http2Sessions.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const PER_CALLER = 20
const TOTAL = 30
const API = '/v2025-02-19'

let lake: TestLake
let other: string

beforeAll(async () => {
  lake = await startTestLake({
    serverOptions: {requestsInFlight: {perCaller: PER_CALLER, total: TOTAL}},
  })
  other = (await lake.server.lake.auth!.store.createToken({label: 'other', role: 'editor'})).token
})
afterAll(async () => {
  await lake?.close()
})

/** Sessions destroyed after each test, which ends once nothing is held for them. */
const newSession = http2Sessions(() => lake)

interface Held {
  status: Promise<{status: number; retryAfter: string | undefined; body: string}>
  cancel(): void
}

/** A write whose body begins and never ends (as a stalled or hostile client's). */
function heldWrite(session: ClientHttp2Session, token: string | null): Held {
  const stream = session.request({
    ':method': 'POST',
    ':path': `${API}/data/mutate/test`,
    ...(token ? {authorization: `Bearer ${token}`} : {}),
    'content-type': 'application/json',
    'content-length': '100',
  })
  stream.on('error', () => {})
  stream.write('{"mutations":')
  const status = new Promise<{status: number; retryAfter: string | undefined; body: string}>(
    (resolve) => {
      let head: {status: number; retryAfter: string | undefined} = {status: 0, retryAfter: ''}
      let body = ''
      stream.setEncoding('utf8')
      stream.on('response', (headers) => {
        head = {status: Number(headers[':status']), retryAfter: headers['retry-after'] as string}
      })
      stream.on('data', (chunk: string) => (body += chunk))
      stream.on('close', () => resolve({...head, body}))
    },
  )
  return {status, cancel: () => stream.close()}
}

async function write(session: ClientHttp2Session, token: string, id: string): Promise<number> {
  const stream = session.request({
    ':method': 'POST',
    ':path': `${API}/data/mutate/test`,
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
  })
  stream.end(JSON.stringify({mutations: [{createOrReplace: {_id: id, _type: 'headline'}}]}))
  stream.resume()
  return new Promise((resolve, reject) => {
    stream.on('response', (headers) => resolve(Number(headers[':status'])))
    stream.on('error', reject)
  })
}

/** The first `count` answers of `held` (the ones past a bound: the rest wait for their bodies). */
async function firstAnswers<T>(held: {status: Promise<T>}[], count: number): Promise<T[]> {
  const answers: T[] = []
  for (const h of held) void h.status.then((answer) => answers.push(answer))
  while (answers.length < count) await new Promise((resolve) => setTimeout(resolve, 20))
  return answers.slice(0, count)
}

describe('requests under way', () => {
  it(`one caller past ${PER_CALLER} is a 429 at once; another caller is served`, async () => {
    const session = newSession()
    const held = Array.from({length: PER_CALLER + 10}, () => heldWrite(session, lake.token))
    try {
      const refused = await firstAnswers(held, 10)
      for (const answer of refused) {
        expect(answer.status).toBe(429)
        expect(answer.retryAfter).toBe('1')
        expect(JSON.parse(answer.body).message).toMatch(
          new RegExp(`${PER_CALLER} requests under way`),
        )
      }
      // Another token is served while the first holds its share.
      const second = newSession()
      expect(await write(second, other, 'other-caller')).toBe(200)
      // The lake's bound: the other caller's held writes beyond what is left are a 503.
      const others = Array.from({length: TOTAL - PER_CALLER + 5}, () => heldWrite(second, other))
      const past = await firstAnswers(others, 5)
      expect(past.map((answer) => answer.status)).toEqual(Array(5).fill(503))
      for (const h of others) h.cancel()
      await Promise.all(others.map((h) => h.status))
      second.close()
    } finally {
      for (const h of held) h.cancel()
      await Promise.all(held.map((h) => h.status))
    }
    // Given back when the client gives up on them: the caller is served again.
    const again = newSession()
    expect(await write(again, lake.token, 'served-again')).toBe(200)
    again.close()
    session.close()
  })

  it('an answer its client does not take counts until it is sent; a client gone frees it', async () => {
    // Counted until the route had its answer, a small answer (a query's, under the answer budget's
    // 256 KiB) a client let nothing of be sent (an HTTP/2 window of 0) was held for as long as the
    // client liked: 4 sessions' 1,024 answers of 200 KB each held 102 MB of buffers, and one
    // address may have 1,000 sessions of 256 streams.
    const session = newSession({unread: true})
    const query = (i: number) =>
      new Promise<number>((resolve) => {
        const stream = session.request({
          ':path': `${API}/data/query/test?query=${encodeURIComponent(`count(*[_id != "${i}"])`)}`,
          authorization: `Bearer ${lake.token}`,
        })
        stream.on('error', () => {})
        stream.on('response', (headers) => resolve(Number(headers[':status'])))
      })
    // One after another: each has its answer before the next is sent.
    const statuses: number[] = []
    for (let i = 0; i < PER_CALLER + 5; i++) statuses.push(await query(i))
    expect(statuses.filter((status) => status === 200)).toHaveLength(PER_CALLER)
    expect(statuses.filter((status) => status === 429)).toHaveLength(5)
    // Another caller is served meanwhile.
    const second = newSession()
    expect(await write(second, other, 'served-beside-unread')).toBe(200)
    second.close()
    // The client goes: its answers are given up, and its share with them.
    session.destroy()
    const again = newSession()
    let status = 0
    for (let tries = 0; tries < 100 && status !== 200; tries++) {
      status = await write(again, lake.token, 'served-after-unread')
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(status).toBe(200)
    again.close()
  })

  it.each([
    ['an export', `${API}/data/export/test`],
    ['a transaction log', `${API}/data/history/test/transactions/paged`],
  ])(
    '%s its client does not take counts until it is sent; a client gone frees it',
    async (_, path) => {
      // Counted only until its stream began, a caller's paged answers (exports, history logs) were
      // bounded by nothing but its connections: 1,000 sessions of 256 streams an address, each
      // export holding its stream, its pages' reader and the page its client has not taken.
      const first = newSession()
      expect(await write(first, lake.token, 'paged')).toBe(200)
      first.close()
      const session = newSession({unread: true})
      const open = () =>
        new Promise<number>((resolve) => {
          const stream = session.request({':path': path, authorization: `Bearer ${lake.token}`})
          stream.on('error', () => {})
          stream.on('response', (headers) => resolve(Number(headers[':status'])))
        })
      const statuses: number[] = []
      for (let i = 0; i < PER_CALLER + 5; i++) statuses.push(await open())
      // Another caller is served meanwhile.
      const second = newSession()
      expect(await write(second, other, 'served-beside-paged')).toBe(200)
      second.close()
      expect(statuses.filter((status) => status === 200)).toHaveLength(PER_CALLER)
      expect(statuses.filter((status) => status === 429)).toHaveLength(5)
      // The client goes: its answers are given up, and its share with them.
      session.destroy()
      await expect.poll(() => lake.server.lake.context.inFlight.held).toBe(0)
    },
  )

  it('an HTTP/2 session is told how many streams it may have open at once', async () => {
    const session = newSession()
    await new Promise((resolve) => session.once('remoteSettings', resolve))
    // Node's default is 4,294,967,295: one session's 20,000 held writes were all taken in hand.
    expect(session.remoteSettings.maxConcurrentStreams).toBe(LIMITS.connections.streamsPerSession)
    expect(LIMITS.connections.streamsPerSession).toBeLessThanOrEqual(256)
    session.close()
  })

  it('anonymous callers count by address, on any route that reads a body', async () => {
    const session = newSession()
    const held = Array.from({length: PER_CALLER + 3}, () => {
      const stream = session.request({
        ':method': 'POST',
        ':path': `${API}/auth/logout`,
        'content-length': '100',
      })
      stream.on('error', () => {})
      stream.write('x')
      const status = new Promise<number>((resolve) => {
        let code = 0
        stream.on('response', (headers) => (code = Number(headers[':status'])))
        stream.on('close', () => resolve(code))
        stream.resume()
      })
      return {status, cancel: () => stream.close()}
    })
    try {
      expect(await firstAnswers(held, 3)).toEqual([429, 429, 429])
    } finally {
      for (const h of held) h.cancel()
      await Promise.all(held.map((h) => h.status))
      session.close()
    }
  })
})
