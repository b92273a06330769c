/**
 * How asset downloads are served to a browser: text in UTF-8 says so (`charset=utf-8`; without it
 * a browser reads `text/plain` and `text/csv` as windows-1252 and Bengali shows as `à¦¬à¦¿`), and
 * images, like files, may be read by any origin (a canvas, `fetch(urlFor(img).url())`, a COEP page),
 * as the URL alone already gives the bytes to anyone.
 */
import type {SanityAssetDocument, SanityImageAssetDocument} from '@sanity/client'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
let bengaliText: SanityAssetDocument
let bengaliCsv: SanityAssetDocument
let latin1Text: SanityAssetDocument
let pdf: SanityAssetDocument
let image: SanityImageAssetDocument

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)
const OTHER_ORIGIN = 'https://mysite.example'

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  const client = lake.client({apiVersion: '2026-05-04'})
  bengaliText = await client.assets.upload('file', Buffer.from('বিজ্ঞপ্তি'), {
    filename: 'x.txt',
    contentType: 'text/plain; charset=utf-8',
  })
  // As the Studio sends it: File.type, no charset.
  bengaliCsv = await client.assets.upload('file', Buffer.from('শিরোনাম,তারিখ\nখবর,২০২৬\n'), {
    filename: 'x.csv',
    contentType: 'text/csv',
  })
  // windows-1252 bytes ("café"): not UTF-8, so no charset is claimed for them.
  latin1Text = await client.assets.upload('file', Buffer.from([0x63, 0x61, 0x66, 0xe9]), {
    filename: 'latin1.txt',
  })
  pdf = await client.assets.upload('file', Buffer.from('%PDF-1.4 বাংলা'), {filename: 'a.pdf'})
  image = await client.assets.upload('image', PNG, {filename: 'dot.png'})
})

afterAll(async () => {
  await lake?.close()
})

it('serves UTF-8 text files with charset=utf-8, whatever the upload declared', async () => {
  for (const [asset, type] of [
    [bengaliText, 'text/plain; charset=utf-8'],
    [bengaliCsv, 'text/csv; charset=utf-8'],
  ] as const) {
    const res = await fetch(asset.url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(type)
    // A range of it too: the same type.
    const part = await fetch(asset.url, {headers: {Range: 'bytes=0-2'}})
    expect(part.status).toBe(206)
    expect(part.headers.get('content-type')).toBe(type)
    await part.arrayBuffer()
  }
  expect(await (await fetch(bengaliText.url)).text()).toBe('বিজ্ঞপ্তি')
})

it('keeps the mimeType in the asset document without parameters, as uploaded', () => {
  expect(bengaliText.mimeType).toBe('text/plain')
  expect(bengaliCsv.mimeType).toBe('text/csv')
})

it('claims no charset for text that is not UTF-8, nor for types that are not text', async () => {
  const latin1 = await fetch(latin1Text.url)
  expect(latin1.headers.get('content-type')).toBe('text/plain')
  await latin1.arrayBuffer()
  const binary = await fetch(pdf.url)
  expect(binary.headers.get('content-type')).toBe('application/pdf')
  await binary.arrayBuffer()
})

it('lets any origin read images and files, originals and renditions, without credentials', async () => {
  for (const url of [image.url, `${image.url}?w=1&fm=png`, bengaliText.url]) {
    const res = await fetch(url, {headers: {Origin: OTHER_ORIGIN}})
    expect(res.status, url).toBe(200)
    expect(res.headers.get('access-control-allow-origin'), url).toBe(OTHER_ORIGIN)
    expect(res.headers.get('access-control-allow-credentials'), url).toBeNull()
    expect(res.headers.get('cross-origin-resource-policy'), url).toBe('cross-origin')
    expect(res.headers.get('vary'), url).toMatch(/Origin/)
    await res.arrayBuffer()
  }
})

it("answers any origin's preflight of a download (a fetch with a header of its own), without credentials", async () => {
  // Until 2026-12-07 a 403: a fetch() of an image URL sending Authorization or any header not
  // CORS-safelisted was refused by the browser, though the same GET without it was readable.
  const preflight = (url: string, method: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: {
        Origin: OTHER_ORIGIN,
        'Access-Control-Request-Method': method,
        'Access-Control-Request-Headers': 'authorization,x-trace',
      },
    })
  for (const url of [image.url, `${image.url}?w=1&fm=png`, bengaliText.url]) {
    for (const method of ['GET', 'HEAD']) {
      const pre = await preflight(url, method)
      expect(pre.status, `${method} ${url}`).toBe(204)
      expect(pre.headers.get('access-control-allow-origin'), url).toBe(OTHER_ORIGIN)
      expect(pre.headers.get('access-control-allow-credentials'), url).toBeNull()
      expect(pre.headers.get('access-control-allow-methods'), url).toBe('GET, HEAD, OPTIONS')
      expect(pre.headers.get('access-control-allow-headers'), url).toBe('authorization,x-trace')
      expect(pre.headers.get('vary'), url).toMatch(/Origin/)
    }
    const res = await fetch(url, {
      headers: {Origin: OTHER_ORIGIN, Authorization: `Bearer ${lake.token}`, 'X-Trace': '1'},
    })
    expect(res.status, url).toBe(200)
    expect(res.headers.get('access-control-allow-origin'), url).toBe(OTHER_ORIGIN)
    expect(res.headers.get('access-control-allow-credentials'), url).toBeNull()
    await res.arrayBuffer()
  }
  // Only reading: a download takes no other method, and the API's routes stay refused.
  const write = await preflight(image.url, 'DELETE')
  expect(write.status).toBe(403)
  expect(write.headers.get('access-control-allow-origin')).toBeNull()
  const api = await preflight(`${lake.url}/v2026-05-04/data/query/test?query=*`, 'GET')
  expect(api.status).toBe(403)
  expect(api.headers.get('access-control-allow-origin')).toBeNull()
})

it("keeps the dataset's API unreadable to that origin", async () => {
  const res = await fetch(
    `${lake.url}/v2026-05-04/data/query/test?query=${encodeURIComponent('*[_type == "sanity.fileAsset"]')}`,
    {headers: {Origin: OTHER_ORIGIN}},
  )
  expect(res.headers.get('access-control-allow-origin')).toBeNull()
  await res.arrayBuffer()
})
