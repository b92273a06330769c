/**
 * A raw HTTP/2 client over TLS for tests that must send exactly the frames they mean (floods,
 * resets), unqueued and uncoalesced by Node's client: the socket, the client's preface, the
 * lake's frames as they come, and a request's header block. Frames are built with
 * bench/http2Frames.ts. (http2Sessions.ts is for tests that Node's client serves.)
 */
import tls, {type TLSSocket} from 'node:tls'
import {FRAME, frame, literal} from '../../bench/http2Frames.ts'
import type {TestLake} from './lake.ts'

/** A frame the lake sent: its head's fields and its payload. */
export interface ReceivedFrame {
  type: number
  flags: number
  stream: number
  payload: Buffer
}

/** The client's connection preface and its (empty) SETTINGS: what a session's first write holds. */
export const CLIENT_PREFACE: readonly Buffer[] = [
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  frame(FRAME.settings, 0, 0, Buffer.alloc(0)),
]

/**
 * A TLS connection to the lake speaking h2, its certificate verified against the lake's CA.
 * `onFrame` hears each frame the lake sends, in order, while the socket flows (a paused socket
 * reads nothing); returning `false` stops the reading of that chunk's remaining frames. Socket
 * errors are the test's to judge by what it heard, so they are swallowed. Nothing is written: the
 * caller writes CLIENT_PREFACE and its frames once `secureConnect` fires.
 */
export function rawHttp2(
  lake: TestLake,
  onFrame: (frame: ReceivedFrame) => boolean | void,
): TLSSocket {
  const socket = tls.connect({
    host: '127.0.0.1',
    port: lake.server.port,
    servername: 'localhost',
    ca: lake.ca!,
    ALPNProtocols: ['h2'],
  })
  let pending = Buffer.alloc(0)
  socket.on('error', () => {})
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk])
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3)
      if (pending.length < 9 + length) return
      const received = {
        type: pending[3]!,
        flags: pending[4]!,
        stream: pending.readUInt32BE(5) & 0x7fffffff,
        payload: pending.subarray(9, 9 + length),
      }
      pending = pending.subarray(9 + length)
      if (onFrame(received) === false) return
    }
  })
  return socket
}

/**
 * An HPACK header block of a GET of `path` on the lake (`:method GET`, `:scheme https`,
 * `:authority`, `:path`), with `authorization: Bearer <token>` when a token is given.
 */
export function requestBlock(lake: TestLake, path: string, token?: string): Buffer {
  return Buffer.from([
    0x82, // :method GET
    0x87, // :scheme https
    ...literal(1, `localhost:${lake.server.port}`),
    ...literal(4, path),
    ...(token === undefined ? [] : literal(23, `Bearer ${token}`)),
  ])
}
