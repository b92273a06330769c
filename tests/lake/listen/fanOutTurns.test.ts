/**
 * The listeners' fan-out, counted per dataset (listenerStats().datasets), and a transaction's
 * matching split across turns of the event loop by chunks of its documents: a 1,000-document
 * import held one turn for as long as one listener's filter took on all of them. Counted, not
 * timed: the turn's budget is set to nothing.
 */
import {afterEach, describe, expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {openSse, type SseReader} from './listeners.ts'

const lake = useTestLake({tls: false})
const auth = () => ({authorization: `Bearer ${lake().token}`})
const listenConfig = () => lake().server.lake.context.config
const stats = () => lake().server.lake.listenerStats()

afterEach(() => {
  listenConfig().listen = {}
})

async function listen(dataset: string, query: string) {
  const search = new URLSearchParams({query, includeResult: 'false'})
  const sse = await openSse(`${lake().url}/v2025-02-19/data/listen/${dataset}?${search}`, auth())
  await sse.until((m) => m.some((e) => e.event === 'welcome'), 60_000)
  return sse
}

async function create(dataset: string, ids: string[], type: string) {
  const res = await fetch(`${lake().url}/v2025-02-19/data/mutate/${dataset}`, {
    method: 'POST',
    headers: {...auth(), 'content-type': 'application/json'},
    body: JSON.stringify({mutations: ids.map((_id) => ({create: {_id, _type: type, title: _id}}))}),
  })
  expect(res.status).toBe(200)
  await res.arrayBuffer()
}

const mutationIds = (sse: SseReader) =>
  sse.messages
    .filter((m) => m.event === 'mutation')
    .map((m) => (JSON.parse(m.data!) as {documentId: string}).documentId)

const hears = (sse: SseReader, id: string) => sse.until(() => mutationIds(sse).includes(id), 60_000)

const fanOutOf = (dataset: string) => stats().datasets[dataset]?.fanOutTurns ?? 0

describe("the listeners' fan-out", () => {
  it('is counted per dataset: a write to one is not counted in another', async () => {
    const here = await listen('fanouthere', '*[_type == "counted"]')
    const there = await listen('fanoutthere', '*[_type == "counted"]')
    try {
      const [hereBefore, thereBefore] = [fanOutOf('fanouthere'), fanOutOf('fanoutthere')]
      await create('fanouthere', ['c-0'], 'counted')
      await create('fanouthere', ['c-1'], 'counted')
      await hears(here, 'c-1')
      expect(fanOutOf('fanouthere') - hereBefore).toBeGreaterThanOrEqual(1)
      expect(fanOutOf('fanoutthere')).toBe(thereBefore)
      expect(stats().datasets.fanouthere).toMatchObject({open: 1, fanOutWaiting: 0})
      expect(stats().datasets.fanouthere!.filtered).toBeGreaterThanOrEqual(2)
      expect(stats().datasets.fanoutthere).toMatchObject({open: 1, filtered: 0})
      expect(mutationIds(there)).toEqual([])
    } finally {
      here.close()
      there.close()
    }
  }, 120_000)

  it("splits one listener's transaction across turns by chunks of its documents; events keep their order", async () => {
    // Past a budget of nothing after each chunk.
    listenConfig().listen = {fanOutTurnMs: 0, filterLoopBudgetMs: 60_000}
    const sse = await listen('chunks', '*[_type == "chunk" && !(title in ["x", "y"])]')
    try {
      const turns = fanOutOf('chunks')
      const large = Array.from({length: 200}, (_, k) => `big-${String(k).padStart(3, '0')}`)
      await create('chunks', large, 'chunk')
      await create('chunks', ['after-0', 'after-1'], 'chunk')
      await hears(sse, 'after-1')
      // 200 documents at most 16 a turn, then the second transaction.
      expect(fanOutOf('chunks') - turns).toBeGreaterThanOrEqual(13)
      expect(mutationIds(sse)).toEqual([...large, 'after-0', 'after-1'])
    } finally {
      sse.close()
    }
  }, 120_000)

  it("judges a filter's time on the event loop per transaction, not per chunk: a large transaction counts once", async () => {
    // Every filter of 600 terms passes a budget of nothing.
    listenConfig().listen = {fanOutTurnMs: 0, filterLoopBudgetMs: 0}
    const terms = Array.from({length: 600}, (_, k) => `title == "n-${k}"`).join(' || ')
    const sse = await listen('judged', `*[(${terms} || _type == "judged")]`)
    try {
      const large = Array.from({length: 100}, (_, k) => `large-${String(k).padStart(3, '0')}`)
      await create('judged', large, 'judged')
      await create('judged', ['second'], 'judged')
      await create('judged', ['third'], 'judged')
      await sse.closed(60_000)
      // Over on its third transaction: it heard the first two whole, 101 events.
      expect(mutationIds(sse)).toEqual([...large, 'second'])
      expect(sse.messages.filter((m) => m.event === 'channelError')).toHaveLength(1)
    } finally {
      sse.close()
    }
  }, 120_000)
})
