/** The story import run in-process against a test lake, as the import's tests share it. */
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll} from 'vitest'
import {run as runImport} from '../../scripts/import.ts'
import {captureIo} from './io.ts'
import {startTestLake, type TestLake} from './lake.ts'

/** Runs `npm run import -- … --dataset <dataset>` against the lake, with the token from its data folder. */
export async function importIntoLake(
  lake: TestLake,
  dataset: string,
  args: string[],
  now = new Date('2025-07-20T00:00:00Z'),
) {
  const io = captureIo({env: {SANITY_STUDIO_API_HOST: lake.url, LAKE_DATA: lake.dataDir}, now})
  const code = await runImport([...args, '--dataset', dataset, '--create-dataset'], io)
  return {code, stdout: io.out(), stderr: io.err()}
}

/**
 * An import test file's setup: a test lake over HTTP and a scratch folder (named from
 * `scratchPrefix`) for the stories its tests write, made before the file's tests and removed after
 * them. `lake` and `work` are there from the file's first test on.
 */
export function useImportLake(scratchPrefix: string) {
  let lake: TestLake | undefined
  let work: string | undefined
  beforeAll(async () => {
    lake = await startTestLake()
    work = await mkdtemp(join(tmpdir(), scratchPrefix))
  })
  afterAll(async () => {
    await lake?.close()
    if (work !== undefined) await rm(work, {recursive: true, force: true})
  })
  const current = () => {
    if (!lake || work === undefined) {
      throw new Error('the import lake starts in beforeAll: use it inside a test or hook')
    }
    return {lake, work}
  }
  return {
    get lake(): TestLake {
      return current().lake
    },
    get work(): string {
      return current().work
    },
    /** `importIntoLake` against this file's lake. */
    importInto: (dataset: string, args: string[], now?: Date) =>
      importIntoLake(current().lake, dataset, args, now),
    /** Writes `stories` (file name → text) into the scratch folder's folder `name`; returns its path. */
    async storiesFolder(name: string, stories: Record<string, string>): Promise<string> {
      const folder = join(current().work, name)
      await mkdir(folder, {recursive: true})
      for (const [file, text] of Object.entries(stories)) await writeFile(join(folder, file), text)
      return folder
    },
  }
}
