/**
 * HTTP/2 "rapid reset" (CVE-2023-44487): a client opens a stream and resets it at once, over and
 * over on one session. Each stream is taken in hand (its request built, its route begun) before
 * its reset is read, and a reset stream frees its place of the session's 256 at once, so the
 * streams a session may have open do not bound it. nghttp2 (Node 24's, 1.70) ends a session past a
 * rate of resets (GOAWAY) after a burst of 1,000, the lake's too: a smaller one (100) would end an
 * editor's session, its listeners with it, for a browser's cancellations (docs/security.md). Frames written
 * by hand on a TLS socket, so that nothing queues, coalesces or spaces them.
 */
import type {TLSSocket} from 'node:tls'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {FRAME, frame} from '../../../bench/http2Frames.ts'
import {LIMITS} from '../../../lake/core/limits.ts'
import {parseCached} from '../../../lake/core/query.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {CLIENT_PREFACE, rawHttp2, requestBlock} from '../../helpers/rawHttp2.ts'

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake()
})
afterAll(async () => {
  await lake?.close()
})

/** What the lake sent first of a GOAWAY (its last stream and code) or the PING's ACK. */
type First = {goaway: {lastStream: number; code: number}} | {pingAck: true} | {closed: true}

/** A session whose client sends `pairs` streams, each HEADERS then RST_STREAM, then a PING. */
function resetFlood(pairs: number): Promise<{first: First; socket: TLSSocket}> {
  return new Promise((resolve) => {
    const done = (first: First) => resolve({first, socket})
    const socket = rawHttp2(lake, ({type, flags, payload}) => {
      if (type === FRAME.goaway) {
        done({
          goaway: {
            lastStream: payload.readUInt32BE(0) & 0x7fffffff,
            code: payload.readUInt32BE(4),
          },
        })
        return false
      }
      if (type === FRAME.ping && flags & 1) {
        done({pingAck: true})
        return false
      }
    })
    socket.on('close', () => done({closed: true}))
    socket.once('secureConnect', () => {
      const block = requestBlock(lake, '/v2025-02-19/ping')
      const frames = [...CLIENT_PREFACE]
      const cancel = Buffer.from([0, 0, 0, 8])
      for (let i = 0, id = 1; i < pairs; i++, id += 2) {
        // END_HEADERS | END_STREAM, then CANCEL.
        frames.push(frame(FRAME.headers, 0x5, id, block), frame(FRAME.rstStream, 0, id, cancel))
      }
      frames.push(frame(FRAME.ping, 0, 0, Buffer.alloc(8)))
      socket.write(Buffer.concat(frames))
    })
  })
}

it('a session resetting its streams past the burst is ended with GOAWAY before its next frame', async () => {
  const {streamResetBurst: burst, streamResetsPerSecond: perSecond} = LIMITS.connections
  // Well past the burst: the resets refill at a rate a second.
  const pairs = 1_600
  expect(burst + 10 * perSecond).toBeLessThan(pairs)
  const {first, socket} = await resetFlood(pairs)
  socket.destroy()
  expect(first).toMatchObject({goaway: {}})
  const {lastStream} = (first as {goaway: {lastStream: number}}).goaway
  // The streams it took in hand: its burst, and what refilled while it read them.
  expect((lastStream + 1) / 2).toBeLessThan(pairs)
})

it("a session resetting as many streams as a browser's cancellations may is served on", async () => {
  // Past the GOAWAY the whole session is gone, an editor's listeners on it too: a Studio's
  // dialog of 200 image thumbnails closed while loading, twice, and a list pane scrolled fast.
  const {first, socket} = await resetFlood(500)
  socket.destroy()
  expect(first).toEqual({pingAck: true})
})

/** The query stream `n` of resetQueriesThenOne asks. */
const resetQuery = (nonce: string, n: number) => `*[_id == "${nonce}-${n}"]`

/**
 * One write of `pairs` query streams, each HEADERS then RST_STREAM (CANCEL), each its own query
 * text, then one honest query stream; resolves once the lake begins the honest one's answer.
 */
function resetQueriesThenOne(pairs: number, nonce: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const honest = 2 * pairs + 1
    const socket = rawHttp2(lake, ({type, stream}) => {
      if (type !== FRAME.headers || stream !== honest) return
      socket.removeAllListeners('close')
      socket.destroy()
      resolve()
      return false
    })
    socket.on('error', reject)
    socket.on('close', () => reject(new Error('closed before the honest query was answered')))
    const block = (n: number) =>
      requestBlock(
        lake,
        `/v2025-02-19/data/query/test?query=${encodeURIComponent(resetQuery(nonce, n))}`,
        lake.token,
      )
    socket.once('secureConnect', () => {
      const frames = [...CLIENT_PREFACE]
      const cancel = Buffer.from([0, 0, 0, 8])
      for (let id = 1; id < honest; id += 2) {
        frames.push(frame(FRAME.headers, 0x5, id, block(id)), frame(FRAME.rstStream, 0, id, cancel))
      }
      frames.push(frame(FRAME.headers, 0x5, honest, block(honest)))
      socket.write(Buffer.concat(frames))
    })
  })
}

it("a stream reset in the write that opened it never has its query parsed; an honest one's is", async () => {
  // The lake's parse cache (this process's: the test lake runs here) keeps each query text it
  // parsed; each stream here asks its own. Asked by text, not counted: in a full run the cache is
  // full by now, and an entry added is one evicted.
  const pairs = 60
  await resetQueriesThenOne(pairs, 'reset-unparsed')
  const parsedStreams = Array.from({length: pairs + 1}, (_, i) => 2 * i + 1).filter((id) =>
    parseCached(resetQuery('reset-unparsed', id)),
  )
  expect(parsedStreams).toEqual([2 * pairs + 1])
})
