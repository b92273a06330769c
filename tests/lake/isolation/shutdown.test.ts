/**
 * SIGTERM stops the lake within 2 s whatever is running (issue 9): a query in the middle of
 * seconds of GROQ evaluation is stopped with its thread instead of holding the process.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, expect, test} from 'vitest'
import {pathologicalUrl} from './pathological.ts'

let child: ChildProcess | undefined
let dataDir: string | undefined

afterAll(async () => {
  child?.kill('SIGKILL')
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
})

function startLakeProcess(dir: string): Promise<{process: ChildProcess; url: string}> {
  const proc = spawn(
    process.execPath,
    ['lake/cli.ts', 'start', '--no-tls', '--port', '0', '--data', dir, '--query-timeout', '60'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {...process.env, LAKE_ADMIN_PASSWORD: 'shutdown-test-password'},
    },
  )
  return new Promise((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', (chunk) => {
      out += chunk
      const match = /Lake listening on (http:\/\/\S+)/.exec(out)
      if (match) resolve({process: proc, url: match[1]})
    })
    proc.stderr!.on('data', (chunk) => (out += chunk))
    proc.on('exit', (code) => reject(new Error(`lake exited (${code}) before listening:\n${out}`)))
  })
}

test('SIGTERM stops the lake within 2 s while a pathological query runs', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lake-shutdown-'))
  const started = await startLakeProcess(dataDir)
  child = started.process
  const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)))
  // Starts the query workers, so the slow query below is running, not waiting for a thread.
  await fetch(`${started.url}/v2025-02-19/data/query/test?query=count(*)`)
  const slow = fetch(pathologicalUrl(started.url)).then(
    (res) => res.status,
    () => 'connection closed',
  )
  await sleep(500)
  const signalled = performance.now()
  child.kill('SIGTERM')
  const code = await exited
  const ms = performance.now() - signalled
  expect(ms).toBeLessThan(2000)
  expect(code).toBe(0)
  // The caller is not left hanging: it gets an answer or a closed connection.
  expect(await slow).not.toBe(200)
})
