/**
 * Node's HTTP/1.1 server has its own limit on receiving a whole request (`requestTimeout`, 300 s
 * by default): past it Node answers a bare 408 and closes the connection. The lake's own limit on
 * a body, five write deadlines from when it begins to read it (`--write-timeout`; docs/security.md),
 * must come first, so that a body the lake allows is taken and one it refuses gets its 408 saying
 * which. Before, a lake started with `--write-timeout 70` allowed an upload 350 s, and Node cut a
 * mutate body kept at the lake's pace at 300-330 s with its bare 408 over HTTP/1.1 (plain and the
 * TLS fallback alike: the same setting of Node's). What is read here is the Node server's own.
 */
import {afterEach, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake | undefined
afterEach(async () => {
  await lake?.close()
  lake = undefined
})

describe("Node's own request timeout", () => {
  it.each([
    ['plain HTTP', false],
    ['HTTPS', true],
  ] as const)(
    "is past the lake's own deadline on a body, over %s",
    async (_, tls) => {
      for (const [writeTimeoutMs, queryTimeoutMs] of [
        [60_000, 10_000],
        [120_000, 10_000],
        [20_000, 400_000],
      ]) {
        lake = await startTestLake({tls, serverOptions: {writeTimeoutMs, queryTimeoutMs}})
        const {requestMs, headersMs} = lake.server.nodeTimeouts
        // A body the lake reads may take five write deadlines, a query's body its deadline.
        expect(requestMs).toBeGreaterThan(5 * writeTimeoutMs)
        expect(requestMs).toBeGreaterThan(queryTimeoutMs)
        // Never below Node's own, which still ends a request whose body no route reads.
        expect(requestMs).toBeGreaterThanOrEqual(300_000)
        // Node refuses a headers timeout past the request's; the headers' stays Node's 60 s.
        expect(headersMs).toBe(60_000)
        await lake.close()
        lake = undefined
      }
    },
    60_000,
  )
})
