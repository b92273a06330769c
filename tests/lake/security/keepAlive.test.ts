/**
 * An HTTP/1.1 connection (what @sanity/client and Node's fetch use) stays open between requests as
 * long as any silent connection may (`idleMs`), not Node's 5 s. Before, a client busy for 5 s
 * between two requests (a loaded machine, a long GC: the soak's editors at load 14-17) sent its
 * next request on a connection the lake had closed meanwhile and got "socket hang up": a mutation
 * unsent, which @sanity/client does not retry. Plain HTTP and HTTPS, as each has its own server.
 */
import http from 'node:http'
import https from 'node:https'
import type {Socket} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

/** Longer than Node's default keep-alive of 5 s, which is what this waits past. */
const IDLE_MS = 9000
const WAIT_MS = 6500

const lakes: Record<'http' | 'https', TestLake | undefined> = {http: undefined, https: undefined}

beforeAll(async () => {
  const serverOptions = {connectionLimits: {idleMs: IDLE_MS}}
  lakes.http = await startTestLake({tls: false, serverOptions})
  lakes.https = await startTestLake({serverOptions})
})
afterAll(async () => {
  await lakes.http?.close()
  await lakes.https?.close()
})

/** A ping through `agent`: its status, the Keep-Alive hint, and the socket it went over. */
function ping(kind: 'http' | 'https', agent: http.Agent) {
  const lake = lakes[kind]!
  const get = kind === 'http' ? http.get : https.get
  return new Promise<{status?: number; hint?: string; socket: Socket; reused: boolean}>(
    (resolve, reject) => {
      const request = get(`${lake.url}/v2025-02-19/ping`, {agent}, (res) => {
        // Taken now: the response lets go of it once its connection is free again.
        const socket = res.socket
        res.resume()
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            hint: String(res.headers['keep-alive']),
            socket,
            reused: request.reusedSocket,
          }),
        )
      })
      request.on('error', reject)
    },
  )
}

describe('an HTTP/1.1 connection between requests', () => {
  it.each(['http', 'https'] as const)(
    'stays open past 5 s of silence over %s, and the next request goes over it',
    async (kind) => {
      const agent =
        kind === 'http'
          ? new http.Agent({keepAlive: true})
          : new https.Agent({keepAlive: true, ca: lakes.https!.ca!})
      try {
        const first = await ping(kind, agent)
        expect(first.status).toBe(200)
        await sleep(WAIT_MS)
        // Node's default closed it at 5 s.
        expect(first.socket.destroyed).toBe(false)
        const second = await ping(kind, agent)
        expect(second).toMatchObject({status: 200, reused: true})
        expect(second.socket).toBe(first.socket)
        // What clients read to close an idle connection before the lake does.
        expect(first.hint).toBe(`timeout=${IDLE_MS / 1000}`)
      } finally {
        agent.destroy()
      }
    },
    30_000,
  )
})
