/**
 * The mixed load's CPU of the query threads (bench/lake.ts threadCpuSince): the lake replaces a
 * query thread stopped at its deadline, and the thread's /proc entry goes with it. Its CPU until
 * then is the query threads' too (the pathological query's, a thread every 10 s under the mixed
 * load). Here the threads are this process's own, named as the lake names its query threads.
 */
import {readFileSync} from 'node:fs'
import {Worker} from 'node:worker_threads'
import {expect, test} from 'vitest'
import {threadCpuSince, threadSecondsOf, threadsSettled} from '../../bench/lake.ts'

const NAME = 'cpu-test-spin'

/** A thread that names itself `name`, spins for `ms` of its own CPU, then ends. */
function spinFor(name: string, ms: number): Promise<void> {
  const worker = new Worker(
    `const {writeFileSync} = require('node:fs')
     writeFileSync('/proc/thread-self/comm', ${JSON.stringify(name)})
     const cpu = () => Number(require('node:fs').readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6
     const until = cpu() + ${ms}
     while (cpu() < until) {}`,
    {eval: true},
  )
  return new Promise((resolve, reject) => {
    worker.once('error', reject)
    worker.once('exit', () => resolve())
  })
}

/** CPU (s) this process's threads have used, ended ones included (/proc/self/stat). */
function processSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

test('the CPU of threads of a name counts those that ended before the reading', async () => {
  const cpu = threadCpuSince(process.pid, NAME)
  const before = processSeconds()
  // One after the other, each ended before the next: none is there when cpu.stop() reads.
  for (let i = 0; i < 3; i++) await spinFor(NAME, 400)
  await spinFor('cpu-test-other', 400)
  const spent = processSeconds() - before
  const seconds = cpu.stop()
  // 1.2 s of CPU by the threads of that name (less what each used in its last reading's interval);
  // not the other thread's.
  expect(seconds).toBeGreaterThan(0.8)
  expect(seconds).toBeLessThan(spent - 0.3)
}, 30_000)

test('threadsSettled waits until the threads of a name stop using CPU', async () => {
  // The bench's warm-up returns while query threads still load the engine (bench/lake.ts).
  const name = 'settle-spin'
  let ended = 0
  const spinning = [spinFor(name, 500), spinFor(name, 500)].map((run) => run.then(() => ended++))
  // Once both have named themselves (before that they are WorkerThreads like any other).
  while ([...threadSecondsOf(process.pid).values()].filter((t) => t.name === name).length < 2) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  await threadsSettled(process.pid, name, 300, 60_000)
  expect(ended).toBe(2)
  await Promise.all(spinning)
  // None of that name: settled after the quiet time alone.
  expect(await threadsSettled(process.pid, name, 300, 60_000)).toBeLessThan(30_000)
}, 90_000)
