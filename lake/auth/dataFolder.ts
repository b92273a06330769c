/**
 * The data folder holds drafts, password hashes, tokens and the CA's key: only its owner may read
 * it. It is created 0700 and every file in it is kept 0600 (SQLite gives a database's -wal and
 * -shm files the database's mode); a folder made by an older lake is tightened on start.
 *
 * Only a folder that holds nothing but the lake's own entries is tightened: `--data .` or a
 * mistyped path pointing at a project or a home folder once made every file under it 0600
 * (node_modules' binaries included, through their hard links elsewhere). Such a folder is
 * refused before anything is written into it.
 */
import {chmodSync, mkdirSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'

export const FOLDER_MODE = 0o700
export const FILE_MODE = 0o600

/**
 * What a lake makes at the top of its data folder (kit/localLake.ts LAKE_FILES, the assets, the
 * Live questions, the start's lock: lake/cli/dataFolderLock.ts), with SQLite's side files of the
 * auth database (docs/studio-lake.md lists them all).
 */
const LAKE_ENTRY =
  /^(?:token|auth\.sqlite(?:-wal|-shm|-journal)?|lock\.sqlite(?:-journal)?|lock\.json|tls|datasets|assets|live)$/

/** A data folder that holds files the lake did not make: it is not the lake's to change. */
export class ForeignDataFolderError extends Error {
  override name = 'ForeignDataFolderError'
  readonly dataDir: string
  readonly foreign: string[]
  constructor(dataDir: string, foreign: string[]) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? ', …' : '')
    super(
      `The data folder ${dataDir} holds entries the lake did not make (${shown}), so it is not a ` +
        "lake's data folder: the lake would make everything in it owner-only. Give a new or empty " +
        'folder, or an existing lake data folder, with --data (or LAKE_DATA).',
    )
    this.dataDir = dataDir
    this.foreign = foreign
  }
}

/** Entries at the top of `dataDir` that no lake makes (none when the folder does not exist). */
export function foreignEntries(dataDir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dataDir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  return names.filter((name) => !LAKE_ENTRY.test(name)).sort()
}

/**
 * Creates the folder (and parents) owner-only, then tightens everything already inside; throws
 * ForeignDataFolderError, changing nothing, when the folder holds entries the lake did not make.
 */
export function secureDataFolder(dataDir: string): void {
  const foreign = foreignEntries(dataDir)
  if (foreign.length > 0) throw new ForeignDataFolderError(dataDir, foreign)
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
