/**
 * The sign-in form's refusals before its check: a browser shows what the form's POST is answered,
 * so a refusal there is the login page, its form as it was, and its message says why. Which
 * requests are the form's is the router's call: every spelling it routes to the form's handler
 * (slashes doubled, letters percent-encoded) is the form, and any other path keeps its JSON.
 * Raw HTTP/1.1 sockets from addresses of their own, so each test's holds are its own.
 */
import {connect, type Socket} from 'node:net'
import {DatabaseSync} from 'node:sqlite'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {lakeFile} from '../../../kit/localLake.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const STUDIO = 'http://localhost:3333/structure'
const sockets: Socket[] = []

afterAll(() => {
  for (const socket of sockets.splice(0)) socket.destroy()
})

interface Answer {
  status: number
  headers: string
  body: string
}

/** Sends `text` on a connection of its own from `from`; the whole answer once it closes. */
function send(lake: TestLake, from: string, text: string): Promise<Answer> {
  const socket = connect({port: lake.server.port, host: '127.0.0.1', localAddress: from})
  sockets.push(socket)
  let raw = ''
  socket.setEncoding('utf8')
  socket.on('error', () => {})
  socket.on('data', (chunk: string) => (raw += chunk))
  socket.write(text)
  return new Promise((resolve) =>
    socket.on('close', () => {
      const end = raw.indexOf('\r\n\r\n')
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0),
        headers: raw.slice(0, end),
        body: raw.slice(end + 4),
      })
    }),
  )
}

/** The sign-in form's POST to `path`, its fields as the login page sends them. */
function signIn(lake: TestLake, from: string, path: string): Promise<Answer> {
  // The page's form carries where to return both in its action's URL and as hidden fields.
  const fields = {origin: STUDIO, projectId: 'local', withSid: 'true'}
  const params = new URLSearchParams(fields)
  const body = new URLSearchParams({...fields, email: 'admin@localhost', password: 'x'}).toString()
  return send(
    lake,
    from,
    `POST ${path}?${params} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n` +
      'Content-Type: application/x-www-form-urlencoded\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

/** An anonymous query whose body begins and never ends; resolves once the lake counts it. */
async function holdBody(lake: TestLake, from: string): Promise<void> {
  const inFlight = lake.server.lake.context.inFlight
  const before = inFlight.held
  const socket = connect({port: lake.server.port, host: '127.0.0.1', localAddress: from})
  sockets.push(socket)
  socket.on('error', () => {})
  socket.write(
    'POST /v2025-02-19/data/query/test HTTP/1.1\r\nHost: localhost\r\n' +
      'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":',
  )
  while (inFlight.held === before) await new Promise((resolve) => setImmediate(resolve))
}

function expectLoginPage(answer: Answer, status: number): void {
  expect(answer.status).toBe(status)
  expect(answer.headers).toMatch(/\r\ncontent-type: text\/html/i)
  expect(answer.headers).toMatch(/\r\nretry-after: \d+/i)
  expect(answer.body).toContain('<form method="post"')
  expect(answer.body).toContain(`name="origin" value="${STUDIO}"`)
}

describe("past an address's share of bodies under way", () => {
  let lake: TestLake
  beforeAll(async () => {
    // One body of an address's at a time; the queries' deadline long, so none frees its place.
    lake = await startTestLake({
      tls: false,
      serverOptions: {queryTimeoutMs: 120_000, requestsInFlight: {anonymousBodies: 1}},
    })
  })
  afterAll(async () => {
    await lake?.close()
  })

  it.each([
    ['as the login page writes it', '/auth/login/local', '127.0.0.31'],
    ['with its leading slash doubled', '//auth/login/local', '127.0.0.32'],
    ['with a slash doubled inside', '/auth//login/local', '127.0.0.33'],
    ['with a letter percent-encoded', '/auth/login/%6Cocal', '127.0.0.34'],
    ['with its first letter percent-encoded', '/%61uth/login/local', '127.0.0.35'],
  ])('the sign-in form %s is refused with the login page', async (_, path, from) => {
    await holdBody(lake, from)
    const answer = await signIn(lake, from, path)
    expectLoginPage(answer, 429)
    // Its cause: this address's requests, not the editor's password nor the whole lake.
    expect(answer.body).toContain('Too many requests from this address are under way')
  })

  it('a path the router does not take to the form keeps its JSON refusal', async () => {
    const from = '127.0.0.22'
    await holdBody(lake, from)
    // Routes match strictly: a trailing slash is no route of the form's (its own answer is a 404).
    const answer = await signIn(lake, from, '/auth/login/local/')
    expect(answer.status).toBe(429)
    expect(answer.headers).toMatch(/\r\ncontent-type: application\/json/i)
  })
})

describe('past the lake-wide bound on requests under way', () => {
  let lake: TestLake
  beforeAll(async () => {
    lake = await startTestLake({
      tls: false,
      serverOptions: {queryTimeoutMs: 120_000, requestsInFlight: {total: 1}},
    })
  })
  afterAll(async () => {
    await lake?.close()
  })

  it("the sign-in form's 503 says the lake is busy, not this address", async () => {
    await holdBody(lake, '127.0.0.23')
    const answer = await signIn(lake, '127.0.0.24', '//auth/login/local')
    expectLoginPage(answer, 503)
    expect(answer.body).toContain('The lake has too many requests under way from all its callers')
    expect(answer.body).not.toContain('from this address')
  })
})

describe('with the accounts database locked by another program', () => {
  let lake: TestLake
  beforeAll(async () => {
    lake = await startTestLake({tls: false})
  })
  afterAll(async () => {
    await lake?.close()
  })

  it("the sign-in form's 503 says the accounts database was busy", async () => {
    // Another process (`npm run lake -- users add`) holding the write lock past the busy timeout.
    const other = new DatabaseSync(lakeFile(lake.dataDir, 'authDb'))
    other.exec('BEGIN IMMEDIATE')
    try {
      const answer = await signIn(lake, '127.0.0.25', '/auth/login/local')
      expectLoginPage(answer, 503)
      expect(answer.body).toContain('accounts database was busy')
      expect(answer.body).not.toContain('Too many requests')
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
  })
})
