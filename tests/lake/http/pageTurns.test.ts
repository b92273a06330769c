/**
 * Export pages' turns (lake/http/pageTurns.ts): one page at a time, each in a turn of the event
 * loop of its own, a freed turn to the caller whose turn came longest ago.
 */
import {setImmediate as nextTurn} from 'node:timers/promises'
import {expect, test} from 'vitest'
import {createPageTurns} from '../../../lake/http/pageTurns.ts'

/** Takes a turn for `holder`, notes it in `order`, and ends it at once. */
async function page(turns: ReturnType<typeof createPageTurns>, holder: string, order: string[]) {
  const end = await turns.take(holder, new AbortController().signal)
  order.push(holder)
  end!()
}

test("another caller's page comes after one of a caller's many, not after all of them", async () => {
  const turns = createPageTurns()
  const order: string[] = []
  const pages = Array.from({length: 10}, () => page(turns, 'many', order))
  pages.push(page(turns, 'other', order))
  expect(turns.waiting).toBe(11)
  await Promise.all(pages)
  expect(order.indexOf('other')).toBeLessThanOrEqual(1)
  expect(turns.waiting).toBe(0)
})

test('one page at a time, each in a turn of the event loop of its own', async () => {
  const turns = createPageTurns()
  let reading = 0
  let most = 0
  /** Turns of the loop counted while the pages are read. */
  let loopTurns = 0
  let counting = true
  void (async () => {
    while (counting) {
      await nextTurn()
      loopTurns++
    }
  })()
  await Promise.all(
    Array.from({length: 20}, async (_, i) => {
      const end = await turns.take(`caller-${i % 3}`, new AbortController().signal)
      most = Math.max(most, ++reading)
      await Promise.resolve()
      reading--
      end!()
    }),
  )
  counting = false
  expect(most).toBe(1)
  expect(loopTurns).toBeGreaterThanOrEqual(19)
})

test('a page whose client went away while it waited takes no turn, and the others go on', async () => {
  const turns = createPageTurns()
  const order: string[] = []
  const gone = new AbortController()
  const first = page(turns, 'a', order)
  const left = turns.take('b', gone.signal)
  const last = page(turns, 'c', order)
  gone.abort()
  expect(await left).toBe(null)
  await Promise.all([first, last])
  expect(order).toEqual(['a', 'c'])
  expect(turns.waiting).toBe(0)
})
