/**
 * The body memory thread (lake/http/bodyMemory.ts) lets go of the shared memory it hands out. A
 * shared buffer is freed once every heap holding it has collected its handle, and shared memory
 * counts in no heap's size, so a thread that allocates nothing else never collected: 240 write
 * bodies of 12 MB whose clients went away mid-body (each memory asked for in four growing steps)
 * kept a lake at 5.7 GB until the thread ended, idle, a minute later. Counted, not timed: the
 * process's resident memory, polled until it falls (the test's timeout is the hang guard).
 */
import {readFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, expect, test} from 'vitest'
import {
  ABANDONED_BYTES,
  ABANDONED_COLLECT_MS,
  createBodyMemory,
} from '../../../lake/http/bodyMemory.ts'
import {exposedGc} from '../../../lake/threads/exposedGc.ts'

const MIB = 1024 * 1024
/** Far past the test's timeout: the thread does not end idle while the test waits. */
const memory = createBodyMemory(10 * 60_000)
afterAll(() => memory.close())

const rss = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024

test(
  'shared memory handed out and dropped here is freed without waiting for the thread to end',
  {timeout: 30_000},
  async () => {
    const gc = exposedGc()!
    // The thread started, and its module loaded, before the reading.
    await memory.allocate(MIB)
    gc({type: 'major'})
    const before = rss()
    for (let i = 0; i < 16; i++) await memory.allocate(32 * MIB)
    // Every page touched there: 512 MiB more here, whatever the other heaps do.
    expect(rss() - before).toBeGreaterThan(448 * MIB)
    // No handle is left here: only the thread's own can keep the memory.
    gc({type: 'major'})
    while (rss() - before > 128 * MIB) {
      await sleep(50)
      gc({type: 'major'})
    }
  },
)

test('bodies abandoned past 32 MiB get one collection of this heap a second later, a burst one', async () => {
  let collections = 0
  const counted = createBodyMemory(10 * 60_000, () => collections++)
  try {
    // Under the bound: none, however long it waits.
    counted.abandoned(ABANDONED_BYTES - 1)
    await sleep(ABANDONED_COLLECT_MS + 500)
    expect(collections).toBe(0)
    // Past it, and a burst more meanwhile: one.
    for (let i = 0; i < 20; i++) counted.abandoned(12 * MIB)
    while (collections === 0) await sleep(50)
    await sleep(ABANDONED_COLLECT_MS + 500)
    expect(collections).toBe(1)
    // Counted from nothing again after it.
    counted.abandoned(ABANDONED_BYTES)
    while (collections === 1) await sleep(50)
  } finally {
    await counted.close()
  }
})
