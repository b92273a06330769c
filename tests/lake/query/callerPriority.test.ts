/**
 * Signed-in callers' work comes first when the CPU is contended: under 500 anonymous clients each
 * scanning a small dataset (10-20 ms of CPU a query, far under the allowance after which a query
 * thread is demoted) an editor's save took 4-5 times its idle time on two cores, and 1.2-1.3 times
 * with the query threads reniced by hand (docs/benchmarks-log.md). An anonymous caller's query
 * runs niced from its start, a signed-in caller's at the lake's priority, and a signed-in caller's
 * query waiting for a turn is taken before anonymous ones that waited longer. Demotion is off here
 * (demoteAfterMs), so a niced thread is one niced for its caller.
 */
import {execFile} from 'node:child_process'
import {getPriority} from 'node:os'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {expect, test} from 'vitest'
import {createQueryPool, type QueryPool} from '../../../lake/query/pool.ts'
import type {QueryTask} from '../../../lake/query/wire.ts'
import {workerNice} from '../../../lake/query/priority.ts'
import {withoutSysNice} from '../../helpers/withoutSysNice.ts'
import {editorSquareQuery, EDITOR, squareFilter, squareQuery} from '../../helpers/squareFilter.ts'
import {nicesWhileRunning} from './callerPriority.ts'

const run = promisify(execFile)

// The test may itself run under `nice` (as CI jobs often do): the gap is what counts.
const lakeNice = getPriority()
const NICED = workerNice(lakeNice)

/** A query of a few tenths of a second of CPU on a quiet machine (squareQuery). */
const LONG = 1200

/**
 * Runs `body` with a pool of one query thread (a deadline of 120 s), closed after it. Demotion
 * is off (1e9 ms, or `demoteAfterMs`): a thread niced is one niced for its caller.
 */
async function onOneThread(
  body: (pool: QueryPool) => Promise<void>,
  demoteAfterMs = 1e9,
): Promise<void> {
  const pool = createQueryPool({timeoutMs: 120_000, memoryMb: 256, threads: 1, demoteAfterMs})
  try {
    await body(pool)
  } finally {
    await pool.close()
  }
}

test("an anonymous caller's query runs on a thread niced from its start, a signed-in caller's at the lake's priority", async () => {
  expect(NICED).toBeGreaterThan(lakeNice)
  await onOneThread(async (pool) => {
    expect(await pool.run(editorSquareQuery(10))).toMatchObject({ok: true})
    // Alternated on the pool's one thread (or, where a thread may not be raised back, the
    // anonymous caller's on a thread of its own): each takes its caller's priority as it begins.
    for (const round of [1, 2]) {
      const anonymous = await nicesWhileRunning(() => pool.run(squareQuery(LONG)))
      expect(anonymous.answer, `round ${round}`).toMatchObject({ok: true})
      expect(anonymous.samples, 'sampled while it ran').toBeGreaterThan(2)
      // Niced from its start (demotion is off: nothing else lowers a thread here).
      expect(anonymous.nices, `anonymous, round ${round}: ${anonymous.sequence}`).toEqual([NICED])

      const editor = await nicesWhileRunning(() => pool.run(editorSquareQuery(LONG)))
      expect(editor.answer).toMatchObject({ok: true})
      expect(editor.samples).toBeGreaterThan(2)
      expect(editor.nices, `signed-in, round ${round}: ${editor.sequence}`).toEqual([lakeNice])
    }
  })
}, 120_000)

test("with demotion off (Infinity) no query's thread is lowered, an anonymous caller's neither", async () => {
  // A test lake sharing a loaded machine sets it where priority is not what it tests: niced from
  // their start, its anonymous questions (a second of CPU each) took past the test's 90 s at load 17.
  await onOneThread(async (pool) => {
    expect(await pool.run(editorSquareQuery(10))).toMatchObject({ok: true})
    const anonymous = await nicesWhileRunning(() => pool.run(squareQuery(LONG)))
    expect(anonymous.answer).toMatchObject({ok: true})
    expect(anonymous.samples, 'sampled while it ran').toBeGreaterThan(2)
    expect(anonymous.nices, `anonymous: ${anonymous.sequence}`).toEqual([lakeNice])
  }, Infinity)
}, 120_000)

test("a signed-in caller's query waiting for a turn is taken before anonymous callers' waiting longer", async () => {
  await onOneThread(async (pool) => {
    expect(await pool.run(squareQuery(10), {holder: 'warm'})).toMatchObject({ok: true})
    const answered: string[] = []
    const ask = (holder: string, task: QueryTask) =>
      pool.run(task, {holder}).then((answer) => {
        expect(answer).toMatchObject({ok: true})
        answered.push(holder)
      })
    // Asked in this order in one turn of the event loop: the first takes the one thread, the others
    // wait for its turn, the editor's last.
    const all = [
      ask('reader-0', squareQuery(400)),
      ...[1, 2, 3, 4, 5].map((n) => ask(`reader-${n}`, squareQuery(10))),
      ask(EDITOR.id, editorSquareQuery(10)),
    ]
    await Promise.all(all)
    // Before: by the order of asking (none had had a turn), the editor's last.
    expect(answered).toEqual([
      'reader-0',
      EDITOR.id,
      'reader-1',
      'reader-2',
      'reader-3',
      'reader-4',
      'reader-5',
    ])
  })
}, 120_000)

test("an anonymous listener's filter runs on a thread niced from its start, a signed-in listener's at the lake's priority", async () => {
  await onOneThread(async (pool) => {
    expect(await pool.run(editorSquareQuery(10))).toMatchObject({ok: true})
    const filter = (anonymous: boolean) =>
      nicesWhileRunning(() =>
        pool.filter(
          squareFilter(LONG),
          120_000,
          120_000,
          anonymous ? 'anonymous@127.0.0.2' : EDITOR.id,
          anonymous,
        ),
      )
    for (const round of [1, 2]) {
      const anonymous = await filter(true)
      expect(anonymous.answer, `round ${round}`).toMatchObject({ok: true})
      expect(anonymous.samples, 'sampled while it ran').toBeGreaterThan(2)
      expect(anonymous.nices, `anonymous, round ${round}: ${anonymous.sequence}`).toEqual([NICED])

      const editor = await filter(false)
      expect(editor.answer).toMatchObject({ok: true})
      expect(editor.samples).toBeGreaterThan(2)
      expect(editor.nices, `signed-in, round ${round}: ${editor.sequence}`).toEqual([lakeNice])
    }
  })
}, 120_000)

test("signed-in callers' queries waiting for a turn are taken before anonymous listeners' filters waiting longer", async () => {
  await onOneThread(async (pool) => {
    // A signed-in reader who has had a turn: by the last turns alone, after every listener's.
    expect(await pool.run(editorSquareQuery(10), {holder: 'reader'})).toMatchObject({ok: true})
    const answered: string[] = []
    const done = (who: string) => (answer: unknown) => {
      expect(answer).toMatchObject({ok: true})
      answered.push(who)
    }
    // Asked in this order in one turn of the event loop: the first takes the one thread, the others
    // wait for its turn, the signed-in callers' last. Anonymous listeners of five addresses, one of
    // which also asked a query before its listener's filter.
    const all = [
      pool.run(squareQuery(400), {holder: 'anonymous@127.0.0.2'}).then(done('query-0')),
      ...[3, 4, 5, 6].map((n) =>
        pool
          .filter(squareFilter(10), 120_000, 120_000, `anonymous@127.0.0.${n}`, true)
          .then(done(`filter-${n}`)),
      ),
      pool.run(squareQuery(10), {holder: 'anonymous@127.0.0.7'}).then(done('query-7')),
      pool
        .filter(squareFilter(10), 120_000, 120_000, 'anonymous@127.0.0.7', true)
        .then(done('filter-7')),
      pool.run(editorSquareQuery(10), {holder: EDITOR.id}).then(done(EDITOR.id)),
      pool.run(editorSquareQuery(10), {holder: 'reader'}).then(done('reader')),
    ]
    await Promise.all(all)
    // Before: the listeners' filters took turns as signed-in callers' (address 7's query too, its
    // queue taken as signed-in once its listener asked), the editor after four of them and the
    // reader, who had had a turn, after all.
    expect(answered.slice(0, 3)).toEqual(['query-0', EDITOR.id, 'reader'])
    expect(answered.slice(3).sort()).toEqual(
      ['filter-3', 'filter-4', 'filter-5', 'filter-6', 'filter-7', 'query-7'].sort(),
    )
  })
}, 120_000)

test("without the right to raise a thread back, anonymous callers' queries run niced on threads of their own and an editor's never on one of them", async () => {
  // A process as a developer runs the lake (tests/helpers/withoutSysNice.ts): a thread lowered
  // for an anonymous caller's query could never take the lake's priority back for an editor's.
  const script = fileURLToPath(new URL('./anonymousThreads.ts', import.meta.url))
  const [command, ...args] = [...withoutSysNice(), process.execPath, script]
  const {stdout} = await run(command, args, {timeout: 100_000})
  const {lakeNice: childNice, runs} = JSON.parse(stdout) as {
    lakeNice: number
    runs: {who: string; ok: boolean; nices: number[]; samples: number}[]
  }
  expect(runs.map(({who}) => who)).toEqual(['anonymous', 'editor', 'anonymous', 'editor'])
  for (const {who, ok, nices, samples} of runs) {
    expect(ok).toBe(true)
    expect(samples, `${who} sampled while it ran`).toBeGreaterThan(2)
    expect(nices, who).toEqual([who === 'anonymous' ? workerNice(childNice) : childNice])
  }
}, 120_000)
