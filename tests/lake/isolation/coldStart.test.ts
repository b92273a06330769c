/**
 * A lake started as `npm run lake` starts its query threads before its first request: the Studio's
 * first queries that need one used to wait for the pool's start (each thread loads groq-js and the
 * engine: 2.5-4 s on a busy machine), which began only with the first such query.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
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
  await expect.poll(queryThreads, {timeout: 60_000, interval: 100}).toBeGreaterThan(0)
  // The pool's thread stays.
  await sleep(3000)
  await expect.poll(queryThreads, {timeout: 30_000, interval: 100}).toBeGreaterThan(0)
}, 120_000)
