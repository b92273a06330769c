/**
 * A data/doc read of a large document (past 1 MiB it is read on a thread) is not held up by large
 * writes. It shared the write lane's two threads: behind two editors' 20 MB writes a 1.5 MB
 * document waited 6-11 s (lake process, load 18-28; 0.1-0.3 s alone). Here the two writes hold
 * both write threads until the write deadline; the read must be answered before either ends.
 */
import {beforeAll, expect, test} from 'vitest'
import {API, useChildLake} from './childLake.ts'

const WRITE_TIMEOUT_S = 10
/** About 3 MB each: 36,000 keyed items; two patches of 36,000 indexed sets run to the deadline. */
const ITEMS = 36_000
const draft = (id: string) => ({
  _id: id,
  _type: 'article',
  items: Array.from({length: ITEMS}, (_, i) => ({_key: `k${i}`, _type: 'item', t: 'x'.repeat(20)})),
})

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
  for (const id of ['drafts.one', 'drafts.two']) {
    expect((await mutate([{createOrReplace: draft(id)}])).status).toBe(200)
  }
  const large = {_id: 'large', _type: 'article', body: 'ক'.repeat(500_000)}
  expect((await mutate([{createOrReplace: large}])).status).toBe(200)
  // Its thread started: a cold start is not what this measures.
  expect(await readLarge()).toEqual({status: 200, ids: ['large']})
}, 120_000)

test("a large document's read is answered while two large writes hold the write threads", async () => {
  const order: string[] = []
  const slowPatch = (id: string) =>
    // Within the patch budget (an index path counts the objects it copies, not the array), yet
    // each indexed set copies the 36,000-item array: 0.3-0.5 ms a path (load 11), 20-40 s in all.
    mutate(
      Array.from({length: 2}, (_, k) => ({
        patch: {
          id,
          set: Object.fromEntries(
            Array.from({length: ITEMS}, (_, i) => [`items[${i}].t`, `q${k}`]),
          ),
        },
      })),
    ).then((answer) => {
      order.push(`write ${answer.status}`)
      return answer
    })
  const writes = [slowPatch('drafts.one'), slowPatch('drafts.two')]
  // Both builds under way (each request sent and read first).
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const read = readLarge().then((answer) => {
    order.push('read')
    return answer
  })
  expect(await read).toEqual({status: 200, ids: ['large']})
  const answers = await Promise.all(writes)
  // 72,000 indexed sets of a 3 MB draft take tens of seconds: both end at the deadline, writing nothing.
  expect(answers.map((answer) => answer.status)).toEqual([504, 504])
  // Before: the read waited for a write thread, past its own deadline (a 504 after the writes').
  expect(order[0]).toBe('read')
}, 120_000)
