/**
 * The lake's limits, in one place (docs/security.md lists each with its error). They keep one
 * caller from taking the lake down for everyone: a body too large to hold in memory, a document
 * too deep for SQLite's JSON functions (which stop at 1,000 levels and would then fail every query
 * touching it), a query too long, too deep or too parameterised to parse and plan cheaply. Pure:
 * no I/O.
 *
 * Every depth here counts one way, on parsed values (walkDocument) and on a body's bytes before it
 * is parsed (jsonDepth.ts tooDeepMember) alike: a scalar 0, `[]` or `{}` 1, `[[1]]` 2; a value is
 * counted from its own brackets, so a parameter `{"p": [[1]]}` nests 2 (and its object 3).
 */
import {BadRequestError, itemError, MutationError, QueryError} from './errors.ts'
import {utf8ByteLength} from './utf8.ts'

const KIB = 1024
const MIB = 1024 * KIB

export const LIMITS = {
  /** Request bodies by route (bytes); uploads have their own, LAKE_MAX_UPLOAD_BYTES. */
  body: {
    query: 4 * MIB,
    /** Mutations and actions: one document at its largest, plus the request around it. */
    write: 40 * MIB,
    keyValue: 1 * MIB,
    signIn: 16 * KIB,
    /** Every other route that takes a body (logout, telemetry, role requests). */
    other: 64 * KIB,
  },
  /**
   * How a request's body must keep arriving once the lake reads it (every route's but a query's,
   * which must arrive within the query deadline): at least `windowBytes` in every `windowMs` until
   * it ends, and all of it within `writeDeadlines` times the write deadline (--write-timeout; 300 s
   * by default; Node's own limit on an HTTP/1.1 request is set past it, lake/server.ts), else
   * a 408 and the rest unread. A body sent a byte at a time held its request, its memory and its
   * stream or connection for as long as its sender liked. 32 KiB in 10 s (3.2 KiB/s) is a
   * twentieth of an honest slow uplink's 64 KiB/s (a 5 MB image: 80 s), and half of what an
   * HTTP/2 stream may send (65,535 bytes) before the lake reads any, so a held event loop does
   * not starve an honest stream of its window.
   */
  bodyArrival: {windowMs: 10_000, windowBytes: 32 * KIB, writeDeadlines: 5},
  /** A stored document, serialised as JSON (hosted Sanity's documented maximum is 32 MB). */
  documentBytes: 32 * MIB,
  /** Nesting of objects and arrays in a stored document, the document itself being level 1. */
  documentDepth: 100,
  /**
   * Attributes of one object in a stored document: hosted Sanity's most for a whole document (its
   * enterprise plans'; 1,000 on the others). V8 copies an object of many keys slowly, and a write
   * copies its document several times: 100,000 at the top level took 7-8 s to write.
   */
  objectAttributes: 8_000,
  /**
   * Characters (UTF-16 code units) of one attribute name in a stored document. Hosted Sanity
   * documents no such limit (its schema's field names are short identifiers); each name is kept
   * in every copy, answer, export and mendoza effect of its document, and one of 1 MB was stored.
   * 1,024, as hosted's longest searchable term, is far past any field name or map key in use.
   */
  attributeName: 1_024,
  /**
   * Characters of one patch path (`set`'s, `unset`'s, `insert`'s position, …), refused before
   * anything parses it: @sanity/mutator reads a path at about 2 µs a character, so a 1 MB one
   * held the event loop for 4.6 s (a thread for longer, at load). Room for a few names at their
   * longest; the Studio's deepest keyed path (Portable Text in a list in an object) is some
   * hundreds.
   */
  patchPath: 8_192,
  /** Queries and listener filters, checked when they are parsed (a 400 `queryError` each). */
  query: {
    /** Characters of GROQ (hosted Sanity takes GET URLs up to ~11 kB; longer ones are POSTed). */
    length: 256 * KIB,
    /** UTF-8 bytes of all parameters, as JSON with their names. */
    paramsBytes: 1 * MIB,
    /** `()`, `[]` and `{}` nested in the query text, or arrays and objects in one parameter. */
    nesting: 64,
    /** Nodes nested in the parsed syntax tree (`*[a][b][c]…` nests no brackets but the tree). */
    syntaxDepth: 256,
    /**
     * Terms in the query text (scanQueryText): groq-js's parser is quadratic in them (it copies
     * its list of marks for every item of a list, chain or pipe), and a 22 kB query of 12,500 froze
     * the lake for 7 s while it was parsed on the event loop. At 4,000 the worst shapes measured
     * parse in 5-50 ms; the GROQ conformance suite's longest query has 2,968. The limit for
     * anonymous callers, listener filters and mutations' queries.
     */
    terms: 4_000,
    /**
     * Terms in a signed-in caller's query, which past `termsParsedInPlace` is parsed only on a
     * query worker, under the deadline. The Studio's search with `strategy: 'groqLegacy'` repeats
     * every searchable path per word typed: 30 words are 5,825 terms, 200 words 37,445 (parsed in
     * 1.4 s); the worst shapes at 12,000 took 1.0-1.3 s, and past the deadline a worker is stopped.
     */
    termsSignedIn: 40_000,
    /** Past this many terms a query is never parsed on the event loop (about 1-3 ms at most). */
    termsParsedInPlace: 1_000,
    /**
     * Words in one `text::query()` string: each is looked up in the index and checked against
     * every candidate (8,000 words held a query thread 3.3 s, 20,000 ran to the deadline). A
     * search box sends what was typed.
     */
    textQueryWords: 256,
    /**
     * Past this many characters neither: a string literal is one term however long, and groq-js
     * reads its escapes at about 0.9 µs each (100,000 `\n` took 86 ms warm on a quiet machine,
     * about a second cold at load, on every request: a text this long is never cached).
     */
    lengthParsedInPlace: 16 * KIB,
    /**
     * Past this many bytes of parameters (their JSON with their names, as for `paramsBytes`)
     * neither: in place, the parse cache's key is made of them (their JSON, every value walked)
     * and the in-place check reads them (a `match` of a list plans each of its words): 30-300 ms
     * of the event loop for 0.2-1 MB at load 20, yet no query inlining them could run in place,
     * which allows 4,096 items and characters of literals and parameters in all (a character is
     * at most 6 bytes of JSON, `\u0000`).
     */
    paramsParsedInPlace: 32 * KIB,
    /**
     * groq-js's parse work (scanQueryText's `work`: each operator counts the marks before it in
     * its brackets). groq-js adds an operator to its chain or pipe with `unshift`, which moves
     * every mark the chain holds so far: quadratic, at 40-300 ns a mark on a loaded machine. Within
     * the terms, 180 groups of 30 `match` terms (the Studio's legacy search's shape) held a query
     * thread to its deadline, a chain of 5,477 `+` took 5.6 s at load 17. At 10 M the slowest
     * shapes measured parse in about a second at load 17 (bench/parse.ts); the legacy search passes
     * up to about 130 words, and lists (no operators) only the terms limit bounds.
     */
    parseWork: 10_000_000,
  },
  /**
   * What query requests hold while they wait for a query thread or run (their bodies or URLs,
   * parsed parameters, trees), weighed by lake/http/queryRequests.ts: per caller (a 429) and in the
   * whole lake (a 503), both with Retry-After. 240 POSTs of 1 MB parameters waiting behind busy
   * threads grew the lake by 379 MiB; 5,000 tiny GET queries waiting, by 122 MiB (25 KB each).
   */
  queryRequests: {
    /** One caller's (a token or session; an anonymous caller by address). */
    callerBytes: 16 * MIB,
    lakeBytes: 64 * MIB,
    /** Counted for every request beside its bytes: its request objects, stream and promises. */
    requestBytes: 32 * KIB,
  },
  /**
   * Requests the lake is working on at once (from the caller's resolution to the route's answer),
   * per caller and lake-wide, each about 26 kB (lake/http/requestsInFlight.ts): a 429 past a
   * caller's, a 503 past the lake's. Above a caller's 512 small queries (queryRequests), the
   * Studio's few dozen and a bulk import's handful. `anonymousBodies`: those of an anonymous
   * caller (an address) whose body is arriving (a query, a sign-in, a logout): such a request
   * holds its connection until then, and the caller's 1,024 were more than its address's 1,000
   * connections, which every local process and the Studio's browser share. Well below them; a
   * body that has arrived, or whose route has answered, no longer counts (a long query's answer
   * may take its deadline).
   * `anonymous`: all of an anonymous caller's requests, with a body or without (GET queries,
   * documents, images), for the same reason: an unread answer holds its connection too. A front
   * page's render sends one query, a browser's view of it a dozen images, `next build` a few
   * dozen renders at once; 200 is several times that, and a fifth of an address's connections.
   * `anonymousAssets`: an anonymous caller's asset downloads (`/images/…`, `/files/…`), counted
   * here instead: an `<img>` sends no token and its 429 is a broken image, never retried, and a
   * browser's page of images asks as many at once as its HTTP/2 session's 256 streams, each
   * rendition waiting its turn in sharp's queue. Two such sessions; with the 200, 712 of an
   * address's 1,000 connections at most.
   */
  requestsInFlight: {
    perCaller: 1_024,
    total: 8_192,
    anonymous: 200,
    anonymousAssets: 512,
    anonymousBodies: 64,
  },
  /** Bytes of key/value settings (keys and JSON values, UTF-8) per user or token, in total. */
  keyValueBytesPerUser: 1 * MIB,
  /** One key/value setting's value, as JSON in UTF-8. */
  keyValueValueBytes: 64 * KIB,
  /**
   * Names in one comma-separated list of a URL (history document ids and authors, export types,
   * perspective layers): beyond it SQLite runs out of variables and a perspective stack would
   * take longer than any query deadline.
   */
  namesPerList: 1_000,
  /**
   * Stored bytes of the documents one `data/doc` answer carries (drafts and versions included):
   * four documents at their largest. 999 ids of large documents built a 117 MB answer in 19 s.
   */
  docAnswerBytes: 128 * MIB,
  /**
   * Mutations (or actions) in one request, which is one transaction: it holds the dataset's write
   * lock while it runs (100,000 took ~35 s). @sanity/import sends 256 KB batches, at most a few
   * thousand documents; hosted Sanity documents no count, only a request size.
   */
  writesPerTransaction: 10_000,
  /**
   * The patch budget of one transaction: each patched document's size once (it is read, checked,
   * serialised and diffed once per transaction, as large as the request may make it), again
   * after each time the transaction writes it whole (an edit's copy of a published document, a
   * publish's of its draft), plus what each patch's paths do to the document in hand, counted
   * before they apply (core/patchWork.ts, in units of a byte of document a keyed path walked,
   * about 25 ns): a `_key` filter tests every item of its array, objects on the way are copied,
   * a diffMatchPatch's hunks copy their string, and a path that matches many places (a range, a
   * filter, `..`) copies arrays per match. 40 keystrokes of a 2 MB draft are under 4 MB; one
   * patch of 20,000 keyed unsets of a 100,000-item draft (a write thread to its deadline before
   * 2026-12-04) is past it at its 26th path. A large transaction is built on a write thread
   * (core/writes.ts), within its own deadline.
   */
  patchedBytesPerTransaction: 64 * MIB,
  /** Events in one page of the Events API (`limit`; the Studio asks for 100, then 10). */
  historyEventsPerPage: 1_000,
  /**
   * Transactions of one dataset-wide history log (`data/history/{ds}/transactions` without ids):
   * `limit` left out, and its largest. A client reads on from its last line's id as
   * `fromTransaction` (reversed, `toTransaction`).
   */
  datasetLog: {transactions: 1_000, maxTransactions: 10_000},
  /** Nesting of a key/value setting's value (Studio settings nest a few levels). */
  keyValueDepth: 32,
  /**
   * Datasets a lake holds (files in its `datasets/` folder; LAKE_MAX_DATASETS overrides): each
   * written one keeps its SQLite connections open, 10 file descriptors and about 2.5 MB. Without
   * a bound an editor's writes to made-up names used up the process's descriptors (122 at a
   * limit of 1,024) and every dataset's writes stopped until a restart. Hosted Sanity's plans
   * allow a few datasets a project.
   */
  datasets: 100,
  /** Open listeners (`/data/listen`) per user or token, across datasets. */
  listenersPerPrincipal: 100,
  /**
   * Bytes queued for listeners that do not read (each is disconnected past its own limit). Without
   * the other two, one token's 100 paused listeners took the lake from 145 to 626 MB, and every
   * token and anonymous address could add as much.
   */
  listenerUnreadBytes: {perListener: 4 * MIB, perHolder: 32 * MIB, total: 128 * MIB},
  /**
   * Bytes (as JSON, about) of the committed transactions a listener has yet to filter, past the
   * one it is on: writes do not wait for listeners, so a listener behind held up to 1,000
   * transactions of up to a write's 40 MiB. A dataset's listeners share its transactions, so its
   * slowest listener's queue is what stays in memory (lake/listen/stream.ts).
   */
  listenerPendingBytes: 128 * MIB,
  /**
   * Connections to the lake's port (HTTP/1.1, HTTP/2 and the presence sockets), each a file
   * descriptor: without a bound, one address's idle connections could use up the process's.
   */
  connections: {
    /** Open connections from one client address (every local process shares 127.0.0.1). */
    perAddress: 1_000,
    /** Open connections in all (past either cap, lake/http/connectionSlots.ts). */
    total: 4_000,
    /**
     * A connection (HTTP/1.1, between requests too) or an HTTP/2 session with no traffic this
     * long is closed; listeners send a keep-alive every 15 s. At least twice the query deadline
     * and the write deadline (lake/server.ts), which a request may wait without traffic.
     */
    idleMs: 120_000,
    /** Streams open at once on one HTTP/2 session (its SETTINGS_MAX_CONCURRENT_STREAMS). */
    streamsPerSession: 256,
    /**
     * Streams an HTTP/2 session's client may reset (RST_STREAM): a burst, then this many a second;
     * past it nghttp2 ends the session (GOAWAY), its listeners too. Each stream is taken in hand
     * before its reset is read ("rapid reset", CVE-2023-44487): a burst of 1,000 (nghttp2's own)
     * held the event loop 0.5-1.5 s a session. Not smaller: a browser cancels a closed dialog's
     * image loads, a list scrolled fast, a search typed fast, and what the Studio sends at most is
     * not measured (docs/security.md).
     */
    streamResetBurst: 1_000,
    streamResetsPerSecond: 33,
    /** Time to finish the TLS handshake (Node's default is 120 s). */
    tlsHandshakeMs: 10_000,
    /**
     * Past a cap, a connection with no request under way and no traffic this long may be
     * displaced by a new one (lake/http/connectionSlots.ts): a fresh one has its TLS handshake's
     * time to send its first request.
     */
    quietMs: 10_000,
  },
  /**
   * The Studio's presence sockets (one per open Studio tab). Each holds a file descriptor: 21,000
   * anonymous ones that never sent a frame used up the lake's and refused every other connection.
   * A Studio tab sends one location of well under 1 KiB (a document id, a field path, a text
   * selection), at most every 200 ms while its editor moves and every 30 s otherwise.
   */
  presence: {
    /** Sockets per user or token; before a socket signs in, per client address. */
    perHolder: 100,
    /** In the whole lake: far below any file descriptor limit, above any newsroom's tabs. */
    total: 2_000,
    /** Time to sign in: the Studio sends its token as the socket opens. */
    signInMs: 10_000,
    /** Largest frame a socket may send (ws's default is 100 MiB). */
    frameBytes: 16 * KIB,
    /** One session's locations as JSON (UTF-8): held, and sent to every subscriber. */
    stateBytes: 8 * KIB,
    /** The locations of all sessions of one socket, as JSON: what one socket makes the lake hold. */
    heldStateBytes: 16 * KIB,
    /**
     * Bytes sent to sockets and not yet taken by their readers: past a socket's own limit it is
     * dropped; past a holder's or the lake's budget, its (or the lake's) socket with the most
     * unread is. Without them 100 paused readers took the lake from 130 MB to 1.4 GB in 30 s.
     */
    unreadBytes: {perSocket: 1 * MIB, perHolder: 8 * MIB, total: 64 * MIB},
    /**
     * Messages a socket may send: a burst, then this many a second; past it the lake stops
     * reading the socket until it may (TCP pushes back on the sender), so nothing is refused.
     */
    messagesBurst: 20,
    messagesPerSecond: 10,
    /**
     * The same for all sockets of one user or token together: a roll call makes each of a user's
     * tabs report once; 100 sockets at 10 a second each would otherwise be 1,000 states a second,
     * each sent to every subscriber in the dataset.
     */
    holderMessagesBurst: 100,
    holderMessagesPerSecond: 20,
  },
} as const

/**
 * Whether objects and arrays nest more than `max` levels deep in `value` (a scalar is 0 levels,
 * `{}` 1): walkDocument's walk, which stops one level past `max`, so a hostile value cannot
 * overflow the stack.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  return walkDocument(value, max).tooDeep
}

export type ErrorType = 'mutationError' | 'actionError'

/** What is wrong with a value holding a number JSON cannot (see walkDocument's `nonFinite`). */
export const NON_FINITE =
  'holds a number too large for JSON (as 1e400, read as Infinity, which would become null); send it as a string.'

/**
 * One walk of a document: whether it nests more than `max` levels (a scalar is 0, `{}` is 1),
 * and whether it is plain JSON data, as JSON.parse makes it (objects and arrays of the ordinary
 * prototypes, strings, finite numbers but -0, booleans, null; nothing undefined), so that its copy
 * through its JSON text would equal it. Recursive, but never past `max` + 1 calls deep, so a
 * hostile value cannot overflow the stack. `proto`: whether an object in it has a key in
 * RESERVED_NAMES (checkDocumentDepth refuses it). `nonFinite`: whether it holds a number JSON
 * cannot (JSON.parse reads `1e400` as Infinity, which JSON.stringify writes as null). `badRef`:
 * whether an object in it has a `_ref` that is no string. `longName`: whether an attribute name,
 * or an array item's `_key`, is longer than LIMITS.attributeName.
 */
export function walkDocument(
  value: unknown,
  max: number,
): {
  tooDeep: boolean
  plain: boolean
  proto: boolean
  nonFinite: boolean
  wide: boolean
  badRef: boolean
  longName: boolean
} {
  let longName = false
  let plain = true
  let proto = false
  let nonFinite = false
  let wide = false
  let badRef = false
  const scalar = (item: unknown) =>
    typeof item === 'string' ||
    typeof item === 'boolean' ||
    item === null ||
    (typeof item === 'number' && Number.isFinite(item) && (item !== 0 || 1 / item > 0))
  const child = (item: unknown, depth: number): boolean => {
    if (typeof item === 'object' && item !== null) return visit(item, depth + 1)
    if ((plain || !nonFinite) && !scalar(item)) {
      plain = false
      if (typeof item === 'number' && !Number.isFinite(item)) nonFinite = true
    }
    return true
  }
  const visit = (node: object, depth: number): boolean => {
    if (depth > max) return false
    if (Array.isArray(node)) {
      if (Object.getPrototypeOf(node) !== Array.prototype) plain = false
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i]
        if (longKey(item)) longName = true
        if (!child(item, depth)) return false
      }
    } else if (Object.getPrototypeOf(node) === Object.prototype) {
      let keys = 0
      for (const key in node) {
        if (key.length > LIMITS.attributeName) longName = true
        if (RESERVED_NAMES.has(key)) proto = true
        else if (key === '_ref' && typeof (node as {_ref: unknown})._ref !== 'string') badRef = true
        if (!child((node as Record<string, unknown>)[key], depth)) return false
        keys++
      }
      if (keys > LIMITS.objectAttributes) wide = true
    } else {
      // for…in would read inherited keys too, which only an object of another prototype can have.
      plain = false
      const keys = Object.keys(node)
      if (keys.some((key) => RESERVED_NAMES.has(key))) proto = true
      if (keys.some((key) => key.length > LIMITS.attributeName)) longName = true
      if ('_ref' in node && typeof (node as {_ref: unknown})._ref !== 'string') badRef = true
      if (keys.length > LIMITS.objectAttributes) wide = true
      for (const item of Object.values(node)) if (!child(item, depth)) return false
    }
    return true
  }
  if (typeof value !== 'object' || value === null) {
    const finite = typeof value !== 'number' || Number.isFinite(value)
    return {
      tooDeep: false,
      plain: scalar(value),
      proto: false,
      nonFinite: !finite,
      wide: false,
      badRef: false,
      longName: false,
    }
  }
  const within = visit(value, 1)
  return {tooDeep: !within, plain: within && plain, proto, nonFinite, wide, badRef, longName}
}

/**
 * The last document documentBody found within the depth limit and plain (rememberPlain): the
 * working set writes it next and need not walk it again (checkDocumentLimits' `walked`). One
 * slot, not a WeakSet: its entries cost the collector, and the write follows at once.
 */
let lastPlain: object | null = null

/** Records that `doc` is plain JSON within the depth limit (its walk found the value it was made from so). */
export function rememberPlain(doc: object): void {
  lastPlain = doc
}

/**
 * Refuses a document that is nested too deeply or too large to store, before anything is written;
 * returns it as JSON, and whether it is plain (walkDocument): then the caller may keep it as its
 * copy, else it makes one from the text. `index` names the mutation or action in the error, as the
 * client prints it. `walked`: the document `doc` was made from by adding string fields, when
 * documentBody already walked it (rememberPlain). `held`: what the document held before that is
 * kept as it was (checkDocumentDepth).
 */
export function checkDocumentLimits(
  id: string,
  doc: unknown,
  index: number,
  errorType: ErrorType = 'mutationError',
  walked?: object,
  held?: Held,
): {json: string; plain: boolean} {
  const plain =
    walked !== undefined && walked === lastPlain
      ? true
      : checkDocumentDepth(id, doc, index, errorType, true, held)
  lastPlain = null
  const json = JSON.stringify(doc)
  // JSON.stringify writes a lone surrogate as `\ud800` (lowercase), and any other backslash doubled:
  // most documents have neither, and need no walk.
  if (json.includes('\\ud')) {
    const where = loneSurrogatePath(doc)
    if (where !== null) {
      throw refused(
        'validationError',
        id,
        index,
        errorType,
        `Document "${id}" has text that is not Unicode at ${where}: a lone UTF-16 surrogate (half ` +
          `of a pair, as when a string is cut inside an emoji), which SQLite stores as bytes that ` +
          `no query's text equals; send whole characters (cut text with Array.from or ` +
          `Intl.Segmenter, not slice)`,
      )
    }
  }
  // A UTF-16 code unit is at most 3 bytes of UTF-8: most documents need no count.
  const bytes = json.length * 3 <= LIMITS.documentBytes ? 0 : utf8ByteLength(json)
  if (bytes > LIMITS.documentBytes) {
    throw tooLarge(
      id,
      index,
      errorType,
      `Document "${id}" is ${bytes} bytes as JSON; at most ${LIMITS.documentBytes} are allowed`,
    )
  }
  return {json, plain}
}

/**
 * Refuses a value nested more than LIMITS.documentDepth levels: checked on request bodies before
 * they are copied (structuredClone and JSON.stringify overflow the stack near 2,000 levels).
 * Returns whether it is plain JSON data (walkDocument).
 */
export function checkDocumentDepth(
  id: string,
  value: unknown,
  index: number,
  errorType: ErrorType = 'mutationError',
  /**
   * Whether `value` is a document (its objects' attributes and its depth are counted), not a
   * patch's operations: those may nest as deep as a write (WRITE_DEPTH), the document they make
   * is held to LIMITS.documentDepth where it is written, as a created one.
   */
  document = true,
  held?: Held,
): boolean {
  const max = document ? LIMITS.documentDepth : WRITE_DEPTH
  const {tooDeep, plain, proto, nonFinite, wide, badRef, longName} = walkDocument(value, max)
  if (proto) throw protoNamed(id, index, errorType, value)
  // A patch's top-level names are paths, held to LIMITS.patchPath; what it makes is counted. A
  // long name the document already held where it is now (stored before the limit) is kept.
  const longHeld = longName && !tooDeep && document
  if (longHeld && held !== 'later') {
    const long = firstLongName(value, (found) => held?.name(nameAt(found)) ?? false)
    if (long) throw nameTooLong(id, index, errorType, long)
  }
  // A patch's `set` names paths, as many as it likes: the document it makes is counted instead.
  if (wide && !tooDeep && document) {
    const {path, attributes} = widestPath(value)!
    const where = path ? `"${path}"` : 'the top level'
    throw tooLarge(
      id,
      index,
      errorType,
      `Document "${id}" would have an object of ${attributes} attributes at ${where}; at most ${LIMITS.objectAttributes} are allowed in one object (hosted Sanity stores no more in a whole document): keep such a map as an array of objects with \`_key\``,
    )
  }
  // Stored through its JSON text it would be null: the number sent would be lost unseen.
  if (nonFinite && !tooDeep) {
    throw refused(
      'validationError',
      id,
      index,
      errorType,
      `Document "${id}" would hold a number too large for JSON (as 1e400, read as Infinity, which would be stored as null); send it as a string`,
    )
  }
  if (tooDeep && !document) throw writeTooDeep(id, index, errorType)
  if (tooDeep) {
    throw tooLarge(
      id,
      index,
      errorType,
      `Document "${id}" would nest objects and arrays more than ${LIMITS.documentDepth} levels deep; flatten it`,
    )
  }
  // Where the document is written, with what it held before: not plain, so walked again there.
  if (!badRef || !document) return plain && !(longHeld && held === 'later')
  if (held === 'later') return false
  // A reference's target is a document id: GROQ's `->`, the reference index and delete
  // protection read only a string, and hosted Sanity refuses other reference shapes. One the
  // document already held (stored before this check) is kept unless the write changes it.
  const bad = firstInDocument(value, {
    object: (keys, path, node) =>
      keys.includes('_ref') && typeof node._ref !== 'string' && !held?.ref(path, node._ref)
        ? {path, ref: node._ref}
        : null,
  })
  if (!bad) return plain
  const {path, ref} = bad
  const where = path ? `"${path}"` : 'the top level'
  const what = ref === null ? 'null' : Array.isArray(ref) ? 'an array' : `a ${typeof ref}`
  throw refused(
    'validationError',
    id,
    index,
    errorType,
    `Document "${id}" has a reference at ${where} whose \`_ref\` is ${what}, not a document ID: send the ID as a string ({"_type": "reference", "_ref": "<document id>"}), or unset the reference`,
  )
}

/**
 * What a document being written held before, kept as it was (checkDocumentDepth); 'later': decided
 * where it is written. `ref`: whether a `_ref` that is no string, at `path`, is one it held there.
 * `name`: whether a name past LIMITS.attributeName is one it held there (an entry of longNames).
 */
export type Held = {ref(path: string, ref: unknown): boolean; name(at: string): boolean} | 'later'

/** The `_ref`s in `value` that are no string, by path, as JSON: what a document held before. */
export function badRefs(value: unknown): Map<string, string> {
  const found = new Map<string, string>()
  firstInDocument(value, {
    object: (keys, path, node) => {
      if (keys.includes('_ref') && typeof node._ref !== 'string') {
        found.set(path, JSON.stringify(node._ref) ?? 'undefined')
      }
      return null
    },
  })
  return found
}

/**
 * The document a mutation (`{"patch": {"id": …}}`) or an action (`publishedId`, …) names, as far
 * as it says, cut for a message; '' if it names none.
 */
export function writeDocumentId(write: unknown): string {
  if (typeof write !== 'object' || write === null) return ''
  const fields = write as Record<string, unknown>
  const first = Object.values(fields)[0]
  const operation = (typeof first === 'object' && first !== null ? first : {}) as Record<
    string,
    unknown
  >
  const named = [
    operation._id,
    operation.id,
    fields.publishedId,
    fields.draftId,
    fields.versionId,
  ].find((id) => typeof id === 'string') as string | undefined
  return named?.slice(0, 200) ?? ''
}

/**
 * Attribute names a stored document may not have. `__proto__`: JSON keeps it, but JavaScript's
 * object copies turn it into the copy's prototype, so the Studio's patches (@sanity/mutator),
 * GROQ projections (groq-js) and mendoza effects would each drop it or read it as something else.
 * `hasOwnProperty`: groq-js calls it on every object whose attribute it reads, so every query that
 * read such a document would fail. Refused before they are stored rather than lost or failing later.
 */
const RESERVED_NAMES = new Set(['__proto__', 'hasOwnProperty'])

function protoNamed(id: string, index: number, errorType: ErrorType, value?: unknown) {
  const path = value === undefined ? null : reservedPath(value)
  const where = path ? ` ("${path}")` : ''
  let description = `Document "${id}" would have an attribute named "__proto__" or "hasOwnProperty"${where}, which the lake does not store (JavaScript tools drop, misread or fail on them); rename the attribute`
  // A patch of a document stored with one before the lake refused the names: it keeps the
  // attribute, so the patch is refused until the attribute goes (the mutator's copies dropped it).
  if (path) {
    description += reservedLeaf(path)
      ? `; a document stored with it before the lake refused the name is mended by unsetting it (unset: ["${path}"], in the same patch or before)`
      : `; a document stored with it before the lake refused the name is mended by setting the item that holds it again without it`
  }
  return refused('validationError', id, index, errorType, description)
}

/**
 * The path of the first attribute with a reserved name in `value` (`meta.__proto__`,
 * `list[_key=="k"].hasOwnProperty`), for the refusal's message. Called only to refuse, after
 * walkDocument found one within the depth limit.
 */
function reservedPath(value: unknown): string | null {
  return firstInDocument(value, {
    attribute: (key, path) => (RESERVED_NAMES.has(key) ? path : null),
  })
}

/**
 * Whether `item`, an array's, has a `_key` past LIMITS.attributeName: a path names the item by it
 * (`list[_key=="…"]`), so it is held to a name's limit (a longer one made every keyed path to its
 * item past LIMITS.patchPath).
 */
function longKey(item: unknown): boolean {
  if (typeof item !== 'object' || item === null) return false
  const key = (item as {_key?: unknown})._key
  return typeof key === 'string' && key.length > LIMITS.attributeName
}

/**
 * A name past LIMITS.attributeName and the path of the object that has it; or, with `item`, a
 * `_key` past it, the path of the array and the item's index.
 */
type LongName = {path: string; name: string; item?: number}

/** The first name past LIMITS.attributeName in `value` that `kept` does not keep, or null. */
function firstLongName(value: unknown, kept: (found: LongName) => boolean): LongName | null {
  const max = LIMITS.attributeName
  return firstInDocument<LongName>(value, {
    value: (node, path) => {
      if (!Array.isArray(node)) return null
      for (let item = 0; item < node.length; item++) {
        if (!longKey(node[item])) continue
        const found = {path, name: (node[item] as {_key: string})._key, item}
        if (!kept(found)) return found
      }
      return null
    },
    object: (keys, path) => {
      for (const name of keys) {
        if (name.length > max && !kept({path, name})) return {path, name}
      }
      return null
    },
  })
}

/** A long name or `_key` and where it is, as one string (longNames); a key's, wherever its item is. */
const nameAt = ({path, name, item}: LongName) =>
  `${path}${item === undefined ? '\u0000' : '\u0001'}${name}`

/** The names and `_key`s past LIMITS.attributeName in `value`, where: what a document held before. */
export function longNames(value: unknown): Set<string> {
  const found = new Set<string>()
  firstLongName(value, (long) => {
    found.add(nameAt(long))
    return true
  })
  return found
}

/** A path for a message, cut: a path through names or keys held past their limits is as long. */
const shownPath = (path: string) =>
  path ? `"${path.length > 200 ? `${path.slice(0, 200)}…` : path}"` : 'the top level'

/** The refusal of document `id`, which has `long`, a name or `_key` past LIMITS.attributeName. */
function nameTooLong(id: string, index: number, errorType: ErrorType, long: LongName) {
  const max = LIMITS.attributeName
  // The object's path, or the array's and the index: the name or key itself would make it as long.
  const {path, name, item} = long
  const start = JSON.stringify(name.slice(0, 40) + '…')
  if (item !== undefined) {
    return refused(
      'validationError',
      id,
      index,
      errorType,
      `Document "${id}" has a \`_key\` of ${name.length.toLocaleString('en')} characters ` +
        `(${start}) in ${shownPath(path)}, item ${item}; at most ${max.toLocaleString('en')} are ` +
        'allowed, as in an attribute name (a path names the item by it): give the item a shorter `_key`',
    )
  }
  return refused(
    'validationError',
    id,
    index,
    errorType,
    `Document "${id}" has an attribute name of ${name.length.toLocaleString('en')} characters ` +
      `(${start}) at ${shownPath(path)}; ` +
      `at most ${max.toLocaleString('en')} are allowed: keep long text in a value, not a name ` +
      '(a map of such keys as an array of objects with `_key`)',
  )
}

/**
 * The path of the first object in `value` of more than LIMITS.objectAttributes attributes, and
 * their number, for the refusal's message; `''` is the document itself. Called only to refuse,
 * after walkDocument found one within the depth limit.
 */
/** Where `value` first has a string or attribute name with a lone surrogate, quoted; or null. */
function loneSurrogatePath(value: unknown): string | null {
  const quoted = (path: string) => (path ? `"${path}"` : 'the top level')
  return firstInDocument(value, {
    value: (node, path) => (typeof node === 'string' && !node.isWellFormed() ? quoted(path) : null),
    attribute: (key, path) => (key.isWellFormed() ? null : quoted(path)),
  })
}

function widestPath(value: unknown): {path: string; attributes: number} | null {
  return firstInDocument(value, {
    object: (keys, path) =>
      keys.length > LIMITS.objectAttributes ? {path, attributes: keys.length} : null,
  })
}

/**
 * Depth first through `value` (an array's items named by their `_key` where they have one): the
 * first answer of `found.object` for an object (before its attributes) or of `found.attribute` for
 * an attribute (before its value), each given its path.
 */
function firstInDocument<T>(
  value: unknown,
  found: {
    object?: (keys: string[], path: string, node: Record<string, unknown>) => T | null
    attribute?: (key: string, path: string) => T | null
    /** Asked of every value, objects and arrays too, before what is in it. */
    value?: (value: unknown, path: string) => T | null
  },
): T | null {
  const find = (node: unknown, path: string): T | null => {
    const answer = found.value?.(node, path) ?? null
    if (answer !== null) return answer
    if (typeof node !== 'object' || node === null) return null
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item = node[i] as {_key?: unknown} | null
        const key = typeof item?._key === 'string' ? `_key==${JSON.stringify(item._key)}` : i
        const inside = find(item, `${path}[${key}]`)
        if (inside !== null) return inside
      }
      return null
    }
    const keys = Object.keys(node)
    const here = found.object?.(keys, path, node as Record<string, unknown>) ?? null
    if (here !== null) return here
    for (const key of keys) {
      const named = /^[A-Za-z_$][\w$]*$/.test(key)
        ? `${path}${path ? '.' : ''}${key}`
        : `${path}[${JSON.stringify(key)}]`
      const inside =
        found.attribute?.(key, named) ?? find((node as Record<string, unknown>)[key], named)
      if (inside !== null) return inside
    }
    return null
  }
  return find(value, '')
}

/** A patch path naming a reserved name (`__proto__.x`, `a["hasOwnProperty"]`): refused as above. */
export function checkPatchPaths(
  id: string,
  ops: Record<string, unknown>,
  index: number,
  errorType: ErrorType = 'mutationError',
): void {
  const paths: unknown[] = []
  for (const op of ['set', 'setIfMissing', 'inc', 'dec', 'diffMatchPatch']) {
    const value = ops[op]
    if (value && typeof value === 'object') paths.push(...Object.keys(value))
  }
  // Unsetting one is allowed (reservedLeaf): the Studio's way to mend a document stored before.
  if (Array.isArray(ops.unset)) paths.push(...ops.unset.filter((path) => !reservedLeaf(path)))
  const insert = ops.insert as Record<string, unknown> | undefined
  if (insert && typeof insert === 'object') paths.push(insert.before, insert.after, insert.replace)
  const named = (path: string) => RESERVED_IN_PATH.test(path.replace(COMPARED_STRING, '$1""'))
  if (paths.some((path) => typeof path === 'string' && named(path))) {
    throw protoNamed(id, index, errorType)
  }
}
const RESERVED_IN_PATH = /(?<![\w$])(__proto__|hasOwnProperty)(?![\w$])/

/**
 * The attribute names of an unset path that ends in a reserved name reached through plain
 * attribute names only (`hasOwnProperty`, `meta.__proto__`), else null: a document stored before
 * the lake refused the names is mended by removing it (core/mutations.ts applies it itself: the
 * mutator fails on such an object or drops the key).
 */
export function reservedLeaf(path: unknown): string[] | null {
  if (typeof path !== 'string' || !/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(path)) return null
  const names = path.split('.')
  const through = names.slice(0, -1)
  return RESERVED_NAMES.has(names.at(-1)!) && !through.some((name) => RESERVED_NAMES.has(name))
    ? names
    : null
}
/** A string a filter compares (`items[_key=="hasOwnProperty"]`): a value, no attribute's name. */
const COMPARED_STRING = /((?:==|!=|<=|>=|<|>)\s*)(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/g

/**
 * Levels a mutation or action may add around the value it writes: an edit action's
 * `{"patch": {"insert": {"items": [value]}}}` holds its value 4 deep.
 */
const WRITE_WRAPPING_DEPTH = 4

/** The most a mutation or action may nest: its document's limit in its operation's wrapping. */
export const WRITE_DEPTH = LIMITS.documentDepth + WRITE_WRAPPING_DEPTH

/**
 * Refuses mutation or action `index` (`write`, or a part of it, writing document `id`, else the
 * one `write` names) if it nests objects and arrays deeper than anything it writes may, before
 * anything walks it recursively: JSON.stringify, a message naming a value, adding `_key`s, copying
 * it to a thread each overflowed the stack on a value 100,000 deep, a 500.
 */
export function checkWriteDepth(
  write: unknown,
  index: number,
  errorType: ErrorType,
  id?: string,
): void {
  if (nestsDeeperThan(write, WRITE_DEPTH)) {
    throw writeTooDeep(id ?? writeDocumentId(write), index, errorType)
  }
}

/** Mutation or action `index`, on document `id` (if it names one), nests past WRITE_DEPTH. */
export function writeTooDeep(id: string, index: number, errorType: ErrorType) {
  const what = `${errorType === 'actionError' ? 'Action' : 'Mutation'} ${index}`
  return tooLarge(
    id,
    index,
    errorType,
    `${id ? `${what} on "${id}"` : what} nests objects and arrays more than ${WRITE_DEPTH} levels ` +
      `deep, so what it writes would nest more than ${LIMITS.documentDepth} levels deep; flatten it`,
  )
}

function tooLarge(id: string, index: number, errorType: ErrorType, description: string) {
  return refused('documentTooLargeError', id, index, errorType, description)
}

/** The error refusing document `id` (mutation or action `index`, if known) for `description`. */
function refused(
  type: 'validationError' | 'documentTooLargeError',
  id: string,
  index: number,
  errorType: ErrorType,
  description: string,
) {
  const verb = errorType === 'actionError' ? 'action' : 'mutation'
  return new MutationError(
    `The ${verb}(s) failed: ${description}`,
    [itemError(type, description, {id, ...(index >= 0 ? {index} : {})})],
    errorType,
  )
}

/** Refuses a comma-separated list of more than LIMITS.namesPerList names (`what` names it). */
export function checkListLength(what: string, names: readonly unknown[]): void {
  if (names.length <= LIMITS.namesPerList) return
  throw new BadRequestError(
    `${names.length} ${what} given; at most ${LIMITS.namesPerList} per request: split the request`,
  )
}

/**
 * Refuses a write request (`mutations` or `actions`) with more entries than one transaction may
 * hold, before anything is applied, saying how to split it.
 */
export function checkTransactionSize(field: 'mutations' | 'actions', entries: unknown): void {
  if (!Array.isArray(entries) || entries.length <= LIMITS.writesPerTransaction) return
  throw new MutationError(
    `${entries.length} ${field} in one request; at most ${LIMITS.writesPerTransaction} per ` +
      `transaction: split them into several transactions (one request each)`,
    [],
    field === 'actions' ? 'actionError' : 'mutationError',
  )
}

/**
 * Refuses a transaction once the documents its patches walk reach LIMITS.patchedBytesPerTransaction,
 * saying how to split it. `bytes` is the running total, `id` the document being patched.
 */
export function checkPatchedBytes(
  bytes: number,
  id: string,
  documentBytes: number,
  index: number,
  errorType: ErrorType = 'mutationError',
): void {
  const limit = LIMITS.patchedBytesPerTransaction
  if (bytes <= limit) return
  const kind = errorType === 'actionError' ? 'actions' : 'mutations'
  const description =
    `The patches of this transaction read more than ${limit} bytes of documents (each patched ` +
    `document counts its size once, and what each path does to it; "${id}" is ` +
    `${documentBytes} bytes): patch fewer documents, or split the ${kind} into several ` +
    `transactions (one request each)`
  throw tooMuchPatching(description, index, id, errorType)
}

/**
 * Refuses a transaction once what its patches have done, and what the next one's operations are
 * about to do (core/patchWork.ts, `what`), pass LIMITS.patchedBytesPerTransaction.
 */
export function checkPatchWork(
  bytes: number,
  id: string,
  what: string,
  index: number,
  errorType: ErrorType = 'mutationError',
): void {
  const limit = LIMITS.patchedBytesPerTransaction
  if (bytes <= limit) return
  const description = `The patches of this transaction would do more than ${limit} bytes' worth of work on "${id}": ${what}`
  throw tooMuchPatching(description, index, id, errorType)
}

/** The transactionTooLargeError both patch budgets refuse with (checkPatchedBytes, checkPatchWork). */
function tooMuchPatching(description: string, index: number, id: string, errorType: ErrorType) {
  return new MutationError(
    `The ${errorType === 'actionError' ? 'action' : 'mutation'}(s) failed: ${description}`,
    [itemError('transactionTooLargeError', description, {index, id})],
    errorType,
  )
}

/** The most terms a query of `principal` may have (signed-in callers' are parsed on a worker). */
export function queryTermsLimit(principal: {kind: string}): number {
  return principal.kind === 'anonymous' ? LIMITS.query.terms : LIMITS.query.termsSignedIn
}

/** A query's size as checkQueryText measured it: its terms and its parameters' bytes of JSON. */
export interface QuerySize {
  terms: number
  paramsBytes: number
  /**
   * The parameters as JSON.stringify(params) makes them, made while counting their bytes: large
   * ones cost the event loop ~25 ms a serialisation (760 KB), so callers reuse this text.
   */
  paramsJson: string
}

/**
 * Refuses, before it is parsed, a query longer than LIMITS.query.length or with more terms than
 * its caller may send, with parameters larger than LIMITS.query.paramsBytes, or nesting
 * brackets or parameter values deeper than LIMITS.query.nesting. Linear in the text and the
 * parameters. Each refusal says what, where and how to fix it. Returns the query's size.
 */
export function checkQueryText(
  query: string,
  params: Record<string, unknown>,
  /** Whose query it is (queryTermsLimit); without one, a listener filter or a mutation's query. */
  caller?: {kind: string},
): QuerySize {
  const limits = LIMITS.query
  const maxTerms = caller ? queryTermsLimit(caller) : limits.terms
  if (query.length > limits.length) {
    throw new QueryError(
      `Query is ${query.length} characters long; the limit is ${limits.length}. ` +
        'Move long literal lists into parameters or split the query.',
    )
  }
  const scan = scanQueryText(query, maxTerms)
  if (scan.depth > limits.nesting) {
    throw new QueryError(
      `Query nests (), [] or {} ${scan.depth} deep at position ${scan.at}; the limit is ${limits.nesting}.`,
    )
  }
  if (scan.terms > maxTerms) {
    const signIn =
      caller?.kind === 'anonymous'
        ? ` (${limits.termsSignedIn} for a query of a signed-in caller)`
        : ''
    throw new QueryError(
      `Query has ${scan.terms} terms (names, values, operators and brackets); the limit is ` +
        `${maxTerms}${signIn}, passed at position ${scan.termsAt}. Move long literal lists into ` +
        'parameters ($ids) and split long chains of filters, pipes or slices.',
    )
  }
  if (scan.work > limits.parseWork) {
    const where =
      scan.workAt < 0 ? 'outside any brackets' : `in the brackets at position ${scan.workAt}`
    throw new QueryError(
      `Query is too large to parse: its lists, chains (||, &&, +, …) and pipes, most of them ` +
        `${where}, come to ${scan.work} units of parse work (each operator counts the terms before ` +
        `it in its brackets); the limit is ${limits.parseWork}. Move long literal lists into ` +
        'parameters ($ids), match several words with one pattern or parameter, or split the query.',
    )
  }
  let bytes = 0
  const members: string[] = []
  for (const [name, value] of Object.entries(params)) {
    // Depth first: JSON.stringify recurses, and a hostile parameter could overflow the stack.
    const {tooDeep, nonFinite} = walkDocument(value, limits.nesting)
    if (tooDeep) throw parameterTooDeep(name)
    if (nonFinite) throw new QueryError(`Parameter $${name} ${NON_FINITE}`)
    const json = JSON.stringify(value) as string | undefined
    bytes += utf8ByteLength(name) + utf8ByteLength(json ?? '')
    // As JSON.stringify(params): a member whose value has no JSON (undefined) is left out.
    if (json !== undefined) members.push(`${JSON.stringify(name)}:${json}`)
    if (bytes > limits.paramsBytes) throw paramsTooLarge(name)
  }
  return {terms: scan.terms, paramsBytes: bytes, paramsJson: `{${members.join(',')}}`}
}

/** Parameters past LIMITS.query.paramsBytes, `name` the one that passes it (checkParamsText too). */
export function paramsTooLarge(name: string): QueryError {
  return new QueryError(
    `Parameters are larger than ${LIMITS.query.paramsBytes} bytes of JSON (at $${name}); ` +
      'send fewer or smaller values.',
  )
}

/** A parameter that nests past LIMITS.query.nesting (checkQueryText, parseParamsText). */
export function parameterTooDeep(name: string): QueryError {
  const {nesting} = LIMITS.query
  return new QueryError(
    `Parameter $${name} nests arrays or objects more than ${nesting} deep; the limit is ${nesting}.`,
  )
}

/**
 * One linear pass over the text outside string literals and comments: the deepest bracket nesting
 * (and where it is first reached), the number of terms (names, numbers, strings, `$params`, each
 * punctuation or operator character) with the position where it passes `maxTerms`, and the parse
 * work groq-js would do (parseWork) with the bracket whose contents do the most of it.
 */
/**
 * Whether a query may be parsed on the event loop (`size` from checkQueryText): past any bound,
 * of terms, characters or parameters' bytes, it is parsed only on a query worker, under the
 * deadline.
 */
export function parsesInPlace(
  query: string,
  size: Pick<QuerySize, 'terms' | 'paramsBytes'>,
): boolean {
  const limits = LIMITS.query
  return (
    size.terms <= limits.termsParsedInPlace &&
    query.length <= limits.lengthParsedInPlace &&
    size.paramsBytes <= limits.paramsParsedInPlace
  )
}

export function scanQueryText(
  query: string,
  maxTerms = Infinity,
): {depth: number; at: number; terms: number; termsAt: number; work: number; workAt: number} {
  let depth = 0
  let max = 0
  let at = 0
  let terms = 0
  let termsAt = -1
  // One level per open bracket (the query itself at 0): the marks in it so far, where it opened.
  const inside: number[] = [0]
  const opened: number[] = [-1]
  const levelWork: number[] = [0]
  let work = 0
  let most = -1
  let workAt = -1
  const close = () => {
    if (levelWork[depth]! > most) [most, workAt] = [levelWork[depth]!, opened[depth]!]
  }
  for (let i = 0; i < query.length; i++) {
    const char = query[i]!
    if (char === ' ' || char === '\n' || char === '\t' || char === '\r') continue
    if (char === '/' && query[i + 1] === '/') {
      const end = query.indexOf('\n', i)
      if (end === -1) break
      i = end
      continue
    }
    if (++terms > maxTerms && termsAt === -1) termsAt = i
    // An operator makes groq-js move every mark its chain or pipe holds so far (`unshift`, 40-300
    // ns a mark on a loaded machine): its work is the marks before it. A list's item, a slice or
    // an attribute copies them (`concat`, 1-3 ns a mark): a thirty-second of that.
    const operator =
      OPERATOR.test(char) || (WORD.test(char) && OPERATOR_WORDS.has(wordAt(query, i)))
    const termWork = operator ? inside[depth]! : inside[depth]! >> 5
    work += termWork
    levelWork[depth]! += termWork
    inside[depth]! += MARKS[char] ?? 1
    if (char === '"' || char === "'") {
      for (i++; i < query.length && query[i] !== char; i++) {
        // An escape is three marks more (`str_pause`, the escape, `str_start`).
        if (query[i] === '\\') [i, inside[depth]] = [i + 1, inside[depth]! + 3]
      }
    } else if (WORD.test(char)) {
      // A decimal point or exponent is part of its number: `1.5e-3` is one value.
      const number = isDigit(char)
      for (; i + 1 < query.length; i++) {
        const next = query[i + 1]!
        if (WORD.test(next)) continue
        const previous = query[i]!
        const after = query[i + 2] ?? ''
        if (number && next === '.' && isDigit(previous) && isDigit(after)) continue
        if (number && (next === '-' || next === '+') && (previous === 'e' || previous === 'E'))
          continue
        break
      }
    } else if (char === '(' || char === '[' || char === '{') {
      depth++
      inside[depth] = 0
      levelWork[depth] = 0
      opened[depth] = i
      if (depth > max) [max, at] = [depth, i]
    } else if ((char === ')' || char === ']' || char === '}') && depth > 0) {
      close()
      depth--
      inside[depth]! += inside[depth + 1]!
    }
    // A closing bracket with none open is groq-js's syntax error to report.
  }
  // Brackets left open (a syntax error groq-js still reads up to), then the query itself.
  for (; depth > 0; depth--) {
    close()
    inside[depth - 1]! += inside[depth]!
  }
  close()
  return {depth: max, at, terms, termsAt, work, workAt}
}

/** Characters of the operators groq-js's parser adds to a chain with `unshift` (pipes too). */
const OPERATOR = /[|&=<>!+\-*/%]/
/** The words it does so for. */
const OPERATOR_WORDS: ReadonlySet<string> = new Set(['in', 'match', 'desc', 'asc'])
/** The word starting at `i` if it is at most 5 characters long, else ''. */
function wordAt(query: string, i: number): string {
  let end = i
  while (end < query.length && end - i <= 5 && WORD.test(query[end]!)) end++
  return end - i <= 5 ? query.slice(i, end) : ''
}

/**
 * The marks groq-js's parser makes for a term, by its first character (a name three: `this_attr`,
 * `ident`, `ident_end`; a number or a string two, and three an escape in it; anything else one).
 */
const MARKS: Record<string, number> = {'"': 2, "'": 2, $: 3, '@': 1, '^': 1}
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_') MARKS[c] = 3
for (const c of '0123456789') MARKS[c] = 2

/** Characters of one name, number or parameter (`$id`, `_type`, `@`, `^`). */
const WORD = /[\w$@^]/
const isDigit = (char: string) => char >= '0' && char <= '9'

/**
 * Refuses a GROQ syntax tree nested deeper than LIMITS.query.syntaxDepth nodes, counted without
 * recursion (the planner and the evaluator recurse, and would overflow the stack on
 * `*[true][true]…`). A chain of one of CHAIN_OPERATORS (`a || b || …`) is one level however long:
 * the Studio's reference search joins a term per searchable path so, and parseQuery balances a long
 * chain before anything recursive reads it.
 */
export function checkQueryDepth(tree: unknown): void {
  const max = LIMITS.query.syntaxDepth
  const stack: [unknown, number, string | undefined][] = [[tree, 0, undefined]]
  while (stack.length > 0) {
    const [node, depth, parentType] = stack.pop()!
    if (typeof node !== 'object' || node === null) continue
    const type = Array.isArray(node) ? undefined : (node as {type?: unknown}).type
    const isNode = typeof type === 'string'
    const chained = isNode && type === parentType && CHAIN_OPERATORS.has(type)
    const level = isNode && !chained ? depth + 1 : depth
    if (level > max) {
      throw new QueryError(`Query is nested more than ${max} levels deep; split or simplify it`)
    }
    // A literal's value is data, not syntax.
    if (type === 'Value') continue
    const childParent = isNode ? type : parentType
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, level, childParent])
    }
  }
}

/**
 * Operators whose chains group either way with the same answer (GROQ's three-valued `||` and `&&`
 * have no side effects). Not `+`: floating-point sums depend on their grouping.
 */
export const CHAIN_OPERATORS: ReadonlySet<string> = new Set(['Or', 'And'])
