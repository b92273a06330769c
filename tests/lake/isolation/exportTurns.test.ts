/**
 * Hostile5 finding (2026-12-05): 150-500 exports started at once on a 20,000-document dataset
 * held the lake's event loop while it read their first pages, one after another in the same turn
 * of the loop: a concurrent `/ping` waited 1.4-7.5 s. Judged by order, not by time: the exports'
 * requests all reach the lake in one turn of its loop (written while it is stopped, SIGSTOP, on
 * connections it already reads), and once the first export's answer has
 * begun, another caller asks for a document; the exports answered after it are counted. A loop
 * that reads every export's first page before it looks at anything else answers that caller
 * last; pages read in turns answer it after a few. History's log export (`…/transactions/{ids}`)
 * read its pages as exports did before their turns, and takes the same turns now.
 */
import net from 'node:net'
import {afterAll, beforeAll, expect, test} from 'vitest'
import {API, useChildLake} from './childLake.ts'

const lake = useChildLake('export-turns')

/** 16 pages of 250 documents of about 3 KB of Bengali text. */
const DOCS = 4000
const BODY = 'নির্বাচনের খবর, জেলা থেকে '.repeat(40)
const EXPORTS = 120
/** One document's transactions, each an 11,000-character body: log pages of about 20 (256 Ki characters). */
const EDITS = 120
const EDIT_BODY = 'সংশোধিত খবর, রাজধানী থেকে '.repeat(420)

beforeAll(async () => {
  for (let i = 0; i < DOCS; i += 500) {
    const mutations = Array.from({length: 500}, (_, j) => ({
      createOrReplace: {
        _id: `article-${String(i + j).padStart(5, '0')}`,
        _type: 'article',
        body: BODY,
      },
    }))
    const res = await fetch(`${lake.url}/${API}/data/mutate/test`, {
      method: 'POST',
      headers: lake.headers(),
      body: JSON.stringify({mutations}),
    })
    expect(res.status, await res.text()).toBe(200)
  }
  for (let i = 0; i < EDITS; i++) {
    const res = await fetch(`${lake.url}/${API}/data/mutate/test`, {
      method: 'POST',
      headers: lake.headers(),
      body: JSON.stringify({
        mutations: [{createOrReplace: {_id: 'story', _type: 'article', body: `${i} ${EDIT_BODY}`}}],
      }),
    })
    expect(res.status, await res.text()).toBe(200)
  }
}, 240_000)

afterAll(() => {
  // A failed test must not leave the lake stopped for its stop (hooks run last first).
  try {
    process.kill(lake.pid, 'SIGCONT')
  } catch {
    // It never started.
  }
})

/**
 * A connection to the lake that it has accepted and reads: a ping answered on it first (a
 * connection still in the listening socket's backlog is read a turn of the loop later).
 */
function connect(): Promise<net.Socket> {
  const {hostname, port, host} = new URL(lake.url)
  return new Promise((resolve, reject) => {
    const socket = net.connect({host: hostname, port: Number(port)}, () => {
      socket.write(`GET /${API}/ping HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
      socket.once('data', () => resolve(socket))
    })
    socket.once('error', reject)
  })
}

/**
 * `EXPORTS` exports of one caller (`token`, or none: anonymous, by address), each on a connection
 * of its own (kept alive after a ping), their requests written while the lake is stopped (SIGSTOP), so that they all reach
 * it in one turn of its loop as a burst of clients' do; once the first has begun its answer, a
 * by-id query of another caller (the token's, on a new connection). How many exports began their
 * answers after the query was answered, and each export's status line.
 */
async function exportsThenQuery(token: string | null, path = `/${API}/data/export/test`) {
  const sockets = await Promise.all(Array.from({length: EXPORTS}, connect))
  const statuses: string[] = []
  let queryAnswered = false
  let answeredAfter = 0
  let firstBegun!: () => void
  const begun = new Promise<void>((resolve) => (firstBegun = resolve))
  const answers = sockets.map(
    (socket) =>
      new Promise<void>((resolve) => {
        socket.once('data', (chunk: Buffer) => {
          statuses.push(chunk.toString('latin1').split('\r\n')[0])
          if (queryAnswered) answeredAfter++
          firstBegun()
          // Its first page is what was measured: the rest is not read.
          socket.destroy()
          resolve()
        })
        socket.once('close', () => resolve())
        socket.on('error', () => {})
      }),
  )
  const {host} = new URL(lake.url)
  const request =
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n` +
    (token ? `Authorization: Bearer ${token}\r\n` : '') +
    'Connection: close\r\n\r\n'
  process.kill(lake.pid, 'SIGSTOP')
  try {
    await Promise.all(
      sockets.map((socket) => new Promise((written) => socket.write(request, written))),
    )
  } finally {
    process.kill(lake.pid, 'SIGCONT')
  }
  await begun
  const query = new URLSearchParams({query: '*[_id == "article-00007"][0]._id'})
  const res = await fetch(`${lake.url}/${API}/data/query/test?${query}`, {headers: lake.headers()})
  const body = (await res.json()) as {result: unknown}
  queryAnswered = true
  await Promise.all(answers)
  expect(body.result).toBe('article-00007')
  return {answeredAfter, statuses}
}

// A signed-in caller's exports (a token), each reading a first page of 250 documents; an
// anonymous caller's by address, which on a private dataset read every page and send none.
test.each([
  ['a token', true],
  ['anonymous, by address', false],
])(
  "one caller's many exports started at once (%s) leave another caller answered before most of their first pages",
  async (_, signedIn) => {
    const {answeredAfter, statuses} = await exportsThenQuery(signedIn ? lake.token : null)
    // Every export is answered: one that waited for its turn is answered later, never refused.
    expect(statuses).toEqual(statuses.map(() => 'HTTP/1.1 200 OK'))
    expect(statuses.length).toBe(EXPORTS)
    // Read at once (main, 2026-12-05), every first page came before the query: 0 of 120 after
    // it. In turns, 114-119 of 120.
    expect(answeredAfter).toBeGreaterThan(EXPORTS * 0.8)
  },
  120_000,
)

test("one caller's many exports of a document's history started at once leave another caller answered before most of their first pages", async () => {
  const {answeredAfter, statuses} = await exportsThenQuery(
    lake.token,
    `/${API}/data/history/test/transactions/story`,
  )
  expect(statuses).toEqual(statuses.map(() => 'HTTP/1.1 200 OK'))
  expect(statuses.length).toBe(EXPORTS)
  expect(answeredAfter).toBeGreaterThan(EXPORTS * 0.8)
}, 120_000)
