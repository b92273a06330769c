/**
 * SIGTERM stops the lake within 2 s whatever is running (issue 9): a query in the middle of
 * seconds of GROQ evaluation is stopped with its thread instead of holding the process, and image
 * renders that libvips cannot cancel do not hold its exit.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import sharp from 'sharp'
import {afterAll, expect, test} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import {pathologicalUrl} from './pathological.ts'

let lake: LakeProcess | undefined
let dataDir: string | undefined

afterAll(async () => {
  await lake?.kill()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
})

/** Iterates the parent's 60-item array four deep: ran in place, for 15 s, until issue 9's audit. */
const NESTED =
  '*[_id == "a1"][0]{"n": count(arr[count(^.arr[count(^.^.arr[count(^.^.^.arr[true]) > 0]) > 0]) > 0])}'

/** A patch whose query iterates a 1,500-character split inside another: ran in the write lock. */
const PATCH_BY_QUERY = {
  mutations: [
    {
      patch: {
        query:
          '*[_id == "a1" && count(string::split($s, "")[count(string::split($s, "")[@ == ^]) > 0]) > 0]',
        params: {s: 'x'.repeat(1500)},
        set: {title: 'z'},
      },
    },
  ],
}

test.each([
  ['a pathological query runs', 'pathological'],
  ['a query over a document that used to run in place runs', 'nested'],
  ["a patch's query runs", 'mutation'],
])('SIGTERM stops the lake within 2 s while %s', async (_, kind) => {
  await lake?.kill()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
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
  const data = `${started.url}/v2025-02-19/data`
  const auth = {authorization: `Bearer ${started.token}`, 'content-type': 'application/json'}
  const arr = Array.from({length: 60}, (_, i) => ({_key: `k${i}`, v: i}))
  const created = await fetch(`${data}/mutate/test`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({mutations: [{create: {_id: 'a1', _type: 'article', arr}}]}),
  })
  expect(created.status).toBe(200)
  // Starts the query workers, so the slow query below is running, not waiting for a thread.
  await fetch(`${data}/query/test?query=${encodeURIComponent('count(string::split("ab", ""))')}`)
  const slow = (
    kind === 'mutation'
      ? fetch(`${data}/mutate/test?dryRun=true`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify(PATCH_BY_QUERY),
        })
      : fetch(
          kind === 'nested'
            ? `${data}/query/test?${new URLSearchParams({query: NESTED})}`
            : pathologicalUrl(started.url),
          {headers: auth},
        )
  ).then(
    (res) => res.status,
    () => 'connection closed',
  )
  await sleep(500)
  const signalled = performance.now()
  started.child.kill('SIGTERM')
  const code = await exited
  const ms = performance.now() - signalled
  // Before: 19.8 s (the nested query in place), 8.3 s (the patch's query in the write lock).
  expect(ms).toBeLessThan(2000)
  expect(code).toBe(0)
  // The caller is not left hanging: it gets an answer or a closed connection.
  expect(await slow).not.toBe(200)
})

test('SIGTERM stops the lake within 2 s while image renders run', async () => {
  await lake?.kill()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
  dataDir = await mkdtemp(join(tmpdir(), 'lake-shutdown-'))
  lake = await startLakeProcess({
    dataDir,
    tls: false,
    env: {...process.env, LAKE_ADMIN_PASSWORD: 'shutdown-test-password'},
  })
  const started = lake
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
    started.child.on('exit', (code, signal) => resolve({code, signal})),
  )
  // 117 kB of PNG that decodes to 36 megapixels; a large, much blurred rendition of it takes 5-20 s.
  const image = await sharp({create: {width: 6000, height: 6000, channels: 3, background: '#369'}})
    .png({compressionLevel: 9})
    .toBuffer()
  const uploaded = await fetch(`${started.url}/v2025-02-19/assets/images/test`, {
    method: 'POST',
    headers: {authorization: `Bearer ${started.token}`, 'content-type': 'image/png'},
    body: new Uint8Array(image),
  })
  expect(uploaded.status).toBe(200)
  const {url} = ((await uploaded.json()) as {document: {url: string}}).document
  const renders = Array.from({length: 20}, (_, i) =>
    fetch(`${url}?w=${6000 - i * 10}&blur=1000`).then(
      (res) => res.status,
      () => 'connection closed',
    ),
  )
  await sleep(1000)
  const signalled = performance.now()
  started.child.kill('SIGTERM')
  const {code, signal} = await exited
  const ms = performance.now() - signalled
  // Before: 9.5 s (exit waited for the renders libuv's thread pool was running).
  expect(ms).toBeLessThan(2000)
  // Ended by the signal itself while libvips still runs (lake/cli/start.ts says why).
  expect(code === 0 || signal === 'SIGTERM').toBe(true)
  expect(await Promise.all(renders)).toContain('connection closed')
})
