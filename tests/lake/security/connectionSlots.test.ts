/**
 * Past a connection cap (an address's, the lake's), a new connection displaces the least recently
 * active quiet connection: no request under way, and no request begun or ended (nor the
 * connection accepted or its TLS handshake done) for quietMs. One mid-request or fresh is never
 * displaced: the newcomer is refused instead. Before, one process's connections trickling their
 * headers refused every other local client for 90 s; then, displacing connections that never
 * carried a request first had an honest client's new connection killed by bare TCP connects.
 * Small caps on real servers over TLS.
 */
import {connect as h2connect, type ClientHttp2Session} from 'node:http2'
import {get as httpGet} from 'node:http'
import {get} from 'node:https'
import {connect, Socket} from 'node:net'
import tls from 'node:tls'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
let narrowLake: TestLake
let fullLake: TestLake
let plainLake: TestLake
let patientLake: TestLake
beforeAll(async () => {
  // The default idle deadline and TLS handshake (long): only the caps are small, and a connection
  // is quiet (may be displaced) as soon as it has no request under way, but in patientLake
  // (the default: fresh connections are kept). A lake a test fills to its lake-wide cap is that
  // test's alone.
  const withCaps = (perAddress: number, total: number, quietMs = 0) =>
    startTestLake({serverOptions: {connectionLimits: {perAddress, total, quietMs}}})
  ;[lake, narrowLake, fullLake, plainLake, patientLake] = await Promise.all([
    withCaps(3, 100),
    withCaps(3, 5),
    withCaps(3, 5),
    startTestLake({
      tls: false,
      serverOptions: {connectionLimits: {perAddress: 3, total: 100, quietMs: 0}},
    }),
    withCaps(3, 100, LIMITS.connections.quietMs),
  ])
})
afterAll(async () => {
  await Promise.all([lake, narrowLake, fullLake, plainLake, patientLake].map((one) => one?.close()))
})

interface Held {
  destroy(): void
  /** Whether the lake has closed it. */
  closed(): boolean
  whenClosed: Promise<void>
}
const opened: Held[] = []
afterEach(() => {
  for (const held of opened.splice(0)) held.destroy()
})

/** A TLS connection from `from` (any 127.x address is this machine), its handshake begun. */
function tlsSocket(target: TestLake, from: string, alpn: string): tls.TLSSocket {
  return tls.connect({
    socket: connect({port: target.server.port, host: '127.0.0.1', localAddress: from}),
    servername: 'localhost',
    ca: target.ca!,
    ALPNProtocols: [alpn],
  })
}

/** A TLS connection from `from`, once its handshake is done. */
function tlsConnection(target: TestLake, from: string, alpn: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsSocket(target, from, alpn)
    socket.on('error', () => {})
    socket.once('secureConnect', () => resolve(socket))
    socket.once('close', () => reject(new Error('closed before its TLS handshake')))
  })
}

/** `connection` held until the test ends, noting when the lake closes it. */
function hold(connection: Socket | ClientHttp2Session): Held {
  // Read, or the lake's close is never seen (a TLS socket is a Socket too).
  if (connection instanceof Socket) connection.resume()
  let closed = false
  const whenClosed = new Promise<void>((resolve) =>
    connection.once('close', () => {
      closed = true
      resolve()
    }),
  )
  const held = {destroy: () => connection.destroy(), closed: () => closed, whenClosed}
  opened.push(held)
  return held
}

/** The status of `GET ping` sent on `socket` (HTTP/1.1), once its whole answer has come. */
function pingOn(socket: tls.TLSSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    let answer = ''
    const onData = (chunk: Buffer) => {
      answer += chunk
      const end = answer.indexOf('\r\n\r\n')
      const length = /content-length: (\d+)/i.exec(answer)?.[1]
      if (end < 0 || length === undefined || answer.length < end + 4 + Number(length)) return
      socket.off('data', onData)
      resolve(Number(answer.slice(9, 12)))
    }
    socket.on('data', onData)
    socket.once('close', () => reject(new Error('closed before its answer')))
    socket.write('GET /v2025-02-19/ping HTTP/1.1\r\nHost: localhost\r\n\r\n')
  })
}

/** A kept-alive HTTP/1.1 connection that has carried one request, idle now. */
async function idleAfterPing(
  target: TestLake,
  from: string,
): Promise<Held & {ping(): Promise<number>}> {
  const socket = await tlsConnection(target, from, 'http/1.1')
  expect(await pingOn(socket)).toBe(200)
  return {...hold(socket), ping: () => pingOn(socket)}
}

/**
 * A mutation over HTTP/1.1 whose body waits: resolves once the lake has begun its request (its
 * "100 Continue" came); `finish` sends the body and resolves with the final status.
 */
async function waitingMutation(target: TestLake, from: string) {
  const socket = await tlsConnection(target, from, 'http/1.1')
  const body = JSON.stringify({mutations: [{createOrReplace: {_id: 'slow', _type: 'note'}}]})
  let answer = ''
  const answered = new Promise<number>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      answer += chunk
      const final = answer.replace(/^HTTP\/1.1 100 Continue\r\n\r\n/, '')
      const end = final.indexOf('\r\n\r\n')
      const length = /content-length: (\d+)/i.exec(final)?.[1]
      if (end < 0 || length === undefined || final.length < end + 4 + Number(length)) return
      resolve(Number(final.slice(9, 12)))
    })
    socket.once('close', () => reject(new Error('closed before its answer')))
  })
  const continued = new Promise<void>((resolve) => socket.once('data', () => resolve()))
  socket.write(
    `POST /v2025-02-19/data/mutate/test HTTP/1.1\r\nHost: localhost\r\n` +
      `Authorization: Bearer ${target.token}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
  )
  await continued
  expect(answer).toMatch(/^HTTP\/1.1 100 Continue/)
  return {
    ...hold(socket),
    finish: () => {
      socket.write(body)
      return answered
    },
  }
}

/** An HTTP/2 session that has carried one request, no stream open now; `goaway`: if one came. */
async function idleSession(target: TestLake, from: string) {
  const session = h2connect(target.url, {createConnection: () => tlsSocket(target, from, 'h2')})
  session.on('error', () => {})
  let goaway = false
  session.once('goaway', () => (goaway = true))
  const stream = session.request({':path': '/v2025-02-19/ping'})
  stream.resume()
  await new Promise((resolve) => stream.once('close', resolve))
  return {whenClosed: hold(session).whenClosed, goaway: () => goaway}
}

/** An HTTP/1.1 request whose headers have begun and never end. */
async function trickling(target: TestLake, from: string): Promise<Held> {
  const socket = await tlsConnection(target, from, 'http/1.1')
  socket.write('GET /v2025-02-19/ping HTTP/1.1\r\nHost: loc')
  return hold(socket)
}

/** An HTTP/2 session (preface and SETTINGS sent) that opens no stream. */
async function silentSession(target: TestLake, from: string): Promise<Held> {
  const socket = await tlsConnection(target, from, 'h2')
  socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
  socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]))
  return hold(socket)
}

/** An HTTP/1.1 listener with a token: a request the lake is answering, for as long as it is open. */
async function listening(target: TestLake, from: string): Promise<Held> {
  const socket = await tlsConnection(target, from, 'http/1.1')
  const head = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(`${chunk}`)))
  socket.write(
    `GET /v2025-02-19/data/listen/test?query=*&includeResult=false HTTP/1.1\r\nHost: localhost\r\n` +
      `Authorization: Bearer ${target.token}\r\n\r\n`,
  )
  expect(await head).toMatch(/^HTTP\/1.1 200/)
  return hold(socket)
}

/** An HTTP/2 session with a listener's stream open. */
async function listeningSession(target: TestLake, from: string): Promise<Held> {
  const session = h2connect(target.url, {createConnection: () => tlsSocket(target, from, 'h2')})
  session.on('error', () => {})
  const stream = session.request({
    ':path': '/v2025-02-19/data/listen/test?query=*&includeResult=false',
    authorization: `Bearer ${target.token}`,
  })
  stream.on('error', () => {})
  const status = await new Promise<number>((resolve) =>
    stream.once('response', (headers) => resolve(Number(headers[':status']))),
  )
  expect(status).toBe(200)
  return hold(session)
}

/** A presence socket (the Studio's WebSocket), open and not yet signed in: its upgrade holds it. */
async function presenceSocket(target: TestLake, from: string): Promise<Held> {
  const socket = await tlsConnection(target, from, 'http/1.1')
  const head = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(`${chunk}`)))
  socket.write(
    'GET /v2022-06-30/socket/production HTTP/1.1\r\nHost: localhost\r\n' +
      'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://localhost:3333\r\n\r\n',
  )
  expect(await head).toMatch(/^HTTP\/1.1 101/)
  return hold(socket)
}

/** `GET ping` over a new connection from `from`: its status, or how it failed. */
function pingFrom(target: TestLake, from: string): Promise<number | string> {
  return new Promise((resolve) => {
    const request = get(
      `${target.url}/v2025-02-19/ping`,
      {agent: false, localAddress: from, ca: target.ca!},
      (response) => {
        response.resume()
        response.once('end', () => resolve(response.statusCode!))
      },
    )
    request.once('error', (err) => resolve(err.message))
  })
}

describe('a connection past a cap', () => {
  it("displaces the address's least recently active quiet connection (trickled headers, a silent HTTP/2 session)", async () => {
    const held = [
      await silentSession(lake, '127.0.0.2'),
      await trickling(lake, '127.0.0.2'),
      await trickling(lake, '127.0.0.2'),
    ]
    expect(await pingFrom(lake, '127.0.0.2')).toBe(200)
    await held[0].whenClosed
    expect(held.map((one) => one.closed())).toEqual([true, false, false])
  })

  it('never displaces a fresh connection before it has been quiet for quietMs: the newcomer is refused', async () => {
    const idle = [
      await idleAfterPing(patientLake, '127.0.0.20'),
      await idleAfterPing(patientLake, '127.0.0.20'),
    ]
    // An honest client's new connection, its TLS handshake done, its first request not yet sent.
    const fresh = await tlsConnection(patientLake, '127.0.0.20', 'http/1.1')
    hold(fresh)
    // A bare TCP connect past the cap (a process trickling them) takes no one's place.
    await expect(tlsConnection(patientLake, '127.0.0.20', 'http/1.1')).rejects.toThrow(
      /before its TLS/,
    )
    expect(await pingOn(fresh)).toBe(200)
    expect(await Promise.all(idle.map((one) => one.ping()))).toEqual([200, 200])
  })

  it('displaces the least recently active quiet connection, not the oldest', async () => {
    const idle = [
      await idleAfterPing(lake, '127.0.0.21'),
      await idleAfterPing(lake, '127.0.0.21'),
      await idleAfterPing(lake, '127.0.0.21'),
    ]
    expect(await idle[0].ping()).toBe(200)
    expect(await pingFrom(lake, '127.0.0.21')).toBe(200)
    await idle[1].whenClosed
    expect(idle.map((one) => one.closed())).toEqual([false, true, false])
    expect(await idle[0].ping()).toBe(200)
  })

  it('counts a long request as activity when it ends, not only when it began', async () => {
    // A keep-alive connection whose request began first and ended last is the most recently
    // active: without the touch when its answer closes, it counted as idle since its request
    // began, and was the one displaced.
    const long = await waitingMutation(lake, '127.0.0.23')
    const idle = [await idleAfterPing(lake, '127.0.0.23'), await idleAfterPing(lake, '127.0.0.23')]
    expect(await long.finish()).toBe(200)
    expect(await pingFrom(lake, '127.0.0.23')).toBe(200)
    await Promise.race([long, ...idle].map((one) => one.whenClosed))
    expect([long, ...idle].map((one) => one.closed())).toEqual([false, true, false])
  })

  it('tells a displaced HTTP/2 session GOAWAY', async () => {
    const session = await idleSession(lake, '127.0.0.22')
    await idleAfterPing(lake, '127.0.0.22')
    await idleAfterPing(lake, '127.0.0.22')
    expect(await pingFrom(lake, '127.0.0.22')).toBe(200)
    await session.whenClosed
    expect(session.goaway()).toBe(true)
  })

  it('is refused when every connection of its address holds a request (a listener, a presence socket); those go on', async () => {
    const held = [
      await listening(lake, '127.0.0.3'),
      await listeningSession(lake, '127.0.0.3'),
      await presenceSocket(lake, '127.0.0.3'),
    ]
    await expect(tlsConnection(lake, '127.0.0.3', 'http/1.1')).rejects.toThrow(/before its TLS/)
    expect(held.map((one) => one.closed())).toEqual([false, false, false])
    expect(await pingFrom(lake, '127.0.0.4')).toBe(200)
  })

  it("displaces the lake's least recently active quiet connection at the lake-wide cap", async () => {
    const busy = [
      await listening(narrowLake, '127.0.0.5'),
      await listening(narrowLake, '127.0.0.5'),
    ]
    const idle = [
      await trickling(narrowLake, '127.0.0.6'),
      await trickling(narrowLake, '127.0.0.6'),
    ]
    busy.push(await listening(narrowLake, '127.0.0.7'))
    expect(await pingFrom(narrowLake, '127.0.0.8')).toBe(200)
    await idle[0].whenClosed
    expect([...busy, idle[1]].map((one) => one.closed())).toEqual([false, false, false, false])
  })

  it('is refused at the lake-wide cap when every connection holds a request; served once one ends', async () => {
    const busy = [
      await listening(fullLake, '127.0.0.10'),
      await listening(fullLake, '127.0.0.10'),
      await listening(fullLake, '127.0.0.11'),
      await listeningSession(fullLake, '127.0.0.11'),
      await listening(fullLake, '127.0.0.12'),
    ]
    await expect(tlsConnection(fullLake, '127.0.0.13', 'http/1.1')).rejects.toThrow(
      /before its TLS/,
    )
    expect(busy.map((one) => one.closed())).toEqual([false, false, false, false, false])
    busy[0].destroy()
    await expect.poll(() => pingFrom(fullLake, '127.0.0.13')).toBe(200)
  })

  it('displaces a trickling connection over plain HTTP (--no-tls) too', async () => {
    const held = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<Held>((resolve) => {
            const socket = connect({
              port: plainLake.server.port,
              host: '127.0.0.1',
              localAddress: '127.0.0.14',
            })
            socket.on('error', () => {})
            socket.once('connect', () => {
              socket.write('GET /v2025-02-19/ping HTTP/1.1\r\nHost: loc')
              resolve(hold(socket))
            })
          }),
      ),
    )
    const status = await new Promise<number | string>((resolve) => {
      const request = httpGet(
        `${plainLake.url}/v2025-02-19/ping`,
        {agent: false, localAddress: '127.0.0.14'},
        (response) => {
          response.resume()
          response.once('end', () => resolve(response.statusCode!))
        },
      )
      request.once('error', (err) => resolve(err.message))
    })
    expect(status).toBe(200)
    await Promise.race(held.map((one) => one.whenClosed))
    expect(held.filter((one) => one.closed())).toHaveLength(1)
  })
})
