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
import {workerNice} from '../../../lake/query/thread.ts'

let lake: LakeProcess | undefined
let dataDir: string | undefined

afterAll(async () => {
  await lake?.stop()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
})

/** The nice value (field 19 of /proc/<pid>/task/<tid>/stat) of each thread of `pid`. */
function niceValues(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])]
    } catch {
      return [] // it ended meanwhile
    }
  })
}

test('the query threads start with the lake, before any query', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lake-cold-start-'))
  lake = await startLakeProcess({dataDir, tls: false})
  const pid = lake.child.pid!
  // A query thread lowers its priority first thing (lake/query/thread.ts): the lake's main thread
  // keeps its own, so a thread at the workers' nice value is the pool's. No request is sent.
  const queryNice = workerNice(niceValues(pid)[0]!)
  const queryThreads = () => niceValues(pid).filter((nice) => nice === queryNice).length
  await expect.poll(queryThreads, {timeout: 60_000, interval: 100}).toBeGreaterThan(0)
  // Not only the compile cache's warm-up thread (niced too, and gone once the cache is written):
  // the pool's thread stays.
  await sleep(3000)
  await expect.poll(queryThreads, {timeout: 30_000, interval: 100}).toBeGreaterThan(0)
}, 120_000)
