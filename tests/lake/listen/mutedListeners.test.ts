/**
 * An ended session's listeners are muted (no more events, left open: the Studio 6.9.2 shows "The
 * structure tool crashed" for a `disconnect`, or for a 401 when its EventSource reconnects) and
 * still count among their user's 100 (not counting them let a user hold any number open: sign in,
 * open 100, sign out, again). So that the user, signed in again elsewhere, is not refused while a
 * signed-out tab keeps them open, a new listener past the cap ends the user's oldest muted one: a
 * plain end asking the client to wait long before reconnecting (`retry:`), never more than the
 * cap open, live listeners never ended for it.
 */
import {connect} from 'node:http2'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {collect, openSse, type SseReader} from './listeners.ts'

const API = '/v2025-02-19'
const CAP = LIMITS.listenersPerPrincipal
let lake: TestLake

// A lake each: the tests count every listener open in it.
beforeEach(async () => {
  lake = await startTestLake()
})

afterEach(async () => {
  await lake?.close()
})

const openCount = () => lake.server.lake.listenerStats().open

async function addUser(email: string): Promise<void> {
  await lake.server.lake.auth!.store.addUser({email, role: 'editor', password: `password-${email}`})
}

async function signIn(email: string): Promise<string> {
  const login = await fetch(`${lake.url}/auth/login/local`, {
    method: 'POST',
    headers: {'content-type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams({
      email,
      password: `password-${email}`,
      origin: 'http://localhost:3333',
      projectId: 'local',
    }).toString(),
    redirect: 'manual',
  })
  expect(login.status).toBe(302)
  const sid = /sid=([^&]+)/.exec(login.headers.get('location')!)![1]
  const fetched = await fetch(`${lake.url}/v2026-05-04/auth/fetch?sid=${sid}`)
  return ((await fetched.json()) as {token: string}).token
}

/** Signs the session out, and waits until each of its listeners has heard it is muted. */
async function signOut(session: string, readers: SseReader[]): Promise<void> {
  const out = await fetch(`${lake.url}/v2026-05-04/auth/logout`, {
    method: 'POST',
    headers: {authorization: `Bearer ${session}`},
  })
  expect(out.ok).toBe(true)
  await Promise.all(
    readers.map((reader) =>
      reader.until((messages) => messages.some((m) => /revoked/.test(m.comment ?? '')), 20_000),
    ),
  )
}

function listen(token: string): Promise<SseReader> {
  const query = encodeURIComponent('*[_type == "article"]')
  return openSse(`${lake.url}${API}/data/listen/test?query=${query}`, {
    authorization: `Bearer ${token}`,
  })
}

const welcomed = (reader: SseReader) =>
  reader.until((messages) => messages.some((m) => m.event === 'welcome'))

/** `count` listeners of `token`, opened one after another, each welcomed. */
async function openMany(token: string, count: number): Promise<SseReader[]> {
  const readers: SseReader[] = []
  for (let i = 0; i < count; i++) {
    const reader = await listen(token)
    readers.push(reader)
    expect(reader.status).toBe(200)
    await welcomed(reader)
  }
  return readers
}

/**
 * The reader's stream was ended by the lake as it ends a muted listener to make room: a plain
 * end (no `disconnect` or `channelError`, which @sanity/client takes as final; no reset), whose
 * last message asks the client to wait at least an hour before it reconnects (a reconnect gets
 * the ended session's 401), within what a timer can hold.
 */
async function endedToMakeRoom(reader: SseReader): Promise<void> {
  await reader.closed()
  expect(reader.errored()).toBe(false)
  expect(reader.messages.filter((m) => m.event !== undefined && m.event !== 'welcome')).toEqual([])
  const retry = Number(reader.messages.at(-1)?.retry)
  expect(retry).toBeGreaterThanOrEqual(3_600_000)
  expect(retry).toBeLessThanOrEqual(2 ** 31 - 1)
}

const closeAll = (readers: SseReader[]) => readers.forEach((reader) => reader.close())

/**
 * `count` listener requests of `token` sent at once over one HTTP/2 session (as a Studio sends its
 * listeners): their statuses, and what closes the session.
 */
async function listenAtOnce(token: string, count: number) {
  const session = connect(lake.url)
  session.on('error', () => {})
  const query = encodeURIComponent('*[_type == "article"]')
  const statuses = await Promise.all(
    Array.from(
      {length: count},
      () =>
        new Promise<number>((resolve, reject) => {
          const stream = session.request(
            {':path': `${API}/data/listen/test?query=${query}`, authorization: `Bearer ${token}`},
            {endStream: true},
          )
          stream.on('response', (headers) => resolve(Number(headers[':status'])))
          stream.on('error', reject)
          stream.resume()
        }),
    ),
  )
  return {statuses, close: () => session.destroy()}
}

// Hundreds of streams opened one by one: under a loaded machine's tests, the default 30 s is short.
describe(
  'an ended session’s muted listeners make room for the user’s new ones',
  {timeout: 240_000},
  () => {
    it(`signed in again, the ${CAP + 1}st listener is admitted and the oldest muted one ends`, async () => {
      await addUser('again@example.com')
      const first = await signIn('again@example.com')
      const readers = await openMany(first, CAP)
      try {
        const refused = await listen(first)
        expect(refused.status).toBe(429)
        await signOut(first, readers)
        const second = await signIn('again@example.com')
        const [a, b] = await openMany(second, 2)
        readers.push(a!, b!)
        // The oldest muted ones, in the order they were opened.
        await endedToMakeRoom(readers[0]!)
        await endedToMakeRoom(readers[1]!)
        expect(openCount()).toBe(CAP)
        expect(readers.slice(2).filter((reader) => reader.ended())).toEqual([])
      } finally {
        closeAll(readers)
      }
    })

    it(`signing in, opening ${CAP} and signing out, three times, never holds more than ${CAP}`, async () => {
      await addUser('loop@example.com')
      const rounds: SseReader[][] = []
      try {
        for (let round = 0; round < 3; round++) {
          const session = await signIn('loop@example.com')
          const readers = await openMany(session, CAP)
          rounds.push(readers)
          expect(openCount()).toBe(CAP)
          await signOut(session, readers)
          expect(openCount()).toBe(CAP)
        }
        for (const reader of rounds.slice(0, -1).flat()) await endedToMakeRoom(reader)
        expect(rounds.at(-1)!.filter((reader) => reader.ended())).toEqual([])
      } finally {
        closeAll(rounds.flat())
      }
    })

    it(`live listeners are never ended to make room: ${CAP} live ones and the next is a 429`, async () => {
      await addUser('live@example.com')
      const first = await signIn('live@example.com')
      const mutedOnes = await openMany(first, CAP / 2)
      const live: SseReader[] = []
      try {
        await signOut(first, mutedOnes)
        const second = await signIn('live@example.com')
        live.push(...(await openMany(second, CAP)))
        for (const reader of mutedOnes) await endedToMakeRoom(reader)
        const refused = await listen(second)
        expect(refused.status).toBe(429)
        expect(refused.headers.get('content-type') ?? '').toMatch(/json/)
        expect(openCount()).toBe(CAP)
        expect(live.filter((reader) => reader.ended())).toEqual([])
      } finally {
        closeAll([...mutedOnes, ...live])
      }
    })

    it('the holder is the user, not the session: another user’s muted listeners make no room', async () => {
      await addUser('x@example.com')
      await addUser('y@example.com')
      const x = await signIn('x@example.com')
      const xs = await openMany(x, CAP)
      const ys: SseReader[] = []
      try {
        await signOut(x, xs)
        // Two sessions of one user share the user's places.
        const y1 = await signIn('y@example.com')
        const y2 = await signIn('y@example.com')
        ys.push(...(await openMany(y1, CAP / 2)), ...(await openMany(y2, CAP / 2)))
        const refused = await listen(y2)
        expect(refused.status).toBe(429)
        expect(openCount()).toBe(2 * CAP)
        expect([...xs, ...ys].filter((reader) => reader.ended())).toEqual([])
        // X, signed in again, takes the place of X's oldest muted one.
        const xAgain = await listen(await signIn('x@example.com'))
        ys.push(xAgain)
        expect(xAgain.status).toBe(200)
        await welcomed(xAgain)
        await endedToMakeRoom(xs[0]!)
        expect(openCount()).toBe(2 * CAP)
      } finally {
        closeAll([...xs, ...ys])
      }
    })

    it(`${CAP + CAP / 2} new listeners at once while ${CAP} muted ones are open: ${CAP} admitted, ${CAP} open`, async () => {
      await addUser('burst@example.com')
      const first = await signIn('burst@example.com')
      const mutedOnes = await openMany(first, CAP)
      let close = () => {}
      try {
        await signOut(first, mutedOnes)
        const second = await signIn('burst@example.com')
        const burst = await listenAtOnce(second, CAP + CAP / 2)
        close = burst.close
        expect(burst.statuses.filter((status) => status === 200)).toHaveLength(CAP)
        expect(burst.statuses.filter((status) => status === 429)).toHaveLength(CAP / 2)
        for (const reader of mutedOnes) await endedToMakeRoom(reader)
        expect(openCount()).toBe(CAP)
      } finally {
        close()
        closeAll(mutedOnes)
      }
    })

    it('@sanity/client takes the end as a reconnect to wait for, not an error', async () => {
      await addUser('client@example.com')
      const first = await signIn('client@example.com')
      const listener = collect<{type: string}>(
        lake
          .client({token: first})
          .listen(
            '*[_type == "article"]',
            {},
            {events: ['welcome', 'mutation', 'reconnect']},
          ) as never,
      )
      const readers: SseReader[] = []
      try {
        await listener.until((events) => events.some((e) => e.type === 'welcome'))
        readers.push(...(await openMany(first, CAP - 1)))
        await signOut(first, readers)
        // The client's listener is the oldest, muted with the rest: it makes room.
        const second = await signIn('client@example.com')
        readers.push(...(await openMany(second, 1)))
        await listener.until((events) => events.some((e) => e.type === 'reconnect'))
        expect(listener.error()).toBeUndefined()
        expect(openCount()).toBe(CAP)
      } finally {
        listener.stop()
        closeAll(readers)
      }
    })
  },
)
