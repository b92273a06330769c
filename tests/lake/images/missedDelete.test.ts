/**
 * Deleting an asset document deletes its file (lake/assets/images.ts, told of each commit on the
 * bus). When the bus cannot tell it of a commit (a large write's commit thread stopped after its
 * COMMIT and the log could not give the transaction back: docs/listeners.md), the clean-up catches
 * up from the store instead: the file of an asset whose document is gone is removed. A file whose
 * document was never written (an upload about to commit it) is kept.
 */
import {existsSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, expect, test, vi} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
let flags: string

beforeAll(async () => {
  // The commit thread's task module of the store's tests: it stops its thread once, after the
  // COMMIT of transaction "big", having deleted that transaction's rows of the log first.
  flags = await mkdtemp(join(tmpdir(), 'lake-missed-asset-'))
  vi.stubEnv('COMMIT_THREAD_EXIT_FLAG', join(flags, 'exited'))
  vi.stubEnv('COMMIT_THREAD_EXIT_AFTER', 'big')
  vi.stubEnv('COMMIT_THREAD_EXIT_DROPS_LOG', '1')
  lake = await startTestLake({
    serverOptions: {commitWorker: new URL('../store/commitThreadExits.ts', import.meta.url).href},
  })
})

afterAll(async () => {
  vi.unstubAllEnvs()
  await lake?.close()
  await rm(flags, {recursive: true, force: true})
})

test("an asset deleted in a transaction the bus could not announce has its file removed all the same; an upload's file not yet committed is kept", async () => {
  const client = lake.client()
  vi.spyOn(console, 'error').mockImplementation(() => {})
  const file = await client.assets.upload('file', Buffer.from('মুছে ফেলা হবে'), {filename: 'a.txt'})
  const kept = await client.assets.upload('file', Buffer.from('থাকবে'), {filename: 'b.txt'})
  const pathOf = (doc: {path?: string}) => {
    const [kind, projectId, dataset, name] = doc.path!.split('/')
    return join(lake.dataDir, 'assets', projectId!, dataset!, kind!, name!)
  }
  // A file in place whose document is not written yet, as an upload's is just before its commit.
  const pending = join(pathOf(kept), '..', `${'a'.repeat(40)}.txt`)
  await writeFile(pending, 'আসছে')
  expect(existsSync(pathOf(file))).toBe(true)

  // About 2.6 MB: committed on the commit thread, which stops after the COMMIT.
  const big = {
    _id: 'big-doc',
    _type: 'article',
    items: Array.from({length: 40_000}, (_, i) => ({_key: `k${i}`, t: `${i}`.padEnd(40, 'x')})),
  }
  await client
    .transaction()
    .delete(file._id)
    .createOrReplace(big)
    .commit({transactionId: 'big', visibility: 'sync'})
  expect(existsSync(join(flags, 'exited')), 'the commit thread stopped after "big"').toBe(true)
  expect(await client.getDocument(file._id)).toBeUndefined()

  expect(existsSync(pathOf(file))).toBe(false)
  const res = await fetch(file.url)
  expect(res.status).toBe(404)
  await res.arrayBuffer()
  expect(existsSync(pathOf(kept))).toBe(true)
  expect(existsSync(pending)).toBe(true)
}, 120_000)
