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
 *
 * A re-run is work anyone can ask for once and have done after every commit, so it is budgeted
 * (`RecheckLimits`) by what its answer costs: the CPU of its evaluation on the thread that ran it
 * (`Answer.cpuMs`), not the time it took, which counts its wait for a query thread and the
 * machine's other work (on a busy machine a trivial question waited past every limit, and was
 * judged slow). A question whose answer took more than a limit (less for anonymous askers) twice
 * in a row, when asked and re-run, is answered coarsely for a while: its tag is announced after
 * every commit that could change it, without running it, as hosted Sanity's tags say "something
 * this answer depends on changed". It is tried again after `backoffMs`, doubled at each further
 * overrun up to `maxBackoffMs`. (Twice: a thread's first run of a query pays for code not yet
 * compiled and pages not yet read.) A re-run is not stopped at the limit (that terminates its
 * thread, whose replacement costs more; the query's wall-clock deadline still stops it); instead
 * re-runs go cheapest first and spend the dataset's share of re-run CPU (`RecheckCredits`), and
 * once it is spent the rest of the round is announced coarsely too. Questions that cost at most
 * `cheapMs` spend a credit of their own, so a slow question's re-run never delays theirs.
 */
import {createHash, createHmac} from 'node:crypto'
import {answerHash, type AnswerText} from '../query/execute.ts'

/** `published`: answers from the published perspective; `drafts`: everything else. */
export type TagClass = 'published' | 'drafts'

export interface RegisteredQuery {
  /** Identity of the question: query, params, perspective and reader scope. */
  key: string
  tagClass: TagClass
  /** Asks the question again over the current data; resolves to its JSON text and CPU (Answer). */
  rerun: Rerun
  /** What asks it again after a restart (JSON); questions without it are not saved. */
  question?: unknown
  /** Asked without a token: the shorter limit. */
  anonymous?: boolean
  /** The CPU its answer took when asked (ms: `Answer.cpuMs`). */
  costMs?: number
}

/** An answer as JSON text, and the CPU its evaluation took (ms) on the thread that ran it. */
export interface Answer {
  /** Its JSON (a large one as bytes, with their `hash`: QueryAnswer). */
  json: string | Uint8Array
  hash?: string
  cpuMs: number
}

export type Rerun = () => Promise<Answer>

/** The CPU an answer may take before its question is answered coarsely, and for how long. */
export interface RecheckLimits {
  signedInMs: number
  anonymousMs: number
  /** Coarse answers after a second overrun in a row, doubled at each further one. */
  backoffMs: number
  maxBackoffMs: number
  /** Questions whose answer took at most this (the better of the last two) spend the `cheap` credit. */
  cheapMs: number
}

/** A dataset's re-run CPU left in this round (ms); re-runs spend it. */
export interface RecheckCredit {
  left(): number
  spend(ms: number): void
}

/** A dataset's credits: one for questions whose last answer was cheap, one for the rest. */
export interface RecheckCredits {
  cheap: RecheckCredit
  costly: RecheckCredit
}

/** A remembered question as saved across restarts. */
export interface SavedQuestion {
  key: string
  tagClass: TagClass
  /** Hash of the latest answer. */
  answer: string
  question: unknown
  anonymous?: boolean
}

interface Entry {
  tagClass: TagClass
  rerun: Rerun
  tag: string
  /** Hash of the latest answer. */
  answer: string
  question?: unknown
  anonymous: boolean
  /** Answers in a row whose CPU overran their limit. */
  overruns: number
  /** Until then (the registry's clock) it is announced after every recheck of its class, not re-run. */
  coarseUntil: number
  /**
   * The better of the CPU its last two answers took, in ms (one may have run cold): cheaper
   * questions are re-run first.
   */
  costMs: number
  /** The CPU its last answer took; null when unknown. */
  lastMs: number | null
}

export interface SyncTagRegistryOptions {
  /** Remembered queries per class. */
  capacity?: number
  /** Characters of their keys per class (DEFAULT_SYNC_TAG_CHARS). */
  chars?: number
  /** Called with tags whose answers changed or were forgotten. */
  announce: (tags: string[], tagClass: TagClass) => void
  /** The CPU one answer may take (default DEFAULT_RECHECK_LIMITS). */
  limits?: RecheckLimits
  /** The clock of backoffs and of announcements within a round (tests). */
  now?: () => number
  /**
   * The key of the tags' HMAC (lake/live/questionStore.ts keeps it in the data folder): without
   * it anyone could compute a query's tag and watch a private dataset's answers change.
   */
  secret?: Uint8Array
}

/** A front end's query answered from an index takes a few ms of CPU; a scan can take seconds. */
export const DEFAULT_RECHECK_LIMITS: RecheckLimits = {
  signedInMs: 2000,
  anonymousMs: 500,
  backoffMs: 10_000,
  maxBackoffMs: 600_000,
  cheapMs: 100,
}

export const DEFAULT_SYNC_TAG_CAPACITY = 500
/**
 * Characters of remembered questions' keys per class. A key is the whole query and parameters
 * (lake/http/routes/query.ts), which anyone may send at up to 256 k characters and a mebibyte: by
 * count alone, 500 such questions held hundreds of MB, twice with their saved copies, and every
 * save wrote them to disk. The front end's and the Studio's questions are a few hundred
 * characters to a few kB; 2 M characters keep 500 of 4 kB.
 */
export const DEFAULT_SYNC_TAG_CHARS = 2 * 1024 * 1024

/**
 * The tag of every question of a class too large to remember: announced at the next recheck of
 * the class after it was given, as a coarse question's is. (Keys are JSON arrays, never this.)
 */
export function classTagFor(tagClass: TagClass, secret?: Uint8Array): string {
  return syncTagFor(classKeyOf(tagClass), secret)
}

function classKeyOf(tagClass: TagClass): string {
  return `class:${tagClass}`
}

/**
 * The tag of one question: `s1:` and 16 base64url characters (96 bits) of its HMAC under `secret`
 * (a plain hash without one, for tests of the registry alone).
 */
export function syncTagFor(key: string, secret?: Uint8Array): string {
  const digest = secret ? createHmac('sha256', secret).update(key).digest('base64url') : hashOf(key)
  return `s1:${digest.slice(0, 16)}`
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url')
}

/** The remembered queries of one dataset. */
export class SyncTagRegistry {
  readonly #capacity: number
  readonly #maxChars: number
  /** Characters of each class's keys. */
  readonly #chars: Record<TagClass, number> = {published: 0, drafts: 0}
  readonly #announce: SyncTagRegistryOptions['announce']
  readonly #limits: RecheckLimits
  readonly #now: () => number
  readonly #secret: Uint8Array | undefined
  /** Per class, whether its class tag (classTagFor) was given since it was last announced. */
  readonly #classTagGiven: Record<TagClass, boolean> = {published: false, drafts: false}
  /** Per class, in least-recently-asked-first order (Map keeps insertion order). */
  readonly #entries: Record<TagClass, Map<string, Entry>> = {
    published: new Map(),
    drafts: new Map(),
  }

  constructor(options: SyncTagRegistryOptions) {
    this.#capacity = options.capacity ?? DEFAULT_SYNC_TAG_CAPACITY
    this.#maxChars = options.chars ?? DEFAULT_SYNC_TAG_CHARS
    this.#announce = options.announce
    this.#limits = options.limits ?? DEFAULT_RECHECK_LIMITS
    this.#now = options.now ?? (() => performance.now())
    this.#secret = options.secret
  }

  /**
   * Remembers an answer and returns its tag. An earlier, different answer to the same question
   * (changed while nobody listened) is announced now. A question over a tenth of the bound is not
   * remembered (two would push out nearly every other) and gets its class's tag, announced after
   * every commit that could change it: with no tag, a cache (next-sanity's) would keep the answer
   * for ever.
   */
  remember(query: RegisteredQuery, answered: AnswerText): string {
    if (query.key.length > this.#maxChars / 10) {
      this.#classTagGiven[query.tagClass] = true
      return classTagFor(query.tagClass, this.#secret)
    }
    const entries = this.#entries[query.tagClass]
    const tag = syncTagFor(query.key, this.#secret)
    const answer = answerHash(answered)
    const previous = this.#take(query.tagClass, query.key)
    const entry: Entry = {
      tagClass: query.tagClass,
      rerun: query.rerun,
      tag,
      answer,
      question: query.question,
      anonymous: query.anonymous === true,
      overruns: previous?.overruns ?? 0,
      coarseUntil: 0,
      costMs:
        query.costMs === undefined
          ? (previous?.costMs ?? 0)
          : Math.min(previous?.lastMs ?? Infinity, query.costMs),
      lastMs: query.costMs ?? previous?.lastMs ?? null,
    }
    // An answer that took more CPU than the limit would take as much after every commit; one that
    // took less is re-run again (its asker paid for it).
    if (entry.costMs > this.#limitOf(entry)) this.#overran(entry)
    else entry.overruns = 0
    const chars = this.#chars
    entries.set(query.key, entry)
    chars[query.tagClass] += query.key.length
    if (previous && previous.answer !== answer) this.#announce([tag], query.tagClass)
    const forgotten: string[] = []
    for (const [key, oldest] of entries) {
      if (entries.size <= this.#capacity && chars[query.tagClass] <= this.#maxChars) break
      this.#take(query.tagClass, key)
      forgotten.push(oldest.tag)
    }
    if (forgotten.length > 0) this.#announce(forgotten, query.tagClass)
    return tag
  }

  /** Takes a remembered question out, its characters with it. */
  #take(tagClass: TagClass, key: string): Entry | undefined {
    const entry = this.#entries[tagClass].get(key)
    if (!entry) return undefined
    this.#entries[tagClass].delete(key)
    this.#chars[tagClass] -= key.length
    return entry
  }

  /** Takes back a question saved before a restart, with its answer then; announces nothing. */
  restore(saved: SavedQuestion, rerun: Rerun): void {
    const entries = this.#entries[saved.tagClass]
    const full =
      saved.key.length > this.#maxChars / 10 ||
      this.#chars[saved.tagClass] + saved.key.length > this.#maxChars
    if (entries.size >= this.#capacity || full || entries.has(saved.key)) return
    const {key, tagClass, answer, question} = saved
    this.#chars[tagClass] += key.length
    const anonymous = saved.anonymous === true
    entries.set(key, {
      tagClass,
      rerun,
      tag: syncTagFor(key, this.#secret),
      answer,
      question,
      anonymous,
      overruns: 0,
      coarseUntil: 0,
      costMs: 0,
      lastMs: null,
    })
  }

  /**
   * Takes back a class tag given before a restart (saved() keeps it as a question of its key and
   * no query): caches still hold answers under it. Whether `saved` was one.
   */
  restoreClassTag(saved: SavedQuestion): boolean {
    if (saved.key !== classKeyOf(saved.tagClass)) return false
    this.#classTagGiven[saved.tagClass] = true
    return true
  }

  /** The questions that can be asked again after a restart, least recently asked first. */
  saved(): SavedQuestion[] {
    const saved: SavedQuestion[] = []
    for (const tagClass of ['published', 'drafts'] as const) {
      if (!this.#classTagGiven[tagClass]) continue
      saved.push({key: classKeyOf(tagClass), tagClass, answer: '', question: null})
    }
    for (const entries of Object.values(this.#entries)) {
      for (const [key, entry] of entries) {
        if (entry.question === undefined) continue
        const {tagClass, answer, question, anonymous} = entry
        saved.push({
          key,
          tagClass,
          answer,
          question,
          ...(anonymous ? {anonymous} : {}),
        })
      }
    }
    return saved
  }

  size(tagClass: TagClass): number {
    return this.#entries[tagClass].size
  }

  /** Remembered questions answered coarsely now (their last two answers overran their limit). */
  coarse(): number {
    let coarse = 0
    const now = this.#now()
    for (const entries of Object.values(this.#entries)) {
      for (const entry of entries.values()) if (now < entry.coarseUntil) coarse++
    }
    return coarse
  }

  #limitOf(entry: Entry): number {
    return entry.anonymous ? this.#limits.anonymousMs : this.#limits.signedInMs
  }

  #overran(entry: Entry): void {
    entry.overruns++
    if (entry.overruns < 2) return
    const {backoffMs, maxBackoffMs} = this.#limits
    entry.coarseUntil = this.#now() + Math.min(maxBackoffMs, backoffMs * 2 ** (entry.overruns - 2))
  }

  /**
   * Asks the remembered questions of a class again, cheapest first, while `credit` lasts; announces
   * the tags of changed answers, and those of questions answered coarsely or not re-run for want
   * of credit.
   */
  async recheck(
    tagClass: TagClass,
    credits: RecheckCredits = {cheap: UNLIMITED, costly: UNLIMITED},
  ): Promise<void> {
    // Stable: equal costs keep least-recently-asked-first order.
    const entries = [...this.#entries[tagClass]].sort(([, a], [, b]) => a.costMs - b.costMs)
    // Coarse ones first, at once: they cost nothing and must not wait for the re-runs.
    const now = this.#now()
    const coarse = entries.filter(([, entry]) => now < entry.coarseUntil).map(([, e]) => e.tag)
    // Once told, caches drop what they hold under it; only an answer given after needs telling.
    if (this.#classTagGiven[tagClass]) coarse.push(classTagFor(tagClass, this.#secret))
    this.#classTagGiven[tagClass] = false
    if (coarse.length > 0) this.#announce(coarse, tagClass)
    let changed: string[] = []
    let flushed = now
    for (const [key, entry] of entries) {
      if (now < entry.coarseUntil) continue
      // A round of slow re-runs must not hold back the answers already known to have changed:
      // they go out before the first costly re-run, and at least every ANNOUNCE_EVERY_MS.
      const costly = entry.costMs > this.#limits.cheapMs
      if (changed.length > 0 && (costly || this.#now() - flushed > ANNOUNCE_EVERY_MS)) {
        this.#announce(changed, tagClass)
        changed = []
        flushed = this.#now()
      }
      const credit = costly ? credits.costly : credits.cheap
      if (credit.left() <= 0) {
        changed.push(entry.tag)
        continue
      }
      const started = this.#now()
      let answer: string
      let tookMs: number
      try {
        const answered = await entry.rerun()
        answer = answerHash(answered)
        tookMs = answered.cpuMs
      } catch {
        // Its CPU is not known (a thread stopped at the deadline answers nothing): the time it
        // took, which is at least that, is spent.
        credit.spend(this.#now() - started)
        // A query that now fails (a dataset deleted under it): let caches ask and see the error.
        this.#take(tagClass, key)
        changed.push(entry.tag)
        continue
      }
      credit.spend(tookMs)
      entry.costMs = entry.lastMs === null ? tookMs : Math.min(entry.lastMs, tookMs)
      entry.lastMs = tookMs
      if (tookMs > this.#limitOf(entry)) this.#overran(entry)
      else entry.overruns = 0
      if (answer === entry.answer) continue
      changed.push(entry.tag)
      entry.answer = answer
    }
    if (changed.length > 0) this.#announce(changed, tagClass)
  }
}

/** Changed answers found in a round are announced at least this often. */
const ANNOUNCE_EVERY_MS = 500

const UNLIMITED: RecheckCredit = {left: () => Infinity, spend: () => {}}

/**
 * A dataset's share of re-run CPU: a bucket of `burstMs` that refills at `share` of the time
 * that passes (0.25: a quarter of one thread, on average, for as long as commits keep coming).
 */
export function recheckCredit(
  {burstMs, share}: {burstMs: number; share: number},
  now: () => number = () => performance.now(),
): RecheckCredit {
  let credit = burstMs
  let at = now()
  const refill = () => {
    const t = now()
    credit = Math.min(burstMs, credit + (t - at) * share)
    at = t
  }
  return {
    left() {
      refill()
      return credit
    },
    spend(ms) {
      refill()
      credit -= ms
    },
  }
}
