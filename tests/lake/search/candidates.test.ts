/**
 * The full-text index only narrows: for every query the planner hands it, the documents it finds
 * must include every document groq-js (or text::query) matches. Property-tested over hostile text
 * and patterns (case, `.` and `*` inside terms, quotes, dashes, Bengali, digits), plus the hints the
 * planner derives.
 */
import fc from 'fast-check'
import {evaluate, parse} from 'groq-js'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {getPublishedId, isValidId} from '../../../lake/core/ids.ts'
import {planQuery} from '../../../lake/core/plan.ts'
import {encodeMatchText} from '../../../lake/core/searchText.ts'
import {parseQuery, runQuery} from '../../../lake/core/query.ts'
import {textQueryMatchOf} from '../../../lake/core/textQueryRewrite.ts'
import type {CommittedTransaction, SanityDocument} from '../../../lake/core/types.ts'
import {createSqliteStore, type SqliteStore} from '../../../lake/store/sqliteStore.ts'
import {REF_MARK, refTerm, searchCondition} from '../../../lake/store/searchIndex.ts'
import {STUDIO_SEARCH} from '../../../bench/queries.ts'

const PIECES = ['a', 'B', 'dh', 'AKA', 'ঢাকা', 'বৈঠক', 'ের', '১২', '12', 'ß', 'İ', 'ſ', 'k', 'K']
const SEPARATORS = [' ', '.', '..', '-', "'", '‘', '’', '“', '—', '।', '*', ',', '_', '']

/** Pieces of ids: hex as in a UUID, case, digits, a word a query may share with text. */
const ID_PIECES = ['a', 'B', 'dh', 'AKA', '12', '9d20779b', 'f56a', 'k', 'K', 'drafts']

const text = fc
  .array(fc.tuple(fc.constantFrom(...PIECES), fc.constantFrom(...SEPARATORS)), {maxLength: 6})
  .map((parts) => parts.map(([p, s]) => p + s).join(''))

let store: SqliteStore
let seq = 0

beforeAll(() => {
  store = createSqliteStore(':memory:', 'candidates')
})

afterAll(() => store.close())

/** Commits `doc`'s change from `before` to `after`, then fills the index. */
async function write(id: string, before: SanityDocument | null, after: SanityDocument | null) {
  await store.transact((writer) =>
    writer.commit({
      id: `tx-${++seq}`,
      dataset: 'candidates',
      timestamp: new Date(Date.UTC(2025, 0, 1) + seq).toISOString(),
      identity: 'test',
      changes: [{id, before, after, mutations: [], effects: {apply: [], revert: []}}],
    } as CommittedTransaction),
  )
  // Queued documents are candidates of every search: fill the index so it is what is tested.
  store.flushSearchIndex()
}

const put = (doc: SanityDocument) => write(doc._id, null, doc)
const remove = (doc: SanityDocument) => write(doc._id, doc, null)

/** The stored ids the planner's hint lets through for a query. */
function candidates(query: string, params: Record<string, unknown>): string[] {
  const plan = planQuery(parseQuery(query, params))
  return [...store.scan(plan.hint ?? {})].map((doc) => doc._id)
}

describe('match candidates are a superset of groq-js', () => {
  test('for any title and pattern', async () => {
    await fc.assert(
      fc.asyncProperty(text, text, async (title, pattern) => {
        const id = `doc-${++seq}`
        const doc = {_id: id, _type: 'article', title} as SanityDocument
        await put(doc)
        const query = '*[title match $p]._id'
        const expected = await (
          await evaluate(parse(query, {params: {p: pattern}}), {
            dataset: [doc],
            params: {p: pattern},
          })
        ).get()
        if ((expected as string[]).includes(id)) {
          expect(candidates(query, {p: pattern}), JSON.stringify({title, pattern})).toContain(id)
        }
      }),
      {numRuns: 300},
    )
  })

  test("for any id and pattern over the document's own id, in every perspective", async () => {
    // The index leaves the document's own id out (searchIndex.ts): `_id` and `_originalId`
    // conditions find it in the documents' id index, as stored (raw) and as the drafts and
    // release views show it (the published id).
    const idPart = fc
      .array(fc.tuple(fc.constantFrom(...ID_PIECES), fc.constantFrom('.', '-', '_', '')), {
        minLength: 1,
        maxLength: 5,
      })
      .map((parts) => parts.map(([p, s]) => p + s).join(''))
    const id = fc
      .tuple(fc.constantFrom('', 'drafts.', 'versions.r1.'), idPart)
      .map(([prefix, rest]) => prefix + rest)
      .filter((id) => isValidId(id))
    const pattern = fc.oneof(
      text,
      idPart,
      idPart.map((p) => `${p}*`),
    )
    await fc.assert(
      fc.asyncProperty(id, pattern, async (id, p) => {
        const doc = {_id: id, _type: 'article', title: 'ঢাকা'} as SanityDocument
        const seen = {...doc, _id: getPublishedId(id), _originalId: id}
        await put(doc)
        try {
          for (const query of [
            '*[_id match $p]._id',
            '*[_originalId match $p]._id',
            '*[[title, _id] match $p]._id',
            '*[[@, _id] match text::query($p)]._id',
            '*[_id match text::query($p)]._id',
            '*[title match "ঢাকা" && _id match $p]._id',
          ]) {
            const params = {p}
            const raw = (await runQuery(query, [doc], {params})) as string[]
            const viewed = (await runQuery(query, [seen], {params})) as string[]
            if (raw.length || viewed.length) {
              expect(candidates(query, params), JSON.stringify({query, id, p})).toContain(id)
            }
          }
        } finally {
          await remove(doc)
        }
      }),
      {
        numRuns: 300,
        examples: [
          // A piece after `-`, a word after `_`, case, a token spanning a dot of the published id.
          ['ab-cd', 'cd'],
          ['a_bc', 'bc'],
          ['AbC-12', 'abc*'],
          ['drafts.x.y-z', 'xy'],
          ['versions.r1.9d20779b-f56a', 'f56a'],
        ],
      },
    )
  })

  test("a term found in an id still needs the query's other terms", async () => {
    // Typing "dhaka b": every id with a piece starting with b is no candidate for that alone.
    const docs = [
      {_id: 'b7-c1', _type: 'article', title: 'ঢাকা'},
      {_id: 'dhaka-b8', _type: 'article', title: 'x'},
      {_id: 'd9', _type: 'article', title: 'Dhaka b9'},
    ] as SanityDocument[]
    for (const doc of docs) await put(doc)
    try {
      const query = '*[[@, _id] match text::query($q)]._id'
      const found = candidates(query, {q: 'dhaka b*'}).filter((id) => /^[bd]\d|^dhaka-/.test(id))
      expect(found.sort()).toEqual(['d9', 'dhaka-b8'])
      expect(await runQuery(query, docs, {params: {q: 'dhaka b*'}})).toEqual(['dhaka-b8', 'd9'])
    } finally {
      for (const doc of docs) await remove(doc)
    }
  })

  test('for booleans and numbers, which text::query reads as their text', async () => {
    // groq-js's string() and array::join() give a boolean or number its text (`${value}`: 1e+21,
    // 0.1, 0 for -0, 1e-7), which the rewritten text::query searches; its `match` reads strings
    // alone. A document found either way must be a candidate, wherever the value sits.
    const scalar = fc.oneof(
      fc.boolean(),
      fc.integer(),
      fc.double({noNaN: true, noDefaultInfinity: true}),
      fc.constantFrom(1e21, 0.1, -0, 1e-7, -5, 2.5e-8, 2 ** 70, 1e20),
    )
    const value = fc.oneof(
      {weight: 3, arbitrary: scalar},
      {weight: 1, arbitrary: fc.constant(null)},
      {
        weight: 2,
        arbitrary: fc.array(fc.oneof(scalar, fc.constantFrom('Dhaka', 'ঢাকা')), {maxLength: 3}),
      },
      {weight: 1, arbitrary: fc.record({flag: scalar, text: fc.constantFrom('Dhaka', 'x')})},
    )
    const textsOf = (v: unknown): string[] =>
      typeof v === 'boolean' || typeof v === 'number'
        ? [`${v}`]
        : Array.isArray(v)
          ? v.flatMap(textsOf)
          : v && typeof v === 'object'
            ? Object.values(v).flatMap(textsOf)
            : []
    const queryOf = (v: unknown) =>
      fc.constantFrom(
        'true',
        'fals*',
        '0',
        ...textsOf(v).flatMap((t) => {
          const words = t.split(/[^0-9A-Za-z]+/).filter(Boolean)
          return [t, ...words, ...words.map((w) => `${w.slice(0, 1)}*`)]
        }),
      )
    await fc.assert(
      fc.asyncProperty(
        value.chain((v) => fc.tuple(fc.constant(v), queryOf(v))),
        async ([v, q]) => {
          const id = `scalar-${++seq}`
          const doc = {
            _id: id,
            _type: 'article',
            title: v,
            meta: {flag: v, list: [v]},
            _hidden: v,
          } as SanityDocument
          await put(doc)
          try {
            for (const query of [
              '*[title match text::query($q)]._id',
              '*[meta.flag match text::query($q)]._id',
              '*[meta.list[0] match text::query($q)]._id',
              '*[_hidden match text::query($q)]._id',
              '*[[title, meta.flag] match text::query($q)]._id',
              '*[title[] match text::query($q)]._id',
              '*[@ match text::query($q)]._id',
              '*[title match $q]._id',
              '*[_type == "article"] | score(title match text::query($q)) [_score > 0]._id',
            ]) {
              const found = (await runQuery(query, [doc], {params: {q}})) as string[]
              if (found.length) {
                expect(candidates(query, {q}), JSON.stringify({query, v, q})).toContain(id)
              }
            }
          } finally {
            await remove(doc)
          }
        },
      ),
      {
        numRuns: 300,
        examples: [
          [[true, 'true']],
          [[false, 'fals*']],
          [[1e21, '1e']],
          [[0.1, '0.1']],
          [[-0, '0']],
          [[[7, 'Dhaka'], '7']],
        ],
      },
    )
  })

  test("for an image's crop and hotspot numbers, which a text::query of them reads", async () => {
    // The Studio's image input writes them (sanity.imageCrop, sanity.imageHotspot), full doubles
    // once edited: 8 terms a document the index could leave out, but `leadImage.hotspot.x match
    // text::query("0.4867256637168142")` reads the number as its text, as any number's.
    const doc = {
      _id: 'image-numbers',
      _type: 'article',
      leadImage: {
        _type: 'leadImage',
        asset: {_type: 'reference', _ref: 'image-abc-1600x900-jpg'},
        crop: {_type: 'sanity.imageCrop', top: 0.12389380530973451, bottom: 0, left: 0, right: 0},
        hotspot: {_type: 'sanity.imageHotspot', x: 0.4867256637168142, y: 0.5, height: 1, width: 1},
      },
    } as SanityDocument
    await put(doc)
    try {
      for (const [query, q] of [
        ['*[leadImage.hotspot.x match text::query($q)]._id', '0.4867256637168142'],
        ['*[leadImage.crop.top match text::query($q)]._id', '12389380530973451'],
        ['*[leadImage.hotspot.x match text::query($q)]._id', '48672*'],
      ]) {
        expect(await runQuery(query, [doc], {params: {q}}), query).toEqual([doc._id])
        expect(candidates(query, {q}), query).toContain(doc._id)
      }
    } finally {
      await remove(doc)
    }
  })

  test('across Portable Text spans joined by pt::text', async () => {
    const doc = {
      _id: 'pt-joined',
      _type: 'article',
      body: [
        {
          _type: 'block',
          children: [
            {_type: 'span', text: 'বৈঠ'},
            {_type: 'span', text: 'ক'},
          ],
        },
      ],
    } as SanityDocument
    await put(doc)
    expect(candidates('*[pt::text(body) match "বৈঠক"]._id', {})).toContain('pt-joined')
  })
})

describe('planner hints', () => {
  const hintOf = (query: string, params: Record<string, unknown> = {}) =>
    planQuery(parseQuery(query, params)).hint

  test('match and text::query on the document narrow by the index', () => {
    expect(hintOf('*[title match "ঢাকা*"]')?.search).toBeDefined()
    expect(hintOf('*[[title, summary] match text::query($q)]', {q: 'বৈঠক'})?.search).toBeDefined()
    expect(hintOf('*[_type == "a" && pt::text(body) match text::query("x")]')).toMatchObject({
      types: ['a'],
    })
  })

  test('conditions the index cannot decide do not narrow', () => {
    // A negation, a pattern from the document, a dereference, a wildcard-only term.
    expect(hintOf('*[!(title match "x")]')?.search).toBeUndefined()
    expect(hintOf('*["x" match title]')?.search).toBeUndefined()
    expect(hintOf('*[source->name match "x"]')?.search).toBeUndefined()
    expect(hintOf('*[title match "*x"]')?.search).toBeUndefined()
    expect(hintOf('*[title match text::query("-x")]')?.search).toBeUndefined()
    expect(hintOf('*[_key match text::query("x")]')?.search).toBeUndefined()
  })

  test('a match through a key the index leaves out does not narrow, and answers as groq-js', async () => {
    // The index keeps no token of a string under a skipped key (a reference's id, a block's key,
    // a revision, a system time: searchText.ts SKIPPED_KEYS), so no such match may narrow by it.
    const doc = {
      _id: 'skipped-keys',
      _type: 'article',
      _rev: 'Xq3kd8fJ2pLm',
      _updatedAt: '2026-12-05T10:16:00Z',
      title: 'বৈঠক',
      source: {_type: 'reference', _ref: '61282ec0-9198-4886-a223-a0aeac606760'},
      body: [{_type: 'block', _key: 'b7e1c0ffee42', children: [{_type: 'span', text: 'ঢাকা'}]}],
    } as SanityDocument
    await put(doc)
    for (const query of [
      '*[_rev match "xq3kd8fj2plm"]._id',
      '*[_updatedAt match "2026*"]._id',
      '*[source._ref match "61282ec0"]._id',
      '*[body[]._key match "b7e1c0ffee42"]._id',
      '*[[title, source._ref] match "a0aeac606760"]._id',
      '*[source["_ref"] match "a223"]._id',
    ]) {
      expect(hintOf(query)?.search, query).toBeUndefined()
      const expected = await (await evaluate(parse(query), {dataset: [doc]})).get()
      expect(expected, query).toEqual(['skipped-keys'])
      expect(candidates(query, {}), query).toContain('skipped-keys')
    }
  })

  test('references() finds the documents naming that id, not those naming its pieces', async () => {
    // The refs column named a UUID by its five pieces, each looked up: a document whose other
    // references held them all was a candidate too.
    const id = '0f8b5c1e-3a7d-4e2b-9c61-5d4e3f2a1b0c'
    await put({_id: 'names-id', _type: 'article', a: {_ref: id}} as SanityDocument)
    await put({
      _id: 'names-pieces',
      _type: 'article',
      a: {_ref: '0f8b5c1e-3a7d-4e2b'},
      b: {_ref: '9c61-5d4e3f2a1b0c'},
    } as SanityDocument)
    const search = {column: 'refs', text: id} as const
    expect(store.countSearched(search, 100)).toBe(1)
    expect(candidates('*[references($id) || title match "x"]._id', {id})).toEqual(['names-id'])
  })

  test('each column is looked up alone, though the index keeps no column lists', async () => {
    // A reference's term as another document's title; a `match` token that is no search key
    // (Bengali digits with a danda: its key is `1971`), as a title and as a body's word.
    const target = 'source-apart'
    await put({_id: 'apart-ref', _type: 'article', source: {_ref: target}} as SanityDocument)
    await put({_id: 'apart-word', _type: 'article', title: refTerm(target)} as SanityDocument)
    await put({_id: 'apart-token', _type: 'article', title: '১৯৭১।'} as SanityDocument)
    expect(candidates('*[references($t)]._id', {t: target})).toEqual(['apart-ref'])
    expect(candidates('*[title match $w]._id', {w: refTerm(target)})).toEqual(['apart-word'])
    expect(candidates('*[title match "১৯৭১।"]._id', {})).toEqual(['apart-token'])
    expect(candidates('*[title match "১৯৭১।*"]._id', {})).toEqual(['apart-token'])
    expect(candidates('*[title match text::query("1971")]._id', {})).toEqual(['apart-token'])
    expect(candidates('*[title match text::query("১৯৭১")]._id', {})).toEqual(['apart-token'])
  })

  test("the Studio's scored search narrows to text hits or references", () => {
    const hint = hintOf(
      `*[_type in $t] | score(boost(_type in ["article"] && title match text::query($q), 10),
        ([@, _id] match text::query($q) || references($r))) [_score > 0] {_id}`,
      {t: ['article'], q: 'বৈঠক*', r: 'বৈঠক'},
    )
    expect(hint?.types).toEqual(['article'])
    expect(hint?.search).toMatchObject({any: expect.any(Array)})
  })

  test("the Studio's search looks each distinct alternative up once", () => {
    // The word once per field, and as written beside its prefix form (which finds it too).
    const hint = hintOf(STUDIO_SEARCH, {
      __types: ['article', 'headline', 'source'],
      __query: 'নির্বা*',
      __rawQuery: 'নির্বা',
      __limit: 26,
    })
    // And the documents with a stored _score (the index's head for it): score() starts there.
    const storedScore = `("\u0964\u0964${encodeMatchText('_score')}")`
    expect(searchCondition(hint!.search!)!.params).toEqual([
      `(("নির্বা"*) OR ("${REF_MARK}${refTerm('নির্বা')}") OR ${storedScore})`,
    ])
    const word = {column: 'words', text: 'ঢাকা'} as const
    expect(searchCondition({any: [{all: [word, word]}, word]})!.params).toEqual([
      '((("ঢাকা") AND ("ঢাকা")) OR ("ঢাকা"))',
    ])
  })

  test('score() without [_score > 0] does not narrow', () => {
    expect(hintOf('*[_type == "a"] | score(title match "x")')?.search).toBeUndefined()
  })

  test('the rewrite marks each text::query match for the planner', () => {
    const tree = parseQuery('*[title match text::query("x")]') as unknown as {expr: unknown}
    expect(textQueryMatchOf(tree.expr)).toMatchObject({query: 'x'})
  })
})
