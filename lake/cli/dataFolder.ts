import {resolve} from 'node:path'
import {UsageError} from '../../kit/cli.ts'
import {ForeignDataFolderError, foreignEntries} from '../auth/dataFolder.ts'

/**
 * The `--data` folder, absolute; a usage error when it holds entries no lake makes (`--data .`,
 * a home folder), before a command writes anything into it.
 */
export function dataFolderOption(data: string): string {
  const dataDir = resolve(data)
  const foreign = foreignEntries(dataDir)
  if (foreign.length > 0) throw new UsageError(new ForeignDataFolderError(dataDir, foreign).message)
  return dataDir
}
