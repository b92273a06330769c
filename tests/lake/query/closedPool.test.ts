/**
 * A closed query pool starts no thread. Piscina's destroy() ends the threads it lists, but a
 * thread it had already let go (its task aborted, the thread still ending: a demoted one freeing
 * its heap on a busy machine) that ended after destroy() made it start a replacement, up to its
 * minimum, which stayed: a query thread and its heap for the life of the process (under load, 3
 * closed pools of 12 left one). overflow.test.ts, in the same process as other files' pools,
 * counted such a thread as its pool's: 5 where the cap is 4.
 */
import {execFileSync} from 'node:child_process'
import {constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'
import {getPriority, tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {UnavailableError} from '../../../lake/core/errors.ts'
import {createQueryPool} from '../../../lake/query/pool.ts'
import {mayRaiseTo, workerNice} from '../../../lake/query/priority.ts'
import type {TransactionTask} from '../../../lake/query/wire.ts'
import {HELD_THREAD_NAME} from './threadHeldInRead.ts'

const folders: string[] = []
/** Writers heldFifo's release keeps open to the test's end. */
const writers: FileHandle[] = []
afterEach(async () => {
  for (const writer of writers.splice(0)) await writer.close()
  for (const folder of folders.splice(0)) rmSync(folder, {recursive: true, force: true})
})

/** This process's threads named by threadHeldInRead.ts, by tid. */
function heldThreads(): string[] {
  return readdirSync('/proc/self/task').filter((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === HELD_THREAD_NAME
    } catch {
      return false // it ended meanwhile
    }
  })
}

/**
 * A FIFO a test thread reads until `release` (then it goes on), and the marker threadHeldInRead.ts
 * writes once it is in that read.
 */
function heldFifo() {
  const folder = mkdtempSync(join(tmpdir(), 'closed-pool-'))
  folders.push(folder)
  const fifo = join(folder, 'fifo')
  execFileSync('mkfifo', [fifo])
  let released = false
  const release = async () => {
    if (released) return
    released = true
    // Opened for reading and writing (on Linux it neither blocks nor fails without a reader) and
    // kept to the test's end with a byte in it: the thread's open and one-byte read go through
    // whether it is in them now or gets there later. A write-only open was ENXIO for a thread
    // not yet there, which then stayed in its open, and the pool's close waited for it.
    const writer = await open(fifo, constants.O_RDWR)
    writers.push(writer)
    await writer.write(Buffer.from('x'))
  }
  return {fifo, marker: join(folder, 'blocked'), release}
}

/** A pool of one thread running the test thread module `module` (beside this file). */
const poolOf = (module: string) =>
  createQueryPool({
    timeoutMs: 60_000,
    memoryMb: 64,
    threads: 1,
    thread: new URL(module, import.meta.url).href,
  })

/** A query task; `extra` tells the test thread module what to hold. */
const task = (extra: object = {}) => ({
  kind: 'query' as const,
  dataDir: '.',
  dataset: 'none',
  request: {query: 'null', params: {}, apiVersion: '2025-02-19'},
  principal: {id: 'anonymous', kind: 'anonymous' as const, role: null},
  now: Date.now(),
  projectId: 'local',
  ...extra,
})

test('a thread that ends after its pool closed leaves no new thread behind', async () => {
  const {fifo, marker, release} = heldFifo()
  const pool = poolOf('./threadHeldInRead.ts')
  try {
    expect(await pool.run(task({}))).toMatchObject({ok: true})
    const client = new AbortController()
    const held = pool.run(task({fifo, marker}), {signal: client.signal})
    await expect.poll(() => existsSync(marker), {timeout: 30_000}).toBe(true)
    // The client leaves: piscina lets the thread go (it cannot end yet), the pool closes.
    client.abort()
    await expect(held).rejects.toBeInstanceOf(UnavailableError)
    // Its replacement has started (named itself) when the pool closes.
    await expect.poll(() => heldThreads().length, {timeout: 20_000, interval: 50}).toBe(2)
    // The close waits for the held one too (startedThreads), so it is let go during the close.
    const closing = pool.close()
    // Every other thread of the pool ends; the held one is still in its read.
    await expect.poll(() => heldThreads().length, {timeout: 20_000, interval: 50}).toBe(1)
    await release()
    await closing
    // It has ended; before, piscina then started a thread for the closed pool, which stayed.
    expect(heldThreads()).toEqual([])
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    expect(heldThreads()).toEqual([])
  } finally {
    await release()
    await pool.close()
  }
}, 60_000)

test("a closing pool gives its threads still lowered the lake's priority back, so that a busy machine does not starve their end", async () => {
  // A thread lowered while it loads the engine ends at that priority when terminated, and the
  // process's exit waits for every thread's end: beside six busy loops, a stopping lake's exit()
  // found such threads still ending in 5 of 6 stops (none with this).
  const {fifo, release} = heldFifo()
  // Read by the thread module as the pool starts it (the pool gives its threads this environment).
  process.env.LAKE_TEST_HELD_LOAD = fifo
  const pool = poolOf('./threadLoweredAtLoad.ts')
  try {
    pool.start()
    const tid = await expect
      .poll(() => Number(existsSync(`${fifo}.tid`) ? readFileSync(`${fifo}.tid`, 'utf8') : 0), {
        timeout: 30_000,
      })
      .toBeGreaterThan(0)
      .then(() => Number(readFileSync(`${fifo}.tid`, 'utf8')))
    delete process.env.LAKE_TEST_HELD_LOAD
    const lakeNice = getPriority()
    // Lowered only where it may be raised again (thread.ts): then the pool raises it.
    const lowered = mayRaiseTo(lakeNice) ? workerNice(lakeNice) : lakeNice
    expect(getPriority(tid)).toBe(lowered)
    const closing = pool.close()
    // Still in its read (it cannot end before), at the lake's priority.
    expect(existsSync(`/proc/self/task/${tid}`)).toBe(true)
    expect(getPriority(tid)).toBe(lakeNice)
    await release()
    await closing
  } finally {
    delete process.env.LAKE_TEST_HELD_LOAD
    await release()
    await pool.close()
  }
}, 60_000)

test("a pool's close is done once its threads have ended, not only been told to", async () => {
  // The process's exit() waits for every thread's end too, but it first ends the thread that
  // keeps the stop limit (lake/cli/stopping.ts): a thread inside a native call then held a
  // stopping process 11-12 s past a close that was done. Waited for in the close, it is within
  // the limit.
  const {fifo, marker, release} = heldFifo()
  const pool = poolOf('./threadHeldInRead.ts')
  try {
    // Its task holds the thread in a read of the FIFO: told to stop, it cannot end before.
    const held = pool.run(task({fifo, marker}))
    held.catch(() => undefined)
    await expect.poll(() => existsSync(marker), {timeout: 30_000}).toBe(true)
    let done = false
    const closing = pool.close().then(() => (done = true))
    await new Promise((resolve) => setImmediate(resolve))
    await expect(held).rejects.toThrow()
    expect(done, 'the close was done while its thread was still in its read').toBe(false)
    expect(heldThreads()).toHaveLength(1)
    await release()
    await closing
    expect(heldThreads()).toEqual([])
  } finally {
    await release()
    await pool.close()
  }
}, 60_000)

test("a pool's close waits for the threads it let go before it (a write whose client went away), not only those piscina lists", async () => {
  // Piscina's destroy() waits for the threads it lists; one whose task was aborted it had already
  // let go (told to stop, removed from its list). A thread inside a native call then outlived the
  // close, and the process's exit() waited for it after ending the stop limit's thread.
  const {fifo, marker, release} = heldFifo()
  const pool = poolOf('./threadHeldInRead.ts')
  try {
    const client = new AbortController()
    // A write lane's thread: no replacement is started for it (only query threads are refilled).
    const held = pool.build(task({fifo, marker}) as unknown as TransactionTask, {
      signal: client.signal,
    })
    held.catch(() => undefined)
    await expect.poll(() => existsSync(marker), {timeout: 30_000}).toBe(true)
    client.abort()
    await expect(held).rejects.toThrow()
    expect(heldThreads()).toHaveLength(1)
    const closing = pool.close()
    // A second caller (the lake's close beside a test's, a signal beside an error) waits as the
    // first does: a boolean guard answered it at once, while the thread was still in its read.
    let secondDone = false
    const again = pool.close().then(() => (secondDone = true))
    // What resolves at once has by the next turn of the event loop; this close cannot before the
    // read is let go (below), so the check decides nothing by time.
    await new Promise((resolve) => setImmediate(resolve))
    expect(secondDone, "a second close was done before the first's threads ended").toBe(false)
    // Done at once before (nothing left in piscina's list). The close cannot be done before the
    // read is let go, so the wait decides nothing once the close waits for the thread.
    const first = await Promise.race([
      closing.then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 2_000, 'still closing')),
    ])
    expect(first, 'the close was done while a thread it let go was still in its read').toBe(
      'still closing',
    )
    expect(heldThreads()).toHaveLength(1)
    await release()
    await closing
    await again
    expect(heldThreads()).toEqual([])
  } finally {
    await release()
    await pool.close()
  }
}, 60_000)

test("a closing pool gives the compile cache's warm-up thread, still lowered, the lake's priority back", async () => {
  // The warm-up (pool.ts warm) loads the engine lowered, as a query thread does, and a pool's
  // close waits for its end: on a busy machine, at a tenth of a core or less, that end held a
  // stopping lake as a lowered query thread's did. A cold cache, so that the warm-up runs here.
  const cache = mkdtempSync(join(tmpdir(), 'closed-pool-cache-'))
  folders.push(cache)
  const saved = process.env.NODE_COMPILE_CACHE
  process.env.NODE_COMPILE_CACHE = cache
  const before = new Set(readdirSync('/proc/self/task'))
  const lakeNice = getPriority()
  const niceOf = (tid: string) => {
    try {
      return getPriority(Number(tid))
    } catch {
      return null // it ended
    }
  }
  const pool = createQueryPool({timeoutMs: 60_000, memoryMb: 64, threads: 1})
  try {
    pool.start()
    // The pool's first thread loads only after the warm-up has ended: a new thread lowered now
    // is the warm-up's (thread.ts lowers it as it begins to load the engine).
    let warmUp: string | undefined
    const recorded = () => readdirSync(cache).some((name) => name.endsWith('.warm-up.json'))
    while (!warmUp && !recorded()) {
      warmUp = readdirSync('/proc/self/task').find(
        (tid) => !before.has(tid) && niceOf(tid) === workerNice(lakeNice),
      )
      if (!warmUp) await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(warmUp, 'the warm-up was not seen lowered before it ended').toBeDefined()
    const closing = pool.close()
    // Lowered either way (thread.ts); raised only where the lake may raise a thread.
    expect(niceOf(warmUp!)).toBe(mayRaiseTo(lakeNice) ? lakeNice : workerNice(lakeNice))
    await closing
  } finally {
    if (saved === undefined) delete process.env.NODE_COMPILE_CACHE
    else process.env.NODE_COMPILE_CACHE = saved
    await pool.close()
  }
}, 60_000)
