/**
 * What a listener behind its filter holds: writes are not held back by a slow fan-out, so each
 * listener queues the transactions it has yet to filter, shared with the other listeners of the
 * dataset (the slowest one's queue is what stays in memory). Counted by transactions only (1,000),
 * 100 listeners whose filter had not answered kept 1,000 transactions of up to a write's 40 MiB
 * each: now also bounded by their bytes (LIMITS.listenerPendingBytes), the listener past it ended
 * so that its client reconnects, the way a listener 1,000 transactions behind is.
 */
import {expect, test, vi} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import type {CommittedTransaction} from '../../../lake/core/types.ts'
import {createEventBus} from '../../../lake/events/bus.ts'
import {createListenerRegistry, type DocumentMatcher} from '../../../lake/listen/stream.ts'
import {openDeskListener} from './listeners.ts'

const MIB = 1024 * 1024
/** One string for every document: the test holds 1 MiB, the lake counts it in each (its length). */
const BODY = 'x'.repeat(MIB)

/** A commit of one new article with about a megabyte of text. */
const created = (id: string): CommittedTransaction => ({
  id,
  dataset: 'desk',
  timestamp: '2026-12-07T00:00:00.000Z',
  identity: 'p-editor',
  changes: [
    {
      id: `a-${id}`,
      before: null,
      after: {_id: `a-${id}`, _type: 'article', _rev: id, body: BODY},
      mutations: [],
      effects: {apply: [], revert: []},
    },
  ],
})

const bus = createEventBus()
const registry = createListenerRegistry()

/** A listener of `desk` on the lake's stream code, its filter `match`, read to its end (held by `holder`). */
function listenWith(match: DocumentMatcher['match'], holder?: string) {
  const stream = openDeskListener({registry, bus, match, holder})
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const ended = (async () => {
    for (;;) {
      const {done, value} = await reader.read()
      if (done) return text
      text += decoder.decode(value, {stream: true})
    }
  })()
  return {ended, text: () => text}
}

const events = (text: string) =>
  text
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => block.slice('event: '.length, block.indexOf('\n')))

test("100 listeners whose filters fall behind by more than the bound's bytes are ended so that their clients reconnect; one that keeps up hears every commit", async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  // Filters on a worker that has not answered yet.
  const slow = Array.from({length: 100}, () => listenWith(() => new Promise<boolean[]>(() => {})))
  const witness = listenWith((documents) => documents.map(() => true), 'another tab')
  // Past the bound in bytes, far under 1,000 transactions.
  const commits = Math.ceil(LIMITS.listenerPendingBytes / MIB) + 2
  expect(commits).toBeLessThan(1000)
  for (let i = 0; i < commits; i++) {
    bus.publish(created(`t${i}`))
    // The fan-out's turn, queued by the commit before this: the witness keeps up.
    await new Promise((resolve) => setImmediate(resolve))
  }
  for (const listener of slow) {
    const text = await listener.ended
    expect(events(text)).toEqual(['welcome'])
    expect(text).toMatch(/: The listener fell more than \d+ MiB of transactions behind its filter/)
  }
  // Every commit reached the witness, and it is still open.
  await vi.waitFor(() => expect(events(witness.text())).toHaveLength(1 + commits))
  expect(registry.stats().open).toBe(1)
  expect(registry.stats().restarts).toBe(100)
  vi.restoreAllMocks()
}, 60_000)
