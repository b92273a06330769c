/**
 * An upload stores its file before its asset document is written (lake/assets/upload.ts), and
 * waits for the dataset's write lock in between. What happens meanwhile must neither take the file
 * of a document that ends up written nor leave the file of one that does not. The write lock is
 * held by a transaction of the test's own, so that each step lands where the test says.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {expect, test, vi} from 'vitest'
import type {Store} from '../../../lake/core/store.ts'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake({inProcess: true})

function fileOf(doc: {path?: string}): string {
  const [kind, projectId, dataset, name] = doc.path!.split('/')
  return join(lake().dataDir, 'assets', projectId!, dataset!, kind!, name!)
}

/** Holds the dataset's write lock until the returned function is called. */
function holdWriteLock(store: Store): {release: () => void; transacts: () => number} {
  const transact = vi.spyOn(store, 'transact')
  let release = () => {}
  const gate = new Promise<void>((resolve) => (release = resolve))
  void store.transact(() => gate)
  return {
    release: () => {
      release()
      transact.mockRestore()
    },
    // Transactions asked for since, this one included.
    transacts: () => transact.mock.calls.length,
  }
}

test("an asset deleted while an upload of the same bytes waits to write its document keeps its file: the upload's document is there, and so is the file", async () => {
  const client = lake().client()
  const bytes = Buffer.from('একই ফাইল দুবার')
  const asset = await client.assets.upload('file', bytes, {filename: 'same.txt'})
  const store = lake().lake.context.stores.get('test')

  const lock = holdWriteLock(store)
  const deleting = client.delete(asset._id)
  await expect.poll(lock.transacts).toBe(2)
  // Finds the file in place and keeps it; its document waits behind the delete.
  const uploading = client.assets.upload('file', bytes, {filename: 'same.txt'})
  await expect.poll(lock.transacts, {timeout: 10_000}).toBe(3)
  lock.release()
  await deleting
  const again = await uploading

  expect(again._id).toBe(asset._id)
  expect(await client.getDocument(asset._id)).toMatchObject({_id: asset._id})
  // On main the delete's clean-up removed the file the new document names: its URL was a 404.
  expect(existsSync(fileOf(again))).toBe(true)
  const res = await lake().fetch(`${lake().url}/${again.path}`)
  expect(res.status).toBe(200)
  expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes)
})

test('an upload whose document is refused after its file was stored (its token revoked while it waited) leaves no file', async () => {
  const auth = lake().lake.auth!.store
  const {token, info} = await auth.createToken({label: 'upload-race', role: 'editor'})
  const client = lake().client({token})
  const store = lake().lake.context.stores.get('test')
  const bytes = Buffer.from('প্রত্যাহার করা টোকেনের ফাইল')

  const lock = holdWriteLock(store)
  const uploading = client.assets.upload('file', bytes, {filename: 'revoked.txt'}).then(
    () => null,
    (err: {statusCode?: number}) => err,
  )
  await expect.poll(lock.transacts, {timeout: 10_000}).toBe(2)
  expect(auth.revokeToken(info.id)).toBe(true)
  lock.release()
  const refused = await uploading

  expect(refused?.statusCode).toBe(401)
  const files = join(lake().dataDir, 'assets', 'local', 'test', 'files')
  const {createHash} = await import('node:crypto')
  const name = `${createHash('sha1').update(bytes).digest('hex')}.txt`
  // On main the file stayed, named by no document, for good.
  expect(existsSync(join(files, name))).toBe(false)
})

test('the sweep keeps the file of an upload waiting to write its document', async () => {
  const client = lake().client()
  const store = lake().lake.context.stores.get('test')
  const bytes = Buffer.from('সুইপের সময় আপলোড')

  const lock = holdWriteLock(store)
  const uploading = client.assets.upload('file', bytes, {filename: 'during.txt'})
  await expect.poll(lock.transacts, {timeout: 10_000}).toBe(2)
  // Its file is in place, its document not written: the sweep runs now, beside it.
  const swept = lake().lake.sweepAssets('test')
  lock.release()
  await swept
  const asset = await uploading
  expect(existsSync(fileOf(asset))).toBe(true)
  expect(await client.getDocument(asset._id)).toMatchObject({_id: asset._id})
})

test("an asset document deleted and written again in the same write group (its delete's clean-up runs after both) keeps its file", async () => {
  const client = lake().client()
  const asset = await client.assets.upload('file', Buffer.from('ফিরে এল'), {filename: 'back.txt'})
  const store = lake().lake.context.stores.get('test')

  const lock = holdWriteLock(store)
  const deleting = client.delete(asset._id)
  await expect.poll(lock.transacts).toBe(2)
  const {_rev, _createdAt, _updatedAt, ...body} = asset
  const restoring = client.createOrReplace(body)
  await expect.poll(lock.transacts).toBe(3)
  lock.release()
  await Promise.all([deleting, restoring])

  expect(await client.getDocument(asset._id)).toMatchObject({_id: asset._id})
  // On main the delete's clean-up, told once both were on disk, removed the file regardless.
  expect(existsSync(fileOf(asset))).toBe(true)
})
