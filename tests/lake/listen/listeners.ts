/**
 * Listener test helpers: a raw SSE reader over fetch, a collector for @sanity/client listeners and
 * a listener on the stream code alone.
 */
import type {Observable} from 'rxjs'
import {expect} from 'vitest'
import type {LakeError} from '../../../lake/core/errors.ts'
import type {RoleName} from '../../../lake/core/grants.ts'
import type {EventBus} from '../../../lake/events/bus.ts'
import {
  type DocumentMatcher,
  LISTEN_DEFAULTS,
  type ListenerRegistry,
  openListener,
} from '../../../lake/listen/stream.ts'

export interface SseMessage {
  event?: string
  id?: string
  data?: string
  /** The text of a `:` comment line (keep-alive). */
  comment?: string
  /** The reconnection time the server asked for (`retry:`), as sent. */
  retry?: string
}

export interface SseReader {
  status: number
  headers: Headers
  /** Everything received so far, in order. */
  messages: SseMessage[]
  /** True once the server ended the stream (or it errored). */
  ended(): boolean
  /** True when the stream was cut off (an error, a reset) rather than ended or closed here. */
  errored(): boolean
  /** Resolves with the messages once `predicate` holds for them, or rejects after `timeoutMs`. */
  until(predicate: (messages: SseMessage[]) => boolean, timeoutMs?: number): Promise<SseMessage[]>
  /** Resolves when the stream ends. */
  closed(timeoutMs?: number): Promise<void>
  close(): void
}

/** Opens `url` with fetch and parses the event stream as it arrives. */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseReader> {
  const abort = new AbortController()
  const res = await fetch(url, {headers, signal: abort.signal})
  const messages: SseMessage[] = []
  let done = !res.body || !res.headers.get('content-type')?.startsWith('text/event-stream')
  let errored = false
  const {notify, wait} = waiters(() => JSON.stringify(messages))

  if (!done) {
    void (async () => {
      const decoder = new TextDecoder()
      let buffer = ''
      try {
        const reader = res.body!.getReader()
        for (;;) {
          const {done: finished, value: chunk} = await reader.read()
          if (finished) break
          buffer += decoder.decode(chunk, {stream: true})
          let end: number
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            messages.push(parseMessage(buffer.slice(0, end)))
            buffer = buffer.slice(end + 2)
          }
          notify()
        }
      } catch {
        // Aborted by close() or cut off by the server: either way the stream has ended.
        errored = !abort.signal.aborted
      }
      done = true
      notify()
    })()
  }

  return {
    status: res.status,
    headers: res.headers,
    messages,
    ended: () => done,
    errored: () => errored,
    async until(predicate, timeoutMs = 10_000) {
      await wait(() => predicate(messages), timeoutMs, 'messages')
      return messages
    },
    closed: (timeoutMs = 10_000) => wait(() => done, timeoutMs, 'the stream to end'),
    close: () => abort.abort(),
  }
}

function parseMessage(block: string): SseMessage {
  const message: SseMessage = {}
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      message.comment = line.slice(1)
      continue
    }
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') message.event = value
    else if (field === 'id') message.id = value
    else if (field === 'retry') message.retry = value
    else if (field === 'data')
      message.data = message.data === undefined ? value : `${message.data}\n${value}`
  }
  return message
}

/**
 * Requests to a test lake's dataset `test` as its administrator, for listener tests: /listen URLs,
 * writes the lake must take, listeners opened and welcomed.
 */
export function testDataset(lake: () => {url: string; token: string}) {
  const auth = () => ({authorization: `Bearer ${lake().token}`})
  return {
    auth,
    /** A /listen URL: `options` as given (includeResult…), `params` as `$` parameters in JSON. */
    listenUrl(
      query: string,
      options: Record<string, string>,
      params: Record<string, unknown> = {},
    ) {
      const search = new URLSearchParams({query, ...options})
      for (const [name, value] of Object.entries(params))
        search.set(`$${name}`, JSON.stringify(value))
      return `${lake().url}/v2025-02-19/data/listen/test?${search}`
    },
    /** Commits `mutations` through /data/mutate, expecting a 200. */
    async mutate(mutations: unknown[]) {
      const res = await fetch(`${lake().url}/v2025-02-19/data/mutate/test`, {
        method: 'POST',
        headers: {...auth(), 'content-type': 'application/json'},
        body: JSON.stringify({mutations}),
      })
      expect(res.status).toBe(200)
      await res.arrayBuffer()
    },
    /** A listener on each URL, each once its `welcome` came (within `timeoutMs`). */
    async listeners(urls: string[], headers = auth(), timeoutMs?: number) {
      const all = await Promise.all(urls.map((url) => openSse(url, headers)))
      await Promise.all(
        all.map((sse) => sse.until((m) => m.some((e) => e.event === 'welcome'), timeoutMs)),
      )
      return all
    },
  }
}

/** The ids of a stream's `mutation` events' documents, in order. */
export const mutationIds = (sse: SseReader) =>
  sse.messages
    .filter((m) => m.event === 'mutation')
    .map((m) => (JSON.parse(m.data!) as {documentId: string}).documentId)

/** The parsed `data` of the messages with this event name. */
export function dataOf<T = Record<string, unknown>>(messages: SseMessage[], event: string): T[] {
  return messages.filter((m) => m.event === event).map((m) => JSON.parse(m.data!) as T)
}

export interface Collected<T> {
  events: T[]
  error(): unknown
  until(predicate: (events: T[]) => boolean, timeoutMs?: number): Promise<T[]>
  /** Resolves with the error the observable ended with. */
  failed(timeoutMs?: number): Promise<unknown>
  stop(): void
}

/** Subscribes to a client listener and records what it emits. */
export function collect<T>(observable: Observable<T>): Collected<T> {
  const events: T[] = []
  let error: unknown
  let errored = false
  const {notify, wait} = waiters(() => `${JSON.stringify(events)} ${error ?? ''}`)
  const subscription = observable.subscribe({
    next(event) {
      events.push(event)
      notify()
    },
    error(err) {
      error = err
      errored = true
      notify()
    },
  })
  return {
    events,
    error: () => error,
    async until(predicate, timeoutMs = 10_000) {
      await wait(() => predicate(events) || errored, timeoutMs, 'listener events')
      if (errored && !predicate(events)) throw error
      return events
    },
    async failed(timeoutMs = 10_000) {
      await wait(() => errored, timeoutMs, 'the listener to fail')
      return error
    },
    stop: () => subscription.unsubscribe(),
  }
}

/** A document without `_rev`, the form mendoza effects are computed on. */
export function withoutRev<T extends Record<string, unknown> | null | undefined>(doc: T): T {
  if (!doc) return doc
  const {_rev, ...rest} = doc
  void _rev
  return rest as T
}

/**
 * Promises that resolve once a check holds, re-checked on every `notify()`; on timeout they reject
 * naming what was awaited and what had arrived (`got()`).
 */
function waiters(got: () => string) {
  const pending = new Set<() => void>()
  return {
    notify() {
      for (const waiter of [...pending]) waiter()
    },
    wait: (check: () => boolean, timeoutMs: number, what: string) =>
      new Promise<void>((resolve, reject) => {
        if (check()) return resolve()
        const timer = setTimeout(() => {
          pending.delete(waiter)
          reject(new Error(`Timed out waiting for ${what}; got ${got()}`))
        }, timeoutMs)
        const waiter = () => {
          if (!check()) return
          clearTimeout(timer)
          pending.delete(waiter)
          resolve()
        }
        pending.add(waiter)
      }),
  }
}

/**
 * A listener of `desk` on the lake's stream code itself (no HTTP, no lake): the bus and registry
 * the test drives, its filter answered by `match`, no result, mutations or versions in its events.
 */
export function openDeskListener(args: {
  registry: ListenerRegistry
  bus: EventBus
  match: DocumentMatcher['match']
  role?: RoleName
  holder?: string
}): ReadableStream<Uint8Array> {
  return openListener({
    registry: args.registry,
    bus: args.bus,
    dataset: 'desk',
    principal: {id: 'p-editor', kind: 'user', role: args.role ?? 'administrator'},
    holder: args.holder,
    matcher: {match: args.match, reads: null},
    options: {
      includeResult: false,
      includePreviousRevision: false,
      includeMutations: false,
      includeAllVersions: false,
      visibility: 'query',
      effectFormat: null,
    },
    config: LISTEN_DEFAULTS,
    errorBody: (err: LakeError) => ({error: {type: err.type, description: err.description}}),
  })
}
