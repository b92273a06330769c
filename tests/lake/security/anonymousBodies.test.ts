/**
 * What one anonymous caller (an address) may hold of its address's connections with bodies it
 * never finishes. Every local process shares 127.0.0.1, the Studio in the browser too, and a
 * request whose body is arriving holds its connection (never displaced). With 1,024 requests under
 * way allowed a caller, above the 1,000 connections of an address, one process's slow bodies held
 * every connection of its address, and a signed-in editor's new connection from it was closed at
 * once. Raw sockets: each request on its own HTTP/1.1 connection, as such a process sends them.
 */
import {connect, type Socket} from 'node:net'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const API = '/v2025-02-19'

let lake: TestLake
beforeAll(async () => {
  // The lake's own caps; only the deadlines are long (a query's, and a write body's pace for the
  // logouts), so that no held body's 408 frees its place while the test counts: opening an
  // address's 1,000 connections one by one took longer than the 10 s window on a loaded machine.
  lake = await startTestLake({
    tls: false,
    serverOptions: {queryTimeoutMs: 120_000, bodyArrival: {windowMs: 120_000}},
  })
})
afterAll(async () => {
  await lake?.close()
})

const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await expect.poll(() => lake.server.lake.context.inFlight.held, {timeout: 20_000}).toBe(0)
})

interface Sent {
  socket: Socket
  /** The answer's status line, once any arrived. */
  status: () => number | null
  /** Whether the lake closed the connection. */
  closed: () => boolean
}

/**
 * Opens a connection from `from` (the anonymous caller's address and the editor's: one machine's
 * other processes) and sends `head` and the start of a body on it.
 */
function send(from: string, head: string, start = ''): Sent {
  const socket = connect({port: lake.server.port, host: '127.0.0.1', localAddress: from})
  sockets.push(socket)
  let status: number | null = null
  let closed = false
  let text = ''
  socket.setEncoding('latin1')
  socket.on('error', () => {})
  socket.on('data', (chunk: string) => {
    text += chunk
    const match = /^HTTP\/1\.1 (\d{3})/.exec(text)
    if (match) status = Number(match[1])
  })
  socket.on('close', () => (closed = true))
  socket.write(head + start)
  return {socket, status: () => status, closed: () => closed}
}

/** An anonymous request whose body begins and never ends. */
function heldBody(from: string, path: string): Sent {
  const head =
    `POST ${API}${path} HTTP/1.1\r\nHost: localhost\r\n` +
    'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n'
  return send(from, head, '{"query":')
}

/** Resolves once `ready` holds, looking again on every turn of the event loop. */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((resolve) => setImmediate(resolve))
}

describe("one anonymous caller's bodies under way", () => {
  // Each from an address of its own: no connection of the other test's is counted there.
  it.each([
    ['a query', '/data/query/test', '127.0.0.3'],
    ['a logout', '/auth/logout', '127.0.0.4'],
  ])(
    'are %s each of at most a share well below its address connections; an editor from it is served',
    async (_, path, from) => {
      const {perAddress} = LIMITS.connections
      const inFlight = lake.server.lake.context.inFlight
      const held: Sent[] = []
      // One at a time, each taken in hand (counted under way) or answered before the next: as
      // many as the address may have connections.
      for (let i = 0; i < perAddress; i++) {
        const before = inFlight.held
        const request = heldBody(from, path)
        held.push(request)
        await until(() => inFlight.held > before || request.status() !== null || request.closed())
      }
      const refused = held.filter((request) => request.status() !== null)
      // Well below the address's connections: the rest are left to its other callers.
      expect(held.length - refused.length).toBeLessThanOrEqual(perAddress / 8)
      expect(held.length - refused.length).toBe(LIMITS.requestsInFlight.anonymousBodies)
      expect(inFlight.held).toBe(LIMITS.requestsInFlight.anonymousBodies)
      for (const request of refused) expect(request.status()).toBe(429)
      // A refused body's connection is no longer mid-request: an editor's new connection from the
      // same address is taken (displacing such a one once it is quiet) and served.
      const editor = await new Promise<number>((resolve) => {
        const query = encodeURIComponent('count(*)')
        const request = send(
          from,
          `GET ${API}/data/query/test?query=${query} HTTP/1.1\r\nHost: localhost\r\n` +
            `Authorization: Bearer ${lake.token}\r\nConnection: close\r\n\r\n`,
        )
        request.socket.on('close', () => resolve(request.status() ?? 0))
      })
      expect(editor).toBe(200)
    },
  )
})

it("an editor's sign-in from an address whose bodies are held is refused with the login page", async () => {
  // The sign-in form is an anonymous request with a body, counted as the others (uncounted, a
  // process could hold the address's connections with trickled sign-ins); a browser shows what
  // it is answered, so the refusal is the page, its form as it was, not JSON.
  const from = '127.0.0.5'
  const inFlight = lake.server.lake.context.inFlight
  for (let i = 0; i < LIMITS.requestsInFlight.anonymousBodies; i++) {
    const before = inFlight.held
    const request = heldBody(from, '/data/query/test')
    await until(() => inFlight.held > before || request.status() !== null || request.closed())
  }
  const studio = 'http://localhost:3333/structure'
  const params = new URLSearchParams({origin: studio, projectId: 'local', withSid: 'true'})
  const body = new URLSearchParams({email: 'admin@localhost', password: 'x'}).toString()
  const answer = await new Promise<string>((resolve) => {
    const socket = connect({port: lake.server.port, host: '127.0.0.1', localAddress: from})
    sockets.push(socket)
    let text = ''
    socket.setEncoding('utf8')
    socket.on('error', () => {})
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('close', () => resolve(text))
    socket.write(
      `POST /auth/login/local?${params} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n` +
        'Content-Type: application/x-www-form-urlencoded\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  })
  expect(answer).toMatch(/^HTTP\/1\.1 429 /)
  expect(answer).toMatch(/\r\ncontent-type: text\/html/i)
  expect(answer).toMatch(/\r\nretry-after: \d+\r\n/i)
  // The form again, with where to return: the editor signs in once the address's bodies arrive.
  expect(answer).toContain('<form method="post"')
  expect(answer).toContain(`name="origin" value="${studio}"`)
})
