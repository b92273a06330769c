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
    get: (name: string) =>
      ({lake: {answers: budget}, principal: {kind: 'user', id: 'reader'}})[name],
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

describe("a caller's share of the budget", () => {
  const MIB = KIB * KIB
  /** 4 MiB: a caller's share is 1 MiB. */
  const budget = () => createAnswerBudget(4 * MIB)

  test("refuses a caller's answer past its share with a 429, not others'", () => {
    const answers = budget()
    const release = answers.hold('a', MIB / 2)
    answers.hold('a', MIB / 2)
    expect(() => answers.hold('a', 1)).toThrow(
      expect.objectContaining({name: 'CallerBusyError', retryAfterSeconds: 2}),
    )
    // Another caller has the rest of the lake's budget.
    answers.hold('b', MIB)
    // What the first caller's client read is room again.
    release(MIB / 2)
    expect(() => answers.hold('a', MIB / 2)).not.toThrow()
  })

  test("passes a caller's first answer whatever its size, and a committed write's answer", () => {
    const answers = budget()
    answers.hold('a', 3 * MIB)
    expect(() => answers.hold('a', 1)).toThrow(expect.objectContaining({name: 'CallerBusyError'}))
    expect(() => answers.hold('a', MIB, false)).not.toThrow()
    expect(answers.held).toBe(4 * MIB)
  })

  test("a page waiting for its caller's room holds back no other caller's page", async () => {
    const answers = budget()
    const releaseA = answers.hold('a', MIB)
    const signal = new AbortController().signal
    let aAdmitted = false
    const a = answers.holdWhenRoom('a', MIB / 4, signal).then((release) => {
      aAdmitted = true
      return release
    })
    // Caller b's page comes after a's, which waits for a's own room: b's is counted at once.
    const b = await answers.holdWhenRoom('b', MIB / 4, signal)
    expect(b).not.toBeNull()
    expect(answers.waiting).toBe(1)
    expect(aAdmitted).toBe(false)
    // a's client reads its first answer: its page is counted.
    releaseA(MIB)
    expect(await a).not.toBeNull()
    expect(answers.waiting).toBe(0)
    expect(answers.held).toBe(MIB / 2)
  })

  test("a page held back by its caller's share, first in line, holds back no other caller's that fits the lake", async () => {
    const answers = budget()
    answers.hold('a', MIB)
    // z's first answer passes its share: 3.5 MiB held, 0.5 MiB of the lake's room free.
    answers.hold('z', (5 * MIB) / 2)
    const signal = new AbortController().signal
    const admitted: string[] = []
    void answers.holdWhenRoom('a', (3 * MIB) / 4, signal).then(() => admitted.push('a'))
    // b's page fits the free room and b's share: counted at once, a's still waiting.
    void answers.holdWhenRoom('b', MIB / 4, signal).then(() => admitted.push('b'))
    await new Promise((done) => setImmediate(done))
    expect(admitted).toEqual(['b'])
    expect(answers.waiting).toBe(1)
    expect(answers.held).toBe(MIB + (5 * MIB) / 2 + MIB / 4)
  })

  test("a page waiting for the lake's room keeps its place before later callers'", async () => {
    const answers = budget()
    const releaseBig = answers.hold('big', 4 * MIB)
    const signal = new AbortController().signal
    const order: string[] = []
    const a = answers.holdWhenRoom('a', MIB, signal).then(() => order.push('a'))
    const b = answers.holdWhenRoom('b', MIB, signal).then(() => order.push('b'))
    expect(answers.waiting).toBe(2)
    releaseBig(4 * MIB)
    await Promise.all([a, b])
    expect(order).toEqual(['a', 'b'])
  })
})
