/**
 * Anonymous callers all share one principal, so open listeners and live event streams count
 * against their address instead: one address holding its 100 places must not lock every other
 * anonymous reader of a public dataset out (before, the 100 places were shared by all of them).
 * Two loopback addresses (127.0.0.1 and 127.0.0.2) stand for two machines.
 */
import {request, type IncomingMessage} from 'node:http'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  lake.server.lake.context.visibility.set('open', 'public')
  await lake.client({dataset: 'open'}).create({_id: 'story', _type: 'article', title: 'খোলা'})
})

afterAll(async () => {
  await lake?.close()
})

/** Opens a stream from `localAddress`; resolves once the status is known (the body stays open). */
function open(path: string, localAddress: string): Promise<IncomingMessage> {
  const url = new URL(`/v2025-02-19${path}`, lake.url)
  return new Promise((resolve, reject) => {
    const req = request(url, {localAddress, agent: false}, resolve)
    req.on('error', reject)
    req.end()
  })
}

const PATHS = {
  listen: `/data/listen/open?query=${encodeURIComponent('*[_type == "article"]')}`,
  live: '/data/live/events/open',
}

describe('anonymous streams on a public dataset count per address', () => {
  for (const [kind, path] of Object.entries(PATHS)) {
    it(`${kind}: one address holds at most ${LIMITS.listenersPerPrincipal}, another still gets in`, async () => {
      const held: IncomingMessage[] = []
      try {
        for (let i = 0; i < LIMITS.listenersPerPrincipal; i++) {
          const res = await open(path, '127.0.0.2')
          expect(res.statusCode).toBe(200)
          held.push(res)
        }
        const refused = await open(path, '127.0.0.2')
        expect(refused.statusCode).toBe(429)
        refused.resume()
        const other = await open(path, '127.0.0.1')
        expect(other.statusCode).toBe(200)
        other.destroy()
      } finally {
        for (const res of held) res.destroy()
      }
    })
  }
})
