/**
 * An upload's file is durable before its asset document commits: the staged file is synced, then
 * renamed into place, then its folder (and the folders made for it) synced, so a power loss after
 * the commit cannot leave a document naming a file that is not on disk.
 */
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterAll, expect, it} from 'vitest'
import {assetFilePath, stageUpload, storeUpload} from '../../../lake/assets/assetFiles.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'lake-asset-files-'))
afterAll(() => rmSync(dataDir, {recursive: true, force: true}))

function body(text: string): ReadableStream<Uint8Array> {
  return new Blob([text]).stream()
}

it('syncs the file before its rename and the folders after it', async () => {
  const staged = await stageUpload(dataDir, body('বাংলা'), 1024)
  const target = assetFilePath(dataDir, 'files', 'local', 'test', `${staged.sha1}.txt`)!
  const synced: {path: string; targetExists: boolean}[] = []
  await storeUpload(staged, target, async (path) => {
    synced.push({path, targetExists: existsSync(target)})
  })
  const folder = dirname(target)
  expect(synced).toEqual([
    {path: staged.path, targetExists: false},
    {path: folder, targetExists: true},
    // files/, test/ and local/ were made for it: each is an entry of its parent.
    {path: dirname(folder), targetExists: true},
    {path: dirname(dirname(folder)), targetExists: true},
    {path: join(dataDir, 'assets'), targetExists: true},
  ])
  expect(existsSync(staged.path)).toBe(false)

  // The same bytes again: the stored file is kept, nothing is renamed or synced.
  const again = await stageUpload(dataDir, body('বাংলা'), 1024)
  const second: string[] = []
  await storeUpload(again, target, async (path) => void second.push(path))
  expect(second).toEqual([])
  expect(existsSync(again.path)).toBe(false)
})

it('syncs for real by default', async () => {
  const staged = await stageUpload(dataDir, body('news'), 1024)
  const target = assetFilePath(dataDir, 'files', 'local', 'test', `${staged.sha1}.txt`)!
  await storeUpload(staged, target)
  expect(existsSync(target)).toBe(true)
})
