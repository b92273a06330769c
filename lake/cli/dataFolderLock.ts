/**
 * One lake per data folder. Two lakes on one folder each keep their own clock, listeners and
 * caches over the same files: their revisions and events diverge. The lake's start holds an
 * exclusive SQLite lock on `lock.sqlite` for its life; SQLite's lock is the system's file lock
 * (fcntl, LockFileEx), which the system lets go when the process ends however it ends, SIGKILL
 * included, so no stale lock is left to clear. `lock.json` says who holds it, for the message a
 * second start gives (the lock itself keeps other processes from reading `lock.sqlite`).
 */
import {chmodSync, mkdirSync, readFileSync, truncateSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {FILE_MODE, FOLDER_MODE} from '../auth/dataFolder.ts'

export const LOCK_FILE = 'lock.sqlite'
export const HOLDER_FILE = 'lock.json'

/** SQLITE_BUSY: another connection holds the lock. */
const SQLITE_BUSY = 5
/** SQLITE_CORRUPT and SQLITE_NOTADB: the file is not (or no longer) a database. */
const DAMAGED = new Set([11, 26])

/** SQLite's primary result code of a node:sqlite error (its extended code's low byte). */
const sqliteCode = (error: unknown) => ((error as {errcode?: number}).errcode ?? 0) % 256

/** Who holds a data folder's lock, as its holder wrote it. */
export interface LockHolder {
  /** The lake's process. */
  pid: number
  /** The process that supervises it (and is the one to signal), if any. */
  supervisor: number | null
  /** Where it serves, once it listens. */
  url: string | null
  startedAt: string
}

export class DataFolderInUseError extends Error {
  override name = 'DataFolderInUseError'
  readonly dataDir: string
  readonly holder: LockHolder | null
  constructor(dataDir: string, holder: LockHolder | null) {
    const who = holder
      ? `the lake in process ${holder.pid}` +
        (holder.url ? `, serving ${holder.url}` : ', not yet listening') +
        ` (started ${holder.startedAt})`
      : 'another lake'
    const stop = holder
      ? `Ctrl-C where it runs, or \`kill ${holder.supervisor ?? holder.pid}\``
      : 'Ctrl-C where it runs'
    super(
      `The data folder ${dataDir} is in use by ${who}: one lake serves a data folder at a time. ` +
        `Stop that lake first (${stop}), or give this one another folder with --data.`,
    )
    this.dataDir = dataDir
    this.holder = holder
  }
}

/** The lock file cannot be used (a folder in its place, no permission): named, with the fix. */
export class DataFolderLockError extends Error {
  override name = 'DataFolderLockError'
  constructor(path: string, dataDir: string, cause: unknown) {
    super(
      `Cannot take the data folder's lock ${path}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        `It holds nothing worth keeping: with no lake running on ${dataDir}, delete it and start again ` +
        '(the start makes it anew).',
      {cause},
    )
  }
}

export interface DataFolderLock {
  /** Records where the lake serves, for a second start's message. */
  serving(url: string): void
  /** Lets go of the folder (an ended process lets go by itself). */
  release(): void
}

/**
 * Takes `dataDir`'s lock for this process, creating the folder if need be; throws
 * DataFolderInUseError at once, without waiting, while another process holds it.
 */
export function lockDataFolder(
  dataDir: string,
  who: {pid: number; supervisor: number | null; now: Date},
): DataFolderLock {
  mkdirSync(dataDir, {recursive: true, mode: FOLDER_MODE})
  const path = join(dataDir, LOCK_FILE)
  const inUse = () => new DataFolderInUseError(dataDir, readHolder(dataDir))
  let db: DatabaseSync
  try {
    db = takeLock(path, who)
  } catch (error) {
    if (sqliteCode(error) === SQLITE_BUSY) throw inUse()
    if (!DAMAGED.has(sqliteCode(error))) throw new DataFolderLockError(path, dataDir, error)
    // Damaged (a crash mid-write, or something else saved there): it holds nothing worth keeping.
    // Emptied in place (an empty file is an empty database), never replaced: a start racing this
    // one on the same damaged file locks the same file, and the lock is the system's on the file,
    // not on its content, so emptying a file another start has just rewritten and locked takes
    // nothing from its lock: one of the two holds the folder, the other is refused.
    try {
      truncateSync(path, 0)
      db = takeLock(path, who)
    } catch (again) {
      if (sqliteCode(again) === SQLITE_BUSY) throw inUse()
      throw new DataFolderLockError(path, dataDir, again)
    }
  }
  chmodSync(path, FILE_MODE)
  const holder: LockHolder = {
    pid: who.pid,
    supervisor: who.supervisor,
    url: null,
    startedAt: who.now.toISOString(),
  }
  const write = () =>
    writeFileSync(join(dataDir, HOLDER_FILE), JSON.stringify(holder), {mode: FILE_MODE})
  write()
  return {
    serving(url) {
      holder.url = url
      write()
    },
    release: () => db.close(),
  }
}

/** Opens `path` and takes its exclusive lock, writing `who` in it; throws SQLite's error. */
function takeLock(path: string, who: {pid: number; now: Date}): DatabaseSync {
  const db = new DatabaseSync(path, {timeout: 0})
  try {
    // Exclusive locking mode keeps the write's exclusive lock until the connection closes; no
    // journal, so no side file (the one row is rewritten at each start, nothing to roll back).
    db.exec('PRAGMA locking_mode = EXCLUSIVE')
    db.exec('PRAGMA journal_mode = OFF')
    db.exec('BEGIN EXCLUSIVE')
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, started_at TEXT NOT NULL)')
    db.exec('DELETE FROM holder')
    db.prepare('INSERT INTO holder VALUES (?, ?)').run(who.pid, who.now.toISOString())
    db.exec('COMMIT')
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/** The holder's record; null when it cannot be read (written by an older start, torn). */
function readHolder(dataDir: string): LockHolder | null {
  try {
    const read = JSON.parse(readFileSync(join(dataDir, HOLDER_FILE), 'utf8')) as LockHolder
    return Number.isInteger(read.pid) ? read : null
  } catch {
    return null
  }
}
