/** What the lake's commands share (not a command itself: lake/cli.ts lists those). */
import {resolve} from 'node:path'
import {createAuthStore, type AuthStore} from '../auth/authStore.ts'
import {AUTH_DB_FILE, type AuthBootstrap} from '../auth/bootstrap.ts'
import {UsageError, type Output} from '../../kit/cli.ts'
import {LOCAL_LAKE} from '../../kit/localLake.ts'

/** The lake's defaults, named as the flags are (kit/localLake.ts holds them for everyone). */
export const DEFAULTS = {port: LOCAL_LAKE.port, host: LOCAL_LAKE.host, data: LOCAL_LAKE.dataDir}

/** A TCP port from `--port`; `min` is 0 where the system may pick one. */
export function parsePort(value: string, min: 0 | 1): number {
  const port = Number(value)
  if (Number.isInteger(port) && port >= min && port <= 65535) return port
  throw new UsageError(`--port must be a port number (${min}–65535), got "${value}".`)
}

/** A word for a POSIX shell: as is when that is safe, else single-quoted. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`
}

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
