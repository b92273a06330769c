/**
 * A query that reads one large field of a document (a filter or projection over `body` alone)
 * has the field's values extracted, not the body parsed. Its bytes were not counted by the
 * in-place budget, and each node copying it (`lower`, `upper`) ran over all of it on the event
 * loop: `count(*[_id == "big"][lower(body) == "0" || …])`, 30 terms over 1.3 million characters,
 * held the loop 650 of the lake's 1,130 ms (rf25a, load 27). Now the field's bytes count as a
 * body's and the bytes a query may read in place shrink with each copying node, so it runs on a
 * query thread (its deadline and memory cap apply). Judged by CPU from /proc (docs/testing.md):
 * the event loop's share of what the lake spent.
 */
import {expect, test} from 'vitest'
import {cpuWhile, mutateChild, queryChild, useChildLake} from './childLake.ts'

const lake = useChildLake('large-field', {warm: true})
const query = async (text: string) => (await queryChild(lake, text)).result

/** 1.3 million characters, 3.6 MB of UTF-8: within the in-place bytes a plain read may take. */
const BODY = 'নির্বাচন ভোট '.repeat(100_000)
const TERMS = 30
const COPYING = `count(*[_id == "big"][${Array.from({length: TERMS}, (_, i) => `lower(body) == "${i}"`).join(' || ')}])`

test('a query copying a large field many times runs on a query thread, the same answer', async () => {
  await mutateChild(lake, [{create: {_id: 'big', _type: 'article', body: BODY}}])
  expect(await query('*[_id == "big"][0]{"n": length(body)}')).toEqual({n: BODY.length})
  let counted: unknown
  const {loop, all} = await cpuWhile(lake.pid, async () => {
    counted = await query(COPYING)
  })
  expect(counted).toBe(0)
  // In place: 650 of 1,130 ms (0.58) at load 27; on a thread, what is left is the read of the
  // field up to the budget and the answer's few characters.
  expect(loop / all, `event loop ${loop} ms of the lake's ${all} ms`).toBeLessThan(0.3)
}, 240_000)
