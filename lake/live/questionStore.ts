/**
 * The remembered questions of the Live Content API, kept across restarts as one JSON file per
 * dataset in the data folder (`live/<dataset>.json`, written whole and renamed into place, so a
 * crash leaves the previous file). At most a few hundred questions per dataset: no database needed.
 */
import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
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
