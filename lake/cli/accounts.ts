/** The accounts of a data folder for the lake's commands (start, env, users, tokens). */
import {existsSync} from 'node:fs'
import {resolve} from 'node:path'
import {createAuthStore, type AuthStore} from '../auth/authStore.ts'
import {AUTH_DB_FILE, type AuthBootstrap} from '../auth/bootstrap.ts'
import {UsageError, type Env, type Output} from '../../kit/cli.ts'
import {LOCAL_LAKE} from '../../kit/localLake.ts'
import {dataFolderOption} from './dataFolder.ts'

/** The one time a generated administrator password can be seen. */
export function reportCreatedAdmin(auth: AuthBootstrap, out: Output): void {
  if (!auth.createdAdmin) return
  const {email, password, generated} = auth.createdAdmin
  out.write(
    `Created administrator ${email}${generated ? ` with password ${password} (shown once)` : ''}\n`,
  )
}

/** The accounts and tokens of a data folder; works while the lake runs. */
export function openAuthStore(dataDir: string): AuthStore {
  return createAuthStore({path: resolve(dataDir, AUTH_DB_FILE)})
}

/**
 * The accounts of the lake whose folder `--data`, else LAKE_DATA (as `env --export` sets it), else
 * .lake names: the same rule as env and datasets. A folder without auth.sqlite is refused rather
 * than made: a token stored there reaches no lake, and its programs would only get 401s.
 */
export function openLakeAccounts(data: string | undefined, env: Env): AuthStore {
  const dataDir = dataFolderOption(data ?? (env.LAKE_DATA || LOCAL_LAKE.dataDir))
  if (!existsSync(resolve(dataDir, AUTH_DB_FILE))) {
    throw new UsageError(
      `${dataDir} holds no accounts (no ${AUTH_DB_FILE}): it is not a lake's data folder. ` +
        'Name the folder the lake runs with by --data DIR or LAKE_DATA ' +
        '(eval "$(npm run -s lake -- env --export --data DIR --port N)" sets it), ' +
        'or start a lake there first (npm run lake -- --data DIR).',
    )
  }
  return openAuthStore(dataDir)
}
