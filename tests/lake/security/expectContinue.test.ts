/**
 * `Expect: 100-continue` (curl sends it for bodies over 1 MB, some clients and proxies too): the
 * client sends the headers and waits for "100 Continue" before its body. Node's HTTP server sent
 * the 100 itself before the lake saw the request, so a client uploaded a whole body the lake then
 * refused from its headers alone (too large, no token or a revoked one, a role that may not write,
 * a dataset name that is none). Now the 100 goes out when the lake begins to read the body, and a
 * request refused first gets its usual JSON answer at once, its connection closed (the body never
 * came, so nothing of it can be read as the next request). Over plain HTTP/1.1, HTTPS's HTTP/1.1
 * fallback and HTTP/2. An expectation the lake does not know is a JSON 417 saying what to send.
 */
import {connect as h2connect, type IncomingHttpHeaders} from 'node:http2'
import net from 'node:net'
import tls from 'node:tls'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {DEFAULT_MAX_UPLOAD_BYTES} from '../../../lake/http/routes/assets.ts'
import {lakeClient, startTestLake, type TestLake} from '../../helpers/lake.ts'

const lakes: Record<'http' | 'https', TestLake | undefined> = {http: undefined, https: undefined}
/** Each lake's tokens of a viewer and of a revoked editor. */
const tokens = new Map<TestLake, {viewer: string; revoked: string}>()

beforeAll(async () => {
  lakes.http = await startTestLake({tls: false})
  lakes.https = await startTestLake()
  for (const lake of [lakes.http!, lakes.https!]) {
    const store = lake.server.lake.auth!.store
    const viewer = (await store.createToken({label: 'viewer', role: 'viewer'})).token
    const revoked = (await store.createToken({label: 'revoked', role: 'editor'})).token
    store.revokeToken(revoked)
    tokens.set(lake, {viewer, revoked})
  }
})
afterAll(async () => {
  await lakes.http?.close()
  await lakes.https?.close()
})

/** A raw HTTP/1.1 connection: what arrived so far, and whether the lake closed it. */
function open(kind: 'http' | 'https') {
  const lake = lakes[kind]!
  const socket =
    kind === 'http'
      ? net.connect(lake.server.port, '127.0.0.1')
      : tls.connect({
          port: lake.server.port,
          host: '127.0.0.1',
          servername: 'localhost',
          ALPNProtocols: ['http/1.1'],
          ca: lake.ca!,
        })
  const state = {text: '', closed: false}
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => (state.text += chunk))
  socket.on('close', () => (state.closed = true))
  socket.on('error', () => {})
  const ready = new Promise<void>((resolve) =>
    socket.once(kind === 'http' ? 'connect' : 'secureConnect', () => resolve()),
  )
  /**
   * Waits until `done` holds of what arrived, or the connection closed. Not timed (it gave up
   * after 5 s, 2 s for a close, which a loaded machine's pauses can take): a lake that never
   * answers or closes meets the test's timeout.
   */
  const until = async (done: (text: string) => boolean) => {
    while (!done(state.text) && !state.closed) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    return state.text
  }
  return {socket, state, ready, until}
}

/** The answer in `text` (after any 100s): its status, head and JSON body. */
function finalAnswer(text: string) {
  const answers = text.split(/(?=HTTP\/1\.1 )/)
  const last = answers[answers.length - 1]
  const [head, body = ''] = last.split('\r\n\r\n')
  return {status: Number(head.split(' ')[1]), head, body, continues: answers.length - 1}
}

const whole = (text: string) => {
  const {head, body} = finalAnswer(text)
  const length = /content-length: (\d+)/i.exec(head)
  return length !== null && Buffer.byteLength(body) >= Number(length[1])
}

const API = '/v2025-02-19'

function head(
  method: string,
  path: string,
  headers: Record<string, string | number | undefined>,
): string {
  const lines = Object.entries({Host: 'localhost', ...headers})
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}: ${value}\r\n`)
  return `${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n`
}

/** Sends `request` (headers only) and reads until the lake answers whole or closes. */
async function refusal(kind: 'http' | 'https', request: string) {
  const connection = open(kind)
  await connection.ready
  connection.socket.write(request)
  const text = await connection.until(whole)
  // The lake closes a connection whose body it never asked for.
  await connection.until(() => false)
  const closed = connection.state.closed
  connection.socket.destroy()
  return {...finalAnswer(text), text, closed}
}

type Case = [
  string,
  (lake: TestLake) => {path: string; headers: Record<string, string | number | undefined>},
  number,
]

const bearer = (token: string) => `Bearer ${token}`

const CASES: Case[] = [
  [
    'a write past the body limit',
    (lake) => ({
      path: `${API}/data/mutate/test`,
      headers: {Authorization: bearer(lake.token), 'Content-Length': LIMITS.body.write + 1},
    }),
    413,
  ],
  [
    'a query past its body limit',
    (lake) => ({
      path: `${API}/data/query/test`,
      headers: {Authorization: bearer(lake.token), 'Content-Length': LIMITS.body.query + 1},
    }),
    413,
  ],
  [
    'a write with no token',
    () => ({path: `${API}/data/mutate/test`, headers: {'Content-Length': 2_000_000}}),
    401,
  ],
  [
    'a write with a revoked token',
    (lake) => ({
      path: `${API}/data/actions/test`,
      headers: {Authorization: bearer(tokens.get(lake)!.revoked), 'Content-Length': 2_000_000},
    }),
    401,
  ],
  [
    "a write by a role that may not write (viewer's)",
    (lake) => ({
      path: `${API}/data/mutate/test`,
      headers: {Authorization: bearer(tokens.get(lake)!.viewer), 'Content-Length': 2_000_000},
    }),
    403,
  ],
  [
    'a write to a dataset name that is none',
    (lake) => ({
      path: `${API}/data/mutate/Not~A~Dataset`,
      headers: {Authorization: bearer(lake.token), 'Content-Length': 2_000_000},
    }),
    400,
  ],
  [
    // Read up to the limit (512 MiB by default), then refused, until 2026-12-05.
    'an upload whose declared length is past the upload limit',
    (lake) => ({
      path: `${API}/assets/files/test`,
      headers: {Authorization: bearer(lake.token), 'Content-Length': DEFAULT_MAX_UPLOAD_BYTES + 1},
    }),
    400,
  ],
  [
    'an upload with no token',
    () => ({path: `${API}/assets/images/test`, headers: {'Content-Length': 5_000_000}}),
    401,
  ],
  [
    // Given its 100 and up to 64 KiB read (every other route's body limit) before the 404, until
    // 2026-12-05.
    'a POST to a route that is none',
    (lake) => ({
      path: `${API}/no/such/route`,
      headers: {Authorization: bearer(lake.token), 'Content-Length': 2_000_000},
    }),
    404,
  ],
  [
    'a POST to a route that only reads (GET)',
    () => ({path: `${API}/data/doc/test/some-id`, headers: {'Content-Length': 50_000}}),
    404,
  ],
]

describe.each(['http', 'https'] as const)('over %s (HTTP/1.1)', (kind) => {
  it.each(CASES)(
    '%s: its usual JSON answer at once, no 100, the connection closed',
    async (_, request, status) => {
      const lake = lakes[kind]!
      const {path, headers} = request(lake)
      const json = {'Content-Type': 'application/json'}
      const without = await refusal(kind, head('POST', path, {...json, ...headers}))
      const withExpect = await refusal(
        kind,
        head('POST', path, {...json, ...headers, Expect: '100-continue'}),
      )
      expect(without.status).toBe(status)
      expect(withExpect.text).not.toMatch(/100 Continue/)
      expect(withExpect.status).toBe(status)
      expect(withExpect.head).toMatch(/content-type: application\/json/i)
      expect(JSON.parse(withExpect.body)).toEqual(JSON.parse(without.body))
      expect(withExpect.head).toMatch(/connection: close/i)
      expect(withExpect.closed).toBe(true)
    },
  )

  it('a write that is fine gets the 100 before its body, then its answer, and the connection stays', async () => {
    const lake = lakes[kind]!
    const id = `expect-continue-${kind}`
    const body = JSON.stringify({mutations: [{create: {_id: id, _type: 'headline', title: 'ক'}}]})
    const connection = open(kind)
    await connection.ready
    connection.socket.write(
      head('POST', `${API}/data/mutate/test`, {
        Authorization: bearer(lake.token),
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        Expect: '100-continue',
      }),
    )
    const first = await connection.until((text) => text.includes('\r\n\r\n'))
    expect(first).toBe('HTTP/1.1 100 Continue\r\n\r\n')
    connection.socket.write(body)
    const answer = finalAnswer(await connection.until(whole))
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.body)).toMatchObject({results: [{id, operation: 'create'}]})
    expect(answer.head).not.toMatch(/connection: close/i)
    // The same connection takes the next request.
    const before = connection.state.text.length
    connection.socket.write(head('GET', `${API}/ping`, {}))
    await connection.until((text) => whole(text.slice(before)))
    expect(finalAnswer(connection.state.text.slice(before)).status).toBe(200)
    connection.socket.destroy()
    expect(await lake.client().getDocument(id)).toMatchObject({_id: id, title: 'ক'})
  })

  it('an expectation the lake does not know is a JSON 417 saying what to send', async () => {
    const lake = lakes[kind]!
    const answer = await refusal(
      kind,
      head('POST', `${API}/data/mutate/test`, {
        Authorization: bearer(lake.token),
        'Content-Type': 'application/json',
        'Content-Length': 20,
        Expect: 'something-else',
      }),
    )
    expect(answer.status).toBe(417)
    expect(answer.head).toMatch(/content-type: application\/json/i)
    const body = JSON.parse(answer.body) as {statusCode: number; error: string; message: string}
    expect(body).toMatchObject({statusCode: 417, error: 'Expectation Failed'})
    expect(body.message).toMatch(/"something-else"/)
    expect(body.message).toMatch(/100-continue/)
    expect(answer.closed).toBe(true)
  })
})

describe('over HTTP/2', () => {
  /** A request with `headers`, its body held until a 100 comes (then `body` sent). */
  function h2request(headers: Record<string, string | number>, body: string | null) {
    const session = h2connect(lakes.https!.url)
    return new Promise<{continued: boolean; headers: IncomingHttpHeaders; body: string}>(
      (resolve, reject) => {
        const stream = session.request({':method': 'POST', ...headers})
        let continued = false
        stream.on('continue', () => {
          continued = true
          if (body !== null) stream.end(body)
        })
        let answer: IncomingHttpHeaders = {}
        let text = ''
        stream.setEncoding('utf8')
        stream.on('response', (h) => (answer = h))
        stream.on('data', (chunk: string) => (text += chunk))
        stream.on('close', () => {
          session.close()
          resolve({continued, headers: answer, body: text})
        })
        stream.on('error', reject)
      },
    )
  }

  it('a write past the body limit is its 413 at once, with no 100', async () => {
    const lake = lakes.https!
    const answer = await h2request(
      {
        ':path': `${API}/data/mutate/test`,
        authorization: bearer(lake.token),
        'content-type': 'application/json',
        'content-length': LIMITS.body.write + 1,
        expect: '100-continue',
      },
      null,
    )
    expect(answer.continued).toBe(false)
    expect(answer.headers[':status']).toBe(413)
    expect(JSON.parse(answer.body)).toMatchObject({statusCode: 413, error: 'Payload Too Large'})
  })

  it('a POST to a route that is none is its 404 at once, with no 100', async () => {
    const answer = await h2request(
      {
        ':path': `${API}/no/such/route`,
        authorization: bearer(lakes.https!.token),
        'content-length': 2_000_000,
        expect: '100-continue',
      },
      null,
    )
    expect(answer.continued).toBe(false)
    expect(answer.headers[':status']).toBe(404)
    expect(JSON.parse(answer.body)).toMatchObject({statusCode: 404, error: 'Not Found'})
  })

  it('an expectation the lake does not know is the JSON 417', async () => {
    const answer = await h2request(
      {
        ':path': `${API}/data/mutate/test`,
        authorization: bearer(lakes.https!.token),
        'content-length': 20,
        expect: 'something-else',
      },
      null,
    )
    expect(answer.continued).toBe(false)
    expect(answer.headers[':status']).toBe(417)
    expect(JSON.parse(answer.body)).toMatchObject({statusCode: 417, error: 'Expectation Failed'})
  })

  it('a write that is fine gets the 100, then its answer', async () => {
    const lake = lakes.https!
    const id = 'expect-continue-h2'
    const body = JSON.stringify({mutations: [{create: {_id: id, _type: 'headline'}}]})
    const answer = await h2request(
      {
        ':path': `${API}/data/mutate/test`,
        authorization: bearer(lake.token),
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        expect: '100-continue',
      },
      body,
    )
    expect(answer.continued).toBe(true)
    expect(answer.headers[':status']).toBe(200)
    expect(await lake.client().getDocument(id)).toMatchObject({_id: id})
  })
})

it("@sanity/client's requests carry no Expect, large ones neither", async () => {
  // What it sends, caught by a bare server (the lake would not show its headers).
  const heads: string[] = []
  const server = net.createServer((socket) => {
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      if (text.includes('\r\n\r\n')) return
      text += chunk
      if (!text.includes('\r\n\r\n')) return
      heads.push(text.split('\r\n\r\n')[0])
      socket.end(
        'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as net.AddressInfo
  const client = lakeClient({url: `http://127.0.0.1:${port}`, token: 't'}, {maxRetries: 0})
  const large = 'ক'.repeat(1_000_000)
  await client.create({_type: 'headline', title: large}).catch(() => undefined)
  // Past what a GET's URL may carry, so sent as a POST with a body.
  await client.fetch('*[title == $t][0]', {t: large.slice(0, 10_000)}).catch(() => undefined)
  server.close()
  expect(heads.length).toBe(2)
  expect(heads.map((text) => text.split(' ')[0])).toEqual(['POST', 'POST'])
  for (const text of heads) expect(text).not.toMatch(/^expect:/im)
})
