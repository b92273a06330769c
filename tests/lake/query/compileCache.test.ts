/**
 * Query threads load no TypeScript stripper of their own (kit/compileCache.ts): Node strips types
 * with a WebAssembly build of swc that each thread would instantiate for its life (some 15 MB per
 * thread). The pool writes every module its threads load to Node's compile cache before it starts
 * them, on a thread of its own, so even on a cold cache a thread finds them all there.
 */
import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, expect, test} from 'vitest'

const POOL = fileURLToPath(new URL('../../../lake/query/pool.ts', import.meta.url))
const THREAD = fileURLToPath(new URL('../../../lake/query/thread.ts', import.meta.url))
const WORKER = fileURLToPath(new URL('../../../lake/query/worker.ts', import.meta.url))
const dir = await mkdtemp(join(tmpdir(), 'compile-cache-'))
afterAll(() => rm(dir, {recursive: true, force: true}))

/** Whether a fresh thread that requires `file` (as piscina loads a worker) loads the stripper. */
const probe = (file: string) => `await new Promise((resolve) => {
  const thread = new Worker(
    'require(' + JSON.stringify(${JSON.stringify(file)}) + ');' +
      'require("node:worker_threads").parentPort.postMessage(' +
      'process.moduleLoadList.some((name) => name.includes("amaro")))',
    {eval: true, execArgv: []},
  )
  thread.once('message', (loaded) => thread.terminate().then(() => resolve(loaded)))
})`

/** Runs `script` as a module in a Node process of its own, its compile cache in `cache`: its stdout. */
const runModule = (script: string, cache: string) =>
  new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      {env: {...process.env, NODE_COMPILE_CACHE: cache}},
      (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)),
    ),
  )

// The probe is a thread of its own, started like the pool's (the worker's module, the same
// cache): the pool's threads answer only queries, so what they loaded cannot be asked of them.
test('after the pool starts on a cold cache, a thread loading its modules finds every module in the cache', async () => {
  const fresh = join(dir, 'fresh.ts')
  await writeFile(fresh, 'export const answer: number = 42\n')
  const script = `
    import {Worker} from 'node:worker_threads'
    import {createQueryPool} from ${JSON.stringify(POOL)}
    const pool = createQueryPool({timeoutMs: 10_000, memoryMb: 64, threads: 1})
    const task = {kind: 'filter', query: '_type == "a"', params: {}, identity: 'x', documents: []}
    await pool.filter(task, 10_000)
    const worker = ${probe(THREAD)}
    const uncached = ${probe(fresh)}
    await pool.close()
    console.log(JSON.stringify({worker, uncached}))
    process.exit(0)
  `
  const stdout = await runModule(script, join(dir, 'cache'))
  // A module missing from the cache does load it (the probe sees the stripper when it is there).
  expect(JSON.parse(stdout)).toEqual({worker: false, uncached: true})
})

// In a process of its own: vitest shares its workers' module graphs between files, and a test file
// that imports lake/query/thread.ts (pool.test.ts) loads the engine itself.
test('the warm-up loads the engine on a thread, not on the event loop', async () => {
  const script = `
    import {createRequire} from 'node:module'
    import {createQueryPool} from ${JSON.stringify(POOL)}
    const pool = createQueryPool({timeoutMs: 10_000, memoryMb: 64, threads: 1})
    const task = {kind: 'filter', query: '_type == "a"', params: {}, identity: 'x', documents: []}
    await pool.filter(task, 10_000)
    await pool.close()
    console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)))
    process.exit(0)
  `
  // A cold cache, as in the test above: the warm-up runs.
  const stdout = await runModule(script, join(dir, 'cold'))
  // Loading groq-js and the engine held the event loop 0.3-2.2 s when it did so here.
  expect(JSON.parse(stdout)).not.toContain(WORKER)
})
