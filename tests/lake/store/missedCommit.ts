/**
 * A test lake that cannot announce one committed write: its commit thread (commitThreadExits.ts)
 * stops once after the COMMIT of transaction "big", having deleted that transaction's rows of
 * the log first, so neither the thread's answer nor the log can give the bus its events. Shared by
 * the listeners' and the asset clean-up's tests of that case.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, vi} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

export interface LakeMissingBig {
  lake: TestLake
  /** The file the commit thread writes as it stops: it exists once "big" was committed. */
  exitedFlag: string
}

/** Starts the lake before the file's tests and closes it after them. */
export function useLakeMissingBig(): LakeMissingBig {
  const state = {} as LakeMissingBig
  let flags = ''
  beforeAll(async () => {
    flags = await mkdtemp(join(tmpdir(), 'lake-missing-big-'))
    state.exitedFlag = join(flags, 'exited')
    vi.stubEnv('COMMIT_THREAD_EXIT_FLAG', state.exitedFlag)
    vi.stubEnv('COMMIT_THREAD_EXIT_AFTER', 'big')
    vi.stubEnv('COMMIT_THREAD_EXIT_DROPS_LOG', '1')
    state.lake = await startTestLake({
      serverOptions: {commitWorker: new URL('./commitThreadExits.ts', import.meta.url).href},
    })
  })
  afterAll(async () => {
    vi.unstubAllEnvs()
    await state.lake?.close()
    await rm(flags, {recursive: true, force: true})
  })
  return state
}
