// The live API's per-dataset state (lake/live/liveEvents.ts): the state of a dataset never written
// is among the few most recent only, so it may be dropped while a query of it runs.
import {expect, test, vi} from 'vitest'
import type {CommittedTransaction} from '../../lake/core/types.ts'
import {createEventBus} from '../../lake/events/bus.ts'
import {LiveEvents, type LiveMessage} from '../../lake/live/liveEvents.ts'

const commit = (dataset: string, id: string): CommittedTransaction => ({
  id: `tx-${id}`,
  dataset,
  timestamp: new Date().toISOString(),
  identity: 'p-editor',
  changes: [{id, before: null, after: null, mutations: [], effects: {apply: [], revert: []}}],
})

test('an answer computed before a commit its dropped state heard nothing of is checked again', async () => {
  const bus = createEventBus()
  const written = new Set<string>()
  const live = new LiveEvents(bus, {written: (d) => written.has(d), unwrittenDatasets: 2})
  // A query of a dataset never written starts: its answer is computed after this generation.
  const asked = live.generation('desk')
  // Meanwhile other names push its state out of the recent few, and the dataset's first write
  // lands: nobody hears it for the dropped state.
  for (const name of ['a', 'b', 'c']) live.generation(name)
  written.add('desk')
  bus.publish(commit('desk', 'story'))
  // The answer from before the write is remembered on a new state of the dataset.
  let now = '[]'
  const tag = live.remember(
    'desk',
    {key: 'q', tagClass: 'published', rerun: async () => ({json: now, cpuMs: 1})},
    '[]',
    asked,
  )
  const heard: LiveMessage[] = []
  const {unsubscribe} = live.subscribe(
    'desk',
    {includeDrafts: false, send: (m) => heard.push(m)},
    null,
  )
  now = '[{"title":"খবর"}]'
  await live.settled('desk')
  // Before: no recheck (both states' counts were 0), so the stale answer was never announced.
  expect(heard.flatMap((m) => m.tags)).toEqual([tag])
  unsubscribe()
  live.close()
})

test('a commit the lake could not announce has every remembered answer of its dataset checked again', async () => {
  // The Live Content API's streams (next-sanity's live preview) hear of a changed answer only
  // from a recheck: a commit whose events could not be made (bus.unannounced) is rechecked as
  // one that may have changed anything, published or draft.
  const bus = createEventBus()
  const live = new LiveEvents(bus, {})
  const answers: Record<string, string> = {published: '[]', drafts: '[]'}
  const tags = (['published', 'drafts'] as const).map((tagClass) =>
    live.remember(
      'desk',
      {key: tagClass, tagClass, rerun: async () => ({json: answers[tagClass], cpuMs: 1})},
      '[]',
      live.generation('desk'),
    ),
  )
  const heard: LiveMessage[] = []
  const {unsubscribe} = live.subscribe(
    'desk',
    {includeDrafts: true, send: (m) => heard.push(m)},
    null,
  )
  await live.settled('desk')
  heard.length = 0
  answers.published = '[{"title":"খবর"}]'
  answers.drafts = '[{"title":"খসড়া"}]'
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
  bus.unannounced('desk', 'big', 'the log could not be read back')
  logged.mockRestore()
  await live.settled('desk')
  expect(heard.flatMap((m) => m.tags).sort()).toEqual([...tags].sort())
  unsubscribe()
  live.close()
})

test('options given as undefined take their defaults (createLake passes `recheck` fields through)', async () => {
  // `{recheckCredits: undefined}` spread over the defaults replaced them with undefined: the
  // first dataset's state threw a TypeError, before any recheck could run.
  const bus = createEventBus()
  const live = new LiveEvents(bus, {
    recheckCredits: undefined,
    recheckLimits: undefined,
    recheckDelayMs: undefined,
    capacity: undefined,
    historySize: undefined,
  })
  let now = '[]'
  const tag = live.remember(
    'desk',
    {key: 'q', tagClass: 'published', rerun: async () => ({json: now, cpuMs: 1})},
    '[]',
    live.generation('desk'),
  )
  const heard: LiveMessage[] = []
  const {unsubscribe} = live.subscribe(
    'desk',
    {includeDrafts: false, send: (m) => heard.push(m)},
    null,
  )
  now = '[{"title":"খবর"}]'
  bus.publish(commit('desk', 'story'))
  await live.settled('desk')
  expect(heard.flatMap((m) => m.tags)).toEqual([tag])
  unsubscribe()
  live.close()
})
