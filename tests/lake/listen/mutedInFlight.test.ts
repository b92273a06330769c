/**
 * A listener muted (its user's session ended) while its filter's answer from a query thread is in
 * flight stays open with only the muted comment: the late answer, or a late failure, is not taken
 * by it. Ended instead, the Studio reconnects, gets the ended session's 401 and shows "the
 * structure tool crashed", which muting exists to avoid.
 *
 * On the lake's stream code with a filter answered by hand: over the real lake, whether a thread's
 * answer is still in flight when the sign-out is heard depends on the threads' timing, and no hook
 * holds a thread's answer back.
 */
import {afterEach, expect, test, vi} from 'vitest'
import {ListenerOverloadedError} from '../../../lake/core/errors.ts'
import type {CommittedTransaction} from '../../../lake/core/types.ts'
import {createEventBus} from '../../../lake/events/bus.ts'
import {createListenerRegistry} from '../../../lake/listen/stream.ts'
import {openDeskListener} from './listeners.ts'

afterEach(() => {
  vi.restoreAllMocks()
})

/** A commit of one new article. */
const created = (id: string): CommittedTransaction => ({
  id,
  dataset: 'desk',
  timestamp: '2026-12-07T00:00:00.000Z',
  identity: 'p-editor',
  changes: [
    {
      id: `a-${id}`,
      before: null,
      after: {_id: `a-${id}`, _type: 'article', _rev: id},
      mutations: [],
      effects: {apply: [], revert: []},
    },
  ],
})

/** A user's listener of `desk` whose filter answers from a "thread": a promise settled by hand. */
function listenOnThread() {
  const bus = createEventBus()
  const registry = createListenerRegistry()
  let asked!: () => void
  const wasAsked = new Promise<void>((resolve) => (asked = resolve))
  let settle!: {resolve: (found: boolean[]) => void; reject: (err: unknown) => void}
  const answer = new Promise<boolean[]>((resolve, reject) => (settle = {resolve, reject}))
  const stream = openDeskListener({
    registry,
    bus,
    role: 'editor',
    match: () => {
      asked()
      return answer
    },
  })
  const text = new Response(stream).text()
  /** Settles the answer and waits until the listener has taken it (its `.then`, then a turn). */
  const answered = async (how: () => void) => {
    how()
    await answer.catch(() => {})
    await new Promise((resolve) => setImmediate(resolve))
  }
  return {bus, registry, text, wasAsked, settle, answered}
}

/** The stream's messages, in order: events by name, comments as `: text`. */
const messagesOf = (text: string) =>
  text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => (block.startsWith('event: ') ? block.split('\n')[0]! : block))

for (const [late, settleIt] of [
  ['answer', (s: ReturnType<typeof listenOnThread>['settle']) => s.resolve([true])],
  [
    'failure',
    (s: ReturnType<typeof listenOnThread>['settle']) =>
      s.reject(new ListenerOverloadedError('No query thread was free for 30 s')),
  ],
] as const) {
  test(`a listener muted while its filter's ${late} is in flight stays open, muted, and takes no ${late}`, async () => {
    const logged = vi.spyOn(console, 'error')
    const warned = vi.spyOn(console, 'warn')
    const {bus, registry, text, wasAsked, settle, answered} = listenOnThread()
    bus.publish(created('one'))
    await wasAsked
    expect(registry.endWhere(() => 'session ended')).toBe(1)
    await answered(() => settleIt(settle))
    // Still open and muted: nothing ended it.
    expect(registry.stats().open).toBe(1)
    expect(logged).not.toHaveBeenCalled()
    expect(warned).not.toHaveBeenCalled()
    // Ended now by the test, to read what it sent.
    registry.endAll('test over')
    expect(messagesOf(await text)).toEqual(['event: welcome', ': session ended', ': test over'])
  })
}

test('a listener closed while its filter answer is in flight takes no answer', async () => {
  const logged = vi.spyOn(console, 'error')
  const {bus, registry, text, wasAsked, settle, answered} = listenOnThread()
  bus.publish(created('one'))
  await wasAsked
  registry.endAll('lake closing')
  await answered(() => settle.resolve([true]))
  expect(messagesOf(await text)).toEqual(['event: welcome', ': lake closing'])
  expect(registry.stats().open).toBe(0)
  expect(logged).not.toHaveBeenCalled()
})
