/**
 * The storage port of the lake. Core and HTTP code depend only on this interface; sqliteStore.ts is
 * the one implementation. It is deliberately narrow so that candidate narrowing (SQLite indexes
 * read off the GROQ AST) and lazy reads fit behind it without touching callers.
 */
import type {BytesOf, ChangeJson} from './changeText.ts'
import type {DocumentPath} from './documentPaths.ts'
import type {CommittedTransaction, DocumentChange, SanityDocument} from './types.ts'

/** A key of an order: a path from the document root, descending or not. */
export interface OrderKey {
  path: readonly string[]
  desc: boolean
}

/**
 * A hint for which documents a query can possibly match. Each present field narrows (AND), the
 * values inside a field widen (OR). A store may ignore any part of it and return more documents:
 * callers always evaluate the full filter afterwards, so a hint only ever saves work.
 */
export interface ScanHint {
  ids?: readonly string[]
  idPrefixes?: readonly string[]
  /** Skip ids starting with these (the published perspective never needs drafts./versions.). */
  excludeIdPrefixes?: readonly string[]
  types?: readonly string[]
  /**
   * Attribute equalities: for every entry, the value at `path` (object keys from the document
   * root) is one of `values`. Read with SQLite's json_extract, so no document is parsed to reject it.
   */
  attributes?: readonly {path: readonly string[]; values: readonly (string | number)[]}[]
  /**
   * Return candidates in this order instead of by `_id` (which still breaks ties). Per key,
   * values order by kind first (numbers, strings, booleans, then everything else including
   * missing, which tie), then by value; strings by code point. This is GROQ's `order()` except
   * that GROQ compares strings by UTF-16 code unit, so callers must allow for that difference.
   * `_id` is the stored id, or with `groupTies` the document group's (a stack's view `_id`).
   */
  order?: readonly OrderKey[]
  /**
   * With `order`: break ties by document group (the id without `drafts.`/`versions.<r>.`) alone;
   * the rows of one group that tie on every key come in any order (a reader of groups reads the
   * whole group).
   */
  groupTies?: boolean
  /** Only documents the full-text index finds for this (see store/searchIndex.ts). */
  search?: SearchHint
}

/**
 * A condition the store evaluates exactly as GROQ would on the stored document (`longer` is the
 * one superset): the planner only builds one when it can prove the equivalence. `field` numbers index
 * Store.indexedFields.
 */
export type Condition =
  | {kind: 'and' | 'or'; of: readonly Condition[]}
  | {kind: 'not'; of: Condition}
  | {kind: 'id'; ids: readonly string[]}
  | {kind: 'idPrefix'; prefixes: readonly string[]}
  /** The id has no `.`: under the root path, all an anonymous caller may read. */
  | {kind: 'rootPath'}
  | {kind: 'type'; types: readonly string[]}
  /** `field == value` for one of `values` (strings, numbers, booleans). */
  | {kind: 'equals'; field: number; values: readonly (string | number | boolean)[]}
  /** GROQ's `<`, `<=`, `>`, `>=`: true only when both sides are numbers or both strings. */
  | {kind: 'compare'; field: number; op: '<' | '<=' | '>' | '>='; value: string | number}
  /** `defined(field)`: anything but null or missing. */
  | {kind: 'defined'; field: number}
  /** GROQ's `references(ids)`: weak references count too. */
  | {kind: 'references'; ids: readonly string[]}
  /** GROQ's `length(field) op value`, exactly; `field` numbers Store.lengthFields. */
  | {kind: 'length'; field: number; op: '<' | '<=' | '>' | '>='; value: number}
  /**
   * A superset of GROQ's `length(path) op value` at any path of attributes and indexes, read
   * from the body (the planner never calls it exact).
   */
  | {
      kind: 'lengthAt'
      path: readonly (string | number)[]
      op: '<' | '<=' | '>' | '>='
      value: number
    }
  /**
   * A superset of `length(field) > value` (or `>=`): every document GROQ keeps, and maybe more
   * (the planner never calls it exact).
   */
  | {kind: 'longer'; field: number; op: '>' | '>='; value: number}
  /**
   * Candidates from the full-text index (searchHints.ts): a superset of what `match` keeps (the
   * planner never calls it exact); every document where the store keeps no index.
   */
  | {kind: 'search'; search: SearchHint}

export interface Selection {
  where?: Condition
  excludeIdPrefixes?: readonly string[]
  /**
   * Only rows that are the top layer of their document group in this perspective stack (`drafts`
   * or release names, first wins; the published document last): the documents a drafts or release
   * perspective shows, each as stored.
   */
  stack?: readonly string[]
  /**
   * Rows in this order of indexed fields, by GROQ's order() (numbers, strings by UTF-16 code
   * unit, booleans, then null, missing and everything else). Rows that tie come in any order.
   */
  order?: readonly {field: number; desc: boolean}[]
  /**
   * The caller reads only `id` and `type` of each row: `fields` come back empty. The side table's
   * type index holds both, so a type's rows are not each looked up in the table.
   */
  idsOnly?: boolean
  /**
   * Rows in view order: by id, or in a stack by the id of the row's document group (the id without
   * its `drafts.` or `versions.<release>.` prefix), read off the documents' `(type, id)` index in
   * that order, so a caller that stops after a few rows reads a few. Only for a selection whose
   * condition is one `_type` (or a few), alone or as a part of an `and` (else Store.seeks is false
   * and select throws). The walk passes every row of the type up to the last one it yields: under
   * a narrow condition that may be most of the type for a few matches.
   */
  byViewId?: boolean
}

export interface SelectedRow {
  id: string
  type: string
  /**
   * The indexed fields' values in Store.indexedFields order (null when missing). An object or
   * array value is null too, with `complete` false: only the body tells it.
   */
  fields: unknown[]
  complete: boolean
}

/**
 * A full-text condition: every part (`all`), any part (`any`, none: nothing matches), one term
 * in one column of the index (`words`: search keys, `tokens`: encoded `match` tokens, looked up
 * in `words` too, which holds those that are their own words' keys; `refs`: reference ids), as a whole token or, with `prefix`, as the start of one, or (`storedScore`)
 * the documents with a top-level `_score` that is no string. With `id`, the condition reads the
 * document's own `_id` (or `_originalId`) too, which the index leaves out: the store looks the
 * term up in the ids as well.
 */
export type SearchHint =
  | {all: readonly SearchHint[]}
  | {any: readonly SearchHint[]}
  | {column: 'words' | 'tokens' | 'refs'; text: string; prefix?: boolean; id?: boolean}
  | {storedScore: true}

/**
 * A text to count in a stored document: in the strings of the value at `path` (attribute names
 * from the document root), or of the whole document (keys and values) when the path is empty.
 */
export interface Probe {
  path: readonly string[]
  text: string
  /** Counted only in documents of these types (0 in others): a score that asks no more. */
  types?: readonly string[]
  /**
   * `text` (ASCII lower-case letters) counted as A-Z and a-z alike, and Infinity where the stored
   * document may hold what folding makes an ASCII letter of (bangla FOLDED_INTO_ASCII).
   */
  caseless?: boolean
}

/** A candidate of a scan, told without reading its body into JavaScript (Store.tally). */
export interface Tally {
  /** As stored. */
  id: string
  type: string
  /**
   * Per probe, at least how often its text occurs (non-overlapping) in the value as stored:
   * Infinity where the stored form may hide an occurrence (an escaped character). An empty text
   * counts Infinity where the value is present and 0 where it is not.
   */
  counts: number[]
  /**
   * Counts of folded words at the probed attributes (0: none starts with the text) and Infinity
   * for the rest: what is known of a candidate TallyOptions.heads left out.
   */
  partial?: boolean
}

export interface TallyOptions {
  /**
   * Only the candidates whose probed top-level attributes (probes whose path is one attribute,
   * whose texts are Bengali search keys or empty) may hold a probe's text as the start of a
   * folded word, per the full-text index, or hold a value there that is no string: every other
   * candidate's such attributes hold no word a text::query of those keys can find (count 0) and
   * no `_score`. Those are left out; the caller bounds them together.
   */
  heads?: boolean
}

/** A transaction as stored in the log: who, when, and per document what and how it changed. */
export interface LoggedTransaction {
  id: string
  timestamp: string
  identity: string
  changes: {
    id: string
    mutations: Record<string, unknown>[]
    effects: {apply: unknown[]; revert: unknown[]}
  }[]
}

/**
 * A logged transaction as the transactions export writes it: each change's mutations (a JSON
 * array) and effects (a JSON `{apply, revert}` object) as JSON text, present when asked for.
 * Stored text is passed on as it is, so a long log is not parsed and written again.
 */
export interface LoggedTransactionText {
  id: string
  timestamp: string
  identity: string
  changes: {id: string; mutations?: string; effects?: string}[]
}

/** What a change did to its document, as the Events API reads it. */
export type ChangeEffect = 'created' | 'deleted' | 'modified'

/** A logged transaction's outline: who, when, and what each change did; nothing decoded. */
export interface TransactionOutline {
  id: string
  timestamp: string
  identity: string
  changes: {id: string; effect: ChangeEffect}[]
}

/**
 * Which changes of a document group the Events API reads (core/historyEvents.ts eventSelection):
 * every change of the `every` documents, the creations and deletions of `lifecycle`, the
 * deletions of `deletions`.
 */
export interface EventSelection {
  every: readonly string[]
  lifecycle: readonly string[]
  deletions: readonly string[]
}

/** The log as the Events API reads it: newest first, from indexes, nothing decoded. */
export interface EventLog {
  /**
   * The transactions with a selected change, newest first, before transaction `before` (null:
   * from the newest), at most `count`; each with what it did to the documents of the group of
   * `publishedId` (it, its draft, its release versions; other documents are left out). Null when
   * `before` is no transaction of the log.
   */
  groupTransactions(
    publishedId: string,
    select: EventSelection,
    before: string | null,
    count: number,
  ): TransactionOutline[] | null
  /**
   * The variants (draft, release versions) of `publishedId` that existed just before transaction
   * `tx`, oldest creation first, each with the transaction that last wrote it.
   */
  variantsBefore(publishedId: string, tx: string): {id: string; rev: string}[]
  /**
   * Who wrote `variantId` since it was last created, before transaction `tx`, in order of their
   * first change; a store may read only the creation and the newest changes of a long history
   * (sqliteStore: CONTRIBUTOR_CHANGES).
   */
  variantAuthors(variantId: string, tx: string): string[]
}

/** Where a page of the log ends: pass it back as `after` for the next page. */
export type LogCursor = number

export interface TransactionQuery {
  /** Only transactions that touched at least one of these documents; left out, the whole log. */
  ids?: readonly string[]
  /**
   * Only transactions that touched a document whose id starts with one of these (the
   * dataset-wide log of a caller whose history grants are such paths): a narrowing in the store,
   * the caller still checks each change.
   */
  idPrefixes?: readonly string[]
  /** Inclusive bounds by transaction id, in commit order. */
  fromTransaction?: string
  toTransaction?: string
  /** Inclusive bounds by commit time (ISO 8601). */
  fromTime?: string
  toTime?: string
  authors?: readonly string[]
  /** Newest first; with toTransaction the listing starts there and walks backwards. */
  reverse?: boolean
  limit?: number
}

/** Which state of a document to read from history. */
export type HistoryPoint = {revision: string} | {time: string} | {lastRevision: true}

export interface ExportOptions {
  types?: readonly string[]
  /** Resume after this id (exclusive); documents come in id order. */
  afterId?: string
  limit?: number
}

/** A stored document as its JSON text, as an export sends it. */
export interface ExportedDocument {
  id: string
  json: string
}

export interface StoreWriter {
  /** Whether a transaction id is already used in this dataset. */
  hasTransaction(id: string): boolean
  /**
   * Writes every change's `after` (null deletes) and appends the transaction to the log. It is
   * durable when transact() resolves (group commit: many transactions share one fsync). At most
   * once per transact(). A promise when it must first wait (without blocking) for another writer
   * of the file to finish, such as the full-text index's thread; fails as it would throw.
   */
  commit(tx: CommittedTransaction): void | Promise<void>
  /**
   * Runs fn once what was committed is durable: when the write group's COMMIT, and every earlier
   * group's, is on disk (synced). Events are announced from here, so nobody hears of a write that
   * could still be lost. Should the sync fail, fn runs with the failure: the write is visible to
   * every read from then on, not acknowledged, maybe not on disk.
   */
  onDurable(fn: (failure?: Error) => void): void
  /**
   * Opens a streamed commit of transaction `tx`: changes handed to the sink are written at once
   * elsewhere (the store's commit thread) in one SQL transaction that stays open, while the caller
   * builds the rest; commit(tx) then writes the changes not yet handed over and commits it all at
   * once, atomic and durable as any commit. Only in a write group of its own (transact's `large`);
   * null when the store cannot (no commit thread): commit(tx) alone then writes everything. A
   * transaction that fails before its commit is rolled back whole: nothing it streamed is kept.
   */
  stream?(tx: {id: string; timestamp: string; identity: string}): ChangeSink | null
}

/**
 * Where a streamed commit's changes go (StoreWriter.stream): final ones only, in the order
 * commit(tx) will have them, each once (the first of `tx.changes` handed over so far, in order).
 */
export interface ChangeSink {
  write(changes: readonly DocumentChange[]): void
}

export interface Store extends EventLog {
  readonly dataset: string
  /**
   * Throws (a 403) when a write would have to make this dataset's file and the lake holds its
   * most datasets already; nothing when the file exists. Checked again as the file is made.
   */
  admitFirstWrite?(): void
  /**
   * Resolves once the dataset's file is in this lake's format: a file an earlier lake wrote is
   * upgraded off the event loop first (sqliteStore: on the commit thread; reads and writes
   * meanwhile are a 503). Without it the first read upgrades it, on the caller's thread.
   */
  ready?(): Promise<void>
  /**
   * Ids of documents an earlier lake stored that may hold text with a lone UTF-16 surrogate (found
   * once, when the file is upgraded), until each is forgotten (once the transaction that wrote it
   * again is durable, or found whole).
   */
  loneSurrogates?(): string[]
  forgetLoneSurrogates?(id: string): void
  /**
   * Ids of image assets an earlier lake stored without lqip, blurHash and palette (found once,
   * when the file is upgraded), until each is forgotten (once the write that filled them in is
   * durable, or found filled or gone).
   */
  imagesToDerive?(): string[]
  forgetImageToDerive?(id: string): void
  /**
   * The dataset as every read outside transact() sees it: what was committed, never a write
   * group's rows before its COMMIT (a group may yet be refused whole; hosted Sanity never shows a
   * document that was not committed). The store itself is what transact()'s functions read: a
   * group's transactions see the ones before them. A write is answered after its COMMIT, so its
   * writer finds it here. sqliteStore: a second, read-only connection (in memory: the store).
   */
  committed(): Store
  /** Documents by id, in the order asked; null for a missing id. */
  getDocuments(ids: readonly string[]): (SanityDocument | null)[]
  /**
   * A large transaction is being built (on a write thread): the store may start now what will
   * commit it (sqliteStore: the commit thread), rather than in its commit.
   */
  largeWriteComing?(): void
  /**
   * The stored size of the documents' bodies, in bytes, read without parsing them: lets the lake
   * refuse, before it parses them, bodies an in-place query has no budget for (query/inPlace.ts).
   */
  bodyBytes(ids: readonly string[]): number
  /**
   * Each document's `_rev` and stored size in bytes, in the order asked (null for a missing id),
   * read without parsing them: what a write checks before it commits, or weighs before it runs.
   */
  heads(ids: readonly string[]): ({rev: string; bytes: number} | null)[]
  /** The ids of the stored versions (`versions.<release>.<id>`) of these published ids, by index. */
  versionIds(publishedIds: readonly string[]): string[]
  /** Each document's stored size in bytes (null for a missing id), its body never read. */
  storedBytes(ids: readonly string[]): (number | null)[]
  /**
   * Documents as their stored JSON text in UTF-8, never parsed, in the order asked (null for a
   * missing id), all read from one snapshot of the dataset.
   */
  documentTexts(ids: readonly string[]): (Uint8Array | null)[]
  /**
   * Candidate documents in `_id` order, read lazily. See ScanHint for what may come back. The
   * objects may be shared with other scans (a parse cache): treat them as read-only. With `paths`,
   * each may instead be its stand-in (core/documentPaths.ts): `_id`, `_type` and the values at
   * those paths only, read without parsing the whole body.
   */
  scan(hint?: ScanHint, paths?: readonly DocumentPath[]): Iterable<SanityDocument>
  /**
   * What scan(hint) would yield, in any order, as tallies of `probes` instead of documents: lets
   * a ranked search read only the documents that can reach its top (core/scoreTopK.ts).
   */
  tally?(hint: ScanHint, probes: readonly Probe[], options?: TallyOptions): Iterable<Tally>
  /** Whether tally() takes TallyOptions.heads (the store keeps a full-text index). */
  readonly tallyHeads?: boolean
  /** Number of stored documents. */
  count(): number
  /**
   * Attribute paths the store keeps beside the body (index + value), so filters and order() on
   * them run in SQL and scans over them never parse a body.
   */
  readonly indexedFields: readonly (readonly string[])[]
  /** Attribute paths whose GROQ `length()` the store keeps, so a filter on it runs in SQL. */
  readonly lengthFields?: readonly (readonly string[])[]
  /** Ids (and indexed fields) of stored documents matching exactly, read lazily. */
  select(selection: Selection): Iterable<SelectedRow>
  /**
   * The values at `paths` in each document (undefined where it has none), read without parsing
   * whole bodies; null for an id not stored. See core/documentPaths.ts. `spend`, when given, is
   * told each document's bytes of values (their JSON's UTF-8) before they are parsed, so a budget
   * can stop before a large field is (query/inPlace.ts).
   */
  extract(
    ids: readonly string[],
    paths: readonly DocumentPath[],
    spend?: (bytes: number) => void,
  ): (unknown[] | null)[]
  /**
   * How many stored documents `select` would yield, counting no further than `atMost` (a
   * decision that needs only a threshold stops reading there).
   */
  countSelected(selection: Selection, atMost?: number): number
  /**
   * How many stored documents the full-text index finds for a search hint, counting no further
   * than `atMost`; null when the store keeps no index (the hint narrows nothing).
   */
  countSearched(search: SearchHint, atMost: number): number | null
  /**
   * Whether the store reads `select(selection)` (or `scan(hint)`, or `countSelected(count)`) by
   * seeking an index: no sort and no pass over a whole table or index before or between the
   * rows, so reading costs about as much as the rows it yields. Lets the lake run a query on the
   * HTTP event loop only when that holds (lake/query/inPlace.ts).
   */
  seeks(read: {selection: Selection} | {hint: ScanHint} | {count: Selection}): boolean
  /**
   * Attribute paths a signed-in caller's query filtered on (or, `declared`, that configuration
   * names): a path used often enough gets an index, within the store's budget. Anonymous traffic
   * never comes here, so it cannot shape the dataset file.
   */
  indexAttributes(paths: readonly (readonly string[])[], options?: {declared?: boolean}): void
  /**
   * The same for orders: keys that led the order of a scan of one type (ScanHint.order) get an
   * index of each type's documents in that key's order and direction, ties by document group.
   */
  indexOrders(keys: readonly OrderKey[], options?: {declared?: boolean}): void
  /**
   * Who strongly references (see core/references.ts) any of `ids` in the stored state: one entry
   * per referencing document `id` and referenced `target`, ordered by target, then id. `visible`:
   * who references them as GROQ's references() sees it (weak references too); `any`: who holds
   * one of them as a string `_ref` anywhere (a weak one inside another reference too).
   */
  referrersOf(
    ids: readonly string[],
    kind?: 'strong' | 'visible' | 'any',
  ): {id: string; target: string}[]
  /**
   * Runs fn holding the dataset's write lock: no other transaction commits while fn runs, so what
   * fn read stays current until it commits. fn may be async (GROQ evaluation is). `large`: fn
   * commits a transaction built as text off the event loop (commitBuilt), which the store may
   * write alone, off the event loop too (sqliteStore: the commit thread).
   */
  transact<T>(fn: (writer: StoreWriter) => T | Promise<T>, options?: {large?: boolean}): Promise<T>
  getTransaction(id: string): LoggedTransaction | null
  /** Whether `id` is a transaction of the log, read from its index (nothing loaded). */
  transactionExists(id: string): boolean
  /** The ids of the documents transaction `id` changed, or null when it is no transaction of the log. */
  transactionDocumentIds(id: string): string[] | null
  getTransactions(query: TransactionQuery): LoggedTransaction[]
  /**
   * The next page of `getTransactions(query)` (its `limit` ignored) after cursor `after`: at most
   * `budget.transactions`, and no more once `budget.bytes` characters of log text were read (always at
   * least one). `next` is null at the end of the log.
   */
  transactionPage(
    query: TransactionQuery,
    after: LogCursor | null,
    want: {mutations: boolean; effects: boolean},
    budget: {transactions: number; bytes: number},
    /** States of documents the pages so far rebuilt, kept by the reader for the next page. */
    known?: Map<string, {seq: number; state: SanityDocument | null}>,
  ): {transactions: LoggedTransactionText[]; next: LogCursor | null}
  /** A document as it was at a transaction, at a time, or its last state (also after deletion). */
  documentAt(id: string, at: HistoryPoint): SanityDocument | null
  /**
   * Each of `ids` as documentAt gives it, in order, all read from one snapshot, handed to `each`
   * one at a time (so a caller need keep none of them). With `most`, the rebuilds parse at most
   * that many characters of the log's stored text in all (snapshots, effects; a document that is
   * small now may have been large): where they would parse more it stops, and returns false.
   */
  documentsAt(
    ids: readonly string[],
    at: HistoryPoint,
    each: (document: SanityDocument | null, index: number) => void,
    most?: number,
  ): boolean
  /**
   * The next documents of an export in `_id` order, after `options.afterId`: at most
   * `budget.documents` (`options.limit` is the caller's), and no more once `budget.bytes` characters of JSON
   * were read (always at least one). One short read that ends before it returns: an export reads
   * page after page by key, so nothing holds a read (a snapshot) of the dataset while its client
   * is slow. `next` (the last id) is null when no more can follow.
   */
  exportPage(
    options: ExportOptions,
    budget: {documents: number; bytes: number},
  ): {documents: ExportedDocument[]; next: string | null}
  /**
   * What `commit` will write for a change (its log row, references, indexed fields), made ahead
   * of it, where the change was built: passed back as `change.text.rows` (core/changeText.ts), it
   * is written as it is. Structured-cloneable; opaque to everyone but the store.
   */
  rowsOf?(change: DocumentChange, json: ChangeJson, bytesOf: BytesOf): unknown
  close(): void
}

/** The stores of all datasets under one data folder. */
export interface StoreRegistry {
  /**
   * The store of a dataset; its file is created on the first write, not here, and only while the
   * lake holds fewer than its most datasets (LIMITS.datasets).
   */
  get(dataset: string): Store
  /** Whether the dataset's file exists (it was written). */
  exists(dataset: string): boolean
  /**
   * Lets go of the store of a dataset that has no file and no write queued, so a name that is only
   * read keeps nothing; false (kept) otherwise.
   */
  forget(dataset: string): boolean
  /** Stores held (forgotten ones not counted). */
  held(): number
  /** Datasets that exist on disk. */
  list(): string[]
  /**
   * How many datasets this run deleted. Threads that keep connections by dataset name
   * (query/worker.ts) let them all go when it grows: one may be to a deleted file, whose disk
   * space it holds and whose documents it would still read were the name made again.
   */
  generation(): number
  /**
   * Deletes a dataset's file: its store is closed for good once the writes queued before are
   * written (what reaches it afterwards is a 404 saying `reason`), and its files are moved into
   * the data folder's deletion folder, the dataset gone from list() at the first move. Resolves
   * to whether it had a file. finishDeletes removes what was moved.
   */
  delete(dataset: string, reason: string): Promise<boolean>
  /**
   * Completes every delete in the deletion folder (one just made, or one a kill stopped): calls
   * `each` with its dataset's name (to remove what else it had), then removes its files. One
   * killed before its file moved deleted nothing: its folder goes, the dataset's rest stays.
   */
  finishDeletes(each: (dataset: string) => void): void
  close(): void
}
