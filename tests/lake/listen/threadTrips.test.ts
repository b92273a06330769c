/**
 * A bounded filter is matched on the event loop 16 documents at a time (fanOutTurns.test.ts), but
 * a large transaction built on a write thread carries its documents as JSON text, which the filter
 * sends to a query thread: chunked, that was a thread trip per 16 documents (63 for 1,000, each
 * costing the event loop about as much as the filter itself). Counted, not timed.
 */
import {describe, expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {mutationIds, testDataset} from './listeners.ts'

const lake = useTestLake({tls: false})
const {mutate, listeners, ...dataset} = testDataset(lake)

describe('a bounded filter on a transaction carried as text', () => {
  it('is one query-thread trip for the whole transaction, not one per chunk', async () => {
    const [sse] = await listeners([
      dataset.listenUrl('*[_type == "article" && defined(title)]', {includeResult: 'false'}),
    ])
    try {
      const before = lake().server.lake.filterTasks()
      // 1,000 articles of ~1.3 kB: past the 1 MiB the filter parses in place.
      const ids = Array.from({length: 1000}, (_, k) => `trip-${String(k).padStart(4, '0')}`)
      // A patch too: not a bulk load's shape, so built on a write thread, its changes as text.
      await mutate([
        ...ids.map((_id) => ({
          create: {_id, _type: 'article', title: _id, body: 'x'.repeat(1200)},
        })),
        {patch: {id: ids[0], set: {seen: true}}},
      ])
      await sse!.until(() => mutationIds(sse!).includes(ids.at(-1)!), 120_000)
      expect(mutationIds(sse!)).toEqual(ids)
      expect(lake().server.lake.filterTasks() - before).toBe(1)
    } finally {
      sse!.close()
    }
  }, 180_000)
})
