/**
 * The analyzer reads stored bodies as SQLite keeps them (JSONB) and walks them for the index
 * without json() and JSON.parse (lake/store/searchIndexJsonb.ts). Whatever the body, what it
 * indexes must be exactly what the index made of JSON.parse(json(body)): the same calls of
 * indexedText in the same order, and the same columns, heads included. JSON.parse's own rules
 * count: array-index keys listed first, a repeated key in its first place with its last value,
 * `__proto__` a key like another, escapes (`\u` of Bengali, of surrogates, lone ones), numbers
 * past a double. Where the walk cannot give that, it says so (JsonbFallback) and the analyzer reads
 * the text: its analyses are then the same too.
 */
import {DatabaseSync, type StatementSync} from 'node:sqlite'
import fc from 'fast-check'
import {describe, expect, test, vi} from 'vitest'
import {indexedText, type IndexedTextSink} from '../../../lake/core/searchText.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {
  analyzeQueued,
  indexedColumns,
  indexedColumnsOfJsonb,
} from '../../../lake/store/searchIndex.ts'
import {JsonbFallback, jsonbIndexedText} from '../../../lake/store/searchIndexJsonb.ts'
import {NEWSROOM} from './newsroom.ts'

const db = new DatabaseSync(':memory:')
// The store's documents table but for its generated columns, which refuse a body no JSON reads.
db.exec(`CREATE TABLE documents (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body BLOB,
    rev TEXT);
  CREATE TABLE search_queue (id TEXT PRIMARY KEY) WITHOUT ROWID;`)
const statements = new Map<string, StatementSync>()
const stmt = (sql: string) => {
  let statement = statements.get(sql)
  if (!statement) statements.set(sql, (statement = db.prepare(sql)))
  return statement
}

/** JSON text as the store keeps it: jsonb() of it, as commitRows.ts writes a body. */
const jsonbOf = (json: string) => stmt('SELECT jsonb(?) AS body').get(json)!.body as Uint8Array
/** The document the index was made of before: JSON.parse(json(body)). */
const parsedOf = (body: Uint8Array) =>
  JSON.parse(stmt('SELECT json(?) AS text').get(body)!.text as string) as SanityDocument

type Call = ['text', string, boolean] | ['scalar', string] | ['ref', string]
function recorder(): {sink: IndexedTextSink; calls: Call[]} {
  const calls: Call[] = []
  return {
    calls,
    sink: {
      text: (text, words) => calls.push(['text', text, words]),
      scalar: (text) => calls.push(['scalar', text]),
      ref: (id) => calls.push(['ref', id]),
    },
  }
}

/** The columns (or the error) of an analysis, as searchIndex.ts analyzeBody reports it. */
function analysisOf(doc: () => SanityDocument) {
  try {
    return {columns: indexedColumns(doc())}
  } catch (err) {
    return {error: err instanceof Error ? `${err.name}: ${err.message}` : String(err)}
  }
}

// JSON text, written the ways it can reach jsonb(): escapes where none are needed, keys twice.
const UNITS = [
  'নির্বাচন',
  'বৈঠকে',
  'ঢাকা',
  'য়',
  'ড়',
  'ক্ষ',
  '৳১২',
  '\u200C',
  '\u200D',
  'Dhaka',
  'e.g.',
  'a-b',
  '"',
  '\\',
  '/',
  '\n',
  '\t',
  '\u0000',
  '\u2028',
  '😀',
  '\uD800',
  '\uDC00',
  'İ',
  'ß',
  ' ',
  '  ',
]
const string = fc.oneof(
  fc.array(fc.constantFrom(...UNITS), {maxLength: 8}).map((units) => units.join('')),
  fc.string({unit: 'grapheme', maxLength: 8}),
  fc.string({unit: 'binary', maxLength: 6}),
)

/** `value` as a JSON string literal, the units `mask` picks written as \u escapes. */
function literal(value: string, mask: number): string {
  if (mask === 0) return JSON.stringify(value)
  let out = '"'
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i)
    if ((mask >>> (i % 31)) & 1 || unit < 0x20 || (unit >= 0xd800 && unit <= 0xdfff))
      out += `\\u${unit.toString(16).padStart(4, '0')}`
    else if (value[i] === '"' || value[i] === '\\') out += `\\${value[i]}`
    else if (value[i] === '/' && mask & 2) out += '\\/'
    else out += value[i]
  }
  return `${out}"`
}
const masks = fc.oneof(
  {arbitrary: fc.constant(0), weight: 3},
  {arbitrary: fc.integer({min: 0, max: 0x7fffffff}), weight: 1},
)
const stringText = fc.tuple(string, masks).map(([value, mask]) => literal(value, mask))

const KEYS = [
  '_type',
  'children',
  'text',
  '_ref',
  '_key',
  '_weak',
  '_rev',
  '_createdAt',
  '_id',
  '_score',
  'marks',
  'title',
  '__proto__',
  'constructor',
  '0',
  '1',
  '10',
  '01',
  '-1',
  'শিরোনাম',
  'a b',
  '',
]
// Mostly keys the walk reads itself; an escaped, array-index or non-ASCII key sends it to the text.
const key = fc.oneof(
  {
    arbitrary: fc.constantFrom(...KEYS.slice(0, 13)).map((name) => JSON.stringify(name)),
    weight: 12,
  },
  {
    arbitrary: fc.tuple(fc.constantFrom(...KEYS), masks).map(([name, mask]) => literal(name, mask)),
    weight: 1,
  },
)

const number = fc.oneof(
  fc.integer().map(String),
  fc.double({noNaN: true, noDefaultInfinity: true}).map((n) => JSON.stringify(n)),
  fc.bigInt({min: -(10n ** 30n), max: 10n ** 30n}).map(String),
  fc.constantFrom('-0', '1e400', '-1e400', '0.5e-3', '1E5', '1.0', '12345678901234567890123'),
)
// JSON5, which jsonb() takes too (json() writes it as JSON).
const json5 = fc.constantFrom(
  `"\\x41\\'"`,
  "'single'",
  '0x1F',
  '.5',
  '+1',
  'Infinity',
  'NaN',
  '"a\\\nb"',
)
const scalar = fc.oneof(
  {arbitrary: stringText, weight: 20},
  {arbitrary: number, weight: 6},
  {arbitrary: fc.constantFrom('true', 'false', 'null'), weight: 3},
  {arbitrary: json5, weight: 1},
)

/** An object's entries: mostly each key once, sometimes one twice (JSON.parse keeps the last). */
const entries = (values: fc.Arbitrary<string>, maxLength: number) =>
  fc.oneof(
    {
      arbitrary: fc.uniqueArray(fc.tuple(key, values), {selector: ([name]) => name, maxLength}),
      weight: 4,
    },
    {arbitrary: fc.array(fc.tuple(key, values), {maxLength}), weight: 1},
  )
const object = (entries: [string, string][]) =>
  `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`
const {value} = fc.letrec<{
  value: string
  array: string
  object: string
  block: string
  span: string
}>((tie) => ({
  value: fc.oneof(
    {depthSize: 'small', withCrossShrink: true},
    scalar,
    tie('array'),
    tie('object'),
    tie('block'),
  ),
  array: fc.array(tie('value'), {maxLength: 4}).map((items) => `[${items.join(',')}]`),
  object: entries(tie('value'), 5).map(object),
  // Portable Text: a block of spans (some not spans, or spans with keys of their own).
  block: fc
    .record({
      type: fc.oneof(stringText, fc.constant('"block"'), number),
      children: fc.array(fc.oneof(tie('span'), tie('span'), tie('value')), {maxLength: 3}),
      extra: entries(tie('value'), 2),
      typeLast: fc.boolean(),
    })
    .map(({type, children, extra, typeLast}) => {
      const entries: [string, string][] = [['"children"', `[${children.join(',')}]`], ...extra]
      return object(typeLast ? [...entries, ['"_type"', type]] : [['"_type"', type], ...entries])
    }),
  span: fc
    .record({
      type: fc.oneof(
        fc.constant('"span"'),
        fc.constant('"span"'),
        fc.constant('"sp\\u0061n"'),
        stringText,
      ),
      text: fc.oneof(stringText, stringText, number),
      extra: entries(tie('value'), 2),
    })
    .map(({type, text, extra}) => object([['"_type"', type], ['"text"', text], ...extra])),
}))

/** A document's text: an `_id` (a draft's, a version's; rarely none or no string) and attributes. */
const documentText = fc
  .record({
    id: fc.oneof(
      {
        arbitrary: fc.constantFrom('"a"', '"drafts.a"', '"versions.r1.a"', '"drafts.\\u0061"'),
        weight: 6,
      },
      {arbitrary: stringText, weight: 3},
      {arbitrary: fc.constantFrom('1', 'null', '{}'), weight: 1},
    ),
    idFirst: fc.boolean(),
    // Another `_id` in a few.
    entries: fc.oneof(
      {
        arbitrary: entries(value, 6).map((list) => list.filter(([name]) => name !== '"_id"')),
        weight: 6,
      },
      {arbitrary: entries(value, 6), weight: 1},
    ),
  })
  .map(({id, idFirst, entries}) =>
    object(idFirst ? [['"_id"', id], ...entries] : [...entries, ['"_id"', id]]),
  )

/** Documents as the lake writes them: JSON.stringify's text of an object. */
const storedText = documentText.map((text) => {
  try {
    return JSON.stringify(JSON.parse(text) as unknown)
  } catch {
    return text
  }
})

describe('the index walk over stored JSONB', () => {
  test('gives indexedText the calls JSON.parse(json(body)) gives it, or says it cannot', () => {
    let walked = 0
    let fellBack = 0
    fc.assert(
      fc.property(fc.oneof(documentText, storedText), (text) => {
        const body = jsonbOf(text)
        const doc = parsedOf(body)
        const actual = recorder()
        try {
          jsonbIndexedText(body, actual.sink, {string: () => {}, other: () => {}})
        } catch (err) {
          if (!(err instanceof JsonbFallback)) throw err
          fellBack++
          return
        }
        walked++
        const expected = recorder()
        indexedText(doc, expected.sink, true, true)
        expect(actual.calls).toEqual(expected.calls)
      }),
      {numRuns: 3000},
    )
    // A third or more were walked, not read as text: the walk was checked.
    expect(walked).toBeGreaterThan(fellBack / 2)
  })

  test('makes the columns of JSON.parse(json(body)), heads included, or says it cannot', () => {
    // A string set by SQL (jsonb_set) is kept raw (TEXTRAW), and so is the key it makes.
    const setBySql = fc.option(
      fc.tuple(fc.constantFrom('$.extra', '$.title', '$._type', '$.children', '$."২"'), string),
    )
    fc.assert(
      fc.property(fc.oneof(documentText, storedText), setBySql, (text, set) => {
        const body = set
          ? (stmt('SELECT jsonb_set(jsonb(?), ?, ?) AS body').get(text, ...set)!.body as Uint8Array)
          : jsonbOf(text)
        let columns
        try {
          columns = indexedColumnsOfJsonb(body)
        } catch (err) {
          if (err instanceof JsonbFallback) return
          throw err
        }
        expect(columns).toEqual(indexedColumns(parsedOf(body)))
      }),
      {numRuns: 3000},
    )
  })

  test("the analyzer's analyses are those of JSON.parse(json(body)), whichever way it read them", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(documentText, storedText), {minLength: 1, maxLength: 8}),
        (texts) => {
          db.exec('DELETE FROM documents; DELETE FROM search_queue')
          texts.forEach((text, i) => {
            stmt('INSERT INTO documents (id, body) VALUES (?, jsonb(?))').run(`d${i}`, text)
            stmt('INSERT INTO search_queue (id) VALUES (?)').run(`d${i}`)
          })
          const analysed = analyzeQueued(stmt, '', 100)
          expect(analysed.map(({id}) => id)).toEqual(texts.map((_, i) => `d${i}`).sort())
          for (const {id, analysis} of analysed) {
            const {body} = stmt('SELECT body FROM documents WHERE id = ?').get(id) as {
              body: Uint8Array
            }
            expect(analysis).toEqual(analysisOf(() => parsedOf(body)))
          }
        },
      ),
      {numRuns: 500},
    )
  })

  test("reads the newsroom's documents without the text, to the same columns", () => {
    for (const doc of NEWSROOM) {
      const body = jsonbOf(
        JSON.stringify({...doc, _rev: 'r1', _createdAt: '2025-01-01T00:00:00Z', _score: 1}),
      )
      expect(indexedColumnsOfJsonb(body)).toEqual(indexedColumns(parsedOf(body)))
    }
  })

  test("names a number's words once however often the body repeats it, in an array or not", () => {
    // Sets cannot see a repeat: the words column is compared as a list.
    const words = (doc: object) =>
      indexedColumnsOfJsonb(jsonbOf(JSON.stringify(doc)))
        .words.split(' ')
        .sort()
    const long = fc.double({min: 0, max: 1, noNaN: true})
    fc.assert(
      fc.property(long, fc.array(long, {minLength: 1, maxLength: 4}), (top, list) => {
        const doc = {_id: 'a', _type: 'image', crop: {top}, list}
        const repeated = {...doc, crop: {top, bottom: top}, list: [...list, ...list]}
        expect(words(repeated)).toEqual(words(doc))
      }),
      {numRuns: 300},
    )
  })

  test('a body that is no JSONB is read as text, as before (SQLite says why)', () => {
    db.exec('DELETE FROM documents; DELETE FROM search_queue')
    // A size past the body's end; a reserved element type; a text body of an older lake.
    const bodies: [string, Uint8Array | string][] = [
      ['a', Buffer.from([0xcc, 0x05])],
      ['b', Buffer.from([0x1c, 0x0d])],
      ['c', '{"_id":"c","title":"বৈঠক"}'],
    ]
    for (const [id, body] of bodies) {
      stmt('INSERT INTO documents (id, body) VALUES (?, ?)').run(id, body)
      stmt('INSERT INTO search_queue (id) VALUES (?)').run(id)
    }
    expect(() => indexedColumnsOfJsonb(Buffer.from([0xcc, 0x05]))).toThrow(JsonbFallback)
    expect(analyzeQueued(stmt, '', 100).map(({analysis}) => analysis)).toEqual([
      {error: 'Error: malformed JSON'},
      {error: 'Error: malformed JSON'},
      {columns: indexedColumns({_id: 'c', title: 'বৈঠক'} as unknown as SanityDocument)},
    ])
  })

  test("a Node without Buffer's undocumented utf8Slice walks to the same columns", async () => {
    const proto = Buffer.prototype as unknown as {utf8Slice?: unknown}
    const own = proto.utf8Slice
    delete proto.utf8Slice
    try {
      vi.resetModules()
      const walk = await import('../../../lake/store/searchIndex.ts')
      for (const doc of NEWSROOM) {
        const body = jsonbOf(
          JSON.stringify({...doc, _rev: 'r1', _createdAt: '2025-01-01T00:00:00Z'}),
        )
        expect(walk.indexedColumnsOfJsonb(body)).toEqual(indexedColumns(parsedOf(body)))
      }
    } finally {
      proto.utf8Slice = own
      vi.resetModules()
    }
  })
})
