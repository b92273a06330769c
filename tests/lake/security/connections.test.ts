/**
 * Connections are file descriptors (hostile10b's high finding: 21,000 idle sockets of two clients
 * used up the lake's and refused ping and writes). The lake closes a connection that stays silent
 * (no TLS handshake, an HTTP/2 session without traffic). What a connection past a cap displaces,
 * or when it is refused, is connectionSlots.test.ts's. Small caps on a real server over TLS.
 */
import {connect as h2connect} from 'node:http2'
import {connect, type Socket} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const LIMITS = {idleMs: 800, tlsHandshakeMs: 800}
// Closed within 10x the limits: a loaded machine holds the test's timers for seconds (the handshake
// case took 1.9 s at load 39 against the 2.8 s it was allowed), and a lake that ignored these
// limits would close at its defaults, 10 s for the handshake and 120 s idle, or never.
const CLOSED_WITHIN_MS = 8_000
let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake({serverOptions: {connectionLimits: LIMITS}})
})
afterAll(() => lake?.close())

/** A raw TCP connection from `from` (any 127.x address is this machine); resolves once open. */
function silent(from = '127.0.0.1'): Promise<{socket: Socket; closedAfter: Promise<number>}> {
  return new Promise((resolve, reject) => {
    const socket = connect({port: lake.server.port, host: '127.0.0.1', localAddress: from})
    const start = Date.now()
    const closedAfter = new Promise<number>((done) =>
      socket.once('close', () => done(Date.now() - start)),
    )
    socket.on('error', () => {})
    socket.once('connect', () => resolve({socket, closedAfter}))
    socket.once('error', reject)
  })
}

describe('connections', () => {
  it('closes a connection that never starts its TLS handshake', async () => {
    const {closedAfter} = await silent()
    expect(await closedAfter).toBeLessThan(CLOSED_WITHIN_MS)
  })

  it('closes an HTTP/2 session that stays silent after one request', async () => {
    const session = h2connect(lake.url)
    session.on('error', () => {})
    const closed = new Promise<void>((done) => session.once('close', () => done()))
    const stream = session.request({':path': '/v2025-02-19/ping'})
    stream.resume()
    await new Promise((done) => stream.once('end', done))
    const start = Date.now()
    await closed
    expect(Date.now() - start).toBeLessThan(CLOSED_WITHIN_MS)
  })
})
