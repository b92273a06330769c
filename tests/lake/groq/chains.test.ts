/**
 * A flat chain of `||` or `&&` is one level of a query, however many terms it joins: the Studio
 * 6.9.2's reference search (`createReferenceResolveQuery`) joins one `(_type == … && … match
 * text::query(…))` per searchable path with `||`. Only the term limits and groq-js's parse work
 * bound such a chain, and a long one is answered, not a stack overflow, on the lake's own paths and
 * groq-js's.
 */
import {evaluate, parse} from 'groq-js'
import {beforeAll, expect, it} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {parseQuery} from '../../../lake/core/query.ts'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake()

beforeAll(async () => {
  const tx = lake().client().transaction()
  tx.create({_id: 'found-5', _type: 't5', title: 'ঢাকার খবর'})
  tx.create({_id: 'found-253', _type: 't253', title: 'ঢাকা'})
  tx.create({_id: 'other-type', _type: 'other', title: 'ঢাকা'})
  tx.create({_id: 'other-word', _type: 't7', title: 'খুলনা'})
  tx.create({_id: 'c-first', _type: 'chain', c0: true})
  tx.create({_id: 'c-last', _type: 'chain', c999: true})
  tx.create({_id: 'c-every', _type: 'chain', ...flags(3000)})
  tx.create({_id: 'scored', _type: 's', ...flags(40)})
  await tx.commit()
})

function flags(count: number): Record<string, boolean> {
  return Object.fromEntries(Array.from({length: count}, (_, i) => [`c${i}`, true]))
}

/** What the Studio's reference search sends for `types` searchable types. */
function referenceResolveQuery(types: number): string {
  const specs = Array.from(
    {length: types},
    (_, i) => `(_type == "t${i}" && title match text::query($__query))`,
  )
  return `*[${specs.join(' || ')}][0...1000]._id`
}

it('answers the Studio reference search over 254 types (more than the syntax depth)', async () => {
  expect(254).toBeGreaterThan(LIMITS.query.syntaxDepth - 3)
  const ids = await lake()
    .client()
    .fetch<string[]>(referenceResolveQuery(254), {__query: 'ঢাকা*'}, {perspective: 'raw'})
  expect(ids.sort()).toEqual(['found-253', 'found-5'])
})

it('evaluates a chain of 1,000 || and one of 1,000 && terms', async () => {
  // 1,000 operands: far past the 32 where chains are balanced, within groq-js's parse work (3,000
  // single names are past it: the next test).
  const names = Array.from({length: 1000}, (_, i) => `c${i}`)
  const client = lake().client()
  const any = await client.fetch<string[]>(`*[_type == "chain" && (${names.join(' || ')})]._id`)
  expect(any.sort()).toEqual(['c-every', 'c-first', 'c-last'])
  const every = await client.fetch<string[]>(`*[_type == "chain" && ${names.join(' && ')}]._id`)
  expect(every).toEqual(['c-every'])
  // In a projection too: evaluated per document by groq-js, not planned.
  const projected = await client.fetch<{id: string; any: boolean | null}[]>(
    `*[_type == "chain"]{"id": _id, "any": ${names.join(' || ')}} | order(id)`,
  )
  expect(projected).toEqual([
    {id: 'c-every', any: true},
    {id: 'c-first', any: true},
    {id: 'c-last', any: true},
  ])
})

it('parses a long chain into a balanced tree, log2 of its operands deep', () => {
  // Without balancing, 1,000 operands nest 1,000 levels, which groq-js's evaluator and the
  // planner recurse through; the answers above would not tell.
  const names = Array.from({length: 1000}, (_, i) => `c${i}`)
  for (const op of ['||', '&&']) {
    expect(treeDepth(parseQuery(names.join(` ${op} `)))).toBeLessThanOrEqual(12)
  }
})

/** The deepest nesting of syntax nodes (objects with a `type`) in a parsed tree. */
function treeDepth(node: unknown): number {
  if (Array.isArray(node)) return Math.max(0, ...node.map(treeDepth))
  if (node === null || typeof node !== 'object') return 0
  const below = Math.max(0, ...Object.values(node).map(treeDepth))
  return 'type' in node ? below + 1 : below
}

it('refuses a chain of 3,000 || terms with a 400 naming the parse work, before groq-js parses it', async () => {
  // groq-js adds each operator with `unshift`: 3,000 names took it seconds, past the limit.
  const names = Array.from({length: 3000}, (_, i) => `c${i}`)
  const err = await lake()
    .client()
    .fetch(`*[_type == "chain" && (${names.join(' || ')})]._id`)
    .then(
      () => expect.fail('the query was answered'),
      (thrown: unknown) => thrown,
    )
  expect(err).toMatchObject({statusCode: 400})
  expect(String((err as Error).message)).toMatch(
    new RegExp(`too large to parse: .*the limit is ${LIMITS.query.parseWork}\\.`),
  )
})

it('still refuses a query nested deeper than the syntax depth', async () => {
  const deep = `*${'[true]'.repeat(LIMITS.query.syntaxDepth + 1)}._id`
  const err = await lake()
    .client()
    .fetch(deep)
    .then(
      () => expect.fail('the query was answered'),
      (thrown: unknown) => thrown,
    )
  expect(err).toMatchObject({statusCode: 400})
  expect(String((err as Error).message)).toMatch(/nested more than 256 levels deep/)
})

it('answers a projection of 2,500 fields (each a column where the store reads parts)', async () => {
  const fields = Array.from({length: 2500}, (_, i) => `c${i}`)
  const [every] = await lake()
    .client()
    .fetch<Record<string, boolean | null>[]>(`*[_id == "c-every"]{${fields.join(', ')}}`)
  expect(Object.keys(every!)).toHaveLength(2500)
  expect(every!.c2499).toBe(true)
  const rows = await lake()
    .client()
    .fetch<Record<string, boolean>[]>(`*[_type == "chain" && c2998]{${fields.join(', ')}}`)
  expect(rows).toEqual([flags(2500)])
})

it("keeps a long chain's order under score(), whose sum of floats depends on it", async () => {
  // groq-js scores `a || b` as a's score + b's: regrouped, 33 boosts summed to 43.5 instead of
  // 43.50000000000001, groq-js's and the hosted answer.
  const weights = [0.1, 0.2, 0.3, 0.7]
  const boosts = Array.from({length: 33}, (_, i) => `boost(c${i + 1} == true, ${weights[i % 4]})`)
  const query = `*[_type == "s"] | score(${boosts.join(' || ')}) {_id, _score}`
  const doc = {_id: 'scored', _type: 's', ...flags(40)}
  const expected = await (await evaluate(parse(query), {dataset: [doc]})).get()
  const got = await lake().client().fetch(query, {}, {perspective: 'raw'})
  expect(got).toEqual(expected)
  expect(got[0]._score).not.toBe(43.5)
})
