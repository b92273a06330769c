/**
 * The give-up of a Piscina pool whose failed thread left tasks queued with no thread to run them
 * (lake/threads/strandedPools.ts), on a real pool: the idle thread and the query pool's lanes
 * rest on it (their own tests: idleThread.test.ts, tests/lake/query/threadStart.test.ts).
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Piscina} from 'piscina'
import {afterEach, expect, test} from 'vitest'
import {createStrandedPools} from '../../../lake/threads/strandedPools.ts'

const WORKER = new URL('./startFailsOnce.ts', import.meta.url).href

const cleanup: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

/** A pool of one thread; with `failFlag`, its first thread fails as it starts. */
function pool(failFlag?: string) {
  const started = new Piscina<string, string>({
    filename: WORKER,
    minThreads: 0,
    maxThreads: 1,
    env: failFlag ? {...process.env, IDLE_THREAD_FAIL_FLAG: failFlag} : {...process.env},
  })
  cleanup.push(() => started.destroy().catch(() => undefined))
  return started
}

test('a pool whose thread failed as it started, its tasks queued, is given up: they are answered with the failure', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lake-stranded-'))
  cleanup.push(() => rm(dir, {recursive: true, force: true}))
  const stranded = createStrandedPools()
  const failing = pool(join(dir, 'failed'))
  const given: boolean[] = []
  const failed = new Promise<Error>((resolve) =>
    failing.on('error', (err: Error) => {
      given.push(stranded.giveUp(failing, err))
      resolve(err)
    }),
  )
  const answers = ['a', 'b'].map((task) =>
    failing.run(task).then(
      (answer) => answer,
      (err: Error) => err,
    ),
  )
  const err = await failed
  expect(err.message).toMatch(/could not start/)
  expect(given).toEqual([true])
  expect(stranded.failure(failing)).toBe(err)
  // Answered (the pool destroyed), not left waiting for a thread Piscina would not start.
  for (const answer of await Promise.all(answers)) expect(answer).toBeInstanceOf(Error)
  // Given up once: a later failure of the same pool keeps the first.
  expect(stranded.giveUp(failing, new Error('later'))).toBe(false)
  expect(stranded.failure(failing)).toBe(err)
  // The next pool (the flag is written: its thread starts) runs its task.
  const next = pool(join(dir, 'failed'))
  expect(await next.run('c')).toBe('done: c')
  expect(stranded.failure(next)).toBeUndefined()
}, 60_000)

test('a pool with a thread, or with no task waiting, is not given up', async () => {
  const stranded = createStrandedPools()
  const idle = pool()
  expect(stranded.giveUp(idle, new Error('no task waits'))).toBe(false)
  expect(await idle.run('a')).toBe('done: a')
  expect(idle.threads.length).toBe(1)
  expect(stranded.giveUp(idle, new Error('a thread is running'))).toBe(false)
  expect(stranded.failure(idle)).toBeUndefined()
  expect(await idle.run('b')).toBe('done: b')
}, 60_000)
