/**
 * A listener's costly filter runs on a query thread at its caller's priority, as the caller's
 * queries do: an anonymous listener's niced from its start, a signed-in listener's at the lake's
 * (docs/query-engine.md). Before, every listener's filter ran at the lake's priority and took
 * its turn as a signed-in caller's. Over HTTP, a listener from 127.0.0.2 on a public dataset; the
 * nice values sampled from the query thread while the write's event is filtered. Demotion is off,
 * so a niced thread is one niced for its caller.
 */
import {request, type IncomingMessage} from 'node:http'
import {getPriority} from 'node:os'
import {afterAll, beforeAll, expect, test} from 'vitest'
import {workerNice} from '../../../lake/query/priority.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {squareFilter} from '../../helpers/squareFilter.ts'
import {nicesWhileRunning} from '../query/callerPriority.ts'

let lake: TestLake
const lakeNice = getPriority()

beforeAll(async () => {
  // Demotion off but not Infinity, which lowers no thread at all (an anonymous caller's neither).
  lake = await startTestLake({
    tls: false,
    serverOptions: {queryThreads: 1, queryDemoteAfterMs: 1e9, queryTimeoutMs: 120_000},
  })
  lake.server.lake.context.visibility.set('open', 'public')
  // Room for the filter's tenths of a second niced on a loaded machine (500 ms by default).
  lake.server.lake.context.config.listen = {filterBudgetMs: 60_000}
  await lake.client({dataset: 'open'}).create({_id: 'first', _type: 'a', s: 'x'})
})

afterAll(async () => {
  await lake?.close()
})

/** A listener's stream: resolves `next(name)` once an event of that name has come. */
function listen(anonymous: boolean): Promise<{
  next(event: string): Promise<void>
  close(): void
}> {
  const query = encodeURIComponent(squareFilter(0).query)
  const url = new URL(`/v2025-02-19/data/listen/open?query=${query}`, lake.url)
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        localAddress: '127.0.0.2',
        agent: false,
        headers: anonymous ? {} : {authorization: `Bearer ${lake.token}`},
      },
      (res: IncomingMessage) => {
        expect(res.statusCode).toBe(200)
        res.setEncoding('utf8')
        let text = ''
        const waiting: {event: string; done(): void}[] = []
        const check = () => {
          for (const wait of [...waiting]) {
            const at = text.indexOf(`event: ${wait.event}\n`)
            if (at < 0) continue
            text = text.slice(at + 1)
            waiting.splice(waiting.indexOf(wait), 1)
            wait.done()
          }
        }
        res.on('data', (chunk: string) => {
          text += chunk
          check()
        })
        resolve({
          next: (event) =>
            new Promise((done) => {
              waiting.push({event, done})
              check()
            }),
          close: () => res.destroy(),
        })
      },
    )
    req.on('error', reject)
    req.end()
  })
}

test("an anonymous listener's costly filter runs niced from its start, a signed-in listener's at the lake's priority", async () => {
  expect(workerNice(lakeNice)).toBeGreaterThan(lakeNice)
  let n = 0
  for (const anonymous of [true, false, true, false]) {
    const listener = await listen(anonymous)
    try {
      await listener.next('welcome')
      // About a few tenths of a second of the filter's CPU on the write's document.
      const id = `long-${++n}`
      const sampled = await nicesWhileRunning(async () => {
        const heard = listener.next('mutation')
        await lake.client({dataset: 'open'}).create({_id: id, _type: 'a', s: 'x'.repeat(1200)})
        await heard
      })
      expect(sampled.samples, 'sampled while the filter ran').toBeGreaterThan(2)
      expect(
        sampled.nices,
        `${anonymous ? 'anonymous' : 'signed-in'}: ${sampled.sequence}`,
      ).toEqual([anonymous ? workerNice(lakeNice) : lakeNice])
    } finally {
      listener.close()
    }
  }
}, 240_000)
