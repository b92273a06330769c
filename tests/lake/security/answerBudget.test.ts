/**
 * An answer's bytes held in the lake's answer budget (lake/http/documentsAnswer.ts) are released
 * when its client goes, also when it went before the answer was built: @hono/node-server writes
 * no stream to a response already destroyed (neither reads nor cancels it), and 'close' had fired.
 */
import {once} from 'node:events'
import {PassThrough} from 'node:stream'
import type {Context} from 'hono'
import {describe, expect, test} from 'vitest'
import {createAnswerBudget, partsAnswer} from '../../../lake/http/documentsAnswer.ts'
import {pagedAnswer} from '../../../lake/http/pagedAnswer.ts'
import {createPageTurns} from '../../../lake/http/pageTurns.ts'

const KIB = 1024

/** A route's context whose client closed the response before the answer was built. */
async function goneBefore(budget: ReturnType<typeof createAnswerBudget>) {
  const outgoing = new PassThrough()
  outgoing.destroy()
  await once(outgoing, 'close')
  return {
    env: {incoming: new PassThrough(), outgoing},
    get: (name: string) => (name === 'lake' ? {answers: budget} : undefined),
  } as unknown as Context
}

describe('an answer whose client went before it was built', () => {
  test.each([
    ['counted, sent as one buffer', 100 * KIB],
    ['streamed', 600 * KIB],
  ])('holds nothing of the budget once built (%s)', async (_, bytes) => {
    const budget = createAnswerBudget(64 * KIB * KIB)
    partsAnswer(await goneBefore(budget), [Buffer.alloc(bytes / 2), Buffer.alloc(bytes / 2)])
    await new Promise((done) => setImmediate(done))
    expect(budget.held).toBe(0)
  })
})

describe('a paged answer (an export) whose client went while its first page was read', () => {
  test('holds nothing of the budget and closes its pages once answered', async () => {
    const budget = createAnswerBudget(64 * KIB * KIB)
    const outgoing = new PassThrough()
    const c = {
      env: {incoming: new PassThrough(), outgoing},
      get: (name: string) =>
        ({
          lake: {answers: budget, pages: createPageTurns()},
          principal: {kind: 'user', id: 'reader'},
        })[name],
      header: () => {},
      body: (body: ReadableStream, status: number) => new Response(body, {status}),
    } as unknown as Context
    let closed = false
    async function* pages() {
      try {
        // The client goes while the first page is read (on a read thread, in the lake).
        outgoing.destroy()
        await once(outgoing, 'close')
        yield Buffer.alloc(100 * KIB)
        yield Buffer.alloc(100 * KIB)
      } finally {
        closed = true
      }
    }
    // Never read, as @hono/node-server reads no stream for a destroyed response.
    await pagedAnswer(c, pages()).catch(() => null)
    await new Promise((done) => setImmediate(done))
    expect(budget.held).toBe(0)
    expect(closed).toBe(true)
  })
})
