/**
 * Dataset visibility (Sanity's `aclMode`): `private` (the default) or `public`, where anonymous
 * callers may read published documents. Kept in `<data>/datasets/visibility.json` so that
 * `npm run lake -- datasets visibility …` works while the lake runs: the lake re-reads the file when
 * its modification time changes, checked at most every `recheckMs`.
 */
import {mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {UnavailableError} from '../core/errors.ts'
import type {Principal} from '../core/grants.ts'

export type DatasetVisibility = 'public' | 'private'

export const VISIBILITIES: readonly DatasetVisibility[] = ['public', 'private']

export const VISIBILITY_FILE = join('datasets', 'visibility.json')

type Settings = Record<string, {aclMode: DatasetVisibility}>

export interface VisibilitySettings {
  of(dataset: string): DatasetVisibility
  set(dataset: string, visibility: DatasetVisibility): void
  /** The datasets given a visibility (made by `client.datasets.create`, or set by the CLI). */
  named(): string[]
  /** Forgets a deleted dataset's setting: one made again under its name starts private. */
  remove(dataset: string): void
}

export function openVisibility(dataDir: string, recheckMs = 250): VisibilitySettings {
  const path = join(dataDir, VISIBILITY_FILE)
  let settings: Settings = {}
  let mtimeMs = -1
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

  const refresh = () => {
    const now = performance.now()
    if (now - checkedAt < recheckMs) return
    checkedAt = now
    let current: number
    try {
      current = statSync(path).mtimeMs
    } catch {
      // Never there: every dataset is private.
      if (mtimeMs !== -1) keepLast('is missing')
      return
    }
    if (current === mtimeMs) return
    const read = readSettings(path)
    if (read === null) return keepLast('cannot be read or is not valid JSON')
    settings = read
    mtimeMs = current
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
    if (mtimeMs !== -1) return settings
    throw new UnavailableError(
      `${path} cannot be read or is not valid JSON: fix it before changing a dataset's visibility`,
    )
  }

  return {
    of(dataset) {
      refresh()
      return settings[dataset]?.aclMode === 'public' ? 'public' : 'private'
    },
    set(dataset, visibility) {
      write({...base(), [dataset]: {aclMode: visibility}})
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
 * (client.datasets.edit) or by `npm run lake -- datasets visibility`, within a second. Each
 * request checks for itself; these are long ones. Returns the function that stops watching.
 */
export function watchMadePrivate(
  visibility: Pick<VisibilitySettings, 'of' | 'named'>,
  streams: {endWhere(ended: (principal: Principal, dataset: string) => string | null): number},
  intervalMs = 200,
): () => void {
  const publicOnes = () =>
    visibility
      .named()
      .filter((name) => visibility.of(name) === 'public')
      .join('\n')
  let seen = publicOnes()
  const check = () => {
    try {
      const now = publicOnes()
      if (now === seen) return
      streams.endWhere((principal, dataset) =>
        principal.publicReads && visibility.of(dataset) !== 'public' ? MADE_PRIVATE_REASON : null,
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
