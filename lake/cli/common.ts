/** What the lake's commands share (not a command itself: lake/cli.ts lists those). */
import {resolve} from 'node:path'
import {createAuthStore, type AuthStore} from '../auth/authStore.ts'
import {AUTH_DB_FILE, type AuthBootstrap} from '../auth/bootstrap.ts'
import {UsageError, type Output} from '../../kit/cli.ts'

export const DEFAULTS = {port: 3334, host: '127.0.0.1', data: '.lake'}

/** A TCP port from `--port`; `min` is 0 where the system may pick one. */
export function parsePort(value: string, min: 0 | 1): number {
  const port = Number(value)
  if (Number.isInteger(port) && port >= min && port <= 65535) return port
  throw new UsageError(`--port must be a port number (${min}–65535), got "${value}".`)
}

/** The URL clients use: browsers reach loopback as `localhost` (the certificate's name). */
export function apiHostFor(host: string, port: number, tls: boolean): string {
  const loopback = ['127.0.0.1', '::1', '0.0.0.0', '::', 'localhost'].includes(host)
  const name = loopback ? 'localhost' : host.includes(':') ? `[${host}]` : host
  return `${tls ? 'https' : 'http'}://${name}:${port}`
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
