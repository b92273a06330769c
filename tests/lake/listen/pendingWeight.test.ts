/**
 * A listener's backlog (pendingBytes.test.ts) weighed alike whichever way its transactions were
 * built: a change carried as JSON text (built on a write thread) is weighed in its UTF-8 bytes, and
 * one built on the event loop was weighed by its strings' lengths, so a Bengali character counted
 * 1 where it is 3 bytes of JSON: a slow listener held three times as much before it was ended.
 */
import {expect, test, vi} from 'vitest'
import {serialiseChange} from '../../../lake/core/changeText.ts'
import type {CommittedTransaction, DocumentChange} from '../../../lake/core/types.ts'
import {createEventBus} from '../../../lake/events/bus.ts'
import {createListenerRegistry} from '../../../lake/listen/stream.ts'
import {openDeskListener} from './listeners.ts'

/** 1 Mi Bengali characters: 3 MiB of UTF-8. */
const BODY = 'ক'.repeat(2 ** 20)

function committed(id: string, asText: boolean): CommittedTransaction {
  const change: DocumentChange = {
    id: `a-${id}`,
    before: null,
    after: {_id: `a-${id}`, _type: 'article', _rev: id, body: BODY},
    mutations: [],
    effects: {apply: [], revert: []},
  }
  const changes = [asText ? {...change, text: serialiseChange(change, '@stand@').text} : change]
  return {id, dataset: 'desk', timestamp: '2026-12-07T00:00:00.000Z', identity: 'p-editor', changes}
}

/** Commits until a listener whose filter never answers is ended; how many it took. */
async function commitsToEnd(asText: boolean): Promise<number> {
  const bus = createEventBus()
  const registry = createListenerRegistry()
  const stream = openDeskListener({registry, bus, match: () => new Promise<boolean[]>(() => {})})
  const reader = stream.getReader()
  void (async () => {
    while (!(await reader.read()).done);
  })()
  for (let i = 1; i < 1000; i++) {
    bus.publish(committed(`t${i}`, asText))
    await new Promise((resolve) => setImmediate(resolve))
    if (registry.stats().restarts > 0) return i
  }
  throw new Error('never ended')
}

test('Bengali text ends a slow listener after as many commits built on the event loop as carried as text', async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  const asText = await commitsToEnd(true)
  const onLoop = await commitsToEnd(false)
  // 128 MiB of 3 MiB commits, the first one's place not counted.
  expect(asText).toBeGreaterThan(40)
  expect(asText).toBeLessThan(50)
  expect(
    Math.abs(onLoop - asText),
    `as text ${asText}, on the event loop ${onLoop}`,
  ).toBeLessThanOrEqual(1)
  vi.restoreAllMocks()
}, 60_000)
