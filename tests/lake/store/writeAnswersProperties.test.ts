/**
 * Property-based differential test for what a write answers and what an export gives, against
 * what a query reads: random transactions (creates, replaces, patches and deletes by id, by a list
 * of ids and by query, in every layer; refused ones; dry runs) with `returnIds` and
 * `returnDocuments`. Each answer's documents must be the ones a raw query reads right after (a
 * deleted one as it was before), its ids and operations one per document a mutation touched, and a
 * dry run must change nothing. After the history, `/data/export` (whole, by types, and paged by
 * cursor with small pages) must give every document a query of every document gives, signed in and
 * anonymous of a public dataset.
 */
import fc from 'fast-check'
import {evaluate, parse} from 'groq-js'
import {expect, test} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'

const RUNS = Number(process.env.WRITES_RUNS ?? 6)
const SEED = Number(process.env.WRITES_SEED ?? 20261205)

const lake = useTestLake({
  inProcess: true,
  // A dataset a run (and a shrink), past the lake's 100 in a hunt.
  env: {LAKE_MAX_DATASETS: '100000'},
})

type Doc = {_id: string; _rev: string; [key: string]: unknown}
type Matched = {query?: string; params?: Record<string, unknown>}

const IDS = ['a', 'b', 'c.d']
const LAYERS = ['', '', 'drafts.', 'versions.r1.']
const TYPES = ['article', 'headline', 'source']
const idArb = fc.tuple(fc.constantFrom(...LAYERS), fc.constantFrom(...IDS)).map(([l, id]) => l + id)
const docArb = fc.record(
  {
    _type: fc.constantFrom(...TYPES),
    title: fc.constantFrom('ঢাকা', 'Dhaka', ''),
    n: fc.integer({min: -2, max: 2}),
    pad: fc.constantFrom(70_000, 1_200_000),
  },
  {requiredKeys: ['_type']},
)
const queryArb = fc.constantFrom(
  ['*[_type == $t]', {t: 'article'}],
  ['*[n > $n]', {n: 0}],
  ['*[_id in path("drafts.**")]', {}],
  ['*[defined(title)][0...2]', {}],
  ['*[_type == "none"]', {}],
) as fc.Arbitrary<[string, Record<string, unknown>]>

const ensure = (id: string) => ({createIfNotExists: {_id: id, _type: 'article', n: 0}})
const mutationArb = fc.oneof(
  fc
    .tuple(fc.constantFrom('create', 'createOrReplace', 'createIfNotExists'), idArb, docArb)
    .map(([kind, _id, doc]) => [{[kind]: {_id, ...doc}}]),
  idArb.map((id) => [{delete: {id}}]),
  fc.array(idArb, {minLength: 1, maxLength: 3}).map((ids) => [{delete: {ids}}]),
  queryArb.map(([query, params]) => [{delete: {query, params}}]),
  fc
    .tuple(idArb, fc.integer({min: -2, max: 2}))
    .map(([id, n]) => [ensure(id), {patch: {id, set: {n}, setIfMissing: {title: 'নতুন'}}}]),
  fc
    .tuple(queryArb, fc.constantFrom('ঢাকা', 'x'))
    .map(([[query, params], title]) => [{patch: {query, params, set: {title}, inc: {n: 1}}}]),
  idArb.map((id) => [ensure(id), {patch: {id, unset: ['title', 'pad']}}]),
)
const optionsArb = fc.record({
  returnIds: fc.boolean(),
  returnDocuments: fc.boolean(),
  dryRun: fc.constantFrom(false, false, false, true),
  visibility: fc.constantFrom('sync', 'async', 'deferred'),
})
const transactionArb = fc.tuple(
  fc.array(mutationArb, {minLength: 1, maxLength: 3}).map((parts) => parts.flat() as object[]),
  optionsArb,
)

const auth = () => ({authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'})
const withPads = (value: unknown) =>
  JSON.stringify(value, (key, v) => (key === 'pad' && typeof v === 'number' ? 'k'.repeat(v) : v))

async function call(path: string, init: RequestInit = {}, anonymous = false) {
  const headers: Record<string, string> = auth()
  if (anonymous) delete headers.authorization
  const response = await lake().fetch(`${lake().url}/v2025-02-19${path}`, {...init, headers})
  return {status: response.status, text: await response.text()}
}

async function everything(dataset: string, anonymous = false): Promise<Doc[]> {
  const search = new URLSearchParams({query: '*|order(_id)', perspective: 'raw'})
  const {status, text} = await call(`/data/query/${dataset}?${search}`, {}, anonymous)
  expect(status).toBe(200)
  return (JSON.parse(text) as {result: Doc[]}).result
}

async function exported(dataset: string, query: string, anonymous = false): Promise<Doc[]> {
  const documents: Doc[] = []
  let cursor: string | undefined
  for (let page = 0; page < 100; page++) {
    const search = new URLSearchParams(query)
    if (cursor !== undefined) search.set('nextCursor', cursor)
    const {status, text} = await call(`/data/export/${dataset}?${search}`, {}, anonymous)
    expect(status, text.slice(0, 300)).toBe(200)
    cursor = undefined
    for (const line of text.split('\n').filter(Boolean)) {
      const value = JSON.parse(line) as Record<string, unknown>
      if ('nextCursor' in value) cursor = value.nextCursor as string
      else if ('error' in value || 'statusCode' in value) throw new Error(line)
      else documents.push(value as Doc)
    }
    if (cursor === undefined || !search.has('nextCursor')) break
  }
  return documents
}

let runs = 0
/** What was compared, printed when WRITES_RUNS is set. */
const tally = {
  histories: 0,
  writes: 0,
  refused: 0,
  dryRuns: 0,
  results: 0,
  byQuery: 0,
  exported: 0,
}

test('write answers and exports give what a query reads', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(transactionArb, {minLength: 1, maxLength: 8}), async (writes) => {
      const dataset = `answers${++runs}`
      lake().lake.context.visibility.set(dataset, 'public')
      let before = await everything(dataset)
      for (const [mutations, options] of writes) {
        const search = new URLSearchParams(
          Object.entries(options).map(([key, value]) => [key, String(value)]),
        )
        const {status, text} = await call(`/data/mutate/${dataset}?${search}`, {
          method: 'POST',
          body: withPads({mutations}),
        })
        const what = `${JSON.stringify(mutations)} ${search}: ${text.slice(0, 400)}`
        expect([200, 400, 409], what).toContain(status)
        const after = await everything(dataset)
        tally.writes++
        if (status !== 200 || options.dryRun) {
          // Refused, or a dry run: nothing changed.
          expect(after, what).toEqual(before)
          if (status !== 200) tally.refused++
          else tally.dryRuns++
          if (status !== 200) continue
        }
        const answer = JSON.parse(text) as {
          transactionId: string
          results: {id: string; operation: string; document?: Doc}[]
        }
        const now = new Map((options.dryRun ? before : after).map((doc) => [doc._id, doc]))
        const was = new Map(before.map((doc) => [doc._id, doc]))
        for (const result of answer.results) {
          tally.results++
          expect(['create', 'update', 'delete', 'none'], what).toContain(result.operation)
          if (!options.returnDocuments) {
            expect(result.document, what).toBeUndefined()
            continue
          }
          if (options.dryRun) continue
          // What a query reads now; a deleted document as it was before the transaction.
          const expected = now.get(result.id) ?? was.get(result.id)
          if (expected) expect(result.document, `${result.id}: ${what}`).toEqual(expected)
        }
        if (!options.dryRun) {
          // Every document the transaction wrote or deleted has a result.
          const touched = [...new Set([...was.keys(), ...now.keys()])].filter(
            (id) => now.get(id)?._rev === answer.transactionId || (was.has(id) && !now.has(id)),
          )
          const answered = new Set(answer.results.map((result) => result.id))
          for (const id of touched) expect(answered.has(id), `${id}: ${what}`).toBe(true)
          // A lone mutation by query touches what its query matches among the raw documents.
          const [only] = mutations as {patch?: Matched; delete?: Matched}[]
          const byQuery = only?.patch ?? only?.delete
          if (mutations.length === 1 && byQuery?.query !== undefined) {
            const tree = parse(byQuery.query, {params: byQuery.params})
            const value = await evaluate(tree, {dataset: before, params: byQuery.params})
            const matched = ((await value.get()) as Doc[]).map((doc) => doc._id).sort()
            expect(touched.sort(), what).toEqual(matched)
            tally.byQuery++
          }
          before = after
        }
      }
      const byId = (docs: Doc[]) => [...docs].sort((x, y) => (x._id < y._id ? -1 : 1))
      expect(byId(await exported(dataset, ''))).toEqual(byId(before))
      expect(byId(await exported(dataset, 'nextCursor=&pageSize=2'))).toEqual(byId(before))
      expect(byId(await exported(dataset, 'types=article,source&nextCursor=&pageSize=1'))).toEqual(
        byId(before.filter((doc) => doc._type === 'article' || doc._type === 'source')),
      )
      expect(byId(await exported(dataset, 'nextCursor=&pageSize=1', true))).toEqual(
        byId(await everything(dataset, true)),
      )
      tally.histories++
      tally.exported += before.length
    }),
    {seed: SEED, numRuns: RUNS, endOnFailure: true},
  )
  if (process.env.WRITES_RUNS) console.log(`seed ${SEED}, ${RUNS} histories:`, tally)
}, 600_000)
