/**
 * An A/B's sides start from copies of one data folder (bench/lake.ts abFolders). A side's folder
 * kept from an earlier run (a run of B alone loads B's) is another load: its documents'
 * `_updatedAt`, which ranks a search's ties among documents without `publishedAt` (the sources),
 * differ, and bench/studioSearch.ts found "a source's name" answered differently (exit 1).
 */
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, expect, test} from 'vitest'
import {abFolders} from '../../bench/lake.ts'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ab-folders-'))
})
afterEach(() => rm(root, {recursive: true, force: true}))

const file = (side: string) => join(root, side, 'datasets', 'archive.sqlite')
const put = async (side: string, text: string) => {
  await mkdir(join(root, side, 'datasets'), {recursive: true})
  await writeFile(file(side), text)
}

test("a side's folder from an earlier load is replaced by a copy of the one loaded now", async () => {
  await put('B', 'an earlier load')
  const loads: string[] = []
  const load = async (dir: string) => {
    loads.push(dir)
    await put('A', `load ${loads.length}`)
  }
  await abFolders(root, ['A', 'B'], load)
  expect(loads).toEqual([join(root, 'A')])
  expect(await readFile(file('B'), 'utf8')).toBe('load 1')

  // Both kept for the next run: nothing loaded or copied again (B may have migrated its copy).
  await put('B', 'load 1, migrated by B')
  await abFolders(root, ['A', 'B'], load)
  expect(loads).toHaveLength(1)
  expect(await readFile(file('B'), 'utf8')).toBe('load 1, migrated by B')
})

test('a side without a folder gets a copy of the kept one; one side alone is loaded once', async () => {
  await put('A', 'kept')
  const load = () => Promise.reject(new Error('nothing to load'))
  await abFolders(root, ['A', 'B'], load)
  expect(await readFile(file('B'), 'utf8')).toBe('kept')
  await abFolders(root, ['A'], load)
})
