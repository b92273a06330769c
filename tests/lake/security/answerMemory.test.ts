/**
 * Built data/doc, history, query and export answers held for clients that have not read them are budgeted
 * lake-wide: many parallel requests, read slowly, cannot fill the lake's memory. Past the budget
 * a large answer is a 503 with Retry-After; what a client took or left is released. One caller
 * holds only its share of it (answerCallerShare.test.ts): the refused requests here are another's.
 */
import {randomBytes} from 'node:crypto'
import {connect, constants, type ClientHttp2Session} from 'node:http2'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const MIB = 1024 * 1024

let lake: TestLake
let session: ClientHttp2Session
/** Another caller's token (a viewer): one caller alone holds only its share of the budget. */
let other: string

beforeAll(async () => {
  // 1.5 MB documents; a budget of 2 MiB holds one answer of one of them, not two.
  lake = await startTestLake({serverOptions: {answerMemoryMb: 2}})
  const blob = randomBytes(MIB + MIB / 8).toString('base64')
  await lake.client().createOrReplace({_id: 'big', _type: 'big', blob})
  session = connect(lake.url)
  session.on('error', () => {})
  other = await viewerToken('other')
})

afterAll(async () => {
  session?.destroy()
  await lake?.close()
})

/** Asks for `path` over HTTP/2 and reads nothing of the body; resolves once the headers came. */
function unread(path: string) {
  const stream = session.request({':path': path, authorization: `Bearer ${lake.token}`})
  stream.on('error', () => {})
  stream.pause()
  return new Promise<{status: number; stream: typeof stream}>((done) =>
    stream.once('response', (headers) => done({status: Number(headers[':status']), stream})),
  )
}

/** Asks for `path` as the other caller and reads the answer. */
const get = (path: string) =>
  fetch(`${lake.url}${path}`, {headers: {authorization: `Bearer ${other}`}})

const viewerToken = async (label: string) =>
  (await lake.server.lake.auth!.store.createToken({label, role: 'viewer'})).token

it('refuses a large answer with 503 and Retry-After while unread answers hold the budget', async () => {
  const doc = '/v2025-02-19/data/doc/test/big'
  const history = '/v2025-02-19/data/history/test/documents/big?lastRevision=true'
  const first = await unread(doc)
  expect(first.status).toBe(200)
  await expect.poll(() => lake.server.lake.context.answers.held).toBeGreaterThan(MIB)

  for (const path of [doc, history]) {
    const refused = await get(path)
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    expect((await refused.json()).message).toMatch(/answers its clients have not read yet/)
  }

  // The client that did not read goes away: what was held for it is released.
  first.stream.close(constants.NGHTTP2_CANCEL)
  await expect.poll(() => lake.server.lake.context.answers.held).toBe(0)
  const answered = await get(doc)
  expect(answered.status).toBe(200)
  expect((await answered.json()).documents[0]._id).toBe('big')
  // Read to its end, nothing stays held.
  expect(lake.server.lake.context.answers.held).toBe(0)
})

it('releases what it held for a stream its client closed with NO_ERROR, the connection still open', async () => {
  const first = await unread('/v2025-02-19/data/doc/test/big')
  expect(first.status).toBe(200)
  await expect.poll(() => lake.server.lake.context.answers.held).toBeGreaterThan(MIB)
  // RST_STREAM NO_ERROR: what Node's stream.close() sends when given no code. Node's server waited
  // for the unfinished answer before it closed such a stream, so its hold stayed until the
  // connection ended.
  first.stream.close(constants.NGHTTP2_NO_ERROR)
  await expect.poll(() => lake.server.lake.context.answers.held, {timeout: 5000}).toBe(0)
  expect(session.closed).toBe(false)
  expect((await get('/v2025-02-19/data/doc/test/big')).status).toBe(200)
})

it('answers a committed write with returnDocuments 200 and its documents while unread answers hold the budget', async () => {
  const first = await unread('/v2025-02-19/data/doc/test/big')
  expect(first.status).toBe(200)
  await expect.poll(() => lake.server.lake.context.answers.held).toBeGreaterThan(MIB)
  const blob = randomBytes(MIB + MIB / 8).toString('base64')
  // A document the transaction creates (its text built on a write thread) and one it leaves as
  // it is (read as stored): each answer is past the budget left, but the transaction is
  // committed: a 503 would tell the client to send again a create that now exists (a 409).
  const mutations = [
    {create: {_id: 'fresh', _type: 'small'}},
    {create: {_id: 'bigNew', _type: 'big', blob}},
    {createIfNotExists: {_id: 'big', _type: 'big'}},
  ]
  const res = await fetch(`${lake.url}/v2025-02-19/data/mutate/test?returnDocuments=true`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'},
    body: JSON.stringify({mutations}),
  })
  expect(res.status).toBe(200)
  const answer = await res.json()
  expect(answer.results.map((r: {id: string}) => r.id)).toEqual(['fresh', 'bigNew', 'big'])
  expect(answer.results[1].document.blob).toBe(blob)
  expect(answer.results[2].document.blob.length).toBeGreaterThan(MIB)
  first.stream.close(constants.NGHTTP2_CANCEL)
  await expect.poll(() => lake.server.lake.context.answers.held).toBe(0)
})

it('counts an unread query answer too: unread queries cannot fill the lake', async () => {
  // Before, query answers were held outside the budget: 14 unread answers of a 16 MB query over
  // one HTTP/2 connection held 705 MB of the lake's memory, and more connections held more.
  const query = `/v2025-02-19/data/query/test?query=${encodeURIComponent('*[_id == "big"]')}`
  const first = await unread(query)
  expect(first.status).toBe(200)
  await expect.poll(() => lake.server.lake.context.answers.held).toBeGreaterThan(MIB)

  for (const path of [query, '/v2025-02-19/data/doc/test/big']) {
    const refused = await get(path)
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(JSON.stringify(await refused.json())).toMatch(/answers its clients have not read yet/)
  }
  // A small answer is never refused.
  const small = await get(`/v2025-02-19/data/query/test?query=${encodeURIComponent('count(*)')}`)
  expect(small.status).toBe(200)

  first.stream.close(constants.NGHTTP2_CANCEL)
  await expect.poll(() => lake.server.lake.context.answers.held).toBe(0)
  const answered = await get(query)
  expect(answered.status).toBe(200)
  expect((await answered.json()).result[0].blob.length).toBeGreaterThan(MIB)
  expect(lake.server.lake.context.answers.held).toBe(0)
})

it('counts unread answers under 256 KiB too: many of them cannot fill the lake', async () => {
  // Before, only answers over 256 KiB were counted: smaller ones were bounded by the requests
  // under way alone (1,024 a caller, 8,192 in the lake), up to 2 GiB of unread answers lake-wide.
  await lake.client().createOrReplace({
    _id: 'mid',
    _type: 'mid',
    blob: randomBytes(150 * 1024).toString('base64'),
  })
  const path = (i: number) =>
    `/v2025-02-19/data/query/test?query=${encodeURIComponent(`*[_id == "mid" && ${i} == ${i}][0]`)}`
  // Clients that let the lake send nothing (an HTTP/2 window of 0) of any answer: five callers,
  // each within its share (a quarter of the budget: two of these answers).
  const stalled: ClientHttp2Session[] = []
  /** Asks for `path` as `token`; resolves with the status alone (no body comes through). */
  const query = (token: string, i: number) => {
    const client = connect(lake.url, {settings: {initialWindowSize: 0}})
    client.on('error', () => {})
    stalled.push(client)
    return new Promise<number>((resolve) => {
      const stream = client.request({':path': path(i), authorization: `Bearer ${token}`})
      stream.on('error', () => {})
      stream.once('response', (headers) => resolve(Number(headers[':status'])))
    })
  }
  const answers = lake.server.lake.context.answers
  try {
    // Each answer is about 200 KB: the 2 MiB budget holds ten of them, two for each caller.
    const statuses: number[] = []
    for (let caller = 0; caller < 5; caller++) {
      const token = await viewerToken(`reader${caller}`)
      for (let i = 0; i < 2; i++) statuses.push(await query(token, caller * 2 + i))
    }
    expect(statuses).toEqual(Array(10).fill(200))
    // A sixth caller's answer of that size is refused meanwhile, as hosted Sanity's busy answers.
    const refused = await get(path(100))
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    expect((await refused.json()).message).toMatch(/answers its clients have not read yet/)
    expect(answers.held).toBeGreaterThan(MIB + MIB / 2)
    expect(answers.held).toBeLessThanOrEqual(2 * MIB)
    // A tiny answer is still never refused.
    const small = await get(`/v2025-02-19/data/query/test?query=${encodeURIComponent('count(*)')}`)
    expect(small.status).toBe(200)
  } finally {
    for (const client of stalled) client.destroy()
  }
  // The clients go: what was held for their answers is released, and the next is served.
  await expect.poll(() => answers.held).toBe(0)
  const answered = await get(
    `/v2025-02-19/data/query/test?query=${encodeURIComponent('*[_id == "mid"][0]')}`,
  )
  expect(answered.status).toBe(200)
  expect((await answered.json()).result._id).toBe('mid')
})

describe('exports', () => {
  // Forty documents of 100 KB: an export of them is four pages of about 1 MiB.
  const many = Array.from({length: 40}, (_, i) => ({
    _id: `m${String(i).padStart(2, '0')}`,
    _type: 'm',
    text: randomBytes(75 * 1024).toString('base64'),
  }))
  // A session of each test's own: the streams the tests before cancelled count against a
  // session's resets, past which Node's server refuses its streams (ENHANCE_YOUR_CALM).
  beforeEach(() => {
    session.destroy()
    session = connect(lake.url)
    session.on('error', () => {})
  })

  beforeAll(async () => {
    const tx = lake.client().transaction()
    for (const doc of many) tx.createOrReplace(doc)
    await tx.commit()
  })

  /** The export's documents, from its NDJSON, failing on an error line. */
  const exported = (text: string) =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as {_id?: string; error?: unknown})
      .map((doc) => {
        if (doc.error !== undefined) throw new Error(`the export failed: ${JSON.stringify(doc)}`)
        return doc._id
      })

  it('counts the page an unread export holds: unread exports cannot fill the lake', async () => {
    // Before, an export's pages were held outside the budget: 150 exports of a 60 MB dataset
    // whose clients read nothing grew a lake process by 400 MB (a page or two each), and the
    // connections allowed a client address (1,000) would hold some 2.6 GB.
    const path = '/v2025-02-19/data/export/test?types=big'
    const first = await unread(path)
    expect(first.status).toBe(200)
    await expect.poll(() => lake.server.lake.context.answers.held).toBeGreaterThan(MIB)

    // Refused before it starts, as any large answer, while unread answers hold the budget.
    for (const refusedPath of [path, '/v2025-02-19/data/doc/test/big']) {
      const refused = await get(refusedPath)
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
      expect((await refused.json()).message).toMatch(/answers its clients have not read yet/)
    }

    first.stream.close(constants.NGHTTP2_CANCEL)
    await expect.poll(() => lake.server.lake.context.answers.held).toBe(0)
    const answered = await get('/v2025-02-19/data/export/test?types=m')
    expect(answered.status).toBe(200)
    expect(exported(await answered.text())).toEqual(many.map((doc) => doc._id))
    expect(lake.server.lake.context.answers.held).toBe(0)
  })

  it("counts the page an unread export of a document's transaction log holds", async () => {
    // Before, history's log export wrote its pages outside the budget, as exports did.
    const path = '/v2025-02-19/data/history/test/transactions/big'
    const first = await unread(path)
    expect(first.status).toBe(200)
    await expect.poll(() => lake.server.lake.context.answers.held).toBeGreaterThan(MIB)

    for (const refusedPath of [path, '/v2025-02-19/data/doc/test/big']) {
      const refused = await get(refusedPath)
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
      expect((await refused.json()).message).toMatch(/answers its clients have not read yet/)
    }

    first.stream.close(constants.NGHTTP2_CANCEL)
    await expect.poll(() => lake.server.lake.context.answers.held).toBe(0)
    const answered = await get(path)
    expect(answered.status).toBe(200)
    const lines = (await answered.text()).split('\n').filter(Boolean)
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('documentIDs')
    expect(lake.server.lake.context.answers.held).toBe(0)
  })

  /**
   * An export of the forty documents whose first page is read, its next page waiting for room:
   * a committed write's answer, which is never refused, left unread, takes the budget past its end.
   */
  async function exportWaiting() {
    const answers = lake.server.lake.context.answers
    const started = await unread('/v2025-02-19/data/export/test?types=m')
    expect(started.status).toBe(200)
    await expect.poll(() => answers.held).toBeGreaterThan(MIB / 2)
    const write = session.request({
      ':method': 'POST',
      ':path': '/v2025-02-19/data/mutate/test?returnDocuments=true',
      authorization: `Bearer ${lake.token}`,
      'content-type': 'application/json',
    })
    write.on('error', () => {})
    write.pause()
    const blob = randomBytes(MIB + MIB / 8).toString('base64')
    write.end(JSON.stringify({mutations: [{createOrReplace: {_id: 'bigW', _type: 'w', blob}}]}))
    await expect.poll(() => answers.held, {timeout: 10_000}).toBeGreaterThan(2 * MIB)

    started.stream.setEncoding('utf8')
    let text = ''
    started.stream.on('data', (chunk: string) => (text += chunk))
    const ended = new Promise((done) => started.stream.once('end', done))
    started.stream.resume()
    await expect.poll(() => answers.waiting, {timeout: 10_000}).toBe(1)
    // Its first page read, the next waits: the budget holds no more than the write's answer.
    expect(answers.held).toBeLessThan(2 * MIB)
    expect(text).toMatch(/"_id":"m00"/)
    expect(text).not.toMatch(/"_id":"m39"/)
    return {stream: started.stream, write, ended, text: () => text}
  }

  it('never cuts an export under way: its next page waits for room in the budget, then it ends whole', async () => {
    const answers = lake.server.lake.context.answers
    const exporting = await exportWaiting()
    exporting.write.close(constants.NGHTTP2_CANCEL)
    await exporting.ended
    expect(exported(exporting.text())).toEqual(many.map((doc) => doc._id))
    await expect.poll(() => answers.held).toBe(0)
    expect(answers.waiting).toBe(0)
  })

  it('gives up the wait of an export whose client went away, holding nothing for it', async () => {
    const answers = lake.server.lake.context.answers
    const exporting = await exportWaiting()
    const writeHolds = answers.held
    exporting.stream.close(constants.NGHTTP2_CANCEL)
    await expect.poll(() => answers.waiting).toBe(0)
    expect(answers.held).toBe(writeHolds)
    exporting.write.close(constants.NGHTTP2_CANCEL)
    await expect.poll(() => answers.held).toBe(0)
  })
})
