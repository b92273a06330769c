/**
 * The idle thread under the store's background threads (lake/threads/idleThread.ts): a thread that
 * fails as it starts must not leave the tasks sent to it waiting for ever. Piscina does not start
 * another thread for a pool whose thread failed during its start until a new task comes, so the
 * commit thread's first commit held its dataset's write queue, and every later write, until then.
 */
import {existsSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test, vi} from 'vitest'
import {createIdleThread} from '../../../lake/threads/idleThread.ts'

const WORKER = new URL('./startFailsOnce.ts', import.meta.url).href

const cleanup: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

test('a task sent to a thread that fails as it starts is answered, and the next one runs on a new thread', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lake-idle-thread-'))
  cleanup.push(() => rm(dir, {recursive: true, force: true}))
  vi.stubEnv('IDLE_THREAD_FAIL_FLAG', join(dir, 'failed'))
  cleanup.push(() => void vi.unstubAllEnvs())
  const errors: string[] = []
  const logged = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    errors.push(args.map(String).join(' '))
  })
  cleanup.push(() => logged.mockRestore())
  const thread = createIdleThread<string, string>(WORKER, 'test')
  cleanup.push(() => thread.close())
  const first = await Promise.race([
    thread.run('first').then(
      (answer) => answer,
      (err: Error) => `failed: ${err.message}`,
    ),
    new Promise((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000)),
  ])
  expect(first).toMatch(/^failed: .*could not start/)
  expect(errors.join('\n')).toMatch(/the test thread failed/)
  expect(await thread.run('second')).toBe('done: second')
}, 30_000)

test('a task queued behind one whose thread exits is answered, and the next one runs on a new thread', async () => {
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
  cleanup.push(() => logged.mockRestore())
  const thread = createIdleThread<string, string>(WORKER, 'test')
  cleanup.push(() => thread.close())
  expect(await thread.run('first')).toBe('done: first')
  const settled = (answer: Promise<string>) =>
    Promise.race([
      answer.then(
        (value) => value,
        (err: Error) => `failed: ${err.message}`,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000)),
    ])
  const exiting = settled(thread.run('exit'))
  const queued = settled(thread.run('queued'))
  expect(await exiting).toMatch(/^failed: .*exited/)
  expect(await queued).toMatch(/^failed: .*exited/)
  expect(await thread.run('after')).toBe('done: after')
}, 30_000)

test('a task queued behind a trim whose thread exits is answered, and the next one runs on a new thread', async () => {
  // The trim task runs once the thread's tasks pause; a task sent meanwhile waits behind it.
  const dir = await mkdtemp(join(tmpdir(), 'lake-idle-thread-'))
  cleanup.push(() => rm(dir, {recursive: true, force: true}))
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
  cleanup.push(() => logged.mockRestore())
  const thread = createIdleThread<string, string>(WORKER, 'test', undefined, `exit-when:${dir}`)
  cleanup.push(() => thread.close())
  expect(await thread.run('first')).toBe('done: first')
  await vi.waitFor(() => expect(existsSync(join(dir, 'begun'))).toBe(true), {
    timeout: 20_000,
    interval: 20,
  })
  const queued = Promise.race([
    thread.run('queued').then(
      (value) => value,
      (err: Error) => `failed: ${err.message}`,
    ),
    new Promise((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000)),
  ])
  await writeFile(join(dir, 'go'), '')
  expect(await queued).toMatch(/^failed: .*exited/)
  expect(await thread.run('after')).toBe('done: after')
}, 60_000)
