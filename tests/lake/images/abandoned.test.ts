/**
 * Renditions nobody waits for any more are not rendered: a client that asks for many and goes
 * away does not hold the sharp queue (two jobs at once, lake-wide) for everyone asking after it.
 */
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import sharp from 'sharp'
import {afterAll, beforeAll, expect, it, vi} from 'vitest'
import {SHARP_JOBS, sharpQueue, withSharp} from '../../../lake/assets/sharp.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
let base: string

beforeAll(async () => {
  lake = await startTestLake()
  const jpeg = await sharp({
    create: {width: 2000, height: 1500, channels: 3, background: {r: 200, g: 60, b: 20}},
  })
    .jpeg()
    .toBuffer()
  base = (await lake.client().assets.upload('image', jpeg)).url
})
afterAll(() => lake?.close())

/** Renditions in the lake's image cache on disk. */
function cached(): number {
  const dir = join(lake.dataDir, 'assets', '.cache', 'images')
  return readdirSync(dir).filter((name) => !name.endsWith('.tmp')).length
}

// Its polls may wait 60 s in all (15 + 10 + 20 + 15): a timeout of its own, past that and the
// requests', so that a condition that never holds fails with its poll's diff, not "timed out".
it('renders only what is still wanted after its clients went away; the next image waits for none of it', async () => {
  // Warm: sharp loaded, the cache folder read.
  expect((await fetch(`${base}?w=100`)).status).toBe(200)
  const before = cached()
  // The queue's slots held by jobs of the test's own, so that every rendition asked waits.
  let letGo = () => {}
  const held = new Promise<void>((resolve) => (letGo = resolve))
  const holders = Array.from({length: SHARP_JOBS}, () => withSharp(() => held))
  await expect.poll(() => sharpQueue().running).toBe(SHARP_JOBS)
  // What each rendition's request tells the image cache when its client goes away.
  const {cache} = lake.server.lake.context.images
  const get = cache.get.bind(cache)
  const goneSignals: (AbortSignal | undefined)[] = []
  const asking = vi.spyOn(cache, 'get').mockImplementation((...args) => {
    goneSignals.push(args[3])
    return get(...args)
  })
  const abandon = new AbortController()
  const asked = Array.from({length: 24}, (_, i) =>
    fetch(`${base}?w=${1000 + i}&blur=30`, {signal: abandon.signal}).catch(() => null),
  )
  await expect.poll(() => sharpQueue().waiting, {timeout: 10_000}).toBe(24)
  asking.mockRestore()
  expect(goneSignals).toHaveLength(24)
  abandon.abort()
  await Promise.all(asked)
  // The lake has heard every connection end (it was given a second, which a loaded machine may
  // take longer than).
  await expect
    .poll(() => goneSignals.filter((signal) => signal?.aborted).length, {timeout: 20_000})
    .toBe(24)
  letGo()
  await Promise.all(holders)
  // The next client's rendition is answered, and the queue empties.
  expect((await fetch(`${base}?w=300`)).status).toBe(200)
  await expect.poll(() => sharpQueue().running + sharpQueue().waiting).toBe(0)
  // Before, all 24 abandoned renditions were rendered, and the next waited for them.
  expect(cached() - before - 1).toBe(0)
}, 90_000)
