/**
 * Asset downloads carry an ETag, so a client holding a file asks again with If-None-Match and
 * gets a 304 without its bytes, and resumes a download with If-Range (RFC 9110 §13). An original's
 * name is its content hash (a strong validator); a rendition's is of its parameters (weak: a
 * newer renderer may encode the same parameters into other bytes).
 */
import type {SanityAssetDocument, SanityImageAssetDocument} from '@sanity/client'
import sharp from 'sharp'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
let file: SanityAssetDocument
let image: SanityImageAssetDocument

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  const client = lake.client({apiVersion: '2026-05-04'})
  file = await client.assets.upload('file', Buffer.from('সংবাদ বিজ্ঞপ্তি 0123456789'), {
    filename: 'বিজ্ঞপ্তি.txt',
  })
  const png = await sharp({create: {width: 40, height: 30, channels: 3, background: '#08f'}})
    .png()
    .toBuffer()
  image = await client.assets.upload('image', png, {filename: 'ছবি.png'})
})

afterAll(async () => {
  await lake?.close()
})

async function etagOf(url: string): Promise<string> {
  const res = await fetch(url)
  expect(res.status).toBe(200)
  await res.arrayBuffer()
  const etag = res.headers.get('etag')
  expect(etag, url).toMatch(/^(W\/)?"[^"]+"$/)
  return etag!
}

it("an original's ETag is strong and names its content; a rendition's is weak", async () => {
  const original = await etagOf(file.url)
  expect(original).toContain(file.sha1hash)
  const rendition = await etagOf(`${image.url}?w=20`)
  expect(rendition.startsWith('W/')).toBe(true)
  expect(rendition).not.toBe(await etagOf(`${image.url}?w=10`))
  expect(await etagOf(`${image.url}?w=20`)).toBe(rendition)
})

it.each([
  ['the same tag', (etag: string) => etag],
  ['the tag among others', (etag: string) => `"other", ${etag}`],
  ['the tag weak (weak comparison)', (etag: string) => `W/${etag.replace(/^W\//, '')}`],
  ['*', () => '*'],
])('If-None-Match with %s: a 304 without a body, GET and HEAD', async (_, match) => {
  for (const url of [file.url, `${image.url}?w=20`]) {
    const etag = await etagOf(url)
    for (const method of ['GET', 'HEAD']) {
      const res = await fetch(url, {method, headers: {'if-none-match': match(etag)}})
      expect(res.status, `${method} ${url}`).toBe(304)
      expect(res.headers.get('etag')).toBe(etag)
      expect((await res.arrayBuffer()).byteLength).toBe(0)
    }
  }
})

it('If-None-Match with another tag: the whole file', async () => {
  const res = await fetch(file.url, {headers: {'if-none-match': '"not-this-one"'}})
  expect(res.status).toBe(200)
  expect(await res.text()).toBe('সংবাদ বিজ্ঞপ্তি 0123456789')
})

it("If-Range with the original's tag resumes; another tag, or a rendition's weak one, gets it all", async () => {
  const etag = await etagOf(file.url)
  const resumed = await fetch(file.url, {headers: {range: 'bytes=-10', 'if-range': etag}})
  expect(resumed.status).toBe(206)
  expect(await resumed.text()).toBe('0123456789')
  const stale = await fetch(file.url, {headers: {range: 'bytes=-10', 'if-range': '"stale"'}})
  expect(stale.status).toBe(200)
  expect(await stale.text()).toBe('সংবাদ বিজ্ঞপ্তি 0123456789')
  const url = `${image.url}?w=20`
  const weak = await etagOf(url)
  const rendition = await fetch(url, {headers: {range: 'bytes=0-3', 'if-range': weak}})
  // A weak tag never validates a range (RFC 9110 §13.1.5).
  expect(rendition.status).toBe(200)
  await rendition.arrayBuffer()
})
