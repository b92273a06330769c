/**
 * A browser's page of the lake's images, signed out: an `<img>` sends no token (the Studio's image
 * previews and media grid, a front-end gallery), so every image of it is an anonymous request of
 * its address, and a browser does not retry an image's 429 (it shows a broken image). Over
 * HTTP/2 a browser opens as many streams as the lake allows (256 a session), each rendition
 * waiting its turn in sharp's queue. Counted in the address's share of 200 anonymous requests,
 * a page of 300 renditions once had dozens refused; they have a share of their own.
 */
import type {ClientHttp2Session} from 'node:http2'
import sharp from 'sharp'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {http2Sessions} from '../../helpers/http2Sessions.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
let imagePath: string
let smallImagePath: string

beforeAll(async () => {
  lake = await startTestLake()
  // Large enough that each rendition takes sharp a while: the page's requests wait together.
  const jpeg = await sharp({
    create: {
      width: 1600,
      height: 1200,
      channels: 3,
      background: '#808080',
      noise: {type: 'gaussian', mean: 128, sigma: 40},
    },
  })
    .jpeg()
    .toBuffer()
  const res = await fetch(`${lake.url}/v2025-02-19/assets/images/test`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'image/jpeg'},
    body: new Uint8Array(jpeg),
  })
  imagePath = await uploaded(res)
  // A small one for answers held unread: its bytes wait in the lake's session, not its count.
  const png = await sharp({create: {width: 8, height: 8, channels: 3, background: '#c82a5a'}})
    .png()
    .toBuffer()
  smallImagePath = await uploaded(
    await fetch(`${lake.url}/v2025-02-19/assets/images/test`, {
      method: 'POST',
      headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'image/png'},
      body: new Uint8Array(png),
    }),
  )
})

async function uploaded(res: Response): Promise<string> {
  expect(res.status).toBe(200)
  const {document} = (await res.json()) as {document: {url: string}}
  return new URL(document.url).pathname
}
afterAll(() => lake?.close())

const session = http2Sessions(() => lake)

interface Answer {
  status: number
  contentType: string | undefined
  bytes: number
}

/** One GET over `session`, its answer read to the end. */
function get(session: ClientHttp2Session, path: string): Promise<Answer> {
  const stream = session.request({':path': path})
  return new Promise((resolve, reject) => {
    let answer: Omit<Answer, 'bytes'> | undefined
    let bytes = 0
    stream.on('response', (headers) => {
      answer = {
        status: Number(headers[':status']),
        contentType: headers['content-type'] as string | undefined,
      }
    })
    stream.on('data', (chunk: Buffer) => (bytes += chunk.length))
    stream.on('end', () => (answer ? resolve({...answer, bytes}) : reject(new Error('no answer'))))
    stream.on('error', reject)
  })
}

it("a browser's page of 300 renditions over one HTTP/2 session, signed out, is served in full", async () => {
  const count = 300
  // More than the address's share of anonymous requests, and than one session's streams.
  expect(count).toBeGreaterThan(LIMITS.requestsInFlight.anonymous)
  expect(count).toBeGreaterThan(LIMITS.connections.streamsPerSession)
  const page = session()
  // Distinct transforms: none is a cached rendition, each waits for sharp.
  const answers = await Promise.all(
    Array.from({length: count}, (_, i) => get(page, `${imagePath}?w=${100 + i}&fm=jpg`)),
  )
  const refused = answers.filter((answer) => answer.status !== 200)
  expect(refused.length).toBe(0)
  for (const answer of answers) {
    expect(answer.contentType).toBe('image/jpeg')
    expect(answer.bytes).toBeGreaterThan(0)
  }
})

it("an address's unread image answers are still held to a share, below its connections", async () => {
  const {perAddress, streamsPerSession} = LIMITS.connections
  const share = LIMITS.requestsInFlight.anonymousAssets
  const tries = share + 100
  const statuses: number[] = []
  let unread = session({unread: true})
  let open = 0
  // One after another, each answered (its headers) before the next; the client reads no body
  // (a window of 0), so each answer stays under way, as a flooding process's would.
  for (let i = 0; i < tries; i++) {
    if (open === streamsPerSession - 1) [unread, open] = [session({unread: true}), 0]
    const stream = unread.request({':path': smallImagePath})
    statuses.push(
      await new Promise<number>((resolve, reject) => {
        stream.on('response', (headers) => resolve(Number(headers[':status'])))
        stream.on('error', reject)
      }),
    )
    open++
  }
  const served = statuses.filter((status) => status === 200).length
  expect(served).toBe(share)
  // With the address's other anonymous requests, a share well below its connections.
  expect(served + LIMITS.requestsInFlight.anonymous).toBeLessThan(perAddress)
  expect(statuses.filter((status) => status === 429).length).toBe(tries - share)
  // Its other requests are counted apart: a query's ping is still served.
  const ping = session().request({':path': '/v2025-02-19/ping'})
  ping.on('error', () => {})
  expect(
    await new Promise<number>((resolve) =>
      ping.on('response', (headers) => resolve(Number(headers[':status']))),
    ),
  ).toBe(200)
})
