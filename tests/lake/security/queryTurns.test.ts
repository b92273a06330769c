/**
 * Queries waiting for a query thread take turns by caller: one client's burst of costly queries
 * does not make another caller's query wait behind all of it (and run into its deadline, a 504).
 */
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake

beforeAll(async () => {
  // No demotion: a query past its CPU allowance gives its turn back and runs on an extra thread,
  // so on a loaded machine four ran at once and the finishing order below followed the load.
  lake = await startTestLake({serverOptions: {queryThreads: 2, queryDemoteAfterMs: Infinity}})
  const tx = lake.client().transaction()
  for (let n = 0; n < 100; n++) tx.create({_id: `n${n}`, _type: 'n', n})
  await tx.commit()
})

afterAll(async () => {
  await lake?.close()
})

/** A query of some cost (each document against every other), run on a query thread. */
const COSTLY = 'count(*[_type == "n"]{"m": count(*[_type == "n" && n > ^.n + $i])})'

function ask(token: string, i: number): Promise<number> {
  const url = `${lake.url}/v2025-02-19/data/query/test?query=${encodeURIComponent(COSTLY)}&$i=${i}`
  return fetch(url, {headers: {authorization: `Bearer ${token}`}}).then(async (res) => {
    await res.arrayBuffer()
    return res.status
  })
}

it("answers another caller's query before a burst of one client's queries sent first", async () => {
  const {token: other} = await lake.server.lake.auth!.store.createToken({
    label: 'other reader',
    role: 'viewer',
  })
  const finished: string[] = []
  const burst = Array.from({length: 8}, (_, i) =>
    ask(lake.token, i).then((status) => finished.push(`burst ${status}`)),
  )
  // The burst is queued before the other caller asks (an order, not a measure).
  await new Promise((resolve) => setTimeout(resolve, 200))
  const alone = ask(other, 0).then((status) => finished.push(`other ${status}`))
  await Promise.all([...burst, alone])
  expect(finished).toContain('other 200')
  // Two threads. First come, first served, it starts once the seventh of the burst has ended: at
  // most the eighth finishes after it. Taking turns, it starts once the first ends, and the burst
  // goes on one at a time on the other thread: unless it runs four times as long as a burst query
  // (the same query), at most five finish before it.
  expect(finished.length - finished.indexOf('other 200') - 1).toBeGreaterThanOrEqual(3)
})
