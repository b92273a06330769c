// A large write body sent chunked (no Content-Length, as a streamed fetch or an HTTP/2 client
// without one sends it) is read on a write thread, as a declared one is
// (docs/query-engine.md#writes-off-the-event-loop): otherwise leaving the length out was a way
// round that rule, up to 40 MiB decoded and parsed on the event loop. Which thread read it is told
// by the lake's threads: a write thread starts on demand (writeThreadsOf: write threads name
// themselves; the query threads a lake loads after its start make a count of every worker thread
// grow on its own).
import {expect, test} from 'vitest'
import {API, useChildLake, writeThreadsOf} from './childLake.ts'

const lake = useChildLake('chunked')

/** POSTs `text` to data/mutate in 64 kB chunks, with no Content-Length. */
async function mutateChunked(text: string) {
  const bytes = new TextEncoder().encode(text)
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += 65_536) {
        controller.enqueue(bytes.subarray(at, at + 65_536))
      }
      controller.close()
    },
  })
  const res = await fetch(`${lake.url}/${API}/data/mutate/test`, {
    method: 'POST',
    headers: lake.headers(),
    body,
    duplex: 'half',
  } as RequestInit)
  return {status: res.status, body: (await res.json()) as Record<string, unknown>}
}

const largeDocument = (id: string) => ({
  _id: id,
  _type: 'article',
  title: 'সংকলন',
  body: 'খবর '.repeat(300_000),
})

test('a large chunked write body is read on a write thread: its 400 and its write are those of a declared one', async () => {
  const before = await writeThreadsOf(lake.pid)

  // Cut short: its parse fails only at its end, and it is never built.
  const cut = JSON.stringify({mutations: [{createOrReplace: largeDocument('cut')}]}).slice(0, -3)
  // Past READ_ON_THREAD_BYTES (2 MiB).
  expect(Buffer.byteLength(cut)).toBeGreaterThan(2 * 1024 * 1024)
  const refused = await mutateChunked(cut)
  expect(refused).toMatchObject({status: 400, body: {message: 'Request body is not valid JSON'}})
  // Read on the event loop, it started no write thread; one started for it.
  expect(await writeThreadsOf(lake.pid)).toBe(before + 1)

  const written = await mutateChunked(
    JSON.stringify({mutations: [{createOrReplace: largeDocument('large')}]}),
  )
  expect(written).toMatchObject({status: 200, body: {results: [{id: 'large'}]}})
  const res = await fetch(
    `${lake.url}/${API}/data/query/test?query=${encodeURIComponent('*[_id == "large"][0]{title, "length": length(body)}')}`,
    {headers: {authorization: `Bearer ${lake.token}`}},
  )
  expect(((await res.json()) as {result: unknown}).result).toEqual({
    title: 'সংকলন',
    length: 'খবর '.length * 300_000,
  })

  // A small one is still read on the event loop, as before.
  const small = await mutateChunked(
    JSON.stringify({mutations: [{createOrReplace: {_id: 'small', _type: 'article'}}]}),
  )
  expect(small).toMatchObject({status: 200, body: {results: [{id: 'small'}]}})
}, 120_000)
