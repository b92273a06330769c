/**
 * The remembered questions of the Live Content API, kept across restarts as one JSON file per
 * dataset in the data folder (`live/<dataset>.json`, written whole and renamed into place, so a
 * crash leaves the previous file). At most a few hundred questions per dataset: no database needed.
 */
import {randomBytes} from 'node:crypto'
import {linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {LiveQuestionStore} from './liveEvents.ts'
import type {SavedQuestion} from './syncTags.ts'

const VERSION = 1

export function fileQuestionStore(
  dataDir: string,
  /** Whether a dataset was ever written: a name only read leaves no file here either. */
  exists: (dataset: string) => boolean = () => true,
): LiveQuestionStore {
  const dir = join(dataDir, 'live')
  const fileOf = (dataset: string) => join(dir, `${encodeURIComponent(dataset)}.json`)
  return {
    load(dataset) {
      let parsed: unknown
      try {
        parsed = JSON.parse(readFileSync(fileOf(dataset), 'utf8'))
      } catch {
        // None saved yet, or unreadable: the lake starts with no remembered questions, as before.
        return []
      }
      const {version, questions} = (parsed ?? {}) as {version?: unknown; questions?: unknown}
      if (version !== VERSION || !Array.isArray(questions)) return []
      return questions.filter(isSavedQuestion)
    },
    save(dataset, questions) {
      if (!exists(dataset)) return
      mkdirSync(dir, {recursive: true, mode: 0o700})
      const file = fileOf(dataset)
      const temporary = `${file}.${process.pid}.tmp`
      // Questions carry query parameters: readable by the lake's user only.
      writeFileSync(temporary, JSON.stringify({version: VERSION, questions}), {mode: 0o600})
      renameSync(temporary, file)
    },
    remove(dataset) {
      rmSync(fileOf(dataset), {force: true})
    },
  }
}

function isSavedQuestion(value: unknown): value is SavedQuestion {
  const q = value as Partial<SavedQuestion> | null
  return (
    typeof q === 'object' &&
    q !== null &&
    typeof q.key === 'string' &&
    (q.tagClass === 'published' || q.tagClass === 'drafts') &&
    typeof q.answer === 'string' &&
    q.question !== undefined
  )
}

/**
 * The key of the sync tags' HMAC, made once (32 random bytes) and kept in the data folder
 * (`live/tag.key`, readable by the lake's user only), so that a tag is the same after a restart
 * (next-sanity's caches keep them) and cannot be computed by whoever knows the query.
 */
export function liveTagSecret(dataDir: string): Uint8Array {
  const dir = join(dataDir, 'live')
  const file = join(dir, 'tag.key')
  let text: string | null = null
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (text !== null && text.trim() !== '') return keyOf(file, text)
  // Empty: a lake before this one stopped between creating the file and writing it.
  if (text !== null) rmSync(file, {force: true})
  mkdirSync(dir, {recursive: true, mode: 0o700})
  // Written whole, then linked into place: the file is never seen empty, and of two lakes starting
  // on one folder with no key file the second's link fails and it reads the first's key (with an
  // empty file, each may remove the other's new key: two keys until the next start).
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  writeFileSync(temporary, randomBytes(32).toString('base64url') + '\n', {mode: 0o600, flush: true})
  try {
    linkSync(temporary, file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  } finally {
    rmSync(temporary, {force: true})
  }
  return keyOf(file, readFileSync(file, 'utf8'))
}

function keyOf(file: string, text: string): Uint8Array {
  const key = Buffer.from(text.trim(), 'base64url')
  if (key.length < 32) {
    throw new Error(
      `${file} holds no key of 32 bytes: remove it and start the lake again (the sync tags the front end holds change once)`,
    )
  }
  return key
}
