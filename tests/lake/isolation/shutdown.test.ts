/**
 * SIGTERM stops the lake within 2 s whatever is running (issue 9): a query in the middle of
 * seconds of GROQ evaluation is stopped with its thread instead of holding the process, and image
 * renders that libvips cannot cancel do not hold its exit. The limit is kept by the watchdog's
 * thread (lake/cli/stopping.ts), tested last with a close that never ends; where a test is about
 * the close itself, its lake's limit is long (LAKE_STOP_LIMIT_MS), so that on a loaded machine
 * the close may take its time and still be what ends the process (exit code 0).
 */
import {spawn} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import sharp from 'sharp'
import {afterAll, expect, test} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import {untilQueryThreadBusy} from './childLake.ts'
import {pathologicalUrl} from './pathological.ts'

const STOPPING = new URL('../../../lake/cli/stopping.ts', import.meta.url).href

/** What the watchdog says as it ends the process (lake/cli/stopping.ts). */
const WATCHDOG_LINE = /still stopping at the \d+ ms limit/

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
  const lines: string[] = []
  lake = await startLakeProcess({
    dataDir,
    tls: false,
    args: ['--query-timeout', '60'],
    // Only the close ends this lake: one that waited for the query would answer it (200) or run
    // into the test's own timeout; one that does not ends with exit code 0, however loaded.
    env: {
      ...process.env,
      LAKE_ADMIN_PASSWORD: 'shutdown-test-password',
      LAKE_STOP_LIMIT_MS: '600000',
    },
    onLine: (line) => lines.push(line),
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
  let settled = false
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
  )
    .then(
      (res) => res.status,
      () => 'connection closed',
    )
    .finally(() => (settled = true))
  // Once the work runs on a query thread (its CPU), not after a fixed wait: on a loaded machine
  // 500 ms could pass before it began, and the stop would not be tested while it runs.
  await untilQueryThreadBusy(started.child.pid!, 100, () => settled)
  expect(settled, 'answered before the stop: nothing was running').toBe(false)
  started.child.kill('SIGTERM')
  // Before: 19.8 s (the nested query in place), 8.3 s (the patch's query in the write lock).
  const code = await exited
  expect(lines.filter((line) => WATCHDOG_LINE.test(line))).toEqual([])
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

test('SIGTERM stops the lake within 2 s while password checks run', async () => {
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
  // 50 sign-ins (the most one client address may fail in the window), each a scrypt of 32 MiB
  // (about 0.1 s of CPU) on libuv's thread pool, whose jobs exit() waits for, queued ones too.
  let answered: () => void
  const firstAnswer = new Promise<void>((resolve) => (answered = resolve))
  const logins = Array.from({length: 50}, (_, i) =>
    fetch(`${started.url}/auth/login/local`, {
      method: 'POST',
      headers: {'content-type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams({
        email: `nobody${i}@example.com`,
        password: 'not the password',
        origin: 'http://localhost:3333',
      }).toString(),
      redirect: 'manual',
    }).then(
      (res) => (answered(), res.status),
      () => 'connection closed',
    ),
  )
  // The first answer: the checks have begun, and the rest are queued behind it.
  await firstAnswer
  const signalled = performance.now()
  started.child.kill('SIGTERM')
  const {code, signal} = await exited
  const ms = performance.now() - signalled
  // Before: 2.6-5.9 s, exit code 0 (exit() ran every queued check after ending the limit's thread).
  expect(ms).toBeLessThan(2000)
  expect(code === 0 || signal === 'SIGTERM').toBe(true)
  expect(await Promise.all(logins)).toContain(401)
})

test('SIGTERM while writes are in flight loses no acknowledged write, and the lake stops within 2 s', async () => {
  await lake?.kill()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
  dataDir = await mkdtemp(join(tmpdir(), 'lake-shutdown-'))
  const env = {...process.env, LAKE_ADMIN_PASSWORD: 'shutdown-test-password'}
  let stopping = 0
  lake = await startLakeProcess({
    dataDir,
    tls: false,
    env,
    onLine: (line) => {
      if (line.startsWith('Stopping the lake')) stopping = performance.now()
    },
  })
  const started = lake
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
    started.child.on('exit', (code, signal) => resolve({code, signal})),
  )
  const mutate = `${started.url}/v2025-02-19/data/mutate/test`
  const headers = {authorization: `Bearer ${started.token}`, 'content-type': 'application/json'}
  const write = (doc: Record<string, unknown>) =>
    fetch(mutate, {method: 'POST', headers, body: JSON.stringify({mutations: [{create: doc}]})})
      .then(async (res) => ({status: res.status, body: await res.text()}))
      .catch(() => ({status: 0, body: 'connection closed'}))
  // Small writes from 10 writers, each writing until one is not acknowledged.
  const acknowledged: string[] = []
  let cut = 0
  let writing: () => void
  const twentyAcknowledged = new Promise<void>((resolve) => (writing = resolve))
  const writers = Array.from({length: 10}, async (_, w) => {
    for (let i = 0; ; i++) {
      const id = `w${w}-${i}`
      if ((await write({_id: id, _type: 'note', body: 'ক'.repeat(2000)})).status !== 200) break
      acknowledged.push(id)
      if (acknowledged.length === 20) writing()
    }
    cut++
  })
  // A 30 MB write (committed on the commit thread) is on its way while the lake stops.
  const big = write({_id: 'big', _type: 'note', body: 'a'.repeat(30_000_000)})
  // The writers are under way (an answer, not a time: on a loaded machine the first ones are slow).
  await twentyAcknowledged
  const signalled = performance.now()
  started.child.kill('SIGTERM')
  const {code, signal} = await exited
  const ended = performance.now()
  await Promise.all(writers)
  const bigAnswer = await big
  // Timed from when the lake took the signal (its event loop may be busy a moment before it can).
  // Before, with six 30 MB writes queued: 1.7-5.9 s, exit code 1 after "still stopping after 2 s"
  // in 3 of 4 runs (the timer fired 0.7 s late, and exit() then waited for the commit thread).
  console.log(
    `SIGTERM taken after ${Math.round(stopping - signalled)} ms, the lake gone ${Math.round(ended - stopping)} ms later; the large write: ${bigAnswer.status}`,
  )
  expect(stopping).toBeGreaterThan(0)
  expect(ended - stopping).toBeLessThan(2000)
  expect(code === 0 || signal === 'SIGTERM').toBe(true)
  expect(cut).toBe(10)

  // Every acknowledged write is there after a restart; the large one is whole or absent.
  lake = await startLakeProcess({dataDir, tls: false, env})
  const res = await fetch(`${lake.url}/v2025-02-19/data/query/test`, {
    method: 'POST',
    headers: {...headers, authorization: `Bearer ${lake.token}`},
    body: JSON.stringify({
      query:
        '{"notes": *[string::startsWith(_id, "w")]._id, "big": *[_id == "big"][0]{"length": length(body)}}',
    }),
  })
  const {result} = (await res.json()) as {
    result: {notes: string[]; big: {length: number} | null}
  }
  const stored = new Set(result.notes)
  expect(acknowledged.length).toBeGreaterThan(0)
  expect(acknowledged.filter((id) => !stored.has(id))).toEqual([])
  if (bigAnswer.status === 200) expect(result.big).not.toBeNull()
  if (result.big) expect(result.big.length).toBe(30_000_000)
}, 120_000)

test('the stop limit holds while the event loop is held and a thread is inside a native call', async () => {
  // What a close can meet: the stores' close folds the WAL into the file on the event loop (a
  // large one takes seconds on a slow disk), and a thread may be in a call that cannot be
  // interrupted (the commit thread's SQLite write); here scrypt, on a thread of its own, which
  // says so just before it enters the call. The close holds the event loop for good: only the
  // watchdog's thread can end the process, at its limit (STOP_LIMIT_MS, 1.5 s).
  const script = `
    import {Worker} from 'node:worker_threads'
    const {stopOnSignal} = await import(${JSON.stringify(STOPPING)})
    new Worker("process.getBuiltinModule('node:fs').writeSync(1, 'in scrypt '); process.getBuiltinModule('node:crypto').scryptSync('x', 'y', 64, {N: 2 ** 16, r: 8, p: 4, maxmem: 2 ** 27})", {eval: true})
    const held = async () => {
      for (;;);
    }
    console.log('ready')
    await stopOnSignal(held, process)
    process.exit(0)
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<{signal: NodeJS.Signals | null}>((resolve) =>
    child.on('exit', (_, signal) => resolve({signal})),
  )
  let stdout = ''
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk))
  // 'ready' is printed in the tick that registers the signal's listeners (stopOnSignal).
  await new Promise<void>((ready) =>
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk
      if (stdout.includes('ready') && stdout.includes('in scrypt')) ready()
    }),
  )
  child.kill('SIGTERM')
  // Before (a 2 s timer on the event loop, then exit()): the timer could not fire while the loop
  // was held, and the process ended when the close did (never, here).
  const {signal} = await exited
  expect(stdout).toContain('Stopping the lake')
  expect(stderr).toMatch(/still stopping at the 1500 ms limit; ending now/)
  expect(signal).toBe('SIGTERM')
})
