/**
 * Listener filters take turns on the query threads as queries do, by caller (createTurns). They
 * went straight to the threads' queue: one anonymous caller's 40 listeners with costly filters,
 * each write making a task of each, put another caller's 5 ms query behind all of them (6.6-8.2 s
 * after 10 writes, a probe over HTTP). Counted, not timed: how many of the caller's filters were
 * answered before the other caller's query.
 */
import {expect, test} from 'vitest'
import {createQueryPool} from '../../../lake/query/pool.ts'
import {editorSquareQuery, squareFilter} from '../../helpers/squareFilter.ts'

test("another caller's query is answered between one caller's filters, not after all of them", async () => {
  // Never demoted here, so that no overflow thread answers the query beside them.
  const pool = createQueryPool({
    timeoutMs: 60_000,
    memoryMb: 128,
    threads: 1,
    demoteAfterMs: 60_000,
  })
  try {
    // A signed-in reader: an anonymous caller's turn comes after every signed-in caller's waiting,
    // the listener's caller's filters too (callerPriority.test.ts).
    expect(await pool.run(editorSquareQuery(10), {holder: 'reader'})).toMatchObject({
      ok: true,
    })
    let answered = 0
    const filters = Array.from({length: 8}, () =>
      pool.filter(squareFilter(600), 60_000, 60_000, 'listener caller').then(() => answered++),
    )
    // The filters are on the thread's queue (or waiting for a turn) before the query asks.
    await new Promise((resolve) => setImmediate(resolve))
    const query = await pool.run(editorSquareQuery(10), {holder: 'reader'})
    const before = answered
    expect(query).toMatchObject({ok: true, json: '10'})
    await Promise.all(filters)
    // Before, all 8 first; now the query takes the turn after the filter running when it asked.
    expect(before).toBeLessThanOrEqual(2)
  } finally {
    await pool.close()
  }
}, 120_000)
