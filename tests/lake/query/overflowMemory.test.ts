/**
 * The overflow lane doubles how many query threads may run, each within --query-memory; without a
 * bound over all of them the lake's default (1,024 MB, three threads) let six threads hold 6 GB on
 * a two-core machine. The query and overflow threads running tasks hold together at most what the
 * query threads alone may (threads × the cap): past it the overflow's task holding the most is
 * stopped. No timings: which query is stopped, which answered, which still runs.
 */
import {expect, test} from 'vitest'
import {UnavailableError} from '../../../lake/core/errors.ts'
import {createQueryPool} from '../../../lake/query/pool.ts'
import {squareQuery} from '../../helpers/squareFilter.ts'
import {track} from '../../helpers/track.ts'

/** Seconds of CPU; its thread's heap climbs to 48-64 MB between collections (alone, 8 s). */
const PATHOLOGICAL = 8000
const cheap = () => squareQuery(10)

test("beside a demoted query, the overflow's threads answer a cheap query but stop a heavy one past the query threads' memory together", async () => {
  // One query thread of 80 MB: the first query holds it, under the cap, to the end of the test.
  const pool = createQueryPool({timeoutMs: 40_000, memoryMb: 80, threads: 1})
  const first = new AbortController()
  const second = new AbortController()
  try {
    expect(await pool.run(cheap(), undefined, undefined, 'hostile')).toMatchObject({ok: true})
    const held = track(pool.run(squareQuery(PATHOLOGICAL), first.signal, undefined, 'hostile'))
    // Demoted, it gave its turn back: the reader runs on an overflow thread (the lane's benefit).
    expect(await pool.run(cheap(), undefined, undefined, 'reader')).toMatchObject({
      ok: true,
      json: '10',
    })
    // A second heavy query on the overflow: each thread within 80 MB, both together past it.
    const heavy = pool.run(squareQuery(PATHOLOGICAL), second.signal, undefined, 'hostile2')
    const stopped = await heavy.then(
      () => null,
      (err: unknown) => err,
    )
    expect(stopped).toBeInstanceOf(UnavailableError)
    expect((stopped as Error).message).toMatch(/more than the 80 MB they may hold together/)
    expect(held.settled, 'the query on the query thread still runs').toBe(false)
  } finally {
    first.abort()
    second.abort()
    await pool.close()
  }
}, 120_000)
