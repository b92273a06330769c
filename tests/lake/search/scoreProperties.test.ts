/**
 * Property-based differential test for the ranked search scored without groq-js per document
 * (lake/core/scoreTopK.ts, read by falling bound in lake/core/view.ts): fast-check makes score()
 * arguments of the parts that path knows, nested (`text::query` matches on titles, texts, bodies,
 * `@` and `[@, _id]`; `_type` conditions and references(); boost() by weights above, at and
 * below 0 and by no number; `&&`, `||` and groups), and archives of a few hundred documents where
 * a word is common (ties at the top, drafts and release versions that change the text, stored
 * `_score`s, dates that set recency). The engine over a store must answer as groq-js over the
 * whole view with the lake's text::query (what scoreTopK.test.ts calls the plain evaluator), in
 * the published, raw, drafts and release perspectives, at several slices.
 *
 * `npm test` runs RUNS cases; SCORE_RUNS and SCORE_SEED run more.
 */
import {evaluate} from 'groq-js'
import fc from 'fast-check'
import {expect, test} from 'vitest'
import {applyPerspective, parsePerspective} from '../../../lake/core/perspective.ts'
import {parseQuery} from '../../../lake/core/query.ts'
import {scoreStage} from '../../../lake/core/scoreTopK.ts'
import {textQueryDereference} from '../../../lake/core/textQueryRewrite.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {executeQuery} from '../../../lake/query/execute.ts'
import {createRandom} from '../../../kit/seeded.ts'
import {memoryStore} from '../../helpers/store.ts'
import {outcome} from '../groq/compare.ts'

const RUNS = Number(process.env.SCORE_RUNS ?? 12)
const SEED = Number(process.env.SCORE_SEED ?? 20261205)

const WORDS = ['নির্বাচন', 'নির্বাচনের', 'কমিশন', 'ঢাকা', 'ভোট', 'প্রার্থী', 'Dhaka', 'vote']
const TYPES = ['article', 'article', 'article', 'headline', 'source']

/** An archive from a seed: most documents hold some form of নির্বাচন, many tie. */
function archive(seed: number, count: number): SanityDocument[] {
  const random = createRandom(seed)
  const next = (n: number) => random.int(0, n - 1)
  const text = (length: number) =>
    Array.from({length}, () => WORDS[next(WORDS.length)]).join(next(3) ? ' ' : '। ')
  const docs: SanityDocument[] = []
  for (let i = 0; i < count; i++) {
    const type = TYPES[next(TYPES.length)]
    const doc: SanityDocument = {_id: `${type}-${i}`, _type: type}
    // Few distinct dates (and some none): recency ties.
    if (next(4)) doc.publishedAt = `202${next(6)}-0${1 + next(3)}-01T00:00:00Z`
    else if (next(2)) doc._updatedAt = '2024-12-31T00:00:00Z'
    if (next(5)) doc.title = text(1 + next(3))
    if (next(2)) doc.text = text(1 + next(4))
    if (next(3) === 0) doc.name = text(1)
    if (next(3) === 0)
      doc.body = [{_type: 'block', children: [{_type: 'span', text: text(next(9))}]}]
    if (next(6) === 0) doc.source = {_type: 'reference', _ref: next(2) ? 'src-1' : 'নির্বাচন'}
    // A stored _score starts the document's score, as in groq-js; one that is no number does not.
    if (next(40) === 0) doc._score = [3, -1, 0.5, '7'][next(4)]
    // Titles of ASCII alone that are no string (the index's heads name such an attribute); a
    // boolean's or number's text (`${value}`: true, 1e+21) is what text::query reads of it.
    if (next(30) === 0)
      doc.title = [true, ['Dhaka', 'vote'], {text: 'DHAKA Dhaka'}, 7, false, 1e21, [7, true]][
        next(7)
      ]
    docs.push(doc)
    if (next(8) === 0) docs.push({...doc, _id: `drafts.${doc._id}`, title: text(1 + next(12))})
    if (next(10) === 0) docs.push({...doc, _id: `versions.r1.${doc._id}`, text: text(2)})
  }
  return docs
}

const FIELDS = ['title', 'text', 'name', 'body', '@', '[@, _id]', '[title, text]']
const WEIGHTS = ['10', '3', '$up', '$zero', '$down', '$deep', '$half', '$none']

const scoreArb: fc.Arbitrary<string> = fc.letrec<{s: string}>((tie) => ({
  s: fc.oneof(
    {depthSize: 'small', withCrossShrink: true},
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...FIELDS), fc.constantFrom('$q', '$r'))
        .map(([field, q]) => `${field} match text::query(${q})`),
    },
    fc.constantFrom(
      '_type in ["article"]',
      '_type == "headline"',
      'references($ref)',
      'references("src-1")',
    ),
    {
      weight: 2,
      arbitrary: fc
        .tuple(tie('s'), fc.constantFrom(...WEIGHTS))
        .map(([inner, w]) => `boost(${inner}, ${w})`),
    },
    fc.tuple(tie('s'), tie('s')).map(([a, b]) => `${a} && ${b}`),
    // A side below 0 beside a larger one: groq-js adds them.
    fc
      .tuple(tie('s'), fc.constantFrom('$down', '$deep'), tie('s'))
      .map(([a, w, b]) => `boost(${a}, ${w}) && boost(${b}, 40)`),
    fc.tuple(tie('s'), tie('s')).map(([a, b]) => `${a} || ${b}`),
    tie('s').map((a) => `(${a})`),
  ),
})).s

const queryArb = fc
  .record({
    filter: fc.constantFrom('_type in $__types', '_type == "article"', '_type in ["article", "x"]'),
    args: fc.array(scoreArb, {minLength: 1, maxLength: 4}),
    projection: fc.constantFrom(
      '{_id, _score}',
      '{_type, _id, _originalId, "orderings": [_score]}',
    ),
    slice: fc.constantFrom('[0...3]', '[0...26]', '[5...12]', '[0...400]'),
  })
  .map(
    ({filter, args, projection, slice}) =>
      `*[${filter}] | score(${args.join(', ')}) [_score > 0] ${projection} | order(_score desc) ${slice}`,
  )

const TYPED = [
  'নির্বাচন',
  'নির্বা*',
  'ঢাকা ভোট',
  '"ঢাকা ভোট"',
  'ভোট -ঢাকা',
  'dhaka',
  'নেই',
  '-কমিশন',
  'vot*',
  'true',
  'fals*',
  '7',
  '1e*',
]
const paramsArb = fc.record({
  q: fc.constantFrom(...TYPED),
  r: fc.constantFrom(...TYPED),
  __types: fc.constant(['article', 'headline', 'source']),
  ref: fc.constantFrom('src-1', 'নির্বাচন', ['src-1', 'x']),
  up: fc.constant(10),
  zero: fc.constant(0),
  down: fc.constantFrom(-1.5, -0.4),
  deep: fc.constantFrom(-30, -8),
  half: fc.constant(0.5),
  none: fc.constantFrom<unknown>('10', null),
})

const apiVersion = '2025-02-19'
const ADMIN = {id: 'admin', kind: 'user', role: 'administrator'} as const
const env = {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'}

const tally = {compared: 0, bounded: 0, bothErrors: 0}

/**
 * What both tests check: each drawn query, over a generated archive in a drawn perspective with the
 * index flushed or not, answers as groq-js over the whole view. Both may refuse (groq-js's
 * `boost()` outside score(), inside a group); one alone may not.
 */
function answersAsGroqJs(
  queryArb: fc.Arbitrary<string>,
  compared?: (query: string, params: Record<string, unknown>, bothRefused: boolean) => void,
) {
  return fc.assert(
    fc.asyncProperty(
      fc.nat(),
      fc.constantFrom(120, 400, 900),
      fc.array(fc.tuple(queryArb, paramsArb), {minLength: 1, maxLength: 3}),
      fc.constantFrom('published', 'raw', 'drafts', 'r1,drafts'),
      fc.boolean(),
      async (seed, count, queries, perspective, flush) => {
        const store = await memoryStore(archive(seed, count))
        if (flush) store.flushSearchIndex()
        try {
          const view = applyPerspective(
            store.scan(),
            parsePerspective(perspective, apiVersion),
            apiVersion,
          )
          for (const [query, drawn] of queries) {
            // fast-check's records may have no prototype; groq-js reads hasOwnProperty.
            const params = {...drawn}
            const expected = await outcome(async () => {
              const value = await evaluate(parseQuery(query, params), {
                dataset: view,
                params,
                dereference: textQueryDereference({documents: view, params}),
              })
              return value.get()
            })
            const result = await outcome(() =>
              executeQuery(store, {query, params, perspective, apiVersion}, ADMIN, env),
            )
            const bothRefused = 'error' in result && 'error' in expected
            compared?.(query, params, bothRefused)
            if (bothRefused) continue
            expect(result, `${perspective} ${JSON.stringify(params)}: ${query}`).toEqual(expected)
          }
        } finally {
          store.close()
        }
      },
    ),
    {seed: SEED, numRuns: RUNS, endOnFailure: true},
  )
}

test('the ranked search answers as groq-js over the whole view', async () => {
  await answersAsGroqJs(queryArb, (query, params, bothRefused) => {
    tally.compared++
    if (scoreStage(parseQuery(query, params))?.bounds) tally.bounded++
    if (bothRefused) tally.bothErrors++
  })
  if (process.env.SCORE_RUNS) console.log(tally)
}, 600_000)

/** text::query as a filter: candidates from the full-text index, ordered slices probed, counts. */
const filterQueryArb = fc
  .record({
    field: fc.constantFrom(...FIELDS, 'title'),
    q: fc.constantFrom('$q', '$r'),
    extra: fc.constantFrom(
      '',
      ' && _type == "article"',
      ' || references($ref)',
      ' && defined(publishedAt)',
    ),
    shape: fc.constantFrom(
      (f: string) => `*[${f}] | order(publishedAt desc) [0...5] {_id, publishedAt}`,
      (f: string) => `*[${f}] | order(publishedAt, _id) [20...26]._id`,
      (f: string) => `*[${f}] | order(title desc) [0...4]._id`,
      (f: string) => `count(*[${f}])`,
      (f: string) => `*[${f}]._id`,
      (f: string) => `*[${f}][3...9]._id`,
    ),
  })
  .map(({field, q, extra, shape}) => shape(`${field} match text::query(${q})${extra}`))

test(
  'text::query as a filter answers as groq-js over the whole view',
  () => answersAsGroqJs(filterQueryArb),
  600_000,
)
