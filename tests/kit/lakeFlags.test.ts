/**
 * The lake's Node flags (kit/lakeFlags.ts): `npm run lake` starts it with the same ones. They give
 * the event loop a 64 MB young generation (a bulk load's batches scavenged less often), and the
 * lake's start keeps every thread's at 16 MB (the flag wins over a worker's `resourceLimits`): at
 * 32 MB each busy thread held twice that after a scan or a search, which set the lake's peak RSS
 * over the query set (docs/benchmarks-log.md, memory). The heap trim's collection gives the event loop's back.
 */
import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {expect, test} from 'vitest'
import {LAKE_MALLOC_TUNABLES, LAKE_NODE_FLAGS, lakeEnvironment} from '../../kit/lakeFlags.ts'

const KIT = new URL('../../kit/lakeFlags.ts', import.meta.url).href
const HEAP_TRIM = new URL('../../lake/store/heapTrim.ts', import.meta.url).href
const LAKE_CLI = fileURLToPath(new URL('../../lake/cli.ts', import.meta.url))

const scripts = () =>
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    .scripts as Record<string, string>

test('npm run lake starts the lake with the same Node flags, as a command every shell runs', () => {
  // npm runs scripts with cmd.exe on Windows, where `GLIBC_TUNABLES=... node` is no command, and
  // with sh elsewhere, where it dropped a caller's own GLIBC_TUNABLES: lake/cli.ts sets them.
  expect(scripts().lake).toBe(`node ${LAKE_NODE_FLAGS.join(' ')} lake/cli.ts`)
})

test("the lake's environment keeps a caller's own glibc settings", () => {
  expect(lakeEnvironment({}).GLIBC_TUNABLES).toBe(LAKE_MALLOC_TUNABLES)
  expect(lakeEnvironment({GLIBC_TUNABLES: 'glibc.malloc.arena_max=2'}).GLIBC_TUNABLES).toBe(
    `glibc.malloc.arena_max=2:${LAKE_MALLOC_TUNABLES}`,
  )
  const own = {GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=65536'}
  expect(lakeEnvironment(own)).toBe(own)
})

/** What each start of `node lake/cli.ts --help` saw: its pid, GLIBC_TUNABLES and Node flags. */
async function lakeStarts(env: NodeJS.ProcessEnv): Promise<{pid: number; tunables?: string}[]> {
  // Preloaded, so it runs at every start of the process, also one that lake/cli.ts makes again.
  const probe = `data:text/javascript,console.error('START '+JSON.stringify({pid: process.pid, tunables: process.env.GLIBC_TUNABLES, flags: process.execArgv.includes('${LAKE_NODE_FLAGS[0]}')}))`
  const stderr = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [...LAKE_NODE_FLAGS, '--import', probe, LAKE_CLI, '--help'],
      {env},
      (err, _out, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stderr),
    ),
  )
  return [...stderr.matchAll(/^START (.*)$/gm)].map(([, json]) => JSON.parse(json!))
}

test.runIf(process.platform === 'linux')(
  "the lake's process starts again, in place, with the malloc settings and a caller's own",
  async () => {
    const {GLIBC_TUNABLES: _, ...env} = process.env
    const starts = await lakeStarts(env)
    // The same process (execve), no wrapper: the second start has the settings and the flags.
    expect(starts).toHaveLength(2)
    expect(starts[1]).toEqual({pid: starts[0]!.pid, tunables: LAKE_MALLOC_TUNABLES, flags: true})
    const mine = await lakeStarts({...env, GLIBC_TUNABLES: 'glibc.malloc.arena_max=2'})
    expect(mine.at(-1)!.tunables).toBe(`glibc.malloc.arena_max=2:${LAKE_MALLOC_TUNABLES}`)
    // Started with them (kit/lakeProcess.ts, or a caller's own threshold): started once.
    const own = await lakeStarts({...env, GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=65536'})
    expect(own).toEqual([expect.objectContaining({tunables: 'glibc.malloc.trim_threshold=65536'})])
  },
)

test("a thread's freed memory goes back to the system in the lake's process, after a large block was given back", async () => {
  // A bulk load's request bodies (2 MB) raised glibc's trim threshold to twice theirs; here 24 MB
  // given back raises it past what the thread then frees (SQLite's pages, as a connection's cache
  // or a closed connection's). Measured on Node 24: 52 MB freed, all kept without the setting,
  // 33-35 MB given back with it.
  const script = `
    import {Worker} from 'node:worker_threads'
    let block = Buffer.alloc(24 << 20)
    block.fill(1)
    block = null
    globalThis.gc()
    const thread = \`
      const {DatabaseSync} = process.getBuiltinModule('node:sqlite')
      const {parentPort} = process.getBuiltinModule('node:worker_threads')
      const rss = () => process.memoryUsage.rss() / 2 ** 20
      const db = new DatabaseSync(':memory:')
      db.exec('CREATE TABLE t(x)')
      const insert = db.prepare('INSERT INTO t VALUES (?)')
      db.exec('BEGIN')
      for (let i = 0; i < 20000; i++) insert.run('x'.repeat(2000))
      db.exec('COMMIT')
      const filled = rss()
      db.close()
      parentPort.postMessage({filled, closed: rss()})
    \`
    const worker = new Worker(thread, {eval: true})
    console.log(JSON.stringify(await new Promise((resolve) => worker.once('message', resolve))))
    process.exit(0)
  `
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ['--expose-gc', '--input-type=module', '-e', script],
      // As lake/cli.ts starts again with them (kit/lakeProcess.ts starts it with them).
      {env: lakeEnvironment(process.env)},
      (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)),
    ),
  )
  const {filled, closed} = JSON.parse(stdout) as Record<string, number>
  expect(filled - closed, 'MB given back when the thread freed about 50').toBeGreaterThan(20)
})

/** Runs an ES module script in a process with the lake's flags; its output, parsed as JSON. */
async function withLakeFlags(script: string): Promise<Record<string, number>> {
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [...LAKE_NODE_FLAGS, '--input-type=module', '-e', script],
      (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)),
    ),
  )
  return JSON.parse(stdout) as Record<string, number>
}

/** Allocates fast, as a bulk load's batches or a scan do; then the size of the new space. */
const CHURN = `
  let keep = []
  for (let i = 0; i < 3e6; i++) { keep.push({i, s: 'x' + i}); if (keep.length > 100000) keep = [] }
  keep = null
`
const NEW_SPACE = `getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size`

/** A worker allowed 32 MB of young generation that allocates fast (evaluated as a module). */
const THREAD = `
  import {getHeapSpaceStatistics} from 'node:v8'
  import {parentPort} from 'node:worker_threads'
  ${CHURN}
  parentPort.postMessage(${NEW_SPACE})
`

test("a thread's young generation stays at 16 MB, the event loop's grows to 64 MB and is given back", async () => {
  const script = `
    import {getHeapSpaceStatistics} from 'node:v8'
    import {Worker} from 'node:worker_threads'
    const {limitThreadYoungGeneration} = await import(${JSON.stringify(KIT)})
    const {memoryReducingCollection} = await import(${JSON.stringify(HEAP_TRIM)})
    // As the lake's start does before any thread.
    limitThreadYoungGeneration()
    const worker = new Worker(${JSON.stringify(THREAD)}, {
      eval: true,
      resourceLimits: {maxYoungGenerationSizeMb: 32},
    })
    const thread = await new Promise((resolve) => worker.once('message', resolve))
    ${CHURN}
    const loop = ${NEW_SPACE}
    // The heap trim's collection once writes pause.
    memoryReducingCollection()()
    const trimmed = ${NEW_SPACE}
    console.log(JSON.stringify({thread, loop, trimmed}))
    process.exit(0)
  `
  const {thread, loop, trimmed} = await withLakeFlags(script)
  expect(thread / 2 ** 20).toBeLessThanOrEqual(16)
  expect(loop / 2 ** 20).toBeGreaterThan(32)
  expect(trimmed / 2 ** 20).toBeLessThanOrEqual(16)
})
