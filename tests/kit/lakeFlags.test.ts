/**
 * The lake's Node flags (kit/lakeProcess.ts): `npm run lake` starts it with the same ones, and they
 * keep every thread's young generation at 16 MB, the event loop's and each query thread's (the
 * flag wins over a worker's `resourceLimits`): at 32 MB each busy thread held twice that after a
 * scan or a search, which set the lake's peak RSS over the query set (docs/benchmarks-log.md, memory).
 */
import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {expect, test} from 'vitest'
import {LAKE_NODE_FLAGS} from '../../kit/lakeProcess.ts'

test('npm run lake starts the lake with the same Node flags', () => {
  const scripts = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    .scripts as Record<string, string>
  expect(scripts.lake).toBe(`node ${LAKE_NODE_FLAGS.join(' ')} lake/cli.ts`)
})

test("a thread's young generation stays at 16 MB under the lake's flags", async () => {
  // A worker allowed 32 MB that allocates fast, as a scan does; its new space is what stays.
  const script = `
    const {Worker} = require('node:worker_threads')
    const code = \`
      const {getHeapSpaceStatistics} = require('node:v8')
      let keep = []
      for (let i = 0; i < 3e6; i++) { keep.push({i, s: 'x' + i}); if (keep.length > 100000) keep = [] }
      const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')
      require('node:worker_threads').parentPort.postMessage(space.space_size)
    \`
    const worker = new Worker(code, {eval: true, resourceLimits: {maxYoungGenerationSizeMb: 32}})
    worker.once('message', (bytes) => { console.log(bytes); process.exit(0) })
  `
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [...LAKE_NODE_FLAGS, '-e', script], (err, out, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out),
    ),
  )
  expect(Number(stdout) / 2 ** 20).toBeLessThanOrEqual(16)
})
