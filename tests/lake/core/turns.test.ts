/**
 * Turns by caller (createTurns): the query threads' turns and the export and history pages' turns
 * of the event loop (lake/http/pageTurns.ts) are one implementation. A freed turn goes to the
 * waiting caller holding the fewest turns, and of those to the one whose last turn came longest
 * ago (one that has had none first). A caller admitted at once and then asking again went back to
 * the head of the queue, in front of a caller that had asked meanwhile and had no turn yet.
 */
import {expect, test} from 'vitest'
import {createTurns} from '../../../lake/core/turns.ts'
import {exposedGc} from '../../../lake/threads/exposedGc.ts'

const signal = () => new AbortController().signal

test("another caller's turn comes after one of a caller's many, not after all of them, when the caller's first was admitted at once", async () => {
  const turns = createTurns(1, 0)
  const order: string[] = []
  const take = async (holder: string) => {
    const turn = await turns(holder, signal())
    order.push(holder)
    // Ended after the others have asked: their order is the queue's, not the asking's.
    await new Promise((resolve) => setImmediate(resolve))
    turn.end()
  }
  const all = Array.from({length: 10}, () => take('many'))
  all.push(take('other'))
  await Promise.all(all)
  expect(order.indexOf('other')).toBe(1)
})

test('of two callers waiting and holding no turn, the one whose last turn came longest ago goes first, whichever asked first', async () => {
  for (const aAsksFirst of [true, false]) {
    const turns = createTurns(1, 0)
    const order: string[] = []
    const first = await turns('a', signal())
    // a asks again while it holds its turn, b asks (or the other way round): b has had no turn.
    const ask = (holder: string) =>
      turns(holder, signal()).then((turn) => {
        order.push(holder)
        turn.end()
      })
    const asked = aAsksFirst ? [ask('a'), ask('b')] : [ask('b'), ask('a')]
    first.end()
    await Promise.all(asked)
    expect(order, aAsksFirst ? 'a asked first' : 'b asked first').toEqual(['b', 'a'])
  }
})

test('callers asking one at a time, again once their turn ended, do not keep a caller with many waiting from its turns: their last turns are remembered', async () => {
  const turns = createTurns(1, 0)
  const order: string[] = []
  let stop = false
  // a and c each ask again only once their turn has ended (a client sending one request at a
  // time): between two turns each holds nothing and waits for nothing.
  const oneAtATime = async (holder: string) => {
    while (!stop) {
      const turn = await turns(holder, signal())
      order.push(holder)
      await new Promise((resolve) => setImmediate(resolve))
      turn.end()
    }
  }
  const many = async () => {
    const turn = await turns('many', signal())
    order.push('many')
    await new Promise((resolve) => setImmediate(resolve))
    turn.end()
  }
  const callers = [oneAtATime('a')]
  const asked = Array.from({length: 10}, many)
  callers.push(oneAtATime('c'))
  while (order.length < 30) await new Promise((resolve) => setImmediate(resolve))
  stop = true
  // By the last turn, each of the three has every third turn: 'many' had its first and no other.
  const first30 = order.slice(0, 30)
  expect(first30.filter((holder) => holder === 'many').length).toBeGreaterThanOrEqual(9)
  await Promise.all([...callers, ...asked])
})

test('the callers remembered stay bounded: 200,000 callers asking once each hold what about a thousand do', async () => {
  // Every caller's last turn is kept while it is idle, so that one sending a request at a time
  // does not rank as new; past 1,024 idle callers the oldest are forgotten. Anonymous callers are
  // told apart by address, and tokens are many: without the bound each one seen stayed for the
  // lake's life. Measured by the heap after a full collection, so the count is the Map's alone.
  const gc = exposedGc()!
  const heapAfter = async (callers: number) => {
    const turns = createTurns(4, 0)
    for (let i = 0; i < callers; i++) (await turns(`caller-${i}`, signal())).end()
    gc({type: 'major'})
    const used = process.memoryUsage().heapUsed
    // Kept alive until the reading.
    expect(typeof turns).toBe('function')
    return used
  }
  gc({type: 'major'})
  const few = await heapAfter(2_000)
  const many = await heapAfter(200_000)
  // Unbounded, 200,000 names and entries: about 16 MB more.
  expect(many - few).toBeLessThan(4 * 1024 * 1024)
})
