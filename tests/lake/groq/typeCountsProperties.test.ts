/**
 * Property-based differential test for the counts the lake answers from type_counts
 * (`count(*[_type == …])`, `count(*)`: documents per type and layer, kept by the store's writer
 * with each write group's COMMIT, docs/query-engine.md) after a history of writes, not one load:
 * creates, replaces, deletes and patches that change a document's `_type`, several on one id in
 * one transaction, refused ones (whose counts must not move), a bulk batch streamed to the commit
 * thread and a large write committed there. After each write the lake over HTTP must count as
 * groq-js does over the documents it stores (read with a raw scan, which no count touches), in
 * raw, published, drafts and a stack of releases, signed in and anonymous of a public dataset.
 */
import fc from 'fast-check'
import {beforeAll, expect, test} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {groqJs} from './oracle.ts'
import {anonymousTarget, query, type LakeTarget} from './http.ts'
import type {Perspective, StoredDocument} from './perspective.ts'

const RUNS = Number(process.env.TYPECOUNTS_RUNS ?? 12)
const SEED = Number(process.env.TYPECOUNTS_SEED ?? 20261205)

const lake = useTestLake({
  inProcess: true,
  // A dataset a run (and a shrink), past the lake's 100 in a hunt.
  env: {LAKE_MAX_DATASETS: '100000'},
})
let anonymous: LakeTarget

beforeAll(() => {
  const target = lake()
  anonymous = anonymousTarget(target)
})

const IDS = ['a', 'b', 'c', 'x.y']
const LAYERS = ['', 'drafts.', 'versions.r1.', 'versions.r2.']
const TYPES = ['article', 'headline', 'source']
const PERSPECTIVES: Perspective[] = ['raw', 'published', 'drafts', ['r2', 'r1', 'drafts']]
const COUNTS =
  '{"all": count(*), "article": count(*[_type == "article"]), "headline": count(*[_type == "headline"]), "two": count(*[_type in ["article", "source"]]), "none": count(*[_type == "none"])}'

const idArb = fc.tuple(fc.constantFrom(...LAYERS), fc.constantFrom(...IDS)).map(([l, id]) => l + id)
const typeArb = fc.constantFrom(...TYPES)
const mutationArb = fc.oneof(
  fc
    .tuple(fc.constantFrom('create', 'createOrReplace', 'createIfNotExists'), idArb, typeArb)
    .map(([kind, _id, _type]) => ({[kind]: {_id, _type, title: 'ঢাকা'}})),
  idArb.map((id) => ({delete: {id}})),
  fc.tuple(idArb, typeArb).map(([id, _type]) => ({patch: {id, set: {_type}}})),
  fc.tuple(idArb, typeArb).map(([id, _type]) => ({patch: {id, set: {title: _type}}})),
)
/** A bulk batch past the in-place bound (1 MB): streamed to the commit thread as it is built. */
const bulkArb = fc
  .array(fc.tuple(idArb, typeArb, fc.nat(3)), {minLength: 36, maxLength: 44})
  .map((items) =>
    items.map(([id, _type, remove], i) =>
      remove === 0 ? {delete: {id}} : {createOrReplace: {_id: `${id}${i % 9}`, _type, pad: 40_000}},
    ),
  )
const transactionArb = fc.oneof(
  {weight: 8, arbitrary: fc.array(mutationArb, {minLength: 1, maxLength: 4})},
  {weight: 1, arbitrary: bulkArb},
  // A large write (2.2 MB): built on a write thread, committed by the commit thread alone.
  {
    weight: 1,
    arbitrary: fc
      .tuple(idArb, typeArb)
      .map(([_id, _type]) => [{createOrReplace: {_id, _type, pad: 2_200_000}}]),
  },
)

let runs = 0

async function mutate(dataset: string, mutations: object[]): Promise<number> {
  const target = lake()
  const response = await target.fetch(
    `${target.url}/v2025-02-19/data/mutate/${dataset}?visibility=sync`,
    {
      method: 'POST',
      headers: {authorization: `Bearer ${target.token}`, 'content-type': 'application/json'},
      // A `pad` is the number of characters to write (kept short in a counterexample); the lake
      // weighs a request by its characters.
      body: JSON.stringify({mutations}, (key, value) =>
        key === 'pad' ? 'k'.repeat(value as number) : (value as unknown),
      ),
    },
  )
  const text = await response.text()
  if (process.env.TYPECOUNTS_REFUSALS && response.status !== 200)
    console.log(response.status, text.slice(0, 300))
  return response.status
}

test('type counts answer as groq-js after creates, replaces, deletes and type changes', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(transactionArb, {minLength: 1, maxLength: 6}), async (writes) => {
      const dataset = `counts${++runs}`
      lake().lake.context.visibility.set(dataset, 'public')
      for (const [step, mutations] of writes.entries()) {
        const status = await mutate(dataset, mutations)
        // A refused transaction (a create of an existing id, a patch of a missing one or of
        // `_type`, which is immutable: a replace changes it) changes nothing; any other answer
        // than these is a failure of its own.
        expect([200, 400, 409], `write ${step}`).toContain(status)
        const scan = await query(lake(), dataset, '*{_id, _type}', {}, 'raw')
        expect(scan.status).toBe(200)
        const stored = scan.body.result as StoredDocument[]
        const anonymousReads = stored.filter((doc) => !doc._id.includes('.'))
        for (const perspective of PERSPECTIVES) {
          const name = Array.isArray(perspective) ? perspective.join(',') : perspective
          for (const [caller, documents] of [
            [lake(), stored],
            [anonymous, anonymousReads],
          ] as const) {
            const response = await query(caller, dataset, COUNTS, {}, name)
            const expected = await groqJs(documents, perspective, {
              query: COUNTS,
              params: {},
              ordered: true,
            })
            const who = caller === anonymous ? 'anonymous' : 'signed in'
            expect(response.body.result, `after write ${step}, ${who} ${name}`).toEqual(expected)
          }
        }
      }
    }),
    {seed: SEED, numRuns: RUNS, endOnFailure: true},
  )
}, 600_000)
