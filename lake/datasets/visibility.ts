/**
 * Dataset visibility (Sanity's `aclMode`): `private` (the default) or `public`, where anonymous
 * callers may read published documents. Kept in `<data>/datasets/visibility.json` so that
 * `npm run lake -- datasets visibility …` works while the lake runs: the lake re-reads the file when
 * it changes, checked at most every `recheckMs`.
 */
import {mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {UnavailableError} from '../core/errors.ts'
import type {Principal} from '../core/grants.ts'

export type DatasetVisibility = 'public' | 'private'

export const VISIBILITIES: readonly DatasetVisibility[] = ['public', 'private']

export const VISIBILITY_FILE = join('datasets', 'visibility.json')

/**
 * `madePrivate` counts the dataset's changes from public to private, so that one undone before a
 * running lake looked (it checks every 200 ms or so) is still seen: the anonymous listeners opened
 * before it heard the dataset while it was private.
 */
type Settings = Record<string, {aclMode: DatasetVisibility; madePrivate?: number}>

export interface VisibilitySettings {
  of(dataset: string): DatasetVisibility
  /** How many times the dataset was made private (public to private), as last read. */
  madePrivate(dataset: string): number
  /**
   * madePrivate when the dataset is public, null when it is private, read from the file now (not
   * as last read): what an anonymous listener is given public reads under.
   */
  publicSince(dataset: string): number | null
  set(dataset: string, visibility: DatasetVisibility): void
  /** The datasets given a visibility (made by `client.datasets.create`, or set by the CLI). */
  named(): string[]
  /** Forgets a deleted dataset's setting: one made again under its name starts private. */
  remove(dataset: string): void
}

export function openVisibility(dataDir: string, recheckMs = 250): VisibilitySettings {
  const path = join(dataDir, VISIBILITY_FILE)
  let settings: Settings = {}
  /**
   * What the file was when last read: its modification time, inode and size, as two saves within
   * one tick of the kernel's coarse clock share a modification time (each save is a new file, and
   * `public` and `private` differ in length). Null: never read.
   */
  let version: string | null = null
  let checkedAt = -Infinity

  // A file caught missing or half-saved (a hand edit, an editor's save by rename) keeps the last
  // settings read: taken as "all private" it would end every anonymous stream. Each reason is said
  // once, not at every recheck.
  let unreadable: string | null = null
  const keepLast = (why: string) => {
    if (unreadable === why) return
    unreadable = why
    const open = Object.keys(settings).filter((name) => settings[name]?.aclMode === 'public')
    console.error(
      `lake: ${path} ${why}; keeping the last settings read (public: ${open.join(', ') || 'none'}) until it is fixed`,
    )
  }

  /** Reads the file if it changed; at most every recheckMs unless `now`. */
  const refresh = (now = false) => {
    const at = performance.now()
    if (!now && at - checkedAt < recheckMs) return
    checkedAt = at
    let current: string
    try {
      const stat = statSync(path)
      current = `${stat.mtimeMs} ${stat.ino} ${stat.size}`
    } catch {
      // Never there: every dataset is private.
      if (version !== null) keepLast('is missing')
      return
    }
    if (current === version) return
    const read = readSettings(path)
    if (read === null) return keepLast('cannot be read or is not valid JSON')
    settings = read
    version = current
    unreadable = null
  }

  const write = (next: Settings) => {
    mkdirSync(join(dataDir, 'datasets'), {recursive: true})
    // Written whole and renamed, so a running lake never reads half a file.
    const temporary = `${path}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify(next, null, 2) + '\n')
    renameSync(temporary, path)
    settings = next
    checkedAt = -Infinity
  }

  /**
   * What a change builds on: the file, or while it does not parse the settings last read (built
   * on none, every other public dataset would turn private). Never read: refused.
   */
  const base = (): Settings => {
    const read = readSettings(path)
    if (read !== null) return read
    if (version !== null) return settings
    throw new UnavailableError(
      `${path} cannot be read or is not valid JSON: fix it before changing a dataset's visibility`,
    )
  }

  return {
    of(dataset) {
      refresh()
      return settings[dataset]?.aclMode === 'public' ? 'public' : 'private'
    },
    madePrivate(dataset) {
      refresh()
      return settings[dataset]?.madePrivate ?? 0
    },
    publicSince(dataset) {
      refresh(true)
      const setting = settings[dataset]
      return setting?.aclMode === 'public' ? (setting.madePrivate ?? 0) : null
    },
    set(dataset, visibility) {
      const current = base()
      const was = current[dataset]
      const madePrivate =
        (was?.madePrivate ?? 0) + (was?.aclMode === 'public' && visibility === 'private' ? 1 : 0)
      write({...current, [dataset]: {aclMode: visibility, ...(madePrivate ? {madePrivate} : {})}})
    },
    remove(dataset) {
      const current = base()
      if (!(dataset in current)) return
      const {[dataset]: _removed, ...rest} = current
      write(rest)
    },
    named() {
      refresh()
      return Object.keys(settings)
    },
  }
}

/** The file's settings: none when it is missing, null when it cannot be read or parsed. */
function readSettings(path: string): Settings | null {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? {} : null
  }
  try {
    const parsed = JSON.parse(text) as unknown
    return typeof parsed === 'object' && parsed !== null ? (parsed as Settings) : null
  } catch {
    return null
  }
}

export const MADE_PRIVATE_REASON =
  'The dataset was made private: anonymous callers may no longer read it; send a token'

/**
 * Ends the listeners anonymous callers opened on a dataset while it was public (`disconnect`, as
 * for a revoked token) once it is private again, whether by this lake
 * (client.datasets.edit) or by `npm run lake -- datasets visibility`, within a second; also when
 * it is public again by then (madePrivate counts the changes), as they heard it while it was
 * private. Each request checks for itself; these are long ones. Returns the function that stops
 * watching.
 */
export function watchMadePrivate(
  visibility: Pick<VisibilitySettings, 'of' | 'named' | 'madePrivate'>,
  streams: {endWhere(ended: (principal: Principal, dataset: string) => string | null): number},
  intervalMs = 200,
): () => void {
  const publicOnes = () =>
    visibility
      .named()
      .filter((name) => visibility.of(name) === 'public')
      .map((name) => `${name} ${visibility.madePrivate(name)}`)
      .join('\n')
  let seen = publicOnes()
  const check = () => {
    try {
      const now = publicOnes()
      if (now === seen) return
      streams.endWhere((principal, dataset) =>
        principal.publicReads &&
        (visibility.of(dataset) !== 'public' ||
          visibility.madePrivate(dataset) > (principal.publicReadsSince ?? 0))
          ? MADE_PRIVATE_REASON
          : null,
      )
      seen = now
    } catch (err) {
      // From a timer: a throw here would end the lake's process. Tried again at the next tick.
      console.error(`lake: checking open streams of datasets made private failed`, err)
    }
  }
  const timer = setInterval(check, intervalMs)
  timer.unref?.()
  return () => clearInterval(timer)
}
