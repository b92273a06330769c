/**
 * A batch of listener filters over the same large texts (the read lane) mixing anonymous and
 * signed-in listeners takes a signed-in listener's turn, not its first listener's: taken as the
 * first's when that is an anonymous address, the turn marked the address's whole queue on the lane
 * as signed-in, so its other waiting filters went ahead of every other anonymous caller's (the
 * bug the filters' `anonymous` flag fixed, left on this path). Counted, not timed: the read lane's
 * two threads are held by tasks waiting on a latch (threadWaitsOnLatch.ts), the filters ask for
 * turns, then the threads are freed one at a time and the order the filters began is read.
 */
import {expect, test} from 'vitest'
import {createQueryPool} from '../../../lake/query/pool.ts'

/** Up to 16 tasks begun: [0] counts them, then their labels (threadWaitsOnLatch.ts). */
const began = new Int32Array(new SharedArrayBuffer(4 * 16))
const latch = () => new Int32Array(new SharedArrayBuffer(4))
const release = (held: Int32Array) => {
  Atomics.store(held, 0, 1)
  Atomics.notify(held, 0)
}
async function begun(count: number) {
  for (;;) {
    const now = Atomics.load(began, 0)
    if (now >= count) return
    await Atomics.waitAsync(began, 0, now).value
  }
}
/** A large document's text: filters over it run on the read lane, batched with others over it. */
const text = () => new Uint8Array(new SharedArrayBuffer(2)).fill(0x7b)

test("a batch of an anonymous and a signed-in listener's filters takes the signed-in one's turn, not the address's", async () => {
  Atomics.store(began, 0, 0)
  const pool = createQueryPool({
    timeoutMs: 60_000,
    buildTimeoutMs: 60_000,
    memoryMb: 128,
    thread: new URL('./threadWaitsOnLatch.ts', import.meta.url).href,
  })
  const firstHeld = latch()
  const secondHeld = latch()
  const rest = latch()
  const filter = (label: number, documents: Uint8Array[], holder: string, anonymous: boolean) =>
    pool.filter(
      {
        kind: 'filter',
        query: '*',
        params: {},
        identity: holder,
        documents,
        label,
        began: began.buffer,
        latch: rest.buffer,
      } as never,
      120_000,
      120_000,
      holder,
      anonymous,
    )
  try {
    const hold = (label: number, held: Int32Array) =>
      pool.documents({kind: 'documents', label, began: began.buffer, latch: held.buffer} as never, {
        holder: 'holder',
      })
    const holding = [hold(100, firstHeld), hold(101, secondHeld)]
    await begun(2)
    const x = [text()]
    const y = [text()]
    const z = [text()]
    const waiting = [
      // Another anonymous address's filter, asked first.
      filter(1, x, 'anonymous@127.0.0.3', true),
      // The address's own filter over other texts.
      filter(2, y, 'anonymous@127.0.0.2', true),
      // One batch over the same texts: the address's listener first, then an editor's.
      filter(3, z, 'anonymous@127.0.0.2', true),
      filter(4, z, 'editor', false),
    ]
    // The batches run on the next turn of the event loop; each has asked for its turn after it.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
    release(firstHeld)
    await begun(3)
    release(secondHeld)
    await begun(4)
    release(rest)
    await begun(5)
    await Promise.all([...holding, ...waiting])
    const order = [...began.subarray(3, 6)]
    // The editor's batch (labelled by its first filter), then the addresses' by who asked first.
    // Before: the address's own filter went first, as a signed-in caller's ([2, 3, 1]).
    expect(order).toEqual([3, 1, 2])
  } finally {
    release(firstHeld)
    release(secondHeld)
    release(rest)
    await pool.close()
  }
}, 120_000)
