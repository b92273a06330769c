/**
 * The `fields` side table: per stored document its `_type` and a few common attributes, each as
 * an order key that SQLite compares exactly as GROQ's order() and comparison operators do. Filters,
 * counts and order() over these fields run on small rows and indexes, never parsing a body.
 *
 * Key encoding (one SQLite value per field; SQLite orders numbers < text < blobs):
 * - numbers as numbers;
 * - strings as text whose UTF-8 (code point) order equals GROQ's UTF-16 code unit order: code
 *   units U+D800…U+FFFF move to U+10000…U+137FF (an order-preserving, invertible map);
 * - false x'00', true x'01', null or missing x'02', objects and arrays x'03' (GROQ ranks all of
 *   null, missing, objects and arrays equal; callers treat x'02' and x'03' as a tie).
 */
import type {DatabaseSync, SQLInputValue} from 'node:sqlite'
import {strongTarget} from '../core/references.ts'
import type {Condition, SearchHint, Selection} from '../core/store.ts'

export interface IndexedField {
  path: readonly string[]
  column: string
}

/**
 * Newsroom attributes most front-page queries filter or order by. The side table's columns come
 * in this order after `id` and `type`, then the LENGTH_FIELDS.
 */
export const INDEXED_FIELDS: readonly IndexedField[] = [
  {path: ['slug', 'current'], column: 'slug'},
  {path: ['publishedAt'], column: 'published_at'},
  {path: ['section'], column: 'section'},
  {path: ['source', '_ref'], column: 'source'},
]

/**
 * Attributes whose GROQ `length()` the side table keeps (groqLength: NULL where GROQ's is null),
 * so `length(title) > $n` over the archive reads small integers instead of the titles. The titles
 * themselves were a copy of 4 % of the data file, read by nothing else that needs them fast.
 */
export const LENGTH_FIELDS: readonly IndexedField[] = [{path: ['title'], column: 'title_length'}]

/** The side table's columns after id and type (fieldKeys' values). */
const FIELD_COLUMNS = [...INDEXED_FIELDS, ...LENGTH_FIELDS].map((f) => f.column)

/** The side table as migration 4 created it (migrations never change; TITLE_LENGTH_MIGRATION drops the title). */
const FIELDS_AT_MIGRATION_4: readonly IndexedField[] = [
  {path: ['title'], column: 'title'},
  ...INDEXED_FIELDS,
]

export const FIELDS_SCHEMA = `
  CREATE TABLE fields (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    ${FIELDS_AT_MIGRATION_4.map((f) => `${f.column} NOT NULL DEFAULT x'02'`).join(',\n    ')}
  ) WITHOUT ROWID;
  CREATE INDEX fields_slug ON fields (slug);
  CREATE INDEX fields_type_published ON fields (type, published_at);
  CREATE INDEX fields_section_published ON fields (section, published_at);
  CREATE INDEX fields_source_published ON fields (source, published_at);
`

/** The id prefixes of type_counts' layers 1 and 2 (layer 0 is every other id). */
const LAYER_PREFIXES = ['drafts.', 'versions.']

/**
 * Stored documents per `_type` and layer (0 published, 1 `drafts.`, 2 `versions.`), kept in the
 * same transaction as every write, so `count(*[_type == …])` in the raw and published
 * perspectives reads a few rows instead of an index range of the archive (docs/query-engine.md).
 * The migration as released: its triggers are dropped by the next one (TYPE_COUNTS_BY_WRITER).
 */
export const TYPE_COUNTS_SCHEMA = `
  CREATE TABLE type_counts (
    type TEXT NOT NULL,
    layer INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (type, layer)
  ) WITHOUT ROWID;
  INSERT INTO type_counts (type, layer, n)
    SELECT type, ${layerOf('id')}, count(*) FROM fields GROUP BY 1, 2;
  CREATE TRIGGER fields_counted AFTER INSERT ON fields BEGIN
    INSERT INTO type_counts (type, layer, n) VALUES (new.type, ${layerOf('new.id')}, 1)
      ON CONFLICT (type, layer) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER fields_uncounted AFTER DELETE ON fields BEGIN
    UPDATE type_counts SET n = n - 1 WHERE type = old.type AND layer = ${layerOf('old.id')};
  END;
  CREATE TRIGGER fields_recounted AFTER UPDATE OF type ON fields
  WHEN old.type IS NOT new.type BEGIN
    UPDATE type_counts SET n = n - 1 WHERE type = old.type AND layer = ${layerOf('old.id')};
    INSERT INTO type_counts (type, layer, n) VALUES (new.type, ${layerOf('new.id')}, 1)
      ON CONFLICT (type, layer) DO UPDATE SET n = n + 1;
  END;
`

/** The writer keeps the counts (countDeltas), cheaper than triggers; recounted from the side table. */
export const TYPE_COUNTS_BY_WRITER = `
  DROP TRIGGER fields_counted;
  DROP TRIGGER fields_uncounted;
  DROP TRIGGER fields_recounted;
  DELETE FROM type_counts;
  INSERT INTO type_counts (type, layer, n)
    SELECT type, ${layerOf('id')}, count(*) FROM fields GROUP BY 1, 2;
`

/** The upsert adding `n` (negative removes) to a type and layer's count (type_counts). */
export const TYPE_COUNTS_ADD = `INSERT INTO type_counts (type, layer, n) VALUES (?, ?, ?)
  ON CONFLICT (type, layer) DO UPDATE SET n = n + excluded.n`

/** Documents of a type and layer added (n > 0) or removed (n < 0): a row of type_counts' change. */
export type CountDelta = {type: string; layer: number; n: number}

/**
 * Adds what a transaction changes in type_counts to `deltas` (keyed by layer and type), from each
 * change's `_type` before and after it (null: no document): per
 * `type` and layer of the stored id, documents added minus documents removed (a changed `_type`
 * moves one). A write group gathers its transactions' there and writes them with its COMMIT.
 */
export function addCountDeltas(
  changes: readonly {id: string; before: string | null; after: string | null}[],
  deltas: Map<string, CountDelta>,
): void {
  const add = (type: string, layer: number, n: number) => {
    const key = `${layer}:${type}`
    const entry = deltas.get(key)
    if (entry) entry.n += n
    else deltas.set(key, {type, layer, n})
  }
  for (const {id, before, after} of changes) {
    const layer = layerOfId(id)
    if (before !== null) add(before, layer, -1)
    if (after !== null) add(after, layer, 1)
  }
}

/** The layer of a stored id, as layerOf says it in SQL. */
export function layerOfId(id: string): number {
  const layer = LAYER_PREFIXES.findIndex((prefix) => id.startsWith(prefix))
  return layer + 1
}

function layerOf(id: string): string {
  const [drafts, versions] = LAYER_PREFIXES.map(
    (prefix) => `(${id} >= '${prefix}' AND ${id} < '${prefixEnd(prefix)}')`,
  )
  return `(CASE WHEN ${drafts} THEN 1 WHEN ${versions} THEN 2 ELSE 0 END)`
}

/**
 * How type_counts answers countSelected(selection), when it can: a selection by `_type` alone
 * (or nothing), outside a stack, leaving out whole layers only.
 */
export function countByType(selection: Selection): {sql: string; params: SQLInputValue[]} | null {
  const {where, stack, excludeIdPrefixes = []} = selection
  if (stack || (where && where.kind !== 'type')) return null
  if (!excludeIdPrefixes.every((prefix) => LAYER_PREFIXES.includes(prefix))) return null
  const layers = [0, 1, 2].filter((layer) => !excludeIdPrefixes.includes(LAYER_PREFIXES[layer - 1]))
  const params: SQLInputValue[] = []
  const terms = [inList('layer', layers, params)]
  if (where) terms.push(inList('type', where.types, params))
  return {
    sql: `SELECT coalesce(sum(n), 0) AS n FROM type_counts WHERE ${terms.join(' AND ')}`,
    params,
  }
}

const FALSE_KEY = new Uint8Array([0])
const TRUE_KEY = new Uint8Array([1])
export const MISSING_KEY = new Uint8Array([2])
const OBJECT_KEY = new Uint8Array([3])

/** The value at `path` as GROQ's attribute access reads it (null through non-objects). */
export function valueAt(doc: unknown, path: readonly string[]): unknown {
  let value = doc
  for (const key of path) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return null
    value = (value as Record<string, unknown>)[key]
  }
  return value ?? null
}

export function encodeKey(value: unknown): SQLInputValue {
  if (typeof value === 'number') return value
  if (typeof value === 'string') return sortableString(value)
  if (value === false) return FALSE_KEY
  if (value === true) return TRUE_KEY
  if (value === null || value === undefined) return MISSING_KEY
  return OBJECT_KEY
}

/** A stored key back to its value; `complete` is false for an object or array (value null). */
export function decodeKey(key: unknown): {value: unknown; complete: boolean} {
  if (typeof key === 'number' || typeof key === 'bigint')
    return {value: Number(key), complete: true}
  if (typeof key === 'string') return {value: unsortableString(key), complete: true}
  const byte = key instanceof Uint8Array ? key[0] : 2
  if (byte === 0) return {value: false, complete: true}
  if (byte === 1) return {value: true, complete: true}
  return {value: null, complete: byte !== 3}
}

function sortableString(value: string): string {
  if (!/[\uD800-\uFFFF]/.test(value)) return value
  let out = ''
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i)
    out += unit >= 0xd800 ? String.fromCodePoint(unit - 0xd800 + 0x10000) : value[i]
  }
  return out
}

function unsortableString(key: string): string {
  if (!/[\uD800-\uDFFF]/.test(key)) return key
  let out = ''
  for (const char of key) {
    const point = char.codePointAt(0)!
    out += point >= 0x10000 ? String.fromCharCode(point - 0x10000 + 0xd800) : char
  }
  return out
}

/**
 * Migration 29: the side table keyed by the documents' rowid. Keyed by the id (36 bytes a Studio
 * UUID), every index entry ended in it: with such ids the table and its five indexes were 74 MB of
 * a 388 MB file, 51.5 MB keyed so (docs/benchmarks-log.md). Each index entry ends in the row's layer
 * (0 published, 1 `drafts.`, 2 `versions.`, as type_counts numbers them) and its rowid, so the
 * perspectives' layer filters stay off the table rows; rows that tie on an order come by layer and
 * rowid, which Selection.order allows. The id stays in the row, without an index of its own: a
 * lookup by id goes through the documents' id index to the rowid. The titles' lengths' index keeps
 * it (4 MB): `*[length(title) > n]._id` reads thousands of ids off it, which a look-up of each row
 * made 2.4× as long (in process, 3,536 of the archive's). Rows of documents gone are left out.
 */
export const FIELDS_BY_ROWID = `
  CREATE TABLE fields_keyed (
    rowid INTEGER PRIMARY KEY,
    layer INTEGER NOT NULL,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    ${INDEXED_FIELDS.map((f) => `${f.column} NOT NULL DEFAULT x'02'`).join(',\n    ')},
    ${LENGTH_FIELDS.map((f) => `${f.column} INTEGER`).join(',\n    ')}
  );
  INSERT INTO fields_keyed (rowid, layer, id, type, ${FIELD_COLUMNS.join(', ')})
    SELECT d.rowid, ${layerOf('f.id')}, f.id, f.type, ${FIELD_COLUMNS.map((c) => `f.${c}`).join(', ')}
    FROM fields f JOIN documents d ON d.id = f.id ORDER BY d.rowid;
  DROP TABLE fields;
  ALTER TABLE fields_keyed RENAME TO fields;
  CREATE INDEX fields_slug ON fields (slug, layer);
  CREATE INDEX fields_type_published ON fields (type, published_at, layer);
  CREATE INDEX fields_section_published ON fields (section, published_at, layer);
  CREATE INDEX fields_source_published ON fields (source, published_at, layer);
  CREATE INDEX fields_title_length ON fields (title_length, type, layer, id)
    WHERE title_length IS NOT NULL;
`

/**
 * The side table's indexes a bulk load leaves out (deferredIndexes.ts): the three date-ordered ones
 * and the titles' lengths', which a streamed batch wrote at random pages of, at about half the
 * commit thread's CPU a document (docs/benchmarks-log.md). Their SQL as migration 29 wrote it
 * (FIELDS_BY_ROWID: sqlite_schema keeps the text), and their sqlite_stat1 figures
 * (sqliteStore.ts FIELD_STATS), which SQLite drops with an index.
 */
export const DEFERRED_INDEXES: readonly {name: string; sql: string; stat: string}[] = [
  {
    name: 'fields_type_published',
    sql: 'CREATE INDEX fields_type_published ON fields (type, published_at, layer)',
    stat: '1000000 200000 2 2',
  },
  {
    name: 'fields_section_published',
    sql: 'CREATE INDEX fields_section_published ON fields (section, published_at, layer)',
    stat: '1000000 100000 2 2',
  },
  {
    name: 'fields_source_published',
    sql: 'CREATE INDEX fields_source_published ON fields (source, published_at, layer)',
    stat: '1000000 1000 2 2',
  },
  {
    name: 'fields_title_length',
    sql: 'CREATE INDEX fields_title_length ON fields (title_length, type, layer, id)\n    WHERE title_length IS NOT NULL',
    // The layer ends each entry: most rows are of one, so an equality on it narrows little
    // (without its figure SQLite skip-scanned the titles' lengths for it).
    stat: '1000000 10000 5000 4000 1',
  },
]

/**
 * The side table's upsert of a document: its rowid in the documents table, layer (layerOfId), id,
 * type, then fieldKeys' values. A rowid names one id as long as the document is stored, so only
 * the fields change.
 */
export const FIELDS_UPSERT = `INSERT INTO fields (rowid, layer, id, type, ${FIELD_COLUMNS.join(', ')})
  VALUES (?, ?, ?, ?, ${FIELD_COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (rowid) DO UPDATE SET type = excluded.type, ${FIELD_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`

/** The fields row values of a document: INDEXED_FIELDS' keys, then LENGTH_FIELDS' lengths. */
export function fieldKeys(doc: unknown): SQLInputValue[] {
  return [
    ...INDEXED_FIELDS.map((field) => encodeKey(valueAt(doc, field.path))),
    ...LENGTH_FIELDS.map((field) => groqLength(valueAt(doc, field.path))),
  ]
}

/** Migration 4's upsert and row values (its columns: FIELDS_AT_MIGRATION_4). */
export const FIELDS_UPSERT_AT_MIGRATION_4 = fieldsUpsert(FIELDS_AT_MIGRATION_4)
export function fieldKeysAtMigration4(doc: unknown): SQLInputValue[] {
  return FIELDS_AT_MIGRATION_4.map((field) => encodeKey(valueAt(doc, field.path)))
}

/** The side table's upsert as migration 4 made the table (keyed by id). */
function fieldsUpsert(fields: readonly IndexedField[]): string {
  const columns = fields.map((f) => f.column)
  return `INSERT INTO fields (id, type, ${columns.join(', ')})
  VALUES (?, ?, ${columns.map(() => '?').join(', ')})
  ON CONFLICT (id) DO UPDATE SET type = excluded.type, ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`
}

/**
 * GROQ's `length()`: an array's items, a string's characters as groq-js counts them (UTF-16 code
 * units, a surrogate pair once), null for anything else.
 */
export function groqLength(value: unknown): number | null {
  if (Array.isArray(value)) return value.length
  if (typeof value !== 'string') return null
  let n = 0
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i)
    if (unit < 0xd800 || unit > 0xdbff) n++
  }
  return n
}

/**
 * `length(title) > $n` over the archive reads the index range of the titles it keeps, with their
 * ids and types (a scan of the side table read every row: 35 ms at 100,000 articles).
 */
export const TITLE_LENGTH_INDEX = 'CREATE INDEX fields_title_length ON fields (title_length, type)'

/**
 * The same index over the documents that have a title (a comparison implies one): headlines and
 * sources were a third of its rows.
 */
export const TITLE_LENGTH_PARTIAL_INDEX = `
  DROP INDEX fields_title_length;
  CREATE INDEX fields_title_length ON fields (title_length, type) WHERE title_length IS NOT NULL;
`

/** Migration 11: the side table's title becomes its length (LENGTH_FIELDS). */
export const TITLE_LENGTH_MIGRATION = {
  name: "the side table keeps titles' lengths instead of the titles",
  sql: `
    ALTER TABLE fields DROP COLUMN title;
    ALTER TABLE fields ADD COLUMN title_length INTEGER;
  `,
  run(db: DatabaseSync): void {
    const update = db.prepare('UPDATE fields SET title_length = ? WHERE id = ?')
    const rows = db.prepare(
      `SELECT id, body -> '$."title"' AS title FROM documents
       WHERE json_type(body, '$."title"') IN ('text', 'array')`,
    )
    for (const row of rows.iterate()) {
      const {id, title} = row as {id: string; title: string}
      update.run(groqLength(JSON.parse(title)), id)
    }
  },
}

/** WHERE and ORDER BY of a selection over `fields f`, with its bound parameters. */
export function compileSelection(
  selection: Selection,
  /** The full-text condition of a search hint, or null where it cannot narrow (no index). */
  search: SearchSql = () => null,
): {
  /** `fields f`, joined to `documents d` by rowid where a condition is on the id (its index). */
  from: string
  where: string
  orderBy: string
  params: SQLInputValue[]
  /**
   * For rows by id (an empty order) without a condition on the id: FROM and ORDER BY reading the
   * same rows off the documents' id index, each looked up in the side table by rowid. The side
   * table keeps no index of ids, so where no index narrows its rows SQLite would read them all
   * and sort them before the first (the caller asks SQLite which: sqliteStore.ts select).
   */
  byIdWalk: {from: string; orderBy: string} | null
} {
  const params: SQLInputValue[] = []
  const terms: string[] = []
  const ids = {read: false}
  if (selection.where) terms.push(compile(selection.where, params, search, ids))
  const excluded = selection.excludeIdPrefixes ?? []
  // The published layer alone: one value of each index entry's last column (an index can seek it).
  const published = LAYER_PREFIXES.every((prefix) => excluded.includes(prefix))
  if (published) terms.push('f.layer = 0')
  for (const prefix of excluded) {
    if (!(published && LAYER_PREFIXES.includes(prefix)))
      terms.push(`NOT ${startsWith(prefix, params)}`)
  }
  if (selection.stack) terms.push(topOfStack(selection.stack, params))
  const order = (selection.order ?? []).map(({field, desc}) => {
    const column = INDEXED_FIELDS[field]?.column
    if (!column) throw new Error(`lake: no indexed field ${field}`)
    return `f.${column} ${desc ? 'DESC' : 'ASC'}`
  })
  // Rows that tie come in any order (Selection.order): the index's own (by layer, then rowid)
  // keeps the read index-only. No keys: by id, which a condition on the documents' id index gives
  // as it reads them (the same id as the row's).
  return {
    from: ids.read ? 'fields f JOIN documents d ON d.rowid = f.rowid' : 'fields f',
    where: terms.length ? ` WHERE ${terms.join(' AND ')}` : '',
    orderBy: ` ORDER BY ${order.length ? order.join(', ') : ids.read ? 'd.id' : 'f.id'}`,
    params,
    byIdWalk:
      selection.order?.length === 0 && !ids.read
        ? {from: 'documents d CROSS JOIN fields f ON f.rowid = d.rowid', orderBy: ' ORDER BY d.id'}
        : null,
  }
}

/**
 * The SQL of a Selection.byViewId read: streams over `documents d` joined to `fields f`, each
 * walking the documents' `(type, id)` index in id order (the side table's type index is ordered by
 * `published_at`, so its rows by id need a sort of the whole type first), with how many characters
 * of a row's id its group id drops. One stream a type outside a stack. In a stack one a type and
 * layer, and the published rows as the three id ranges around `drafts.` and `versions.`, in that
 * order: each is in group order, and the caller merges them. Null unless the condition is by one
 * `_type` or a few (alone, or with others beside it: the walk then passes the type's rows that do
 * not match).
 */
export function viewOrderStreams(
  selection: Selection,
  columns: string,
): {sql: string; params: SQLInputValue[]; strip: number}[] | null {
  const {where: condition, stack} = selection
  const typed =
    condition?.kind === 'and' ? condition.of.find((part) => part.kind === 'type') : condition
  if (selection.order?.length || typed?.kind !== 'type') return null
  const types = [...new Set(typed.types)]
  if (types.length === 0 || types.length > VIEW_ORDER_TYPES) return null
  // The stream reads `documents d` itself: a condition on its id is on the same row's.
  const {where, params} = compileSelection({...selection, order: undefined})
  const stream = (type: string, range: string, bounds: string[], strip: number) => ({
    sql: `SELECT ${columns} FROM documents d CROSS JOIN fields f ON f.rowid = d.rowid WHERE d.type = ?${range}${where.replace(/^ WHERE /, ' AND ')} ORDER BY d.id`,
    params: [type, ...bounds, ...params],
    strip,
  })
  if (!stack) return types.map((type) => stream(type, '', [], 0))
  const layers = stack.map((layer) => (layer === 'drafts' ? 'drafts.' : `versions.${layer}.`))
  const [drafts, versions] = LAYER_PREFIXES
  return types.flatMap((type) => [
    ...layers.map((prefix) =>
      stream(type, ' AND d.id >= ? AND d.id < ?', [prefix, prefixEnd(prefix)], prefix.length),
    ),
    stream(type, ' AND d.id < ?', [drafts], 0),
    stream(type, ' AND d.id >= ? AND d.id < ?', [prefixEnd(drafts), versions], 0),
    stream(type, ' AND d.id >= ?', [prefixEnd(versions)], 0),
  ])
}

/** Types a byViewId read walks at most, one stream each (and each layer's in a stack). */
const VIEW_ORDER_TYPES = 8

/**
 * The row's id starts with `prefix`: its layer where the prefix is a whole layer's (`drafts.`,
 * `versions.`), which each index entry holds; else a range of the id, read from the row.
 */
function startsWith(prefix: string, params: SQLInputValue[]): string {
  const layer = LAYER_PREFIXES.indexOf(prefix) + 1
  if (layer > 0) return `f.layer = ${layer}`
  params.push(prefix, prefixEnd(prefix))
  return '(f.id >= ? AND f.id < ?)'
}

/**
 * Rows that are the top layer of their group in `stack`: a row of layer i counts when its group
 * has no row in layers 0…i-1 (one probe of the documents' id index each). Ids: `drafts.<id>`,
 * `versions.<release>.<id>`, and the published `<id>` (neither prefix).
 */
function topOfStack(stack: readonly string[], params: SQLInputValue[]): string {
  const prefixes = stack.map((layer) => (layer === 'drafts' ? 'drafts.' : `versions.${layer}.`))
  // Every stored document has its side-table row: the documents' id index answers the probe.
  const absent = (higher: readonly string[], groupSql: string) =>
    higher.map((prefix) => {
      params.push(prefix)
      return ` AND NOT EXISTS (SELECT 1 FROM documents x WHERE x.id = ? || ${groupSql})`
    })
  const terms = prefixes.map((prefix, i) => {
    const inLayer = startsWith(prefix, params)
    return inLayer + absent(prefixes.slice(0, i), `substr(f.id, ${prefix.length + 1})`).join('')
  })
  terms.push('f.layer = 0' + absent(prefixes, 'f.id').join(''))
  return `(${terms.map((term) => `(${term})`).join(' OR ')})`
}

type SearchSql = (hint: SearchHint) => {sql: string; params: SQLInputValue[]} | null

/**
 * A condition as SQL over `fields f`; `ids.read` set where it is on `d.id`, the joined documents'
 * (the side table keeps no index of ids: the documents' id index finds the rows, in id order).
 */
function compile(
  condition: Condition,
  params: SQLInputValue[],
  search: SearchSql,
  ids: {read: boolean},
): string {
  switch (condition.kind) {
    case 'and':
    case 'or':
      if (condition.of.length === 0) return condition.kind === 'and' ? '1' : '0'
      return `(${condition.of.map((c) => compile(c, params, search, ids)).join(` ${condition.kind.toUpperCase()} `)})`
    case 'not':
      return `NOT ${compile(condition.of, params, search, ids)}`
    case 'search': {
      const sql = search(condition.search)
      if (!sql) return '1'
      params.push(...sql.params)
      ids.read = true
      // searchCondition speaks of the documents table's `id`.
      return `(${sql.sql.replace(/^id IN/, 'd.id IN')})`
    }
    case 'id':
      ids.read = true
      return inList('d.id', condition.ids, params)
    case 'type':
      return inList('f.type', condition.types, params)
    case 'rootPath':
      return "instr(f.id, '.') = 0"
    case 'idPrefix':
      if (condition.prefixes.length === 0) return '0'
      params.push(...condition.prefixes.flatMap((prefix) => [prefix, prefixEnd(prefix)]))
      ids.read = true
      return `(${condition.prefixes.map(() => '(d.id >= ? AND d.id < ?)').join(' OR ')})`
    case 'equals': {
      const column = columnOf(condition.field)
      const scalars = condition.values.filter((v) => typeof v !== 'boolean')
      const terms: string[] = []
      if (scalars.length) terms.push(inList(column, scalars.map(encodeKey), params))
      for (const flag of new Set(condition.values.filter((v) => typeof v === 'boolean'))) {
        terms.push(`${column} = ?`)
        params.push(encodeKey(flag))
      }
      return terms.length ? `(${terms.join(' OR ')})` : '0'
    }
    case 'compare': {
      const column = columnOf(condition.field)
      params.push(encodeKey(condition.value))
      const kind =
        typeof condition.value === 'number'
          ? `typeof(${column}) IN ('integer', 'real')`
          : `typeof(${column}) = 'text'`
      return `(${column} ${condition.op} ? AND ${kind})`
    }
    case 'defined':
      params.push(MISSING_KEY)
      return `${columnOf(condition.field)} IS NOT ?`
    case 'longer': {
      // SQLite counts the key's code points: one per UTF-16 code unit, never fewer than GROQ's
      // length(), but only up to the first NUL, so a string holding one is always kept; arrays
      // (the x'03' key) may be long too.
      const column = columnOf(condition.field)
      params.push(condition.value, OBJECT_KEY)
      return `((typeof(${column}) = 'text' AND (length(${column}) ${condition.op} ? OR instr(${column}, char(0)) > 0)) OR ${column} = ?)`
    }
    case 'length': {
      const column = LENGTH_FIELDS[condition.field]?.column
      if (!column) throw new Error(`lake: no length field ${condition.field}`)
      // NULL (GROQ's length() of anything but a string or an array) compares as false, as in GROQ.
      // Bounded on both sides (lengths are whole numbers from 0), so SQLite rates the range as a
      // 64th of the rows rather than a quarter: it reads it off fields_title_length and sorts the
      // matches by id, instead of walking every row in id order (19 against 2 ms at 100,000).
      const upward = condition.op === '>' || condition.op === '>='
      params.push(...(upward ? [condition.value, Number.MAX_SAFE_INTEGER] : [0, condition.value]))
      return upward
        ? `(f.${column} ${condition.op} ? AND f.${column} <= ?)`
        : `(f.${column} >= ? AND f.${column} ${condition.op} ?)`
    }
    case 'lengthAt': {
      // Read from the body in C (JSONB), the documents table in its own order. SQLite's length()
      // counts code points, as GROQ does, but stops at a NUL and counts a lone surrogate once:
      // strings with any \u escape in their JSON (how those are written) are kept for groq-js.
      const path = jsonPath(condition.path)
      const {op, value} = condition
      params.push(path, path, value, path, path, value)
      ids.read = true
      return `d.id IN (SELECT id FROM documents WHERE CASE json_type(body, ?)
        WHEN 'text' THEN length(body ->> ?) ${op} ? OR instr(body -> ?, '\\u') > 0
        WHEN 'array' THEN json_array_length(body, ?) ${op} ? END)`
    }
    case 'references':
      // A reference's row names its document by rowid (sqliteStore.ts's migrations); the ids,
      // sorted, lead the read in id order.
      ids.read = true
      return `d.id IN (SELECT x.id FROM refs r JOIN documents x ON x.rowid = r.source
        WHERE r.visible AND ${inList('r.target', condition.ids, params)})`
  }
}

function columnOf(field: number): string {
  const column = INDEXED_FIELDS[field]?.column
  if (!column) throw new Error(`lake: no indexed field ${field}`)
  return `f.${column}`
}

/**
 * `expr IN (…)`: one bound value, or a JSON array through json_each, so a list of any length
 * binds one parameter (no "too many SQL variables").
 */
function inList(expr: string, values: readonly SQLInputValue[], params: SQLInputValue[]): string {
  if (values.length === 0) return '0'
  if (values.length === 1) {
    params.push(values[0])
    return `${expr} = ?`
  }
  params.push(JSON.stringify(values))
  return `${expr} IN (SELECT value FROM json_each(?))`
}

/** SQLite's JSON path of a document path: `$."body"[1]."text"`, keys quoted as JSON strings. */
export function jsonPath(path: readonly (string | number)[]): string {
  return (
    '$' +
    path
      .map((part) => (typeof part === 'number' ? `[${part}]` : `.${JSON.stringify(part)}`))
      .join('')
  )
}

/** The smallest string greater than every string starting with `prefix` (for index range scans). */
export function prefixEnd(prefix: string): string {
  if (prefix === '') return '\u{10FFFF}'
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
}

/**
 * Every id a document holds as a string `_ref` at any depth (a correlated subquery's `x._ref ==
 * ^._id` finds its candidates so: core/correlated.ts), as [target, strong, visible] (1 or 0), in
 * one walk:
 * - strong, as delete protection counts them (core/references.ts strongTarget), at any depth;
 * - visible, what GROQ's references() finds: an object with a truthy `_ref` is a reference (its
 *   inner values are not searched, and it is found only if the `_ref` is a string), anything else
 *   is searched at every depth.
 * Neither: a weak `_ref` inside another reference.
 */
export function documentReferences(doc: unknown): [string, number, number][] {
  const found = new Map<string, [string, number, number]>()
  /** The row of `target`, marked strong (1) or visible (2), or neither (null). */
  const mark = (target: string, kind: 1 | 2 | null) => {
    let row = found.get(target)
    if (!row) found.set(target, (row = [target, 0, 0]))
    if (kind !== null) row[kind] = 1
  }
  const visit = (value: unknown, visible: boolean): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, visible)
      return
    }
    if (typeof value !== 'object' || value === null) return
    const object = value as Record<string, unknown>
    const strong = strongTarget(object)
    if (strong !== undefined) mark(strong, 1)
    const ref = object._ref
    if (typeof ref === 'string') mark(ref, null)
    let inner = visible
    if (visible && ref) {
      if (typeof ref === 'string') mark(ref, 2)
      inner = false
    }
    for (const key in object) visit(object[key], inner)
  }
  visit(doc, true)
  return [...found.values()]
}
