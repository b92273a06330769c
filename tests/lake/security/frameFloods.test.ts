/**
 * HTTP/2 frame floods beside rapid reset (rapidReset.test.ts), each from a raw client over TLS
 * (frames written by hand, nothing of Node's client between): a CONTINUATION flood (the
 * CVE-2024-27316 class: a HEADERS frame without END_HEADERS, then CONTINUATION frames without end)
 * and a PING or SETTINGS flood whose client never reads the acknowledgements. Each: the session is
 * ended by the lake (GOAWAY or the socket closed) before the flood is through, and another
 * client is answered meanwhile.
 */
import http2 from 'node:http2'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {FRAME, frame, literal} from '../../../bench/http2Frames.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {CLIENT_PREFACE, rawHttp2, requestBlock} from '../../helpers/rawHttp2.ts'

const CONTINUATION = 9
let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake()
})
afterAll(async () => {
  await lake?.close()
})

/**
 * A raw session that writes `frames()` in writes of about 64 KiB while the lake lets it (reading
 * nothing back unless `read`); resolves how many frames went out before the lake ended the session,
 * and how (a GOAWAY's code, or `closed`).
 */
function flood(
  frames: Generator<Buffer>,
  read: boolean,
): Promise<{written: number; ended: string}> {
  return new Promise((resolve) => {
    let written = 0
    let ended = ''
    /** The client stopped (the flood through, or the lake no longer reading) before the lake ended it. */
    let gaveUp = false
    const socket = rawHttp2(lake, ({type, payload}) => {
      if (!read && ended) return false
      if (type === FRAME.goaway && !ended) ended = `GOAWAY ${payload.readUInt32BE(4)}`
    })
    socket.on('close', () =>
      resolve({written, ended: gaveUp && !ended ? 'client gave up' : ended || 'closed'}),
    )
    if (!read) socket.pause()
    socket.once('secureConnect', async () => {
      for (const part of CLIENT_PREFACE) socket.write(part)
      let batch: Buffer[] = []
      let bytes = 0
      for (const next of frames) {
        if (socket.destroyed || ended) break
        batch.push(next)
        bytes += next.length
        written++
        if (bytes < 65_536) continue
        const drained = socket.write(Buffer.concat(batch))
        batch = []
        bytes = 0
        if (!drained) {
          // A lake that stopped reading: the flood is held, not through.
          const went = await new Promise<boolean>((go) => {
            const timer = setTimeout(() => go(false), 5_000)
            socket.once('drain', () => (clearTimeout(timer), go(true)))
            socket.once('close', () => (clearTimeout(timer), go(false)))
          })
          if (!went) {
            gaveUp = true
            break
          }
        }
      }
      if (!socket.destroyed && !ended) {
        gaveUp = true
        socket.destroy()
      }
    })
  })
}

/** `/ping` on a session of its own: its status. */
async function ping(): Promise<number> {
  const session = http2.connect(lake.url)
  try {
    return await new Promise<number>((resolve, reject) => {
      const stream = session.request({':path': '/v2025-02-19/ping'})
      stream.on('response', (headers) => resolve(Number(headers[':status'])))
      stream.on('error', reject)
      stream.resume()
    })
  } finally {
    session.close()
  }
}

const TOTAL = 200_000

it('a CONTINUATION flood (no END_HEADERS) ends its session long before it is through; others are answered', async () => {
  const block = requestBlock(lake, '/v2025-02-19/ping')
  // Each CONTINUATION a new header field of 100 bytes, none ending the block.
  const field = Buffer.from(literal(16, 'x'.repeat(100)))
  function* frames() {
    yield frame(FRAME.headers, 0x1, 1, block) // END_STREAM, no END_HEADERS
    for (let i = 0; i < TOTAL; i++) yield frame(CONTINUATION, 0, 1, field)
  }
  const pinged = ping()
  const {written, ended} = await flood(frames(), true)
  expect(await pinged).toBe(200)
  expect(written).toBeLessThan(TOTAL)
  expect(ended).toMatch(/^(GOAWAY|closed)/)
  expect(await ping()).toBe(200)
})

it.each([
  ['PING', () => frame(FRAME.ping, 0, 0, Buffer.alloc(8))],
  ['SETTINGS', () => frame(FRAME.settings, 0, 0, Buffer.from([0, 4, 0, 1, 0, 0]))],
])(
  'a %s flood whose client never reads the acknowledgements ends its session; others are answered',
  async (_, make) => {
    function* frames() {
      for (let i = 0; i < TOTAL; i++) yield make()
    }
    const {written, ended} = await flood(frames(), false)
    expect(written).toBeLessThan(TOTAL)
    expect(ended).toMatch(/^(GOAWAY|closed)/)
    expect(await ping()).toBe(200)
  },
)
