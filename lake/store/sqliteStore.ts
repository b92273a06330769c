/**
 * The SQLite store: one file per dataset at <dataDir>/datasets/<dataset>.sqlite, WAL journal. A
 * write group's COMMIT goes to the WAL without waiting for the disk; the store then syncs the WAL
 * file off the event loop (fdatasync in libuv's thread pool) and only then answers the group's
 * transactions, so a commit is on disk before its request is acknowledged.
 */
import {randomUUID} from 'node:crypto'
import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs'
import {getPriority} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {DatabaseSync, type SQLInputValue, type StatementSync} from 'node:sqlite'
import {
  BadRequestError,
  newerDataset,
  NotFoundError,
  PermissionError,
  UnannouncedCommitError,
  UnavailableError,
} from '../core/errors.ts'
import {standIn} from '../core/documentPaths.ts'
import {LIMITS} from '../core/limits.ts'
import {createLru} from '../core/lru.ts'
import {invalidDatasetReason, VERSIONS_PREFIX} from '../core/ids.ts'
import {afterJson, headsOf, lendBytes} from '../core/changeText.ts'
import type {
  CommittedTransaction,
  DocumentChange,
  JsonBytes,
  SanityDocument,
} from '../core/types.ts'
import {
  addCountDeltas,
  compileSelection,
  countByType,
  decodeKey,
  DEFERRED_INDEXES,
  FIELDS_SCHEMA,
  fieldKeys,
  fieldKeysAtMigration4,
  FIELDS_BY_ROWID,
  FIELDS_UPSERT_AT_MIGRATION_4,
  INDEXED_FIELDS,
  jsonPath,
  LENGTH_FIELDS,
  prefixEnd,
  TITLE_LENGTH_INDEX,
  TITLE_LENGTH_MIGRATION,
  TITLE_LENGTH_PARTIAL_INDEX,
  TYPE_COUNTS_BY_WRITER,
  TYPE_COUNTS_SCHEMA,
  documentReferences,
  viewOrderStreams,
  type CountDelta,
} from './fields.ts'
import {
  CREATE_CODES,
  CREATED_EFFECTS,
  applyStored,
  changeText,
  decodeChange,
  encodeChange,
  rebuild,
  SNAPSHOT_EVERY,
  type LogStep,
} from './log.ts'
import {
  buildDeferredIndex,
  buildMissingDeferredIndexes,
  missingDeferredIndexes,
} from './deferredIndexes.ts'
import {setThreadNice} from '../query/priority.ts'
import {AnalyzerClosedError, type SearchAnalyzer} from './searchAnalyzer.ts'
import type {WalCheckpointer} from './walCheckpointer.ts'
import {CommitThreadStoppedError, type CommitStreamTask, type CommitThread} from './commitThread.ts'
import type {HeapTrim} from './heapTrim.ts'
import {
  dropSearchIndex,
  ensureSearchIndex,
  searchIndexCurrent,
  indexQueued,
  type QueueSource,
  SEARCH_INDEX_MIGRATION,
  SEARCH_ASIDE_MIGRATION,
  SEARCH_AUTOMERGE_MIGRATION,
  SEARCH_DETAIL_NONE_MIGRATION,
  SEARCH_QUEUE_MIGRATION,
  SEARCH_REINDEX_MIGRATION,
  headsCondition,
  searchCondition,
  countSearched,
  rowidsCondition,
  searchedRows,
} from './searchIndex.ts'
import type {
  ExportedDocument,
  ExportOptions,
  HistoryPoint,
  LoggedTransaction,
  ChangeEffect,
  LoggedTransactionText,
  OrderKey,
  Probe,
  ScanHint,
  SearchHint,
  SelectedRow,
  Store,
  StoreRegistry,
  StoreWriter,
  Tally,
  TransactionQuery,
} from '../core/store.ts'
import type {DocumentPath} from '../core/documentPaths.ts'
import {countInBody, countInJson, type BodyNeedle} from './tally.ts'
import {createStatementCache} from './statementCache.ts'
import {REFS_INSERT, writeCountRows, writeTransactionRows, type ChangeWrite} from './commitRows.ts'

/** Thrown by a rebuild past documentsAt's `most`, caught there. */
const OVER_MOST = new Error('lake: a rebuild read more of the log than it was given')

/** States of documents a log reader keeps between pages (see transactionPage's stateOf). */
const KNOWN_STATES = 8

/**
 * The changes of a draft (or release version) a publish reads its contributors from: its creation
 * and at most this many of its newest changes (core/store.ts variantAuthors).
 */
export const CONTRIBUTOR_CHANGES = 1_000

/**
 * A change's id up to its first dot (drafts.x.y is drafts.), as the changes_namespace index has
 * it, for ids with a dot: a query must spell both the same way to use the index.
 */
const NAMESPACE_OF = `substr(doc_id, 1, instr(doc_id, '.'))`
const HAS_NAMESPACE = `instr(doc_id, '.') > 0`

/** Ordered schema migrations; a migration never changes once released, new ones are appended. */
const MIGRATIONS: {name: string; sql: string; run?: (db: DatabaseSync) => void}[] = [
  {
    name: 'documents and transaction log',
    sql: `
      CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        rev TEXT NOT NULL,
        created_at TEXT,
        updated_at TEXT,
        body TEXT NOT NULL
      );
      CREATE INDEX documents_type ON documents (type, id);
      CREATE TABLE transactions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        timestamp TEXT NOT NULL,
        identity TEXT NOT NULL
      );
      CREATE INDEX transactions_timestamp ON transactions (timestamp);
      CREATE TABLE changes (
        tx_seq INTEGER NOT NULL REFERENCES transactions (seq),
        position INTEGER NOT NULL,
        doc_id TEXT NOT NULL,
        mutations TEXT NOT NULL,
        effects TEXT NOT NULL,
        after TEXT,
        PRIMARY KEY (tx_seq, position)
      );
      CREATE INDEX changes_doc ON changes (doc_id, tx_seq);
    `,
  },
  {
    // Strong references (see core/references.ts: a string `_ref` without `_weak: true`), kept on
    // commit so that "who references X" is an index seek rather than a scan of every body.
    name: 'strong references',
    sql: `
      CREATE TABLE refs (
        target TEXT NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (target, source)
      ) WITHOUT ROWID;
      CREATE INDEX refs_source ON refs (source);
      INSERT OR IGNORE INTO refs (target, source)
        SELECT t.atom, d.id FROM documents d, json_tree(d.body) t
        WHERE instr(d.body, '"_ref":') > 0 AND t.key = '_ref' AND t.type = 'text'
          AND json_type(d.body, t.path || '._weak') IS NOT 'true';
    `,
  },
  // Filled through the queue (refilled when its rules change: ensureSearchIndex, before the open).
  SEARCH_INDEX_MIGRATION,
  {
    // See fields.ts (the side table) and log.ts (the compact log). References gain the weak ones
    // GROQ's references() matches (\`visible\`); delete protection reads only \`strong\` ones.
    name: 'fields side table, visible references, compact change log',
    sql: `
      ${FIELDS_SCHEMA}
      DELETE FROM refs;
      ALTER TABLE refs ADD COLUMN strong INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE refs ADD COLUMN visible INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE changes RENAME COLUMN after TO snapshot;
      ALTER TABLE changes ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
      UPDATE changes SET deleted = 1 WHERE snapshot IS NULL;
      UPDATE changes SET snapshot = NULL WHERE rowid IN (
        SELECT rowid FROM (
          SELECT rowid, row_number() OVER (PARTITION BY doc_id ORDER BY tx_seq DESC) AS n
          FROM changes WHERE snapshot IS NOT NULL
        ) WHERE n % ${SNAPSHOT_EVERY} != 1
      );
    `,
    run(db) {
      const insertFields = db.prepare(FIELDS_UPSERT_AT_MIGRATION_4)
      const insertRef = db.prepare(REFS_INSERT)
      for (const row of db.prepare('SELECT id, type, body FROM documents').iterate()) {
        const {id, type, body} = row as {id: string; type: string; body: string}
        const doc = JSON.parse(body) as SanityDocument
        insertFields.run(id, type, ...fieldKeysAtMigration4(doc))
        for (const [target, strong, visible] of documentReferences(doc)) {
          insertRef.run(target, id, strong, visible)
        }
      }
    },
  },
  // The documents stored before it are indexed already (ensureSearchIndex): the queue starts empty.
  SEARCH_QUEUE_MIGRATION,
  {name: 'documents per type and layer', sql: TYPE_COUNTS_SCHEMA},
  {name: 'documents per type and layer kept by the writer', sql: TYPE_COUNTS_BY_WRITER},
  // Dropped for the side table's (type, published_at) index, and restored below.
  {name: 'no type index on documents', sql: 'DROP INDEX documents_type'},
  {
    // SQLite's binary JSON: 7 % smaller than the text of a newsroom's documents, and `->` and
    // json_extract() (scans, stand-ins, expression indexes) read a path without parsing the whole
    // body. Bodies are written with jsonb() and read back as text with json().
    name: 'document bodies as JSONB',
    sql: 'UPDATE documents SET body = jsonb(body)',
  },
  // Back: found through the side table, a type's ids were gathered whole before the first row
  // (22 ms for one article at 100,000, 38 ms for every export page after an id), on the event loop.
  {
    name: 'a type index on documents again',
    sql: 'CREATE INDEX IF NOT EXISTS documents_type ON documents (type, id)',
  },
  TITLE_LENGTH_MIGRATION,
  // A document's rows are deleted by key, from the references of the version they were made of.
  {name: 'no index of references by source', sql: 'DROP INDEX refs_source'},
  {name: 'an index of title lengths', sql: TITLE_LENGTH_INDEX},
  {name: 'the index of title lengths without the untitled', sql: TITLE_LENGTH_PARTIAL_INDEX},
  {
    // The full-text index's rows are keyed by the documents' rowid, which only an INTEGER PRIMARY
    // KEY keeps through VACUUM, so the table is made again: the id map (search_ids, 3.5 % of the
    // data file) goes, and `type` and `rev` are read from the body instead of kept beside it
    // (about 2 %), as are created_at and updated_at, never read. Rows the index holds keep its
    // row numbers, so it needs no rebuild; documents still queued get new ones.
    name: 'documents keyed by an integer rowid, the full-text index by it',
    sql: '',
    run(db) {
      const indexes = db
        .prepare(
          "SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'documents' AND sql IS NOT NULL",
        )
        .all() as {sql: string}[]
      db.exec(`
        CREATE TABLE documents_keyed (
          rowid INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          body BLOB NOT NULL,
          type TEXT GENERATED ALWAYS AS (body ->> '$._type') VIRTUAL,
          rev TEXT GENERATED ALWAYS AS (body ->> '$._rev') VIRTUAL
        );
        INSERT INTO documents_keyed (rowid, id, body)
          SELECT s.rowid, d.id, d.body FROM documents d JOIN search_ids s ON s.id = d.id
          ORDER BY s.rowid;
        INSERT INTO documents_keyed (id, body)
          SELECT id, body FROM documents WHERE id NOT IN (SELECT id FROM search_ids) ORDER BY id;
        -- Deleted documents still queued: their rows would be found under their old numbers.
        DELETE FROM search_fts WHERE rowid IN (
          SELECT rowid FROM search_ids WHERE id NOT IN (SELECT id FROM documents));
        DROP TABLE search_ids;
        DROP TABLE documents;
        ALTER TABLE documents_keyed RENAME TO documents;
      `)
      // The type index and any expression indexes (attr_*) went with the table.
      for (const {sql} of indexes) db.exec(sql)
    },
  },
  {
    // Keyed by (tx_seq, position) itself: a rowid table kept a second index of the key, a
    // third of the log's size once a created document's row shrank to a few bytes (log.ts),
    // into which the rows written before that are converted here.
    name: 'the change log keyed by transaction and position, created documents in a few bytes',
    sql: `
      CREATE TABLE changes_keyed (
        tx_seq INTEGER NOT NULL REFERENCES transactions (seq),
        position INTEGER NOT NULL,
        doc_id TEXT NOT NULL,
        mutations TEXT NOT NULL,
        effects TEXT NOT NULL,
        snapshot TEXT,
        deleted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tx_seq, position)
      ) WITHOUT ROWID;
      INSERT INTO changes_keyed
        SELECT tx_seq, position, doc_id,
          CASE mutations ${Object.entries(CREATE_CODES)
            .map(
              ([code, {kind, marker}]) =>
                `WHEN '${JSON.stringify([{[kind]: marker}])}' THEN '${code}'`,
            )
            .join(' ')} ELSE mutations END,
          CASE effects WHEN '${JSON.stringify({revert: [0, null]})}' THEN '${CREATED_EFFECTS}' ELSE effects END,
          snapshot, deleted
        FROM changes ORDER BY tx_seq, position;
      DROP TABLE changes;
      ALTER TABLE changes_keyed RENAME TO changes;
      CREATE INDEX changes_doc ON changes (doc_id, tx_seq);
    `,
  },
  {
    // What a change did, read from the index: `deleted` is the row's last column, behind its
    // mutations and effects, so reading it off the table walked a large edit's overflow pages
    // (the Events API's outline of a long log of a 1 MB article: 1.9 s).
    name: 'the change log indexed with whether each change deleted its document',
    sql: `
      DROP INDEX changes_doc;
      CREATE INDEX changes_doc ON changes (doc_id, tx_seq, deleted);
    `,
  },
  {
    // The Events API reads a document's deletions (and the creations after them) newest first: a
    // seek here, where changes_doc would walk every change since (a draft's 100,000 edits).
    name: 'the change log indexed by deletions',
    sql: `CREATE INDEX changes_deleted ON changes (doc_id, tx_seq) WHERE deleted = 1;`,
  },
  {
    // data/doc's includeAllVersions asks for a document's versions by its published id: without
    // an index that read every version's body, for anyone (an anonymous request took 3.4 s).
    // The expression is VERSION_OF's; a query must spell it the same way to use the index.
    name: 'versions indexed by their published id',
    sql: `CREATE INDEX documents_version_of ON documents (substr(id, instr(substr(id, 10), '.') + 10))
      WHERE id GLOB 'versions.*'`,
  },
  {
    // A revision is rebuilt from the nearer of the snapshots around it (stateAfter): found here
    // in a seek, where changes_doc would read each change's row up to one.
    name: 'the change log indexed by snapshots',
    sql: `CREATE INDEX changes_snapshot ON changes (doc_id, tx_seq) WHERE snapshot IS NOT NULL;`,
  },
  SEARCH_ASIDE_MIGRATION,
  SEARCH_AUTOMERGE_MIGRATION,
  SEARCH_REINDEX_MIGRATION,
  {
    // A row for every string `_ref` (fields.ts documentReferences), so that a subquery keyed by
    // `x._ref == ^._id` finds its candidates here (core/correlated.ts). The rows lacked only weak
    // ones inside another reference, so only a body with a `_weak` key is walked.
    name: 'a reference row for every string _ref',
    sql: `INSERT OR IGNORE INTO refs (target, source, strong, visible)
      SELECT t.atom, d.id, 0, 0 FROM documents d, json_tree(d.body) t
      WHERE instr(d.body, CAST('_weak' AS BLOB)) > 0 AND t.key = '_ref' AND t.type = 'text'`,
  },
  {
    // Lakes before 2026-12-04 stored text holding a lone UTF-16 surrogate, which SQLite's JSON
    // reads as bytes no query's text equals and no patch may keep (core/limits.ts): the documents
    // whose body may hold one, for the dataset service to write again well-formed
    // (Store.loneSurrogates). JSONB keeps a string's escapes as written, and JSON.stringify writes
    // a lone surrogate `\ud…`: a body without those bytes holds none (with them, a text "\\ud"
    // too, which the service's own check passes over). A search by Buffer, not SQLite's instr: over
    // 100,000 bodies of 6.5 kB, 2.4-3.2 s against instr's 7.4-7.9 s (alternated, load 15).
    name: 'documents that may hold a lone UTF-16 surrogate, to repair',
    sql: 'CREATE TABLE lone_surrogates (id TEXT PRIMARY KEY) WITHOUT ROWID',
    run(db) {
      const lower = Buffer.from('\\ud')
      const upper = Buffer.from('\\uD')
      db.function('lake_surrogate_escape', {deterministic: true}, (body) => {
        if (!(body instanceof Uint8Array)) return 0
        const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
        return bytes.includes(lower) || bytes.includes(upper) ? 1 : 0
      })
      db.exec(
        'INSERT INTO lone_surrogates (id) SELECT id FROM documents WHERE lake_surrogate_escape(body)',
      )
    },
  },
  {
    // AUTOINCREMENT read and rewrote the table's row of sqlite_sequence with every transaction's
    // insert (a statement's worth of work, and a page in every write group's WAL). Rows of the
    // log are never deleted, so the next seq is the largest plus one either way; the seqs kept
    // are copied as they are. Made again (SQLite cannot drop AUTOINCREMENT from a table), with
    // foreign keys off for it (migrate): the log's rows point at the table by seq. The ids'
    // uniqueness is an index built after the copy, by sorting: kept while copying, each random id
    // went into a B-tree (300,000 transactions: 7.6 s against 1.9, at load 16).
    name: 'the transaction log without AUTOINCREMENT',
    sql: `
      CREATE TABLE transactions_plain (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        identity TEXT NOT NULL
      );
      INSERT INTO transactions_plain (seq, id, timestamp, identity)
        SELECT seq, id, timestamp, identity FROM transactions ORDER BY seq;
      DROP TABLE transactions;
      ALTER TABLE transactions_plain RENAME TO transactions;
      CREATE UNIQUE INDEX transactions_id ON transactions (id);
      CREATE INDEX transactions_timestamp ON transactions (timestamp);
    `,
  },
  {
    // Lakes before this one filled lqip, blurHash and palette into every image without them at
    // each start; an image now stored without them asked for none (an upload's meta=none), and is
    // left so. The ones an earlier lake stored so are listed once, here, for the image service's
    // backfill (Store.imagesToDerive): a record in the store, not a date, since neither an
    // import's _createdAt nor a machine's clock tells which lake stored an image.
    name: 'image assets stored without lqip, blurHash and palette, to derive',
    sql: `CREATE TABLE IF NOT EXISTS images_to_derive (id TEXT PRIMARY KEY) WITHOUT ROWID;
      INSERT OR IGNORE INTO images_to_derive (id) SELECT id FROM documents
        WHERE type = 'sanity.imageAsset' AND body ->> '$.metadata.lqip' IS NULL`,
  },
  {
    // A reference's row names its document by the documents' rowid, not the id's text again: with
    // the Studio's ids (UUIDs, 36 bytes) the table was 13.6 MB of a 393 MB file, 7.9 as numbers.
    // The numbers stay through VACUUM (an INTEGER PRIMARY KEY), and a document's rows go with it
    // (commitRows.ts), so a number a new document takes names nothing. Rows of documents that are
    // gone are left out; the copy is sorted, as the key's B-tree wants it.
    name: "references keyed by the referring document's rowid",
    sql: `
      CREATE TABLE refs_keyed (
        target TEXT NOT NULL,
        source INTEGER NOT NULL,
        strong INTEGER NOT NULL DEFAULT 0,
        visible INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (target, source)
      ) WITHOUT ROWID;
      INSERT INTO refs_keyed (target, source, strong, visible)
        SELECT r.target, d.rowid, r.strong, r.visible FROM refs r JOIN documents d ON d.id = r.source
        ORDER BY 1, 2;
      DROP TABLE refs;
      ALTER TABLE refs_keyed RENAME TO refs;
    `,
  },
  {name: "the side table keyed by the documents' rowid", sql: FIELDS_BY_ROWID},
  {
    // Order indexes learnt before they ended with the document group (type, kind, value: three
    // columns) give no read its order whole, so none seeks them; each cost every write and held
    // a place of MAX_AUTO_INDEXES, where the budget, when full, could evict a used one instead.
    name: 'order indexes without the document group dropped',
    sql: '',
    run: (db) => {
      const old = db
        .prepare(
          `SELECT name FROM sqlite_schema s WHERE type = 'index' AND name LIKE 'attr_%'
            AND (SELECT count(*) FROM pragma_index_info(s.name)) = 3
            AND (SELECT name FROM pragma_index_info(s.name) WHERE seqno = 0) = 'type'`,
        )
        .all() as {name: string}[]
      for (const {name} of old) db.exec(`DROP INDEX "${name}"`)
    },
  },
  {
    // The dataset-wide log of a caller whose history grants are a namespace (a contributor's
    // drafts.) walked the whole transactions table to find its few lines (36 ms at 30,000
    // transactions): here, a namespace's changes are a range in commit order (logSeqs).
    name: 'the change log indexed by the namespace of its ids',
    sql: `CREATE INDEX IF NOT EXISTS changes_namespace ON changes (${NAMESPACE_OF}, tx_seq)
      WHERE ${HAS_NAMESPACE};`,
  },
  SEARCH_DETAIL_NONE_MIGRATION,
]

/** A version's published id in SQL (versions.r.x is x), as the documents_version_of index has it. */
const VERSION_OF = `substr(id, instr(substr(id, 10), '.') + 10)`

/**
 * What a commit writes for a change: made on the event loop for a change built there, or as
 * bytes on the thread that built it (Store.rowsOf), then written as they are.
 */
interface ChangeRows {
  /** Targets of the references `before` had, whose rows go. */
  unreferenced: string[]
  /** Of `after`: [target, strong, visible] per referenced id. */
  references: [string, number, number][]
  /**
   * The side table's type and keys (FIELDS_UPSERT's values after rowid, layer and id); null when
   * the change deletes the document.
   */
  fields: SQLInputValue[] | null
  /** It replaced a stored document (a snapshot may be due). */
  updated: boolean
  /** The log row's texts; `effects` null when it is the change's effects as JSON (ChangeText). */
  log: {mutations: string | JsonBytes; effects: string | JsonBytes | null}
  /** The body as SQLite's JSONB, made by the thread (null: jsonb() of `after` at the commit). */
  body: JsonBytes | null
}

/** `effectsText`: the change's effects as JSON text when it has them so (its log may share it). */
function changeRows(change: DocumentChange, effectsText?: string): ChangeRows {
  const {before, after} = change
  const log = encodeChange(change, effectsText)
  return {
    unreferenced: before ? documentReferences(before).map(([target]) => target) : [],
    references: after ? documentReferences(after) : [],
    fields: after ? [after._type, ...fieldKeys(after)] : null,
    updated: before !== null,
    log: {mutations: log.mutations, effects: log.effects === effectsText ? null : log.effects},
    body: null,
  }
}

/** A text column's value: a string, or UTF-8 bytes that the statement CASTs to TEXT. */
const textValue = (value: string | JsonBytes): string | Uint8Array =>
  typeof value === 'string' ? value : value.bytes

/**
 * Streamed commits so far in the process (writer.stream): a step names its own, not only its
 * file's, so a step of a store closed and opened again on the file never lands in the new one's.
 */
let streams = 0

/** A change as the commit writes it (commitRows.ts). */
function changeWrite(change: DocumentChange): ChangeWrite {
  // Made where the change was built when it was serialised there (core/changeText.ts).
  const text = change.text
  const rows = (text?.rows as ChangeRows | undefined) ?? changeRows(change)
  return {
    id: change.id,
    unreferenced: rows.unreferenced,
    references: rows.references,
    fields: rows.fields,
    updated: rows.updated,
    json: rows.fields ? (text?.after ? text.after.bytes : afterJson(change)) : null,
    jsonb: rows.body?.bytes ?? null,
    mutations: textValue(rows.log.mutations),
    effects: textValue(rows.log.effects ?? text!.effects),
  }
}

const jsonLength = (write: ChangeWrite) => write.json?.length ?? 0

/** Each change's `_type` before and after it, for type_counts (addCountDeltas). */
const typeChanges = (tx: CommittedTransaction) =>
  tx.changes.map((change) => {
    const heads = headsOf(change)
    return {id: change.id, before: heads.before?.type ?? null, after: heads.after?.type ?? null}
  })

/**
 * How selective each side-table index is in a newsroom, as sqlite_stat1 rows (rows, rows per
 * equal first column, per equal first two). Without them SQLite rates every equality alike and
 * read `_type == "article" && slug.current == $slug` through the type index: 100,000 rows for one.
 * Fixed figures rather than ANALYZE: the shape matters, not the counts, and nothing is scanned.
 */
const FIELD_STATS: Record<string, string> = {
  fields_slug: '1000000 1 1',
  // The date-ordered indexes and the titles' lengths' (a bulk load defers them, with their figures).
  ...Object.fromEntries(DEFERRED_INDEXES.map(({name, stat}) => [name, stat])),
}

function describeFields(db: DatabaseSync): void {
  const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").get()
  // ANALYZE of the smallest index creates sqlite_stat1; its figures are replaced below.
  if (!exists) db.exec('ANALYZE fields_slug')
  const current = db.prepare("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'fields'").all() as {
    idx: string
    stat: string
  }[]
  const wanted = Object.entries(FIELD_STATS)
  if (
    current.length === wanted.length &&
    wanted.every(([idx, stat]) => current.some((row) => row.idx === idx && row.stat === stat))
  ) {
    return
  }
  db.exec("DELETE FROM sqlite_stat1 WHERE tbl = 'fields'")
  const insert = db.prepare("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('fields', ?, ?)")
  for (const [idx, stat] of wanted) insert.run(idx, stat)
  // Loads the figures into this connection; readers load them when they open the file.
  db.exec('ANALYZE sqlite_schema')
}

/** The files SQLite keeps beside a dataset's in WAL mode. */
const WAL_FILES = ['-wal', '-shm']
/** Where a deleted dataset's files are moved before they are removed (under datasets/). */
const DELETION_DIR = '.deleting'
/** The WAL's checkpoint interval in pages (of 16 kB) when SQLite checkpoints it itself. */
const WAL_PAGES = 512

/**
 * With a checkpointer thread: a checkpoint after a write group (or the analyzer's write) once
 * CHECKPOINT_AFTER_MS have passed since the last, or CHECKPOINT_EVERY_MS when the last one found
 * CHECKPOINT_FRAMES or more in the log. Every 200 ms, 50 single-document writers had the thread copy
 * the pages every group changes (indexes' roots and right edges, the counts) five times a second;
 * once a second its CPU a write fell from about 0.027 to 0.010 ms (docs/benchmarks-log.md). A
 * bulk load's groups write up to about 1,560 frames each (at 100,000 documents): its first
 * checkpoint finds a long log, and it is checkpointed every 200 ms as before.
 */
const CHECKPOINT_EVERY_MS = 200
const CHECKPOINT_AFTER_MS = 1000
const CHECKPOINT_FRAMES = 4 * WAL_PAGES
/**
 * Past this many frames in the WAL (64 MB of pages), the next write group waits for a checkpoint:
 * SQLite restarts the log only at a write that finds every frame in the file, which writes that
 * never pause (the next group, an index step) might never give it. At 100,000 documents a group of
 * 1,000 writes about 1,560 frames (it rewrites most pages of the side table's indexes): with 16 MB
 * every second group of a bulk load waited for a checkpoint, with 64 MB about every sixth.
 */
const MAX_WAL_FRAMES = 8 * WAL_PAGES
/**
 * The size SQLite cuts the WAL back to when it starts over (journal_size_limit). Cut back to
 * WAL_BYTES, a bulk load's log grew into new space of the file after every start: the kernel
 * allocated and zeroed its pages again, and the event loop's COMMITs spent 27 % of its time in
 * `pwrite` (17 % copying into fresh pages) against 9 % writing over the pages kept (perf, 161,070
 * documents; docs/benchmarks-log.md). Above the 64 MB bound and the group that crosses it (the WAL peaked
 * at 112-162 MB), so a bulk load writes over the same space; between bursts the idle checkpoint
 * empties the log all the same (TRUNCATE), so a data folder at rest is its file alone.
 */
const WAL_KEEP_BYTES = 4 * MAX_WAL_FRAMES * 16384

/** How long a statement waits for another connection's lock before "database is locked". */
const BUSY_TIMEOUT_MS = 5000

/** A document this large (UTF-8 bytes of JSON) has its `_rev` kept for heads(), of at most LARGE_REVS. */
const LARGE_HEAD_BYTES = 1 << 20
const LARGE_REVS = 1024
/** At most this many ids remembered absent (sqliteStore's `absent`). */
const ABSENT_IDS = 1024

/**
 * A transaction that writes this much (UTF-8 bytes of its documents and log texts, built off the
 * event loop) is committed on the commit thread (commitThread.ts), as its request's body was read
 * on a write thread past 2 MiB (core/writes.ts READ_ON_THREAD_BYTES).
 */
const COMMIT_ON_THREAD_BYTES = 2 << 20

/** What a transaction built as text writes, in bytes (0 for one built in place: small). */
function writtenBytes(tx: CommittedTransaction): number {
  let bytes = 0
  for (const {text} of tx.changes) {
    if (text)
      bytes +=
        (text.after?.bytes.length ?? 0) + text.mutations.bytes.length + text.effects.bytes.length
  }
  return bytes
}

/**
 * The deferred indexes (deferredIndexes.ts) are built again this long after a bulk load's last
 * batch at the latest, even while single-document writes go on (each then waits for one index's
 * build at most: about 120 ms at 160,000 documents); sooner at a quiet moment (idleCheckpoint).
 * A load's batches come well within it (a batch of 1,000 took 0.1-0.4 s); meanwhile reads by date
 * or by a title's length scan the side table (about 12 ms at 160,000 documents, against 0.02).
 */
export const DEFER_BOUND_MS = 3000
/**
 * A streamed batch drops the deferred indexes only when it pays (docs/query-engine.md): a load is
 * under way (another batch committed less than DEFER_BOUND_MS before it began), or its documents
 * are at least this share of the dataset's. A lone small batch writes them as before: building
 * them again would cost more than writing its rows into them saves.
 */
export const DEFER_SHARE = 0.1
/** After a build that found the write lock held (or failed), the next try. */
const REBUILD_RETRY_MS = 250

/** Transactions acknowledged per fsync at most (group commit). */
const MAX_GROUP = 256

/**
 * The full-text index is filled after commits (searchIndex.ts), in steps of about this many ms
 * between write groups, so a write waits at most one step for the index.
 */
const INDEX_STEP_MS = 15
/**
 * Queued documents beyond this are indexed before the next write group: every search re-checks
 * queued documents with groq-js, so the queue bounds what a search during a bulk load costs. At
 * 88,818 queued a rare title `match` took 2.2 s and the Studio's search 3.3 s, at 109,386 the
 * Studio's search passed the 10 s query deadline (a 504), both on a loaded machine (200,000, above
 * the archive, for a day); here a search stays a few seconds at worst. It was 20,000: 5.7 s of a
 * 26 s load of the archive waited for the analyzer's catch-up; now a load waits only once the
 * analyzer, demoted behind it, is 50,000 behind. A re-index's backlog is not in the queue
 * (search_reindex): writes never wait for it.
 */
const MAX_QUEUED = 50_000
/**
 * Past this many documents waiting for the index (the queue and the re-index's backlog), the
 * analyzer is behind, as under a bulk load: it analyses below the event loop's priority
 * (searchAnalyzerWorker.ts), taking the core the event loop leaves, and its priority comes back
 * once it has caught up to this or a write group waits for it (catchUpIndex).
 */
const BEHIND_QUEUED = 2_000
/** The analyzer thread ends after 2 s idle (idleThread.ts): its id is not trusted past this. */
const ANALYZER_TID_MS = 1500
/** After a failed index step (say, the file locked by another process), the next try. */
const INDEX_RETRY_MS = 1000
/** Queued documents the analyzer thread reads and analyses per task (searchAnalyzer.ts). */
const ANALYZE_BATCH = 256
/**
 * While writes keep coming, the analyzer waits for a full batch (ANALYZE_BATCH queued) before it
 * reads, up to ANALYZE_MAX_WAIT_MS after the first write it has not read; after a pause of
 * ANALYZE_PAUSE_MS it reads what is queued. Each batch costs the thread a task each way, a read of
 * the queue, a COMMIT of its own and a new full-text segment to merge later: under 50
 * single-document writers it read 30-60 documents at a time, at about 1.25× its CPU a document
 * in batches of 256 (in process). Queued documents are candidates of every search
 * meanwhile, so results do not change.
 */
export const ANALYZE_PAUSE_MS = 50
export const ANALYZE_MAX_WAIT_MS = 200
/**
 * Analysed documents the thread may hold unwritten while write groups keep the lock (a long run of
 * them): beyond this it waits for a gap instead of reading further.
 */
const MAX_HELD = 4 * ANALYZE_BATCH
/**
 * Held documents the thread writes right after a write group's COMMIT, while groups follow each
 * other (fewer wait for a pause in the writes): under 50 single-document writers, a write after
 * every group made the next group wait for it, about a third of the time.
 */
const WRITE_AT_COMMIT = 64

/**
 * Full-text candidates from which a scan walks the id index rather than seeking each one
 * (searchCondition): about where the two cost the same.
 */
const WALK_CANDIDATES = 1000

/**
 * Documents of a type under which the type's index leads a scan the full-text candidates would
 * otherwise walk the id index for: its rows, sorted by id if need be, against every document.
 */
const TYPE_LEADS = 10 * WALK_CANDIDATES

/** Bound parameters per IN (…) list; SQLite's default limit is 32766, stay well below. */
const CHUNK = 500

export interface SqliteStoreOptions {
  /** DEFER_BOUND_MS unless given (tests: a bound no slow machine outlasts between two batches). */
  deferBoundMs?: number
  /**
   * Parsed documents kept between scans, measured by their JSON size; 0 turns the cache off.
   * Hits skip JSON.parse, which dominates wide scans (an `order()` over every article).
   */
  cacheBytes?: number
  /**
   * A reader's own connection (the query workers', the committed view's): opened read-only,
   * never migrated or written, never creates indexes. WAL lets it read while the lake's
   * connection writes.
   */
  readOnly?: boolean
  /** SQLite's page cache of a read-only connection in KiB (default SQLite's, 2 MB). */
  pageCacheKiB?: number
  /**
   * Keep the full-text index (default true). Off only to measure what it costs (bench/): scans
   * then ignore search hints, and the next open with the index on rebuilds it.
   */
  searchIndex?: boolean
  /**
   * MAX_QUEUED and ANALYZE_BATCH: tests make them small, to fill the queue past its bound with few
   * documents, and to see a re-index take many batches.
   */
  maxQueued?: number
  analyzeBatch?: number
  /** BEHIND_QUEUED: tests make it small. */
  behindQueued?: number
  /**
   * WAL_KEEP_BYTES, of the store's connection, the commit thread's and the analyzer's: tests make
   * it small.
   */
  walKeepBytes?: number
  /**
   * Ms without writes (and with the full-text index caught up) after which the WAL is
   * checkpointed and emptied; default 1000.
   */
  idleCheckpointMs?: number
  /**
   * Documents written after which the next quiet moments pack the indexes (packIndex.ts); default
   * PACK_AFTER_CHANGES. Tests make it their load's size.
   */
  packAfterChanges?: number
  /**
   * Told at the idle checkpoint (writes paused, the full-text index caught up): gives the event
   * loop's heap back after a burst of writes (heapTrim.ts). One for all the lake's stores.
   */
  heapTrim?: Pick<HeapTrim, 'idle'>
  /**
   * Makes the WAL durable before a write group is answered (default fs.fdatasync, in libuv's
   * thread pool). Tests hold or fail it to see that nobody is answered before it returns.
   */
  syncWal?: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void
  /**
   * Analyses queued documents for the full-text index on another thread (searchAnalyzer.ts); the
   * store only writes the rows. Without it (or for ':memory:') the event loop analyses them.
   */
  analyzer?: SearchAnalyzer
  /**
   * Checkpoints the WAL on another thread (walCheckpointer.ts). Without it (or for ':memory:')
   * SQLite does so in the COMMIT that crosses WAL_PAGES, on the event loop.
   */
  checkpointer?: WalCheckpointer
  /**
   * Commits large transactions on another thread (commitThread.ts), in write groups of their
   * own. Without it (or for ':memory:') the event loop writes them as any other.
   */
  committer?: CommitThread
  /**
   * Called before the store makes its file (the dataset's first write), on the event loop in the
   * same turn: throws to refuse it. createSqliteStores' bound on the lake's datasets.
   */
  admitFile?: () => void
}

export const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024
/**
 * Documents written after which the indexes are packed at the next quiet moments (packIndex.ts):
 * a bulk load's, not an editor's day (a few hundred changes).
 */
export const PACK_AFTER_CHANGES = 10_000
/**
 * SQLite's page cache (KiB) of the writer's connection and of the committed view's, which answers
 * the queries in place: a bound, filled only by pages read. SQLite's default 2 MB (125 pages of
 * 16 kB) held too little of the side table at 100,000 articles, so `references($id)`'s 95 rows, on
 * as many random pages, missed again on every run (1.0-3.7 ms against 0.3-1.3 ms with 8-32 MB;
 * interleaved, load 11). The writer keeps what it had when it answered them too.
 */
export const PAGE_CACHE_KIB = 16384
/** The published id of a stored id, in SQL: drafts.x and versions.r.x become x. */
const GROUP_ID = `CASE WHEN id >= 'drafts.' AND id < 'drafts/' THEN substr(id, 8)
  WHEN id >= 'versions.' AND id < 'versions/' THEN substr(id, 10 + instr(substr(id, 10), '.'))
  ELSE id END`
/** Uses of an attribute path in query filters before it gets an expression index. */
const AUTO_INDEX_AFTER = 2
/** Learnt expression indexes a dataset file keeps (those declared in the run not counted). */
const MAX_AUTO_INDEXES = 32
/** New automatic expression indexes a store creates in one run of the lake (declared not counted). */
const MAX_NEW_AUTO_INDEXES = 8
/**
 * Attribute paths whose uses are counted toward an index, the most recently used kept: a
 * signed-in writer's queries may name any paths (anonymous callers and viewers count none), each
 * counted for the lake's life before. A path is an expression of a few dozen characters; the
 * Studio and the front end filter on a few dozen.
 */
export const ATTRIBUTE_USES = {entries: 1024, weight: 64 * 1024}
/** How soon a pending index build looks again while a write group or the analyzer is busy. */
const INDEX_BUILD_RETRY_MS = 20

export function createSqliteStores(
  dataDir: string,
  options: SqliteStoreOptions & {
    /** Dataset files the lake may hold (default LIMITS.datasets); none is made past it. */
    maxDatasets?: number
  } = {},
): SqliteStores {
  const {maxDatasets = LIMITS.datasets, ...storeOptions} = options
  const dir = join(dataDir, 'datasets')
  const fileOf = (dataset: string) => join(dir, `${dataset}.sqlite`)
  const files = () =>
    existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.sqlite')).length : 0
  // Counted as each file is about to be made, in the same turn as its making (open() is
  // synchronous), so first writes that race cannot pass the bound together.
  const admitFile = (dataset: string) => () => {
    if (files() < maxDatasets) return
    throw new PermissionError(
      `This lake holds ${maxDatasets} datasets, the most it makes, so dataset "${dataset}" cannot be made: write to one it has, or start the lake with LAKE_MAX_DATASETS set higher`,
    )
  }
  const stores = new Map<string, SqliteStore>()
  // Stores forgotten while a request may still hold them: found again rather than made twice (two
  // connections and two write queues for one file), and closed with the rest.
  const forgotten = new Map<string, WeakRef<SqliteStore>>()
  const collected = new FinalizationRegistry<string>((dataset) => {
    if (forgotten.get(dataset)?.deref() === undefined) forgotten.delete(dataset)
  })
  let deletes = 0
  /** Stores being deleted: handed out until their files are moved, refusing what comes. */
  const deleting = new Map<string, SqliteStore>()
  const deletionDir = join(dir, DELETION_DIR)
  const dropStore = (dataset: string) => {
    stores.delete(dataset)
    forgotten.delete(dataset)
  }
  const get = (dataset: string): SqliteStore => {
    const reason = invalidDatasetReason(dataset)
    if (reason) throw new BadRequestError(reason)
    const retiring = deleting.get(dataset)
    if (retiring) return retiring
    let store = stores.get(dataset) ?? forgotten.get(dataset)?.deref()
    if (!store) {
      store = createSqliteStore(fileOf(dataset), dataset, {
        ...storeOptions,
        admitFile: admitFile(dataset),
      })
    }
    forgotten.delete(dataset)
    stores.set(dataset, store)
    return store
  }
  return {
    get,
    exists: (dataset) => existsSync(fileOf(dataset)),
    letGo(dataset) {
      if (!storeOptions.readOnly) return
      const store = stores.get(dataset)
      if (!store) return
      dropStore(dataset)
      store.close()
    },
    forget(dataset) {
      const store = stores.get(dataset)
      if (!store) return true
      if (!store.unused() || existsSync(fileOf(dataset))) return false
      stores.delete(dataset)
      forgotten.set(dataset, new WeakRef(store))
      collected.register(store, dataset)
      return true
    },
    held: () => stores.size,
    generation: () => deletes,
    async delete(dataset, reason) {
      const store = get(dataset)
      deleting.set(dataset, store)
      try {
        await store.retire(reason)
        dropStore(dataset)
        deletes++
        const file = fileOf(dataset)
        const existed = existsSync(file)
        // The file first: from that rename on the dataset is gone (list, exists), also after a
        // kill. A log left beside it is removed by finishDeletes; SQLite never replays one into
        // the empty file a first write makes (it deletes a log beside a file of no pages).
        const aside = join(deletionDir, dataset)
        rmSync(aside, {recursive: true, force: true})
        mkdirSync(aside, {recursive: true, mode: 0o700})
        for (const suffix of ['', ...WAL_FILES]) {
          try {
            renameSync(`${file}${suffix}`, join(aside, `${dataset}.sqlite${suffix}`))
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
          }
        }
        return existed
      } finally {
        deleting.delete(dataset)
      }
    },
    finishDeletes(each) {
      if (!existsSync(deletionDir)) return
      for (const dataset of readdirSync(deletionDir)) {
        if (invalidDatasetReason(dataset)) continue
        const inPlace = existsSync(fileOf(dataset))
        // Not one being made again meanwhile: a file there is the new dataset's.
        if (!inPlace) {
          for (const suffix of WAL_FILES) rmSync(`${fileOf(dataset)}${suffix}`, {force: true})
        }
        // A delete killed after making its folder, before its file moved, deleted nothing: the
        // dataset is whole, and its assets and visibility are its own.
        const moved = existsSync(join(deletionDir, dataset, `${dataset}.sqlite`))
        if (moved || !inPlace) each(dataset)
        rmSync(join(deletionDir, dataset), {recursive: true, force: true})
      }
    },
    list() {
      if (!existsSync(dir)) return []
      return readdirSync(dir)
        .filter((name) => name.endsWith('.sqlite'))
        .map((name) => name.slice(0, -'.sqlite'.length))
        .sort()
    },
    close() {
      for (const store of stores.values()) store.close()
      for (const ref of forgotten.values()) ref.deref()?.close()
      stores.clear()
      forgotten.clear()
    },
  }
}

/** The registry of SQLite stores: its stores are SqliteStores. */
export interface SqliteStores extends StoreRegistry {
  get(dataset: string): SqliteStore
  /**
   * A read-only registry (a query thread's) closes its store of `dataset`, connection and page
   * cache; the next get() opens one again. Nothing on a writer's registry (a write may be queued).
   */
  letGo(dataset: string): void
}

export interface SqliteStore extends Store {
  /**
   * Fills the full-text index from its queue now rather than in steps between writes (the bench
   * measures what the index costs with it). Must not run inside transact().
   */
  flushSearchIndex(): void
  /** Never opened and no write queued: holds nothing but this object. */
  unused(): boolean
  /** Prepared statements its caches hold (tests: what callers' query shapes can make it keep). */
  statementsHeld(): {shared: number; idle: number}
  /** Attribute paths counted toward expression indexes, and their characters (tests). */
  attributesNoted(): {paths: number; chars: number}
  /**
   * The side table's indexes a bulk load left out and not yet built again (deferredIndexes.ts),
   * and a promise settled once none is (or the store is closed).
   */
  deferredIndexes(): {names: readonly string[]; rebuilt: Promise<void>}
  /**
   * Closes the store for good, its dataset being deleted: writes asked for from now on are
   * refused, and every read once it is closed, with a 404 saying `reason`; writes queued before
   * are written first.
   */
  retire(reason: string): Promise<void>
  /** retire() without waiting: a read-only store (the committed view), closed at once. */
  retireNow(reason: string): void
  /**
   * Documents another connection committed: their parsed copies go. The committed view's cache is
   * told by its writer at each COMMIT; it would otherwise keep a deleted document's copy for good,
   * and with every publish deleting a draft, fill up with them and cache nothing more.
   */
  forgetDocuments(ids: readonly string[]): void
}

/** A store over one SQLite file, opened lazily: a dataset that was never written has no file. */
export function createSqliteStore(
  path: string,
  dataset: string,
  options: SqliteStoreOptions = {},
): SqliteStore {
  const cacheBudget = options.cacheBytes ?? DEFAULT_CACHE_BYTES
  const searchIndexOn = options.searchIndex ?? true
  const walKeepBytes = options.walKeepBytes ?? WAL_KEEP_BYTES
  const maxQueued = options.maxQueued ?? MAX_QUEUED
  const packAfterChanges = options.packAfterChanges ?? PACK_AFTER_CHANGES
  const analyzeBatch = options.analyzeBatch ?? ANALYZE_BATCH
  const behindQueued = options.behindQueued ?? BEHIND_QUEUED
  const deferBoundMs = options.deferBoundMs ?? DEFER_BOUND_MS
  // Admit-while-room, not LRU: a scan wider than the budget would otherwise evict everything it
  // just cached and hit nothing next time. Entries go when their document changes.
  const cache = new Map<string, {rev: string; doc: SanityDocument; bytes: number}>()
  let cachedBytes = 0
  /**
   * The `_rev` of large documents as this store's commits left them: heads() reads a stored
   * `_rev` from the body, which loads all of it (a 27 MB document: 0.1-0.5 s of the event loop,
   * twice per large write). Entries go when their document changes, as the cache's.
   */
  const largeRevs = new Map<string, string>()
  /**
   * Ids heads() found no document for on the writer's connection, each until its next write
   * (forget) or a rollback: a write's pre-check weighs a new document by heads(), and its
   * transaction's working set then reads it again (getDocuments), which takes the answer once
   * instead of a second lookup of the same absent id (in the 50 writers' path, every write).
   * As largeRevs, it holds because only this store writes the documents it reads.
   */
  const absent = new Set<string>()
  /**
   * The stored body's bytes of the ids heads() found, kept as `absent` is (until the id's next
   * write or a rollback): a patch's transaction asks for them twice (bodyBytes: the patch budget,
   * then the working set's write) right after its pre-check's heads() read them, three lookups of
   * one row.
   */
  const knownBytes = new Map<string, number>()
  const rememberAbsent = !options.readOnly
  let db: DatabaseSync | null = null
  /**
   * Declared while the dataset has no file (a name only read so far): made by the write that makes
   * it. Declaring them used to make the file, so any read of any name, anonymous too, made a
   * dataset and took a place under the dataset cap.
   */
  const declaredLater = new Set<string>()
  /** Indexes declared in this run (`--index`, `--order-index`), by name. */
  const declaredIndexes = new Set<string>()
  let closed = false
  /** Why the store was closed for good while the lake runs: its dataset was deleted. */
  let deleted: string | null = null
  // A WAL a lake left without emptying it (killed): what it committed may be in the OS's cache
  // only, so the first sync covers it, also for a group that wrote nothing (the asset sweep
  // removes a deleted asset's file once an empty one is durable).
  let inheritedWal =
    path !== ':memory:' &&
    !options.readOnly &&
    (statSync(`${path}-wal`, {throwIfNoEntry: false})?.size ?? 0) > 0
  const statements = createStatementCache()

  function open(create: boolean): DatabaseSync | null {
    // Deleted (deleteDataset): what a request under way meets is a dataset that is gone.
    if (closed && deleted) throw new NotFoundError(deleted)
    // The lake is stopping (close() comes last): a 503 the client may retry, not a 500.
    if (closed)
      throw new UnavailableError(`The lake is shutting down (dataset "${dataset}" closed)`)
    if (db) return db
    // Its schema is being upgraded on the commit thread (ready()): a 503 the client may retry,
    // where an open here would wait on the event loop for the thread's write lock.
    if (upgrading) {
      throw new UnavailableError(
        `Dataset "${dataset}" is being upgraded to this lake's data format; try again in a few seconds`,
      )
    }
    if (!create && path !== ':memory:' && !existsSync(path)) return null
    if (options.readOnly) {
      let reading: DatabaseSync
      try {
        reading = new DatabaseSync(path, {readOnly: true, timeout: BUSY_TIMEOUT_MS})
      } catch (err) {
        // Moved away since the look above (a delete of the dataset): the empty dataset, as a look
        // a moment later would have found it, not SQLite's "unable to open database file".
        if (!existsSync(path)) return null
        throw err
      }
      // The file exists from before its first write's schema is committed (the writer makes it,
      // then migrates it in one transaction): until then it is the empty dataset, not a read of
      // tables that are not there (a 500, "no such table"), and it is opened again next time.
      let committed = false
      try {
        committed = schemaCommitted(reading, dataset)
      } finally {
        if (!committed) reading.close()
      }
      if (!committed) return null
      db = reading
      if (options.pageCacheKiB) db.exec(`PRAGMA cache_size = -${options.pageCacheKiB}`)
      return db
    }
    const making = path !== ':memory:' && !existsSync(path)
    if (making) {
      options.admitFile?.()
      // Owner-only (lake/auth/dataFolder.ts): SQLite gives -wal and -shm the file's mode.
      mkdirSync(join(path, '..'), {recursive: true, mode: 0o700})
      closeSync(openSync(path, 'a', 0o600))
    }
    // The busy timeout before anything reads the file: another process may hold it (a lake
    // stopping folds the WAL in under an exclusive lock), and without one the first read
    // (journal_mode) failed at once with "database is locked", as auth's did before a701b9a.
    db = new DatabaseSync(path, {timeout: BUSY_TIMEOUT_MS})
    try {
      // Articles are about 2 kB: 4 kB pages would hold one each. Takes effect on a new file only.
      // 8 and 4 kB cut a bulk batch's WAL bytes but not its CPU, paid by the page (query-engine.md).
      db.exec('PRAGMA page_size = 16384')
      // So that pages an index packed after a load no longer needs can leave the file (packIndex.ts).
      // Takes effect on a new file only, as page_size: an older one keeps its free pages inside.
      db.exec('PRAGMA auto_vacuum = INCREMENTAL')
      db.exec('PRAGMA journal_mode = WAL')
      // SQLite never shrinks the WAL file by itself: after a bulk load it stayed the size of the
      // largest run between checkpoints (tens of MB, counted in the data folder's size). Checkpoint
      // every WAL_PAGES pages (or leave it to the checkpointer's thread), keep at most WAL_KEEP_BYTES
      // when it restarts, and empty it when writes pause (idleCheckpoint).
      db.exec(`PRAGMA wal_autocheckpoint = ${walCheckpointer ? 0 : WAL_PAGES}`)
      db.exec(`PRAGMA journal_size_limit = ${walKeepBytes}`)
      // From here a COMMIT does not wait for the disk (a checkpoint still syncs the WAL before it and
      // the file after it): write groups are made durable by syncWal, off the event loop, before
      // anyone is answered. A synchronous COMMIT held the event loop for the fsync, 4-40 ms on a
      // shared disk, during which no request was read and no next group was prepared. The schema's
      // statements below too: each was a synced commit, about ten fsyncs on the event loop when a
      // dataset is first written (30-150 ms on a busy disk, every request waiting). Their frames come
      // before any write's in the WAL, so the sync that makes the first write durable makes them
      // durable too; lost with the machine before it, they are made again at the next open (WAL
      // commits are atomic: the file is the old schema or the new one, never half of it).
      db.exec('PRAGMA synchronous = NORMAL')
      db.exec('PRAGMA foreign_keys = ON')
      db.exec(`PRAGMA cache_size = -${PAGE_CACHE_KIB}`)
      migrate(db, dataset)
      // Left out by a bulk load that stopped before they were built again (deferredIndexes.ts).
      buildMissingDeferredIndexes(db)
      describeFields(db)
      if (searchIndexOn) ensureSearchIndex(db)
      else dropSearchIndex(db)
      // Made here, at once: its table is empty, and a bulk load's first batch keeps them as it goes.
      if (making) {
        for (const expr of declaredLater) {
          db.exec(`CREATE INDEX IF NOT EXISTS attr_${hash(expr)} ON documents (${expr})`)
          declaredIndexes.add(`attr_${hash(expr)}`)
        }
        declaredLater.clear()
      }
      opening = randomUUID()
      // Left by a lake that stopped before indexing them.
      if (offThread) {
        queued = countQueued()
        reindexLeft = Number(get('SELECT count(*) AS n FROM search_reindex')?.n ?? 0)
      }
    } catch (err) {
      // Not kept half made (a busy file left its schema un-upgraded, its index unchecked, and
      // every later read used it): the next read opens it again.
      statements.clear()
      db.close()
      db = null
      throw err
    }
    scheduleIndexing()
    if (declaredLater.size > 0) {
      // A file another process made: built as any declared index, after what opened it.
      const exprs = [...declaredLater]
      declaredLater.clear()
      setImmediate(() => {
        if (!closed) for (const expr of exprs) noteAttributeUse(expr, true)
      })
    }
    return db
  }

  let indexing: NodeJS.Immediate | null = null
  let retryIndexing: NodeJS.Timeout | null = null
  function scheduleIndexing() {
    if (searchIndexOn && !options.readOnly && !indexing && !retryIndexing && !closed) {
      indexing = setImmediate(indexStep)
    }
  }

  /** One step of filling the full-text index from its queue, between write groups. */
  function indexStep() {
    indexing = null
    if (closed || !db) return
    if (offThread) return analyzerStep()
    // A write group in progress (or its sync) schedules the next step when it is done.
    if (draining || syncing) return
    // The idle checkpoint's thread holds the write lock: SQLite's busy handler would wait here.
    if (truncating) {
      void truncating.then(scheduleIndexing)
      return
    }
    // The step only moves work from the queue into the index: if it is lost, the queue still
    // holds it, so it need not wait for its own fsync (the next write group's sync covers it).
    try {
      const done = indexQueued(db, (sql) => stmt(sql)!, INDEX_STEP_MS, maxQueued, reportSetAside)
      indexSucceeded()
      if (!done) scheduleIndexing()
      else scheduleIdleCheckpoint()
    } catch (err) {
      indexFailed(err)
    }
  }

  /**
   * A document whose analysis failed is set aside (searchIndex.ts): a candidate of every search,
   * analysed again after its next write. Said once, when it is set aside.
   */
  function reportSetAside(id: string, error: string) {
    console.error(
      `lake: the full-text index of "${dataset}" set aside document "${id}" (${error}); searches re-check it on every query until it is written again`,
    )
  }

  /** The last failure logged, so that a failure repeated every retry is logged once. */
  let lastIndexError: string | null = null
  function indexSucceeded() {
    lastIndexError = null
  }

  /**
   * The step rolled back: the queue still holds its documents, and queued documents are
   * candidates of every search, so results stay right (searches only read more). A locked or
   * full disk must not stop the lake: try again a little later.
   */
  function indexFailed(err: unknown) {
    if (err instanceof AnalyzerClosedError) return
    const message = (err as Error).message
    if (message !== lastIndexError) {
      console.error(
        `lake: filling the full-text index of "${dataset}" failed (${message}); retrying every ${INDEX_RETRY_MS} ms, said again only when the failure changes`,
      )
    }
    lastIndexError = message
    retryIndexing = setTimeout(() => {
      retryIndexing = null
      scheduleIndexing()
    }, INDEX_RETRY_MS).unref()
  }

  /*
   * With an analyzer thread: it reads and analyses a batch of the queue (read after the last one,
   * `cursor`; the re-index's backlog, read when the queue waits, has its own) while the event loop
   * writes, and holds the rows. When no write group is open and the
   * thread is idle, it is told to write them, in a transaction of its own connection, while the
   * event loop answers the last group and reads and builds the next transactions; a group that
   * would open meanwhile waits for that write to end (writer.commit: awaited, never blocking the
   * event loop in SQLite's busy handler). The thread does one task at a time, so a write is never
   * asked for behind an analysis: the group would wait for both. applyAnalyzed leaves a document
   * written again since it was read queued.
   */
  const offThread = options.analyzer && path !== ':memory:' ? options.analyzer : null
  /** The event loop's nice value: the analyzer's when it is not behind. */
  const eventLoopNice = offThread ? getPriority() : 0
  let opening = ''
  let analysis: Promise<void> | null = null
  /** Documents the thread holds analysed and unwritten. */
  let held = 0
  /** The thread's write of the held rows, in flight: no write group opens meanwhile. */
  let writing: Promise<void> | null = null
  /** The thread's writes started so far (a checkpoint is quiet only if none started beside it). */
  let threadWrites = 0
  let cursor = ''
  let reindexCursor = ''
  /** Commits so far: a batch that found the queue empty looks again if any came meanwhile. */
  let commits = 0
  /** About how many documents are queued (exact after a batch finds the end of the queue). */
  let queued = 0
  /**
   * What the re-index has left (every document when the index's rules changed:
   * ensureSearchIndex), apart from the queue: writes never wait for it (a re-index of 130,000
   * documents held the first write after the open 24 s), and only its own indexing counts it down.
   */
  let reindexLeft = 0

  const countQueued = () => Number(get('SELECT count(*) AS n FROM search_queue')?.n ?? 0)

  /**
   * A write group waits for a checkpoint with nothing written beside it (MAX_WAL_FRAMES): the
   * thread neither reads nor writes meanwhile. The group's end schedules the next step.
   */
  let quietCheckpoint = false

  function analyzerStep() {
    if (quietCheckpoint) return
    // An expression index waiting to be built goes first (its build retries until it can).
    if (pendingIndexes.size > 0) return buildIndexes()
    // A group in progress keeps the write lock; its end (or its sync's) schedules the next step.
    if (held > 0 && !groupOpen && !onThread && !writing && !analysis) writeAnalysed()
    if (!analysis && !writing && !retryIndexing && held < MAX_HELD) {
      let queueWaits = false
      // Writes that never pause would keep the backlog waiting (searches re-check all of it): it
      // gets every other batch while the queue is under half its bound. A write group past the
      // bound reads the queue only (catchUpIndex), after at most the backlog's batch in flight.
      const backlogTurn =
        reindexLeft > 0 &&
        lastRead === 'queue' &&
        queued <= maxQueued / 2 &&
        (held === 0 || reindexCursor !== '')
      if (!backlogTurn && (held === 0 || cursor !== '') && queued > 0) {
        const now = performance.now()
        const wait = Math.min(
          ANALYZE_PAUSE_MS - (now - committedAt),
          ANALYZE_MAX_WAIT_MS - (now - (unreadSince ?? now)),
        )
        if (queued >= analyzeBatch || cursor !== '' || wait <= 0) requestAnalysis('queue')
        // Writes keep coming: the next group asks again, or this timer.
        else queueWaits = !!(fullerBatch ??= setTimeout(analyzeLater, wait).unref())
      }
      // The re-index's backlog goes while the queue has nothing to read (or waits for more).
      if (!analysis && reindexLeft > 0 && (queued === 0 || queueWaits || backlogTurn)) {
        if (held === 0 || reindexCursor !== '') requestAnalysis('reindex')
      }
    }
    // The last batch's rows were written after the write group's idle checkpoint had run.
    if (!analysis && held === 0 && !writing && queued === 0 && reindexLeft === 0)
      scheduleIdleCheckpoint()
  }

  /** When the last write group committed, and the first since the analyzer last read. */
  let committedAt = -Infinity
  let unreadSince: number | null = null
  let fullerBatch: NodeJS.Timeout | null = null
  function analyzeLater() {
    fullerBatch = null
    scheduleIndexing()
  }

  function writeAnalysed() {
    const target = {path, opening, walKeepBytes}
    held = 0
    threadWrites++
    writing = offThread!.write(target).then(
      ({applied, reindexed, setAside}) => {
        writing = null
        if (closed) return
        // A throw here is not the thread's failure, but handled as one (afterAnswer).
        afterAnswer(() => {
          indexSucceeded()
          for (const [id, error] of setAside) reportSetAside(id, error)
          queued = Math.max(0, queued - applied)
          reindexLeft = Math.max(0, reindexLeft - reindexed)
          // The analyzer writing on after a load (no write group asks for checkpoints then): its
          // rows went into the WAL unchecked, 250 MB and more after the archive, which the idle
          // checkpoint, or the lake's stop, then copied at once.
          if (!groupOpen && checkpointDue()) {
            void requestCheckpoint()
          }
          scheduleIndexing()
        })
      },
      (err) => {
        writing = null
        // Nothing was written and the thread holds nothing: read the queue again from its start.
        cursor = reindexCursor = ''
        if (!closed) indexFailed(err)
      },
    )
  }

  /**
   * The store's part after the thread answered (a count of the queue on this connection, the next
   * step's scheduling). A throw there (the file locked or its schema changed by another
   * connection) is an index step's failure: logged and retried, as the thread's own. Thrown out
   * of the .then's success handler, it rejected `analysis` or `writing`, which nobody awaits
   * between write groups: an unhandled rejection, which ends the lake's process.
   */
  function afterAnswer(step: () => void) {
    try {
      step()
    } catch (err) {
      indexFailed(err)
    }
  }

  /** Which the thread read last: the queue or the re-index's backlog. */
  let lastRead: QueueSource = 'queue'
  /** The analysis in flight runs below the event loop's priority (searchAnalyzerWorker.ts). */
  let analysisDemoted = false
  /** Its hurry flag, shared with the thread (searchAnalyzer.ts). */
  let analysisHurry = new Int32Array(new SharedArrayBuffer(4))
  /** The analyzer thread's Linux thread id, from its last answer, and when that came. */
  let analyzerTid: number | null = null
  let analyzerAnsweredAt = -Infinity
  /**
   * A write group waits for the analysis in flight (a catch-up, a quiet checkpoint): a demoted
   * one gets the event loop's priority back, or under other load the group waits for a thread
   * that gets a tenth of a core.
   */
  function hurryAnalysis() {
    if (!analysis || !analysisDemoted) return
    analysisDemoted = false
    // The flag first: a thread still reading its batch then does not lower itself after this
    // raise (it did, and the group waited for it at a tenth of a core).
    Atomics.store(analysisHurry, 0, 1)
    if (analyzerTid !== null) setThreadNice(analyzerTid, eventLoopNice)
  }

  /** `waitedFor`: a write group waits for this batch (catchUpIndex), never demoted. */
  function requestAnalysis(source: QueueSource, waitedFor = false) {
    lastRead = source
    const reindex = source === 'reindex'
    if (!reindex) {
      unreadSince = null
      if (fullerBatch) clearTimeout(fullerBatch)
      fullerBatch = null
    }
    const after = reindex ? reindexCursor : cursor
    const commitsBefore = commits
    const demote = !waitedFor && queued + reindexLeft > behindQueued
    analysisDemoted = demote
    analysisHurry = new Int32Array(new SharedArrayBuffer(4))
    const hurry = analysisHurry.buffer as SharedArrayBuffer
    // A thread idle long enough to have ended is another one now (idleThread.ts).
    if (performance.now() - analyzerAnsweredAt > ANALYZER_TID_MS) analyzerTid = null
    const task = {path, opening, after, limit: analyzeBatch, source, demote, hurry}
    analysis = offThread!.analyze(task).then(
      ({read, last, tid}) => {
        analysis = null
        analyzerTid = tid ?? null
        analyzerAnsweredAt = performance.now()
        if (closed) return
        held += read
        const end = read < analyzeBatch
        if (reindex) reindexCursor = end ? '' : last
        else cursor = end ? '' : last
        afterAnswer(() => {
          // The backlog gets nothing new, but its documents written meanwhile are read again.
          if (read > 0 || after !== '' || (!reindex && commits !== commitsBefore)) {
            scheduleIndexing()
            return
          }
          // The whole queue (or backlog) is analysed and written (but for documents written
          // again meanwhile, which the last check above catches): count what is left exactly.
          if (reindex) reindexLeft = Number(get('SELECT count(*) AS n FROM search_reindex')?.n ?? 0)
          else queued = countQueued()
          if (queued > 0 || reindexLeft > 0) scheduleIndexing()
          else scheduleIdleCheckpoint()
        })
      },
      (err) => {
        analysis = null
        if (!closed) indexFailed(err)
      },
    )
  }

  /**
   * Before a write group, while more than MAX_QUEUED documents wait for the index: waits for the
   * analyzer's next batch and its write (searches re-check every queued document, so the queue
   * must stay short under a sustained bulk load). False when nothing was written (a failure).
   */
  async function catchUpIndex(): Promise<boolean> {
    // The last batch failed: its retry is on a timer, and no write group waits for it.
    if (retryIndexing) return false
    // The queue's next batch (the backlog's in flight, if any, is written first), at the lake's
    // priority: the write group waits for it.
    if (!analysis && held === 0 && !writing) requestAnalysis('queue', true)
    hurryAnalysis()
    if (analysis) await analysis
    if (closed) return false
    if (held > 0 && !writing && !analysis) writeAnalysed()
    const write = writing
    if (!write) return false
    await write
    return !closed && !retryIndexing
  }

  const walCheckpointer =
    options.checkpointer && path !== ':memory:' && !options.readOnly ? options.checkpointer : null
  const committer =
    options.committer && path !== ':memory:' && !options.readOnly ? options.committer : null
  /** The commit thread's upgrade of the file's schema, while it runs (ready()). */
  let upgrading: Promise<void> | null = null
  /** The file was found in this lake's format (ready() need not look again). */
  let upToDate = false
  /** The checkpoint in flight on the checkpointer's thread, and when the last one started. */
  let checkpointing: Promise<void> | null = null
  let checkpointedAt = -Infinity
  /** Frames in the WAL at the last checkpoint (0: the next write starts it over). */
  let walFrames = 0
  /**
   * After a write: whether to ask for a checkpoint (CHECKPOINT_AFTER_MS). The log's size is known
   * only from the last checkpoint's answer: the store never opens the `-shm` file itself, whose
   * descriptor's close would drop every POSIX lock SQLite holds on it in this process.
   */
  function checkpointDue(): boolean {
    const since = performance.now() - checkpointedAt
    return since >= (walFrames >= CHECKPOINT_FRAMES ? CHECKPOINT_EVERY_MS : CHECKPOINT_AFTER_MS)
  }

  /**
   * A checkpoint on the other thread. `quiet`: no write group opens until it is done, so when it
   * copies every frame (and the analyzer's thread wrote nothing beside it), the next write starts
   * the log over (unless a reader still reads it).
   */
  function requestCheckpoint(quiet = false): Promise<void> | null {
    if (!walCheckpointer || closed || checkpointing) return checkpointing
    checkpointedAt = performance.now()
    const writesBefore = writing ? -1 : threadWrites
    checkpointing = walCheckpointer.checkpoint({path, opening}).then(
      (result) => {
        checkpointing = null
        const alone = quiet && threadWrites === writesBefore && !writing
        walFrames = alone && result.checkpointed === result.log ? 0 : result.log
      },
      (err: unknown) => {
        checkpointing = null
        console.error(
          `lake: checkpointing the write-ahead log of "${dataset}" failed (${(err as Error).message}); the next idle moment tries again`,
        )
      },
    )
    return checkpointing
  }

  let idle: NodeJS.Timeout | null = null
  function scheduleIdleCheckpoint() {
    if (options.readOnly || closed) return
    if (idle) idle.refresh()
    else idle = setTimeout(idleCheckpoint, options.idleCheckpointMs ?? 1000).unref()
  }

  /**
   * The idle checkpoint in flight on the checkpointer's thread: write groups wait for it (drain),
   * as SQLite would make them wait in its busy handler, on the event loop.
   */
  let truncating: Promise<void> | null = null

  /** Documents written since the indexes were last packed (packIndex.ts). */
  let changedSincePack = 0
  /** A pack under way: each quiet moment rebuilds one more index, until none is left loose. */
  let packing = false
  /**
   * The indexes the pack under way has still to rebuild, each once (packIndex.ts): undefined until
   * a step measures them, at its first rebuild and again once documents have changed since (a
   * bulk load between two steps: an index may have grown past what a step rebuilds, another
   * become loose). `done`: those it has rebuilt, left out of a new measure.
   */
  let plan: readonly string[] | undefined
  let done: readonly string[] = []
  /** changedSincePack when `plan` was measured. */
  let planChanges = 0
  let packStep: NodeJS.Immediate | null = null

  /**
   * The deferred indexes the file lacks since a bulk load's batch dropped them (deferredIndexes.ts),
   * in the order they are built again; `rebuildDue` once the load has been over DEFER_BOUND_MS or a
   * quiet moment came: from then each step between write groups builds one (rebuildStep).
   * `rebuilt` settles once none is left out (SqliteStore.deferredIndexes).
   */
  let deferred: readonly string[] = []
  let rebuildDue = false
  let deferBound: NodeJS.Timeout | null = null
  let rebuildNext: NodeJS.Immediate | null = null
  let rebuildRetry: NodeJS.Timeout | null = null
  let rebuilt: {promise: Promise<void>; resolve: () => void} | null = null

  /** After a streamed batch's commit (or its failure): which of the four the file lacks now. */
  function batchCommitted() {
    if (closed || !db) return
    try {
      deferred = missingDeferredIndexes(db)
    } catch (err) {
      // Not the batch's outcome (it is answered as committed or failed): the next one looks again.
      console.error(`lake: reading the indexes of "${dataset}" failed (${String(err)})`)
      return
    }
    if (deferred.length === 0) return
    if (!rebuilt) {
      let resolve!: () => void
      const promise = new Promise<void>((done) => (resolve = done))
      rebuilt = {promise, resolve}
    }
    // The load goes on: the bound counts from its last batch.
    rebuildDue = false
    if (deferBound) deferBound.refresh()
    else {
      deferBound = setTimeout(() => {
        deferBound = null
        rebuildDue = true
        rebuildStep()
      }, deferBoundMs).unref()
    }
  }

  /**
   * Builds the next deferred index on the checkpointer's thread, write groups waiting for it as
   * for the idle checkpoint (`truncating`), the analyzer's thread writing nothing meanwhile.
   * `between`: drain() calls between two groups; otherwise nothing is started while it runs (its
   * next group boundary, or its end, asks again).
   */
  function rebuildStep(between = false) {
    if (!rebuildDue || deferred.length === 0 || closed || !db) return
    if ((draining && !between) || truncating || rebuildRetry || streaming || groupOpen) return
    if (!walCheckpointer) {
      // A store without the checkpointer's thread (a test's): on this connection, all at once.
      try {
        for (const name of deferred) buildDeferredIndex(db, name)
        deferred = missingDeferredIndexes(db)
      } catch (err) {
        console.error(`lake: building the indexes of "${dataset}" again failed (${String(err)})`)
      }
      if (deferred.length === 0) {
        rebuildDue = false
        rebuilt?.resolve()
        rebuilt = null
      }
      return
    }
    const name = deferred[0]
    const before = checkpointing
    let next: 'again' | 'retry' = 'retry'
    quietCheckpoint = true
    checkpointedAt = performance.now()
    truncating = checkpointing = (async () => {
      try {
        // A checkpoint in flight, then the analyzer's write (or an expression index) ends first.
        await before
        await writing
        const result = await walCheckpointer.checkpoint({path, opening, rebuild: name})
        walFrames = result.busy ? result.log : 0
        if (result.rebuilt) {
          deferred = deferred.filter((left) => left !== name)
          next = 'again'
        } else if (result.rebuildFailed !== undefined) {
          console.error(
            `lake: building index ${name} of "${dataset}" again after a bulk load failed (${result.rebuildFailed}); trying again`,
          )
        }
      } catch (err) {
        console.error(
          `lake: building index ${name} of "${dataset}" again after a bulk load failed (${(err as Error).message}); trying again`,
        )
      } finally {
        quietCheckpoint = false
      }
    })().finally(() => {
      truncating = checkpointing = null
      if (closed) return
      if (deferred.length === 0) {
        rebuildDue = false
        rebuilt?.resolve()
        rebuilt = null
        scheduleIndexing()
        scheduleIdleCheckpoint()
      } else if (next === 'again') {
        rebuildNext ??= setImmediate(() => {
          rebuildNext = null
          rebuildStep()
        })
      } else {
        rebuildRetry = setTimeout(() => {
          rebuildRetry = null
          rebuildStep()
        }, REBUILD_RETRY_MS).unref()
      }
    })
  }

  /**
   * Between bursts of writes the WAL holds up to WAL_KEEP_BYTES of pages already copied, or about
   * to be copied, into the file (after a 20 MB write, 40 MB or more): move them and empty it, so a data
   * folder at rest is its file alone. On the checkpointer's thread when there is one: on the event
   * loop, after a 20 MB write, it held every request for about 150 ms (load 30).
   */
  function idleCheckpoint() {
    idle = null
    // Busy now: the end of the write group, index step or checkpoint asks again.
    if (closed || !db || draining || syncing || indexing || writing) return
    if (checkpointing) {
      void checkpointing.then(scheduleIdleCheckpoint)
      return
    }
    // The burst is over and the analyzer has read everything (its batch in flight asks again).
    // From a timer: a throw here ended the lake's process (2026-12-04), and skipped the checkpoint.
    if (!analysis) {
      try {
        options.heapTrim?.idle()
      } catch (err) {
        console.error(
          `lake: giving the heap back failed (${String(err)}); the next idle moment tries again`,
        )
      }
    }
    if (deferred.length > 0) {
      // A quiet moment after a bulk load: its indexes first, before the bound.
      rebuildDue = true
      rebuildStep()
      return
    }
    if (walCheckpointer) {
      // After a bulk load, once the analyzer has nothing in hand (its write would wait for the
      // step): the indexes packed one a step, write groups waiting for a step as for the checkpoint.
      // (Without the thread, the index's steps on the event loop are done when this runs.)
      const analyzerIdle =
        !offThread || (!analysis && held === 0 && queued === 0 && reindexLeft === 0)
      const pack =
        (packing || changedSincePack >= packAfterChanges) &&
        analyzerIdle &&
        pendingIndexes.size === 0
      if (pack && !packing) {
        packing = true
        changedSincePack = 0
        plan = undefined
        done = []
      }
      // Measured at this step (writes wait for it) when there is no plan, or a stale one.
      if (pack && (plan === undefined || changedSincePack !== planChanges)) {
        plan = undefined
        planChanges = changedSincePack
      }
      let again = false
      // A failed pack is not retried at once: the counter began again when it did.
      const nextPack = () =>
        `the next pack comes once ${packAfterChanges} documents have changed since this one began (${changedSincePack} so far)`
      checkpointedAt = performance.now()
      truncating = checkpointing = walCheckpointer
        .checkpoint({path, opening, truncate: true, ...(pack ? {pack: {plan, done}} : {})})
        .then(
          (result) => {
            // A reader in the middle of a snapshot keeps the WAL: another idle interval tries again.
            if (result.busy) scheduleIdleCheckpoint()
            else walFrames = 0
            if (pack && result.packed === null && !result.busy) packing = false
            if (result.packFailed !== undefined) {
              console.error(
                `lake: packing the indexes of "${dataset}" failed (${result.packFailed}); ${nextPack()}`,
              )
            }
            again = pack && result.packed != null
            if (pack && result.plan) plan = result.plan
            if (pack && result.done) done = result.done
          },
          (err: unknown) => {
            packing = false
            console.error(
              `lake: checkpointing the write-ahead log of "${dataset}" failed (${(err as Error).message}); the next idle moment tries again` +
                (pack ? `, and the pack under way stops: ${nextPack()}` : ''),
            )
          },
        )
        .finally(() => {
          truncating = checkpointing = null
          // The next step at once, unless a write came meanwhile: it goes first, and its end
          // schedules the next quiet moment.
          if (again && !packStep) {
            packStep = setImmediate(() => {
              packStep = null
              if (!idle) idleCheckpoint()
            })
          }
        })
      return
    }
    // A reader in the middle of a snapshot keeps the WAL: give up at once rather than wait for it
    // on the event loop, and try again after another idle interval.
    db.exec('PRAGMA busy_timeout = 0')
    let busy = true
    try {
      busy = (db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as {busy: number}).busy !== 0
    } catch {
      // SQLITE_BUSY: see above.
    } finally {
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`)
    }
    if (busy) scheduleIdleCheckpoint()
  }

  function stmt(sql: string): StatementSync | null {
    const conn = open(false)
    if (!conn) return null
    return statements.get(sql, (text) => conn.prepare(text))
  }

  /**
   * A statement of its own for lazy iteration: a cached one would be reset if another request ran
   * the same SQL while this iterator is suspended.
   */
  function freshStmt(sql: string): StatementSync | null {
    const conn = open(false)
    return conn ? conn.prepare(sql) : null
  }

  /**
   * Lazy iteration over a statement of its own (a suspended one never shares it), taken from the
   * idle ones and given back when it ends, so a query shape asked again is not prepared again (a
   * tenth of a millisecond, as much as an index-answered read itself).
   */
  function* iterate(sql: string, params: SQLInputValue[], arrays = false): Generator<unknown> {
    const conn = open(false)
    if (!conn) return
    const s = statements.take(sql, (text) => conn.prepare(text))
    s.setReturnArrays(arrays)
    try {
      yield* s.iterate(...params)
    } finally {
      if (db === conn) statements.giveBack(sql, s)
    }
  }

  function all(sql: string, ...params: SQLInputValue[]): Record<string, SQLInputValue>[] {
    const s = stmt(sql)
    return s ? (s.all(...params) as Record<string, SQLInputValue>[]) : []
  }

  /**
   * Plans by their cached EXPLAIN statement, read once per schema: a plan here depends on the SQL
   * text and the indexes alone (no sqlite_stat4 in this build, sqlite_stat1's figures are fixed,
   * no LIKE or GLOB on a parameter), so a shape asked again with other values (a slug lookup) needs
   * no plan read. Keyed by the statement, a plan goes with it when `statements` is cleared (a new
   * index, a reopened file, the file's schema changed by this connection or another: a bulk
   * load's batch drops indexes on the commit thread, the checkpointer's builds them again,
   * deferredIndexes.ts), and is bounded as that cache is.
   */
  const plans = new WeakMap<StatementSync, string[]>()
  /** The file's schema_version when the cached plans were read (-1: none read yet). */
  let plannedSchema = -1

  function planOf(sql: string, params: SQLInputValue[]): string[] {
    // Read before every plan, not cleared at the moments this store changes the schema: query
    // threads' read-only stores run this too and see other connections' changes only so. It
    // cost 0.2-0.6 % of a by-slug query's in-place answer in one process (2026-12-06, load 30).
    const schema = Number(get('PRAGMA schema_version')?.schema_version ?? -1)
    if (schema !== plannedSchema) {
      if (plannedSchema !== -1) {
        // An EXPLAIN statement's answer is made when it is prepared, from the schema the
        // connection holds, which it reads again only when a statement that reads the file finds
        // it changed (the pragma above does not): read it, then prepare anew.
        statements.clear()
        get('SELECT 1 FROM sqlite_schema LIMIT 1')
      }
      plannedSchema = schema
    }
    const s = stmt(`EXPLAIN QUERY PLAN ${sql}`)
    if (!s) return []
    let plan = plans.get(s)
    if (!plan) {
      plan = (s.all(...params) as {detail: string}[]).map(({detail}) => detail)
      plans.set(s, plan)
    }
    return plan
  }

  /** Whether SQLite reads `sql` by seeking indexes, never a scan or a sort first (Store.seeks). */
  function seeking(sql: string, params: SQLInputValue[]): boolean {
    // A SCAN (of a table, or a whole index) or a temporary sort costs the table's size before
    // or between rows; json_each over a bound list is as long as the query's own parameters.
    return planOf(sql, params).every(
      (detail) =>
        !detail.includes('TEMP B-TREE') &&
        !detail.includes('search_fts') &&
        !(detail.startsWith('SCAN') && !detail.startsWith('SCAN json_each')),
    )
  }

  /** Whether SQLite reads `sql` by scanning the side table (or one of its indexes) whole. */
  function scansSideTable(sql: string, params: SQLInputValue[]): boolean {
    return planOf(sql, params).some((detail) => detail === 'SCAN f' || detail.startsWith('SCAN f '))
  }

  function get(sql: string, ...params: SQLInputValue[]): Record<string, SQLInputValue> | undefined {
    const s = stmt(sql)
    return s ? (s.get(...params) as Record<string, SQLInputValue> | undefined) : undefined
  }

  function txSeq(id: string): number {
    const row = get('SELECT seq FROM transactions WHERE id = ?', id)
    if (!row) throw new NotFoundError(`Transaction "${id}" not found`)
    return Number(row.seq)
  }

  /**
   * The WHERE of a log listing's bounds, times and authors, on transactions `t` and the listed
   * seq `seq` (t.seq, or the change's tx_seq when the listing is driven by changes).
   */
  function transactionBounds(
    query: TransactionQuery,
    seq: string,
  ): {where: string[]; params: SQLInputValue[]} {
    const where: string[] = []
    const params: SQLInputValue[] = []
    if (query.fromTransaction) {
      where.push(`${seq} >= ?`)
      params.push(txSeq(query.fromTransaction))
    }
    if (query.toTransaction) {
      where.push(`${seq} <= ?`)
      params.push(txSeq(query.toTransaction))
    }
    if (query.fromTime) {
      where.push('t.timestamp >= ?')
      params.push(query.fromTime)
    }
    if (query.toTime) {
      where.push('t.timestamp <= ?')
      params.push(query.toTime)
    }
    if (query.authors?.length) {
      where.push(`t.identity IN (${query.authors.map(() => '?').join(',')})`)
      params.push(...query.authors)
    }
    return {where, params}
  }

  /**
   * The seqs of a log listing after `after` (exclusive; null: from its start), in its order, at
   * most `limit`. By the ids' changes; for id prefixes that are namespaces (drafts.: a
   * contributor's dataset-wide log), a walk of each one's changes in commit order
   * (changes_namespace), merged, so a page reads about the rows it lists however long the log;
   * other prefixes probe each transaction's changes; else the transactions by seq.
   */
  function logSeqs(query: TransactionQuery, after: number | null, limit?: number): number[] {
    const order = query.reverse ? 'DESC' : 'ASC'
    const tail = limit !== undefined && limit >= 0 ? ' LIMIT ?' : ''
    const bounded = (seq: string) => {
      const {where, params} = transactionBounds(query, seq)
      if (after !== null) {
        where.push(`${seq} ${query.reverse ? '<' : '>'} ?`)
        params.push(after)
      }
      return {where, params}
    }
    const namespaces = !query.ids && query.idPrefixes?.length ? query.idPrefixes : null
    if (namespaces?.every((prefix) => prefix.indexOf('.') === prefix.length - 1)) {
      const params: SQLInputValue[] = []
      // CROSS JOIN keeps the changes outer: the transactions' rows are looked up by key.
      const arms = [...new Set(namespaces)].map((namespace) => {
        const {where, params: more} = bounded('c.tx_seq')
        params.push(namespace, ...more)
        return `SELECT c.tx_seq AS seq FROM changes c INDEXED BY changes_namespace
          CROSS JOIN transactions t ON t.seq = c.tx_seq
          WHERE ${NAMESPACE_OF} = ? AND ${HAS_NAMESPACE}${where.map((w) => ` AND ${w}`).join('')}`
      })
      if (tail) params.push(limit!)
      // UNION merges the arms' ordered walks and lists a transaction of two changes once.
      const sql =
        arms.length === 1
          ? `${arms[0].replace('SELECT', 'SELECT DISTINCT')} ORDER BY c.tx_seq ${order}${tail}`
          : `${arms.join(' UNION ')} ORDER BY 1 ${order}${tail}`
      return all(sql, ...params).map((row) => Number(row.seq))
    }
    const {where, params} = bounded('t.seq')
    if (query.ids) {
      where.push(`c.doc_id IN (${query.ids.map(() => '?').join(',')})`)
      params.push(...query.ids)
    }
    if (query.idPrefixes) {
      // A probe of the transaction's few changes by its primary key.
      const any = query.idPrefixes.map(() => 'substr(p.doc_id, 1, ?) = ?').join(' OR ')
      where.push(`EXISTS (SELECT 1 FROM changes p WHERE p.tx_seq = t.seq AND (${any || '0'}))`)
      for (const prefix of query.idPrefixes) params.push(prefix.length, prefix)
    }
    if (where.length === 0) where.push('1')
    if (tail) params.push(limit!)
    const from = query.ids ? 'changes c JOIN transactions t ON t.seq = c.tx_seq' : 'transactions t'
    return all(
      `SELECT DISTINCT t.seq AS seq FROM ${from}
       WHERE ${where.join(' AND ')} ORDER BY t.seq ${order}${tail}`,
      ...params,
    ).map((row) => Number(row.seq))
  }

  function loadTransaction(seq: number): LoggedTransaction {
    const tx = get('SELECT id, timestamp, identity FROM transactions WHERE seq = ?', seq)!
    const changes = all(
      'SELECT doc_id, mutations, effects FROM changes WHERE tx_seq = ? ORDER BY position',
      seq,
    )
    return {
      id: String(tx.id),
      timestamp: String(tx.timestamp),
      identity: String(tx.identity),
      changes: changes.map((row) => ({
        id: String(row.doc_id),
        ...decodeChange(row as {mutations: string; effects: string}, () =>
          stateAfter(String(row.doc_id), seq),
        ),
      })),
    }
  }

  /** A document at a point in history (the dataset's file is open). */
  function documentAt(id: string, at: HistoryPoint): SanityDocument | null {
    if ('revision' in at) {
      const tx = get('SELECT seq FROM transactions WHERE id = ?', at.revision)
      return tx ? stateAfter(id, Number(tx.seq)) : null
    }
    if ('time' in at) {
      const row = get(
        `SELECT max(c.tx_seq) AS seq FROM changes c JOIN transactions t ON t.seq = c.tx_seq
         WHERE c.doc_id = ? AND t.timestamp <= ?`,
        id,
        at.time,
      )
      return row?.seq == null ? null : stateAfter(id, Number(row.seq))
    }
    const [current] = getDocuments([id])
    if (current) return current
    // Deleted: the state before the last delete.
    const row = get(`SELECT max(tx_seq) AS seq FROM changes WHERE doc_id = ? AND deleted = 0`, id)
    return row?.seq == null ? null : stateAfter(id, Number(row.seq))
  }

  /**
   * Characters of the log's stored text (snapshots, effects) a rebuild may still read: documentsAt's
   * `most`, Infinity elsewhere. Past it the rebuild stops (OVER_MOST) before parsing more.
   */
  let rebuildLeft = Infinity

  /** A stored text a rebuild is about to parse, counted against rebuildLeft. */
  function counted(text: string): string {
    rebuildLeft -= text.length
    if (rebuildLeft < 0) throw OVER_MOST
    return text
  }

  /** A document's state after the last change at or before transaction `seq` (see log.ts). */
  function stateAfter(id: string, seq: number): SanityDocument | null {
    const base = get(
      `SELECT c.tx_seq AS seq, t.id AS tx, c.snapshot AS snapshot, c.deleted AS deleted
       FROM changes c JOIN transactions t ON t.seq = c.tx_seq
       WHERE c.doc_id = ? AND c.tx_seq <= ? ORDER BY c.tx_seq DESC LIMIT 1`,
      id,
      seq,
    )
    if (!base || base.deleted) return null
    if (base.snapshot !== null) return JSON.parse(counted(String(base.snapshot))) as SanityDocument
    const forward = fromSnapshotBefore(id, Number(base.seq), String(base.tx))
    if (forward !== undefined) return forward
    const later = freshStmt(
      `SELECT t.id AS tx, c.effects AS effects, c.snapshot AS snapshot, c.deleted AS deleted
       FROM changes c JOIN transactions t ON t.seq = c.tx_seq
       WHERE c.doc_id = ? AND c.tx_seq > ? ORDER BY c.tx_seq`,
    )!
    const steps = (function* () {
      for (const row of later.iterate(id, Number(base.seq))) {
        const r = row as {tx: string; effects: string; snapshot: string | null; deleted: number}
        const snapshot = r.snapshot === null ? null : counted(r.snapshot)
        yield {tx: r.tx, effects: counted(r.effects), snapshot, deleted: r.deleted === 1}
      }
    })() satisfies Iterable<LogStep>
    return rebuild(String(base.tx), steps, () => getDocuments([id])[0])
  }

  /**
   * The state after change `seq` patched forward from the document's snapshot before it, when
   * that is fewer changes away than the next anchor after it (a snapshot or a deletion; else the
   * current state) is: a rebuild then reads at most half of SNAPSHOT_EVERY changes, each a seek
   * into the log's table, whose cost is what a revision costs. Undefined when walking back is as
   * near, or a change on the way kept no `apply` (log.ts).
   */
  function fromSnapshotBefore(
    id: string,
    seq: number,
    rev: string,
  ): SanityDocument | null | undefined {
    const previous = get(
      `SELECT max(tx_seq) AS seq FROM changes INDEXED BY changes_snapshot
       WHERE doc_id = ? AND snapshot IS NOT NULL AND tx_seq < ?`,
      id,
      seq,
    )
    if (previous?.seq == null) return undefined
    const from = Number(previous.seq)
    const [deleted] = deletionsAfter(id, seq)
    const next = get(
      `SELECT min(tx_seq) AS seq FROM changes INDEXED BY changes_snapshot
       WHERE doc_id = ? AND snapshot IS NOT NULL AND tx_seq > ?`,
      id,
      seq,
    )
    const until = Math.min(deleted ?? Infinity, next?.seq == null ? Infinity : Number(next.seq))
    const count = (low: number, high: number) =>
      Number(
        get(
          `SELECT count(*) AS n FROM changes INDEXED BY changes_doc
           WHERE doc_id = ? AND tx_seq > ? AND tx_seq <= ?`,
          id,
          low,
          high,
        )!.n,
      )
    if (count(from, seq) >= count(seq, Math.min(until, Number.MAX_SAFE_INTEGER))) return undefined
    const rows = all(
      `SELECT c.tx_seq AS seq, c.effects AS effects, c.snapshot AS snapshot
       FROM changes c INDEXED BY changes_doc
       WHERE c.doc_id = ? AND c.tx_seq >= ? AND c.tx_seq <= ? ORDER BY c.tx_seq`,
      id,
      from,
      seq,
    )
    let state: SanityDocument | null = JSON.parse(counted(String(rows[0].snapshot)))
    for (const row of rows.slice(1)) {
      const next = applyStored(state, counted(String(row.effects)), rev)
      if (next === undefined) return undefined
      state = next
    }
    return state
  }

  /** The transactions that deleted the document after `seq`, oldest first (at most one). */
  function deletionsAfter(id: string, seq: number): number[] {
    return all(
      `SELECT tx_seq FROM changes INDEXED BY changes_deleted
       WHERE doc_id = ? AND deleted = 1 AND tx_seq > ? ORDER BY tx_seq LIMIT 1`,
      id,
      seq,
    ).map((row) => Number(row.tx_seq))
  }

  /**
   * `read` in one snapshot when it reads more than one chunk of ids: each chunk's statement ends
   * with its own otherwise, and another connection's commit between two (the commit thread's) had
   * documents of one read from two states. A connection in a transaction (a write group) has one.
   * Every read by ids goes through it, also those made only in the write lock (a write's checks:
   * heads(), referrersOf(), bodyBytes()), where no commit can land between chunks (the commit
   * thread writes inside a write group's job, which the lock runs one at a time; the analyzer's
   * thread writes the search tables only): outside it (a write's sizing, the committed view's
   * sizes, a query's references() and budget) one can (tests/lake/store/chunkSnapshots.test.ts).
   */
  function chunksInOneSnapshot<T>(count: number, read: () => T): T {
    // One statement is one snapshot already: no connection opened for it here.
    if (count <= CHUNK) return read()
    const conn = open(false)
    const snapshot = conn !== null && !conn.isTransaction
    if (snapshot) conn.exec('BEGIN')
    try {
      return read()
    } finally {
      if (snapshot) conn.exec('COMMIT')
    }
  }

  function getDocuments(ids: readonly string[]): (SanityDocument | null)[] {
    const found = new Map<string, SanityDocument>()
    // Absent when heads() last looked (and not written since): taken once, without a read.
    const unknown = absent.size > 0 ? ids.filter((id) => !absent.delete(id)) : ids
    chunksInOneSnapshot(unknown.length, () => {
      for (let i = 0; i < unknown.length; i += CHUNK) {
        const chunk = unknown.slice(i, i + CHUNK)
        const rows = all(
          `SELECT id, json(body) AS body FROM documents WHERE id IN (${chunk.map(() => '?').join(',')})`,
          ...chunk,
        )
        for (const row of rows) found.set(String(row.id), JSON.parse(String(row.body)))
      }
    })
    return ids.map((id) => found.get(id) ?? null)
  }

  function heads(ids: readonly string[]): ({rev: string; bytes: number} | null)[] {
    const found = new Map<string, {rev: string; bytes: number}>()
    chunksInOneSnapshot(ids.length, () => {
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK)
        // length() of the body reads none of it; its `_rev` all of it, unless it is known.
        const known = chunk.every((id) => largeRevs.has(id))
        const rows = all(
          `SELECT id, ${known ? '' : 'rev, '}length(body) AS bytes FROM documents WHERE id IN (${chunk.map(() => '?').join(',')})`,
          ...chunk,
        )
        for (const row of rows) {
          const id = String(row.id)
          const rev = known ? largeRevs.get(id)! : String(row.rev)
          found.set(id, {rev, bytes: Number(row.bytes)})
        }
      }
    })
    const out = ids.map((id) => found.get(id) ?? null)
    if (rememberAbsent) {
      // Bounded: pre-checks whose transaction never read (a refusal) leave theirs behind.
      if (absent.size > ABSENT_IDS) absent.clear()
      if (knownBytes.size > ABSENT_IDS) knownBytes.clear()
      out.forEach((head, i) => {
        if (head === null) {
          absent.add(ids[i])
          knownBytes.delete(ids[i])
        } else {
          knownBytes.set(ids[i], head.bytes)
          absent.delete(ids[i])
        }
      })
    }
    return out
  }

  function versionIds(publishedIds: readonly string[]): string[] {
    const found: string[] = []
    chunksInOneSnapshot(publishedIds.length, () => {
      for (let i = 0; i < publishedIds.length; i += CHUNK) {
        const chunk = publishedIds.slice(i, i + CHUNK)
        const rows = all(
          `SELECT id FROM documents WHERE id GLOB 'versions.*' AND ${VERSION_OF} IN (${chunk.map(() => '?').join(',')})`,
          ...chunk,
        )
        for (const row of rows) found.push(String(row.id))
      }
    })
    return found.sort()
  }

  function storedBytes(ids: readonly string[]): (number | null)[] {
    const found = new Map<string, number>()
    chunksInOneSnapshot(ids.length, () => {
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK)
        // length() of a blob reads its size from the row's header, not its pages.
        const rows = all(
          `SELECT id, length(body) AS bytes FROM documents WHERE id IN (${chunk.map(() => '?').join(',')})`,
          ...chunk,
        )
        for (const row of rows) found.set(String(row.id), Number(row.bytes))
      }
    })
    return ids.map((id) => found.get(id) ?? null)
  }

  function documentTexts(ids: readonly string[]): (Uint8Array | null)[] {
    const found = new Map<string, Uint8Array>()
    chunksInOneSnapshot(ids.length, () => {
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK)
        // As UTF-8 bytes: never decoded into a JavaScript string, nor encoded again to be sent.
        const rows = all(
          `SELECT id, CAST(json(body) AS BLOB) AS body FROM documents WHERE id IN (${chunk.map(() => '?').join(',')})`,
          ...chunk,
        )
        for (const row of rows) found.set(String(row.id), row.body as Uint8Array)
      }
    })
    return ids.map((id) => found.get(id) ?? null)
  }

  function bodyBytes(ids: readonly string[]): number {
    if (ids.length === 1 && (knownBytes.has(ids[0]) || absent.has(ids[0]))) {
      return knownBytes.get(ids[0]) ?? 0
    }
    let bytes = 0
    chunksInOneSnapshot(ids.length, () => {
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK)
        const [row] = all(
          `SELECT sum(length(body)) AS bytes FROM documents WHERE id IN (${chunk.map(() => '?').join(',')})`,
          ...chunk,
        )
        bytes += Number(row?.bytes ?? 0)
      }
    })
    return bytes
  }

  /**
   * Attribute paths that signed-in callers' queries filter on get an expression index once they
   * have been used AUTO_INDEX_AFTER times, at most MAX_NEW_AUTO_INDEXES of them a run (a caller
   * cannot fill every slot at once); declared paths get one at once. The index lives in the
   * dataset file, so it survives restarts. At most MAX_AUTO_INDEXES learnt ones: when full, a
   * learnt index no query has used since the lake started is dropped to make room (every index
   * slows every write a little; "since the lake started" among the ATTRIBUTE_USES paths used
   * last). Those declared in this run are neither counted nor dropped: they are declared as the
   * file opens, before any query shows which learnt ones are in use, so counted they evicted a
   * learnt one at random. With an analyzer thread the index is built there (buildIndexes).
   */
  const attributeUses = createLru<string, number>(ATTRIBUTE_USES, (expr) => expr.length)
  let newAutoIndexes = 0
  /** Index builds waiting for (or on) the thread, by index name; `drops` the index it replaces. */
  const pendingIndexes = new Map<string, {sql: string[]; drops?: string}>()
  let indexBuildRetry: ReturnType<typeof setTimeout> | null = null
  function noteAttributeUse(expr: string, declare = false) {
    const uses = (attributeUses.get(expr) ?? 0) + 1
    attributeUses.set(expr, uses)
    if (!declare && (uses !== AUTO_INDEX_AFTER || newAutoIndexes >= MAX_NEW_AUTO_INDEXES)) return
    if (options.readOnly) return
    const conn = open(false)
    if (!conn) {
      if (declare) declaredLater.add(expr)
      return
    }
    const name = `attr_${hash(expr)}`
    if (declare) declaredIndexes.add(name)
    const dropping = new Set([...pendingIndexes.values()].map((build) => build.drops))
    const existing = [
      ...(
        conn
          .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'attr_%'")
          .all() as {name: string}[]
      )
        .map((index) => index.name)
        .filter((existingName) => !dropping.has(existingName)),
      ...pendingIndexes.keys(),
    ]
    if (existing.includes(name)) return
    const build: {sql: string[]; drops?: string} = {sql: []}
    const learnt = existing.filter((index) => !declaredIndexes.has(index))
    if (!declare && learnt.length >= MAX_AUTO_INDEXES) {
      const used = new Set([...attributeUses.entries()].map(([e]) => `attr_${hash(e)}`))
      build.drops = learnt.find((index) => !used.has(index))
      if (!build.drops) return
      build.sql.push(`DROP INDEX IF EXISTS ${build.drops}`)
    }
    build.sql.push(`CREATE INDEX IF NOT EXISTS ${name} ON documents (${expr})`)
    if (!declare) newAutoIndexes++
    if (offThread) {
      pendingIndexes.set(name, build)
      buildIndexes()
      return
    }
    for (const sql of build.sql) conn.exec(sql)
    // New index, new plans: cached statements were prepared without it.
    statements.clear()
  }

  /**
   * Builds the next pending index on the analyzer's thread while no write group is open. It reads
   * every document and holds the write lock meanwhile (120-430 ms at 100,000 articles): on the
   * event loop that stopped every request. Write groups wait for it as for the thread's index
   * writes (writer.commit), without blocking.
   */
  function buildIndexes() {
    if (indexBuildRetry || closed || pendingIndexes.size === 0) return
    const [name, build] = pendingIndexes.entries().next().value!
    if (groupOpen || onThread || writing || analysis || quietCheckpoint) {
      // The group (or its quiet checkpoint), the thread's write or its analysis come first.
      indexBuildRetry = setTimeout(() => {
        indexBuildRetry = null
        buildIndexes()
      }, INDEX_BUILD_RETRY_MS)
      indexBuildRetry.unref()
      return
    }
    threadWrites++
    writing = offThread!
      .alterSchema({path, opening, walKeepBytes}, build.sql)
      .catch((err: unknown) => {
        if (!closed && !(err instanceof AnalyzerClosedError)) {
          console.error(`lake: building index ${name} of "${dataset}" failed: ${String(err)}`)
        }
      })
      .finally(() => {
        pendingIndexes.delete(name)
        writing = null
        statements.clear()
        if (closed) return
        buildIndexes()
        scheduleIndexing()
      })
  }

  /** Forgets what the store remembers of its rows (a rollback, a failed COMMIT, the close). */
  function forgetAll() {
    cache.clear()
    largeRevs.clear()
    absent.clear()
    knownBytes.clear()
    cachedBytes = 0
  }

  function forget(id: string) {
    largeRevs.delete(id)
    absent.delete(id)
    knownBytes.delete(id)
    const entry = cache.get(id)
    if (!entry) return
    cache.delete(id)
    cachedBytes -= entry.bytes
  }

  /** The parsed document for a row, from the cache when its revision is still current. */
  function parsed(id: string, rev: string, body: string): SanityDocument {
    const doc = JSON.parse(body) as SanityDocument
    forget(id)
    if (cachedBytes + body.length <= cacheBudget) {
      cache.set(id, {rev, doc, bytes: body.length})
      cachedBytes += body.length
    }
    return doc
  }

  /** Reads the documents of (id, rev) rows: cached ones as they are, the rest in one query. */
  function resolveRows(rows: {id: string; rev: string}[]): SanityDocument[] {
    const missing = rows.filter((row) => cache.get(row.id)?.rev !== row.rev).map((row) => row.id)
    const fresh = new Map<string, SanityDocument>()
    if (missing.length > 0) {
      const bodies = all(
        `SELECT id, rev, json(body) AS body FROM documents WHERE id IN (${missing.map(() => '?').join(',')})`,
        ...missing,
      )
      for (const row of bodies) {
        fresh.set(String(row.id), parsed(String(row.id), String(row.rev), String(row.body)))
      }
    }
    const out: SanityDocument[] = []
    for (const row of rows) {
      const doc = fresh.get(row.id) ?? cache.get(row.id)?.doc
      if (doc) out.push(doc)
    }
    return out
  }

  /**
   * Group commit: transactions queued while one runs join its SQLite transaction, and one COMMIT
   * makes the whole group visible. A transaction that fails to write rolls back alone: the group's
   * SQLite transaction is rolled back and the transactions before it are written again (rare: the
   * checks ran before). Not a savepoint each: a savepoint keeps a copy of every page it changes
   * (16 kB each, to a temporary file past 64 kB), which made a one-document transaction's write
   * 1.4× dearer.
   * One fdatasync of the WAL, off the event loop, then makes it durable before any of its
   * transactions is answered or announced; meanwhile the next group is already being written, and
   * groups committed while a sync runs share the next one. Groups are answered in commit order.
   */
  type Job = {
    fn: (writer: StoreWriter) => unknown
    resolve: (v: unknown) => void
    reject: (e: unknown) => void
    /** A large transaction's (Store.transact's `large`): a write group of its own. */
    large: boolean
  }
  const queue: Job[] = []
  let draining = false
  let groupOpen = false
  /** The job running is a large one's, alone in its group (its commit may go to the thread). */
  let alone = false
  /** The commit thread holds the write lock (a large transaction's commit in flight). */
  let onThread = false
  /** The group's transaction was written by the commit thread (it needs a sync). */
  let wroteOnThread = false
  /**
   * The streamed commit open on the commit thread (writer.stream), in the group of its job alone:
   * the changes handed over so far, their lengths as JSON (written()), its steps in order (each
   * sent once the one before is answered), and the first step's failure (the thread rolled back).
   */
  type Stream = {
    number: number
    id: string
    changes: DocumentChange[]
    lengths: number[]
    steps: Promise<void>
    failure?: unknown
    /** The deferred indexes were (or are being) dropped in its transaction (DEFER_SHARE). */
    dropping: boolean
    /** The dataset's documents when it began. */
    documents: number
  }
  let streaming: Stream | null = null
  /** When the last streamed batch committed (or failed): a load is under way within the bound. */
  let lastBatchAt = -Infinity

  /** Sends a streamed commit's next step, after the ones before; none once one has failed. */
  function streamStep(s: Stream, task: CommitStreamTask) {
    s.steps = s.steps
      .then(() => (s.failure === undefined ? committer!.stream!(s.id, task) : undefined))
      .catch((err: unknown) => {
        s.failure ??= err
      })
  }

  function streamRows(s: Stream, changes: readonly DocumentChange[]) {
    const writes = changes.map(changeWrite)
    const first = s.changes.length
    s.changes.push(...changes)
    s.lengths.push(...writes.map(jsonLength))
    // A lone batch large against the dataset: the indexes go from here, in its transaction.
    const dropDeferred = !s.dropping && s.changes.length >= DEFER_SHARE * s.documents
    if (dropDeferred) s.dropping = true
    streamStep(s, {
      kind: 'rows',
      stream: s.number,
      path,
      first,
      changes: writes,
      searchIndex: searchIndexOn,
      dropDeferred,
    })
  }

  /** Rolls back the open streamed commit (its job failed, or never committed), and waits for it. */
  async function abortStream() {
    const s = streaming!
    streaming = null
    // After a failed step the thread rolled back already (or stopped, its transaction with it).
    streamStep(s, {kind: 'abort', stream: s.number, path})
    await s.steps
    onThread = false
  }

  /**
   * Commits the open streamed commit: the changes not handed over yet, the counts and the COMMIT,
   * on the thread; then as commitOnThread. False when the transaction is not what was streamed (a
   * document written again after its flush): rolled back, for commit() to write it whole.
   */
  async function commitStreamed(tx: CommittedTransaction, s: Stream): Promise<boolean> {
    if (!s.changes.every((change, i) => tx.changes[i] === change)) {
      await abortStream()
      return false
    }
    streamRows(s, tx.changes.slice(s.changes.length))
    const counts = new Map<string, CountDelta>()
    addCountDeltas(typeChanges(tx), counts)
    streamStep(s, {kind: 'end', stream: s.number, path, counts: [...counts.values()]})
    streaming = null
    try {
      await committedOnThread(tx, s.lengths, async () => {
        await s.steps
        if (s.failure !== undefined) throw s.failure
      })
    } finally {
      lastBatchAt = performance.now()
      // Its transaction may have dropped the four indexes (commitThreadWorker.ts), unless it failed.
      batchCommitted()
    }
    return true
  }
  /** The transactions written into the open group, in order: written again after a rollback. */
  let grouped: CommittedTransaction[] = []
  /** Writing them again failed: the whole open group fails with this. */
  let groupFailure: unknown = null
  /**
   * What the open group's transactions change in type_counts (addCountDeltas), written once before
   * its COMMIT rather than one upsert a transaction. Counts are read on the committed view, which
   * sees them with the group's documents, at its COMMIT.
   */
  let pendingCounts = new Map<string, CountDelta>()
  let durableCallbacks: ((failure?: Error) => void)[] = []
  /** A committed group waiting for its sync: what to announce, whom to answer. */
  type Group = {wrote: boolean; callbacks: ((failure?: Error) => void)[]; done: Done[]}
  /** A job of the group, and its answer: a value, or (failed) an error answered after the sync. */
  type Done = {job: Job; value: unknown; failed?: boolean}
  let unsynced: Group[] = []
  /** The groups an fdatasync in flight will make durable. */
  let syncing: Group[] | null = null
  let walFd: number | null = null
  /**
   * A sync that failed: Linux may drop the unwritten pages and let the next sync succeed, so
   * nothing written after it can be trusted to be on disk; the store takes no more writes.
   */
  let syncFailure: Error | null = null

  /** Answers the groups; `err`: their sync failed (their writes are visible, maybe not on disk). */
  function settle(groups: Group[], err?: Error) {
    for (const group of groups) {
      if (err) {
        for (const fn of group.callbacks) fn(err)
        for (const {job} of group.done) job.reject(err)
        continue
      }
      for (const fn of group.callbacks) fn()
      for (const {job, value, failed} of group.done) {
        if (failed) job.reject(value)
        else job.resolve(value)
      }
    }
  }

  /**
   * Syncs the WAL for every group committed so far, then answers them; groups committed during the
   * sync wait for the next one. A group that wrote nothing still waits its turn: its answer may
   * rest on what an earlier group wrote.
   */
  function syncWal() {
    // After close() (which synced what was committed) or a failed sync, nothing waits for a sync:
    // a group that drain() finishes after close() was committed and synced by it.
    if (closed || syncFailure) {
      const groups = unsynced
      unsynced = []
      let failure = syncFailure ?? undefined
      // Committed by the commit thread after close() had synced the WAL (the lake's close waits
      // for it; a store closed on its own may not): synced here, before it is answered.
      if (!failure && groups.some((group) => group.wrote) && path !== ':memory:') {
        try {
          const fd = openSync(`${path}-wal`, 'r+')
          try {
            fdatasyncSync(fd)
          } finally {
            closeSync(fd)
          }
        } catch (err) {
          failure = failSync(err)
        }
      }
      settle(groups, failure)
      return
    }
    if (syncing || unsynced.length === 0) return
    const groups = unsynced
    unsynced = []
    if (!(inheritedWal || groups.some((group) => group.wrote)) || path === ':memory:') {
      settle(groups)
      return
    }
    let fd: number
    try {
      // The WAL exists once a group has committed, and stays while this connection is open. Its
      // directory entry is synced once too (SQLite does so under synchronous=FULL).
      if (walFd === null) {
        walFd = openSync(`${path}-wal`, 'r+')
        syncDirectory(dirname(path))
      }
      fd = walFd
    } catch (err) {
      // Only the inherited WAL to sync, and it is gone: a checkpoint folded it into the file and
      // synced that.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !groups.some((g) => g.wrote)) {
        inheritedWal = false
        settle(groups)
        return
      }
      settle(groups, failSync(err))
      return
    }
    syncing = groups
    ;(options.syncWal ?? fdatasync)(fd, (err) => {
      syncing = null
      if (closed) {
        // close() synced and answered every group, and left the descriptor to this callback.
        closeSync(fd)
        syncWal()
        return
      }
      if (!err) inheritedWal = false
      settle(groups, err ? failSync(err) : undefined)
      syncWal()
      if (!syncing) {
        scheduleIndexing()
        scheduleIdleCheckpoint()
      }
    })
  }

  /**
   * A sync that failed: its groups are in the file (and visible) but maybe not on disk, so none is
   * answered ok, and the store takes no more writes until the lake is restarted.
   */
  function failSync(err: unknown): Error {
    console.error(`lake: syncing the write-ahead log of "${dataset}" failed: ${String(err)}`)
    syncFailure ??= new UnavailableError(
      `Writes to dataset "${dataset}" could not be made durable (${(err as Error).message}), so it takes no more writes: check the data folder's disk and restart the lake. Transactions answered before this are on disk; the last ones may not be.`,
    )
    return syncFailure
  }

  const writer: StoreWriter = {
    hasTransaction(id) {
      return get('SELECT 1 AS found FROM transactions WHERE id = ?', id) !== undefined
    },
    commit(tx) {
      changedSincePack += tx.changes.length
      if (streaming?.id === tx.id) {
        const s = streaming
        for (const change of tx.changes) forget(change.id)
        return commitStreamed(tx, s).then((done) => (done ? undefined : writer.commit(tx)))
      }
      // The index's thread is writing: its transaction ends first (SQLite's WAL has one writer,
      // and waiting in SQLite's busy handler would stop the event loop).
      if (!groupOpen && writing) return writing.then(() => writer.commit(tx))
      commits++
      for (const change of tx.changes) forget(change.id)
      const conn = open(true)!
      if (groupFailure) throw groupFailure
      if (alone && !groupOpen && committer && writtenBytes(tx) >= COMMIT_ON_THREAD_BYTES) {
        return commitOnThread(tx)
      }
      if (!groupOpen) {
        conn.exec('BEGIN IMMEDIATE')
        groupOpen = true
        grouped = []
      }
      try {
        writeTransaction(tx)
      } catch (err) {
        for (const change of tx.changes) forget(change.id)
        rewriteGroup(conn)
        throw err
      }
      grouped.push(tx)
    },
    onDurable(fn) {
      // With the group, after its sync and every earlier group's, even if nothing was written.
      durableCallbacks.push(fn)
    },
    stream(head) {
      // Alone in its group: the thread's SQL transaction holds SQLite's one write lock meanwhile.
      if (!alone || groupOpen || streaming || closed || !committer?.stream) return null
      open(true)
      const underWay = performance.now() - lastBatchAt < deferBoundMs
      const s: Stream = {
        number: ++streams,
        id: head.id,
        changes: [],
        lengths: [],
        // The index's thread's write ends first (no other starts while onThread).
        steps: Promise.resolve(writing).then(() => undefined),
        dropping: underWay,
        documents: underWay
          ? 0
          : Number(get('SELECT coalesce(sum(n), 0) AS n FROM type_counts')?.n ?? 0),
      }
      streaming = s
      onThread = true
      streamStep(s, {
        kind: 'begin',
        stream: s.number,
        path,
        opening,
        walKeepBytes,
        tx: head,
        dropDeferred: underWay,
      })
      return {
        write(changes) {
          if (streaming === s && changes.length > 0) streamRows(s, changes)
        },
      }
    },
  }

  /**
   * A large transaction, alone in its write group (drain): written and committed by the commit
   * thread while this connection holds no transaction, so the event loop answers meanwhile. The
   * group is then synced and answered as any other.
   */
  async function commitOnThread(tx: CommittedTransaction): Promise<void> {
    const writes = tx.changes.map(changeWrite)
    const lengths = writes.map(jsonLength)
    const counts = new Map<string, CountDelta>()
    addCountDeltas(typeChanges(tx), counts)
    const texts = tx.changes.flatMap((change) => (change.text ? [change.text] : []))
    await committedOnThread(tx, lengths, () =>
      lendBytes(texts, (buffers) =>
        committer!.commit({
          path,
          opening,
          walKeepBytes,
          tx: {id: tx.id, timestamp: tx.timestamp, identity: tx.identity},
          changes: writes,
          counts: [...counts.values()],
          searchIndex: searchIndexOn,
          buffers,
        }),
      ),
    )
  }

  /**
   * After `send` has the commit thread write and commit the transaction (commitOnThread, or a
   * streamed commit's end): what the event loop keeps of it, as of a commit of its own.
   */
  async function committedOnThread(
    tx: CommittedTransaction,
    lengths: number[],
    send: () => Promise<unknown>,
  ): Promise<void> {
    onThread = true
    let stopped = false
    try {
      await send()
    } catch (err) {
      if (!(err instanceof CommitThreadStoppedError && writer.hasTransaction(tx.id))) throw err
      // The thread stopped after its COMMIT, before it answered: the transaction is in the file,
      // and its bytes went with the thread. Not a 503 that says nothing was written: sent again,
      // it would be applied twice.
      stopped = true
    } finally {
      onThread = false
    }
    // Committed: synced and answered with its group, its revision and index queue kept as any
    // commit's.
    wroteOnThread = true
    written(tx, lengths)
    // The committed view sees it now: its parsed copies of the old states go (as after a COMMIT).
    reader?.forgetDocuments(tx.changes.map((change) => change.id))
    if (!stopped) return
    // Its changes as the log holds them, in place of the texts that went with the thread: the
    // caller's answer and the listeners' events are made from them (docs/listeners.md).
    let logged: DocumentChange[]
    try {
      logged = loggedChanges(tx.id)
      const ids = (changes: DocumentChange[]) => changes.map((change) => change.id).join('\n')
      if (ids(logged) !== ids(tx.changes)) throw new Error('the log holds other changes')
    } catch (err) {
      // Stored all the same: core/transaction.ts answers it after the group's sync, and its
      // listeners start over then.
      throw new UnannouncedCommitError(
        dataset,
        tx.id,
        `the commit thread stopped before it said so and the transaction could not be read back from the log (${(err as Error).message})`,
      )
    }
    tx.changes.splice(0, tx.changes.length, ...logged)
  }

  /**
   * A committed transaction's changes read back from the log and the documents: each state
   * before and after it, its mutations and its effects, as the commit had them.
   */
  function loggedChanges(id: string): DocumentChange[] {
    const seq = txSeq(id)
    return loadTransaction(seq).changes.map((change) => ({
      id: change.id,
      before: stateAfter(change.id, seq - 1),
      after: stateAfter(change.id, seq),
      mutations: change.mutations,
      effects: change.effects,
    }))
  }

  /**
   * After a transaction of the open group failed: the group without it. Whatever fails on the way
   * (the rollback, the new BEGIN, writing an earlier transaction again) fails the whole group:
   * none of it may be answered as stored.
   */
  function rewriteGroup(conn: DatabaseSync) {
    // What heads() saw absent may have been so only inside the group rolled back.
    absent.clear()
    knownBytes.clear()
    const earlier = grouped
    grouped = []
    pendingCounts = new Map()
    try {
      if (conn.isTransaction) conn.exec('ROLLBACK')
      groupOpen = false
      if (earlier.length === 0) return
      conn.exec('BEGIN IMMEDIATE')
      groupOpen = true
      for (const tx of earlier) writeTransaction(tx)
      grouped = earlier
    } catch (err) {
      try {
        if (conn.isTransaction) conn.exec('ROLLBACK')
      } catch {
        // The connection is past saving; the group's failure below is what callers hear.
      }
      groupOpen = false
      pendingCounts = new Map()
      forgetAll()
      groupFailure = err
    }
  }

  /**
   * The open group's type counts (pendingCounts), written just before its COMMIT on `conn` (also
   * by close(), after which stmt() no longer opens the file).
   */
  function writeCounts(conn: DatabaseSync) {
    const counts = pendingCounts
    pendingCounts = new Map()
    writeCountRows((sql) => statements.get(sql, (text) => conn.prepare(text)), counts.values())
  }

  async function drain() {
    draining = true
    try {
      while (queue.length > 0) {
        // `queued` counts every write, also of a document queued already or left to the re-index
        // (a re-import): counted again before the group waits, with no write of the thread's in
        // flight (its rows would be counted off twice). Not once closed: the file is, and the
        // group's writes are answered with a 503 (open()).
        if (offThread && queued > maxQueued && !closed) {
          while (writing) await writing
          // Outside any write's job: a throw here rejected drain(), nobody's to answer (an
          // unhandled rejection), and left the queue's writes unanswered. An index step's
          // failure instead: logged, retried on its timer, and the group does not wait for it.
          if (!closed) afterAnswer(() => (queued = countQueued()))
        }
        while (offThread && queued > maxQueued && !closed && (await catchUpIndex()));
        // A log that has not started over for long: a checkpoint with no write beside it (see
        // MAX_WAL_FRAMES). Once per group, so a reader holding the log back costs each group a
        // round trip to the thread, not a stop.
        if (walFrames > MAX_WAL_FRAMES) {
          // Quiet for the analyzer too: its write beside the checkpoint kept the log from starting
          // over, and under a bulk load of the archive the WAL grew to 1.6 GB.
          quietCheckpoint = true
          try {
            await checkpointing
            hurryAnalysis()
            await analysis
            await writing
            await requestCheckpoint(true)
          } finally {
            quietCheckpoint = false
          }
        }
        // After a bulk load, one of its indexes between two groups (rebuildStep).
        rebuildStep(true)
        // The idle checkpoint (or that build) holds SQLite's write lock on its thread until done.
        if (truncating) await truncating
        const done: Done[] = []
        while (queue.length > 0 && done.length < MAX_GROUP) {
          // A large transaction is a group of its own: its commit may run on the commit thread,
          // which needs SQLite's one write lock free.
          if (queue[0].large && (done.length > 0 || groupOpen)) break
          const job = queue.shift()!
          alone = job.large
          try {
            done.push({job, value: await job.fn(writer)})
          } catch (err) {
            // What failed after the commit thread's COMMIT is stored all the same: told after
            // the group's sync, as an answer that it was written must be.
            if (wroteOnThread) done.push({job, value: err, failed: true})
            else {
              // Refused before its commit: what it streamed is rolled back before it is answered.
              if (streaming) await abortStream()
              job.reject(err)
            }
          } finally {
            alone = false
          }
          // Streamed, then never committed (nothing changed after all): rolled back.
          if (streaming) await abortStream()
          if (groupFailure || job.large) break
          // Let requests that arrived meanwhile join this group before it is committed.
          if (queue.length === 0 && groupOpen) await new Promise((resolve) => setImmediate(resolve))
        }
        const callbacks = durableCallbacks
        durableCallbacks = []
        const groupTransactions = grouped
        grouped = []
        if (groupFailure) {
          // Its earlier transactions could not be written again: none of the group is stored.
          const err = groupFailure
          groupFailure = null
          for (const {job} of done) job.reject(err)
          continue
        }
        const wrote = (groupOpen && db !== null) || wroteOnThread
        wroteOnThread = false
        if (groupOpen && db) {
          groupOpen = false
          try {
            writeCounts(db)
            db.exec('COMMIT')
          } catch (err) {
            if (db.isTransaction) db.exec('ROLLBACK')
            forgetAll()
            for (const {job} of done) job.reject(err)
            continue
          }
          // The committed view sees them now: its parsed copies of their old states go.
          if (reader) {
            for (const tx of groupTransactions) reader.forgetDocuments(tx.changes.map((c) => c.id))
          }
        }
        if (wrote) {
          committedAt = performance.now()
          unreadSince ??= committedAt
        }
        unsynced.push({wrote, callbacks, done})
        // While the group is answered and the next one built, the thread writes what it holds:
        // a few rows only once writes pause (analyzerStep), as the next group would wait for them.
        if (offThread && held >= WRITE_AT_COMMIT && !writing && !analysis) writeAnalysed()
        syncWal()
        if (wrote && checkpointDue()) {
          void requestCheckpoint()
        }
      }
    } finally {
      draining = false
      scheduleIndexing()
      scheduleIdleCheckpoint()
      rebuildStep()
    }
  }

  function writeTransaction(tx: CommittedTransaction) {
    const writes = tx.changes.map(changeWrite)
    writeTransactionRows((sql) => stmt(sql)!, tx, writes, searchIndexOn)
    written(tx, writes.map(jsonLength))
    // `before` is the stored state the transaction was built on (read under the write lock).
    // Written with the group's COMMIT (writeCounts); only once all of the transaction is written.
    addCountDeltas(typeChanges(tx), pendingCounts)
  }

  /** What the event loop keeps of a transaction it (or the commit thread) wrote. */
  function written(tx: CommittedTransaction, lengths: number[]) {
    tx.changes.forEach((change, i) => {
      // Also after the commit thread's COMMIT: heads() may have found it absent meanwhile.
      absent.delete(change.id)
      knownBytes.delete(change.id)
      const rev = headsOf(change).after?.rev
      if (rev !== undefined && lengths[i] >= LARGE_HEAD_BYTES) {
        largeRevs.set(change.id, rev)
        // Bounded: the oldest entry goes (its head is read from the body again).
        if (largeRevs.size > LARGE_REVS) largeRevs.delete(largeRevs.keys().next().value!)
      }
      if (searchIndexOn) queued++
    })
  }

  /** The WHERE and ORDER BY of a scan over `documents`; null when nothing can match. */
  function scanSql(
    hint: ScanHint,
    unordered = false,
  ): {filter: string; orderBy: string; params: SQLInputValue[]} | null {
    const where: string[] = []
    const params: SQLInputValue[] = []
    if (hint.ids && hint.ids.length <= 10 * CHUNK) {
      if (hint.ids.length === 0) return null
      where.push(`id IN (${hint.ids.map(() => '?').join(',')})`)
      params.push(...hint.ids)
    }
    // No type answers none: before the counts below, which read up to WALK_CANDIDATES rows.
    if (hint.types?.length === 0) return null
    // Many full-text candidates in id order: the id index leads, each row checked against the
    // index's answer. Otherwise the index's rows lead, each read by its rowid (sorted after, if
    // ordered).
    // Fewer: the rowids found while counting are what the scan reads (rowidsCondition), not the
    // index asked again (a pasted UUID looked through every id twice, 572 then 586 ms of 161,070).
    const searched =
      hint.search && searchIndexOn && !unordered && open(false) !== null
        ? searchedRows((sql) => stmt(sql)!, hint.search, WALK_CANDIDATES)
        : null
    const walk =
      searched === 'many' ||
      (searched === 'any' &&
        countSearched((sql) => stmt(sql)!, hint.search!, WALK_CANDIDATES) >= WALK_CANDIDATES)
    // Unless the type is rarer: the Studio's first request, `*[_type == "source" && name match
    // text::query($q)]`, walked all 161,070 ids for a word in 114,654 documents and 1,000
    // sources (0.5 s in process); the type's index reads the sources, each checked the same way.
    // Or the scan is in an order of one type: the type's order index (orderIndexColumns) then
    // reads it in that order, each row checked, and a slice stops after its batch; id order is not
    // needed. The Studio's headlines pane with a common word typed in its filter read every
    // document, then sorted the headlines that hold it (120-170 ms at the archive).
    const typeLeads =
      walk &&
      !hint.ids &&
      !hint.attributes?.length &&
      !!hint.types?.length &&
      ((!!hint.order?.length && hint.types.length === 1) || fewOf(hint.types))
    if (hint.types) {
      const list = hint.types.map(() => '?').join(',')
      // The type index reads the type's documents in id order, row by row. With another narrowing
      // (ids, attribute equalities through their expression indexes, full-text candidates) that one
      // leads and the type is only checked on the rows it finds.
      const narrowed =
        !typeLeads && (hint.ids || hint.attributes?.length || (hint.search && searchIndexOn))
      where.push(`${narrowed ? '+type' : 'type'} IN (${list})`)
      params.push(...hint.types)
    }
    if (hint.idPrefixes) {
      if (hint.idPrefixes.length === 0) return null
      where.push(`(${hint.idPrefixes.map(() => '(id >= ? AND id < ?)').join(' OR ')})`)
      for (const prefix of hint.idPrefixes) params.push(prefix, prefixEnd(prefix))
    }
    for (const prefix of hint.excludeIdPrefixes ?? []) {
      where.push('NOT (id >= ? AND id < ?)')
      params.push(prefix, prefixEnd(prefix))
    }
    if (hint.search && searchIndexOn) {
      const condition = Array.isArray(searched)
        ? rowidsCondition(searched)
        : searchCondition(hint.search, walk ? true : 'rowid')
      if (condition) {
        where.push(condition.sql)
        params.push(...condition.params)
      }
    }
    for (const {path, values} of hint.attributes ?? []) {
      if (values.length === 0) return null
      // The path is inlined (not bound) so SQLite can use an expression index on it.
      const expr = attributeExpression(path)
      where.push(`${expr} IN (${values.map(() => '?').join(',')})`)
      params.push(...values)
    }
    const filter = where.length ? ` WHERE ${where.join(' AND ')}` : ''
    const orderBy = hint.order?.length ? orderTerms(hint.order, hint.groupTies) : 'id'
    return {filter, orderBy, params}
  }

  /** A scan's rows (scanSql's query): stand-ins at `paths`, or whole documents. */
  function* scanRows(
    {filter, orderBy, params}: NonNullable<ReturnType<typeof scanSql>>,
    paths: readonly DocumentPath[] | undefined,
  ): Generator<SanityDocument> {
    if (paths) {
      // The values at the paths only (`->` gives each as JSON text): no whole body is parsed.
      const columns = paths.map(() => ', body -> ?').join('')
      const sql = `SELECT id, type${columns} FROM documents${filter} ORDER BY ${orderBy}`
      for (const row of iterate(sql, [...paths.map(jsonPath), ...params], true)) {
        const [id, type, ...texts] = row as [string, string, ...(string | null)[]]
        const values = texts.map((text) => (text === null ? undefined : JSON.parse(text)))
        yield standIn(id, type, paths, values) as SanityDocument
      }
      return
    }
    if (cacheBudget <= 0) {
      for (const row of iterate(
        `SELECT json(body) AS body FROM documents${filter} ORDER BY ${orderBy}`,
        params,
      )) {
        yield JSON.parse(String((row as {body: string}).body)) as SanityDocument
      }
      return
    }
    // The bodies not cached are read by batch, in the snapshot the batch's rows came from. The
    // rows' statement holds it while it is suspended, but not once it has ended, which is when the
    // last batch is complete: another connection's commit then (the commit thread's) had a row
    // counted and gone, or read at a newer revision than its batch-mates. So each batch is read and
    // resolved in a transaction, ended before its documents are yielded: the reader may write on
    // this connection meanwhile (a write group's BEGIN IMMEDIATE).
    const conn = open(false)
    const rows = iterate(`SELECT id, rev FROM documents${filter} ORDER BY ${orderBy}`, params)
    try {
      for (let ended = false; !ended;) {
        // Inside a write group, or a search scan's first step (scan()), the snapshot is held.
        const own = conn !== null && !conn.isTransaction
        if (own) conn.exec('BEGIN')
        let docs: SanityDocument[]
        try {
          const batch: {id: string; rev: string}[] = []
          while (batch.length < CHUNK) {
            const step = rows.next()
            if (step.done) {
              ended = true
              break
            }
            batch.push(step.value as {id: string; rev: string})
          }
          docs = resolveRows(batch)
        } finally {
          if (own) conn.exec('COMMIT')
        }
        yield* docs
      }
    } finally {
      rows.return(undefined)
    }
  }

  /**
   * Whether fewer than TYPE_LEADS documents have one of `types`: read off type_counts (a row a
   * type and layer, kept with every write), not the type's index, which counted up to TYPE_LEADS
   * rows on every scan that walks.
   */
  function fewOf(types: readonly string[]): boolean {
    const list = types.map(() => '?').join(',')
    const sql = `SELECT coalesce(sum(n), 0) AS n FROM type_counts WHERE type IN (${list})`
    return Number(stmt(sql)!.get(...types)?.n ?? TYPE_LEADS) < TYPE_LEADS
  }

  /** Full-text candidates as SQL; none (no narrowing) when this store keeps no index. */
  const searchSql = (hint: SearchHint) => (searchIndexOn ? searchCondition(hint) : null)

  /**
   * The Events API's reads of the log (groupTransactions and the rest) go through changes_doc and
   * changes_deleted alone: a seek into the log's table reads a large edit's whole row (its key
   * compares spill to overflow pages), 1.7 s for the outline of a 1 MB article's 2,150 revisions.
   */
  function seqOf(tx: string): number | null {
    const row = get('SELECT seq FROM transactions WHERE id = ?', tx)
    return row ? Number(row.seq) : null
  }

  /** The document's change in transaction `seq`, if it has one. */
  function changeAt(id: string, seq: number): {position: number; deleted: boolean} | null {
    const row = get(
      'SELECT position, deleted FROM changes INDEXED BY changes_doc WHERE doc_id = ? AND tx_seq = ?',
      id,
      seq,
    )
    return row ? {position: Number(row.position), deleted: row.deleted === 1} : null
  }

  function lastChangeBefore(id: string, seq: number): {seq: number; deleted: boolean} | null {
    const row = get(
      `SELECT tx_seq, deleted FROM changes INDEXED BY changes_doc WHERE doc_id = ? AND tx_seq < ?
       ORDER BY tx_seq DESC LIMIT 1`,
      id,
      seq,
    )
    return row ? {seq: Number(row.tx_seq), deleted: row.deleted === 1} : null
  }

  /** The transaction of the document's first change after `seq`. */
  function nextChange(id: string, seq: number): number | null {
    const row = get(
      'SELECT min(tx_seq) AS seq FROM changes INDEXED BY changes_doc WHERE doc_id = ? AND tx_seq > ?',
      id,
      seq,
    )
    return row?.seq == null ? null : Number(row.seq)
  }

  /** The transactions that deleted the document before `seq`, newest first. */
  function deletionsBefore(id: string, seq: number, count: number): number[] {
    return all(
      `SELECT tx_seq FROM changes INDEXED BY changes_deleted
       WHERE doc_id = ? AND deleted = 1 AND tx_seq < ? ORDER BY tx_seq DESC LIMIT ?`,
      id,
      seq,
      count,
    ).map((row) => Number(row.tx_seq))
  }

  /** The transaction that last created the document before `seq` (it exists then). */
  function createdBefore(id: string, seq: number): number {
    const [deleted] = deletionsBefore(id, seq, 1)
    return nextChange(id, deleted ?? -1) ?? seq
  }

  /**
   * A published id's group as the log knows it: the document, its draft and every release version
   * of it that has a change. One seek per release (the index is walked release by release).
   */
  function groupOf(publishedId: string): string[] {
    const group = [publishedId, `drafts.${publishedId}`]
    let after = VERSIONS_PREFIX
    for (;;) {
      const row = get(
        'SELECT min(doc_id) AS id FROM changes INDEXED BY changes_doc WHERE doc_id > ? AND doc_id < ?',
        after,
        'versions/',
      )
      if (row?.id == null) break
      const id = String(row.id)
      const dot = id.indexOf('.', VERSIONS_PREFIX.length)
      if (dot < 0) {
        after = id
        continue
      }
      const release = id.slice(VERSIONS_PREFIX.length, dot)
      const version = `${VERSIONS_PREFIX}${release}.${publishedId}`
      if (get('SELECT 1 FROM changes INDEXED BY changes_doc WHERE doc_id = ? LIMIT 1', version)) {
        group.push(version)
      }
      // Past every id of this release: '/' follows '.'.
      after = `${VERSIONS_PREFIX}${release}/`
    }
    return group
  }

  /**
   * The committed view (Store.committed): the same store over a second connection, read-only.
   * This connection sees a write group's rows as each is written, before its COMMIT (its
   * transactions must read them), and a group may still be refused whole; the view's reads begin
   * on what the last COMMIT left, and never stand in the writer's way (WAL).
   */
  let reader: SqliteStore | null = null

  return {
    dataset,

    admitFirstWrite() {
      if (db === null && path !== ':memory:' && !existsSync(path)) options.admitFile?.()
    },
    unused: () => db === null && queue.length === 0 && !draining && !upgrading,
    statementsHeld: () => statements.held(),
    attributesNoted: () => ({paths: attributeUses.size, chars: attributeUses.weight}),
    deferredIndexes: () => ({names: deferred, rebuilt: rebuilt?.promise ?? Promise.resolve()}),
    ready() {
      // Opened already, or no thread to upgrade on (then open() migrates, as it always did).
      const migrateOnThread = committer?.migrate
      if (db || upToDate || !migrateOnThread || closed) return Promise.resolve()
      if (!upgrading) {
        // A file made by this lake, or none yet (the first write makes it in this format).
        if (!existsSync(path) || !upgradeDue(path, searchIndexOn)) {
          upToDate = existsSync(path)
          return Promise.resolve()
        }
        upgrading = migrateOnThread(path, searchIndexOn).then(
          () => {
            upgrading = null
            upToDate = true
          },
          (err: unknown) => {
            upgrading = null
            throw err
          },
        )
      }
      return upgrading
    },

    committed() {
      // A reader already, or in memory (tests): one connection.
      if (options.readOnly || path === ':memory:') return this
      // This connection first: it migrates the file, and the reader must not read an older schema.
      open(false)
      reader ??= createSqliteStore(path, dataset, {
        readOnly: true,
        cacheBytes: cacheBudget,
        searchIndex: searchIndexOn,
        pageCacheKiB: PAGE_CACHE_KIB,
      })
      return reader
    },

    forgetDocuments(ids) {
      for (const id of ids) forget(id)
    },

    largeWriteComing() {
      if (!closed) committer?.warm()
    },

    getDocuments,
    bodyBytes,
    heads,
    versionIds,
    storedBytes,
    documentTexts,

    *scan(hint = {}, paths) {
      if (hint.ids && !hint.order) {
        // Whole documents, also where paths were asked: they hold every path.
        const wanted = [...new Set(hint.ids)].sort()
        for (const doc of getDocuments(wanted)) if (doc) yield doc
        return
      }
      // The full-text candidates scanSql found and the scan's rows, read in one snapshot: a
      // document indexed in between would be in neither the rowids found nor the queue. The
      // transaction ends after the scan's first step; its statement keeps the snapshot after.
      const conn = open(false)
      const snapshot = conn !== null && !!hint.search && searchIndexOn && !conn.isTransaction
      if (snapshot) conn.exec('BEGIN')
      let rows: Generator<SanityDocument>
      let first: IteratorResult<SanityDocument>
      try {
        const query = scanSql(hint)
        if (!query) return
        rows = scanRows(query, paths)
        first = rows.next()
      } finally {
        if (snapshot) conn.exec('COMMIT')
      }
      if (first.done) return
      try {
        yield first.value
        yield* rows
      } finally {
        // Stopped at the first document, `rows` was never reached by the reader's return():
        // its statement, half-read, would hold the connection's snapshot (and lock) until GC.
        rows.return(undefined)
      }
    },

    tallyHeads: searchIndexOn,

    *tally(hint, probes, options = {}) {
      // In the table's order, not by id: the candidates' pages are read once each, in turn
      // (by id, each row was a page read of its own: 105,515 of them at 100,000 articles).
      const query = scanSql(hint, true)
      if (!query) return
      let {filter, params} = query
      if (options.heads && searchIndexOn) {
        const heads = headsCondition(
          probes.flatMap((p) => (p.path.length === 1 ? [{attribute: p.path[0], key: p.text}] : [])),
        )
        filter = `${filter ? `${filter} AND` : ' WHERE'} ${heads.sql}`
        params = [...params, ...heads.params]
      }
      // Texts in the whole body, or in a top-level attribute, are counted in its JSONB bytes;
      // deeper in it, in the JSON text SQLite reads at the path.
      const deep = [
        ...new Set(probes.filter((p) => p.path.length > 1).map((p) => jsonPath(p.path))),
      ]
      const inBody = probes.flatMap((p, i) => (p.path.length > 1 ? [] : [i]))
      const needles: BodyNeedle[] = inBody.map((i) => ({
        text: Buffer.from(probes[i].text),
        attribute: probes[i].path.length ? Buffer.from(probes[i].path[0]) : null,
        caseless: probes[i].caseless === true,
      }))
      const counted = (p: Probe, type: string) => !p.types || p.types.includes(type)
      // Per stored type, the needles to count in its bodies and where each probe's count comes
      // from: a needle's (>= 0), a deep path's JSON (DEEP - column), or none (a probe of other
      // types counts 0, Probe.types).
      const NONE = -1
      const DEEP = -2
      const plans = new Map<string, {wanted: BodyNeedle[]; from: number[]}>()
      const planFor = (type: string) => {
        const wanted: BodyNeedle[] = []
        const from = probes.map((p, i) => {
          if (!counted(p, type)) return NONE
          if (p.path.length > 1) return DEEP - deep.indexOf(jsonPath(p.path))
          return wanted.push(needles[inBody.indexOf(i)]) - 1
        })
        const plan = {wanted, from}
        plans.set(type, plan)
        return plan
      }
      // scan() reads a long id list by id; scanSql leaves it out (a superset).
      const ids = hint.ids && !hint.order ? new Set(hint.ids) : null
      const sql = `SELECT id, type, body${deep.map(() => ', body -> ?').join('')} FROM documents${filter}`
      for (const row of iterate(sql, [...deep, ...params], true) as Iterable<unknown[]>) {
        const id = row[0] as string
        if (ids && !ids.has(id)) continue
        const type = row[1] as string
        const body = row[2]
        const {wanted, from} = plans.get(type) ?? planFor(type)
        const found =
          body instanceof Uint8Array ? countInBody(body, wanted) : wanted.map(() => Infinity)
        const counts = new Array<number>(from.length)
        for (let i = 0; i < from.length; i++) {
          const f = from[i]
          counts[i] =
            f >= 0
              ? found[f]
              : f === NONE
                ? 0
                : countInJson(
                    row[3 + DEEP - f] as string | null,
                    probes[i].text,
                    probes[i].caseless,
                  )
        }
        yield {id, type, counts} satisfies Tally
      }
    },

    count() {
      return Number(get('SELECT count(*) AS n FROM documents')?.n ?? 0)
    },

    rowsOf(change, json, bytesOf): ChangeRows {
      // The log shares the change's effects text where it can (one copy of a large edit).
      const rows = changeRows(change, json.effects)
      const jsonb = json.after !== null && get('SELECT jsonb(?) AS body', json.after)
      return {
        ...rows,
        log: {
          mutations: bytesOf(rows.log.mutations as string),
          effects: rows.log.effects === null ? null : bytesOf(rows.log.effects as string),
        },
        body: jsonb ? bytesOf(jsonb.body as Uint8Array) : null,
      }
    },
    indexedFields: INDEXED_FIELDS.map((field) => field.path),
    lengthFields: LENGTH_FIELDS.map((field) => field.path),

    *select(selection) {
      const columns = selection.idsOnly ? SELECTED_IDS : SELECTED_COLUMNS
      if (selection.byViewId) {
        const streams = viewOrderStreams(selection, columns)
        if (!streams) throw new Error('lake: a selection by view id needs a condition by _type')
        yield* mergedByGroup(
          streams.map(({sql, params, strip}) => ({
            rows: iterate(sql, params, true) as Iterator<unknown[]>,
            strip,
          })),
          (row) => selectedRow(row, selection.idsOnly),
        )
        return
      }
      const {from, where, orderBy, params, byIdWalk} = compileSelection(selection, searchSql)
      let sql = `SELECT ${columns} FROM ${from}${where}${selection.order ? orderBy : ''}`
      // Every row by id, unnarrowed: in id order off the documents' id index, where the side table
      // read whole was sorted, held until the last row was read (the table was keyed by id before
      // migration 29, so its own order was the id's). A narrowed read sorts its few rows.
      if (byIdWalk && scansSideTable(sql, params)) {
        sql = `SELECT ${columns} FROM ${byIdWalk.from}${where}${byIdWalk.orderBy}`
      }
      for (const row of iterate(sql, params, true) as Iterable<unknown[]>) {
        yield selectedRow(row, selection.idsOnly)
      }
    },

    seeks(read) {
      let sql: string
      let params: SQLInputValue[]
      if ('count' in read && countByType(read.count)) return true
      if ('hint' in read) {
        const query = scanSql(read.hint)
        if (!query) return true
        sql = `SELECT id, rev FROM documents${query.filter} ORDER BY ${query.orderBy}`
        params = query.params
      } else if ('selection' in read && read.selection.byViewId) {
        const streams = viewOrderStreams(read.selection, SELECTED_IDS)
        return streams !== null && streams.every((stream) => seeking(stream.sql, stream.params))
      } else {
        const selection = 'count' in read ? read.count : read.selection
        const selected = compileSelection(selection, searchSql)
        sql = `SELECT f.id FROM ${selected.from}${selected.where}${selection.order ? selected.orderBy : ''}`
        params = selected.params
      }
      return seeking(sql, params)
    },

    countSearched(search, atMost) {
      if (!searchIndexOn) return null
      if (!open(false)) return 0
      return Math.min(
        atMost,
        countSearched((sql) => stmt(sql)!, search, atMost),
      )
    },

    extract(ids, paths, spend) {
      const found = new Map<string, unknown[]>()
      // No path (a projection that reads only the scope around it, `{"a": ^.a}`): ids alone.
      const columns = paths.map((_, i) => `, body -> ? AS v${i}`).join('')
      const jsonPaths = paths.map(jsonPath)
      chunksInOneSnapshot(ids.length, () => {
        for (let i = 0; i < ids.length; i += CHUNK) {
          const chunk = ids.slice(i, i + CHUNK)
          const rows = all(
            `SELECT id${columns} FROM documents WHERE id IN (${chunk.map(() => '?').join(',')})`,
            ...jsonPaths,
            ...chunk,
          )
          for (const row of rows) {
            if (spend) {
              let bytes = 0
              for (let k = 0; k < paths.length; k++) {
                const text = row[`v${k}`]
                if (typeof text === 'string') bytes += Buffer.byteLength(text)
              }
              spend(bytes)
            }
            // `->` gives the value as JSON text, or NULL where the document has none.
            const values = paths.map((_, k) => {
              const text = row[`v${k}`]
              return text === null ? undefined : JSON.parse(String(text))
            })
            found.set(String(row.id), values)
          }
        }
      })
      return ids.map((id) => found.get(id) ?? null)
    },

    countSelected(selection, atMost) {
      const counted = countByType(selection)
      if (counted) {
        const n = Number(get(counted.sql, ...counted.params)?.n ?? 0)
        return atMost === undefined ? n : Math.min(n, atMost)
      }
      const {from, where, params} = compileSelection(selection, searchSql)
      if (atMost === undefined) {
        return Number(get(`SELECT count(*) AS n FROM ${from}${where}`, ...params)?.n ?? 0)
      }
      const limited = `SELECT count(*) AS n FROM (SELECT 1 FROM ${from}${where} LIMIT ?)`
      return Number(get(limited, ...params, atMost)?.n ?? 0)
    },

    indexAttributes(paths, {declared: declare = false} = {}) {
      const exprs = new Set(paths.map((path) => attributeExpression(path)))
      for (const expr of exprs) noteAttributeUse(expr, declare)
    },

    indexOrders(keys, {declared: declare = false} = {}) {
      // The side table's fields are read in order off its own indexes (fields_type_published).
      const kept = (path: readonly string[]) =>
        INDEXED_FIELDS.some((field) => field.path.join('.') === path.join('.'))
      const exprs = new Set(
        keys.filter((key) => !kept(key.path)).map((key) => orderIndexColumns(key.path, key.desc)),
      )
      for (const expr of exprs) noteAttributeUse(expr, declare)
    },

    referrersOf(ids, kind = 'strong') {
      const targets = [...new Set(ids)].sort()
      const out: {id: string; target: string}[] = []
      const column = kind === 'any' ? 'true' : kind === 'visible' ? 'r.visible' : 'r.strong'
      chunksInOneSnapshot(targets.length, () => {
        for (let i = 0; i < targets.length; i += CHUNK) {
          const chunk = targets.slice(i, i + CHUNK)
          const rows = all(
            `SELECT r.target, d.id AS source FROM refs r JOIN documents d ON d.rowid = r.source
             WHERE ${column} AND r.target IN (${chunk.map(() => '?').join(',')})
             ORDER BY r.target, d.id`,
            ...chunk,
          )
          for (const row of rows) out.push({id: String(row.source), target: String(row.target)})
        }
      })
      return out
    },

    transact<T>(fn: (writer: StoreWriter) => T | Promise<T>, options?: {large?: boolean}) {
      if (syncFailure) return Promise.reject(syncFailure)
      if (deleted) return Promise.reject(new NotFoundError(deleted))
      return new Promise<T>((resolve, reject) => {
        const large = options?.large === true
        queue.push({fn, resolve: resolve as (v: unknown) => void, reject, large})
        if (!draining) void drain()
      })
    },

    getTransaction(id) {
      const row = get('SELECT seq FROM transactions WHERE id = ?', id)
      return row ? loadTransaction(Number(row.seq)) : null
    },

    loneSurrogates() {
      if (!open(false)) return []
      return all('SELECT id FROM lone_surrogates').map((row) => String(row.id))
    },

    forgetLoneSurrogates(id) {
      if (open(false)) all('DELETE FROM lone_surrogates WHERE id = ?', id)
    },

    imagesToDerive() {
      if (!open(false)) return []
      return all('SELECT id FROM images_to_derive').map((row) => String(row.id))
    },

    forgetImageToDerive(id) {
      if (open(false)) all('DELETE FROM images_to_derive WHERE id = ?', id)
    },

    transactionExists(id) {
      return (
        Boolean(open(false)) && get('SELECT 1 FROM transactions WHERE id = ?', id) !== undefined
      )
    },

    transactionDocumentIds(id) {
      const row = open(false) ? get('SELECT seq FROM transactions WHERE id = ?', id) : undefined
      if (!row) return null
      return all('SELECT doc_id FROM changes WHERE tx_seq = ?', row.seq).map((r) =>
        String(r.doc_id),
      )
    },

    getTransactions(query: TransactionQuery) {
      if (query.ids?.length === 0 || !open(false)) return []
      return logSeqs(query, null, query.limit).map(loadTransaction)
    },

    transactionPage(query, after, want, budget, known) {
      if (query.ids?.length === 0 || !open(false)) return {transactions: [], next: null}
      // Keyset paging: each page is a query of its own, so no read stays open between pages.
      const seqs = logSeqs(query, after, budget.transactions)
      /**
       * A state the log left out (a create's or replace's document): going forward through a
       * document's log, one patch on the state before it, which the previous page may know;
       * else a rebuild from the nearest anchor (64 changes at most, each as large as the edit).
       */
      const stateOf = (id: string, seq: number, rev: string): SanityDocument | null => {
        const previous = known?.get(id)
        let state: SanityDocument | null | undefined
        if (previous && !query.reverse) {
          const row = get(
            `SELECT (SELECT max(tx_seq) FROM changes WHERE doc_id = ?1 AND tx_seq < ?2) AS before,
               (SELECT effects FROM changes WHERE doc_id = ?1 AND tx_seq = ?2) AS effects`,
            id,
            seq,
          )
          if (row && Number(row.before) === previous.seq) {
            state = applyStored(previous.state, String(row.effects), rev)
          }
        }
        if (state === undefined) state = stateAfter(id, seq)
        if (known) {
          known.delete(id)
          known.set(id, {seq, state})
          // A few documents' states, the most recently used.
          if (known.size > KNOWN_STATES) known.delete(known.keys().next().value!)
        }
        return state
      }
      const transactions: LoggedTransactionText[] = []
      let bytes = 0
      let last: number | null = null
      for (const seq of seqs) {
        const tx = get('SELECT id, timestamp, identity FROM transactions WHERE seq = ?', seq)!
        const changes = all(
          `SELECT doc_id${want.mutations ? ', mutations' : ''}${want.effects ? ', effects' : ''}
           FROM changes WHERE tx_seq = ? ORDER BY position`,
          seq,
        )
        const txId = String(tx.id)
        transactions.push({
          id: txId,
          timestamp: String(tx.timestamp),
          identity: String(tx.identity),
          changes: changes.map((change) => {
            const stored = change as {doc_id: string; mutations?: string; effects?: string}
            const text = changeText(stored, () => stateOf(stored.doc_id, seq, txId))
            bytes += (text.mutations?.length ?? 0) + (text.effects?.length ?? 0)
            return {id: stored.doc_id, ...text}
          }),
        })
        last = seq
        if (bytes >= budget.bytes) break
      }
      const end = seqs.length < budget.transactions && transactions.length === seqs.length
      return {transactions, next: end ? null : last}
    },

    groupTransactions(publishedId, select, before, count) {
      if (!open(false)) return before === null ? [] : null
      let bound = Number.MAX_SAFE_INTEGER
      if (before !== null) {
        const seq = seqOf(before)
        if (seq === null) return null
        bound = seq
      }
      // Each kind of change is a few steps down an index, newest first, however long the log.
      const seqs = new Set<number>()
      for (const id of select.every) {
        for (const row of all(
          `SELECT tx_seq FROM changes INDEXED BY changes_doc WHERE doc_id = ? AND tx_seq < ?
           ORDER BY tx_seq DESC LIMIT ?`,
          id,
          bound,
          count,
        )) {
          seqs.add(Number(row.tx_seq))
        }
      }
      for (const id of [...select.deletions, ...select.lifecycle]) {
        const lifecycle = select.lifecycle.includes(id)
        // A creation is the change after a deletion, or the first: one more deletion than asked
        // for bounds the creations among the newest `count`.
        const deletions = deletionsBefore(id, bound, lifecycle ? count + 1 : count)
        for (const seq of deletions) seqs.add(seq)
        if (!lifecycle) continue
        const creations = deletions.map((seq) => nextChange(id, seq))
        if (deletions.length <= count) creations.push(nextChange(id, -1))
        for (const seq of creations) if (seq !== null && seq < bound) seqs.add(seq)
      }
      const group = groupOf(publishedId)
      return [...seqs]
        .sort((x, y) => y - x)
        .slice(0, count)
        .map((seq) => {
          const tx = get('SELECT id, timestamp, identity FROM transactions WHERE seq = ?', seq)!
          // What the change did, from changes_doc alone (see changeAt).
          const changes: {position: number; id: string; effect: ChangeEffect}[] = []
          for (const id of group) {
            const change = changeAt(id, seq)
            if (!change) continue
            const previous = lastChangeBefore(id, seq)
            const existed = previous !== null && !previous.deleted
            const effect = change.deleted ? 'deleted' : existed ? 'modified' : 'created'
            changes.push({position: change.position, id, effect})
          }
          return {
            id: String(tx.id),
            timestamp: String(tx.timestamp),
            identity: String(tx.identity),
            changes: changes
              .sort((x, y) => x.position - y.position)
              .map(({id, effect}) => ({id, effect})),
          }
        })
    },

    variantsBefore(publishedId, tx) {
      const seq = open(false) ? seqOf(tx) : null
      if (seq === null) return []
      const out: {id: string; rev: string; created: number; position: number}[] = []
      for (const id of groupOf(publishedId)) {
        if (id === publishedId) continue
        const last = lastChangeBefore(id, seq)
        if (last === null || last.deleted) continue
        const rev = String(get('SELECT id FROM transactions WHERE seq = ?', last.seq)!.id)
        const created = createdBefore(id, seq)
        out.push({id, rev, created, position: changeAt(id, created)?.position ?? 0})
      }
      // In the order they were created, as the log tells them.
      return out
        .sort((x, y) => x.created - y.created || x.position - y.position)
        .map(({id, rev}) => ({id, rev}))
    },

    variantAuthors(variantId, tx) {
      const seq = open(false) ? seqOf(tx) : null
      if (seq === null) return []
      const created = createdBefore(variantId, seq)
      // Its creator, then the authors of its newest changes (CONTRIBUTOR_CHANGES at most): a
      // draft edited 100,000 times is not walked whole for one publish event.
      const authors = new Set([
        String(get('SELECT identity FROM transactions WHERE seq = ?', created)!.identity),
      ])
      const recent = all(
        `SELECT t.identity AS identity FROM (
           SELECT tx_seq FROM changes INDEXED BY changes_doc
           WHERE doc_id = ? AND tx_seq > ? AND tx_seq < ? ORDER BY tx_seq DESC LIMIT ?
         ) c JOIN transactions t ON t.seq = c.tx_seq ORDER BY c.tx_seq`,
        variantId,
        created,
        seq,
        CONTRIBUTOR_CHANGES,
      )
      for (const row of recent) authors.add(String(row.identity))
      return [...authors]
    },

    documentAt(id, at: HistoryPoint) {
      return open(false) ? documentAt(id, at) : null
    },

    documentsAt(ids, at, each, most = Infinity) {
      const conn = open(false)
      if (!conn) {
        ids.forEach((_, i) => each(null, i))
        return true
      }
      // One snapshot for all of them, as one request's answer on the event loop always had.
      const snapshot = ids.length > 1 && !conn.isTransaction
      if (snapshot) conn.exec('BEGIN')
      rebuildLeft = most
      try {
        ids.forEach((id, i) => each(documentAt(id, at), i))
        return true
      } catch (err) {
        if (err === OVER_MOST) return false
        throw err
      } finally {
        rebuildLeft = Infinity
        if (snapshot) conn.exec('COMMIT')
      }
    },

    exportPage(options: ExportOptions, budget) {
      const where: string[] = []
      const params: SQLInputValue[] = []
      if (options.types) {
        where.push(`type IN (${options.types.map(() => '?').join(',')})`)
        params.push(...options.types)
      }
      if (options.afterId !== undefined) {
        where.push('id > ?')
        params.push(options.afterId)
      }
      // Read to the page's end before returning: a suspended statement would keep its snapshot
      // for every read of this connection (and on the writer's, its next write would fail with
      // SQLITE_BUSY_SNAPSHOT). The JSON text goes out as stored: an export parses nothing.
      const sql = `SELECT id, json(body) AS body FROM documents${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`
      const s = stmt(sql)
      if (!s) return {documents: [], next: null}
      const documents: ExportedDocument[] = []
      let bytes = 0
      for (const row of s.iterate(...params, Math.max(1, budget.documents))) {
        const {id, body} = row as {id: string; body: string}
        documents.push({id, json: body})
        bytes += body.length
        if (bytes >= budget.bytes) break
      }
      const full = documents.length >= budget.documents || bytes >= budget.bytes
      return {documents, next: full ? documents.at(-1)!.id : null}
    },

    flushSearchIndex() {
      if (searchIndexOn && open(false)) {
        indexQueued(db!, (sql) => stmt(sql)!, Infinity, 0, reportSetAside)
      }
    },

    async retire(reason) {
      // Refuses what comes now; what was queued before writes and is answered (its listeners
      // hear it), and an upgrade under way ends, before the file closes.
      deleted ??= reason
      // Watched, not queued: a job of its own would open (make) the file of a dataset never
      // written. A delete is rare; a few milliseconds' polling costs nothing. Their syncs too:
      // close() would announce the groups it syncs itself after the committed view closed, and
      // the bus's subscribers that read it (the asset clean-up) met a 404.
      const busy = () => queue.length > 0 || draining || upgrading || syncing || unsynced.length
      while (busy() && !syncFailure) {
        await upgrading?.catch(() => undefined)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      this.close()
      // The threads' tasks for the file in flight end before it moves: a thread that opens it
      // after (its first task for this file) would make an empty one in its place.
      const inFlight = [analysis, writing, checkpointing, truncating]
      await Promise.all(inFlight.map((task) => task?.catch(() => undefined)))
    },

    retireNow(reason) {
      deleted ??= reason
      this.close()
    },

    close() {
      if (closed) return
      // The lake's stop waits for the analyzer's task in flight (searchAnalyzer.ts close).
      hurryAnalysis()
      closed = true
      // First: the checkpoint below must find no reader in the middle of a snapshot.
      if (deleted) reader?.retireNow(deleted)
      else reader?.close()
      if (indexing) clearImmediate(indexing)
      if (retryIndexing) clearTimeout(retryIndexing)
      if (fullerBatch) clearTimeout(fullerBatch)
      if (idle) clearTimeout(idle)
      if (packStep) clearImmediate(packStep)
      if (deferBound) clearTimeout(deferBound)
      if (rebuildNext) clearImmediate(rebuildNext)
      if (rebuildRetry) clearTimeout(rebuildRetry)
      // Left out, they are built at the file's next open.
      rebuilt?.resolve()
      // A group still open was written by transactions that finished: make it durable, with every
      // group still waiting for its sync, and announce them in commit order.
      const groups = [...(syncing ?? []), ...unsynced]
      unsynced = []
      if (groupOpen && db) {
        groupOpen = false
        writeCounts(db)
        db.exec('COMMIT')
        groups.push({wrote: true, callbacks: durableCallbacks, done: []})
        durableCallbacks = []
      }
      let failure: Error | undefined
      if (db && path !== ':memory:' && existsSync(`${path}-wal`)) {
        try {
          walFd ??= openSync(`${path}-wal`, 'r+')
          fdatasyncSync(walFd)
        } catch (err) {
          failure = failSync(err)
        }
        // An fdatasync in flight closes the descriptor when it returns.
        if (!syncing && walFd !== null) closeSync(walFd)
      }
      walFd = null
      settle(groups, failure ?? syncFailure ?? undefined)
      statements.clear()
      forgetAll()
      // Fold the WAL into the file, so the file alone holds every write (a copy of it is whole),
      // even when a query thread that is being stopped still has the file open, which keeps SQLite
      // from doing so at the close. Without waiting: a reader mid-snapshot leaves it to the next open.
      if (db && !options.readOnly && path !== ':memory:' && !failure && !syncFailure) {
        db.exec('PRAGMA busy_timeout = 0')
        db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
      }
      db?.close()
      db = null
    },
  }
}

/**
 * Upgrades a dataset file written by an earlier lake to this one's schema, and with `searchIndex`
 * empties a full-text index built by other rules and lists every document in its backlog
 * (ensureSearchIndex), on a connection of its own: the commit thread's (commitThreadWorker.ts),
 * so that the event loop is not held (2-10 s at 20,000 articles from main-24689bb's format;
 * migrations 15 and 16 are statements that cannot yield; the backlog's INSERT 0.1 s at 26,000).
 */
/** What Store.select reads of a side-table row: its id and type, or those and every field. */
const SELECTED_IDS = 'f.id, f.type'
const SELECTED_COLUMNS = `f.id, f.type, ${INDEXED_FIELDS.map((f) => `f.${f.column}`).join(', ')}`

function selectedRow(row: unknown[], idsOnly = false): SelectedRow {
  const id = row[0] as string
  const type = row[1] as string
  if (idsOnly) return {id, type, fields: [], complete: false}
  let complete = true
  const fields = new Array<unknown>(INDEXED_FIELDS.length)
  for (let i = 0; i < fields.length; i++) {
    const decoded = decodeKey(row[i + 2])
    fields[i] = decoded.value
    if (!decoded.complete) complete = false
  }
  return {id, type, fields, complete}
}

/**
 * Rows of streams each in order of their group id (the row's id less `strip` characters), merged
 * into that order. Each stream is read only as far as the merge needs; a caller that stops early
 * leaves the rest unread (and the statements are reset as the generators return).
 */
function* mergedByGroup(
  streams: {rows: Iterator<unknown[]>; strip: number}[],
  rowOf: (row: unknown[]) => SelectedRow,
): Generator<SelectedRow> {
  const heads = streams.map(({rows, strip}) => {
    const next = rows.next()
    return {rows, strip, row: next.done ? null : next.value}
  })
  try {
    for (;;) {
      let first: (typeof heads)[number] | null = null
      let firstGroup = ''
      for (const head of heads) {
        if (!head.row) continue
        const group = (head.row[0] as string).slice(head.strip)
        if (!first || group < firstGroup) [first, firstGroup] = [head, group]
      }
      if (!first) return
      yield rowOf(first.row!)
      const next = first.rows.next()
      first.row = next.done ? null : next.value
    }
  } finally {
    for (const head of heads) head.rows.return?.(undefined)
  }
}

export function migrateDataFile(path: string, searchIndex = false): void {
  const file = new DatabaseSync(path, {timeout: BUSY_TIMEOUT_MS})
  try {
    file.exec('PRAGMA journal_mode = WAL')
    file.exec('PRAGMA synchronous = NORMAL')
    file.exec('PRAGMA foreign_keys = ON')
    migrate(file, basename(path, '.sqlite'))
    buildMissingDeferredIndexes(file)
    if (searchIndex) ensureSearchIndex(file)
  } finally {
    file.close()
  }
}

/**
 * Whether a dataset file needs migrateDataFile: its schema older than this lake's (a read of its
 * migrations table), or with `searchIndex` its full-text index built by other rules.
 */
function upgradeDue(path: string, searchIndex: boolean): boolean {
  const file = new DatabaseSync(path, {readOnly: true, timeout: BUSY_TIMEOUT_MS})
  try {
    const version = schemaVersion(file)
    if (version === null) return false
    return (
      version < MIGRATIONS.length ||
      missingDeferredIndexes(file).length > 0 ||
      (searchIndex && !searchIndexCurrent(file))
    )
  } finally {
    file.close()
  }
}

/**
 * Whether a file's first migrations are committed (a new file's are one transaction: migrate).
 * A newer lake's file is refused (its tables may not be what this lake reads), as migrate does.
 */
function schemaCommitted(db: DatabaseSync, dataset: string): boolean {
  const version = schemaVersion(db) ?? 0
  if (version > MIGRATIONS.length) throw newerDataset(dataset, version, MIGRATIONS.length)
  return version > 0
}

/**
 * Refuses a data folder holding a dataset file a newer lake wrote (NewerDatasetError, naming the
 * first), read only: `lake start` checks it before serving, since datasets open at their first
 * request. A file not read as SQLite is left to its requests, which say what is wrong with it.
 */
export function refuseNewerDatasets(dataDir: string): void {
  const dir = join(dataDir, 'datasets')
  if (!existsSync(dir)) return
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.sqlite')) continue
    let version: number | null = null
    try {
      const file = new DatabaseSync(join(dir, name), {readOnly: true, timeout: BUSY_TIMEOUT_MS})
      try {
        version = schemaVersion(file)
      } finally {
        file.close()
      }
    } catch {
      continue
    }
    if (version !== null && version > MIGRATIONS.length) {
      throw newerDataset(name.slice(0, -'.sqlite'.length), version, MIGRATIONS.length)
    }
  }
}

/** The last migration a file has committed: 0 for none, null without a migrations table. */
function schemaVersion(db: DatabaseSync): number | null {
  if (!db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'migrations'").get()) return null
  const row = db.prepare('SELECT max(version) AS v FROM migrations').get() as {v: number | null}
  return row.v ?? 0
}

function migrate(db: DatabaseSync, dataset: string) {
  db.exec(`CREATE TABLE IF NOT EXISTS migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
  const row = db.prepare('SELECT max(version) AS v FROM migrations').get() as {v: number | null}
  const current = row.v ?? 0
  if (current > MIGRATIONS.length) throw newerDataset(dataset, current, MIGRATIONS.length)
  if (current === MIGRATIONS.length) return
  // The pending migrations are one transaction: a folder is upgraded whole or not at all, and a
  // new dataset's schema costs one sync rather than one per migration (0.1 s against 0.3-0.4 s
  // on a busy disk, paid by every test that creates a dataset). Foreign keys are off meanwhile
  // (the pragma cannot change inside a transaction), so that a table others point at can be made
  // again, as SQLite's own procedure for schema changes has it; checked whole before the COMMIT.
  const foreignKeys = Number(db.prepare('PRAGMA foreign_keys').get()!.foreign_keys)
  db.exec('PRAGMA foreign_keys = OFF')
  db.exec('BEGIN IMMEDIATE')
  try {
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      const migration = MIGRATIONS[version - 1]
      db.exec(migration.sql)
      migration.run?.(db)
      db.prepare('INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        version,
        migration.name,
        new Date().toISOString(),
      )
    }
    const broken = db.prepare('PRAGMA foreign_key_check').all()
    if (foreignKeys && broken.length > 0) {
      throw new Error(
        `lake: the upgrade left ${broken.length} rows pointing at rows that are not there (first in ${String(broken[0].table)}); the data folder is left as it was`,
      )
    }
    db.exec('COMMIT')
  } catch (err) {
    db.exec('ROLLBACK')
    throw err
  } finally {
    db.exec(`PRAGMA foreign_keys = ${foreignKeys}`)
  }
}

/** `json_extract(body, '$."a"."b"')` as an SQL expression, the path quoted as a literal. */
function attributeExpression(path: readonly string[]): string {
  return `json_extract(body, '${jsonPath(path).replaceAll("'", "''")}')`
}

/**
 * The ORDER BY of ScanHint.order: each key's terms, then the ties by `id`, or by document group
 * alone where `groupTies` (a reader of groups reads a whole group, so the rows of one group that
 * tie come in any order): that ends an order index (orderIndexColumns), which then gives the
 * order whole, no run of ties sorted.
 */
function orderTerms(order: readonly OrderKey[], groupTies?: boolean): string {
  const ties = groupTies ? GROUP_ID : 'id'
  const terms = order.map((key) =>
    isIdPath(key.path) ? `${ties} ${key.desc ? 'DESC' : 'ASC'}` : typedOrder(key.path, key.desc),
  )
  // An `_id` key already orders every tie.
  if (!order.some((key) => isIdPath(key.path))) terms.push(ties)
  return terms.join(', ')
}

const isIdPath = (path: readonly string[]) => path.length === 1 && path[0] === '_id'

/**
 * ORDER BY terms for one key: the kind of value (numbers 2, strings 3, booleans 4, anything
 * else 100, as GROQ ranks them), then the value itself for the scalar kinds.
 */
export function typedOrder(path: readonly string[], desc: boolean): string {
  const dir = desc ? 'DESC' : 'ASC'
  return orderKeyExpressions(path)
    .map((expr) => `${expr} ${dir}`)
    .join(', ')
}

/** The two expressions typedOrder orders a path by: its kind of value, then the value. */
function orderKeyExpressions(path: readonly string[]): [string, string] {
  const expr = attributeExpression(path)
  const type = expr.replace('json_extract(', 'json_type(')
  return [
    `CASE ${type} WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 3 ` +
      `WHEN 'true' THEN 4 WHEN 'false' THEN 4 ELSE 100 END`,
    `CASE WHEN ${type} IN ('integer', 'real', 'text', 'true', 'false') THEN ${expr} END`,
  ]
}

/**
 * The columns of an index that gives a type's documents in typedOrder's order of `path`, `desc`
 * or not, ties by document group ascending (orderTerms with groupTies: a stack's order, and the
 * published perspective's, whose rows are each their own group): SQLite reads a slice off it and
 * stops after its batch, where it sorted every document of the type first. The group ends it, or
 * SQLite sorted each run of ties (about 4,200 headlines a position at the archive). Each direction
 * is an index of its own: read backwards, one would give the ties descending.
 */
export function orderIndexColumns(path: readonly string[], desc = false): string {
  const dir = desc ? ' DESC' : ''
  return ['type', ...orderKeyExpressions(path).map((expr) => expr + dir), GROUP_ID].join(', ')
}

/** A short stable name part for an index (FNV-1a, hex). */
function hash(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, '0')
}

/** Makes a directory's entries (a new WAL's name) durable. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
