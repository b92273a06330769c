/**
 * What query requests hold while they wait or run is bounded per caller (a 429) and lake-wide (a
 * 503), both with Retry-After: a declared body is refused before any of it is read, a chunked one
 * as soon as what arrived passes, and another caller within its share is answered. Slow bodies
 * (headers sent, the body not) hold their declared length meanwhile, as a waiting query holds its
 * parsed body.
 */
import {connect, type Socket} from 'node:net'
import {afterAll, afterEach, beforeAll, expect, it} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const PATH = '/v2025-02-19/data/query/test'
/** What one slow request declares: its weight with the request's own. */
const DECLARED = 1_000_000
const WEIGHT = DECLARED + LIMITS.queryRequests.requestBytes
/** Slow requests that fit in one caller's share. */
const PER_CALLER = Math.floor(LIMITS.queryRequests.callerBytes / WEIGHT)

let lake: TestLake
const tokens: string[] = []
let open: Socket[] = []

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  tokens.push(lake.token)
  for (let i = 0; i < 5; i++) {
    const {token} = await lake.server.lake.auth!.store.createToken({label: `r${i}`, role: 'viewer'})
    tokens.push(token)
  }
})

afterEach(async () => {
  for (const socket of open) socket.destroy()
  open = []
  // A request whose client went is released.
  await expect.poll(() => held()).toBe(0)
})

afterAll(() => lake?.close())

const held = () => lake.server.lake.context.queries.held

/**
 * A POST query over its own HTTP/1.1 connection: the head sent (declaring `declared` bytes, or
 * chunked without), the body only as `send` is called. `answer` is the raw response once it came.
 */
function slow(token: string, declared: number | null) {
  const socket = connect({port: lake.server.port, host: '127.0.0.1'})
  open.push(socket)
  socket.on('error', () => {})
  let text = ''
  const answer = new Promise<string>((resolve) => {
    socket.on('data', (chunk) => {
      text += chunk
      if (/\r\n\r\n/.test(text)) resolve(text)
    })
    socket.on('close', () => resolve(text))
  })
  socket.write(
    `POST ${PATH} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${token}\r\n` +
      `content-type: application/json\r\n` +
      (declared === null ? 'transfer-encoding: chunked\r\n' : `content-length: ${declared}\r\n`) +
      '\r\n',
  )
  return {
    answer,
    send: (bytes: string) =>
      socket.write(declared === null ? `${bytes.length.toString(16)}\r\n${bytes}\r\n` : bytes),
  }
}

/** Fills `token`'s share with slow requests and waits until the lake holds them. */
async function fill(token: string) {
  const before = held()
  const requests = Array.from({length: PER_CALLER}, () => slow(token, DECLARED))
  await expect.poll(() => held(), {timeout: 10_000}).toBe(before + PER_CALLER * WEIGHT)
  return requests
}

const query = (token: string, q = 'count(string::split("abc", ""))') =>
  fetch(`${lake.url}${PATH}?query=${encodeURIComponent(q)}`, {
    headers: {authorization: `Bearer ${token}`},
  })

it("refuses a caller's query past its share with 429 before reading its body; another caller is answered", async () => {
  await fill(tokens[0])
  const refused = await slow(tokens[0], DECLARED).answer
  expect(refused).toMatch(/^HTTP\/1\.1 429 /)
  expect(refused).toMatch(/\r\nretry-after: \d+\r\n/i)
  // Its body unread: the connection is not reused for the next request.
  expect(refused).toMatch(/\r\nconnection: close\r\n/i)
  expect(refused).toMatch(/This caller's queries waiting for or on a query thread hold \d+ bytes/)
  // What is left of its share still takes a small query.
  expect((await query(tokens[0])).status).toBe(200)

  const other = await query(tokens[1])
  expect(other.status).toBe(200)
  expect((await other.json()).result).toBe(3)
})

it('stops reading a chunked query body as soon as it passes the share', async () => {
  await fill(tokens[0])
  const chunked = slow(tokens[0], null)
  let answer = ''
  void chunked.answer.then((text) => (answer = text))
  // 64 KiB at a time while no answer came: the lake answers once what arrived passes.
  for (let sent = 0; sent < LIMITS.body.query && answer === ''; sent += 64 * 1024) {
    chunked.send('x'.repeat(64 * 1024))
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  expect(await chunked.answer).toMatch(/^HTTP\/1\.1 429 /)
})

it('refuses past the lake-wide bound with 503 lakeBusyError; a small query within it is answered', async () => {
  const callers = Math.ceil(LIMITS.queryRequests.lakeBytes / LIMITS.queryRequests.callerBytes)
  for (const token of tokens.slice(0, callers)) await fill(token)
  const last = tokens[callers]
  expect(held() + WEIGHT).toBeGreaterThan(LIMITS.queryRequests.lakeBytes)
  const refused = await slow(last, DECLARED).answer
  expect(refused).toMatch(/^HTTP\/1\.1 503 /)
  expect(refused).toMatch(/\r\nretry-after: \d+\r\n/i)
  expect(refused).toMatch(/The lake's queries waiting for or on a query thread hold/)
  // What is left still takes a small query.
  expect(held() + LIMITS.queryRequests.requestBytes).toBeLessThanOrEqual(
    LIMITS.queryRequests.lakeBytes,
  )
  expect((await query(last)).status).toBe(200)
})
