/**
 * Property-based differential test for the shapes the planner pushes into SQL over the side table
 * and its neighbours (docs/query-engine.md, "The planner"): equality, ranges, `in` lists (long
 * ones past the hint's bound too), `defined()` and `!`/`||` over `slug.current`, `section`,
 * `source._ref` and `publishedAt`; the kept `length(title)` and the lengths read from the body;
 * `_id`, `_type`, path() and the Studio's `sanity::` filters; `references()` of parameters of odd
 * types; `count(*[…])` from type_counts per perspective; ordered slices over indexed keys with
 * ties, missing and mixed types, offsets past the first page and the read ahead; slices in view
 * order; `match` over Bengali words and prefixes (the full-text candidates, re-checked);
 * `_createdAt`/`_updatedAt` and dateTime() comparisons, which stay groq-js's. fast-check makes a
 * few documents with the awkward values (strings GROQ and SQLite order or count differently,
 * dates of several spellings, numbers, booleans, null, missing, objects, arrays; drafts and two
 * releases' versions; ids with a dot outside both prefixes) and, some of the time, hundreds more
 * drawn from the same values, so that reads in batches, read-aheads and the walk by type differ
 * from a scan. The lake's engine (executeQuery over SQLite, in process) must answer as groq-js
 * over the same documents, signed in and anonymous (public and private), in every perspective the
 * lake accepts.
 *
 * Coverage (recorded in docs/testing.md): `npm test` runs RUNS datasets; SIDETABLE_RUNS and
 * SIDETABLE_SEED run more.
 */
import fc from 'fast-check'
import {expect, test} from 'vitest'
import {executeQuery, type QueryRequest} from '../../../lake/query/execute.ts'
import {budgeted, triesInPlace} from '../../../lake/query/inPlace.ts'
import {parseQuery} from '../../../lake/core/query.ts'
import type {Store} from '../../../lake/core/store.ts'
import {ANONYMOUS, PUBLIC_READER, type Principal} from '../../../lake/core/grants.ts'
import {createRandom} from '../../../kit/seeded.ts'
import {memoryStore} from '../../helpers/store.ts'
import {outcome} from './compare.ts'
import {groqJs} from './oracle.ts'
import type {Perspective, StoredDocument} from './perspective.ts'

const RUNS = Number(process.env.SIDETABLE_RUNS ?? 30)
const SEED = Number(process.env.SIDETABLE_SEED ?? 20261205)

const ADMIN: Principal = {id: 'admin', kind: 'user', role: 'administrator'}
const env = {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'}
const PERSPECTIVES: [string, Perspective][] = [
  ['raw', 'raw'],
  ['published', 'published'],
  ['drafts', 'drafts'],
  ['previewDrafts', 'previewDrafts'],
  ['r1', ['r1']],
  ['r1,drafts', ['r1', 'drafts']],
  ['r2,r1,drafts', ['r2', 'r1', 'drafts']],
  ['r2,r1', ['r2', 'r1']],
  ['drafts,r1', ['drafts', 'r1']],
  ['r1,published', ['r1', 'published']],
  // An API version before perspectives (2025-02-19): raw by default, and without versions.
  ['raw@2024-01-01', 'raw'],
  ['@2024-01-01', 'raw'],
  ['@2025-02-19', 'published'],
]

/**
 * Strings that tie, differ in case, order differently as UTF-16 and UTF-8 (U+E000 and up against
 * a surrogate pair), hold a lone surrogate, or look like numbers and ids.
 */
const STRINGS = [
  'zero',
  'zero',
  'one',
  'One',
  'ঢাকা',
  'ঢাকা-র বাজেট',
  '',
  '5',
  'a\uD800',
  '\uFFFF',
  '\uE000x',
  '😀',
  'a',
  'src-1',
  // SQLite's length() stops at a NUL.
  'a\u0000bc',
  '\u0000ঢাকা',
]
const DATES = [
  '2024-01-01',
  '2024-01-01T00:00:00Z',
  '2024-01-01T00:00:00.000Z',
  '2024-06-30T23:59:59Z',
  '2025-01-01T06:00:00+06:00',
  '2025-06-01T10:00:00Z',
  '2026-01-01T00:00:00Z',
  'not a date',
]
const OTHERS: unknown[] = [5, 5, -1.5, 0, 12, true, false, null, {x: 1}, ['zero'], [], undefined]
const VALUES: unknown[] = [...STRINGS, ...DATES.slice(0, 4), ...OTHERS, undefined, undefined]
const IDS = ['a', 'b', 'c', 'd', 'src-1', 'x.y', '_.z']
const LAYERS = ['', '', 'drafts.', 'versions.r1.', 'versions.r2.']
const TYPES = ['article', 'article', 'headline', 'source', 'odd']
const WORDS = ['বাজেট', 'নির্বাচন', 'ঢাকা', 'বন্যা', 'DHAKA', 'Dhaka-র', 'e.g']
const REFERENCES: unknown[] = [
  {_type: 'reference', _ref: 'a'},
  {_type: 'reference', _ref: 'src-1'},
  {_type: 'reference', _ref: 'drafts.b', _weak: true},
  {_type: 'reference', _ref: 'gone', _weak: true},
  {_ref: 5},
  {_ref: ['a']},
  [{_ref: 'a'}],
  'a',
  null,
  undefined,
  undefined,
]

type Pools = {
  pick<T>(items: readonly T[]): T
  chance(p: number): boolean
  int(min: number, max: number): number
}

/** One document's fields, drawn from the pools (fast-check's draws or a seeded filler's). */
function fieldsOf(r: Pools): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    _type: r.pick(TYPES),
    slug: r.pick<unknown>([
      undefined,
      {_type: 'slug', current: r.pick(VALUES)},
      {current: r.pick(STRINGS)},
      'slug-string',
      [{current: 'zero'}],
    ]),
    section: r.pick(VALUES),
    publishedAt: r.chance(0.6) ? r.pick(DATES) : r.pick(VALUES),
    source: r.pick(REFERENCES),
    title: r.chance(0.2)
      ? r.pick(VALUES)
      : `${r.pick(WORDS)} ${r.pick(STRINGS)}${r.chance(0.3) ? ` ${r.pick(WORDS)}` : ''}`,
    text: r.chance(0.8)
      ? Array.from({length: r.int(1, 4)}, () => r.pick(WORDS)).join(' ')
      : undefined,
    body: r.chance(0.7)
      ? [{_type: 'block', children: [{_type: 'span', text: r.pick([...STRINGS, 'ঢাকা ঢাকা'])}]}]
      : r.pick<unknown>([undefined, 'body', []]),
    wordCount: r.pick<unknown>([undefined, 3, 40, 800, '40', null]),
    _createdAt: r.chance(0.9) ? r.pick(DATES.slice(1, 7)) : undefined,
    _updatedAt: r.chance(0.9) ? r.pick(DATES.slice(1, 7)) : r.pick<unknown>([5, undefined]),
  }
  return fields
}

const pools = (draw: (n: number) => number): Pools => ({
  pick: (items) => items[draw(items.length)]!,
  chance: (p) => draw(1000) < p * 1000,
  int: (min, max) => min + draw(max - min + 1),
})

/** fast-check's draws of one document (shrinkable), as indexes into the pools. */
const documentArb = fc
  .record({
    id: fc.constantFrom(...IDS),
    layer: fc.constantFrom(...LAYERS),
    draws: fc.array(fc.nat(), {minLength: 24, maxLength: 24}),
  })
  .map(({id, layer, draws}) => {
    let i = 0
    const fields = fieldsOf(pools((n) => draws[i++ % draws.length] % n))
    return {_id: `${layer}${id}`, ...fields}
  })

/** Hundreds of documents from a seed, some of the time: batches and read-aheads past a page. */
const fillerArb = fc.record({
  count: fc.constantFrom(0, 0, 0, 150, 650),
  seed: fc.nat(),
})

function filler(count: number, seed: number): Record<string, unknown>[] {
  const random = createRandom(seed)
  const docs: Record<string, unknown>[] = []
  for (let i = 0; i < count; i++) {
    const id = `f${String(random.int(0, count)).padStart(4, '0')}`
    docs.push({_id: `${random.pick(LAYERS)}${id}`, ...fieldsOf(random)})
  }
  return docs
}

function toStored(doc: Record<string, unknown>): StoredDocument {
  const out: StoredDocument = {_id: doc._id as string}
  for (const [key, v] of Object.entries(doc)) if (v !== undefined) out[key] = v
  return out
}

const FIELDS = ['slug.current', 'section', 'source._ref', 'publishedAt']
const literal = fc.oneof(
  fc
    .constantFrom(...STRINGS, ...DATES, '2024', '2025-01', 'slug-string')
    .map((s) => JSON.stringify(s)),
  fc.constantFrom('5', '-1.5', '0', '12', 'true', 'false', 'null', '{"x": 1}', '["zero"]', '[]'),
  fc.constantFrom('$str', '$num', '$nul', '$arr', '$obj', '$bool', '$date'),
)
const list = fc.constantFrom(
  '["zero", "One"]',
  '["zero", 5, null]',
  '["ঢাকা", true, -1.5]',
  '[false, "a", "src-1"]',
  '[["zero"], "one"]',
  '[]',
  '$arr',
  '$long',
  '$strs',
  '$obj',
  '$nul',
)
const OPS = ['>', '>=', '<', '<=']

/** One condition of the planner's kinds, or one it must leave to groq-js. */
const atomArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...FIELDS), literal, fc.constantFrom('==', '!=', '=='), fc.boolean())
      .map(([f, v, op, flip]) => (flip ? `${v} ${op} ${f}` : `${f} ${op} ${v}`)),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...FIELDS), literal, fc.constantFrom(...OPS), fc.boolean())
      .map(([f, v, op, flip]) => (flip ? `${v} ${op} ${f}` : `${f} ${op} ${v}`)),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...FIELDS), list).map(([f, l]) => `${f} in ${l}`),
  },
  fc.constantFrom(...FIELDS).map((f) => `defined(${f})`),
  fc
    .tuple(
      fc.constantFrom('title', 'slug.current', 'body[0].children[0].text', 'body', 'section'),
      fc.constantFrom(...OPS),
      fc.constantFrom('0', '1', '2', '4.5', '7', '-1', '12'),
      fc.boolean(),
    )
    .map(([path, op, n, flip]) =>
      flip ? `${n} ${op} length(${path})` : `length(${path}) ${op} ${n}`,
    ),
  fc.constantFrom(
    '_type == "article"',
    '_type in ["article", "headline"]',
    '_type == $num',
    '_type != "odd"',
    '_id == "a"',
    '_id in ["a", "drafts.b", "x.y"]',
    '_id in $ids',
    '_id in path("drafts.**")',
    '_id in path("versions.r1.*")',
    '_id in path("f00*")',
    '_id > "c"',
    '_originalId in path("drafts.**")',
    'sanity::versionOf("a")',
    'sanity::partOfRelease("r1")',
    'sanity::versionOf($nul)',
    'references($str)',
    'references($arr)',
    'references($nul)',
    'references($obj)',
    'references("src-1", "drafts.b")',
    'title match "ঢাকা"',
    'title match "বাজ*"',
    'text match "dhaka"',
    '[title, text] match $word',
    'body[].children[].text match "ঢাকা*"',
    '_createdAt > "2025"',
    '_updatedAt <= $date',
    '_updatedAt > _createdAt',
    'dateTime(_updatedAt) > dateTime($date)',
    'dateTime(publishedAt) < dateTime("2025-01-01T00:00:00Z")',
    'dateTime(publishedAt) >= dateTime(_createdAt)',
    'wordCount > 30',
    'publishedAt > _createdAt',
    'section == slug.current',
    'defined(slug)',
    'true',
    'false',
    'null',
    '$bool',
  ),
)

const filterArb: fc.Arbitrary<string> = fc.letrec<{f: string}>((tie) => ({
  f: fc.oneof(
    {depthSize: 'small', withCrossShrink: true},
    {weight: 4, arbitrary: atomArb},
    fc.tuple(tie('f'), tie('f')).map(([a, b]) => `${a} && ${b}`),
    fc.tuple(tie('f'), tie('f')).map(([a, b]) => `(${a} || ${b})`),
    tie('f').map((a) => `!(${a})`),
  ),
})).f

const KEYS = [
  'publishedAt',
  'section',
  'slug.current',
  'source._ref',
  '_id',
  '_createdAt',
  '_updatedAt',
  'title',
  'length(title)',
]
const orderArb = fc
  .uniqueArray(
    fc.record({key: fc.constantFrom(...KEYS), dir: fc.constantFrom('', ' asc', ' desc')}),
    {minLength: 1, maxLength: 3, selector: (k) => k.key},
  )
  .map((keys) => keys.map((k) => `${k.key}${k.dir}`).join(', '))
const sliceArb = fc.constantFrom(
  '[0...3]',
  '[0]',
  '[2..4]',
  '[98...103]',
  '[100]',
  '[148...152]',
  '[499...503]',
  '[600...700]',
  '[1...1]',
  '[$from...$to]',
  '[$from]',
  '[-3..-1]',
  '[3...1]',
)
const PROJECTIONS = [
  '._id',
  '{_id, _originalId}',
  '{_id, slug, publishedAt, section, "s": source._ref}',
  '{_id, "src": source->_id, "n": length(title)}',
  // Only what the side table keeps: stand-ins built from its keys (objects and arrays read whole).
  '{_id, _type, "s": slug.current, publishedAt, section, "r": source._ref}',
  '.slug.current',
  '{...}',
]

const queryArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(filterArb, fc.constantFrom(...PROJECTIONS))
      .map(([f, p]) => `*[${f}]${p.startsWith('.') ? p : ` ${p}`}`),
  },
  {weight: 2, arbitrary: filterArb.map((f) => `count(*[${f}])`)},
  {
    weight: 4,
    arbitrary: fc
      .tuple(filterArb, orderArb, sliceArb, fc.constantFrom(...PROJECTIONS), fc.boolean())
      .map(
        ([f, order, slice, p, before]) =>
          `*[${f}] | order(${order}) ${before ? `${p} ${slice}` : `${slice} ${p}`}`,
      ),
  },
  fc
    .tuple(filterArb, sliceArb, fc.constantFrom(...PROJECTIONS))
    .map(([f, slice, p]) => `*[${f}] ${slice} ${p}`),
  // A chain of filters, each planned (`*[a][b]`), sliced in view order or ordered.
  fc
    .tuple(filterArb, filterArb, fc.option(orderArb, {nil: undefined}), sliceArb)
    .map(
      ([f, g, order, slice]) =>
        `*[${f}][${g}]${order ? ` | order(${order})` : ''} ${slice} {_id, _originalId}`,
    ),
  fc
    .tuple(fc.constantFrom('article', 'headline', 'source', 'odd', 'none'), filterArb)
    .map(
      ([type, f]) =>
        `{"all": count(*), "t": count(*[_type == "${type}"]), "ts": count(*[_type in ["${type}", "odd"]]), "f": count(*[_type == "${type}" && ${f}])}`,
    ),
  fc
    .tuple(filterArb, fc.constantFrom('ঢাকা', 'বাজেট', 'DHAKA', 'ঢা*', 'e.g'))
    .map(
      ([f, word]) =>
        `*[${f}] | score(title match ${JSON.stringify(word)}, boost(text match ${JSON.stringify(word)}, 2)) [_score > 0] | order(_score desc, _id) [0...5] {_id, _score}`,
    ),
)

const PARAMS = {
  str: 'zero',
  num: 5,
  nul: null,
  arr: ['zero', 'ঢাকা', 5, true, null, 'a'],
  obj: {x: 1},
  bool: true,
  date: '2025-01-01T00:00:00Z',
  from: 98,
  to: 103,
  word: 'ঢাকা',
  ids: ['a', 'drafts.a', 'versions.r1.b', 'x.y', 'f0003', 'f0100'],
  strs: Array.from({length: 300}, (_, i) => (i % 3 ? `s${i}` : STRINGS[i % STRINGS.length])),
  // Past the planner's bound on a hint's values (MAX_HINT_VALUES): groq-js filters alone.
  long: [...Array.from({length: 1100}, (_, i) => `v${i}`), 'zero', 'a', 'src-1', 5, '2024-01-01'],
}

const tally = {compared: 0, bothErrors: 0, inPlace: 0, datasets: 0, documents: 0}

/** The query as the dataset service runs it on the event loop, when it tries that: else null. */
function inPlace(
  store: Store,
  request: QueryRequest,
  principal: Principal,
): (() => Promise<unknown>) | null {
  if (principal === ANONYMOUS) return null
  let tree
  try {
    tree = parseQuery(request.query, request.params)
  } catch {
    return null
  }
  if (!triesInPlace(tree)) return null
  return () => executeQuery(budgeted(store, []), request, principal, env, tree)
}

test('the side table, counts, ordered slices and match answer as groq-js, every caller and perspective', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(documentArb, {minLength: 1, maxLength: 30, selector: (doc) => doc._id}),
      fillerArb,
      fc.array(queryArb, {minLength: 1, maxLength: 4}),
      fc.subarray(PERSPECTIVES, {minLength: 2, maxLength: 4}),
      fc.boolean(),
      async (documents, {count, seed}, queries, perspectives, flush) => {
        const byId = new Map<string, Record<string, unknown>>()
        for (const doc of [...filler(count, seed), ...documents]) byId.set(doc._id as string, doc)
        tally.datasets++
        tally.documents += byId.size
        const store = await memoryStore([...byId.values()].map(toStored) as never)
        // Half the time the full-text index is written; else every document is a candidate.
        if (flush) store.flushSearchIndex()
        try {
          const stored = [...store.scan()] as StoredDocument[]
          // An anonymous caller reads the root path of a public dataset, nothing of a private one.
          const callers: [string, Principal, StoredDocument[]][] = [
            ['signed in', ADMIN, stored],
            ['public', PUBLIC_READER, stored.filter((doc) => !doc._id.includes('.'))],
            ['anonymous', ANONYMOUS, []],
          ]
          const withoutVersions = new Map(
            callers.map(([, , docs]) => [
              docs,
              docs.filter((doc) => !doc._id.startsWith('versions.')),
            ]),
          )
          for (const query of queries) {
            for (const [name, perspective] of perspectives) {
              const [asked, apiVersion = '2025-02-19'] = name.split('@')
              for (const [who, principal, readable] of callers) {
                const visible =
                  apiVersion < '2025-02-19' ? withoutVersions.get(readable)! : readable
                const request = {query, params: PARAMS, perspective: asked || undefined, apiVersion}
                const lake = await outcome(() => executeQuery(store, request, principal, env))
                const groq = await outcome(() =>
                  groqJs(visible, perspective, {query, params: PARAMS, ordered: true}),
                )
                tally.compared++
                if ('error' in lake && 'error' in groq) {
                  tally.bothErrors++
                  if (process.env.SIDETABLE_ERRORS) console.log(lake.error, '<-', query)
                  continue
                }
                expect(lake, `${who} ${name}: ${query}`).toEqual(groq)
                // What the event loop answers in place, within its budget (dataset.ts query).
                const mine = inPlace(store, request, principal)
                if (mine) {
                  const answer = await outcome(mine)
                  if ('error' in answer && answer.error.includes('in-place query over budget')) {
                    continue
                  }
                  tally.inPlace++
                  expect(answer, `in place, ${who} ${name}: ${query}`).toEqual(groq)
                }
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
  if (process.env.SIDETABLE_RUNS) console.log(tally)
}, 600_000)
