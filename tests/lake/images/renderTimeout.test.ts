/**
 * A rendition's work is bounded. sharp's timeout (LAKE_IMAGE_RENDER_SECONDS) stops libvips while
 * it computes pixels, but an AVIF's encode is one libheif call after that which nothing stops (a
 * 1200×1200 AVIF ran 24.9 s under a 1 s timeout), so AVIF output is bounded before it starts: past
 * LAKE_IMAGE_MAX_AVIF_PIXELS it is a 400 naming the cap and what to ask instead, and
 * `auto=format` picks WebP. Both checks here depend on no machine's speed: the cap is set small,
 * and the time bound is one already spent.
 */
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import sharp from 'sharp'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {UnprocessableError} from '../../../lake/core/errors.ts'
import {parseTransform, renderImage} from '../../../lake/assets/imageTransform.ts'
import {sharpQueue} from '../../../lake/assets/sharp.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

// 100×100: a 200-pixel-wide rendition of the 300×200 image is past it, a 100-pixel one within.
const MAX_AVIF_PIXELS = 10_000

let lake: TestLake
let base: string
let png: Buffer

beforeAll(async () => {
  lake = await startTestLake({env: {LAKE_IMAGE_MAX_AVIF_PIXELS: String(MAX_AVIF_PIXELS)}})
  png = await sharp({
    create: {width: 300, height: 200, channels: 3, background: {r: 0, g: 106, b: 78}},
  })
    .png()
    .toBuffer()
  base = (await lake.client().assets.upload('image', png)).url
}, 120_000)
afterAll(() => lake?.close())

it('refuses an AVIF past the cap before any work with a 400 saying what to ask instead', async () => {
  const over = await fetch(`${base}?w=200&fm=avif`)
  expect({status: over.status, body: await over.text()}).toEqual({
    status: 400,
    body: expect.stringMatching(
      /AVIF is 200×133 pixels; the lake encodes AVIF up to 10000 pixels .*fm=webp or jpg.*lower w, h or dpr/,
    ),
  })
  const within = await fetch(`${base}?w=100&fm=avif`)
  expect(within.status, within.status === 200 ? '' : await within.clone().text()).toBe(200)
  expect(within.headers.get('content-type')).toBe('image/avif')
  expect((await sharp(Buffer.from(await within.arrayBuffer())).metadata()).width).toBe(100)
})

it('answers auto=format past the AVIF cap with the next format the client accepts', async () => {
  const res = await fetch(`${base}?w=200&auto=format`, {
    headers: {accept: 'image/avif,image/webp,*/*'},
  })
  expect(res.status, res.status === 200 ? '' : await res.clone().text()).toBe(200)
  expect(res.headers.get('content-type')).toBe('image/webp')
  expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).toBe(200)
})

it('refuses a rendition whose time is spent with a 422 saying what to ask instead, and frees its slot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'render-time-'))
  const path = join(dir, 'image.png')
  writeFileSync(path, png)
  const source = {width: 300, height: 200, extension: 'png'}
  const t = parseTransform(new URLSearchParams('w=100&fm=webp'), source, undefined)
  const rendering = renderImage(path, t, source, {maxSourcePixels: 1e8, renderSeconds: 0})
  await expect(rendering).rejects.toThrow(UnprocessableError)
  await expect(rendering).rejects.toThrow(
    /took longer than 0 s and was stopped: ask for a smaller size/,
  )
  await expect.poll(() => sharpQueue().running + sharpQueue().waiting).toBe(0)
})
