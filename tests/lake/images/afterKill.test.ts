/**
 * SIGKILL leaves no asset file behind, and takes none a document names. The lake runs as its own
 * process (lakeThatDies.ts) and is killed by its commit thread right after the COMMIT of a
 * transaction that deletes an image asset, so at once:
 * - the deleted asset's file and its renditions are on disk, its document gone (the clean-up the
 *   commit would have set off never ran);
 * - an upload's file is in place and its document never written (it waited for the write lock);
 * - another upload is still streaming into its temporary file.
 * After a restart on the same folder, the lake's start-up sweep removes all of that, and every
 * file an asset document names is still there, byte for byte.
 */
import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import sharp from 'sharp'
import {afterAll, expect, test} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import {createTestLake, lakeClient, startTestLake, type TestLake} from '../../helpers/lake.ts'

const LAKE = fileURLToPath(new URL('./lakeThatDies.ts', import.meta.url))
let dataDir = ''
let flags = ''
let lake: LakeProcess | undefined
let restarted: TestLake | undefined

afterAll(async () => {
  // Killed by its commit thread, unless the test failed first.
  await lake?.kill()
  await restarted?.close()
  for (const dir of [dataDir, flags]) if (dir) await rm(dir, {recursive: true, force: true})
})

const sha1 = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('hex')

const png = (r: number) =>
  sharp({create: {width: 40, height: 30, channels: 3, background: {r, g: 90, b: 30}}})
    .png()
    .toBuffer()

test(
  'after a kill between a commit and its clean-up, mid-upload and mid-stream: orphans removed, every named file intact',
  {timeout: 180_000},
  async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lake-asset-kill-'))
    flags = await mkdtemp(join(tmpdir(), 'lake-asset-kill-flags-'))
    const waiting = join(flags, 'waiting')
    const files = join(dataDir, 'assets', 'local', 'test', 'files')
    const pendingBytes = Buffer.from('লেখা হয়েছে, নথি হয়নি')
    const pendingFile = join(files, `${sha1(pendingBytes)}.txt`)
    lake = await startLakeProcess({
      dataDir,
      tls: false,
      script: LAKE,
      env: {
        ...process.env,
        LAKE_ADMIN_PASSWORD: 'asset-kill-password',
        COMMIT_THREAD_DIES_AFTER: 'big',
        COMMIT_THREAD_DIES_WAITING: waiting,
        COMMIT_THREAD_DIES_WAITS_FOR: pendingFile,
      },
    })
    const {child, url, token} = lake
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
    const client = lakeClient(lake, {maxRetries: 0})

    const deleted = await client.assets.upload('image', await png(200))
    const kept = await client.assets.upload('image', await png(20))
    const keptFile = await client.assets.upload('file', Buffer.from('থাকবে'), {filename: 'k.txt'})
    for (const asset of [deleted, kept]) {
      const res = await fetch(`${asset.url}?w=10`)
      expect(res.status).toBe(200)
      await res.arrayBuffer()
    }
    const cache = join(dataDir, 'assets', '.cache', 'images')
    const renditionsOf = (asset: {sha1hash: string}) =>
      readdirSync(cache).filter((name) => name.startsWith(`${asset.sha1hash}-`))
    expect(renditionsOf(deleted)).toHaveLength(1)

    // An upload still streaming when the lake is killed.
    const incoming = join(dataDir, 'assets', '.incoming')
    const streaming = fetch(`${url}/v2025-02-19/assets/files/test?filename=slow.txt`, {
      method: 'POST',
      headers: {authorization: `Bearer ${token}`},
      body: new ReadableStream({start: (c) => c.enqueue(new Uint8Array(64 * 1024).fill(65))}),
      duplex: 'half',
    } as RequestInit).catch(() => null)
    await expect
      .poll(() => existsSync(incoming) && readdirSync(incoming).length, {timeout: 20_000})
      .toBe(1)

    // About 2.6 MB: committed on the commit thread, which waits for the upload below.
    const big = {
      _id: 'big-doc',
      _type: 'article',
      items: Array.from({length: 40_000}, (_, i) => ({_key: `k${i}`, t: `${i}`.padEnd(40, 'x')})),
    }
    const committing = client
      .transaction()
      .delete(deleted._id)
      .createOrReplace(big)
      .commit({transactionId: 'big'})
      .catch(() => null)
    await expect.poll(() => existsSync(waiting), {timeout: 60_000}).toBe(true)
    // Its file goes in place, its document waits for the lock "big" holds: killed meanwhile.
    const pending = client.assets.upload('file', pendingBytes, {filename: 'p.txt'}).then(
      () => 'written',
      () => 'lost',
    )
    expect(await exited).toBe('SIGKILL')
    await Promise.all([committing, streaming])
    expect(await pending).toBe('lost')
    // What the kill left.
    expect(existsSync(pendingFile)).toBe(true)
    expect(renditionsOf(deleted)).toHaveLength(1)
    const deletedFile = join(
      dataDir,
      'assets',
      'local',
      'test',
      'images',
      deleted.path.split('/').pop()!,
    )
    expect(existsSync(deletedFile)).toBe(true)

    restarted = await startTestLake({dataDir, tls: false})
    await restarted.server.lake.assetSweep
    const after = restarted.client()
    expect(await after.getDocument(deleted._id)).toBeUndefined()
    expect(await after.getDocument(`file-${sha1(pendingBytes)}-txt`)).toBeUndefined()
    // On main all three stayed for good.
    expect(existsSync(deletedFile)).toBe(false)
    expect(existsSync(pendingFile)).toBe(false)
    expect(renditionsOf(deleted)).toEqual([])
    expect(existsSync(incoming) ? readdirSync(incoming) : []).toEqual([])

    // Every file an asset document names is there, byte for byte.
    const assets = await after.fetch<{_id: string; path: string; sha1hash: string}[]>(
      '*[_type in ["sanity.imageAsset", "sanity.fileAsset"]]{_id, path, sha1hash}',
    )
    expect(assets.map((a) => a._id).sort()).toEqual([kept._id, keptFile._id].sort())
    for (const asset of assets) {
      const [kind, projectId, dataset, name] = asset.path.split('/')
      const bytes = readFileSync(join(dataDir, 'assets', projectId!, dataset!, kind!, name!))
      expect(sha1(bytes), asset._id).toBe(asset.sha1hash)
    }
    const res = await fetch(`${restarted.url}/${kept.path}`)
    expect(res.status).toBe(200)
    await res.arrayBuffer()
  },
)

test("the start-up sweep also empties the folders of a dataset never written (a first upload's file whose document a kill took)", async () => {
  const folder = await mkdtemp(join(tmpdir(), 'lake-asset-unwritten-'))
  try {
    const files = join(folder, 'assets', 'local', 'newsdesk', 'files')
    await mkdir(files, {recursive: true})
    const orphan = join(files, `${sha1(Buffer.from('প্রথম আপলোড'))}.txt`)
    await writeFile(orphan, 'প্রথম আপলোড')
    // Another project's files are not this lake's to judge.
    const other = join(folder, 'assets', 'another', 'newsdesk', 'files')
    await mkdir(other, {recursive: true})
    await writeFile(join(other, `${sha1(Buffer.from('অন্য'))}.txt`), 'অন্য')
    const lake = await createTestLake({dataDir: folder})
    try {
      expect(await lake.lake.assetSweep).toBe(1)
      expect(existsSync(orphan)).toBe(false)
      expect(readdirSync(other)).toHaveLength(1)
      // Swept without making the dataset.
      expect(lake.lake.context.stores.list()).not.toContain('newsdesk')
    } finally {
      await lake.close({keepData: true})
    }
  } finally {
    await rm(folder, {recursive: true, force: true})
  }
})
