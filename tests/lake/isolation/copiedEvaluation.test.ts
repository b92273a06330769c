/**
 * A query that reads little and answers little but copies what it read many times over: each `+`
 * of a chain `nums + nums + …` copies its growing left side, so 20 copies of one array copy it
 * about 200 times (review25c: a 500,000-number array held the loop 6.5 s of the lake's 6.85 s,
 * pings stalled 11.9 s); `lower(body + body + …)` the same with text. Its reads and its answer were
 * within the in-place budget, so it ran on the event loop, where no deadline applies. What
 * evaluation may copy is judged before it runs (`copied` in lake/query/inPlace.ts), so such a
 * query goes to a query thread, its deadline and memory cap. Judged by CPU from /proc
 * (docs/testing.md): the event loop's share of what the lake spent.
 */
import {expect, test} from 'vitest'
import {cpuWhile, mutateChild, queryChild, useChildLake} from './childLake.ts'

const lake = useChildLake('copied-evaluation', {warm: true})
const mutate = (mutations: unknown[]) => mutateChild(lake, mutations)
const query = async (text: string) => (await queryChild(lake, text)).result
const spent = (work: () => Promise<unknown>) => cpuWhile(lake.pid, work)

const chain = (operand: string, copies: number) => Array(copies).fill(operand).join(' + ')

test('a chain of `+` over an array is evaluated on a query thread, the same answer', async () => {
  const NUMS = 50_000
  const COPIES = 20
  await mutate([{create: {_id: 'arr0', _type: 'arr', nums: Array(NUMS).fill(1)}}])
  expect(await query('*[_id == "arr0"]{"n": count(nums)}')).toEqual([{n: NUMS}])
  let answer: unknown
  const cpu = await spent(async () => {
    answer = await query(`*[_id == "arr0"]{"n": count(${chain('nums', COPIES)})}`)
  })
  expect(answer).toEqual([{n: NUMS * COPIES}])
  // In place: the loop spent nearly all of the lake's CPU (0.9-1.0).
  expect(cpu.loop / cpu.all, `event loop ${cpu.loop} ms of the lake's ${cpu.all} ms`).toBeLessThan(
    0.3,
  )
}, 240_000)

test('lower() of a chain of `+` over text is evaluated on a query thread, the same answer', async () => {
  const CHARS = 300_000
  const COPIES = 40
  await mutate(
    ['big0', 'big1'].map((_id) => ({
      create: {_id, _type: 'big', body: 'খবর A '.repeat(CHARS / 6)},
    })),
  )
  const length = (await query('*[_id == "big0"][0]{"n": length(body)}')) as {n: number}
  let answer: unknown
  const cpu = await spent(async () => {
    answer = await query(
      `*[_id in ["big0", "big1"]] | order(_id){"n": length(lower(${chain('body', COPIES)}))}`,
    )
  })
  expect(answer).toEqual([{n: length.n * COPIES}, {n: length.n * COPIES}])
  expect(cpu.loop / cpu.all, `event loop ${cpu.loop} ms of the lake's ${cpu.all} ms`).toBeLessThan(
    0.3,
  )
}, 240_000)
