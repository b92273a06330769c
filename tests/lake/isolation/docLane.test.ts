/**
 * A data/doc read of a large document (past 1 MiB it is read on a thread) is not held up by large
 * writes. It shared the write lane's two threads: behind two editors' 20 MB writes a 1.5 MB
 * document waited 6-11 s (lake process, load 18-28; 0.1-0.3 s alone). Here six of the slowest
 * writes the patch budget allows hold both write threads, four of them waiting for one; in the
 * write lane the read would have waited for five of them to end.
 */
import {beforeAll, expect, test} from 'vitest'
import {API, useChildLake} from './childLake.ts'

/** Past the writes' seconds of work even at load 30: they apply, each in turn. */
const WRITE_TIMEOUT_S = 300
/** About 590 KB each (created in place): 10,000 keyed items. */
const ITEMS = 10_000
const WRITES = 6
const draft = (id: string) => ({
  _id: id,
  _type: 'article',
  items: Array.from({length: ITEMS}, (_, i) => ({_key: `k${i}`, _type: 'item', t: 'x'.repeat(20)})),
})
const drafts = Array.from({length: WRITES}, (_, i) => `drafts.d${i}`)

const lake = useChildLake('doc-lane', {args: ['--write-timeout', String(WRITE_TIMEOUT_S)]})

async function mutate(mutations: unknown[]) {
  const res = await fetch(`${lake.url}/${API}/data/mutate/test`, {
    method: 'POST',
    headers: lake.headers(),
    body: JSON.stringify({mutations}),
  })
  return {status: res.status, body: (await res.json()) as Record<string, unknown>}
}

async function readLarge() {
  const res = await fetch(`${lake.url}/${API}/data/doc/test/large`, {headers: lake.headers()})
  const body = (await res.json()) as {documents?: {_id: string}[]}
  return {status: res.status, ids: body.documents?.map((doc) => doc._id) ?? body}
}

beforeAll(async () => {
  for (const id of drafts) expect((await mutate([{createOrReplace: draft(id)}])).status).toBe(200)
  const large = {_id: 'large', _type: 'article', body: 'ক'.repeat(500_000)}
  expect((await mutate([{createOrReplace: large}])).status).toBe(200)
  // Its thread started: a cold start is not what this measures.
  expect(await readLarge()).toEqual({status: 200, ids: ['large']})
}, 120_000)

test("a large document's read is answered while large writes hold the write threads", async () => {
  const order: string[] = []
  // The slowest write the patch budget allows: 250 keyed sets of a 10,000-item draft, each
  // testing every item for its _key (62.5 MB of the 64 MiB), 1.7-1.9 s of CPU on a write thread
  // (load 7-11). Until 2026-12-05, two patches of 36,000 indexed sets of a 3 MB draft, which the
  // budget did not count, held the threads to a 10 s deadline; they are a 400 now.
  const slowest = (id: string) =>
    mutate([
      {
        patch: {
          id,
          set: Object.fromEntries(
            Array.from({length: 250}, (_, i) => [`items[_key=="k${ITEMS - 1 - i}"].t`, 'q']),
          ),
        },
      },
    ]).then((answer) => {
      order.push(`write ${answer.status}`)
      return answer
    })
  const writes = drafts.map(slowest)
  // Each request sent and read (10 kB), its build under way or waiting for a thread.
  await new Promise((resolve) => setTimeout(resolve, 300))
  const read = readLarge().then((answer) => {
    order.push('read')
    return answer
  })
  expect(await read).toEqual({status: 200, ids: ['large']})
  const answers = await Promise.all(writes)
  expect(answers.map((answer) => answer.status)).toEqual(drafts.map(() => 200))
  // Before: the read waited for a write thread behind the four writes waiting for one, so at
  // least five writes were answered before it (each over a second of CPU; the read 0.1-0.3 s).
  const before = order.indexOf('read')
  expect(before, order.join(', ')).toBeLessThanOrEqual(1)
}, 300_000)
