/**
 * A rendition's time is bounded (LAKE_IMAGE_RENDER_SECONDS, sharp's timeout): one that takes
 * longer is stopped and refused with a 422 saying what to ask for instead, and its slot of the
 * sharp queue is free for the next image. An AVIF of a large image of noise (nothing for the
 * encoder to save) takes seconds on any machine; the bound here is one.
 */
import sharp from 'sharp'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {SHARP_JOBS, sharpQueue} from '../../../lake/assets/sharp.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
let base: string
let tiny: string

beforeAll(async () => {
  lake = await startTestLake({env: {LAKE_IMAGE_RENDER_SECONDS: '1'}})
  const noise = await sharp({
    create: {
      width: 4000,
      height: 4000,
      channels: 3,
      background: {r: 0, g: 0, b: 0},
      noise: {type: 'gaussian', mean: 128, sigma: 60},
    },
  })
    .jpeg({quality: 90})
    .toBuffer()
  base = (await lake.client().assets.upload('image', noise)).url
  // The image behind them: a few pixels, rendered in far less than the bound however busy.
  const dot = await sharp({
    create: {width: 32, height: 32, channels: 3, background: {r: 0, g: 106, b: 78}},
  })
    .png()
    .toBuffer()
  tiny = (await lake.client().assets.upload('image', dot)).url
}, 120_000)
afterAll(() => lake?.close())

it('stops a render past its time with a 422 saying what to ask instead, and frees its slot', async () => {
  // As many slow renders as the queue has slots, and a small one behind them.
  const slow = Array.from({length: SHARP_JOBS}, (_, i) =>
    fetch(`${base}?w=${4000 - i}&fm=avif&q=100`),
  )
  const small = fetch(`${tiny}?w=16&fm=jpg`)
  for (const res of await Promise.all(slow)) {
    const body = (await res.json()) as {error?: string; message?: string}
    expect({status: res.status, message: body.message}).toEqual({
      status: 422,
      message: expect.stringMatching(
        /took longer than 1 s and was stopped: ask for a smaller size/,
      ),
    })
  }
  const answered = await small
  expect(answered.status, answered.status === 200 ? '' : await answered.clone().text()).toBe(200)
  expect((await sharp(Buffer.from(await answered.arrayBuffer())).metadata()).width).toBe(16)
  await expect.poll(() => sharpQueue().running + sharpQueue().waiting).toBe(0)
}, 180_000)
