/**
 * A write of a document near the 32 MB cap is built on a write thread; what comes back to the
 * event loop is the change as bytes (core/changeText.ts), moved rather than copied, which the
 * store writes as they are. Before, copying the built documents back and serialising them for
 * the store paused the event loop once for 5.9-9.0 s (27 MB, load 14-16). Its request's JSON is
 * read on the write thread too, and listeners whose filters read only small fields match it on
 * its outline (core/types.ts DocumentOutline) rather than parse it. A lake of its own (a child
 * process, as run), so that this process's pings measure the lake's event loop alone.
 */
import {readFile} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'
import {expect, test} from 'vitest'
import {API, cpuTimes, useChildLake} from './childLake.ts'
import {timed} from './pathological.ts'
import {ITEMS, largeArticle, openListener, sizeOf, useStreamFolder} from './largeDocuments.ts'

// Its deadline is not what this measures: a build on a thread at load 18 took over 60 s.
const lake = useChildLake('large-write', {args: ['--write-timeout', '300'], warm: true})

/** Where the listeners' streams are written. */
const listenerFiles = useStreamFolder('large-write')

const article = largeArticle

/** The `mutation` events in a listener's file: their documentId, transition and result's title. */
async function mutationsIn(file: string) {
  const text = await readFile(file, 'utf8')
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: mutation'))
    .map((block) => {
      const data = JSON.parse(block.slice(block.indexOf('data: ') + 6))
      return {id: data.documentId, transition: data.transition, title: data.result?.title}
    })
}

/**
 * The request, with a ping every 20 ms beside it until it is answered and, when `delivered` is
 * given, until it holds (a listener's event is written after the answer).
 */
async function withPings(
  body: Uint8Array<ArrayBuffer> | string,
  delivered: () => Promise<boolean> = async () => true,
) {
  let answered = false
  const started = performance.now()
  const pending = fetch(`${lake.url}/${API}/data/mutate/test?returnIds=true`, {
    method: 'POST',
    headers: lake.headers(),
    body,
  }).then(async (res) => ({
    status: res.status,
    body: await res.json(),
    ms: performance.now() - started,
  }))
  void pending.finally(() => (answered = true))
  const pings: number[] = []
  const deadline = started + 280_000
  while (!answered || (!(await delivered()) && performance.now() < deadline)) {
    const sent = performance.now()
    // A pause past the server's keep-alive timeout resets the ping's connection: it counts as
    // what it waited.
    await timed(`${lake.url}/${API}/ping`).catch(() => undefined)
    pings.push(performance.now() - sent)
    await sleep(20)
  }
  return {...(await pending), pings, total: performance.now() - started}
}

test('a ~20 MB createOrReplace, and one replacing it, never hold the event loop for long, with listeners open', async () => {
  const byType = listenerFiles.file('by-type.sse')
  const byId = listenerFiles.file('by-id.sse')
  const listeners = [
    openListener(lake, '*[_type == "article"]', byType),
    openListener(lake, '*[_id == "x"]', byId),
  ]
  try {
    // Both streams began (their `welcome`).
    while ((await sizeOf(byType)) === 0 || (await sizeOf(byId)) === 0) await sleep(50)
    for (const round of [1, 2]) {
      // Encoded before the pings start: this process's own work must not delay them.
      const body = new TextEncoder().encode(
        JSON.stringify({mutations: [{createOrReplace: article(round)}]}),
      )
      expect(body.length).toBeGreaterThan(19_000_000)
      const before = await sizeOf(byType)
      // Until the article's event (the document in it) is written to the listener.
      const delivered = async () => (await sizeOf(byType)) > before + body.length * 0.9
      const {status, body: answer, pings, total} = await withPings(body, delivered)
      expect(status, JSON.stringify(answer).slice(0, 500)).toBe(200)
      // The longest ping as a share of the write's time until its event was delivered, both
      // measured here (the machine is shared and its load moves both). With the request read on
      // the event loop and these listeners parsing the document and decoding its event's text,
      // main held it 14.1 s of 76 s (load 20); then the commit's inserts held it 1.7-2.0 s of 65 s
      // (load 21), until the commit moved to the commit thread (the last test).
      const longest = Math.max(...pings)
      expect(longest / total, `${Math.round(longest)} of ${Math.round(total)} ms`).toBeLessThan(
        0.12,
      )
      const res = await fetch(`${lake.url}/${API}/data/doc/test/drafts.archive`, {
        headers: lake.headers(),
      })
      const [stored] = ((await res.json()) as {documents: Record<string, unknown>[]}).documents
      expect(stored).toMatchObject({_rev: answer.transactionId, title: `সংকলন ${round}`})
      expect((stored.items as unknown[]).length).toBe(ITEMS)
      expect((stored.items as {t: string}[])[ITEMS - 1].t).toBe(article(round).items[ITEMS - 1].t)
    }
    // The article's listener heard both writes, with the document; the other one neither.
    expect(await mutationsIn(byType)).toEqual([
      {id: 'drafts.archive', transition: 'appear', title: 'সংকলন 1'},
      {id: 'drafts.archive', transition: 'update', title: 'সংকলন 2'},
    ])
    expect(await mutationsIn(byId)).toEqual([])
  } finally {
    for (const listener of listeners) listener.kill()
  }
}, 600_000)

/** The large article's items as JSON, made once for the bad bodies below. */
let itemsJson: string | undefined
const items = () => (itemsJson ??= JSON.stringify(article(3).items))

// One test each: at load ~34 the three in one test ran past its 300 s.
test.each([
  // Cut short: the parser finds out at its end.
  [
    'not JSON',
    () => `{"mutations": [{"createOrReplace": {"_id": "x", "_type": "article", "items": ${items()}`,
    'Request body is not valid JSON',
  ],
  ['not an object', () => `[${items()}]`, 'Body must be an object with "mutations"'],
  [
    'not a transaction',
    () => `{"mutations": [{"createOrReplace": {"_id": "x"}, "items": ${items()}}]}`,
    'A mutation must be an object with exactly one operation',
  ],
])(
  'a ~20 MB body that is %s gets its 400 with its work off the event loop',
  async (_, json, message) => {
    const body = new TextEncoder().encode(json())
    expect(body.length).toBeGreaterThan(19_000_000)
    const before = await cpuTimes(lake.pid)
    const res = await fetch(`${lake.url}/${API}/data/mutate/test?returnIds=true`, {
      method: 'POST',
      headers: lake.headers(),
      body,
    })
    const answer = await res.json()
    const after = await cpuTimes(lake.pid)
    expect(res.status).toBe(400)
    expect(answer.message ?? answer.error.description).toContain(message)
    // The event loop's share of the CPU the lake spent on the request. Read on the event loop
    // (as before, one pause of it for the decoding and parsing) it was 0.73; read on a write
    // thread 0.22-0.29 (the event loop still receives the 20 MB). CPU time, not a ping's wait:
    // the longest ping beside the 0.4 s request was 187 ms at load 20, mostly the machine's.
    const main = after.main - before.main
    const all = after.all - before.all
    expect(main / all, `${main} of ${all} ms of CPU on the event loop`).toBeLessThan(0.5)
  },
  300_000,
)

/** Small writes for `ms`, one at a time: the longest ping beside them (the machine's own pauses). */
async function smallWritesPause(ms: number): Promise<number> {
  const started = performance.now()
  let round = 0
  const writes = (async () => {
    while (performance.now() - started < ms) {
      const mutation = {
        createOrReplace: {_id: `small${round++ % 8}`, _type: 'article', title: 'x'.repeat(2000)},
      }
      const res = await fetch(`${lake.url}/${API}/data/mutate/test`, {
        method: 'POST',
        headers: lake.headers(),
        body: JSON.stringify({mutations: [mutation]}),
      })
      expect(res.status).toBe(200)
    }
  })()
  let done = false
  void writes.finally(() => (done = true))
  const pings: number[] = []
  while (!done) {
    const sent = performance.now()
    await timed(`${lake.url}/${API}/ping`)
    pings.push(performance.now() - sent)
    await sleep(20)
  }
  await writes
  return Math.max(...pings)
}

test("an edit of a ~20 MB article is committed off the event loop: no pause past 500 ms, or past 3x small writes'", async () => {
  // Its creation is not what this measures.
  const created = await fetch(`${lake.url}/${API}/data/mutate/test`, {
    method: 'POST',
    headers: lake.headers(),
    body: JSON.stringify({mutations: [{createOrReplace: {...article(4), _id: 'drafts.edited'}}]}),
  })
  expect(created.status).toBe(200)
  // A title typed in the Studio: a small request, built on a write thread (the stored document is
  // large), whose commit writes the whole 20 MB body again.
  const edit = JSON.stringify({
    mutations: [{patch: {id: 'drafts.edited', set: {title: 'সম্পাদিত'}}}],
  })
  const small = await smallWritesPause(2000)
  const {status, pings, total} = await withPings(edit)
  expect(status).toBe(200)
  const longest = Math.max(...pings)
  // The 500 ms aim, or under load 3x the longest pause beside small writes measured just before
  // (the machine's own): one noisy ping cannot fail it, as one did a ratio to a short request's
  // time. Main inserted the body on the event loop: 1,347 ms (small writes 152 ms, load 33); with
  // the commit on the commit thread 205 ms (180 ms, load 31).
  expect(
    longest,
    `${Math.round(longest)} ms of ${Math.round(total)} (small writes: ${Math.round(small)} ms)`,
  ).toBeLessThan(Math.max(500, 3 * small))
}, 600_000)
