/**
 * Connections are file descriptors (hostile10b's high finding: 21,000 idle sockets of two clients
 * used up the lake's and refused ping and writes). The lake closes a connection that stays silent
 * (no TLS handshake, an HTTP/2 session without traffic) and refuses one past its address's cap or
 * its own, while other clients are served. Small caps on a real server over TLS.
 */
import {connect as h2connect} from 'node:http2'
import {connect, type Socket} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const LIMITS = {perAddress: 3, total: 5, idleMs: 800, tlsHandshakeMs: 800}
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

const ping = async () => (await fetch(`${lake.url}/v2025-02-19/ping`)).status

describe('connections', () => {
  it('closes a connection that never starts its TLS handshake', async () => {
    const {closedAfter} = await silent()
    expect(await closedAfter).toBeLessThan(LIMITS.tlsHandshakeMs + 2000)
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
    expect(Date.now() - start).toBeLessThan(LIMITS.idleMs + 2000)
  })

  it('refuses a connection past its address cap at once; other addresses are served', async () => {
    const held = await Promise.all(
      Array.from({length: LIMITS.perAddress}, () => silent('127.0.0.2')),
    )
    const refused = await silent('127.0.0.2')
    expect(await refused.closedAfter).toBeLessThan(LIMITS.idleMs / 2)
    expect(await ping()).toBe(200)
    for (const {socket} of held) socket.destroy()
  })

  it('refuses a connection past the lake-wide cap; serves again once some close', async () => {
    const held = [
      ...(await Promise.all([silent('127.0.0.3'), silent('127.0.0.3'), silent('127.0.0.3')])),
      ...(await Promise.all([silent('127.0.0.4'), silent('127.0.0.4')])),
    ]
    const refused = await silent('127.0.0.5')
    expect(await refused.closedAfter).toBeLessThan(LIMITS.idleMs / 2)
    for (const {socket} of held) socket.destroy()
    await Promise.all(held.map(({closedAfter}) => closedAfter))
    await expect.poll(ping).toBe(200)
  })
})
