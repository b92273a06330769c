/**
 * First start of a data folder: an administrator account and a write token for the project's own
 * scripts (import, export, query), kept in <dataDir>/token readable only by its owner.
 */
import {chmodSync, existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {LAKE_FILES} from '../../kit/localLake.ts'
import {
  createAuthStore,
  generatePassword,
  type AuthStore,
  type AuthStoreOptions,
} from './authStore.ts'

/** File names inside the data folder (kit/localLake.ts, which the lake's clients read too). */
export const AUTH_DB_FILE = LAKE_FILES.authDb
export const TOKEN_FILE = LAKE_FILES.token
/** The name the Studio shows for what the import and the scripts write (history, footer). */
export const SCRIPTS_TOKEN_LABEL = 'আমদানি ও স্ক্রিপ্ট (স্বয়ংক্রিয়)'

export interface AuthBootstrap {
  store: AuthStore
  tokenPath: string
  /** The scripts' token (read from or just written to <dataDir>/token). */
  token: string
  /** Set only when this call created the administrator. */
  createdAdmin: {email: string; password: string; generated: boolean} | null
  /** True when this call created the scripts' token. */
  createdToken: boolean
}

/** Reads LAKE_ADMIN_EMAIL and LAKE_ADMIN_PASSWORD. */
export type BootstrapEnv = Record<string, string | undefined>

export function tokenPath(dataDir: string): string {
  return join(dataDir, TOKEN_FILE)
}

/** Reads the scripts' token of a data folder, or null when there is none yet. */
export function readTokenFile(dataDir: string): string | null {
  const path = tokenPath(dataDir)
  if (!existsSync(path)) return null
  return readFileSync(path, 'utf8').trim() || null
}

export async function openAuth(
  dataDir: string,
  env: BootstrapEnv = process.env,
  options: Omit<AuthStoreOptions, 'path'> = {},
): Promise<AuthBootstrap> {
  const store = createAuthStore({...options, path: join(dataDir, AUTH_DB_FILE)})
  let createdAdmin: AuthBootstrap['createdAdmin'] = null
  if (store.userCount() === 0) {
    const email = env.LAKE_ADMIN_EMAIL?.trim() || 'admin@localhost'
    const generated = !env.LAKE_ADMIN_PASSWORD
    const password = env.LAKE_ADMIN_PASSWORD || generatePassword()
    await store.addUser({email, name: 'Administrator', role: 'administrator', password})
    createdAdmin = {email, password, generated}
  }

  const path = tokenPath(dataDir)
  let token = readTokenFile(dataDir)
  let createdToken = false
  if (!token || !(await store.isValidToken(token))) {
    // Only hashes are stored, so a lost or revoked token file is replaced, not recovered.
    token = (await store.createToken({label: SCRIPTS_TOKEN_LABEL, role: 'editor'})).token
    writeFileSync(path, token + '\n', {mode: 0o600})
    createdToken = true
  }
  chmodSync(path, 0o600)
  return {store, tokenPath: path, token, createdAdmin, createdToken}
}
