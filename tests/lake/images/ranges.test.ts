/**
 * Range requests on asset downloads (`/files/…`, `/images/…` and an image's renditions), as a
 * browser's <video> and <audio> send them to seek, and as download managers resume: one range is
 * a 206 of those bytes, a range past the end a 416 saying the size, anything else the whole file
 * (RFC 9110 §14: a server may ignore a Range it will not serve, never answer it wrongly). Until
 * 2026-12-04 every Range was ignored: a 200 of the whole file, so a Safari <video> of an uploaded
 * clip would not play and no player could seek without downloading all of it.
 */
import sharp from 'sharp'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const BYTES = Buffer.from(Array.from({length: 1000}, (_, i) => i % 251))
let lake: TestLake
let url: string
let imageUrl: string

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  const res = await fetch(`${lake.url}/v2025-02-19/assets/files/test?filename=clip.bin`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'application/octet-stream'},
    body: BYTES,
  })
  expect(res.status).toBe(200)
  const {document} = (await res.json()) as {document: {url: string}}
  url = `${lake.url}${new URL(document.url).pathname}`
  const png = await sharp({
    create: {width: 64, height: 48, channels: 3, background: {r: 200, g: 40, b: 90}},
  })
    .png()
    .toBuffer()
  const image = await fetch(`${lake.url}/v2025-02-19/assets/images/test`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'image/png'},
    body: new Uint8Array(png),
  })
  expect(image.status).toBe(200)
  const uploaded = (await image.json()) as {document: {url: string}}
  imageUrl = `${lake.url}${new URL(uploaded.document.url).pathname}`
})
afterAll(() => lake?.close())

const get = (range?: string, init: RequestInit = {}) =>
  fetch(url, {...init, headers: {...(range === undefined ? {} : {range}), ...init.headers}})

describe('one range of the file', () => {
  it.each([
    ['bytes=0-99', 0, 99],
    ['bytes=900-', 900, 999],
    ['bytes=-10', 990, 999],
    ['bytes=995-5000', 995, 999],
    ['bytes=0-0', 0, 0],
    ['bytes = 10 - 19', 10, 19],
  ])('%s is a 206 of those bytes, saying which', async (range, start, end) => {
    const res = await get(range)
    expect(res.status).toBe(206)
    expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/1000`)
    expect(res.headers.get('content-length')).toBe(String(end - start + 1))
    expect(Buffer.from(await res.arrayBuffer())).toEqual(BYTES.subarray(start, end + 1))
  })
})

describe('a range past the end', () => {
  it.each(['bytes=1000-', 'bytes=5000-6000', 'bytes=-0'])(
    '%s is a 416 naming the size and how to ask',
    async (range) => {
      const res = await get(range)
      expect(res.status).toBe(416)
      expect(res.headers.get('content-range')).toBe('bytes */1000')
      const body = (await res.json()) as {message: string}
      expect(body.message).toMatch(/1000 bytes/)
      expect(body.message).toMatch(/bytes=0-999/)
    },
  )
})

describe('what is served whole (200), as a server may ignore a Range', () => {
  it.each([
    ['no Range', undefined],
    ['another unit', 'items=0-4'],
    ['several ranges', 'bytes=0-0,2-2'],
    ['a malformed one', 'bytes=5-1'],
    ['a number past any file', 'bytes=99999999999999999999999-'],
    ['not a number', 'bytes=a-b'],
  ])('%s', async (_, range) => {
    const res = await get(range)
    expect(res.status).toBe(200)
    expect(res.headers.get('accept-ranges')).toBe('bytes')
    expect(Buffer.from(await res.arrayBuffer())).toEqual(BYTES)
  })

  it("a Range with an If-Range that is not the file's ETag", async () => {
    const res = await get('bytes=0-9', {headers: {'if-range': '"etag"'}})
    expect(res.status).toBe(200)
    expect((await res.arrayBuffer()).byteLength).toBe(1000)
  })

  it('HEAD, which a Range does not change', async () => {
    const res = await get('bytes=0-9', {method: 'HEAD'})
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe('1000')
    expect(res.headers.get('accept-ranges')).toBe('bytes')
  })
})

describe('a rendition (?w=, ?fm=), as an original', () => {
  // Until 2026-12-05 a rendition ignored every Range (a 200 of all of it, no Accept-Ranges)
  // where the original it was made from answered a 206.
  it.each(['?w=32', '?w=16&h=16&fit=crop&fm=webp', '?fm=jpg&q=50'])(
    '%s: one range is a 206 of those bytes of the rendition, past its end a 416',
    async (params) => {
      const whole = await fetch(`${imageUrl}${params}`)
      expect(whole.status).toBe(200)
      expect(whole.headers.get('accept-ranges')).toBe('bytes')
      const bytes = Buffer.from(await whole.arrayBuffer())
      const size = bytes.length
      expect(whole.headers.get('content-length')).toBe(String(size))
      for (const [range, start, end] of [
        ['bytes=0-9', 0, 9],
        ['bytes=-5', size - 5, size - 1],
        [`bytes=${size - 3}-`, size - 3, size - 1],
      ] as const) {
        const res = await fetch(`${imageUrl}${params}`, {headers: {range}})
        expect(res.status, range).toBe(206)
        expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`)
        expect(res.headers.get('content-length')).toBe(String(end - start + 1))
        expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes.subarray(start, end + 1))
      }
      const past = await fetch(`${imageUrl}${params}`, {headers: {range: `bytes=${size}-`}})
      expect(past.status).toBe(416)
      expect(past.headers.get('content-range')).toBe(`bytes */${size}`)
      expect(((await past.json()) as {message: string}).message).toContain(`${size} bytes`)
      // HEAD and If-Range as for an original: the whole, no body.
      const head = await fetch(`${imageUrl}${params}`, {
        method: 'HEAD',
        headers: {range: 'bytes=0-9'},
      })
      expect(head.status).toBe(200)
      expect(head.headers.get('content-length')).toBe(String(size))
      const ifRange = await fetch(`${imageUrl}${params}`, {
        headers: {range: 'bytes=0-9', 'if-range': '"etag"'},
      })
      expect(ifRange.status).toBe(200)
      expect(Buffer.from(await ifRange.arrayBuffer())).toEqual(bytes)
    },
  )

  it('?dl= keeps its Content-Disposition on a range of a rendition', async () => {
    const res = await fetch(`${imageUrl}?w=32&dl=`, {headers: {range: 'bytes=0-3'}})
    expect(res.status).toBe(206)
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; /)
  })
})
