/**
 * A bulk load's batch refused in its middle over HTTP while others write and read beside it
 * (hostile6, 2026-12-05). Its slices' rows are written on the commit thread while it is built
 * (docs/query-engine.md#writes-off-the-event-loop), holding the dataset's write lock: the 900th
 * of its 1,000 documents refused rolls the thread's transaction back. The store-level tests
 * (store/commitStream.test.ts) check the rows; this checks what clients see: the 4xx names the
 * mutation, no reader nor listener ever sees a document of it, search finds none, and the
 * writes queued behind it are stored and answered.
 */
import {expect, test} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {openSse} from '../listen/listeners.ts'

const lake = useTestLake()
const API = 'v2025-02-19'

/** About 1,400 characters each: 1,000 of them are a batch of 1.4 MB, streamed in ~21 slices. */
const bulkDocument = (batch: string, i: number) => ({
  createOrReplace: {
    _id: `${batch}-${i}`,
    _type: 'bulk',
    batch,
    body: `সংবাদ ${batch} ${'news story '.repeat(120)}`,
  },
})

test(
  'a batch refused at its 900th document: a 409 naming it, nothing of it seen, the writes beside it stored',
  {timeout: 60_000},
  async () => {
    const {url, token, client} = lake()
    const headers = {authorization: `Bearer ${token}`, 'content-type': 'application/json'}
    const mutate = async (mutations: unknown[]) => {
      const res = await fetch(`${url}/${API}/data/mutate/test`, {
        method: 'POST',
        headers,
        body: JSON.stringify({mutations}),
      })
      return {status: res.status, body: (await res.json()) as Record<string, unknown>}
    }
    const count = (query: string) => client().fetch<number>(query, {}, {perspective: 'raw'})
    expect((await mutate([{create: {_id: 'existing', _type: 'x'}}])).status).toBe(200)
    const listener = await openSse(
      `${url}/${API}/data/listen/test?query=${encodeURIComponent('*[_type == "bulk"]')}`,
      {authorization: `Bearer ${token}`},
    )
    await listener.until((messages) => messages.some((m) => m.event === 'welcome'))

    const batch = 'refused'
    const mutations = Array.from({length: 1000}, (_, i) =>
      i === 900 ? {create: {_id: 'existing', _type: 'x'}} : bulkDocument(batch, i),
    )
    let done = false
    const singles: number[] = []
    const seen: number[] = []
    const beside = async (writer: number) => {
      for (let i = 0; !done; i++) {
        singles.push(
          (await mutate([{createOrReplace: {_id: `single-${writer}-${i}`, _type: 'single'}}]))
            .status,
        )
        seen.push(await count(`count(*[_type == "bulk"])`))
      }
    }
    const sideBySide = [beside(0), beside(1)]
    const refused = await mutate(mutations)
    done = true
    await Promise.all(sideBySide)

    expect(refused.status).toBe(409)
    expect(refused.body).toMatchObject({
      error: {
        type: 'mutationError',
        items: [{index: 900, error: {type: 'documentAlreadyExistsError', id: 'existing'}}],
      },
    })
    expect((refused.body.error as {description: string}).description).toMatch(
      /"existing" already exists/,
    )
    // Nothing of it was ever seen, by a query or a listener, nor is it in the search index.
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.every((n) => n === 0)).toBe(true)
    expect(await count('count(*[_type == "bulk"])')).toBe(0)
    expect(await count(`count(*[body match text::query("${batch}")])`)).toBe(0)
    // Every write beside it was answered and stored.
    expect(singles.every((status) => status === 200)).toBe(true)
    expect(await count('count(*[_type == "single"])')).toBe(singles.length)

    // The next batch streams and commits: heard once, all of it there.
    const good = Array.from({length: 1000}, (_, i) => bulkDocument('good', i))
    expect((await mutate(good)).status).toBe(200)
    await listener.until((messages) => messages.some((m) => m.event === 'mutation'))
    expect(await count('count(*[_type == "bulk" && batch == "good"])')).toBe(1000)
    const heard = listener.messages
      .filter((m) => m.event === 'mutation')
      .map((m) => (JSON.parse(m.data!) as {documentId: string}).documentId)
    expect(heard.every((id) => id.startsWith('good-'))).toBe(true)
    listener.close()
  },
)
