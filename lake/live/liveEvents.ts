/**
 * The Live Content API's event source for one lake: per dataset, the sync tag registry, a short
 * history of announced tags (so a reconnecting client resumes from its `Last-Event-ID`) and the
 * open `/data/live/events` subscribers.
 *
 * Commits reach it through the event bus, inside the store's write lock; it only notes which tag
 * classes may have changed and re-asks the remembered queries a few milliseconds later, coalescing
 * bursts of commits (an import, an editor's typing) into one recheck.
 *
 * The remembered questions outlive a restart (a `LiveQuestionStore`): a website's prerendered page
 * or cached fetch never asks again on its own, so a lake that forgot its question at restart would
 * never tell it that the answer changed.
 *
 * Anyone may name a dataset (a query to `/data/query/<any name>` is remembered like any other), so
 * the state of a dataset never written is kept only for the few most recently named ones that no
 * stream listens to (`unwrittenDatasets`), as the dataset registry keeps their services; the rest
 * is dropped with its remembered questions, its history and its subscription to the bus.
 */
import {randomBytes} from 'node:crypto'
import {isDraftId, isVersionId} from '../core/ids.ts'
import {createLru, type Lru} from '../core/lru.ts'
import type {Principal} from '../core/grants.ts'
import type {CommittedTransaction} from '../core/types.ts'
import type {EventBus} from '../events/bus.ts'
import type {AnswerText} from '../query/execute.ts'
import {
  DEFAULT_RECHECK_LIMITS,
  recheckCredit,
  SyncTagRegistry,
  type RecheckCredits,
  type RecheckLimits,
  type RegisteredQuery,
  type Rerun,
  type SavedQuestion,
  type TagClass,
} from './syncTags.ts'

export interface LiveMessage {
  /** `<epoch>-<sequence>`: the epoch changes with every lake start, so old ids mean "restart". */
  id: string
  tags: string[]
  tagClass: TagClass
}

export interface LiveSubscriber {
  includeDrafts: boolean
  send(message: LiveMessage): void
  /** Who opened the stream, and how to end it (endWhere: a revoked token's stream ends at once). */
  principal?: Principal
  end?(reason: string): void
}

/** Where remembered questions are kept across restarts. */
export interface LiveQuestionStore {
  load(dataset: string): SavedQuestion[]
  save(dataset: string, questions: SavedQuestion[]): void
  /** Forgets what was saved of a deleted dataset. */
  remove(dataset: string): void
}

export interface LiveEventsOptions {
  store?: LiveQuestionStore
  /** Turns a saved question back into a way to ask it; null when it can no longer be asked. */
  revive?: (dataset: string, question: unknown) => Rerun | null
  /** Delay that coalesces saves of the remembered questions. */
  saveDelayMs?: number
  /** Remembered queries per dataset and class. */
  capacity?: number
  /** Announced messages kept per dataset for resuming. */
  historySize?: number
  /** Delay that coalesces commits before remembered queries are asked again. */
  recheckDelayMs?: number
  /** Whether a dataset was ever written (default: all are, so every state is kept). */
  written?: (dataset: string) => boolean
  /** States kept of datasets never written and listened to by no stream. */
  unwrittenDatasets?: number
  /** How long one re-run may take before its question is answered coarsely. */
  recheckLimits?: RecheckLimits
  /**
   * A dataset's re-run time, for cheap questions and for the rest: at most `burstMs` at once,
   * refilled at `share` of the time passing.
   */
  recheckCredits?: Record<keyof RecheckCredits, {burstMs: number; share: number}>
  /** The key of the sync tags' HMAC (SyncTagRegistryOptions.secret). */
  tagSecret?: Uint8Array
}

const DEFAULTS = {
  historySize: 1000,
  recheckDelayMs: 10,
  saveDelayMs: 1000,
  unwrittenDatasets: 16,
  recheckLimits: DEFAULT_RECHECK_LIMITS,
  recheckCredits: {cheap: {burstMs: 2000, share: 0.5}, costly: {burstMs: 2000, share: 0.25}},
}

interface DatasetLive {
  /**
   * Distinguishes this state's event ids from an earlier run's, and from an earlier state of the
   * same dataset that was dropped (never written, unheard): those ids mean "restart".
   */
  epoch: string
  /** Written (or listened to): kept for the lake's run rather than among the recent few. */
  kept: boolean
  /** Ends its subscription to the bus (when a state of a dataset never written is dropped). */
  unsubscribeBus: () => void
  registry: SyncTagRegistry
  /** Its share of re-run time (see syncTags.ts). */
  credits: RecheckCredits
  history: LiveMessage[]
  subscribers: Set<LiveSubscriber>
  /**
   * Changes with every commit heard: a query asked before the latest commit is rechecked once
   * remembered. A number no other state had (see #generations), so that an answer computed while
   * an earlier state of its dataset was dropped, and the commits only that one would have heard
   * went unheard, is rechecked too.
   */
  generation: number
  /** Messages announced in this run. */
  sequence: number
  dirty: Set<TagClass>
  timer: ReturnType<typeof setTimeout> | null
  running: Promise<void> | null
  /** A save of the remembered questions is due. */
  saveTimer: ReturnType<typeof setTimeout> | null
}

/** Where a resumed stream starts: after a known message, or at the end after a `restart`. */
export type ResumePoint = {kind: 'end'} | {kind: 'after'; index: number} | {kind: 'restart'}

export class LiveEvents {
  readonly #bus: EventBus
  readonly #options: Required<Omit<LiveEventsOptions, 'store' | 'revive' | 'written' | 'tagSecret'>>
  readonly #tagSecret: Uint8Array | undefined
  readonly #store: LiveQuestionStore | null
  readonly #revive: LiveEventsOptions['revive'] | null
  readonly #written: (dataset: string) => boolean
  /** Datasets written, or listened to by a stream. */
  readonly #kept = new Map<string, DatasetLive>()
  /** The few most recently named datasets never written that no stream listens to. */
  readonly #unwritten: Lru<string, DatasetLive>
  /** The last generation given to any dataset's state. */
  #generations = 0
  #closed = false

  constructor(bus: EventBus, options: LiveEventsOptions = {}) {
    this.#bus = bus
    const {store, revive, written, tagSecret, ...rest} = options
    this.#tagSecret = tagSecret
    // A field given as undefined (createLake passes its `recheck` through) takes its default.
    const given = Object.fromEntries(
      Object.entries(rest).filter(([, value]) => value !== undefined),
    )
    this.#options = {capacity: 500, ...DEFAULTS, ...given}
    this.#store = store ?? null
    this.#revive = revive ?? null
    this.#written = written ?? (() => true)
    const limit = this.#options.unwrittenDatasets
    this.#unwritten = createLru<string, DatasetLive>({entries: limit, weight: limit}, () => 1, {
      onEvict: (_, live) => this.#drop(live),
    })
    bus.onClose(() => this.close())
  }

  /** Dataset states held (tests): every kept one and the recent unwritten ones. */
  size(): number {
    return this.#kept.size + this.#unwritten.size
  }

  /** A dataset's remembered questions, and how many of them are answered coarsely. */
  questions(dataset: string): {remembered: number; coarse: number} {
    const live = this.#kept.get(dataset) ?? this.#unwritten.peek(dataset)
    if (!live) return {remembered: 0, coarse: 0}
    const {registry} = live
    return {
      remembered: registry.size('published') + registry.size('drafts'),
      coarse: registry.coarse(),
    }
  }

  /** Where a dataset's commits stand; pass it back to `remember` for answers computed after it. */
  generation(dataset: string): number {
    return this.#dataset(dataset).generation
  }

  /** Remembers a query's answer and returns its sync tag. */
  remember(
    dataset: string,
    query: RegisteredQuery,
    answer: AnswerText,
    generation: number,
  ): string {
    const live = this.#dataset(dataset)
    const tag = live.registry.remember(query, answer)
    // A commit landed while the answer was computed: check it against the data now.
    if (generation !== live.generation) this.#markDirty(dataset, live, query.tagClass)
    this.#scheduleSave(dataset, live)
    return tag
  }

  /** Adds a subscriber; returns where its stream starts and a function that removes it. */
  subscribe(
    dataset: string,
    subscriber: LiveSubscriber,
    lastEventId: string | null,
  ): {resume: ResumePoint; history: LiveMessage[]; unsubscribe: () => void} {
    const live = this.#dataset(dataset)
    live.subscribers.add(subscriber)
    // Listened to: kept while the stream is open, so its history and questions stay.
    this.#keep(dataset, live)
    // Draft answers are not rechecked while nobody can hear them: catch up now.
    if (subscriber.includeDrafts) this.#markDirty(dataset, live, 'drafts')
    return {
      resume: this.#resumePoint(live, lastEventId),
      history: live.history,
      unsubscribe: () => {
        if (!live.subscribers.delete(subscriber) || live.subscribers.size > 0) return
        // The last stream of a dataset still never written: back among the recent few.
        if (this.#closed || this.#kept.get(dataset) !== live || this.#written(dataset)) return
        this.#kept.delete(dataset)
        live.kept = false
        this.#unwritten.set(dataset, live)
      },
    }
  }

  /**
   * Ends the streams whose principal and dataset `ended` gives a reason for (a revoked token, a
   * removed user: lake/auth/revocation.ts; a dataset made private), asking once per principal and
   * dataset; returns how many ended.
   */
  endWhere(ended: (principal: Principal, dataset: string) => string | null): number {
    let count = 0
    for (const [dataset, live] of [...this.#kept, ...this.#unwritten.entries()]) {
      const verdicts = new Map<Principal, string | null>()
      for (const subscriber of [...live.subscribers]) {
        const {principal, end} = subscriber
        if (!principal || !end) continue
        if (!verdicts.has(principal)) verdicts.set(principal, ended(principal, dataset))
        const reason = verdicts.get(principal)
        if (reason === null || reason === undefined) continue
        end(reason)
        count++
      }
    }
    return count
  }

  /**
   * A deleted dataset: its streams end (their clients reconnect, and the new stream's `restart`
   * has them fetch again, from a dataset that is empty), and its questions and history go, the
   * saved ones too.
   */
  forget(dataset: string, reason: string): void {
    const live = this.#kept.get(dataset) ?? this.#unwritten.peek(dataset)
    if (live) {
      this.#kept.delete(dataset)
      this.#unwritten.delete(dataset)
      this.#drop(live)
      for (const subscriber of [...live.subscribers]) subscriber.end?.(reason)
      live.subscribers.clear()
    }
    this.#store?.remove(dataset)
  }

  /** The id of the newest announced message, or a fresh position when there is none. */
  latestId(dataset: string): string {
    const live = this.#dataset(dataset)
    return `${live.epoch}-${live.sequence}`
  }

  /** Waits until pending rechecks have run (tests and shutdown). */
  async settled(dataset: string): Promise<void> {
    const live = this.#kept.get(dataset) ?? this.#unwritten.peek(dataset)
    while (live && (live.timer || live.running)) {
      if (live.timer) {
        clearTimeout(live.timer)
        live.timer = null
        this.#startRecheck(dataset, live)
      }
      await live.running
    }
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const [dataset, live] of [...this.#kept, ...this.#unwritten.entries()]) {
      if (live.timer) clearTimeout(live.timer)
      live.timer = null
      live.subscribers.clear()
      if (live.saveTimer) {
        clearTimeout(live.saveTimer)
        live.saveTimer = null
        this.#save(dataset, live)
      }
    }
  }

  #dataset(dataset: string): DatasetLive {
    const live = this.#kept.get(dataset) ?? this.#unwritten.get(dataset)
    if (live) return live
    const created: DatasetLive = {
      epoch: randomBytes(4).toString('hex'),
      kept: false,
      unsubscribeBus: () => {},
      registry: new SyncTagRegistry({
        capacity: this.#options.capacity,
        announce: (tags, tagClass) => this.#announce(created, tags, tagClass),
        limits: this.#options.recheckLimits,
        secret: this.#tagSecret,
      }),
      credits: {
        cheap: recheckCredit(this.#options.recheckCredits.cheap),
        costly: recheckCredit(this.#options.recheckCredits.costly),
      },
      history: [],
      subscribers: new Set(),
      generation: ++this.#generations,
      sequence: 0,
      dirty: new Set(),
      timer: null,
      running: null,
      saveTimer: null,
    }
    created.unsubscribeBus = this.#bus.subscribe(
      dataset,
      (tx) => {
        // Written now: kept like every written dataset's.
        this.#keep(dataset, created)
        this.#onCommit(dataset, created, tx)
      },
      // A commit heard of without its changes (docs/listeners.md): it may have changed any answer,
      // and a recheck asks them against the data.
      () => {
        this.#keep(dataset, created)
        created.generation = ++this.#generations
        this.#markDirty(dataset, created, 'published')
        this.#markDirty(dataset, created, 'drafts')
      },
    )
    if (this.#written(dataset)) this.#keep(dataset, created)
    else this.#unwritten.set(dataset, created)
    this.#restore(dataset, created)
    return created
  }

  #keep(dataset: string, live: DatasetLive): void {
    if (live.kept || this.#closed) return
    live.kept = true
    this.#unwritten.delete(dataset)
    this.#kept.set(dataset, live)
  }

  /** Lets go of the state of a dataset never written: its questions, history and bus subscription. */
  #drop(live: DatasetLive): void {
    live.unsubscribeBus()
    if (live.timer) clearTimeout(live.timer)
    live.timer = null
    if (live.saveTimer) clearTimeout(live.saveTimer)
    live.saveTimer = null
    live.dirty.clear()
  }

  /** Takes back the questions saved before a restart and checks their answers against the data. */
  #restore(dataset: string, live: DatasetLive): void {
    if (!this.#store || !this.#revive) return
    let restored = 0
    for (const saved of this.#store.load(dataset)) {
      if (live.registry.restoreClassTag(saved)) {
        restored++
        continue
      }
      const rerun = this.#revive(dataset, saved.question)
      if (!rerun) continue
      live.registry.restore(saved, rerun)
      restored++
    }
    if (restored === 0) return
    // Commits may have landed while nobody asked (before this dataset's first live call).
    this.#markDirty(dataset, live, 'published')
    this.#markDirty(dataset, live, 'drafts')
  }

  #scheduleSave(dataset: string, live: DatasetLive): void {
    if (!this.#store || this.#closed || live.saveTimer) return
    live.saveTimer = setTimeout(() => {
      live.saveTimer = null
      this.#save(dataset, live)
    }, this.#options.saveDelayMs)
    live.saveTimer.unref?.()
  }

  #save(dataset: string, live: DatasetLive): void {
    try {
      this.#store?.save(dataset, live.registry.saved())
    } catch (err) {
      console.error(`lake: saving the live questions of "${dataset}" failed`, err)
    }
  }

  #onCommit(dataset: string, live: DatasetLive, tx: CommittedTransaction): void {
    live.generation = ++this.#generations
    // Drafts and release versions never change a published answer.
    const published = tx.changes.some((change) => !isDraftId(change.id) && !isVersionId(change.id))
    if (published) this.#markDirty(dataset, live, 'published')
    this.#markDirty(dataset, live, 'drafts')
  }

  #markDirty(dataset: string, live: DatasetLive, tagClass: TagClass): void {
    if (this.#closed) return
    live.dirty.add(tagClass)
    if (live.timer || live.running) return
    live.timer = setTimeout(() => {
      live.timer = null
      this.#startRecheck(dataset, live)
    }, this.#options.recheckDelayMs)
    live.timer.unref?.()
  }

  #startRecheck(dataset: string, live: DatasetLive): void {
    const running: Promise<void> = this.#recheck(dataset, live).finally(() => {
      if (live.running === running) live.running = null
    })
    live.running = running
  }

  async #recheck(dataset: string, live: DatasetLive): Promise<void> {
    try {
      while (live.dirty.size > 0 && !this.#closed) {
        const classes = [...live.dirty]
        live.dirty.clear()
        for (const tagClass of classes) {
          // Draft answers change with every keystroke in the Studio: recheck them only while an
          // includeDrafts stream listens (it catches up when one connects). Published answers are
          // always rechecked, so a website resuming after a disconnect misses nothing.
          if (tagClass === 'drafts' && !this.#hasDraftListener(live)) continue
          await live.registry.recheck(tagClass, live.credits)
        }
      }
      this.#scheduleSave(dataset, live)
    } catch (err) {
      console.error(`lake: live recheck of "${dataset}" failed`, err)
    }
  }

  #hasDraftListener(live: DatasetLive): boolean {
    for (const subscriber of live.subscribers) if (subscriber.includeDrafts) return true
    return false
  }

  #announce(live: DatasetLive, tags: string[], tagClass: TagClass): void {
    if (tags.length === 0) return
    const message: LiveMessage = {id: `${live.epoch}-${++live.sequence}`, tags, tagClass}
    live.history.push(message)
    if (live.history.length > this.#options.historySize) live.history.shift()
    for (const subscriber of live.subscribers) {
      if (tagClass === 'drafts' && !subscriber.includeDrafts) continue
      subscriber.send(message)
    }
  }

  #resumePoint(live: DatasetLive, lastEventId: string | null): ResumePoint {
    if (lastEventId === null || lastEventId === '') return {kind: 'end'}
    const match = /^([0-9a-f]{8})-(\d{1,15})$/.exec(lastEventId)
    // Unreadable, from an earlier run, or from the future: the client must start over.
    if (!match || match[1] !== live.epoch) return {kind: 'restart'}
    const sequence = Number(match[2])
    if (sequence > live.sequence) return {kind: 'restart'}
    if (sequence === live.sequence) return {kind: 'end'}
    const first = live.history[0]
    // Older than the kept history: messages in between are gone.
    if (!first || sequence < sequenceOf(first) - 1) return {kind: 'restart'}
    return {kind: 'after', index: sequence - sequenceOf(first)}
  }
}

function sequenceOf(message: LiveMessage): number {
  return Number(message.id.slice(message.id.indexOf('-') + 1))
}
