/**
 * The full-text index of a dataset file: an FTS5 table with one row per stored document (every
 * perspective: published, drafts., versions.). Its columns are what core/searchText.ts reads from
 * a document:
 *
 *   words   the search keys (bangla/search.ts) of the document's strings: text::query()
 *   tokens  groq-js `match` tokens of every string not under a skipped key (searchText.ts),
 *           encoded (encodeMatchText), but those the words column holds already: `match` looks
 *           in both columns
 *   refs    every `_ref`, each as one term (refTerm): references()
 *
 * The table is contentless (it answers "which rows", never "what text"); its rows are keyed by the
 * documents table's rowid (an INTEGER PRIMARY KEY, so VACUUM keeps it; until migration 15 a table
 * of its own, search_ids, mapped them to ids: 3.5 % of the data file). A document's row is removed
 * with the document, in the commit (its rowid is gone after it). The index only narrows: groq-js
 * re-checks every candidate, so the index only has to be a superset. When the analyzer's rules
 * change, the index is emptied on open and every document put in the re-index's backlog
 * (ensureSearchIndex), read after the queue.
 *
 * The index is filled after the commit, not inside it: a commit only adds the ids it wrote to
 * `search_queue` (durable with the documents), and the analyzer's thread (analyzeQueued, then
 * applyAnalyzed on its own connection; searchAnalyzer.ts) or, without one, the store itself
 * (indexQueued) indexes the queue in short batches soon after. Until then every queued id is a candidate of every search
 * (searchCondition), and groq-js re-checks candidates, so results are the same as with the index
 * filled at once and a write is found by the next query. Bulk writes no longer wait for the
 * Bengali analyzer, the largest share of a commit's CPU.
 */
import {createHash, hash} from 'node:crypto'
import type {DatabaseSync, SQLInputValue, StatementSync} from 'node:sqlite'
import {
  ABBREVIATIONS,
  DROPPED_BY_FOLD,
  EMPHATIC_RULES,
  searchKeys,
  searchWords,
  SPELLING_VARIANTS,
  SUFFIX_RULES,
  UNSTEMMED_WORDS,
  VERB_FORMS,
} from '../../bangla/index.ts'
import {
  encodeMatchText,
  groqMatchTokens,
  indexedText,
  type IndexedTextSink,
} from '../core/searchText.ts'
import {jsonbIndexedText, JsonbFallback} from './searchIndexJsonb.ts'
import type {SanityDocument} from '../core/types.ts'
import type {SearchHint} from '../core/store.ts'

export const SEARCH_INDEX_MIGRATION = {
  name: 'full-text search index',
  sql: `
    CREATE TABLE search_ids (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
    CREATE VIRTUAL TABLE search_fts USING fts5(
      words, tokens, refs,
      tokenize = 'ascii', content = '', contentless_delete = 1, detail = column
    );
    CREATE TABLE search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
}

/** Ids written since the index last caught up (see the module comment). */
export const SEARCH_QUEUE_MIGRATION = {
  name: 'full-text index queue',
  sql: `CREATE TABLE search_queue (id TEXT PRIMARY KEY) WITHOUT ROWID;`,
}

/**
 * Documents whose analysis failed, with why: like queued ones, candidates of every search (so
 * results stay right), analysed again only when written again (the commit queues them), so one
 * document cannot hold the queue behind it.
 */
export const SEARCH_ASIDE_MIGRATION = {
  name: 'full-text index: documents set aside',
  sql: `CREATE TABLE search_aside (id TEXT PRIMARY KEY, error TEXT NOT NULL) WITHOUT ROWID;`,
}

/**
 * FTS5 merges a level's segments into one once it holds `automerge` of them (default 4). Each
 * analyzer COMMIT writes a segment, so a bulk load merges its rows again at every level: at 8,
 * fewer merges (the same rows, the same answers), the index about as large.
 */
/**
 * What a re-index has left (ensureSearchIndex), apart from the queue of what writes wrote: writes
 * wait while the queue is long (MAX_QUEUED in sqliteStore.ts), never for the re-index. A queue
 * an older lake left (every document after a change of the index's rules) is the backlog now.
 */
export const SEARCH_REINDEX_MIGRATION = {
  name: 'full-text index: the re-index backlog apart from the queue',
  sql: `CREATE TABLE search_reindex (id TEXT PRIMARY KEY) WITHOUT ROWID;
    INSERT INTO search_reindex (id) SELECT id FROM search_queue;
    DELETE FROM search_queue;`,
}

export const SEARCH_AUTOMERGE_MIGRATION = {
  name: 'full-text index: segments merged eight at a time',
  sql: `INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 8);`,
}

/**
 * The index without column lists (`detail=none`): it keeps which rows hold a term and nothing
 * more. No lookup reads positions (no phrase is looked up: a query's pieces are ANDed and groq-js
 * re-checks), and the columns' terms are told apart by their first character instead
 * (TOKEN_MARK, REF_MARK), so every lookup finds the rows it found before. The column lists were
 * about half the index's data and most of what the analyzer's COMMIT flushed. The table cannot be
 * altered: it is made again, empty, and forgetting the index's version has the open put every
 * document in the re-index's backlog (ensureSearchIndex).
 */
export const SEARCH_DETAIL_NONE_MIGRATION = {
  name: 'full-text index without column lists',
  sql: `DROP TABLE search_fts;
    CREATE VIRTUAL TABLE search_fts USING fts5(
      words, tokens, refs,
      tokenize = 'ascii', content = '', contentless_delete = 1, detail = none
    );
    INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 8);
    DELETE FROM search_meta WHERE key = 'version';`,
}

/** Changes whenever what the index stores for a document changes, so old indexes get rebuilt. */
export const INDEX_VERSION = createHash('sha256')
  .update(
    JSON.stringify([
      20,
      SUFFIX_RULES,
      EMPHATIC_RULES,
      [...UNSTEMMED_WORDS],
      [...VERB_FORMS],
      [...SPELLING_VARIANTS],
      [...ABBREVIATIONS],
    ]),
  )
  .digest('hex')
  .slice(0, 16)

export type Statement = (sql: string) => StatementSync

/**
 * The first character of each term of the tokens column, and of the refs column: the index keeps
 * no column lists (detail=none), so a lookup tells the columns apart by it. Noncharacters, which
 * no word holds (searchWords: letters, marks, digits) and no text is expected to: a `match` token
 * that starts with one can at worst find more candidates, which groq-js re-checks.
 */
export const TOKEN_MARK = '\uFDD0'
export const REF_MARK = '\uFDD1'

/** Tokens as the tokens column's terms (TOKEN_MARK), joined by spaces. */
const tokenTerms = (tokens: Iterable<string>): string => {
  let out = ''
  for (const token of tokens) out += out === '' ? TOKEN_MARK + token : ` ${TOKEN_MARK}${token}`
  return out
}

/**
 * A document's row of the index: its three columns. A `match` token that is also one of the search
 * keys of its run of text (between spaces) is in `words` only, and `match` looks a term up in
 * both columns (ftsExpression): most tokens of Bengali text are their own words, and naming each
 * twice was a third of the row's terms (the analyzer's FTS5 inserts, and the index's size).
 */
export interface IndexColumns {
  words: string
  tokens: string
  refs: string
}

/**
 * What a run of text between two spaces gives the index, each joined by spaces ('' for none): its
 * words' keys, its `match` tokens (encoded).
 */
interface ChunkTerms {
  keys: string
  tokens: string
  /** The tokens that are none of `keys`: what the tokens column needs beside the keys. */
  extra: string
  /**
   * The last document (indexedColumns' count) whose tokens, whose words, and whose extra tokens
   * (with the words) took these.
   */
  tokensOf: number
  wordsOf: number
  extraOf: number
  /** The keys as heads (headTerms), made when a top-level string first holds the run. */
  heads?: string
}

/**
 * Terms of the runs between spaces met so far. A space ends every word and every `match` token,
 * and folding never moves text across it (NFC does not compose or reorder across a space, nor does
 * lower-casing look past one), so a text's terms are its runs' terms. A newsroom repeats its
 * words, and the analysis was most of the analyzer's time in a bulk load. One exception: a text
 * holding a character folding drops (a joiner) is normalised again as a whole after lower-casing
 * (foldForSearch), which can reorder marks in a run without one (İ lower-cased before a nukta),
 * so such a text is analysed whole.
 *
 * A run is looked up where it lies in its text, not cut out of it: hashed (FNV-1a over its UTF-16
 * units) and compared in place; only a run not kept is sliced and analysed. Splitting each text
 * and looking each piece up in a Map (a string made and hashed per run) cost a third more.
 */
class RunTable {
  readonly runs: (string | undefined)[] = new Array<string | undefined>(RUN_SLOTS).fill(undefined)
  readonly hashes = new Int32Array(RUN_SLOTS)
  readonly terms: (ChunkTerms | undefined)[] = new Array<ChunkTerms | undefined>(RUN_SLOTS).fill(
    undefined,
  )
  size = 0

  /** The slot holding text[start, end), or the complement (~) of the free slot it would take. */
  find(text: string, start: number, end: number, hash: number): number {
    for (let slot = hash & (RUN_SLOTS - 1); ; slot = (slot + 1) & (RUN_SLOTS - 1)) {
      const run = this.runs[slot]
      if (run === undefined) return ~slot
      if (this.hashes[slot] === hash && run.length === end - start && text.startsWith(run, start))
        return slot
    }
  }

  add(freeSlot: number, run: string, hash: number, terms: ChunkTerms): void {
    this.runs[freeSlot] = run
    this.hashes[freeSlot] = hash
    this.terms[freeSlot] = terms
    this.size++
  }
}

/**
 * Some 10 MB at most, in two generations of half as many runs: when the recent one is full it
 * becomes the older one (the older is dropped), and a run found in the older one is kept again.
 * Every document brings a few runs of its own (its id, dates, slug), which filled a single cache
 * that was then emptied, and the next documents' common words were analysed again. On the
 * analyzer's thread (which ends when idle), or on the event loop where it fills the index itself
 * (no analyzer thread, a rebuild, a flush); made at the first analysis.
 */
const CHUNK_CACHE_LIMIT = 50_000
/** Slots per generation: a power of two, under half full. */
const RUN_SLOTS = 1 << 16
let recentRuns: RunTable | null = null
let olderRuns: RunTable | null = null
/** Longer runs (a URL, a base64 value) are analysed without being kept. */
const CACHED_CHUNK_LENGTH = 64

/** What makes foldForSearch normalise a text again as a whole. */
const DROPPED = new RegExp(DROPPED_BY_FOLD.join('|'))

/**
 * UTF-16 units of a term the index keeps: a longer word or token (a pasted blob, a 7-million-
 * character run of letters) is kept as its first MAX_TERM, which lookups of a longer term read as
 * a prefix (ftsExpression). So the index still finds every document that can match (a term
 * equal to it or starting with it starts with that prefix) and groq-js's re-check drops the rest;
 * the work and room a word costs the index stay bounded.
 */
export const MAX_TERM = 256

/** The words column's terms of a chunk: its words' search keys. */
function keysOf(chunk: string): Set<string> {
  const keys = new Set<string>()
  for (const word of searchWords(chunk)) {
    for (const key of searchKeys(word)) keys.add(indexTerm(key))
  }
  return keys
}

/**
 * A boolean's or number's text longer than this gives its keys without the runs' cache: an edited
 * image's crop and hotspot are doubles (`0.12389380530973451`), rarely met again, whose copy, match
 * tokens (never used for a scalar) and place in the cache cost more than their keys.
 */
const CACHED_SCALAR_LENGTH = 8

/** A term as the index keeps it (MAX_TERM); never a lone half of a surrogate pair. */
function indexTerm(term: string): string {
  if (term.length <= MAX_TERM) return term
  const high = term.charCodeAt(MAX_TERM - 1)
  return term.slice(0, high >= 0xd800 && high <= 0xdbff ? MAX_TERM - 1 : MAX_TERM)
}

function analyseChunk(chunk: string): ChunkTerms {
  if (plainAscii(chunk, 0, chunk.length) !== 0) return plainAsciiTerms(chunk)
  const keys = keysOf(chunk)
  const tokens = new Set<string>()
  // Cut before encoding: encodeMatchText maps each UTF-16 unit to one.
  for (const token of groqMatchTokens(chunk)) tokens.add(encodeMatchText(indexTerm(token)))
  return {
    keys: [...keys].join(' '),
    tokens: tokenTerms(tokens),
    extra: tokenTerms([...tokens].filter((token) => !keys.has(token))),
    tokensOf: 0,
    wordsOf: 0,
    extraOf: 0,
  }
}

/**
 * Whether text[start, end) is a run plainAsciiTerms analyses: ASCII letters, digits, `-`, `:`, `/`
 * and dots, every run of dots touching a letter or a digit (groq-js's `match` drops such dots,
 * EDGE_CHARS). 0: not such a run; 1: such a run; 2: such a run holding a digit.
 */
function plainAscii(text: string, start: number, end: number): 0 | 1 | 2 {
  let kind: 1 | 2 = 1
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i)
    if (code >= 48 && code <= 57) kind = 2
    else if (isAsciiLetter(code) || code === 45 || code === 58 || code === 47) continue
    else if (code !== 46) return 0
    else {
      let after = i
      while (after < end && text.charCodeAt(after) === 46) after++
      if (
        !(i > start && isAsciiLetterOrDigit(text.charCodeAt(i - 1))) &&
        !(after < end && isAsciiLetterOrDigit(text.charCodeAt(after)))
      )
        return 0
      i = after - 1
    }
  }
  return kind
}

const isAsciiLetter = (code: number) => (code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a
const isAsciiLetterOrDigit = (code: number) => isAsciiLetter(code) || (code >= 48 && code <= 57)

/**
 * analyseChunk of a run plainAscii takes (a date, a slug, an id's number: most of the runs a
 * document brings that no other does), without the general path's regexes and sets: its words
 * (each its only key: no suffix ends in ASCII) are its letters and digits between the other
 * characters, a digit after a letter starting one; its `match` tokens are its letters and digits
 * between `-`, `:` and `/`, the dots left out; both lower-cased. The same terms in the same order
 * (indexedColumns.test.ts).
 */
function plainAsciiTerms(run: string): ChunkTerms {
  const lower = run.toLowerCase()
  const keys: string[] = []
  const tokens: string[] = []
  let word = -1
  let token = ''
  for (let i = 0; i <= lower.length; i++) {
    const code = i < lower.length ? lower.charCodeAt(i) : 32
    const digit = code >= 48 && code <= 57
    // A digit after a letter starts a word (searchWords), not a token.
    const startsWord = word >= 0 && digit && isAsciiLetter(lower.charCodeAt(i - 1))
    if (word >= 0 && (startsWord || !(digit || isAsciiLetter(code)))) {
      const piece = lower.slice(word, i)
      const key = indexTerm(piece)
      if (!keys.includes(key)) keys.push(key)
      token += piece
      word = -1
    }
    if (digit || isAsciiLetter(code)) {
      if (word < 0) word = i
      continue
    }
    if (code !== 46 && token !== '') {
      const term = indexTerm(token)
      if (!tokens.includes(term)) tokens.push(term)
      token = ''
    }
  }
  return {
    keys: keys.join(' '),
    tokens: tokenTerms(tokens),
    extra: tokenTerms(tokens.filter((term) => !keys.includes(term))),
    tokensOf: 0,
    wordsOf: 0,
    extraOf: 0,
  }
}

/**
 * text[start, end) as a string of its own. V8 makes a slice of 13 units or more a view into the
 * string it was cut from, so a kept run held its whole paragraph: 20,000 articles of three
 * 1,800-unit paragraphs, each with a long word not met before, left 246 MB on the thread that
 * analysed them (43 MB with copies).
 */
function ownCopy(text: string, start: number, end: number): string {
  return Buffer.from(text.slice(start, end), 'utf16le').toString('utf16le')
}

/**
 * Calls `visit` with each run between spaces (U+0020) of a text, as text.split(' ') gives them,
 * empty ones left out, and the run's hash (FNV-1a over its UTF-16 units), made in the same pass.
 */
function eachRun(text: string, visit: (start: number, end: number, hash: number) => void): void {
  const length = text.length
  let start = 0
  let hash = FNV_OFFSET
  for (let end = 0; end <= length; end++) {
    const code = end < length ? text.charCodeAt(end) : 32
    if (code !== 32) {
      hash = Math.imul(hash ^ code, FNV_PRIME)
      continue
    }
    if (end > start) visit(start, end, hash)
    start = end + 1
    hash = FNV_OFFSET
  }
}

const FNV_OFFSET = 0x811c9dc5 | 0
const FNV_PRIME = 0x01000193

/**
 * The terms of text[start, end) (hashed by eachRun), a run of at most CACHED_CHUNK_LENGTH, kept
 * for the next.
 */
function runTerms(
  text: string,
  start: number,
  end: number,
  hash: number,
  fresh = false,
): ChunkTerms {
  recentRuns ??= new RunTable()
  let slot = recentRuns.find(text, start, end, hash)
  if (slot >= 0) return recentRuns.terms[slot]!
  const older = olderRuns ? olderRuns.find(text, start, end, hash) : -1
  // With `fresh`, a plain run with a digit (a date, a slug's or an id's number in a string) is
  // rarely met again: analysed anew each time, it costs less than its copy and place in the cache,
  // and leaves the cache to the words a newsroom repeats. Not a number's text: those repeat, and a
  // document names their words once (its runs' marks, columnsOf).
  if (fresh && older < 0 && plainAscii(text, start, end) === 2)
    return plainAsciiTerms(text.slice(start, end))
  const run = older >= 0 ? olderRuns!.runs[older]! : ownCopy(text, start, end)
  const terms = older >= 0 ? olderRuns!.terms[older]! : analyseChunk(run)
  if (recentRuns.size >= CHUNK_CACHE_LIMIT / 2) {
    olderRuns = recentRuns
    recentRuns = new RunTable()
    slot = recentRuns.find(text, start, end, hash)
  }
  recentRuns.add(~slot, run, hash, terms)
  return terms
}

/** Documents analysed so far: a run's terms remember the last that took them. */
let analysed = 0

/**
 * The index's three columns for a document. A column may name a term more than once (two runs
 * that share a stem): FTS5 keeps one entry per term and column of a row (detail=column) whatever
 * the text repeats, and repeats cost it less than removing them here did.
 */
export function indexedColumns(doc: SanityDocument): IndexColumns {
  return columnsOf(
    (sink) => indexedText(doc, sink, true, true),
    (words) => headTerms(doc, words),
  )
}

/**
 * indexedColumns of JSON.parse(json(body)) read from the stored JSONB (searchIndexJsonb.ts);
 * throws JsonbFallback where that reading needs the text.
 */
export function indexedColumnsOfJsonb(body: Uint8Array): IndexColumns {
  // headTerms' words come after the walk's: kept apart meanwhile.
  const heads: string[] = []
  return columnsOf(
    (sink) =>
      jsonbIndexedText(body, sink, {
        string: (value) => stringHeads(value, heads),
        other: (name) => heads.push(HEAD + HEAD + encodeMatchText(name)),
      }),
    (words) => {
      for (const head of heads) words.push(head)
    },
  )
}

/** The columns of what `walk` gives (indexedText's calls), then the heads `heads` adds. */
function columnsOf(
  walk: (sink: IndexedTextSink) => void,
  heads: (words: string[]) => void,
): IndexColumns {
  // A run the document repeats gives its terms once: a kept run's terms carry the number of the
  // last document that took them (sets of the runs met, made per document, cost more). Long runs
  // and long scalars' texts, never kept, are remembered here.
  const current = ++analysed
  let longRuns: Map<string, ChunkTerms> | null = null
  let longScalars: Set<string> | null = null
  const words: string[] = []
  const tokens: string[] = []
  const refs = new Set<string>()
  const takeWords = (terms: ChunkTerms) => {
    if (terms.wordsOf !== current) {
      terms.wordsOf = current
      if (terms.keys !== '') words.push(terms.keys)
    }
  }
  // With its words, a run's tokens column needs only the tokens that are none of its keys.
  const take = (terms: ChunkTerms, withWords: boolean) => {
    if (!withWords) {
      if (terms.tokensOf !== current) {
        terms.tokensOf = current
        if (terms.tokens !== '') tokens.push(terms.tokens)
      }
      return
    }
    takeWords(terms)
    if (terms.extraOf !== current && terms.tokensOf !== current) {
      terms.extraOf = current
      if (terms.extra !== '') tokens.push(terms.extra)
    }
  }
  const sink: IndexedTextSink = {
    text(text, withWords) {
      if (DROPPED.test(text)) {
        const terms = analyseChunk(text)
        if (withWords && terms.keys !== '') words.push(terms.keys)
        const needed = withWords ? terms.extra : terms.tokens
        if (needed !== '') tokens.push(needed)
        return
      }
      eachRun(text, (start, end, hash) => {
        if (end - start > CACHED_CHUNK_LENGTH) {
          const run = text.slice(start, end)
          let terms = (longRuns ??= new Map()).get(run)
          if (!terms) longRuns.set(run, (terms = analyseChunk(run)))
          take(terms, withWords)
        } else {
          take(runTerms(text, start, end, hash, true), withWords)
        }
      })
    },
    scalar(text) {
      // Its keys alone: `match` reads no boolean or number. A short one's runs are cached (each
      // at most CACHED_SCALAR_LENGTH, within CACHED_CHUNK_LENGTH); a long one's keys are given
      // once a document, as the cached runs' are (a crop's top and bottom may be equal).
      if (DROPPED.test(text) || text.length > CACHED_SCALAR_LENGTH) {
        if ((longScalars ??= new Set()).has(text)) return
        longScalars.add(text)
        const keys = [...keysOf(text)].join(' ')
        if (keys !== '') words.push(keys)
        return
      }
      eachRun(text, (start, end, hash) => takeWords(runTerms(text, start, end, hash)))
    },
    ref: (id) => refs.add(id),
  }
  walk(sink)
  heads(words)
  return {
    words: words.join(' '),
    tokens: tokens.join(' '),
    refs: Array.from(refs, (id) => REF_MARK + refTerm(id)).join(' '),
  }
}

/**
 * A reference's one term in the refs column, and what references() looks up: 48 bits of a hash of
 * its id, in hex (letters and digits, which the `ascii` tokenizer keeps whole). The id itself was
 * split at its punctuation, a UUID into five terms each looked up (3.0 of the index's 34.0 MB with
 * the Studio's ids, docs/benchmarks-log.md). Two ids of one term only make a candidate more, which
 * groq-js re-checks.
 */
export function refTerm(id: string): string {
  return hash('sha1', id).slice(0, 12)
}

/**
 * Starts the words column's terms of a document's top-level attributes (headsCondition): no
 * analyzer word holds a danda (searchWords splits at it), so these meet no text::query lookup.
 */
const HEAD = '\u0964'

/**
 * Adds to `words` the heads of a document: HEAD + each search key of a top-level string
 * attribute (its words and their stems, all prefixes of the words) that no digit starts, and
 * HEAD + HEAD + the name (encoded as a `match` token) of each top-level attribute that is no string
 * but holds text a bounded key may be in (headsMarked), and of a stored `_score`. A ranked search
 * reads first the documents whose attributes may hold its words (Store.tally). The keys come from
 * the runs' cached terms (the same runs as indexedColumns reads): analysing titles again cost the
 * analyzer 40 % more.
 *
 * A bounded key (core/scoreTopK.ts) is Bengali, which only a string past ASCII holds, or Latin
 * (ASCII letters), which a string of ASCII alone may hold: such a string's keys are heads where
 * its attribute's name does not start with `_` (ids, revisions and dates, whose keys were most of
 * a row's terms; a Latin word probing such an attribute is tallied in every candidate). A key a
 * digit starts is in no bounded word's heads: a word with digits is not bounded.
 */
function headTerms(doc: SanityDocument, words: string[]): void {
  for (const name in doc) {
    if (!Object.hasOwn(doc, name)) continue
    const value = (doc as Record<string, unknown>)[name]
    const named = name.charCodeAt(0) !== UNDERSCORE
    if (typeof value === 'string') {
      // A string of ASCII alone with no word a letter starts (a date) gives no heads.
      if (NON_ASCII.test(value) || (named && LATIN_WORD.test(value))) stringHeads(value, words)
    } else if (name === '_score' || holdsNonAscii(value) || (named && holdsLatin(value))) {
      words.push(HEAD + HEAD + encodeMatchText(name))
    }
  }
}

const UNDERSCORE = 0x5f

/** The heads of a string's keys, a run between spaces at a time as indexedColumns splits it. */
function stringHeads(text: string, words: string[]): void {
  const add = (terms: ChunkTerms) => {
    terms.heads ??= terms.keys
      .split(' ')
      .filter((key) => key !== '' && !DIGIT_FIRST.test(key))
      .map((key) => indexTerm(HEAD + key))
      .join(' ')
    if (terms.heads !== '') words.push(terms.heads)
  }
  if (DROPPED.test(text)) return add(analyseChunk(text))
  eachRun(text, (start, end, hash) => {
    if (end - start > CACHED_CHUNK_LENGTH) add(analyseChunk(text.slice(start, end)))
    else add(runTerms(text, start, end, hash))
  })
}

const NON_ASCII = /[^\p{ASCII}]/u
const DIGIT_FIRST = /^[0-9]/
const LATIN = /[A-Za-z]/
/** A word of ASCII alone that a letter starts (ASCII words are letters and digits). */
const LATIN_WORD = /(?:^|[^A-Za-z0-9])[A-Za-z]/

/** Whether an array or object holds a string (value or key) with a non-ASCII character. */
function holdsNonAscii(value: unknown): boolean {
  if (typeof value === 'string') return NON_ASCII.test(value)
  if (Array.isArray(value)) return value.some(holdsNonAscii)
  if (value === null || typeof value !== 'object') return false
  for (const key in value) {
    if (NON_ASCII.test(key) || holdsNonAscii((value as Record<string, unknown>)[key])) return true
  }
  return false
}

/**
 * Whether a value that is no string may hold a Latin word where a text::query of it reads: a
 * boolean (its text, `true` or `false`), or an ASCII letter in a string of it outside keys that
 * start with `_` (which searchableText does not read). A number's text starts its words with
 * digits.
 */
function holdsLatin(value: unknown): boolean {
  if (typeof value === 'boolean') return true
  if (typeof value === 'string') return LATIN.test(value)
  if (Array.isArray(value)) return value.some(holdsLatin)
  if (value === null || typeof value !== 'object') return false
  for (const key in value) {
    if (key.charCodeAt(0) !== UNDERSCORE && holdsLatin((value as Record<string, unknown>)[key]))
      return true
  }
  return false
}

/**
 * The full-text condition on the heads (headTerms) for probes of top-level attributes: a document
 * whose `attribute` may hold a word starting with `key` (the empty key: whose attribute is
 * present), or holds a value there that is no string. Any other document's folded attribute
 * holds no word starting with any key: a text::query of it finds none of them.
 */
export function headsCondition(probes: readonly {attribute: string; key: string}[]): {
  sql: string
  params: SQLInputValue[]
} {
  const terms = new Set<string>()
  for (const {attribute, key} of probes) {
    if (key !== '') terms.add(`"${indexTerm(HEAD + key).replaceAll('"', '""')}"*`)
    terms.add(`"${(HEAD + HEAD + encodeMatchText(attribute)).replaceAll('"', '""')}"`)
  }
  return {
    sql: `(rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?) OR id IN (${UNINDEXED}))`,
    params: [`(${[...terms].join(' OR ')})`],
  }
}

/**
 * Writes (or, with null, removes) the row of the document stored at `rowid`, inside the caller's
 * transaction. REPLACE: a plain INSERT of a rowid the contentless table holds adds a second row.
 */
function writeIndexRow(stmt: Statement, rowid: number, columns: IndexColumns | null): void {
  if (!columns) {
    unindexDocument(stmt, rowid)
    return
  }
  const {words, tokens, refs} = columns
  stmt('INSERT OR REPLACE INTO search_fts (rowid, words, tokens, refs) VALUES (?, ?, ?, ?)').run(
    rowid,
    words,
    tokens,
    refs,
  )
}

/** Removes the row of the document stored at `rowid`: the commit that deletes it calls this. */
export function unindexDocument(stmt: Statement, rowid: number): void {
  stmt('DELETE FROM search_fts WHERE rowid = ?').run(rowid)
}

/**
 * A stored body's index columns (null for a deleted document's, null body), or why they could not
 * be made. An analysis that throws must not fail its batch: the batch was retried every second,
 * and every document queued behind it stayed unindexed (so re-checked by every search) for good.
 * The body is read as SQLite stores it (JSONB, searchIndexJsonb.ts); one that reading cannot
 * take as JSON.parse would is read as text, JSON.parse(json(body)).
 */
function analyzeBody(stmt: Statement, body: StoredBody | null): Analysis {
  if (body === null) return {columns: null}
  try {
    if (typeof body !== 'string') {
      try {
        return {columns: indexedColumnsOfJsonb(body)}
      } catch (err) {
        if (!(err instanceof JsonbFallback)) throw err
      }
    }
    const {text} = stmt(`SELECT ${JSON_TEXT} AS text`).get(body) as {text: Uint8Array}
    const json = Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8')
    return {columns: indexedColumns(JSON.parse(json) as SanityDocument)}
  } catch (err) {
    return {error: err instanceof Error ? `${err.name}: ${err.message}` : String(err)}
  }
}

/** A body as the documents table holds it: JSONB (jsonb() writes every body), or JSON text. */
type StoredBody = Uint8Array | string

/**
 * A body's JSON text as UTF-8 bytes, decoded by Buffer (simdutf). Read as text, node:sqlite
 * decodes it with V8's UTF-8 decoder, slower on Bengali: reading and parsing 30,000 archive
 * documents took 10.7–11.3 µs a document against 7.9–8.9 as bytes.
 */
const JSON_TEXT = 'CAST(json(?) AS BLOB)'

/** A document's index columns (null: remove its row), or why its analysis failed. */
type Analysis = {columns: IndexColumns | null} | {error: string}

/** Reports a document set aside (once: it is analysed again only after its next write). */
export type SetAsideReport = (id: string, error: string) => void

/** Documents set aside by one transaction of the index, with why (reported after its COMMIT). */
type SetAside = [id: string, error: string][]

/**
 * A document's analysis into the index, inside the caller's transaction: the row of the document
 * stored at `rowid` (null: deleted, its row went with it) written, and the document out of
 * search_aside (`unsetAside`, anyAside). Or, when its analysis failed, the document set aside: a
 * candidate of every search until written again, so its old row (of an earlier version) only
 * takes room. The one path of the index's three writers (the event loop's, the analyzer's, a
 * rebuild's).
 */
function indexAnalysis(
  stmt: Statement,
  id: string,
  rowid: number | null,
  analysis: Analysis,
  unsetAside: StatementSync | null,
  setAside: SetAside,
): void {
  if (rowid !== null) {
    if ('error' in analysis) {
      unindexDocument(stmt, rowid)
      stmt('INSERT OR REPLACE INTO search_aside (id, error) VALUES (?, ?)').run(id, analysis.error)
      setAside.push([id, analysis.error])
      return
    }
    writeIndexRow(stmt, rowid, analysis.columns)
  }
  unsetAside?.run(id)
}

/**
 * Marks a written (or deleted) document for the index; runs inside the commit's transaction. One
 * the re-index has yet to read is left to it (it reads the document as it is then), so that
 * rewriting the backlog (a re-import) does not fill the queue writes wait on.
 */
export function queueDocument(stmt: Statement, id: string): void {
  stmt(
    `INSERT OR IGNORE INTO search_queue (id)
     SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM search_reindex WHERE id = ?1)`,
  ).run(id)
}

/** Where a document waits for the index: written since the open, or left by a re-index. */
export type QueueSource = 'queue' | 'reindex'
const QUEUE_TABLE: Record<QueueSource, string> = {queue: 'search_queue', reindex: 'search_reindex'}

/** Queued ids read per statement while indexing the queue. */
const QUEUE_BATCH = 64

/**
 * Indexes queued documents for about `budgetMs`, or until at most `keep` are left queued, in one
 * SQLite transaction of its own; true when the queue is empty. The caller makes sure no write
 * transaction is open on this connection.
 */
export function indexQueued(
  db: DatabaseSync,
  stmt: Statement,
  budgetMs: number,
  keep: number,
  report: SetAsideReport,
): boolean {
  const started = performance.now()
  // The queue first: `keep` bounds it alone; the re-index's backlog goes in what time is left.
  const next = (source: QueueSource) =>
    stmt(
      `SELECT q.id AS id, d.rowid AS rowid, d.body AS body FROM ${QUEUE_TABLE[source]} q
       LEFT JOIN documents d ON d.id = q.id ORDER BY q.id LIMIT ${QUEUE_BATCH}`,
    )
  const backlog = () =>
    Number((stmt('SELECT count(*) AS n FROM search_queue').get() as {n: number}).n)
  let empty = false
  let source: QueueSource = 'queue'
  const setAside: SetAside = []
  db.exec('BEGIN IMMEDIATE')
  try {
    let over = keep === Infinity ? 0 : backlog() - keep
    const unsetAside = anyAside(stmt)
    const inBacklog = anyBacklog(stmt)
    do {
      const rows = next(source).all() as {
        id: string
        rowid: number | null
        body: StoredBody | null
      }[]
      for (const {id, rowid, body} of inRowidOrder(rows)) {
        indexAnalysis(stmt, id, rowid, analyzeBody(stmt, body), unsetAside, setAside)
        dequeue(stmt, id, inBacklog)
      }
      over -= rows.length
      empty = rows.length < QUEUE_BATCH
      if (empty && source === 'queue') [source, empty] = ['reindex', false]
    } while (!empty && (over > 0 || performance.now() - started < budgetMs))
    db.exec('COMMIT')
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK')
    throw err
  }
  for (const [id, error] of setAside) report(id, error)
  return empty
}

/**
 * Documents in the order of their index rows (deleted ones, with no row, where they fall). The
 * queue is read in id order, and FTS5 writes what it holds of a transaction into a new segment
 * whenever a row comes with a lower rowid than the one before it: with ids as the Studio makes
 * them (random UUIDs, rowids in the order written) that was a segment every other row, merged
 * again at once, and the analyzer's write of a bulk load took twice as long (docs/search.md).
 */
function inRowidOrder<T extends {rowid: number | null}>(rows: T[]): T[] {
  return rows.sort((a, b) => (a.rowid ?? 0) - (b.rowid ?? 0))
}

/**
 * Takes an indexed document off the queue and the re-index's backlog (it may be in both: written
 * while the re-index had not read it yet, before queueDocument left those to the re-index).
 */
function dequeue(stmt: Statement, id: string, backlog: boolean): {queue: number; reindex: number} {
  return {
    queue: Number(stmt('DELETE FROM search_queue WHERE id = ?').run(id).changes),
    reindex: backlog ? Number(stmt('DELETE FROM search_reindex WHERE id = ?').run(id).changes) : 0,
  }
}

/**
 * Whether the re-index's backlog holds any document, read once a transaction (nothing adds to it
 * but the open): without one, dequeue's second DELETE is left out, one statement a document.
 */
function anyBacklog(stmt: Statement): boolean {
  return stmt('SELECT 1 FROM search_reindex LIMIT 1').get() !== undefined
}

/** The statement taking a document out of search_aside, or null while none is set aside. */
function anyAside(stmt: Statement): StatementSync | null {
  return stmt('SELECT 1 FROM search_aside LIMIT 1').get()
    ? stmt('DELETE FROM search_aside WHERE id = ?')
    : null
}

/**
 * A queued document analysed on another thread (searchAnalyzer.ts): the revision it had when read
 * (null: deleted) and its analysis (columns null when deleted; an error sets it aside).
 */
export interface AnalyzedDocument {
  id: string
  rev: string | null
  analysis: Analysis
}

/**
 * Reads and analyses up to `limit` documents of the queue (or of the re-index's backlog) with ids
 * after `after`, on a connection of the analyzer's own (it writes nothing: the store applies the
 * result, applyAnalyzed).
 */
export function analyzeQueued(
  stmt: Statement,
  after: string,
  limit: number,
  source: QueueSource = 'queue',
  /** Called between the read (one statement) and the analysis. */
  read?: () => void,
): AnalyzedDocument[] {
  const rows = stmt(
    `SELECT q.id AS id, d.rev AS rev, d.body AS body FROM ${QUEUE_TABLE[source]} q
     LEFT JOIN documents d ON d.id = q.id WHERE q.id > ? ORDER BY q.id LIMIT ?`,
  ).all(after, limit) as {id: string; rev: string | null; body: StoredBody | null}[]
  read?.()
  return rows.map(({id, rev, body}) => ({id, rev, analysis: analyzeBody(stmt, body)}))
}

/**
 * What applyAnalyzed did: documents taken off the queue, off the re-index's backlog, and those
 * set aside (with why).
 */
export interface Written {
  applied: number
  reindexed: number
  setAside: SetAside
}

/**
 * Writes analysed rows into the index and takes their documents off the queue, inside the
 * caller's transaction; returns how many. A document written again since it was read (its
 * revision differs) is left queued: its next analysis reads the new state.
 */
export function applyAnalyzed(stmt: Statement, analyzed: readonly AnalyzedDocument[]): Written {
  const stored = stmt('SELECT rowid, rev FROM documents WHERE id = ?')
  const unsetAside = anyAside(stmt)
  const backlog = anyBacklog(stmt)
  const setAside: SetAside = []
  let applied = 0
  let reindexed = 0
  const current: (AnalyzedDocument & {rowid: number | null})[] = []
  for (const doc of analyzed) {
    const row = stored.get(doc.id) as {rowid: number; rev: string} | undefined
    if ((row?.rev ?? null) === doc.rev) current.push({...doc, rowid: row?.rowid ?? null})
  }
  for (const {id, rowid, analysis} of inRowidOrder(current)) {
    indexAnalysis(stmt, id, rowid, analysis, unsetAside, setAside)
    const taken = dequeue(stmt, id, backlog)
    applied += taken.queue
    reindexed += taken.reindex
  }
  return {applied, reindexed, setAside}
}

/**
 * Empties the index and puts every stored document in the re-index's backlog when the index is missing or was built by
 * other rules; the queue's indexing (the analyzer's thread) fills it again after the open, and
 * every queued document is a candidate of every search meanwhile, so results do not change. Runs
 * before a dataset file is opened, after the migrations: on the commit thread (the store's ready(),
 * which searchIndexCurrent tells to), else in the open. Built in the open, on the event loop,
 * the rebuild held it (161,070 documents: 107 s, every request of every dataset waiting); the
 * backlog's fill alone held it 0.1 s at 26,000 documents.
 */
export function ensureSearchIndex(db: DatabaseSync): void {
  if (searchIndexCurrent(db)) return
  db.exec('BEGIN IMMEDIATE')
  try {
    emptySearchIndex(db)
    db.exec('INSERT OR IGNORE INTO search_reindex (id) SELECT id FROM documents')
    db.prepare(
      "INSERT INTO search_meta (key, value) VALUES ('version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(INDEX_VERSION)
    db.exec('COMMIT')
  } catch (err) {
    db.exec('ROLLBACK')
    throw err
  }
}

/** Whether the file's index was built by this lake's rules (false before its tables exist). */
export function searchIndexCurrent(db: DatabaseSync): boolean {
  if (!db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'search_meta'").get()) return false
  const row = db.prepare("SELECT value FROM search_meta WHERE key = 'version'").get() as
    {value: string} | undefined
  return row?.value === INDEX_VERSION
}

/**
 * Empties the index, its queue and its set-aside documents. FTS5's delete-all drops the segments
 * at once: a DELETE of every row of the contentless table deletes them one at a time (200,000
 * rows: 28 ms against 15 s).
 */
function emptySearchIndex(db: DatabaseSync): void {
  db.exec(
    `INSERT INTO search_fts (search_fts) VALUES ('delete-all');
     DELETE FROM search_queue; DELETE FROM search_reindex; DELETE FROM search_aside;`,
  )
}

/** Empties the index and forgets its version, so that turning it back on rebuilds it. */
export function dropSearchIndex(db: DatabaseSync): void {
  emptySearchIndex(db)
  db.exec("DELETE FROM search_meta WHERE key = 'version'")
}

/**
 * An SQL condition on `id` for a search hint, with its one parameter (the FTS5 query). Ids still
 * queued for the index are candidates whatever the hint (their rows may be missing or stale).
 *
 * Over the documents table (`walk` set): `true` for a hint with many candidates in id order: the
 * scan walks the id index in order and checks each entry's rowid against the index's answer
 * before reading its row. `'rowid'` otherwise: the index's rowids lead and each row is read by
 * its rowid (a few candidates, in order, are sorted after: seeking each by id after finding its id
 * through its row read it twice, and a rare name's 100 candidates took 1.4x as long).
 * The id form (no `walk`) is for tables keyed by id (`fields`): it finds each candidate's id
 * through its row first, so over the documents table a common word read every row twice.
 */
export function searchCondition(
  hint: SearchHint,
  walk: boolean | 'rowid' = false,
): {sql: string; params: SQLInputValue[]} | null {
  const found = matchingRows(hint)
  if (found === null) return null
  if (found === false) return {sql: '0', params: []}
  const {sql: matching, params} = found
  // The walk's `+` keeps SQLite from reading the candidates by rowid or id: the id index leads.
  const plus = walk === true ? '+' : ''
  return {
    sql: walk
      ? `(${plus}rowid IN (${matching}) OR ${plus}id IN (${UNINDEXED}))`
      : `id IN (SELECT id FROM documents WHERE rowid IN (${matching}) UNION ALL ${UNINDEXED})`,
    params,
  }
}

/**
 * The rowids of the documents the index finds for a hint, as a SELECT (null: it cannot narrow,
 * false: none). A term that may be in the document's own id (`id`), which the index leaves out
 * (indexedText), is looked for in the ids too: the documents whose id holds one of those terms
 * are tested against the hint with each such term found in the id or by the index, every other
 * part by the index.
 */
function matchingRows(hint: SearchHint): {sql: string; params: SQLInputValue[]} | null | false {
  const expression = ftsExpression(hint)
  if (expression === null || expression === false) return expression
  const terms = new Set<string>()
  idTerms(hint, terms)
  const byIndex = {sql: FTS_ROWS, params: [expression] as SQLInputValue[]}
  if (terms.size === 0) return byIndex
  const inIds = [...terms].map(idTest)
  const rest = idCondition(hint)
  if (rest === false) return byIndex
  const inAnyId = balanced(
    inIds.map((test) => test.sql),
    'OR',
  )
  const sql = `${FTS_ROWS} UNION ALL SELECT rowid FROM documents WHERE ${inAnyId}${rest ? ` AND ${rest.sql}` : ''}`
  return {
    sql,
    params: [expression, ...inIds.flatMap((test) => test.params), ...(rest?.params ?? [])],
  }
}

const FTS_ROWS = 'SELECT rowid FROM search_fts WHERE search_fts MATCH ?'

/**
 * `(a OP b OP …)` as a balanced tree, its parts (and so their parameters) in order: SQLite parses
 * a chain a level a part and refuses past a depth of 1,000 (`match` with 1,000 words that may be
 * in an id was a 500).
 */
function balanced(parts: string[], op: 'AND' | 'OR'): string {
  if (parts.length === 1) return `(${parts[0]})`
  const half = parts.length >> 1
  return `(${balanced(parts.slice(0, half), op)} ${op} ${balanced(parts.slice(half), op)})`
}

/**
 * A hint as an SQL condition on a documents row (null: true, false: false): each part by the
 * index, and a term that may be in the document's own id found there too.
 */
function idCondition(hint: SearchHint): {sql: string; params: SQLInputValue[]} | null | false {
  if ('all' in hint || 'any' in hint) {
    const all = 'all' in hint
    const parts: {sql: string; params: SQLInputValue[]}[] = []
    for (const part of all ? hint.all : hint.any) {
      const inner = idCondition(part)
      // Of all: false makes it false, true adds nothing; of any: true makes it true.
      if (inner === (all ? false : null)) return inner
      if (inner !== null && inner !== false) parts.push(inner)
    }
    if (parts.length === 0) return all ? null : false
    return {
      sql: balanced(
        parts.map((part) => part.sql),
        all ? 'AND' : 'OR',
      ),
      params: parts.flatMap((part) => part.params),
    }
  }
  const expression = ftsExpression(hint)
  if (expression === null || expression === false) return expression
  const byIndex = {sql: `rowid IN (${FTS_ROWS})`, params: [expression] as SQLInputValue[]}
  const term = 'column' in hint && hint.id ? idTerm(hint.text) : null
  if (term === null) return byIndex
  const inId = idTest(term)
  return {sql: `(${inId.sql} OR ${byIndex.sql})`, params: [...inId.params, expression]}
}

/**
 * The terms of a hint's `id` parts that an id can hold, as idTest takes them: lower-case
 * ASCII (a `match` token's punctuation decoded, encodeMatchText). Ids are ASCII letters, digits,
 * `_`, `.` and `-` (core/ids.ts), and neither a word nor a token holds a `-`.
 */
function idTerms(hint: SearchHint, out: Set<string>): void {
  if ('all' in hint || 'any' in hint) {
    for (const part of 'all' in hint ? hint.all : hint.any) idTerms(part, out)
    return
  }
  const term = 'column' in hint && hint.id ? idTerm(hint.text) : null
  if (term !== null) out.add(term)
}

function idTerm(text: string): string | null {
  let term = ''
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i)
    // A `match` token's ASCII punctuation, moved to the private use area.
    if (code >= 0xe000 && code < 0xe080) code -= 0xe000
    if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 95 || code === 46)
      term += String.fromCharCode(code)
    else return null
  }
  return term
}

/**
 * An SQL condition on the documents' `id` (LIKE: ASCII case-insensitive) true of every id giving a
 * word or a `match` token that is or starts with `term`. A word (letters and digits) starts an id
 * or follows one of `-`, `.` and `_` (one starting with a digit may also follow a letter); a token is a piece between `-`s with the dots next to a
 * letter or digit removed (groq-js's EDGE_CHARS), so in an id with a dot it may span one: such ids
 * are tested for the term anywhere, dots removed from both. A view's published id (`drafts.` or
 * `versions.<release>.` off) gives words and pieces of tokens of the stored id's. Any id holding
 * the term at all is tested first: one LIKE an id, mostly (24 against 40 ms at 161,070 ids).
 */
function idTest(term: string): {sql: string; params: string[]} {
  const like = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)
  const escape = ` ESCAPE '\\'`
  const dotted = `(instr(id, '.') AND replace(id, '.', '') LIKE ?${escape})`
  const undotted = `%${like(term.replaceAll('.', ''))}%`
  if (term.includes('.')) return {sql: dotted, params: [undotted]}
  const t = like(term)
  // A word starting with a digit may also follow a letter (searchWords: a digit after a letter
  // starts a word), which LIKE cannot tell: such a term is tested anywhere in the id.
  if (term.charCodeAt(0) >= 48 && term.charCodeAt(0) <= 57)
    return {sql: `(id LIKE ?${escape} OR ${dotted})`, params: [`%${t}%`, undotted]}
  const starts = Array(3).fill(`id LIKE ?${escape}`).join(' OR ')
  return {
    sql: `((id LIKE ?${escape} AND (${starts})) OR ${dotted})`,
    // At the id's start or after `-` or `_` (after `.`: `dotted`).
    params: [`%${t}%`, `${t}%`, `%-${t}%`, `%\\_${t}%`, undotted],
  }
}

/**
 * Ids the index does not answer for: queued ones, the re-index's backlog and those set aside,
 * candidates of every search.
 */
const UNINDEXED =
  'SELECT id FROM search_queue UNION ALL SELECT id FROM search_reindex UNION ALL SELECT id FROM search_aside'

/**
 * Documents the index finds for a hint, counted up to `atMost` (the index stops reading there),
 * with the queued and set-aside ones, which are candidates of every search.
 */
export function countSearched(stmt: Statement, hint: SearchHint, atMost: number): number {
  const expression = ftsExpression(hint)
  if (expression === false) return 0
  // Every stored document is a candidate (the queued ones among them).
  if (expression === null)
    return Number(
      stmt('SELECT count(*) AS n FROM (SELECT 1 FROM documents LIMIT ?)').get(atMost)?.n ?? 0,
    )
  const queued = Number(
    stmt(`SELECT count(*) AS n FROM (${UNINDEXED} LIMIT ?)`).get(atMost)?.n ?? 0,
  )
  const {sql, params} = matchingRows(hint) as {sql: string; params: SQLInputValue[]}
  const row = stmt(`SELECT count(*) AS n FROM (${sql} LIMIT ?)`).get(...params, atMost)
  return queued + Number(row?.n ?? 0)
}

/**
 * The rowids the index finds for a hint, when fewer than `atMost` with the queued and set-aside
 * ids (counted as countSearched does); `'many'` when as many or more, `'any'` when it cannot
 * narrow, `'none'` when nothing can match. A scan then reads these rows (rowidsCondition) rather than asking the index again: for
 * a term looked for in the ids (a pasted UUID) that looked through every id a second time.
 */
export function searchedRows(
  stmt: Statement,
  hint: SearchHint,
  atMost: number,
): number[] | 'many' | 'any' | 'none' {
  const found = matchingRows(hint)
  if (found === false) return 'none'
  if (found === null) return 'any'
  const queued = Number(
    stmt(`SELECT count(*) AS n FROM (${UNINDEXED} LIMIT ?)`).get(atMost)?.n ?? 0,
  )
  if (queued >= atMost) return 'many'
  const rows = stmt(`${found.sql} LIMIT ?`).all(...found.params, atMost - queued)
  if (rows.length >= atMost - queued) return 'many'
  return rows.map((row) => Number(row.rowid))
}

/**
 * A documents row among `rowids` (searchedRows' answer, one bound JSON list) or unindexed: a
 * candidate as searchCondition's `'rowid'` form gives it. Read in the transaction that found the
 * rowids: a document indexed in between would be in neither the list nor the queue.
 */
export function rowidsCondition(rowids: readonly number[]): {sql: string; params: SQLInputValue[]} {
  return {
    sql: `(rowid IN (SELECT value FROM json_each(?)) OR id IN (${UNINDEXED}))`,
    params: [JSON.stringify(rowids)],
  }
}

/** The distinct FTS5 expressions of a hint's nested `any`s; null when one cannot narrow. */
function alternatives(hint: SearchHint): Set<string> | null {
  const found = new Set<string>()
  for (const part of 'any' in hint ? hint.any : [hint]) {
    const inner = 'any' in part ? alternatives(part) : ftsExpression(part)
    if (inner === null) return null
    if (inner === false) continue
    for (const expression of typeof inner === 'string' ? [inner] : inner) found.add(expression)
  }
  return found
}

/**
 * FTS5 query syntax for a hint: null when it cannot narrow (anything may match), false when
 * nothing can match.
 */
function ftsExpression(hint: SearchHint): string | null | false {
  if ('all' in hint) {
    const parts = hint.all.map(ftsExpression)
    if (parts.includes(false)) return false
    const narrowing = parts.filter((part): part is string => typeof part === 'string')
    if (narrowing.length < 2) return narrowing[0] ?? null
    return `(${narrowing.join(' AND ')})`
  }
  if ('any' in hint) {
    const parts = alternatives(hint)
    if (parts === null) return null
    if (parts.size === 0) return false
    // `("x")` is in `("x"*)`. FTS5 looks up each alternative, the same one again too:
    // the Studio's search repeats the word per field (4 prefix lookups into 1: 120-150 ms into
    // 85-90 ms at 100,000 articles).
    for (const part of parts) if (parts.has(`${part.slice(0, -1)}*)`)) parts.delete(part)
    return parts.size === 1 ? [...parts][0] : `(${[...parts].join(' OR ')})`
  }
  // The head headTerms gives a stored `_score` (of any type but a string).
  if ('storedScore' in hint) return `("${HEAD + HEAD + encodeMatchText('_score')}")`
  if (hint.column === 'refs') return `("${REF_MARK}${refTerm(hint.text)}")`
  // The ascii tokenizer splits on ASCII punctuation: a term is every piece of it.
  const pieces = hint.text.split(/[^A-Za-z0-9\u0080-\uFFFF]+/).filter((piece) => piece !== '')
  if (pieces.length === 0) return null
  const quoted = pieces.map((piece, i) => {
    // A longer term is kept as its first MAX_TERM (indexTerm): anything it can find starts so.
    const term = indexTerm(piece)
    const star = (hint.prefix && i === pieces.length - 1) || term !== piece ? '*' : ''
    const quotedTerm = term.replaceAll('"', '""')
    // A token that is also a search key of its run is in `words` only (IndexColumns). The words
    // column's other terms (stems, heads) only add candidates, which groq-js re-checks.
    return hint.column === 'tokens'
      ? `("${quotedTerm}"${star} OR "${TOKEN_MARK}${quotedTerm}"${star})`
      : `"${quotedTerm}"${star}`
  })
  return `(${quoted.join(' AND ')})`
}
