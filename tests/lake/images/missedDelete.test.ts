/**
 * Deleting an asset document deletes its file (lake/assets/images.ts, told of each commit on the
 * bus). When the bus cannot tell it of a commit (a large write's commit thread stopped after its
 * COMMIT and the log could not give the transaction back: docs/listeners.md), the dataset's asset
 * files are swept instead (lake/assets/assetSweep.ts): the file of an asset whose document is gone
 * is removed, and so is one no document ever named; one an upload holds (its document about to be
 * written) is kept.
 */
import {existsSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {expect, test, vi} from 'vitest'
import {useLakeMissingBig} from '../store/missedCommit.ts'

const missing = useLakeMissingBig()

test("an asset deleted in a transaction the bus could not announce has its file removed all the same; an upload's file not yet committed is kept", async () => {
  const client = missing.lake.client()
  vi.spyOn(console, 'error').mockImplementation(() => {})
  const file = await client.assets.upload('file', Buffer.from('মুছে ফেলা হবে'), {filename: 'a.txt'})
  const kept = await client.assets.upload('file', Buffer.from('থাকবে'), {filename: 'b.txt'})
  const pathOf = (doc: {path?: string}) => {
    const [kind, projectId, dataset, name] = doc.path!.split('/')
    return join(missing.lake.dataDir, 'assets', projectId!, dataset!, kind!, name!)
  }
  // A file in place whose document is not written yet, held as an upload holds it until its
  // commit; and one no document names and nothing holds.
  const pending = join(pathOf(kept), '..', `${'a'.repeat(40)}.txt`)
  await writeFile(pending, 'আসছে')
  const release = missing.lake.server.lake.context.images.files.hold(pending)
  const orphan = join(pathOf(kept), '..', `${'b'.repeat(40)}.txt`)
  await writeFile(orphan, 'কেউ নেই')
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
  expect(existsSync(missing.exitedFlag), 'the commit thread stopped after "big"').toBe(true)
  expect(await client.getDocument(file._id)).toBeUndefined()

  // Swept in the background, a batch at a time.
  await expect.poll(() => existsSync(pathOf(file))).toBe(false)
  await expect.poll(() => existsSync(orphan)).toBe(false)
  const res = await fetch(file.url)
  expect(res.status).toBe(404)
  await res.arrayBuffer()
  expect(existsSync(pathOf(kept))).toBe(true)
  expect(existsSync(pending)).toBe(true)
  release()
}, 120_000)
