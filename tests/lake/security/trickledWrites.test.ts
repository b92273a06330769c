/**
 * A write request's body (mutate, actions, uploads, and the small bodies of every other route)
 * must keep arriving: at least `windowBytes` in every `windowMs` until it ends, and all of it
 * within five times the write deadline (--write-timeout), else a 408 requestTimeoutError saying
 * so, nothing written, nothing staged, the rest left unread and the stream or connection freed.
 * Before, a body sent a byte at a time held its request, its memory and (over HTTP/1.1) its
 * connection until Node's 300 s request timeout, and over HTTP/2 for as long as its sender liked.
 * An honest slow upload (64 KiB/s) still goes through. A lake in this process with small windows
 * (the same options `npm run lake` gives it), over HTTP/2 and HTTP/1.1.
 */
import {readdirSync} from 'node:fs'
import {connect, type ClientHttp2Session, type ClientHttp2Stream} from 'node:http2'
import {join} from 'node:path'
import {connect as tlsConnect} from 'node:tls'
import sharp from 'sharp'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const API = 'v2025-02-19'
/** At least 2 KiB in every 500 ms (4 KiB/s); all of a body within 5 × 1 s. */
const WINDOW_MS = 500
const WINDOW_BYTES = 2048
const WRITE_TIMEOUT_MS = 1000
const BODY_MS = 5 * WRITE_TIMEOUT_MS
/**
 * The pace window of a lake where a body is to keep the pace for the whole 5 s: the sender shares
 * this process with the lake, and a pause of both as long as a window left one with nothing sent.
 */
const WIDE_WINDOW_MS = 2000

interface Target {
  lake: TestLake
  session: ClientHttp2Session
}

let lake: TestLake
let session: ClientHttp2Session
let wide: Target

async function target(windowMs: number): Promise<Target> {
  const started = await startTestLake({
    serverOptions: {
      writeTimeoutMs: WRITE_TIMEOUT_MS,
      bodyArrival: {windowMs, windowBytes: WINDOW_BYTES},
    },
  })
  const connected = connect(started.url, {ca: started.ca!})
  connected.on('error', () => {})
  return {lake: started, session: connected}
}

beforeAll(async () => {
  ;({lake, session} = await target(WINDOW_MS))
  wide = await target(WIDE_WINDOW_MS)
})

afterAll(async () => {
  session?.destroy()
  wide?.session.destroy()
  await Promise.all([lake?.close(), wide?.lake.close()])
})

interface Answer {
  status: number
  text: string
  /** Milliseconds from the request to its stream's close. */
  ms: number
  /** The longest the sender went without sending (from the request to its first bytes included). */
  gapMs: number
}

/** The stream's answer once it closes, or status 0 ("no answer") after `waitMs`. */
function answerOf(stream: ClientHttp2Stream, waitMs: number): Promise<Omit<Answer, 'gapMs'>> {
  const started = Date.now()
  return new Promise((resolve) => {
    let status = 0
    const chunks: Buffer[] = []
    const timer = setTimeout(
      () => resolve({status: 0, text: 'no answer', ms: Date.now() - started}),
      waitMs,
    )
    stream.on('response', (headers) => (status = Number(headers[':status'])))
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('error', () => {})
    stream.on('close', () => {
      clearTimeout(timer)
      resolve({status, text: Buffer.concat(chunks).toString(), ms: Date.now() - started})
    })
  })
}

/**
 * A POST (or `method`) over HTTP/2 whose body is sent `bytes` at a time every `everyMs` (the whole of it, then
 * the stream ended), declaring its length unless `declared` is null.
 */
function send(
  path: string,
  body: Buffer,
  pace: {bytes: number; everyMs: number},
  options: {
    declared?: number | null
    type?: string
    token?: boolean
    waitMs?: number
    method?: string
    to?: Target
  } = {},
) {
  const declared = options.declared === undefined ? body.length : options.declared
  const to = options.to ?? {lake, session}
  const stream = to.session.request({
    ':method': options.method ?? 'POST',
    ':path': path,
    'content-type': options.type ?? 'application/json',
    ...(options.token === false ? {} : {authorization: `Bearer ${to.lake.token}`}),
    ...(declared === null ? {} : {'content-length': declared}),
  })
  const answer = answerOf(stream, options.waitMs ?? 4000)
  let sent = 0
  let last = performance.now()
  let gapMs = 0
  const timer = setInterval(() => {
    if (stream.closed || stream.destroyed) return clearInterval(timer)
    gapMs = Math.max(gapMs, performance.now() - last)
    last = performance.now()
    const next = body.subarray(sent, sent + pace.bytes)
    sent += next.length
    if (sent >= body.length) {
      clearInterval(timer)
      stream.end(next)
    } else stream.write(next)
  }, pace.everyMs)
  return answer
    .then((answered) => {
      // A body cut short: the time since its last send counts too (the window the lake judged).
      if (sent < body.length) gapMs = Math.max(gapMs, performance.now() - last)
      return {...answered, gapMs}
    })
    .finally(() => {
      clearInterval(timer)
      stream.close()
    })
}

/**
 * A body sent at a pace the lake accepts (`pace.bytes` at least WINDOW_BYTES, so one send fills a
 * window of `windowMs`), in up to three runs: a run whose sender itself went a window without
 * sending (this process starved or paused: the lake in it was answering a body that really fell
 * short, and rightly refused it) measured nothing, and the next one tries again. With this process
 * paused for 0.1-0.8 s at random moments, as a loaded machine does, the lake in it refused 2 of 4
 * bodies sent at 1 KiB every 125 ms by their pace (at 4.3 s and 1.1 s of the 5 s cap).
 */
async function sendKeepingPace(
  windowMs: number,
  ...args: Parameters<typeof send>
): Promise<Answer> {
  expect(args[2].bytes).toBeGreaterThanOrEqual(WINDOW_BYTES)
  const starved: string[] = []
  for (let run = 0; run < 3; run++) {
    const answer = await send(...args)
    // 100 ms short of the window: what the sender sent reaches the lake a loop turn later.
    if (answer.gapMs < windowMs - 100) return answer
    starved.push(`${Math.round(answer.gapMs)} ms without sending (answered ${answer.status})`)
  }
  throw new Error(`the sender itself did not keep the pace in any run: ${starved.join('; ')}`)
}

function mutation(id: string, padding = 0): Buffer {
  return Buffer.from(
    JSON.stringify({
      mutations: [{create: {_id: id, _type: 'article', title: 'x', pad: ' '.repeat(padding)}}],
    }),
  )
}

async function exists(id: string): Promise<boolean> {
  return (await lake.client().getDocument(id)) !== undefined
}

function staged(of = lake): string[] {
  try {
    return readdirSync(join(of.dataDir, 'assets', '.incoming'))
  } catch {
    return []
  }
}

/** A PNG of noise of about `side`² × 3 bytes (noise does not compress). */
async function noisePng(side: number): Promise<Buffer> {
  const pixels = Buffer.alloc(side * side * 3)
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24
  return sharp(pixels, {raw: {width: side, height: side, channels: 3}})
    .png({compressionLevel: 0})
    .toBuffer()
}

describe('a write body sent a byte at a time', () => {
  const shapes = [
    {name: 'declared, read on the event loop', padding: 0, declared: undefined},
    // Past READ_ON_THREAD_BYTES: gathered into shared memory as it arrives.
    {name: 'declared past 2 MiB, read on a write thread', padding: 3 << 20, declared: undefined},
    {name: 'of no declared length', padding: 0, declared: null},
  ]
  for (const shape of shapes) {
    it(`is a 408 within its window, nothing written, the session serving on (${shape.name})`, async () => {
      const id = `trickled-${shapes.indexOf(shape)}`
      const answer = await send(
        `/${API}/data/mutate/test`,
        mutation(id, shape.padding),
        {bytes: 1, everyMs: 100},
        {declared: shape.declared},
      )
      // Before: no answer while the body trickled (Node's 300 s request timeout is HTTP/1.1's
      // alone).
      expect(answer.status, answer.text).toBe(408)
      // Refused by the pace, not the cap on the whole body (its message says which): no wall-clock
      // bound, which a loaded machine stretches (docs/testing.md).
      expect(JSON.parse(answer.text).message).toMatch(
        /body arrived at less than 2 KiB in 500 ms.*send it at once/,
      )
      expect(await exists(id)).toBe(false)
      // The stream is closed and the session goes on: a write at full speed on it is answered.
      const next = await send(`/${API}/data/mutate/test`, mutation(`${id}-next`), {
        bytes: 1 << 20,
        everyMs: 1,
      })
      expect(next.status, next.text).toBe(200)
    }, 15_000)
  }

  it('over HTTP/1.1 is a 408 that closes its connection', async () => {
    const {port} = new URL(lake.url)
    const socket = tlsConnect({
      port: Number(port),
      host: '127.0.0.1',
      servername: 'localhost',
      ca: lake.ca!,
      ALPNProtocols: ['http/1.1'],
    })
    socket.on('error', () => {})
    const body = mutation('trickled-http1')
    let text = ''
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    await new Promise((resolve) => socket.once('secureConnect', resolve))
    socket.write(
      `POST /${API}/data/mutate/test HTTP/1.1\r\nhost: localhost\r\n` +
        `authorization: Bearer ${lake.token}\r\ncontent-type: application/json\r\n` +
        `content-length: ${body.length}\r\n\r\n`,
    )
    let sent = 0
    const timer = setInterval(() => {
      if (sent < body.length && !socket.destroyed) socket.write(body.subarray(sent, ++sent))
    }, 100)
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('open'), 4000))
    const ended = await Promise.race([closed.then(() => 'closed by the lake'), timeout])
    clearInterval(timer)
    socket.destroy()
    expect(text).toMatch(/^HTTP\/1\.1 408/)
    expect(text).toMatch(/connection: close/i)
    expect(ended).toBe('closed by the lake')
    expect(await exists('trickled-http1')).toBe(false)
  }, 15_000)

  it('to a route of small bodies, by an anonymous caller, is a 408 too', async () => {
    // A body of no declared length to a route the lake does not read itself: read whole before
    // the route (its size limit), at the pace the caller liked.
    const answer = await send(
      `/${API}/users/me/keyvalue`,
      Buffer.from(JSON.stringify([{key: 'a', value: 'b'}])),
      {bytes: 1, everyMs: 100},
      {declared: null, token: false, method: 'PUT'},
    )
    expect(answer.status, answer.text).toBe(408)
    expect(JSON.parse(answer.text).message).toMatch(/body arrived at less than/)
  }, 15_000)
})

describe('an upload', () => {
  it('sent a byte at a time is a 408, nothing stored or left staged', async () => {
    const png = await noisePng(64)
    const answer = await send(
      `/${API}/assets/images/test`,
      png,
      {bytes: 1, everyMs: 100},
      {type: 'image/png'},
    )
    expect(answer.status, answer.text).toBe(408)
    expect(JSON.parse(answer.text).message).toMatch(/body arrived at less than 2 KiB in 500 ms/)
    expect(await lake.client().fetch('count(*[_type == "sanity.imageAsset"])')).toBe(0)
    expect(staged()).toEqual([])
  }, 15_000)

  it('at an honest slow rate (64 KiB/s) is stored', async () => {
    const png = await noisePng(160)
    expect(png.length).toBeGreaterThan(64 * 1024)
    // 8 KiB every 125 ms.
    const answer = await sendKeepingPace(
      WINDOW_MS,
      `/${API}/assets/images/test`,
      png,
      {bytes: 8 * 1024, everyMs: 125},
      {type: 'image/png', waitMs: BODY_MS + 5000},
    )
    expect(answer.status, answer.text).toBe(200)
    expect(JSON.parse(answer.text).document.size).toBe(png.length)
  }, 30_000)

  it('that keeps the pace but takes longer than 5 × --write-timeout is a 408 saying so', async () => {
    const png = await noisePng(200)
    // 2 KiB every 125 ms (16 KiB/s, a window's least in one send) of some 120 KB: past the 5 s
    // for the whole body.
    expect(png.length).toBeGreaterThan(1.25 * 16 * 1024 * 5)
    // To a lake whose pace is judged every 2 s (twice before the cap), not every 500 ms.
    const answer = await sendKeepingPace(
      WIDE_WINDOW_MS,
      `/${API}/assets/images/test`,
      png,
      {bytes: 2048, everyMs: 125},
      {type: 'image/png', waitMs: BODY_MS + 5000, to: wide},
    )
    expect(answer.status, answer.text).toBe(408)
    expect(answer.ms).toBeGreaterThanOrEqual(BODY_MS - 100)
    expect(JSON.parse(answer.text).message).toMatch(/did not arrive within 5 s.*--write-timeout/)
    expect(staged(wide.lake)).toEqual([])
  }, 30_000)
})
