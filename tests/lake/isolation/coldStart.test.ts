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

let lake: LakeProcess | undefined
let dataDir: string | undefined

afterAll(async () => {
  await lake?.stop()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
})

/**
 * The worker threads of `pid` (so named in /proc/<pid>/task/<tid>/comm) that loaded the query
 * engine: 100 ms of CPU and more (schedstat, ns), where the lake's idle helper threads have
 * used a few.
 */
function engineThreads(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).filter((tid) => {
    try {
      const task = `/proc/${pid}/task/${tid}`
      if (readFileSync(`${task}/comm`, 'utf8').trim() !== 'WorkerThread') return false
      return Number(readFileSync(`${task}/schedstat`, 'utf8').split(' ')[0]) > 100e6
    } catch {
      return false // it ended meanwhile
    }
  }).length
}

test('the query threads start with the lake, before any query', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lake-cold-start-'))
  lake = await startLakeProcess({dataDir, tls: false})
  const pid = lake.child.pid!
  // A query thread loads groq-js and the engine as it starts (write and read threads start with a
  // large write or read). No request is sent.
  const queryThreads = () => engineThreads(pid)
  await expect.poll(queryThreads, {timeout: 60_000, interval: 100}).toBeGreaterThan(0)
  // Not only the compile cache's warm-up thread (gone once the cache is written): the pool's
  // thread stays.
  await sleep(3000)
  await expect.poll(queryThreads, {timeout: 30_000, interval: 100}).toBeGreaterThan(0)
}, 120_000)
