/** The story import run in-process against a test lake, as the import's tests share it. */
import {run as runImport} from '../../scripts/import.ts'
import {captureIo} from './io.ts'
import type {TestLake} from './lake.ts'

/** Runs `npm run import -- … --dataset <dataset>` against the lake, with the token from its data folder. */
export async function importIntoLake(
  lake: TestLake,
  dataset: string,
  args: string[],
  now = new Date('2025-07-20T00:00:00Z'),
) {
  const io = captureIo({env: {SANITY_STUDIO_API_HOST: lake.url, LAKE_DATA: lake.dataDir}, now})
  const code = await runImport([...args, '--dataset', dataset], io)
  return {code, stdout: io.out(), stderr: io.err()}
}
