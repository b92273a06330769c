/**
 * A lake run without CAP_SYS_NICE (a developer's `npm run dev`, RLIMIT_NICE 0): a thread may lower
 * its priority but never take it back. Query threads that loaded niced stayed niced for life, and
 * readers' queries lost to any other load (priority.ts); a demoted thread would be reused niced.
 * The tests run as root here and in CI: the child lake drops the capability and the limit
 * (tests/helpers/withoutSysNice.ts).
 */
import {readdirSync, readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, expect, test} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import {QUERY_THREAD_NAME, workerNice} from '../../../lake/query/priority.ts'
import {mayRaiseNice, withoutSysNice} from '../../helpers/withoutSysNice.ts'
import {API} from './childLake.ts'
import {pathologicalUrl, timed} from './pathological.ts'

let lake: LakeProcess | undefined
let dataDir: string | undefined
afterAll(async () => {
  await lake?.stop()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
})

/** The nice value (field 19 of stat) of each query thread of `pid`, by Linux thread id. */
function queryThreadsOf(pid: number): Map<string, number> {
  const threads = new Map<string, number>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== QUERY_THREAD_NAME)
        continue
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      threads.set(tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]))
    } catch {
      // It ended meanwhile.
    }
  }
  return threads
}

const niceOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
}

test("without CAP_SYS_NICE, query threads run at the lake's priority, and a demoted one is retired, not reused niced", async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lake-no-sys-nice-'))
  lake = await startLakeProcess({
    dataDir,
    tls: false,
    through: withoutSysNice(),
    args: ['--query-timeout', '120'],
    timeoutMs: 180_000,
  })
  const pid = lake.child.pid!
  // The lake really may not raise a thread back: neither the capability nor RLIMIT_NICE.
  expect(mayRaiseNice(pid)).toBe(false)
  const lakeNice = niceOf(pid)
  const headers = {authorization: `Bearer ${lake.token}`}
  const cheap = `${lake.url}/${API}/data/query/test?query=${encodeURIComponent('count(string::split("ab", ""))')}`

  // A cheap query answered on a query thread; every query thread, once started, at the lake's
  // priority (before: all 10 steps down for life, loaded niced and refused the way back).
  expect((await timed(cheap, {headers})).status).toBe(200)
  await sleep(3000) // the other threads start after the first task
  expect(queryThreadsOf(pid).size).toBeGreaterThan(0)
  expect([...queryThreadsOf(pid).values()]).toEqual(
    [...queryThreadsOf(pid).values()].map(() => lakeNice),
  )

  // A query of over a second of CPU (square in its length: 400 characters took 0.3 s, barely past
  // the allowance, and a loaded run saw no demotion): its thread is demoted past DEMOTE_AFTER_MS,
  // and then, unable to take the lake's priority back, retired once the query is answered.
  const demoted = new Set<string>()
  let answered = false
  const slow = timed(pathologicalUrl(lake.url, 'test', 800), {headers}).finally(
    () => (answered = true),
  )
  while (!answered) {
    for (const [tid, nice] of queryThreadsOf(pid))
      if (nice === workerNice(lakeNice)) demoted.add(tid)
    await sleep(20)
  }
  expect((await slow).status).toBe(200)
  expect(demoted.size, 'the slow query was demoted').toBeGreaterThan(0)
  // A thread ending niced is given little CPU to end on a busy machine (CI's, with other tests).
  await expect
    .poll(() => [...demoted].filter((tid) => queryThreadsOf(pid).has(tid)), {timeout: 60_000})
    .toEqual([])
  // Cheap queries still answered, on threads at the lake's priority.
  for (let i = 0; i < 5; i++) expect((await timed(cheap, {headers})).status).toBe(200)
  const after = queryThreadsOf(pid)
  expect(after.size).toBeGreaterThan(0)
  expect([...after.values()]).toEqual([...after.values()].map(() => lakeNice))
}, 300_000)
