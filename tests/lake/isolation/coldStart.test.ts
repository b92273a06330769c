/**
 * A lake started as `npm run lake` starts its query threads before its first request: the Studio's
 * first queries that need one used to wait for the pool's start (each thread loads groq-js and the
 * engine: 2.5-4 s on a busy machine), which began only with the first such query. All of them, one
 * after another: with only the first started, a fresh lake's first flood of queries started the
 * others while it was answered.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {availableParallelism, tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, expect, test} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import {QUERY_THREAD_NAME} from '../../../lake/query/priority.ts'

let lake: LakeProcess | undefined
let dataDir: string | undefined

afterAll(async () => {
  await lake?.stop()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
})

/** The query threads of `pid`: named QUERY_THREAD_NAME in /proc/<pid>/task/<tid>/comm. */
function queryThreadsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).filter((tid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === QUERY_THREAD_NAME
    } catch {
      return false // it ended meanwhile
    }
  }).length
}

test('the query threads start with the lake, before any query', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lake-cold-start-'))
  lake = await startLakeProcess({dataDir, tls: false})
  const pid = lake.child.pid!
  // A query thread names itself first thing (lake/query/thread.ts). No request is sent.
  const queryThreads = () => queryThreadsOf(pid)
  // The pool's number (lake/query/pool.ts: the cores, at least 3), each loaded in turn, niced: on
  // a loaded machine that takes a while.
  const poolThreads = Math.max(3, availableParallelism())
  await expect.poll(queryThreads, {timeout: 150_000, interval: 100}).toBe(poolThreads)
  // The pool's threads stay.
  await sleep(3000)
  expect(queryThreads()).toBe(poolThreads)
}, 240_000)
