/**
 * The one queue of image work (lake/assets/sharp.ts) takes turns by caller: anyone may ask for
 * renditions (asset URLs need no token), and one caller's hundreds, each waited for, held the queue
 * in arrival order, so every other caller's rendition and every upload's metadata waited behind
 * all of them (renditions of a large image take 0.2-2 s each, two at a time).
 */
import {expect, it} from 'vitest'
import {SHARP_JOBS, sharpQueue, withSharp} from '../../../lake/assets/sharp.ts'

it("another caller's job runs at the next free slot, not behind one caller's queue", async () => {
  const started: string[] = []
  const gates: (() => void)[] = []
  const job = (name: string, holder: string) =>
    withSharp(
      () => {
        started.push(name)
        return new Promise<void>((resolve) => gates.push(resolve))
      },
      undefined,
      holder,
    )
  const flood = Array.from({length: SHARP_JOBS + 10}, (_, i) => job(`a${i}`, 'flooder'))
  // The flooder's first jobs hold every slot; the rest wait.
  while (started.length < SHARP_JOBS) await new Promise((resolve) => setImmediate(resolve))
  const other = job('b', 'other')
  const uploads = job('u', '')
  while (sharpQueue().waiting < 12) await new Promise((resolve) => setImmediate(resolve))
  // Free one slot at a time, each job as it starts.
  let freed = 0
  while (started.length < SHARP_JOBS + 12) {
    gates[freed++]()
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  while (freed < gates.length) gates[freed++]()
  await Promise.all([...flood, other, uploads])
  // Turns go round the callers waiting: the flooder's next, then the other caller's, then the
  // callers' without one (uploads, the backfill), then the flooder's again.
  expect(started.slice(SHARP_JOBS, SHARP_JOBS + 4)).toEqual(['a2', 'b', 'u', 'a3'])
  expect(sharpQueue()).toEqual({running: 0, waiting: 0})
})
