/**
 * Unread bytes are budgeted per holder and lake-wide, not only per listener: many paused listeners
 * of one token (or of many) are cut, the one with the most unread first, before each reaches its
 * own limit (one token's 100 paused listeners took the lake from 145 to 626 MB).
 */
import {randomBytes} from 'node:crypto'
import {connect, type ClientHttp2Session} from 'node:http2'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {openSse} from './listeners.ts'

const KIB = 1024
const PER_LISTENER = 1024 * KIB
const MAX_WRITES = 200

let lake: TestLake
let second: string
const listenerStats = () => lake.server.lake.listenerStats()

beforeAll(async () => {
  lake = await startTestLake()
  const store = lake.server.lake.auth!.store
  const user = await store.addUser({
    email: 'b@localhost',
    role: 'editor',
    password: 'budget-pass-1',
  })
  second = (await store.exchangeSid(store.createSid(user.id)))!
})
afterAll(() => lake?.close())

/** Opens `count` listeners on one HTTP/2 connection and never reads them. */
async function stalled(session: ClientHttp2Session, token: string, type: string, count: number) {
  const query = new URLSearchParams({query: `*[_type == "${type}"]`, includeResult: 'true'})
  const streams = Array.from({length: count}, () => {
    const stream = session.request({
      ':path': `/v2025-02-19/data/listen/test?${query}`,
      authorization: `Bearer ${token}`,
    })
    stream.on('error', () => {})
    stream.pause()
    return new Promise((done) => stream.once('response', (h) => done(h[':status'])))
  })
  expect(await Promise.all(streams)).toEqual(streams.map(() => 200))
}

/** Writes 64 kB events of `type` until a listener is cut; returns the unread figures then. */
async function writeUntilCut(type: string) {
  const client = lake.client()
  const before = listenerStats().slowDisconnects
  await client.createOrReplace({_id: type, _type: type, blob: ''})
  for (let writes = 0; writes < MAX_WRITES; writes++) {
    const blob = randomBytes(48 * KIB).toString('base64')
    await client.patch(type).set({blob}).commit()
    // The listeners' fan-out may take several turns of the event loop (a turn's budget).
    await expect.poll(() => listenerStats().fanOutWaiting).toBe(0)
    if (listenerStats().slowDisconnects > before) break
  }
  return listenerStats()
}

it("cuts a holder's paused listeners past its budget, before each reaches its own limit", async () => {
  lake.server.lake.context.config.listen = {
    maxBufferBytes: PER_LISTENER,
    maxBufferBytesPerHolder: PER_LISTENER,
  }
  const session = connect(lake.url)
  session.on('error', () => {})
  try {
    await stalled(session, lake.token, 'holder', 4)
    const stats = await writeUntilCut('holder')
    expect(stats.slowDisconnects).toBe(1)
    // Four listeners shared the holder's 1 MiB (and each the one event it takes next, 64 kB,
    // which the holder's budget leaves out): none came near its own 1 MiB.
    expect(stats.peakQueuedBytes).toBeLessThan(PER_LISTENER / 2)
    expect(stats.queuedBytes).toBeLessThanOrEqual(PER_LISTENER + 4 * 80 * KIB)
    expect(stats.open).toBe(3)
  } finally {
    session.destroy()
  }
  await expect.poll(() => listenerStats().open).toBe(0)
})

it("cuts the lake's largest paused listener past the lake-wide budget", async () => {
  lake.server.lake.context.config.listen = {
    maxBufferBytes: PER_LISTENER,
    maxBufferBytesPerHolder: PER_LISTENER,
    maxBufferBytesTotal: (PER_LISTENER * 3) / 2,
  }
  const before = listenerStats()
  const first = connect(lake.url)
  const other = connect(lake.url)
  for (const session of [first, other]) session.on('error', () => {})
  try {
    await stalled(first, lake.token, 'lakewide', 3)
    await stalled(other, second, 'lakewide', 3)
    const stats = await writeUntilCut('lakewide')
    expect(stats.slowDisconnects).toBe(before.slowDisconnects + 1)
    // Six listeners shared 1.5 MiB: each holder stayed within its own budget, none near 1 MiB.
    expect(stats.queuedBytes).toBeLessThanOrEqual((PER_LISTENER * 3) / 2)
    expect(stats.peakQueuedBytes).toBeLessThan(PER_LISTENER / 2)
    expect(stats.open).toBe(5)
  } finally {
    first.destroy()
    other.destroy()
  }
})

it('lets two reading listeners of one caller each receive events larger than half its budget', async () => {
  // Two Studio tabs of one editor, each sent a 20 MB document, at a 32 MiB budget: scaled down.
  lake.server.lake.context.config.listen = {
    maxBufferBytes: PER_LISTENER,
    maxBufferBytesPerHolder: PER_LISTENER,
  }
  const before = listenerStats()
  const query = new URLSearchParams({query: '*[_type == "tabs"]', includeResult: 'true'})
  const url = `${lake.url}/v2025-02-19/data/listen/test?${query}`
  const tabs = await Promise.all(
    [0, 1].map(() => openSse(url, {authorization: `Bearer ${lake.token}`})),
  )
  try {
    await Promise.all(tabs.map((tab) => tab.until((m) => m.some((e) => e.event === 'welcome'))))
    const blob = randomBytes((PER_LISTENER * 3) / 8).toString('base64') // 680 kB of text
    const client = lake.client()
    // One transaction, two large events per tab: the second waits while the first is written.
    await client
      .transaction()
      .createOrReplace({_id: 'tabs-0', _type: 'tabs', blob})
      .createOrReplace({_id: 'tabs-1', _type: 'tabs', blob})
      .commit()
    for (const tab of tabs) {
      const events = await tab.until((m) => m.filter((e) => e.event === 'mutation').length === 2)
      expect(events.filter((e) => e.event === 'mutation').length).toBe(2)
    }
    expect(listenerStats().slowDisconnects).toBe(before.slowDisconnects)
  } finally {
    for (const tab of tabs) tab.close()
  }
})
