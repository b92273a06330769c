/**
 * Durable before acknowledged: the lake runs as its own process (`lake/cli.ts start`), takes a
 * stream of concurrent writes and is killed with SIGKILL mid-stream. After a restart on the same
 * data folder, every write that was acknowledged is there, nothing is half-written, and search
 * finds every document written.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, expect, test} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import {lakeClient, startTestLake, type TestLake} from '../../helpers/lake.ts'

let child: LakeProcess | undefined
let restarted: TestLake | undefined
let dataDir: string | undefined

afterAll(async () => {
  await child?.kill()
  await restarted?.close()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
})

test('every acknowledged write survives SIGKILL of the lake process', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lake-crash-'))
  child = await startLakeProcess({
    dataDir,
    tls: false,
    env: {...process.env, LAKE_ADMIN_PASSWORD: 'crash-test-password'},
  })
  const client = lakeClient(child, {maxRetries: 0})
  await client.create({_id: 'counter', _type: 'counter', n: 0})

  const acknowledged = new Set<string>()
  let counterAcks = 0
  let stop = false
  // Killed mid-stream once this many writes are acknowledged: a count, where 1.5 s of writing
  // was one; a loaded machine acknowledges fewer in a given time.
  const KILL_AFTER = 200
  let enough = () => {}
  const acknowledgedEnough = new Promise<void>((resolve) => (enough = resolve))
  const writer = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const id = `w${w}-${i}`
      try {
        // Two documents per transaction: both or neither may exist afterwards.
        await client
          .transaction()
          .create({_id: id, _type: 'crash', w, i, body: 'লেখা '.repeat(50)})
          .create({_id: `${id}-pair`, _type: 'crash-pair', of: id})
          .patch('counter', (p) => p.inc({n: 1}))
          .commit({visibility: 'async'})
        acknowledged.add(id)
        counterAcks++
        if (acknowledged.size === KILL_AFTER) enough()
      } catch {
        return // the lake is gone
      }
    }
  }
  const writers = Array.from({length: 8}, (_, w) => writer(w))
  // Writers that all stopped before (the lake gone) end the wait too, and the count says so.
  await Promise.race([acknowledgedEnough, Promise.all(writers)])
  const killed = child.kill()
  stop = true
  await Promise.all(writers)
  await killed
  expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER)

  restarted = await startTestLake({dataDir, tls: false})
  const after = restarted.client()
  const ids = new Set<string>(
    await after.fetch('*[_type == "crash"]._id', {}, {perspective: 'raw'}),
  )
  const pairs = new Set<string>(
    await after.fetch('*[_type == "crash-pair"].of', {}, {perspective: 'raw'}),
  )
  for (const id of acknowledged) expect(ids.has(id), id).toBe(true)
  // Atomicity across the crash: no transaction is half there.
  expect([...pairs].sort()).toEqual([...ids].sort())
  const counter = await after.getDocument('counter')
  // Acknowledged increments are all there; at most the in-flight ones may have landed too.
  expect(counter!.n).toBeGreaterThanOrEqual(counterAcks)
  expect(counter!.n).toBe(ids.size)
  // The full-text index is filled after commits, from a durable queue: documents the killed lake
  // had not indexed yet are found by search after the restart too.
  const found: string[] = await after.fetch(
    '*[_type == "crash" && body match text::query("লেখা")]._id',
    {},
    {perspective: 'raw'},
  )
  expect(found.sort()).toEqual([...ids].sort())
  // A bound for a hang, sized for the work (a lake process started, 200 acknowledged writes, a
  // lake started again on the folder): at load 26 the default 30 s ran out with nothing wrong.
}, 120_000)
