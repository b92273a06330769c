/**
 * The read lane keeps no thread while idle (minThreads 0): when each of its threads was stopped
 * under its task (a listener filter past its budget), Piscina started none for the task queued
 * behind them, which waited until its own bound for a thread that never came.
 */
import {afterEach, expect, test} from 'vitest'
import {ListenerOverloadedError, QueryTimeoutError} from '../../../lake/core/errors.ts'
import {createQueryPool} from '../../../lake/query/pool.ts'

const cleanup: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

/** A document's JSON text in shared memory, as a large one reaches a filter: read-lane work. */
function text(id: string): Uint8Array {
  const items = Array.from({length: 20_000}, (_, k) => ({t: `${id}-${k}`}))
  const bytes = new TextEncoder().encode(JSON.stringify({_id: id, _type: 'a', items}))
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength))
  shared.set(bytes)
  return shared
}

test('a filter queued behind filters whose read threads were stopped gets a new thread', async () => {
  const pool = createQueryPool({timeoutMs: 60_000, memoryMb: 512, threads: 1})
  cleanup.push(() => pool.close())
  // Quadratic in the items (minutes): each runs past its budget, and its thread is stopped.
  const filter = (id: string) =>
    pool
      .filter(
        {
          kind: 'filter',
          query: '*[count(items[t in ^.items[].t]) > 0]',
          params: {},
          identity: 'x',
          documents: [text(id)],
        },
        1_000,
        30_000,
      )
      .then(
        (answer) => `answered ${JSON.stringify(answer)}`,
        (err: unknown) =>
          err instanceof QueryTimeoutError
            ? 'past its budget'
            : err instanceof ListenerOverloadedError
              ? 'waited for a thread'
              : String(err),
      )
  // The lane's two threads take the first two; the third waits in its queue.
  expect(await Promise.all([filter('a'), filter('b'), filter('c')])).toEqual([
    'past its budget',
    'past its budget',
    'past its budget',
  ])
}, 120_000)
