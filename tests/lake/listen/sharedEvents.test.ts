/**
 * Many listeners hearing one write: the event is serialised once per transaction and shared by
 * the listeners that get the same event, not once per listener (500 Studio tabs on one filter cost
 * the lake 8 ms of CPU a write). Counted, not timed.
 */
import {afterEach, describe, expect, it, vi} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {openSse, type SseReader} from './listeners.ts'

const lake = useTestLake()
const auth = () => ({authorization: `Bearer ${lake().token}`})

function listenUrl(query: string, options: Record<string, string>) {
  const search = new URLSearchParams({query, ...options})
  return `${lake().url}/v2025-02-19/data/listen/test?${search}`
}

const mutationsOf = (sse: SseReader) => sse.messages.filter((m) => m.event === 'mutation')

afterEach(() => vi.restoreAllMocks())

describe('one write heard by many listeners', () => {
  it('serialises the event once for listeners with the same options, byte-identical for each', async () => {
    const query = '*[_type == "fanout"]'
    const full = {includeResult: 'true', effectFormat: 'mendoza'}
    const many = await Promise.all(
      Array.from({length: 20}, () => openSse(listenUrl(query, full), auth())),
    )
    const bare = await openSse(listenUrl(query, {}), auth())
    const all = [...many, bare]
    try {
      await Promise.all(all.map((sse) => sse.until((m) => m.some((e) => e.event === 'welcome'))))
      const stringify = vi.spyOn(JSON, 'stringify')
      const res = await fetch(`${lake().url}/v2025-02-19/data/mutate/test`, {
        method: 'POST',
        headers: {...auth(), 'content-type': 'application/json'},
        body: JSON.stringify({
          mutations: [{create: {_id: 'fanout-1', _type: 'fanout', title: 'শিরোনাম'}}],
        }),
      })
      expect(res.status).toBe(200)
      await Promise.all(
        all.map((sse) => sse.until((m) => m.filter((e) => e.event === 'mutation').length === 1)),
      )
      const events = stringify.mock.calls.filter(([value]) => {
        const event = value as {documentId?: unknown; eventId?: unknown} | null
        return typeof event === 'object' && event?.documentId === 'fanout-1' && 'eventId' in event
      })
      // One for the twenty alike, one for the listener that asked for no result or effects.
      expect(events).toHaveLength(2)
      const sent = many.map((sse) => mutationsOf(sse)[0]!.data)
      expect(new Set(sent).size).toBe(1)
      const event = JSON.parse(sent[0]!) as Record<string, unknown>
      expect(event.result).toMatchObject({_id: 'fanout-1', title: 'শিরোনাম'})
      expect(event.effects).toBeDefined()
      const plain = JSON.parse(mutationsOf(bare)[0]!.data!) as Record<string, unknown>
      expect(plain.result).toBeUndefined()
      expect(plain.effects).toBeUndefined()
      expect(plain.eventId).toBe(event.eventId)
    } finally {
      for (const sse of all) sse.close()
    }
  })
})
