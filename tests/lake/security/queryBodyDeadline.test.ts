/**
 * A query's body must arrive within the query deadline (a 408 past it), and one that arrived in
 * time is read even when the event loop was held past the deadline meanwhile: the loop runs its
 * timers before it reads what came in, so the deadline's timer alone would refuse a body that is
 * all there. The lake in this process, so that the test can hold its event loop.
 */
import {connect, type Socket} from 'node:net'
import {afterAll, afterEach, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const DEADLINE_MS = 1000
let lake: TestLake
let open: Socket[] = []

beforeAll(async () => {
  lake = await startTestLake({tls: false, serverOptions: {queryTimeoutMs: DEADLINE_MS}})
})

afterEach(() => {
  for (const socket of open) socket.destroy()
  open = []
})

afterAll(() => lake?.close())

/** A POST query over a socket of its own: its head and `first` bytes of its body now. */
function post(body: string, first: number) {
  const {port} = new URL(lake.url)
  const socket = connect(Number(port), '127.0.0.1')
  open.push(socket)
  let text = ''
  socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
  const answered = new Promise<string>((resolve) => socket.on('close', () => resolve(text)))
  socket.write(
    `POST /v2025-02-19/data/query/test HTTP/1.1\r\nhost: localhost\r\n` +
      `authorization: Bearer ${lake.token}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body.slice(0, first)}`,
  )
  return {socket, answered, rest: () => socket.write(body.slice(first))}
}

const BODY = JSON.stringify({query: 'count(string::split($s, ""))', params: {s: 'abc'}})

it('a body that has not arrived by the query deadline is a 408 saying so', async () => {
  const started = Date.now()
  const {answered} = post(BODY, 10)
  const answer = await answered
  expect(answer).toMatch(/^HTTP\/1\.1 408/)
  expect(answer).toMatch(/body did not arrive within 1 s/)
  expect(Date.now() - started).toBeGreaterThanOrEqual(DEADLINE_MS)
})

it('a body that arrived in time is answered though the event loop was held past the deadline', async () => {
  const {answered, rest} = post(BODY, 10)
  // The lake has begun reading it (its deadline's timer is set).
  await new Promise((resolve) => setTimeout(resolve, 200))
  // The rest sent, then the event loop held past the deadline after its poll for input (in its
  // check phase, as a long task begun by setImmediate): the rest waits in the socket's buffer, and
  // the loop's timers come before its next poll.
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      rest()
      const until = Date.now() + DEADLINE_MS + 300
      while (Date.now() < until) {
        // Held, as a long synchronous task would.
      }
      resolve()
    }),
  )
  const answer = await answered
  // Before: a 408, the deadline's timer run before the arrived rest was read.
  expect(answer).toMatch(/^HTTP\/1\.1 200/)
  expect(answer).toMatch(/"result":3/)
})
