/**
 * Sync tags: what a query response's `syncTags` name and what the Live Content API announces.
 *
 * Granularity: one tag per question. A tag is a hash of the query's identity (query text, params,
 * perspective, who may read what), so every cached copy of an answer carries the same tag however
 * old it is, as hosted Sanity's tags name content rather than versions of it: a cache that missed
 * one announcement is still told at the next. The lake remembers a hash of the latest answer of
 * each recently asked question; after commits it asks them again (debounced, off the request path)
 * and announces the tag of every answer that changed. Unlike per-document or per-type tags this never misses a change (a newly published
 * article entering a "latest 10" list) and never revalidates a page whose answer stayed the same.
 * The price is re-running remembered queries after commits, which is bounded: per class at most
 * `capacity` queries (least recently asked are forgotten first, and forgetting announces their
 * tag so no cache keeps an answer nobody would tell it about). Published-perspective queries are
 * re-run only after commits that touch published documents, so editors typing into drafts cost the
 * website nothing; draft answers are re-run only while an `includeDrafts` stream listens.
 */
import {createHash} from 'node:crypto'

/** `published`: answers from the published perspective; `drafts`: everything else. */
export type TagClass = 'published' | 'drafts'

export interface RegisteredQuery {
  /** Identity of the question: query, params, perspective and reader scope. */
  key: string
  tagClass: TagClass
  /** Asks the question again over the current data; resolves to the answer's JSON text. */
  rerun: () => Promise<string>
  /** What asks it again after a restart (JSON); questions without it are not saved. */
  question?: unknown
}

/** A remembered question as saved across restarts. */
export interface SavedQuestion {
  key: string
  tagClass: TagClass
  /** Hash of the latest answer. */
  answer: string
  question: unknown
}

interface Entry {
  tagClass: TagClass
  rerun: () => Promise<string>
  tag: string
  /** Hash of the latest answer. */
  answer: string
  question?: unknown
}

export interface SyncTagRegistryOptions {
  /** Remembered queries per class. */
  capacity?: number
  /** Called with tags whose answers changed or were forgotten. */
  announce: (tags: string[], tagClass: TagClass) => void
}

export const DEFAULT_SYNC_TAG_CAPACITY = 500

/** The tag of one question: `s1:` and 16 base64url characters (96 bits) of a hash. */
export function syncTagFor(key: string): string {
  return `s1:${hashOf(key).slice(0, 16)}`
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url')
}

/** The remembered queries of one dataset. */
export class SyncTagRegistry {
  readonly #capacity: number
  readonly #announce: SyncTagRegistryOptions['announce']
  /** Per class, in least-recently-asked-first order (Map keeps insertion order). */
  readonly #entries: Record<TagClass, Map<string, Entry>> = {
    published: new Map(),
    drafts: new Map(),
  }

  constructor(options: SyncTagRegistryOptions) {
    this.#capacity = options.capacity ?? DEFAULT_SYNC_TAG_CAPACITY
    this.#announce = options.announce
  }

  /**
   * Remembers an answer and returns its tag. An earlier, different answer to the same question
   * (changed while nobody listened) is announced now.
   */
  remember(query: RegisteredQuery, resultJson: string): string {
    const entries = this.#entries[query.tagClass]
    const tag = syncTagFor(query.key)
    const answer = hashOf(resultJson)
    const previous = entries.get(query.key)
    entries.delete(query.key)
    entries.set(query.key, {
      tagClass: query.tagClass,
      rerun: query.rerun,
      tag,
      answer,
      question: query.question,
    })
    if (previous && previous.answer !== answer) this.#announce([tag], query.tagClass)
    if (entries.size > this.#capacity) {
      const forgotten: string[] = []
      for (const [key, entry] of entries) {
        if (entries.size <= this.#capacity) break
        entries.delete(key)
        forgotten.push(entry.tag)
      }
      this.#announce(forgotten, query.tagClass)
    }
    return tag
  }

  /** Takes back a question saved before a restart, with its answer then; announces nothing. */
  restore(saved: SavedQuestion, rerun: () => Promise<string>): void {
    const entries = this.#entries[saved.tagClass]
    if (entries.size >= this.#capacity || entries.has(saved.key)) return
    const {key, tagClass, answer, question} = saved
    entries.set(key, {tagClass, rerun, tag: syncTagFor(key), answer, question})
  }

  /** The questions that can be asked again after a restart, least recently asked first. */
  saved(): SavedQuestion[] {
    const saved: SavedQuestion[] = []
    for (const entries of Object.values(this.#entries)) {
      for (const [key, entry] of entries) {
        if (entry.question === undefined) continue
        saved.push({key, tagClass: entry.tagClass, answer: entry.answer, question: entry.question})
      }
    }
    return saved
  }

  size(tagClass: TagClass): number {
    return this.#entries[tagClass].size
  }

  /** Asks every remembered question of a class again; announces the tags of changed answers. */
  async recheck(tagClass: TagClass): Promise<void> {
    const changed: string[] = []
    for (const [key, entry] of [...this.#entries[tagClass]]) {
      let answer: string
      try {
        answer = hashOf(await entry.rerun())
      } catch {
        // A query that now fails (a dataset deleted under it): let caches ask and see the error.
        this.#entries[tagClass].delete(key)
        changed.push(entry.tag)
        continue
      }
      if (answer === entry.answer) continue
      changed.push(entry.tag)
      entry.answer = answer
    }
    if (changed.length > 0) this.#announce(changed, tagClass)
  }
}
