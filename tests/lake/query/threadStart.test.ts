/**
 * Query, write and read threads that cannot start (here: a heap too small to load the engine, a
 * 4 MB limit with no headroom above it, which a lake does not set; in a lake too many open files
 * or too little memory). Piscina
 * starts no thread for the tasks queued in a pool whose threads failed as they started, and a
 * lane's first task waits for its pool's start without a deadline: every read of a large document
 * waited for ever, and every query ran into its deadline with a 504 that said to narrow the filter.
 */
import {afterEach, expect, test, vi} from 'vitest'
import {QueryMemoryError, UnavailableError} from '../../../lake/core/errors.ts'
import {createQueryPool} from '../../../lake/query/pool.ts'

const cleanup: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

/** What `answer` came to, or that it was still waiting after 20 s (far past what it needs). */
const settled = (answer: Promise<unknown>) =>
  Promise.race([
    answer.then(
      () => 'answered',
      (err: unknown) => (err instanceof QueryMemoryError ? 'out of memory' : String(err)),
    ),
    new Promise((resolve) => setTimeout(() => resolve('still waiting after 20 s'), 20_000)),
  ])

function poolOfTinyHeaps(threads: number) {
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
  cleanup.push(() => logged.mockRestore())
  const pool = createQueryPool({timeoutMs: 60_000, memoryMb: 4, headroomMb: 0, threads})
  cleanup.push(() => pool.close())
  return pool
}

test('reads whose lane cannot start a thread are answered, the next read too', async () => {
  const pool = poolOfTinyHeaps(1)
  const read = (id: string) =>
    settled(pool.documents({kind: 'documents', dataDir: '.', dataset: 'none', ids: [id]}))
  expect(await Promise.all([read('a'), read('b'), read('c')])).toEqual([
    'out of memory',
    'out of memory',
    'out of memory',
  ])
  // A new pool for the next: the same answer, not a wait.
  expect(await read('d')).toBe('out of memory')
}, 120_000)

test('queries whose threads cannot start are answered before their deadline, saying why', async () => {
  const pool = poolOfTinyHeaps(3)
  const query = () =>
    settled(
      pool.run({
        kind: 'query',
        dataDir: '.',
        dataset: 'none',
        request: {query: 'count(*)', params: {}, apiVersion: '2025-02-19'},
        principal: {id: 'anonymous', kind: 'anonymous', role: null},
        now: Date.now(),
        projectId: 'local',
      }),
    )
  expect(await Promise.all([query(), query(), query()])).toEqual([
    'out of memory',
    'out of memory',
    'out of memory',
  ])
}, 120_000)

test('a 503 for a lane whose thread cannot start names the lane', async () => {
  // Every lane's said "could not start a query thread": a large write's or a large document's
  // failure pointed whoever read the log at the query threads.
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
  cleanup.push(() => logged.mockRestore())
  const pool = createQueryPool({
    timeoutMs: 60_000,
    memoryMb: 256,
    threads: 1,
    thread: new URL('./threadFailsToStart.ts', import.meta.url).href,
  })
  cleanup.push(() => pool.close())
  const failure = (answer: Promise<unknown>) =>
    answer.then(
      () => 'answered',
      (err: Error) => (err instanceof UnavailableError ? err.message : String(err)),
    )
  const query = pool.run({
    kind: 'query',
    dataDir: '.',
    dataset: 'none',
    request: {query: 'count(*)', params: {}, apiVersion: '2025-02-19'},
    principal: {id: 'anonymous', kind: 'anonymous', role: null},
    now: Date.now(),
    projectId: 'local',
  })
  const write = pool.build({
    kind: 'transaction',
    dataDir: '.',
    dataset: 'none',
    identity: 'pEditor',
    writes: {kind: 'mutations', mutations: []},
  })
  const read = pool.documents({kind: 'documents', dataDir: '.', dataset: 'none', ids: ['a']})
  const messages = await Promise.all([query, write, read].map(failure))
  expect(messages).toEqual([
    expect.stringMatching(
      /^The lake could not start a query thread \(.*could not start \(a test\)\); try again$/,
    ),
    expect.stringMatching(
      /^The lake could not start a write thread \(.*could not start \(a test\)\); try again$/,
    ),
    expect.stringMatching(
      /^The lake could not start a read thread \(.*could not start \(a test\)\); try again$/,
    ),
  ])
}, 120_000)
