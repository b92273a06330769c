import {resolve} from 'node:path'
import {UsageError} from '../../kit/cli.ts'
import {LOCAL_LAKE} from '../../kit/localLake.ts'
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

/**
 * The `env` command that prints what clients of this lake need: its flags wherever they differ
 * from the defaults (without them, env describes the default lake on 3334 over HTTPS).
 */
export function envCommandFor(lake: {port: number; host: string; data: string; tls: boolean}) {
  const flags = [
    lake.port === LOCAL_LAKE.port ? '' : ` --port ${lake.port}`,
    lake.host === LOCAL_LAKE.host ? '' : ` --host ${lake.host}`,
    dataFlag(lake.data),
    lake.tls ? '' : ' --no-tls',
  ]
  return `eval "$(npm run -s lake -- env --export${flags.join('')})"`
}

/** ` --data DIR` (quoted for a shell where it must be) unless DIR is the default folder. */
export function dataFlag(data: string): string {
  if (data === LOCAL_LAKE.dataDir) return ''
  return ` --data ${/^[\w./-]+$/.test(data) ? data : `'${data.replaceAll("'", `'\\''`)}'`}`
}
