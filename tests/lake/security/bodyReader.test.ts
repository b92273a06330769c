/**
 * The lake's body reader (lake/http/nodeRequest.ts) against clients that go before or while their
 * body is read: the read fails (a 400 upstream, errors.ts), it never waits forever holding the
 * request.
 */
import {connect, type AddressInfo} from 'node:net'
import {serve, type ServerType} from '@hono/node-server'
import {Hono} from 'hono'
import {afterAll, beforeAll, expect, test} from 'vitest'
import {jsonBody} from '../../../lake/http/nodeRequest.ts'

const outcomes: string[] = []
const heard: (() => void)[] = []

/** The route's outcomes once `n` requests have had one: waited for, not timed. */
async function outcomesOf(n: number): Promise<string[]> {
  while (outcomes.length < n) await new Promise<void>((resolve) => heard.push(resolve))
  return outcomes
}

let server: ServerType
let port = 0

beforeAll(async () => {
  const app = new Hono()
  app.post('/x', async (c) => {
    // A route that awaits before it reads, as the lake's does for a token's first check.
    await new Promise((resolve) => setTimeout(resolve, 50))
    try {
      await jsonBody(c)
      outcomes.push('read')
    } catch (err) {
      outcomes.push((err as {code?: string}).code ?? 'error')
    }
    for (const resolve of heard.splice(0)) resolve()
    return c.text('done')
  })
  await new Promise<void>((resolve) => {
    server = serve({fetch: app.fetch, port: 0, hostname: '127.0.0.1'}, () => resolve())
  })
  port = (server.address() as AddressInfo).port
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** Sends a request declaring `declared` bytes of body, writes `body`, and goes 5 ms later. */
function sendAndGo(body: string, declared: number): void {
  const socket = connect(port, '127.0.0.1', () => {
    socket.write(
      'POST /x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${declared}\r\n\r\n${body}`,
    )
    setTimeout(() => socket.destroy(), 5)
  })
  socket.on('error', () => {})
}

test('a client gone before the route reads its body: the read fails at once', async () => {
  sendAndGo('{"a":', 1000)
  sendAndGo('{"a":1}', 7)
  // A read that waits for a client gone (the bug this guards) never ends: the test's timeout.
  // It had 2 s, which a loaded machine's pauses can take.
  expect(await outcomesOf(2)).toEqual(['ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_PREMATURE_CLOSE'])
})
