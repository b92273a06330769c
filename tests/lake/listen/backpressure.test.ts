/**
 * A listener that stops reading is cut off once its unread bytes pass the limit, and what the lake
 * holds for it never grows past the limit plus one event. A reader that keeps up is unaffected.
 */
import {randomBytes} from 'node:crypto'
import type {IncomingMessage} from 'node:http'
import {connect, constants} from 'node:http2'
import {request} from 'node:https'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {collect} from './listeners.ts'

const LIMIT = 256 * 1024
/** Generous: the kernel's socket buffers on loopback take several MB before the lake sees backpressure. */
const MAX_WRITES = 300

let lake: TestLake
const listenerStats = () => lake.server.lake.listenerStats()

beforeAll(async () => {
  lake = await startTestLake()
  lake.server.lake.context.config.listen = {maxBufferBytes: LIMIT}
})

afterAll(async () => {
  await lake?.close()
})

/** Opens a listener over plain node:https (HTTP/1.1) and never reads its body. */
function openStalledListener(url: string, token: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, {headers: {authorization: `Bearer ${token}`}}, (res) => {
      res.pause()
      res.on('error', () => {})
      resolve(res)
    })
    req.on('error', reject)
    req.end()
  })
}

it('disconnects a listener that never reads, with bounded memory, while others keep up', async () => {
  const client = lake.client()
  const before = listenerStats()
  const query = new URLSearchParams({
    query: '*[_type == "big"]',
    includeResult: 'true',
    includePreviousRevision: 'true',
    effectFormat: 'mendoza',
  })
  const stalled = await openStalledListener(
    `${lake.url}/v2025-02-19/data/listen/test?${query}`,
    lake.token,
  )
  expect(stalled.statusCode).toBe(200)

  const steady = collect(
    client.listen(
      '*[_type == "big"]',
      {},
      {events: ['welcome', 'mutation'], effectFormat: 'mendoza'},
    ),
  )
  await steady.until((events) => events.length >= 1)

  let writes = 0
  let largestEvent = 0
  // Random text: neither side of the effects can reuse the old value, so each event is large.
  const writeBlob = async () => {
    const blob = randomBytes(48 * 1024).toString('base64')
    const doc = await client.patch('big').set({blob}).commit()
    writes++
    return doc._rev
  }
  await client.create({_id: 'big', _type: 'big', blob: ''})
  writes++
  while (listenerStats().slowDisconnects === before.slowDisconnects && writes < MAX_WRITES) {
    await writeBlob()
    expect(listenerStats().peakQueuedBytes).toBeLessThanOrEqual(LIMIT + 512 * 1024)
  }
  // Writes after the cut-off are not queued for the stalled reader any more.
  const lateRevisions: string[] = []
  for (let i = 0; i < 5; i++) lateRevisions.push(await writeBlob())

  // The stalled reader, reading at last, finds the stream ended by the server, short of the data.
  let received = ''
  const ended = new Promise<void>((resolve) => stalled.socket.once('close', () => resolve()))
  stalled.setEncoding('utf8')
  stalled.on('data', (chunk: string) => {
    received += chunk
  })
  stalled.resume()
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('the stalled listener was not disconnected')), 10_000)
  })
  await Promise.race([ended, timeout])
  clearTimeout(timer)
  expect(received).toMatch(/^event: welcome\n/)
  for (const rev of lateRevisions) expect(received).not.toContain(rev)
  const after = listenerStats()
  expect(after.slowDisconnects).toBe(before.slowDisconnects + 1)

  // The reader that keeps up got every event and is still connected.
  const events = await steady.until((e) => e.filter((x) => x.type === 'mutation').length >= writes)
  for (const event of events) largestEvent = Math.max(largestEvent, JSON.stringify(event).length)
  // What was queued never exceeded the limit plus one event; the stalled reader's events also carry
  // `previous`, so they are somewhat larger than the steady client's.
  expect(after.peakQueuedBytes).toBeLessThanOrEqual(LIMIT + 3 * largestEvent)
  expect(steady.error()).toBeUndefined()
  expect(after.open).toBe(before.open + 1)
  steady.stop()
})

it('over HTTP/2, resets only the stalled stream: the connection and its other listeners go on', async () => {
  const client = lake.client()
  const before = listenerStats()
  const session = connect(lake.url)
  session.on('error', () => {})
  const open = (query: string) => {
    const path = `/v2025-02-19/data/listen/test?${new URLSearchParams({query, includeResult: 'true'})}`
    return session.request({':path': path, authorization: `Bearer ${lake.token}`})
  }
  try {
    const stalled = open('*[_type == "h2big"]')
    stalled.on('error', () => {})
    const status = await new Promise((resolve) =>
      stalled.once('response', (h) => resolve(h[':status'])),
    )
    expect(status).toBe(200)
    stalled.pause()
    const closed = new Promise<number>((resolve) =>
      stalled.once('close', () => resolve(stalled.rstCode!)),
    )

    // A second listener on the same connection, reading everything.
    const steady = open('*[_id == "h2marker"]')
    let steadyText = ''
    steady.setEncoding('utf8')
    steady.on('data', (chunk: string) => {
      steadyText += chunk
    })

    let writes = 0
    await client.create({_id: 'h2big', _type: 'h2big', blob: ''})
    while (listenerStats().slowDisconnects === before.slowDisconnects && writes < MAX_WRITES) {
      const blob = randomBytes(48 * 1024).toString('base64')
      await client.patch('h2big').set({blob}).commit()
      writes++
    }
    expect(listenerStats().slowDisconnects).toBe(before.slowDisconnects + 1)
    stalled.resume()
    const rstCode = await closed
    expect(rstCode).not.toBe(constants.NGHTTP2_NO_ERROR)

    const marker = await client.create({_id: 'h2marker', _type: 'marker'})
    for (let i = 0; i < 100 && !steadyText.includes(marker._rev); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(steadyText).toMatch(/^event: welcome\n/)
    expect(steadyText).toContain(`"resultRev":"${marker._rev}"`)
    expect(session.closed || session.destroyed).toBe(false)
    steady.close()
  } finally {
    session.close()
  }
})
