/**
 * A listener never silently misses a committed write (docs/listeners.md#when-a-listener-must-start-over).
 * When the lake cannot make a committed transaction into events (a large write's commit thread
 * stopped after its COMMIT and the log could not give the transaction back), every listener of
 * the dataset is ended the way that makes @sanity/client reconnect (`reconnect`, then a new
 * `welcome`, on which the Studio and live preview fetch again), never with `channelError` or
 * `disconnect`, which the client takes as final. So is a listener that failed on a commit or
 * that the lake cannot keep up with; one that stops reading is cut off past its bound, and its
 * client reconnects all the same. A filter's own fault stays a `channelError`.
 */
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {connect, createServer, type Server, type Socket} from 'node:net'
import {expect, test, vi} from 'vitest'
import {ListenerOverloadedError, QueryTimeoutError} from '../../../lake/core/errors.ts'
import type {CommittedTransaction} from '../../../lake/core/types.ts'
import {createEventBus} from '../../../lake/events/bus.ts'
import {createListenerRegistry, type DocumentMatcher} from '../../../lake/listen/stream.ts'
import {useLakeMissingBig} from '../store/missedCommit.ts'
import {collect, openDeskListener, openSse} from './listeners.ts'

const missing = useLakeMissingBig()

/** About 2.6 MB of JSON: committed on the commit thread. */
const article = (title: string) => ({
  _id: 'drafts.big',
  _type: 'article',
  title,
  items: Array.from({length: 40_000}, (_, i) => ({
    _key: `k${i}`,
    t: `${i}-শিরোনাম`.padEnd(40, 'x'),
  })),
})

type Event = {type: string; documentId?: string; transactionId?: string}

test('a committed write the lake cannot announce ends every listener of the dataset so that the client reconnects and reads again', async () => {
  const client = missing.lake.client()
  const logged = vi.spyOn(console, 'error')
  const warned = vi.spyOn(console, 'warn')
  const listener = collect<Event>(
    client.listen(
      '*[_type == "article"]',
      {},
      {
        events: ['welcome', 'mutation', 'reconnect'],
        includeResult: false,
      },
    ) as never,
  )
  await listener.until((events) => events.some((e) => e.type === 'welcome'))
  // A listener of another filter hears nothing of the article, and is ended all the same: which
  // filters the write matched cannot be known without its documents.
  const other = await openSse(
    `${missing.lake.url}/v2025-02-19/data/listen/test?${new URLSearchParams({query: '*[_type == "source"]'})}`,
    {authorization: `Bearer ${missing.lake.token}`},
  )
  await other.until((messages) => messages.some((m) => m.event === 'welcome'))
  const elsewhere = await openSse(
    `${missing.lake.url}/v2025-02-19/data/listen/elsewhere?${new URLSearchParams({query: '*'})}`,
    {authorization: `Bearer ${missing.lake.token}`},
  )
  await elsewhere.until((messages) => messages.some((m) => m.event === 'welcome'))

  const answer = await client
    .transaction()
    .createOrReplace(article('দ্বিতীয়'))
    .commit({transactionId: 'big', returnDocuments: true})
  expect(existsSync(missing.exitedFlag), 'the commit thread stopped after "big"').toBe(true)
  // The raw stream ends, with no channelError or disconnect.
  await other.closed()
  expect(other.messages.map((m) => m.event).filter(Boolean)).toEqual(['welcome'])
  // Its last words say why, and nothing of a transaction its caller may not be allowed to read.
  const said = other.messages.map((m) => m.comment ?? '').join('\n')
  expect(said).toMatch(/missed a committed transaction; reconnect and read again/)
  expect(said).not.toContain('big')
  // The client reconnects, and its new stream's welcome is where the Studio fetches again.
  const events = await listener.until(
    (e) => e.filter((x) => x.type === 'welcome').length >= 2,
    20_000,
  )
  expect(events.map((e) => e.type)).toEqual(['welcome', 'reconnect', 'welcome'])
  expect(listener.error()).toBeUndefined()
  // The caller's answer is the usual one (an error would have it send the write again), its
  // document read from the store.
  expect(answer.map((doc) => [doc._id, doc._rev, doc.title])).toEqual([
    ['drafts.big', 'big', 'দ্বিতীয়'],
  ])
  // What it reads then holds the write.
  const read = await client.fetch('*[_id == "drafts.big"][0].title', {}, {perspective: 'raw'})
  expect(read).toBe('দ্বিতীয়')
  // The reconnected listener hears the next writes.
  await client.patch('drafts.big').set({title: 'তৃতীয়'}).commit()
  await listener.until((e) => e.some((x) => x.type === 'mutation'))
  listener.stop()
  // Another dataset's listener is left alone.
  expect(elsewhere.ended()).toBe(false)
  elsewhere.close()
  // The log says why, once.
  const lines = [...logged.mock.calls, ...warned.mock.calls].map((call) => String(call[0]))
  expect(lines.filter((line) => /transaction "big" of "test".*listeners/.test(line))).toHaveLength(
    1,
  )
}, 120_000)

/**
 * A TCP proxy to the lake whose answers can be held back (`stall`): a client behind it reads
 * nothing meanwhile, as a browser tab in the background or a client on a bad line.
 */
async function stallingProxy(target: URL) {
  const answers = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname)
    answers.add(upstream)
    client.pipe(upstream)
    upstream.pipe(client)
    const end = () => {
      answers.delete(upstream)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>((resolve) => server.listen(0, target.hostname, resolve))
  const {port} = server.address() as {port: number}
  return {
    url: `${target.protocol}//${target.hostname}:${port}`,
    /** Holds back the answers of the connections open now; returns what lets them go. */
    stall() {
      const held = [...answers]
      for (const upstream of held) upstream.pause()
      return () => {
        for (const upstream of held) upstream.resume()
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const upstream of answers) upstream.destroy()
        server.close(() => resolve())
      }),
  }
}

test('a listener that stops reading is cut off past its bound, and its client reconnects and reads again', async () => {
  const config = missing.lake.server.lake.context.config
  const before = config.listen
  config.listen = {maxBufferBytes: 256 * 1024}
  const proxy = await stallingProxy(new URL(missing.lake.url))
  try {
    const listener = collect<Event>(
      missing.lake.client({apiHost: proxy.url}).listen(
        '*[_type == "blob"]',
        {},
        {
          events: ['welcome', 'mutation', 'reconnect'],
          includeResult: true,
        },
      ) as never,
    )
    await listener.until((events) => events.some((e) => e.type === 'welcome'))
    const client = missing.lake.client()
    await client.createOrReplace({_id: 'blob', _type: 'blob', blob: ''})
    await listener.until((events) => events.some((e) => e.type === 'mutation'))
    const release = proxy.stall()
    const cut = missing.lake.server.lake.listenerStats().slowDisconnects
    // Random text: each event carries about 64 kB; the loopback's socket buffers take several MB
    // before the lake sees its reader stop.
    for (
      let i = 0;
      i < 400 && missing.lake.server.lake.listenerStats().slowDisconnects === cut;
      i++
    ) {
      await client
        .patch('blob')
        .set({blob: randomBytes(48 * 1024).toString('base64')})
        .commit()
    }
    expect(missing.lake.server.lake.listenerStats().slowDisconnects).toBe(cut + 1)
    // Reading again, it finds its stream ended short of the writes: not silence, a reconnect.
    release()
    const events = await listener.until(
      (e) => e.filter((x) => x.type === 'welcome').length >= 2,
      30_000,
    )
    const kinds = events.map((e) => e.type).filter((type) => type !== 'mutation')
    expect(kinds).toEqual(['welcome', 'reconnect', 'welcome'])
    expect(listener.error()).toBeUndefined()
    // The reconnected listener hears the next write.
    const heard = events.length
    await client.patch('blob').set({blob: 'শেষ'}).commit()
    await listener.until((e) => e.length > heard && e.at(-1)!.type === 'mutation')
    listener.stop()
  } finally {
    config.listen = before
    await proxy.close()
  }
}, 120_000)

/** A commit of one new article. */
const created = (id: string): CommittedTransaction => ({
  id,
  dataset: 'desk',
  timestamp: '2026-12-04T00:00:00.000Z',
  identity: 'p-editor',
  changes: [
    {
      id: `a-${id}`,
      before: null,
      after: {_id: `a-${id}`, _type: 'article', _rev: id},
      mutations: [],
      effects: {apply: [], revert: []},
    },
  ],
})

/** A listener of `desk` opened on the lake's stream code, its filter `match`, read to its end. */
function listenWith(match: DocumentMatcher['match']) {
  const bus = createEventBus()
  const registry = createListenerRegistry()
  const stream = openDeskListener({registry, bus, match})
  const text = new Response(stream).text()
  /** The events the stream sent before it ended (comments left out). */
  const events = async () =>
    (await text)
      .split('\n\n')
      .filter((block) => block.startsWith('event: '))
      .map((block) => block.slice('event: '.length, block.indexOf('\n')))
  return {bus, registry, text, events}
}

test('a listener whose filter fails unexpectedly on a commit is ended so that its client reconnects, not with channelError', async () => {
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
  const {bus, registry, events} = listenWith((documents) => {
    if ((documents[0] as {_rev?: string})._rev === 'bad') throw new TypeError('a bug')
    return documents.map(() => true)
  })
  bus.publish(created('good'))
  bus.publish(created('bad'))
  expect(await events()).toEqual(['welcome', 'mutation'])
  expect(registry.stats().open).toBe(0)
  expect(logged.mock.calls.map((call) => String(call[0])).join('\n')).toMatch(/listener/)
  logged.mockRestore()
})

test('a listener the lake is too busy to filter for is ended so that its client reconnects, not with channelError', async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  const {bus, events} = listenWith(() =>
    Promise.reject(new ListenerOverloadedError('No query thread was free for 30 s')),
  )
  bus.publish(created('one'))
  expect(await events()).toEqual(['welcome'])
  vi.restoreAllMocks()
})

test('a listener whose filter falls 1,000 transactions behind is ended so that its client reconnects, not with channelError', async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  // A filter on a worker that has not answered yet.
  const {bus, events} = listenWith(() => new Promise<boolean[]>(() => {}))
  for (let i = 0; i <= 1000; i++) bus.publish(created(`t${i}`))
  expect(await events()).toEqual(['welcome'])
  vi.restoreAllMocks()
})

test('a filter past its time budget is still a channelError: it would fail the same way again', async () => {
  const {bus, events} = listenWith(() =>
    Promise.reject(new QueryTimeoutError(500, 'The filter took more than 500 ms')),
  )
  bus.publish(created('one'))
  expect(await events()).toEqual(['welcome', 'channelError'])
})
