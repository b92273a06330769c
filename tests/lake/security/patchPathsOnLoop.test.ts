/**
 * A write body under 1 MiB can carry tens of thousands of short patch paths (`{"a0":1,"a1":1,…}`).
 * The event loop spends some microseconds a path on each of its passes over a parsed patch (the
 * parse, the shapes, the paths' syntax, the weighing), so 40,000 of them held it 0.3 s at load 3
 * (1.7 s at load 26) before the patch budget refused them. A body of more than
 * PATCH_PATHS_IN_PLACE paths is counted from its bytes and read on a write thread instead: the
 * same answers, the loop's share of the lake's CPU small. CPU from /proc, not wall time.
 */
import {expect, test} from 'vitest'
import {PATCH_PATHS_IN_PLACE} from '../../../lake/core/patchPaths.ts'
import {API, cpuTimes, useChildLake} from '../isolation/childLake.ts'

const lake = useChildLake('patchpaths')

async function post(route: 'mutate' | 'actions', body: string, search = '') {
  const res = await fetch(`${lake.url}/${API}/data/${route}/test${search}`, {
    method: 'POST',
    headers: lake.headers(),
    body,
  })
  return {status: res.status, text: await res.text()}
}

const names = (count: number, prefix: string) =>
  Object.fromEntries(Array.from({length: count}, (_, i) => [`${prefix}${i}`, 1]))

test('100,000 short set paths: refused by the patch budget, the event loop reading little of them', async () => {
  const created = await post(
    'mutate',
    JSON.stringify({mutations: [{createOrReplace: {_id: 'wide', _type: 'article', title: 'ক'}}]}),
  )
  expect(created.status, created.text).toBe(200)
  // 1.2 MB: under the 2 MiB past which a body is read on a write thread for its size alone.
  const body = JSON.stringify({mutations: [{patch: {id: 'wide', set: names(100_000, 'a')}}]})
  // The same body padded past 2 MiB, which is read on a write thread for its size alone: what the
  // loop spends on a body it does not parse. Alternated (A B B A), three rounds.
  const padded = body + ' '.repeat(2.2 * 1024 * 1024)
  const loop = {body: 0, padded: 0}
  for (let round = 0; round < 3; round++) {
    for (const which of ['body', 'padded', 'padded', 'body'] as const) {
      const before = await cpuTimes(lake.pid)
      const res = await post('mutate', which === 'body' ? body : padded)
      loop[which] += (await cpuTimes(lake.pid)).main - before.main
      expect(res.status, res.text.slice(0, 300)).toBe(400)
      expect(JSON.parse(res.text).error.description).toMatch(/bytes' worth of work on "wide"/)
    }
  }
  // Parsed and weighed on the loop it took 5-10 times the padded body's (560 against 70 ms a
  // request at load 30); read on a thread, as much or less (no padding to read).
  expect(loop.body, `event loop: ${JSON.stringify(loop)} ms`).toBeLessThan(1.5 * loop.padded + 60)
  const stored = await post(
    'mutate',
    JSON.stringify({mutations: [{patch: {id: 'wide', set: {title: 'খ'}}}]}),
    '?returnDocuments=true',
  )
  expect(JSON.parse(stored.text).results[0].document).not.toHaveProperty('a0')
}, 240_000)

test('more paths than the loop reads, within the budget: applied as before, by mutations and actions', async () => {
  const count = PATCH_PATHS_IN_PLACE + 500
  // In groups of 50 (`meta.g3.m7`), so that each path copies small objects: within the budget.
  const paths = Array.from({length: count}, (_, i) => `meta.g${Math.floor(i / 50)}.m${i % 50}`)
  const nested = (value: number) => {
    const meta: Record<string, Record<string, number>> = {}
    for (const path of paths) {
      const [, group, name] = path.split('.')
      ;(meta[group] ??= {})[name] = value
    }
    return meta
  }
  const created = await post(
    'mutate',
    JSON.stringify({
      mutations: [{createOrReplace: {_id: 'many', _type: 'article', meta: nested(1)}}],
    }),
  )
  expect(created.status, created.text).toBe(200)
  const sets = Object.fromEntries(paths.map((path) => [path, 2]))
  const patched = await post(
    'mutate',
    JSON.stringify({mutations: [{patch: {id: 'many', set: sets}}]}),
    '?returnDocuments=true',
  )
  expect(patched.status, patched.text.slice(0, 300)).toBe(200)
  expect(JSON.parse(patched.text).results[0].document.meta).toEqual(nested(2))
  // Written with an escape (`s\u0065t` is `set`), counted all the same.
  const unsets = JSON.stringify(paths)
  const escaped = await post(
    'actions',
    `{"actions":[{"actionType":"sanity.action.document.edit","draftId":"drafts.many",` +
      `"publishedId":"many","patch":{"uns\\u0065t":${unsets},"s\\u0065t":{"title":"গ"}}}]}`,
  )
  expect(escaped.status, escaped.text.slice(0, 300)).toBe(200)
  const draft = await fetch(`${lake.url}/${API}/data/doc/test/drafts.many`, {
    headers: lake.headers(),
  }).then((res) => res.json())
  expect(draft.documents[0].title).toBe('গ')
  expect(draft.documents[0].meta).toEqual(
    Object.fromEntries(Object.keys(nested(1)).map((group) => [group, {}])),
  )
}, 240_000)
