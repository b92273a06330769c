/**
 * The data folder holds drafts, password hashes, tokens and the CA's key: only its owner may read
 * it. It is created 0700 and every file in it is kept 0600 (SQLite gives a database's -wal and
 * -shm files the database's mode); a folder made by an older lake is tightened on start.
 */
import {chmodSync, mkdirSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'

export const FOLDER_MODE = 0o700
export const FILE_MODE = 0o600

/** Creates the folder (and parents) owner-only, then tightens everything already inside. */
export function secureDataFolder(dataDir: string): void {
  mkdirSync(dataDir, {recursive: true, mode: FOLDER_MODE})
  tighten(dataDir)
}

function tighten(dir: string): void {
  chmodSync(dir, FOLDER_MODE)
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    // Symbolic links are left alone: their targets are not the lake's to change.
    if (entry.isDirectory()) tighten(path)
    else if (entry.isFile() && (statSync(path).mode & 0o777) !== FILE_MODE)
      chmodSync(path, FILE_MODE)
  }
}
