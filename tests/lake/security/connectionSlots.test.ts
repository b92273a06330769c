/**
 * A client that holds connections without sending a whole request (its headers trickled a byte at
 * a time, or a TLS or HTTP/2 session opened and left silent) must not lock others out of the lake.
 * Every local process shares 127.0.0.1 and may bind any 127.x address, so before, one anonymous
 * process's 1,000 connections trickling their headers refused every other local client (the Studio,
 * scripts) at the address's cap for 90 s (Node's 60 s for the headers, checked every 30 s), and it
 * could reopen them at once, again and again. Past a cap, a new connection now displaces the
 * oldest connection that has no request under way (in the address's, or the lake's for the
 * lake-wide cap); only when every one of them holds a request is the new one refused.
 * Small caps on real servers over TLS.
 */
import {connect as h2connect, type ClientHttp2Session} from 'node:http2'
import {get as httpGet} from 'node:http'
import {get} from 'node:https'
import {connect} from 'node:net'
import tls from 'node:tls'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
let narrowLake: TestLake
let fullLake: TestLake
let plainLake: TestLake
beforeAll(async () => {
  // The default idle deadline and TLS handshake (long): only the caps are small. A lake a test
  // fills to its lake-wide cap is that test's alone.
  const withCaps = (perAddress: number, total: number) =>
    startTestLake({serverOptions: {connectionLimits: {perAddress, total}}})
  ;[lake, narrowLake, fullLake, plainLake] = await Promise.all([
    withCaps(3, 100),
    withCaps(3, 5),
    withCaps(3, 5),
    startTestLake({tls: false, serverOptions: {connectionLimits: {perAddress: 3, total: 100}}}),
  ])
})
afterAll(async () => {
  await Promise.all([lake?.close(), narrowLake?.close(), fullLake?.close(), plainLake?.close()])
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

/** A TLS connection from `from` (any 127.x address is this machine), once its handshake is done. */
function tlsConnection(target: TestLake, from: string, alpn: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      socket: connect({port: target.server.port, host: '127.0.0.1', localAddress: from}),
      servername: 'localhost',
      ca: target.ca!,
      ALPNProtocols: [alpn],
    })
    socket.on('error', () => {})
    socket.once('secureConnect', () => resolve(socket))
    socket.once('close', () => reject(new Error('closed before its TLS handshake')))
  })
}

function hold(socket: tls.TLSSocket): Held {
  // Read, or the lake's close is never seen.
  socket.resume()
  let closed = false
  const whenClosed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true
      resolve()
    }),
  )
  const held = {destroy: () => socket.destroy(), closed: () => closed, whenClosed}
  opened.push(held)
  return held
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
  const session: ClientHttp2Session = h2connect(target.url, {
    createConnection: () =>
      tls.connect({
        socket: connect({port: target.server.port, host: '127.0.0.1', localAddress: from}),
        servername: 'localhost',
        ca: target.ca!,
        ALPNProtocols: ['h2'],
      }),
  })
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
  let closed = false
  const whenClosed = new Promise<void>((resolve) =>
    session.once('close', () => {
      closed = true
      resolve()
    }),
  )
  const held = {destroy: () => session.destroy(), closed: () => closed, whenClosed}
  opened.push(held)
  return held
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
  it("displaces the address's oldest connection that holds no request (trickled headers, a silent HTTP/2 session)", async () => {
    const held = [
      await silentSession(lake, '127.0.0.2'),
      await trickling(lake, '127.0.0.2'),
      await trickling(lake, '127.0.0.2'),
    ]
    expect(await pingFrom(lake, '127.0.0.2')).toBe(200)
    await held[0].whenClosed
    expect(held.map((one) => one.closed())).toEqual([true, false, false])
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

  it("displaces the lake's oldest connection that holds no request at the lake-wide cap", async () => {
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
            socket.resume()
            let closed = false
            const whenClosed = new Promise<void>((done) =>
              socket.once('close', () => {
                closed = true
                done()
              }),
            )
            socket.once('connect', () => {
              socket.write('GET /v2025-02-19/ping HTTP/1.1\r\nHost: loc')
              const one = {destroy: () => socket.destroy(), closed: () => closed, whenClosed}
              opened.push(one)
              resolve(one)
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
