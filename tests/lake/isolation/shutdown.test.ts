/**
 * SIGTERM stops the lake within 2 s whatever is running (issue 9): a query in the middle of
 * seconds of GROQ evaluation is stopped with its thread instead of holding the process.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, expect, test} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import {pathologicalUrl} from './pathological.ts'

let lake: LakeProcess | undefined
let dataDir: string | undefined

afterAll(async () => {
  await lake?.kill()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
})

test('SIGTERM stops the lake within 2 s while a pathological query runs', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lake-shutdown-'))
  lake = await startLakeProcess({
    dataDir,
    tls: false,
    args: ['--query-timeout', '60'],
    env: {...process.env, LAKE_ADMIN_PASSWORD: 'shutdown-test-password'},
  })
  const started = lake
  const exited = new Promise<number | null>((resolve) =>
    started.child.on('exit', (code) => resolve(code)),
  )
  // Starts the query workers, so the slow query below is running, not waiting for a thread.
  await fetch(`${started.url}/v2025-02-19/data/query/test?query=count(*)`)
  const slow = fetch(pathologicalUrl(started.url)).then(
    (res) => res.status,
    () => 'connection closed',
  )
  await sleep(500)
  const signalled = performance.now()
  started.child.kill('SIGTERM')
  const code = await exited
  const ms = performance.now() - signalled
  expect(ms).toBeLessThan(2000)
  expect(code).toBe(0)
  // The caller is not left hanging: it gets an answer or a closed connection.
  expect(await slow).not.toBe(200)
})
