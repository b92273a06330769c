/**
 * Many listeners on one filter hearing one write: the filter answers each document once for the
 * listeners that ask alike (same filter, parameters and identity), not once per listener (500
 * Studio tabs evaluated it 1,000 times a write), and each listener's socket is written once for a
 * transaction's events, not once per event. Counted, not timed.
 */
import net from 'node:net'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {testDataset, type SseReader} from './listeners.ts'

const lake = useTestLake({tls: false})
const {mutate, listeners, ...dataset} = testDataset(lake)
/** Documents the lake's listener filters were given so far (each evaluates its filter once). */
const filteredSoFar = () => lake().server.lake.listenerStats().filtered

const listenUrl = (query: string, params: Record<string, string> = {}) =>
  dataset.listenUrl(query, {includeResult: 'true', effectFormat: 'mendoza'}, params)

const mutationsOf = (sse: SseReader) => sse.messages.filter((m) => m.event === 'mutation')
const heard = (all: SseReader[], count: number) =>
  Promise.all(all.map((sse) => sse.until(() => mutationsOf(sse).length >= count)))
/**
 * The filters' count once both filters have been asked: the fan-out answers listeners in turns,
 * so the other filter's listener may be asked after the twenty have heard (seen at load 27). Waits
 * for at least `count`, then gives the count, so an over-count still fails.
 */
const filteredSince = async (before: number, count: number) => {
  await vi.waitFor(() => expect(filteredSoFar() - before).toBeGreaterThanOrEqual(count), {
    timeout: 60_000,
    interval: 20,
  })
  return filteredSoFar() - before
}

afterEach(() => vi.restoreAllMocks())

describe('one write heard by many listeners on one filter', () => {
  it('matches each document once for listeners that ask alike, and sends each the same events', async () => {
    const query = '*[_type == "shared" && section == $section]'
    const alike = await listeners(
      Array.from({length: 20}, () => listenUrl(query, {section: 'খেলা'})),
    )
    // Other parameters: its own answers (and no event: the document is not in its section).
    const other = await listeners([listenUrl(query, {section: 'রাজনীতি'})])
    try {
      let filtered = filteredSoFar()
      await mutate([{create: {_id: 'shared-1', _type: 'shared', section: 'খেলা', title: 'এক'}}])
      await heard(alike, 1)
      // The document after the write, once for the twenty and once for the other filter.
      expect(await filteredSince(filtered, 2)).toBe(2)

      filtered = filteredSoFar()
      await mutate([{patch: {id: 'shared-1', set: {title: 'দুই'}}}])
      await heard(alike, 2)
      // Before and after the write, for each of the two filters.
      expect(await filteredSince(filtered, 4)).toBe(4)

      for (const sse of alike) {
        expect(mutationsOf(sse).map((m) => JSON.parse(m.data!).transition)).toEqual([
          'appear',
          'update',
        ])
      }
      const sent = alike.map((sse) =>
        mutationsOf(sse)
          .map((m) => m.data)
          .join('\n'),
      )
      expect(new Set(sent).size).toBe(1)
      expect(JSON.parse(mutationsOf(alike[0]!)[1]!.data!).result).toMatchObject({title: 'দুই'})
      expect(mutationsOf(other[0]!)).toHaveLength(0)
    } finally {
      for (const sse of [...alike, ...other]) sse.close()
    }
  })

  it("writes each listener's socket once for a transaction of several documents", async () => {
    const all = await listeners(Array.from({length: 10}, () => listenUrl('*[_type == "many"]')))
    try {
      // Writes of the lake's sockets that carry mutation events (Node corks a response's writes
      // within a tick: several chunks go out as one writev).
      const port = Number(new URL(lake().url).port)
      const writes = new Map<net.Socket, number>()
      const count = (socket: net.Socket, chunks: unknown[]) => {
        const text = chunks.map((chunk) => String(chunk)).join('')
        if (socket.localPort === port && text.includes('event: mutation'))
          writes.set(socket, (writes.get(socket) ?? 0) + 1)
      }
      const writev = net.Socket.prototype._writev!
      const write = net.Socket.prototype._write
      vi.spyOn(net.Socket.prototype, '_writev').mockImplementation(function (
        this: net.Socket,
        chunks,
        callback,
      ) {
        count(
          this,
          chunks.map(({chunk}) => chunk),
        )
        return writev.call(this, chunks, callback)
      })
      vi.spyOn(net.Socket.prototype, '_write').mockImplementation(function (
        this: net.Socket,
        chunk,
        encoding,
        callback,
      ) {
        count(this, [chunk])
        return write.call(this, chunk, encoding, callback)
      })
      await mutate(
        Array.from({length: 5}, (_, i) => ({create: {_id: `shared-many-${i}`, _type: 'many'}})),
      )
      await heard(all, 5)
      expect(writes.size).toBe(10)
      expect([...writes.values()]).toEqual(Array.from({length: 10}, () => 1))
    } finally {
      for (const sse of all) sse.close()
    }
  })
})
