/**
 * `?dl=` names a download in `Content-Disposition` (RFC 6266): `filename*` in RFC 8187's encoding
 * for any name, `filename` a plain-ASCII stand-in. A name of 10,000 characters made a header no
 * client reads (fetch: "Headers Overflow Error"; nothing to tell the caller why), a stored name as
 * long made every `?dl=` of its file so, `filename*` carried `'`, `(`, `)` and `*` unescaped (not
 * in RFC 8187's attr-char), and a name kept its path and line breaks.
 */
import type {SanityAssetDocument} from '@sanity/client'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
let file: SanityAssetDocument
let longNamed: SanityAssetDocument
const LONG_NAME = `${'সংবাদ'.repeat(200)}.txt`

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  const client = lake.client({apiVersion: '2026-05-04'})
  file = await client.assets.upload('file', Buffer.from('খবর'), {filename: 'খবর.txt'})
  longNamed = await client.assets.upload('file', Buffer.from('দীর্ঘ'), {filename: LONG_NAME})
})

afterAll(async () => {
  await lake?.close()
})

/** RFC 8187's value characters: attr-char and %-escapes. */
const EXT_VALUE = /^UTF-8''((?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-F]{2})*)$/

async function download(url: string): Promise<{ascii: string; name: string}> {
  const res = await fetch(url)
  const body = await res.text()
  expect(res.status, body.slice(0, 300)).toBe(200)
  const header = res.headers.get('content-disposition')!
  const [, ascii, ext] = /^attachment; filename="([^"]*)"; filename\*=(\S+)$/.exec(header) ?? []
  expect(ext, header).toMatch(EXT_VALUE)
  expect(ascii, header).toMatch(/^[\x20-\x7e]*$/)
  expect(ascii).not.toMatch(/[%\\/]/)
  return {ascii, name: decodeURIComponent(EXT_VALUE.exec(ext!)![1]!)}
}

it.each([
  ["it's (1)*.png", "it's (1)*.png"],
  ['বাংলা ছবি.png', 'বাংলা ছবি.png'],
  ['100%.txt', '100%.txt'],
  ['a\r\nX-Injected: 1.txt', 'a__X-Injected: 1.txt'],
  ['../../etc/passwd', '.._.._etc_passwd'],
  ['C:\\Users\\a.txt', 'C:_Users_a.txt'],
  // A bidi override shows 'কexe.txt' for a file that is an .exe; the joiners Bengali spells with stay.
  ['ক\u202etxt.exe', 'ক_txt.exe'],
  ['\u2066ক\u2069\u200f.txt', '_ক__.txt'],
  ['র\u200d্যাব.txt', 'র\u200d্যাব.txt'],
])('dl=%j is named %j, in both parameters as RFC 6266 reads them', async (dl, expected) => {
  const {name, ascii} = await download(`${file.url}?dl=${encodeURIComponent(dl)}`)
  expect(name).toBe(expected)
  expect(ascii).toHaveLength([...expected].length)
})

it('a name past 255 bytes is shortened as a stored one is, in whole letters, its extension kept', async () => {
  expect((await download(`${file.url}?dl=${'x'.repeat(10_000)}`)).name).toBe('x'.repeat(255))
  // 85 letters of 3 bytes each are 255 bytes.
  const letters = 'খ'.repeat(85)
  expect((await download(`${file.url}?dl=${encodeURIComponent('খ'.repeat(86))}`)).name).toBe(
    letters,
  )
  expect((await download(`${file.url}?dl=${encodeURIComponent(letters)}`)).name).toBe(letters)
  const long = `${'সংবাদ'.repeat(18)}.txt`
  expect(Buffer.byteLength(long)).toBe(274)
  const {name} = await download(`${file.url}?dl=${encodeURIComponent(long)}`)
  expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255)
  expect(name.endsWith('.txt')).toBe(true)
  expect(long.startsWith(name.slice(0, -'.txt'.length))).toBe(true)
  expect(long[name.length - '.txt'.length]).not.toMatch(/\p{M}/u)
})

it('a stored name past 255 bytes is shortened in whole letters, its extension kept', async () => {
  expect(longNamed.originalFilename).toBe(LONG_NAME)
  const {name} = await download(`${longNamed.url}?dl=`)
  expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255)
  expect(name.endsWith('.txt')).toBe(true)
  const stem = name.slice(0, -'.txt'.length)
  expect(LONG_NAME.startsWith(stem)).toBe(true)
  // Whole graphemes: no vowel sign or anusvara is cut from its letter.
  expect(LONG_NAME[stem.length]).not.toMatch(/\p{M}/u)
  expect(Buffer.byteLength(name)).toBeGreaterThan(255 - 'বা'.length * 3)
})
