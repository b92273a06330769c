/** What the lake's commands share (not a command itself: lake/cli.ts lists those). */
import {resolve} from 'node:path'
import {parseArgs, type ParseArgsConfig} from 'node:util'
import {createAuthStore, type AuthStore} from '../auth/authStore.ts'
import {AUTH_DB_FILE, type AuthBootstrap} from '../auth/bootstrap.ts'

export const DEFAULTS = {port: 3334, host: '127.0.0.1', data: '.lake'}

/** Prints the problem and the command's usage on stderr; returns the usage-error exit code. */
export function usageError(problem: string, usage: string): number {
  process.stderr.write(`${problem}\n\n${usage}`)
  return 2
}

/** The parsed options, or null when they are wrong (the problem and `usage` are printed). */
export function parseOptions<T extends ParseArgsConfig>(
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T>> | null {
  try {
    return parseArgs(config)
  } catch (err) {
    usageError((err as Error).message, usage)
    return null
  }
}

/** A TCP port from `--port`, or null; `min` is 0 where the system may pick one. */
export function parsePort(value: string, min: 0 | 1): number | null {
  const port = Number(value)
  return Number.isInteger(port) && port >= min && port <= 65535 ? port : null
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
export function reportCreatedAdmin(auth: AuthBootstrap, out: NodeJS.WritableStream): void {
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
