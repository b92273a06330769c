/**
 * A write of 10,000 patches to 10,000 small documents is committed on the commit thread
 * (sqliteStore.ts commitOnThread). Its texts' 40,000 small buffers were moved there in one
 * postMessage, and Node checks each buffer of a transfer list against all before it: the loop's
 * CPU grew with the square of the changes (1.3-2.3 s against 0.4-0.8 s for half as many, at load
 * 10-12). Small buffers are copied instead (core/changeText.ts LEND_MIN_BYTES). CPU from /proc,
 * as a ratio to half the patches in the same run, alternated: no timings.
 */
import {expect, test} from 'vitest'
import {API, cpuTimes, useChildLake} from '../isolation/childLake.ts'

const lake = useChildLake('manychanges')

async function mutate(mutations: unknown[], search = '') {
  const res = await fetch(`${lake.url}/${API}/data/mutate/test${search}`, {
    method: 'POST',
    headers: lake.headers(),
    body: JSON.stringify({mutations}),
  })
  return {status: res.status, text: await res.text()}
}

const ids = (count: number, prefix: string) =>
  Array.from({length: count}, (_, i) => `${prefix}${i}`)

test('10,000 patches of 10,000 documents cost the event loop about twice 5,000', async () => {
  for (const prefix of ['a', 'b']) {
    const created = await mutate(
      ids(10_000, prefix).map((id) => ({createOrReplace: {_id: id, _type: 'note'}})),
    )
    expect(created.status, created.text.slice(0, 300)).toBe(200)
  }
  const loop = {whole: 0, half: 0}
  let value = 0
  for (let round = 0; round < 2; round++) {
    for (const which of ['whole', 'half', 'half', 'whole'] as const) {
      value++
      const patched = which === 'whole' ? ids(10_000, 'a') : ids(5_000, 'b')
      const before = await cpuTimes(lake.pid)
      const res = await mutate(patched.map((id) => ({patch: {id, set: {n: value}}})))
      loop[which] += (await cpuTimes(lake.pid)).main - before.main
      expect(res.status, res.text.slice(0, 300)).toBe(200)
    }
  }
  // Linear in the changes: twice. Quadratic in postMessage it was 3.4 times (10,290 against
  // 2,990 ms over three rounds at load 10-12).
  expect(loop.whole, `event loop: ${JSON.stringify(loop)} ms`).toBeLessThan(2.6 * loop.half + 100)
  // Written as sent: the last patch of each, read back.
  const read = await fetch(`${lake.url}/${API}/data/doc/test/a9999,b4999`, {
    headers: lake.headers(),
  }).then((res) => res.json())
  expect(read.documents.map((doc: {n: number}) => doc.n)).toEqual([value, value - 1])
}, 600_000)
