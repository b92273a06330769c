/**
 * bench/bulk.ts's run-queue waits by thread (bench/lake.ts threadWaits): what each of the lake's
 * threads ran and waited for a core over the load, worker threads told apart by what they ran.
 */
import {expect, test} from 'vitest'
import {queryThreadsSettled, threadWaits, threadWaitsOf} from '../../bench/lake.ts'

const thread = (name: string, ran: number, waited: number) => ({name, ran, waited})

test('threadWaits subtracts the first reading, sums names and ranks worker threads by what they ran', () => {
  const before = new Map([
    ['1', thread('MainThread', 10, 4)],
    ['2', thread('V8Worker', 1, 1)],
    ['3', thread('V8Worker', 2, 0.5)],
    ['4', thread('WorkerThread', 5, 1)],
    ['5', thread('WorkerThread', 3, 2)],
  ])
  const after = new Map([
    ['1', thread('MainThread', 15, 10)],
    ['2', thread('V8Worker', 2, 2)],
    ['3', thread('V8Worker', 3, 1)],
    // Ran 1 s during the load, the other 4 s: ranked second.
    ['4', thread('WorkerThread', 6, 1.5)],
    ['5', thread('WorkerThread', 7, 3)],
    // Started during the load: counted from 0.
    ['6', thread('WorkerThread', 2, 0.25)],
  ])
  expect(threadWaits(before, after)).toEqual(
    new Map([
      ['MainThread', {ran: 5, waited: 6}],
      ['V8Worker', {ran: 2, waited: 1.5}],
      ['WorkerThread 1', {ran: 4, waited: 1}],
      ['WorkerThread 2', {ran: 2, waited: 0.25}],
      ['WorkerThread 3', {ran: 1, waited: 0.5}],
    ]),
  )
})

test("threadWaitsOf reads this process's threads off /proc", () => {
  const threads = [...threadWaitsOf(process.pid).values()]
  const main = threads.find((t) => t.name === 'MainThread' || t.name === 'node')
  expect(main?.ran).toBeGreaterThan(0)
  expect(threads.every((t) => t.waited >= 0)).toBe(true)
})

test('queryThreadsSettled: every expected query thread named and none of them running', () => {
  const before = new Map([
    ['1', thread('MainThread', 10, 4)],
    ['2', thread('lake-query', 1.2, 0.5)],
    ['3', thread('lake-query', 0.9, 0.5)],
  ])
  // The event loop's work does not count; the query threads ran nothing in between.
  const quiet = new Map([...before, ['1', thread('MainThread', 11, 4)]])
  expect(queryThreadsSettled(before, quiet, 2)).toBe(true)
  // One still loading.
  const loading = new Map([...quiet, ['3', thread('lake-query', 1.1, 0.6)]])
  expect(queryThreadsSettled(before, loading, 2)).toBe(false)
  // A third expected, not yet named (a thread names itself before it loads).
  expect(queryThreadsSettled(before, quiet, 3)).toBe(false)
  // Named since the first reading: counted from 0, so one that ran is still loading.
  const started = new Map([...quiet, ['4', thread('lake-query', 0.2, 0.1)]])
  expect(queryThreadsSettled(before, started, 3)).toBe(false)
  expect(queryThreadsSettled(started, started, 3)).toBe(true)
})
