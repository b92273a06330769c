/**
 * What a ~20 MB document may still cost the event loop past its write (issue 9: no caller may
 * stall the lake): a write body sent chunked (no Content-Length), a `returnDocuments` answer, and
 * listeners whose filters read a large field. Each is measured by /pings (one every 20 ms) beside
 * it, against those beside small writes for a few seconds in the same test: the event loop's CPU
 * while one ping waited, which the machine's load does not make (the chunked body: the loop's
 * CPU for the request against a declared body's). A lake of its own (a child process, as run),
 * so that this process's pings measure the lake's event loop alone.
 */
import {spawn} from 'node:child_process'
import {open, readFile} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'
import {expect, test} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {API, cpuTimes, pingsWhile, useChildLake} from './childLake.ts'
import {timed} from './pathological.ts'
import {ITEMS, largeArticle, openListener, sizeOf, useStreamFolder} from './largeDocuments.ts'

// Its deadline is not what this measures: a build on a thread at load 18 took over 60 s.
const lake = useChildLake('large-document', {args: ['--write-timeout', '300'], warm: true})

/** Where the listeners' streams are written. */
const listenerFiles = useStreamFolder('large-document')

const article = largeArticle

/** The body of one mutation, encoded before any ping starts: this process's work must not delay them. */
const bodyOf = (mutation: unknown) =>
  new TextEncoder().encode(JSON.stringify({mutations: [mutation]}))

/** A body fetch sends chunked (no Content-Length): a stream, in 64 kB pieces. */
function chunked(bytes: Uint8Array): RequestInit {
  let at = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close()
      controller.enqueue(bytes.slice(at, (at += 65_536)))
    },
  })
  return {body, duplex: 'half'} as RequestInit
}

/**
 * A mutate request with a ping every 20 ms beside it until it is answered (its body read whole)
 * and, when `delivered` is given, until that holds too. With `after`, only the pings sent after
 * the answer count, and the time from it. `held`: the most CPU the lake's event loop spent while
 * one ping waited (/proc, 10 ms ticks): a wait the loop's own work made, which a loaded machine's
 * scheduling does not.
 */
async function withPings(
  query: string,
  init: RequestInit,
  options: {delivered?: () => Promise<boolean>; after?: boolean; inChild?: boolean} = {},
) {
  let answered = false
  let answeredAt = 0
  const started = performance.now()
  const url = `${lake.url}/${API}/data/mutate/test${query}`
  const asked = options.inChild
    ? fetchInChild(url, init.body as Uint8Array)
    : fetch(url, {method: 'POST', headers: lake.headers(), ...init}).then(async (res) => ({
        status: res.status,
        text: await res.text(),
        type: res.headers.get('content-type'),
        file: null,
      }))
  const pending = asked.then((answer) => {
    answeredAt = performance.now()
    return answer
  })
  void pending.finally(() => (answered = true)).catch(() => {})
  const delivered = options.delivered ?? (async () => true)
  const pings: number[] = []
  const holds: number[] = []
  const deadline = started + 280_000
  while (!answered || (!(await delivered()) && performance.now() < deadline)) {
    const loop = (await cpuTimes(lake.pid)).main
    const sent = performance.now()
    // A pause past the server's keep-alive timeout resets the ping's connection: it counts as
    // what it waited.
    await timed(`${lake.url}/${API}/ping`).catch(() => undefined)
    const waited = performance.now() - sent
    const held = (await cpuTimes(lake.pid)).main - loop
    if (!options.after || (answered && sent >= answeredAt)) {
      pings.push(waited)
      holds.push(held)
    }
    await sleep(20)
  }
  const answer = await pending
  const total = performance.now() - (options.after ? answeredAt : started)
  const longest = Math.max(0, ...pings)
  return {
    ...answer,
    pings,
    longest,
    total,
    held: Math.max(0, ...holds),
    share: `${Math.round(longest)} of ${Math.round(total)} ms (loop CPU in one ping ${Math.max(0, ...holds)} ms)`,
  }
}

/**
 * A POST from a process of its own, its answer written to a file (reading a 20 MB answer must not
 * delay this process's pings): its status, its Content-Type and the file.
 */
async function fetchInChild(url: string, body: Uint8Array) {
  const file = listenerFiles.file(`answer-${Math.random().toString(36).slice(2)}.json`)
  const script = `const {writeFile} = require('node:fs/promises')
fetch(${JSON.stringify(url)}, {method: 'POST', headers: ${JSON.stringify(lake.headers())}, body: ${JSON.stringify(Buffer.from(body).toString())}})
  .then(async (res) => {
    await writeFile(${JSON.stringify(file)}, Buffer.from(await res.arrayBuffer()))
    process.stdout.write(JSON.stringify({status: res.status, type: res.headers.get('content-type')}))
  })`
  const child = spawn(process.execPath, ['-e', script], {stdio: ['ignore', 'pipe', 'inherit']})
  let out = ''
  child.stdout.on('data', (chunk) => (out += chunk))
  await new Promise((resolve) => child.once('exit', resolve))
  const {status, type} = JSON.parse(out) as {status: number; type: string | null}
  return {status, type, text: '', file}
}

/**
 * Pings beside small writes sent one after another for 5 s: the longest (what the machine's load
 * alone does to the pings; at least 25 ms: on an idle machine a large body's reading has a
 * garbage collection or two of its own), and the most CPU the event loop spent while one waited.
 */
async function smallWrites(): Promise<{longest: number; held: number}> {
  const small = bodyOf({createOrReplace: {_id: 'small', _type: 'article', title: 'ছোট'}})
  const until = performance.now() + 5000
  const writes = (async () => {
    while (performance.now() < until) {
      const res = await fetch(`${lake.url}/${API}/data/mutate/test`, {
        method: 'POST',
        headers: lake.headers(),
        body: small,
      })
      expect(res.status).toBe(200)
      await res.arrayBuffer()
    }
  })()
  const holds: number[] = []
  const pings = await pingsWhile(lake, writes, 20, holds)
  return {longest: Math.max(25, ...pings), held: Math.max(0, ...holds)}
}

/**
 * The event loop's CPU a large document may cost within one ping's wait: twice what small writes
 * cost, and at least 200 ms (a collection of the loop's heap is tens; a 20 MB document parsed and
 * serialised there, 400 or more). CPU, not the wait: beside a bench a ping waited 1.9 s with
 * nothing held.
 */
const allowed = (small: {held: number}) => Math.max(2 * small.held, 200)

test('a ~20 MB write body sent chunked is read off the event loop, with the answer a declared one gets', async () => {
  const body = bodyOf({createOrReplace: article(1)})
  expect(body.length).toBeGreaterThan(19_000_000)
  const loop = async () => (await cpuTimes(lake.pid)).main
  const atStart = await loop()
  const declared = await withPings('?dryRun=true', {body})
  const afterDeclared = await loop()
  const streamed = await withPings('?dryRun=true', chunked(body))
  const loopCpu = {declared: afterDeclared - atStart, streamed: (await loop()) - afterDeclared}
  const report = `chunked ${streamed.share}, declared ${declared.share}; the loop's CPU for each ${loopCpu.streamed} and ${loopCpu.declared} ms`
  expect(streamed.status, streamed.text.slice(0, 500)).toBe(200)
  expect(JSON.parse(streamed.text).results).toEqual(JSON.parse(declared.text).results)
  expect(JSON.parse(streamed.text).results).toEqual([{id: 'drafts.archive', operation: 'create'}])
  // Before, the body limit's middleware joined it in a buffer grown by doubling, read again as a
  // Request's and copied into shared memory, on the event loop: a ping waited 1,715 ms against 418
  // allowed (load 29; before that copy, the route parsed it there: 3,821 ms, load 12-39). Judged
  // by the event loop's CPU for the request against the declared body's, measured just before:
  // with the chunks joined and parsed on the loop again (nodeRequest.ts, tried), 360 against 140
  // ms, where the longest wait (729 ms) was within ten times the small writes' (load 11); as is,
  // 100 against 140.
  expect(loopCpu.streamed, report).toBeLessThan(1.5 * loopCpu.declared + 20)
}, 300_000)

test('a chunked write body past the write limit is a 413; a chunked body that is not JSON, its 400', async () => {
  const limit = LIMITS.body.write
  const tooLarge = await fetch(`${lake.url}/${API}/data/mutate/test`, {
    method: 'POST',
    headers: lake.headers(),
    ...chunked(new Uint8Array(limit + 1).fill(32)),
  })
  expect(tooLarge.status).toBe(413)
  const refused = await tooLarge.json()
  expect(refused.message ?? refused.error.description).toMatch(/at most \d+ bytes/)
  const items = JSON.stringify(article(2).items)
  const bad = await fetch(`${lake.url}/${API}/data/mutate/test`, {
    method: 'POST',
    headers: lake.headers(),
    ...chunked(
      new TextEncoder().encode(`{"mutations": [{"create": {"_id": "x", "items": ${items}`),
    ),
  })
  expect(bad.status).toBe(400)
  const answer = await bad.json()
  expect(answer.message ?? answer.error.description).toContain('Request body is not valid JSON')
}, 300_000)

test('returnDocuments with a ~20 MB document is answered without holding the event loop', async () => {
  const created = await withPings('', {body: bodyOf({createOrReplace: article(3)})})
  expect(created.status, created.text.slice(0, 500)).toBe(200)
  const patch = bodyOf({patch: {id: 'drafts.archive', set: {title: 'নতুন'}}})
  const answered = await withPings(
    '?returnDocuments=true&dryRun=true',
    {body: patch},
    {inChild: true},
  )
  const small = await smallWrites()
  const report = `returnDocuments ${answered.share}, small writes ${Math.round(small.longest)} ms (loop CPU ${small.held})`
  const text = await readFile(answered.file!, 'utf8')
  expect(answered.status, text.slice(0, 500)).toBe(200)
  expect(answered.type).toMatch(/^application\/json/)
  const answer = JSON.parse(text)
  // Byte for byte what serialising the parsed answer gives (Hono's c.json before).
  expect(text === JSON.stringify(answer)).toBe(true)
  const [result] = answer.results
  expect(result).toMatchObject({id: 'drafts.archive', operation: 'update'})
  expect(result.document).toMatchObject({_id: 'drafts.archive', title: 'নতুন'})
  expect(result.document.items).toEqual(article(3).items)
  // Before, the document was parsed and the answer serialised on the event loop: 3,555 ms against
  // 874 allowed (load 29). With that put back (tried, mutate.ts): 440 ms of the loop's CPU in one
  // ping, whose wait (1,026 ms) was within ten times the small writes' (1,071, load 7).
  expect(answered.held, report).toBeLessThan(allowed(small))
}, 300_000)

test('returnDocuments of a ~20 MB document the transaction did not change is answered without holding the event loop', async () => {
  const created = await withPings('', {body: bodyOf({createOrReplace: article(5)})})
  expect(created.status, created.text.slice(0, 500)).toBe(200)
  // It exists: nothing is written, and the answer carries the document as it is.
  const again = bodyOf({createIfNotExists: {_id: 'drafts.archive', _type: 'article'}})
  const answered = await withPings('?returnDocuments=true', {body: again}, {inChild: true})
  const small = await smallWrites()
  const report = `returnDocuments ${answered.share}, small writes ${Math.round(small.longest)} ms (loop CPU ${small.held})`
  const text = await readFile(answered.file!, 'utf8')
  expect(answered.status, text.slice(0, 500)).toBe(200)
  const answer = JSON.parse(text)
  // Byte for byte what serialising the parsed answer gives (Hono's c.json before).
  expect(text === JSON.stringify(answer)).toBe(true)
  const [result] = answer.results
  expect(result).toMatchObject({id: 'drafts.archive', operation: 'none'})
  expect(result.document).toMatchObject({_id: 'drafts.archive', title: 'সংকলন 5'})
  expect(result.document.items).toEqual(article(5).items)
  // Before, the document was read and parsed, and the answer serialised, on the event loop. With
  // the answer serialised there again (tried): 410 ms of the loop's CPU in one ping.
  expect(answered.held, report).toBeLessThan(allowed(small))
}, 300_000)

/** The events in a listener's file: their kind, and a mutation's documentId and result's title. */
async function eventsIn(file: string) {
  const text = await readFile(file, 'utf8')
  return text
    .split('\n\n')
    .slice(0, -1)
    .filter((block) => block.startsWith('event: mutation') || block.startsWith('event: channel'))
    .map((block) => {
      const data = JSON.parse(block.slice(block.indexOf('data: ') + 6))
      if (block.startsWith('event: channelError')) return {error: data.error?.description}
      return {id: data.documentId, title: data.result?.title, items: data.result?.items?.length}
    })
}

/** Whether a stream's file ends with a whole SSE message (a blank line). */
async function endsMessage(file: string): Promise<boolean> {
  const handle = await open(file, 'r')
  try {
    const {size} = await handle.stat()
    const tail = Buffer.alloc(2)
    await handle.read(tail, 0, 2, Math.max(0, size - 2))
    return tail.toString() === '\n\n'
  } finally {
    await handle.close()
  }
}

/**
 * Two listeners of `filters` open while the article is written (round `round`): the pings from
 * its answer until both got its event (the commit itself is not what this measures), and what
 * they got.
 */
async function listenedWrite(filters: string[], round: number) {
  const streams = filters.map((_, i) => listenerFiles.file(`round-${round}-${i}.sse`))
  const listeners = filters.map((filter, i) => openListener(lake, filter, streams[i]))
  try {
    while ((await Promise.all(streams.map(sizeOf))).some((size) => size === 0)) await sleep(50)
    const body = bodyOf({createOrReplace: article(round)})
    const before = await Promise.all(streams.map(sizeOf))
    // Until the article's event (the document in it) is written to both listeners, or one was
    // closed (its stream, without the event, is short: read only then).
    const delivered = async () => {
      const sizes = await Promise.all(streams.map(sizeOf))
      if (sizes.every((size, i) => size > before[i] + body.length * 0.9)) return true
      const short = streams.filter((_, i) => sizes[i] < 1_000_000)
      const texts = await Promise.all(short.map((stream) => readFile(stream, 'utf8')))
      return texts.some((text) => text.includes('event: channelError'))
    }
    const written = await withPings('', {body}, {delivered, after: true})
    expect(written.status, written.text.slice(0, 500)).toBe(200)
    // The rest of an event 90 % written (its last part, the event's end, is written after the
    // document's text drained): read once each stream ends a message.
    for (const stream of streams) {
      for (let tries = 0; !(await endsMessage(stream)) && tries < 500; tries++) await sleep(20)
    }
    return {...written, events: await Promise.all(streams.map(eventsIn))}
  } finally {
    for (const listener of listeners) listener.kill()
  }
}

test('listeners whose filters read a large field match a ~20 MB document off the event loop', async () => {
  // Matched on the outline (core/changeText.ts outlineOf): nothing parsed; the events' bytes are
  // assembled as before. What the large fields' filters may cost beyond.
  const outlined = await listenedWrite(['*[_type == "article"]', '*[title != null]'], 4)
  // Of bounded cost (it ran on the event loop), and not (its documents were parsed there and
  // cloned to a worker): both read `items`, which no outline holds.
  const large = await listenedWrite(
    ['*[_type == "article" && items != null]', '*[defined(items[0]._key)]'],
    5,
  )
  const small = await smallWrites()
  const report = `after the answer: large fields ${large.share}, outline ${outlined.share}; small writes ${Math.round(small.longest)} ms (loop CPU ${small.held})`
  const heard = (round: number) => [{id: 'drafts.archive', title: `সংকলন ${round}`, items: ITEMS}]
  expect(outlined.events, report).toEqual([heard(4), heard(4)])
  // Before, the second was closed at load 30-39: its document's clone to the query thread, and
  // its parse there, counted in its 500 ms budget.
  expect(large.events, report).toEqual([heard(5), heard(5)])
  // Before, the document was parsed on the event loop after the commit, and for the second
  // filter cloned to a worker there: 4,061 of the 4,329 ms until both events were written, where
  // the outline's round paused 1,250 ms (load 30). Judged by the event loop's CPU within one
  // ping's wait, not by the wait: beside a bench (19:00) a ping of the large round waited 1,886 ms
  // against 928 allowed with nothing parsed on the loop, and with the parse put back (tried) the
  // longest wait, 828 ms, was within its bound (load 11). The loop's CPU in one ping: with the
  // parse there, 1,180 and 410 ms (the outline's round 10 and 40); without, 10 and 10. A 20 MB
  // document's parse is hundreds of ms; a collection of the loop's heap, tens.
  expect(large.held, report).toBeLessThan(Math.max(2 * outlined.held, allowed(small)))
}, 600_000)
