/**
 * Listeners' filters over a large document's text (a transaction's documents past 1 MB go to the
 * filter as text): distinct filters asking about the same texts in one turn of the event loop
 * share one task, so the read thread parses each text once, not once per filter (a 20.9 MB
 * write's two filters spent 0.6-0.9 s each parsing the same two documents). Each answers as it
 * would alone. Counted, not timed.
 */
import {afterAll, expect, test} from 'vitest'
import {createQueryPool} from '../../../lake/query/pool.ts'

const pool = createQueryPool({timeoutMs: 10_000, memoryMb: 64, threads: 2})
afterAll(() => pool.close())

/** A document as a filter receives a large one: its JSON text in shared memory. */
function text(doc: object): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(doc))
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length))
  shared.set(bytes)
  return shared
}

const ask = (query: string, documents: Uint8Array[], budgetMs = 10_000) =>
  pool.filter({kind: 'filter', query, params: {}, identity: 'x', documents}, budgetMs, 30_000)

test('filters asked about the same texts in one turn share a task, each answering as alone', async () => {
  const documents = [
    text({_id: 'drafts.a', _type: 'article', items: [{_key: 'k0', t: 'শিরোনাম'}]}),
    text({_id: 'b', _type: 'note'}),
  ]
  const before = pool.filterTasks()
  const answers = await Promise.all([
    ask('*[_type == "article"]', documents),
    ask('*[defined(items[0]._key)]', documents),
    ask('*[_type == "note"]', documents),
    // One that fails fails alone.
    ask('*[_type ==]', documents),
  ])
  expect(answers.slice(0, 3)).toEqual([
    {ok: true, matches: [true, false]},
    {ok: true, matches: [true, false]},
    {ok: true, matches: [false, true]},
  ])
  expect(answers[3]).toMatchObject({ok: false, error: {type: 'queryParseError'}})
  expect(pool.filterTasks() - before).toBe(1)

  // Other texts, or the same ones in a later turn: tasks of their own.
  const other = [text({_id: 'c', _type: 'article'})]
  const [first, second] = await Promise.all([
    ask('*[_type == "article"]', other),
    ask('*[_type == "note"]', documents),
  ])
  expect(first).toEqual({ok: true, matches: [true]})
  expect(second).toEqual({ok: true, matches: [false, true]})
  expect(pool.filterTasks() - before).toBe(3)
})

test('a filter past its own budget in a shared task fails alone; the others still answer', async () => {
  const documents = [text({_id: 'a', _type: 'article', n: 25, title: 'ক'.repeat(3000)})]
  // Cubic in the title's length (tests/lake/isolation/listeners.test.ts): far past 200 ms.
  const slow =
    '*[count(string::split(title, "")[count(string::split(^.title, "")[count(string::split(^.^.title, "")[@ == ^]) > 0]) > 0]) > 0]'
  const before = pool.filterTasks()
  const answers = await Promise.allSettled([
    ask('*[_type == "article"]', documents, 1_000),
    ask(slow, documents, 200),
    ask('*[n > 10]', documents, 1_000),
  ])
  expect(answers[0]).toEqual({status: 'fulfilled', value: {ok: true, matches: [true]}})
  expect(answers[1]).toMatchObject({status: 'rejected', reason: {name: 'QueryTimeoutError'}})
  expect(answers[2]).toEqual({status: 'fulfilled', value: {ok: true, matches: [true]}})
  // Each filter has its own budget inside the task: the one that ran past it is known, and only
  // the others are asked again, together (not the whole task's sum of budgets, then each alone).
  expect(pool.filterTasks() - before).toBe(2)
})
