/**
 * Property-based differential test for references after their rows were keyed by the referring
 * document's rowid (migration 28): fast-check drives random transactions through a real lake over
 * HTTP — creates, createOrReplace, deletes (SQLite hands the deleted last rowid to the next new
 * document, which must inherit none of its references), drafts and a release's versions, strong
 * and weak references, references in arrays and nested objects, `_ref`s to missing documents and
 * patches that add or remove them — with, now and then, the dataset deleted and made again under
 * the same name. After each step `references()` by one id and by a list, its count, a subquery per
 * document and `->` must answer in every perspective as groq-js over the lake's own export.
 *
 * Coverage (recorded in docs/testing.md): `npm test` runs RUNS sequences; REFERENCE_RUNS and
 * REFERENCE_SEED run more.
 */
import fc from 'fast-check'
import {cpSync} from 'node:fs'
import {mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, expect, test} from 'vitest'
import {createTestLake, type InProcessLake} from '../../helpers/lake.ts'
import {asMultiset} from './compare.ts'
import {groqJs} from './oracle.ts'
import {perspectiveParam, type Perspective, type StoredDocument} from './perspective.ts'

const RUNS = Number(process.env.REFERENCE_RUNS ?? 12)
const SEED = Number(process.env.REFERENCE_SEED ?? 20261205)
const API = 'v2025-02-19'

const PERSPECTIVES: Perspective[] = ['raw', 'published', 'drafts', ['r1', 'drafts']]
/** `article-0` and `source-1` are also in the migrated folder's dataset (second test). */
const IDS = ['a', 'b', 'c', 'd', 'e', 'article-0']
const LAYERS = ['', '', 'drafts.', 'versions.r1.']
/** Targets: published ids, a draft's and a version's id, and ids nothing has. */
const TARGETS = ['a', 'b', 'c', 'd', 'e', 'drafts.a', 'versions.r1.b', 'gone', 'source-1']
const TYPES = ['x', 'y']

const referenceArb = fc
  .record({target: fc.constantFrom(...TARGETS), weak: fc.boolean()})
  .map(({target, weak}) => ({_type: 'reference', _ref: target, ...(weak ? {_weak: true} : {})}))

/** Where a document keeps its references: a field, an array's items, an object in an array. */
const bodyArb = fc
  .record({
    _type: fc.constantFrom(...TYPES),
    ref: fc.option(referenceArb, {nil: undefined}),
    list: fc.option(fc.array(referenceArb, {maxLength: 4}), {nil: undefined}),
    nested: fc.option(
      fc.array(fc.record({_key: fc.constantFrom('k1', 'k2'), inner: referenceArb}), {
        maxLength: 2,
      }),
      {nil: undefined},
    ),
  })
  .map((body) => Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)))

const idArb = fc
  .tuple(fc.constantFrom(...LAYERS), fc.constantFrom(...IDS))
  .map(([layer, id]) => `${layer}${id}`)

type Step =
  | {kind: 'mutate'; mutations: Record<string, unknown>[]}
  | {kind: 'dropDataset'}
  | {kind: 'deleteAlone'; id: string}
  | {kind: 'reuse'; first: Record<string, unknown>; second: Record<string, unknown>}

/** Patches make their document first (createIfNotExists): a patch of a missing one is refused. */
const patched = (id: string, patch: Record<string, unknown>) => [
  {createIfNotExists: {_id: id, _type: 'y'}},
  {patch: {id, ...patch}},
]

const mutationsArb: fc.Arbitrary<Record<string, unknown>[]> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(idArb, bodyArb).map(([_id, b]) => [{createOrReplace: {_id, ...b}}]),
  },
  fc.tuple(idArb, bodyArb).map(([_id, b]) => [{create: {_id, ...b}}]),
  fc.tuple(idArb, bodyArb).map(([_id, b]) => [{createIfNotExists: {_id, ...b}}]),
  {weight: 2, arbitrary: idArb.map((id) => [{delete: {id}}])},
  fc.tuple(idArb, referenceArb).map(([id, ref]) => patched(id, {set: {ref}})),
  fc
    .tuple(idArb, fc.constantFrom('ref', 'list', 'nested', 'list[0]', 'nested[0].inner'))
    .map(([id, path]) => patched(id, {unset: [path]})),
  fc
    .tuple(idArb, referenceArb)
    .map(([id, ref]) =>
      patched(id, {setIfMissing: {list: []}, insert: {after: 'list[-1]', items: [ref]}}),
    ),
)

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .array(mutationsArb, {minLength: 1, maxLength: 3})
      .map((groups) => ({kind: 'mutate' as const, mutations: groups.flat()})),
  },
  fc.constant({kind: 'dropDataset' as const}),
  {weight: 3, arbitrary: idArb.map((id) => ({kind: 'deleteAlone' as const, id}))},
  // A document written and deleted at once leaves the largest rowid free: the next new document
  // takes it (INTEGER PRIMARY KEY without AUTOINCREMENT) and must inherit none of its references.
  {
    weight: 3,
    arbitrary: fc.tuple(idArb, bodyArb, idArb, bodyArb).map(([a, first, b, second]) => ({
      kind: 'reuse' as const,
      first: {_id: a, ...first},
      second: {_id: b, ...second},
    })),
  },
)

/** The ids of `documents` that strongly reference `id` (a string `_ref` not `_weak`), at any depth. */
function strongReferrers(documents: StoredDocument[], id: string): string[] {
  const refers = (value: unknown): boolean => {
    if (Array.isArray(value)) return value.some(refers)
    if (!value || typeof value !== 'object') return false
    const object = value as Record<string, unknown>
    if (object._ref === id && object._weak !== true) return true
    return Object.values(object).some(refers)
  }
  return documents
    .filter((doc) => doc._id !== id && refers(doc))
    .map((doc) => doc._id)
    .sort()
}

const QUERIES: {query: string; params?: Record<string, unknown>}[] = [
  ...['a', 'b', 'drafts.a', 'versions.r1.b', 'gone', 'source-1', 'source-2'].map((id) => ({
    query: '*[references($id)] | order(_id) {_id, _originalId}',
    params: {id},
  })),
  {query: '*[references(["a", "c"])] | order(_id)._id'},
  {query: '*[references($ids)] | order(_id)._id', params: {ids: ['b', 'gone', 'drafts.a']}},
  {
    query:
      '{"a": count(*[references("a")]), "b": count(*[references("b")]), "e": count(*[references("e")])}',
  },
  {query: '*[_type == "x"] | order(_id) {_id, "r": *[references(^._id)] | order(_id)._id}'},
  {query: '*[_type == "y"] | order(_id) {_id, "r": count(*[references(^._originalId)])}'},
  {
    query:
      '*[defined(ref) || defined(list)] | order(_id) {_id, "d": ref->_id, "l": list[]->_id, "n": nested[].inner->_type}',
  },
  {query: '*[!references("a") && !references("b")] | order(_id)._id'},
]

let lake: InProcessLake
let token: string

beforeAll(async () => {
  lake = await createTestLake()
  // An administrator: deleting a dataset is theirs alone.
  ;({token} = await lake.lake.auth!.store.createToken({label: 'refs', role: 'administrator'}))
})

afterAll(async () => {
  await lake?.close()
})

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  return lake.fetch(`${lake.url}/${API}${path}`, {
    ...init,
    headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'},
  })
}

async function exported(dataset: string): Promise<StoredDocument[]> {
  const response = await call(`/data/export/${dataset}`)
  if (response.status === 404) return []
  const text = await response.text()
  expect(response.status, text).toBe(200)
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as StoredDocument)
}

async function lakeAnswer(
  dataset: string,
  query: string,
  params: Record<string, unknown>,
  perspective: Perspective,
): Promise<unknown> {
  const search = new URLSearchParams({query, perspective: perspectiveParam(perspective)})
  for (const [name, value] of Object.entries(params)) search.set(`$${name}`, JSON.stringify(value))
  const response = await call(`/data/query/${dataset}?${search}`)
  const body = (await response.json()) as {result?: unknown; error?: unknown}
  expect(response.status, JSON.stringify(body)).toBe(200)
  return body.result ?? null
}

const tally = {steps: 0, refused: 0, drops: 0, compared: 0, nonEmpty: 0, deletes: 0}

/** Runs `steps` on `dataset`, comparing after each with groq-js over the export. */
async function runSteps(dataset: string, steps: Step[]): Promise<void> {
  const log: string[] = []
  for (const step of steps) {
    if (step.kind === 'deleteAlone') {
      // Delete protection reads the rows' strong flag: refused exactly when a document of
      // the export strongly references it, naming those documents.
      log.push(`delete ${step.id} alone`)
      const before = await exported(dataset)
      const referrers = before.some((doc) => doc._id === step.id)
        ? strongReferrers(before, step.id)
        : []
      const response = await call(`/data/mutate/${dataset}?visibility=sync`, {
        method: 'POST',
        body: JSON.stringify({mutations: [{delete: {id: step.id}}]}),
      })
      const body = (await response.json()) as {
        error?: {items?: {error: {referencingIDs?: string[]}}[]}
      }
      tally.deletes++
      expect(
        {
          status: response.status,
          referrers: body.error?.items?.[0]?.error.referencingIDs ?? [],
        },
        `delete ${step.id}\n${log.join('\n')}`,
      ).toEqual({status: referrers.length > 0 ? 409 : 200, referrers})
    } else if (step.kind === 'reuse') {
      log.push(`reuse ${JSON.stringify(step.first)} then ${JSON.stringify(step.second)}`)
      for (const mutations of [
        [{createOrReplace: step.first}],
        [{delete: {id: step.first._id}}],
        [{createOrReplace: step.second}],
      ]) {
        const response = await call(`/data/mutate/${dataset}?visibility=sync`, {
          method: 'POST',
          body: JSON.stringify({mutations}),
        })
        // The delete may be refused (something strongly references the document).
        expect(response.status, await response.text()).toBeLessThan(500)
      }
    } else if (step.kind === 'dropDataset') {
      log.push('drop dataset')
      tally.drops++
      const response = await call(`/datasets/${dataset}`, {method: 'DELETE'})
      expect([200, 404], await response.text()).toContain(response.status)
    } else {
      log.push(JSON.stringify(step.mutations))
      const response = await call(`/data/mutate/${dataset}?visibility=sync`, {
        method: 'POST',
        body: JSON.stringify({mutations: step.mutations}),
      })
      // A patch or delete of a missing document may be refused; the state stays as it was.
      if (response.status !== 200) {
        tally.refused++
        expect(response.status, await response.text()).toBeLessThan(500)
        continue
      }
      await response.body?.cancel()
    }
    tally.steps++
    const documents = await exported(dataset)
    for (const {query, params = {}} of QUERIES) {
      for (const perspective of PERSPECTIVES) {
        const expected = await groqJs(documents, perspective, {query, params, ordered: true})
        const actual = await lakeAnswer(dataset, query, params, perspective)
        tally.compared++
        if (JSON.stringify(expected).match(/"[a-e]"/)) tally.nonEmpty++
        expect(
          asMultiset(actual),
          `${perspectiveParam(perspective)}: ${query}\n${log.join('\n')}`,
        ).toEqual(asMultiset(expected))
      }
    }
  }
}

test('references(), its counts, subqueries and -> answer as groq-js over the export after every write', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(stepArb, {minLength: 1, maxLength: 12}), async (steps) => {
      // One dataset, deleted before each sequence (the lake holds a bounded number of datasets).
      const dataset = 'refs'
      const dropped = await call(`/datasets/${dataset}`, {method: 'DELETE'})
      expect([200, 404], await dropped.text()).toContain(dropped.status)
      await runSteps(dataset, steps)
    }),
    {seed: SEED, numRuns: RUNS, endOnFailure: true},
  )
  if (process.env.REFERENCE_RUNS) console.log(tally)
}, 600_000)

/**
 * A data folder written before migration 28 (tests/lake/store/fixtures/main-886ca21: references
 * keyed by the referring document's id; articles referencing source-1 and source-2) migrates on
 * first start and answers as groq-js after more writes, deletes and rowid reuse included.
 */
test('a data folder written before the refs were keyed by rowid answers the same after more writes', async () => {
  const fixture = join(import.meta.dirname, '..', 'store', 'fixtures', 'main-886ca21', 'datasets')
  const current = {lake, token}
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, {minLength: 1, maxLength: 8}), async (steps) => {
        const dataDir = await mkdtemp(join(tmpdir(), 'lake-refs-'))
        cpSync(fixture, join(dataDir, 'datasets'), {recursive: true})
        lake = await createTestLake({dataDir})
        ;({token} = await lake.lake.auth!.store.createToken({label: 'refs', role: 'administrator'}))
        try {
          await runSteps('production', [{kind: 'deleteAlone', id: 'source-1'}, ...steps])
        } finally {
          await lake.close()
        }
      }),
      {seed: SEED, numRuns: Math.max(2, Math.round(RUNS / 4)), endOnFailure: true},
    )
  } finally {
    ;({lake, token} = current)
  }
}, 600_000)
