/** The accounts of a data folder for the lake's commands (start, env, users, tokens). */
import {resolve} from 'node:path'
import {createAuthStore, type AuthStore} from '../auth/authStore.ts'
import {AUTH_DB_FILE, type AuthBootstrap} from '../auth/bootstrap.ts'
import type {Output} from '../../kit/cli.ts'

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
