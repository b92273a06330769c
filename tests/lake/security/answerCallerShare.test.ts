/**
 * One caller's unread answers may hold only its share of the lake's answer budget: before, a
 * single caller that asked many large answers and read none of them held the whole budget, and
 * every other caller's large answer was a 503 until it read or went. Past its share the caller's
 * next large answer is a 429 with Retry-After naming the share; its first answer passes whatever
 * its size, and other callers go on. A caller is whom its open streams count against
 * (principal.ts' streamHolder: its token or session, an anonymous caller's address).
 */
import {randomBytes} from 'node:crypto'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {http2Sessions} from '../../helpers/http2Sessions.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const MIB = 1024 * 1024

let lake: TestLake
/** A viewer's token: reading is all it takes. */
let viewer: string

beforeAll(async () => {
  // A budget of 2 MiB: ten answers of the 200 KB document below, one of the 1.5 MB one.
  lake = await startTestLake({serverOptions: {answerMemoryMb: 2}})
  viewer = (await lake.server.lake.auth!.store.createToken({label: 'viewer', role: 'viewer'})).token
  await lake.client().createOrReplace({
    _id: 'mid',
    _type: 'mid',
    blob: randomBytes(150 * 1024).toString('base64'),
  })
  await lake.client().createOrReplace({
    _id: 'big',
    _type: 'big',
    blob: randomBytes(MIB + MIB / 8).toString('base64'),
  })
})

/** Sessions destroyed after each test, which ends once no answer is held for them. */
const session = http2Sessions(() => lake, {answers: true})

afterAll(async () => {
  await lake?.close()
})

/** A client (none: anonymous) that lets the lake send nothing of any answer (an HTTP/2 window of 0). */
function stalledClient(token: string) {
  const stalled = session({unread: true})
  /** Asks for `path`; resolves with the status and Retry-After alone (no body can come). */
  return (path: string) =>
    new Promise<{status: number; retryAfter: string | undefined}>((resolve) => {
      const auth = token ? {authorization: `Bearer ${token}`} : {}
      const stream = stalled.request({':path': path, ...auth})
      stream.on('error', () => {})
      stream.once('response', (headers) =>
        resolve({
          status: Number(headers[':status']),
          retryAfter: headers['retry-after'] as string | undefined,
        }),
      )
    })
}

/** A query of the 200 KB document, distinct for each `i` (nothing shares an answer). */
const midQuery = (i: number) =>
  `/v2025-02-19/data/query/test?query=${encodeURIComponent(`*[_id == "mid" && ${i} == ${i}][0]`)}`

const get = (path: string, token: string) =>
  fetch(`${lake.url}${path}`, {headers: {authorization: `Bearer ${token}`}})

it("one caller's unread answers cannot take the budget from another caller's modest query", async () => {
  const ask = stalledClient(viewer)
  // Twelve answers of 200 KB, none read: more than the whole budget holds.
  const statuses: number[] = []
  for (let i = 0; i < 12; i++) statuses.push((await ask(midQuery(i))).status)
  // Counted before each answer's headers went out; read here, before another caller's answer,
  // whose release on the server's 'finish' may come after its client has read it all.
  expect(lake.server.lake.context.answers.held).toBeLessThanOrEqual(MIB / 2)

  // Another caller's query of the same size is answered meanwhile (before, a 503).
  const other = await get(midQuery(100), lake.token)
  expect(other.status).toBe(200)
  expect((await other.json()).result._id).toBe('mid')

  // The first caller was refused past its share of 512 KiB (two such answers), with a 429.
  expect(statuses.slice(0, 2)).toEqual([200, 200])
  expect(statuses.slice(2)).toEqual(Array(10).fill(429))
  const refused = await get(midQuery(101), viewer)
  expect(refused.status).toBe(429)
  expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
  expect((await refused.json()).message).toMatch(/this caller's answers not read yet/i)
})

it("a caller's first answer passes its share whatever its size, its next does not", async () => {
  const ask = stalledClient(viewer)
  // 1.5 MB: three times the caller's share of 512 KiB, within the lake's 2 MiB.
  expect((await ask('/v2025-02-19/data/doc/test/big')).status).toBe(200)
  await expect.poll(() => lake.server.lake.context.answers.held).toBeGreaterThan(MIB)
  const next = await ask(midQuery(1))
  expect(next.status).toBe(429)
  expect(next.retryAfter).toMatch(/^\d+$/)
  // Another caller's 200 KB answer still fits beside it.
  const other = await get(midQuery(2), lake.token)
  expect(other.status).toBe(200)
})

it('an anonymous caller holds its share by its address, beside a signed-in one', async () => {
  lake.server.lake.context.visibility.set('test', 'public')
  try {
    const ask = stalledClient('')
    const statuses: number[] = []
    for (let i = 0; i < 12 && statuses.at(-1) !== 429 && statuses.at(-1) !== 503; i++) {
      statuses.push((await ask(midQuery(200 + i))).status)
    }
    expect(statuses.at(-1)).toBe(429)
    expect((await get(midQuery(300), viewer)).status).toBe(200)
  } finally {
    lake.server.lake.context.visibility.set('test', 'private')
  }
})
