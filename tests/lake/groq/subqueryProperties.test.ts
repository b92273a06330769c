/**
 * Property-based differential test for subqueries per outer document (core/correlated.ts and the
 * planner's handling of `^`): fast-check makes small datasets (drafts and versions that differ
 * from their published layer, strong and weak references, dangling ones, references to drafts'
 * ids, `_ref`s that are no string, nulls, missing fields and mixed types) and queries nesting a
 * `*` in another's scope, correlated by every shape the lake keys and by shapes it does not: `^`
 * and `^.^`, the outer value through `->`, parameters, `->` chains, select(), functions and filters
 * on the document's side, `in` either way, and beside them count(), defined(), `in` and `match`
 * in the inner filter, orders and slices after them, nested subqueries, an outer scope that is an
 * array written out or an array's items. The lake's engine (executeQuery over a SQLite store)
 * must answer as groq-js over the same documents in every perspective, signed in and anonymous
 * (the oracle's perspectives are tests/lake/groq/perspective.ts, independent of lake/core).
 *
 * Coverage (recorded in docs/testing.md): `npm test` runs RUNS datasets of 1-4 queries each;
 * SUBQUERY_RUNS and SUBQUERY_SEED run more, as the hunt of 2026-12-05 did.
 */
import fc from 'fast-check'
import {expect, test} from 'vitest'
import {executeQuery} from '../../../lake/query/execute.ts'
import {PUBLIC_READER} from '../../../lake/core/grants.ts'
import {memoryStore} from '../../helpers/store.ts'
import {outcome} from './compare.ts'
import {groqJs} from './oracle.ts'
import type {Perspective, StoredDocument} from './perspective.ts'

const RUNS = Number(process.env.SUBQUERY_RUNS ?? 60)
const SEED = Number(process.env.SUBQUERY_SEED ?? 20261205)

const ADMIN = {id: 'admin', kind: 'user', role: 'administrator'} as const
const env = {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'}
const PERSPECTIVES: [string, Perspective][] = [
  ['raw', 'raw'],
  ['published', 'published'],
  ['drafts', 'drafts'],
  ['r1,drafts', ['r1', 'drafts']],
  ['r1', ['r1']],
]

const IDS = ['a', 'b', 'c', 'd', 's0', 's1', 's2', 'h0', 'h1']
const LAYERS = ['', '', 'drafts.', 'versions.r1.']
/** Strings that tie (names equal across documents, case apart), and every other GROQ type. */
const VALUE = fc.constantFrom<unknown>(
  'zero',
  'zero',
  'one',
  'One',
  'two',
  'ঢাকা',
  '',
  5,
  null,
  undefined,
  undefined,
  {x: 1},
  ['zero'],
  true,
)
const REFERENCE = fc.oneof(
  {weight: 4, arbitrary: fc.constantFrom(...IDS).map((id) => ({_type: 'reference', _ref: id}))},
  fc
    .constantFrom(...IDS, 'gone', 'drafts.a', 'versions.r1.s1')
    .map((id) => ({_type: 'reference', _ref: id, _weak: true})),
  fc.constantFrom('drafts.s1', 'versions.r1.a').map((id) => ({_type: 'reference', _ref: id})),
  fc.constantFrom<unknown>({_ref: 5}, {_ref: ['a']}, [{_ref: 's0'}], null, undefined, 'a'),
)
const ARRAY = fc.oneof(
  {weight: 3, arbitrary: fc.array(REFERENCE, {maxLength: 3})},
  fc.array(fc.oneof(REFERENCE, VALUE), {maxLength: 3}),
  fc.constantFrom<unknown>(undefined, null, 'no array'),
)

const documentArb = fc.record({
  id: fc.constantFrom(...IDS),
  layer: fc.constantFrom(...LAYERS),
  _type: fc.constantFrom('article', 'article', 'source', 'headline'),
  name: VALUE,
  title: VALUE,
  section: VALUE,
  slug: fc.oneof(
    fc.constant(undefined),
    VALUE.map((current) => ({current})),
  ),
  names: fc.oneof(fc.array(VALUE, {maxLength: 3}), VALUE),
  source: REFERENCE,
  alt: REFERENCE,
  parent: REFERENCE,
  article: REFERENCE,
  sources: ARRAY,
})

type GeneratedDoc = typeof documentArb extends fc.Arbitrary<infer T> ? T : never

function toDocument({id, layer, ...fields}: GeneratedDoc): StoredDocument {
  const doc: StoredDocument = {_id: `${layer}${id}`}
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) doc[key] = value
  return doc
}

const datasetArb = fc.uniqueArray(documentArb, {
  minLength: 1,
  maxLength: 30,
  selector: (doc) => `${doc.layer}${doc.id}`,
})

/** The document's side of an equality: fields, `->` of every kind, functions and filters. */
const OWN = [
  '_id',
  'source._ref',
  'section',
  'slug.current',
  'name',
  'parent._ref',
  'source->name',
  'source->slug.current',
  '(source->)._id',
  'source->parent->name',
  'source->parent._ref',
  'sources[0]->name',
  'sources[1]._ref',
  'coalesce(alt, source)->name',
  'select(defined(alt) => alt, source)->name',
  'lower(source->name)',
  'array::compact(sources)[0]->name',
  'sources[defined(_ref)][0]->name',
  'sources[@->name == "zero"][0]._ref',
  'string(source->section)',
  '$ref->name',
  'source->{"n": name}.n',
]
/** What `^.y in own` searches: arrays of the document's, through `->` or not. */
const OWN_ARRAYS = [
  'sources[]._ref',
  'sources[]->name',
  'sources[]->parent->name',
  '[source._ref, alt._ref]',
  'array::compact(sources)[]->slug.current',
  'sources[_type == "reference"]->name',
  'names',
]
/** The outer value: paths of `^`, through `->`, `^.^` (in nested subqueries), parameters. */
const OUTER = [
  '^._id',
  '^.name',
  '^.slug.current',
  '^.source._ref',
  '^.section',
  '^.title',
  '^.article->source._ref',
  '^.source->name',
  '^.article->_id',
  '^.parent->name',
  '^.sources[0]._ref',
  '$p',
]
/** Arrays of the outer document's that `own in` searches. */
const OUTER_ARRAYS = ['^.names', '^.sources[]._ref', '^.sources[]->name', '$names']

const correlating = (outer: readonly string[]) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom(...OWN), fc.constantFrom(...outer), fc.boolean())
        .map(([own, out, flip]) => (flip ? `${out} == ${own}` : `${own} == ${out}`)),
    },
    fc
      .tuple(fc.constantFrom(...outer), fc.constantFrom(...OWN_ARRAYS))
      .map(([out, own]) => `${out} in ${own}`),
    fc
      .tuple(fc.constantFrom(...OWN), fc.constantFrom(...OUTER_ARRAYS))
      .map(([own, out]) => `${own} in ${out}`),
    fc.constantFrom(
      'references(^._id)',
      'references(^.source._ref)',
      '_id in ^.sources[]._ref',
      '_id != ^._id',
    ),
  )

/** Filters beside the correlating one: types, count(), defined(), `in`, match, parameters. */
const EXTRA = fc.constantFrom(
  '_type == "article"',
  '_type in ["article", "source"]',
  'count(sources) > 0',
  'count(sources[]->name) > 0',
  'defined(source->name)',
  'defined(title)',
  '"zero" in sources[]->name',
  'section in [$s, "two", null]',
  'name match "zer*"',
  'title match $m',
  '!(_id in path("drafts.**"))',
  'count(*[references(^._id)]) > 0',
  '$flag',
)
const ORDER = fc.constantFrom(
  '_id',
  'name desc, _id',
  'section, title desc, _id',
  'source->name, _id',
)
const SLICE = fc.constantFrom('[0]', '[0...2]', '[1..2]', '[0...1]')

/** An inner `*` correlated with the scope around it; nested ones read `^.^`. */
const innerArb = (outer: readonly string[], depth: number): fc.Arbitrary<string> =>
  fc
    .record({
      conjuncts: fc.array(fc.oneof({weight: 3, arbitrary: correlating(outer)}, EXTRA), {
        minLength: 1,
        maxLength: 3,
      }),
      tail: fc.oneof(
        fc.constant(''),
        fc.constant('._id'),
        fc.constant(' | order(_id) {_id, _originalId, name}'),
        // The inner projection reads the outer document (`^.x`) and `->` of its own.
        fc.constant(' | order(_id) {_id, "s": source->name, "o": ^.name, "t": ^.article->title}'),
        fc.tuple(ORDER, SLICE).map(([order, slice]) => ` | order(${order}) ${slice}._id`),
        fc.tuple(ORDER, SLICE).map(([order, slice]) => ` | order(${order}) {_id} ${slice}`),
        depth > 0
          ? innerArb([...OUTER, '^.^._id', '^.^.name'], depth - 1).map(
              (nested) => ` | order(_id) {_id, "y": ${nested}}`,
            )
          : fc.constant('[0]._id'),
      ),
      wrap: fc.constantFrom('', '', 'count', 'defined0'),
    })
    .map(({conjuncts, tail, wrap}) => {
      const q = `*[${conjuncts.join(' && ')}]${tail}`
      return wrap === 'count' ? `count(${q})` : wrap === 'defined0' ? `defined((${q})[0])` : q
    })

const OUTER_FILTER = fc.constantFrom(
  '_type == "article"',
  '_type in ["source", "headline"]',
  'true',
  'defined(name)',
)
const LITERALS =
  '[{"_id": "a", "name": "zero", "names": ["zero", "one"]}, {"_id": "s1", "name": null, "source": {"_ref": "s0"}}, {"name": 5, "names": [null]}, {}, {"_id": ["a", "b"], "article": {"_ref": "a"}, "sources": [{"_ref": "s1"}]}]'

/** The inner `*` where it is evaluated: a projection, a filter, an order, literals, items. */
const queryArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(OUTER_FILTER, innerArb(OUTER, 1))
      .map(([f, inner]) => `*[${f}] | order(_id) {_id, "x": ${inner}}`),
  },
  fc
    .tuple(OUTER_FILTER, innerArb(OUTER, 0))
    .map(([f, inner]) => `*[${f} && count(${inner}) > 0] | order(_id)._id`),
  fc
    .tuple(OUTER_FILTER, innerArb(OUTER, 0))
    .map(([f, inner]) => `*[${f}] | order(count(${inner}) desc, _id) [0...3]._id`),
  innerArb(OUTER, 1).map((inner) => `${LITERALS}{"x": ${inner}}`),
  fc
    .tuple(OUTER_FILTER, innerArb([...OUTER, '^._ref', '^.^._id', '^.^.name'], 0))
    .map(([f, inner]) => `*[${f}] | order(_id) {_id, "items": sources[]{_ref, "x": ${inner}}}`),
  fc
    .tuple(OUTER_FILTER, innerArb(OUTER, 0), innerArb(OUTER, 0))
    .map(
      ([f, a, b]) =>
        `*[${f}] | order(_id) {..., "c": coalesce((${a})[0], "none"), "s": select(count(${b}) > 1 => "many", "few")}`,
    ),
  fc
    .tuple(OUTER_FILTER, innerArb(OUTER, 0))
    .map(([f, inner]) => `*[${f}] | order(_id) [0...4] {_id, "s": source->{name, "x": ${inner}}}`),
  fc
    .tuple(OUTER_FILTER, innerArb(OUTER, 0), SLICE)
    .map(([f, inner, slice]) => `*[${f}] | order(_id) ${slice} {_id, "x": ${inner}}`),
)

const PARAMS = {
  p: 'zero',
  s: 'two',
  m: 'zer*',
  ref: {_ref: 's0'},
  names: ['zero', null, 'one'],
  flag: true,
}

test('subqueries per outer document answer as groq-js, signed in and anonymous, in every perspective', async () => {
  await fc.assert(
    fc.asyncProperty(
      datasetArb,
      fc.array(queryArb, {minLength: 1, maxLength: 4}),
      async (generated, queries) => {
        const store = await memoryStore(generated.map(toDocument) as never)
        try {
          // As stored (`_rev` and all), what groq-js is given.
          const stored = [...store.scan()] as StoredDocument[]
          const anonymousReads = stored.filter((doc) => !doc._id.includes('.'))
          for (const query of queries) {
            for (const [name, perspective] of PERSPECTIVES) {
              for (const [principal, documents] of [
                [ADMIN, stored],
                [PUBLIC_READER, anonymousReads],
              ] as const) {
                const request = {query, params: PARAMS, perspective: name, apiVersion: '2025-02-19'}
                const lake = await outcome(() => executeQuery(store, request, principal, env))
                const groq = await outcome(() =>
                  groqJs(documents, perspective, {query, params: PARAMS, ordered: true}),
                )
                const where = `${principal === ADMIN ? 'signed in' : 'anonymous'} ${name}: ${query}`
                // Both may refuse (groq-js's own errors); one alone may not.
                if ('error' in lake && 'error' in groq) continue
                expect(lake, where).toEqual(groq)
              }
            }
          }
        } finally {
          store.close()
        }
      },
    ),
    {seed: SEED, numRuns: RUNS, endOnFailure: true},
  )
}, 600_000)
