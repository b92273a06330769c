/**
 * Typed lake errors. Core code throws these; lake/http/errors.ts is the one place that turns them
 * into HTTP responses, so no status codes live here.
 */

/** One failed item of a mutation or action request, in the shape @sanity/client prints. */
export interface ErrorItem {
  error: {
    type: string
    description: string
    id?: string
    value?: unknown
    /** With `documentHasExistingReferencesError`: the documents that reference `id`. */
    referencingIDs?: string[]
    /** With `cannotModifyImmutableAttributeError`: `_id` or `_type`. */
    attribute?: string
  }
  index?: number
}

export class LakeError extends Error {
  override name = 'LakeError'
  /** Machine-readable error type, as in Sanity's `error.type`. */
  readonly type: string
  /** When the same request may succeed (`Retry-After`), for a refusal that passes. */
  readonly retryAfterSeconds?: number

  constructor(type: string, description: string, options?: {cause?: unknown}) {
    super(description, options)
    this.type = type
  }

  get description(): string {
    return this.message
  }
}

/** A GROQ syntax error; start/end are 0-based UTF-16 offsets into `query`. */
export class QueryParseError extends LakeError {
  override name = 'QueryParseError'
  readonly query: string
  readonly start: number
  readonly end: number

  constructor(query: string, start: number, end: number, description: string) {
    super('queryParseError', description)
    this.query = query
    this.start = start
    this.end = end
  }
}

/** A query that parses but cannot be evaluated (unknown function, bad parameter, …). */
export class QueryError extends LakeError {
  override name = 'QueryError'

  constructor(description: string, options?: {cause?: unknown}) {
    super('queryError', description, options)
  }
}

/** A query that ran past its deadline (`--query-timeout`); it was stopped, nothing else waits on it. */
export class QueryTimeoutError extends LakeError {
  override name = 'QueryTimeoutError'
  readonly timeoutMs: number

  constructor(timeoutMs: number, description?: string) {
    super(
      'queryTimeoutError',
      description ??
        `Query exceeded the time limit of ${formatMs(timeoutMs)} and was stopped: narrow the ` +
          'filter (by _type, _id or an indexed field), slice the result, or raise --query-timeout',
    )
    this.timeoutMs = timeoutMs
  }
}

/** A query stopped for using more memory than a query worker may (`--query-memory`). */
export class QueryMemoryError extends LakeError {
  override name = 'QueryMemoryError'

  /** `description` as given: the error rebuilt from a thread's answer (query/wire.ts). */
  constructor(memoryMb: number, description?: string) {
    super(
      'queryMemoryLimitError',
      description ??
        `Query needed more than the ${memoryMb} MB a query may use and was stopped: select ` +
          'fewer documents or fields, or raise --query-memory',
    )
  }
}

/** A query whose result is too large to send as one JSON text (V8 caps a string's length). */
export class QueryResultTooLargeError extends LakeError {
  override name = 'QueryResultTooLargeError'

  constructor(
    description = 'The query result is too large to send as one response: slice the result (for ' +
      'example [0...100]) or project fewer fields, and page through the rest',
  ) {
    super('queryResultTooLargeError', description)
  }
}

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}

/** A mutation or action request that failed as a whole; nothing was written. */
export class MutationError extends LakeError {
  override name = 'MutationError'
  readonly items: ErrorItem[]

  constructor(
    description: string,
    items: ErrorItem[] = [],
    type: 'mutationError' | 'actionError' = 'mutationError',
  ) {
    super(type, description)
    this.items = items
  }
}

/**
 * `err` as the Actions API words it: actions share the checks of mutations (a document's body, a
 * patch, the limits, the commit), whose refusals are mutationErrors ("The mutation(s) failed");
 * a refused action is an actionError, @sanity/client's ActionError. Anything else as it is.
 */
export function asActionError(err: unknown): unknown {
  if (!(err instanceof MutationError) || err.type !== 'mutationError') return err
  const description = err.message.replace(/^The mutation\(s\) failed: /, 'The action(s) failed: ')
  const Refusal = err.constructor as typeof MutationError
  return new Refusal(description, err.items, 'actionError')
}

/** The request conflicts with the stored state: id taken, revision mismatch, missing document. */
export class ConflictError extends MutationError {
  override name = 'ConflictError'
}

/**
 * Errors that are their description and nothing more, one line each: the class is what
 * lake/http/errors.ts maps to a status, `type` the name Sanity's clients see.
 */
function describedError(name: string, type: string) {
  return class extends LakeError {
    override name = name

    constructor(description: string) {
      super(type, description)
    }
  }
}

/** A 503: nothing was done, and the same request after `retryAfterSeconds` (`Retry-After`) may succeed. */
export class RetryLaterError extends LakeError {
  override readonly retryAfterSeconds: number

  constructor(type: string, description: string, retryAfterSeconds: number) {
    super(type, description)
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/**
 * The lake cannot take the request now (shutting down, or a dataset whose disk failed): the
 * description says whether a retry can help, and `Retry-After` when to try (a lake that is
 * restarted answers again within seconds).
 */
export class UnavailableError extends RetryLaterError {
  override name = 'UnavailableError'

  constructor(description: string, retryAfterSeconds = 5) {
    super('unavailableError', description, retryAfterSeconds)
  }
}

/** The request's client went away before its answer: its work is dropped, its 503 unread. */
export class ClientGoneError extends UnavailableError {
  override name = 'ClientGoneError'

  constructor() {
    super('The client closed the connection')
  }
}

/**
 * SQLite could not take a lock it needed (SQLITE_BUSY or SQLITE_LOCKED: another connection held
 * it past the busy timeout, or this connection's read snapshot was older than the last write):
 * nothing was changed, and the same request a moment later normally succeeds.
 */
export class DatabaseBusyError extends RetryLaterError {
  override name = 'DatabaseBusyError'

  constructor(description: string, retryAfterSeconds = 1) {
    super('databaseBusyError', description, retryAfterSeconds)
  }
}

/** SQLite's primary result codes for a lock it could not take (extended codes keep them in their low byte). */
const SQLITE_BUSY = 5
const SQLITE_LOCKED = 6

/**
 * The typed error for a raw `node:sqlite` error that says the database was busy or locked; null
 * for any other error. Core stays free of node:sqlite: it reads the error's documented fields.
 */
export function databaseBusy(err: unknown): DatabaseBusyError | null {
  if (err instanceof DatabaseBusyError) return err
  const {code, errcode, errstr} = (err ?? {}) as {
    code?: unknown
    errcode?: unknown
    errstr?: unknown
  }
  if (code !== 'ERR_SQLITE_ERROR' || typeof errcode !== 'number') return null
  const primary = errcode & 0xff
  if (primary !== SQLITE_BUSY && primary !== SQLITE_LOCKED) return null
  return new DatabaseBusyError(
    `The dataset's database was busy and could not take this request (SQLite: ${String(errstr ?? 'database is locked')}, code ${errcode}); nothing was changed. Try again in a moment.`,
  )
}

/**
 * The disk holding the data folder has no room for what the request would store (a 507): it was
 * not done, and can be once space is freed. Also an upload that would leave less free than the
 * lake keeps for its datasets (lake/assets/uploadSpace.ts); `retryAfterSeconds` when other
 * uploads under way hold the room and may give it back.
 */
export class InsufficientStorageError extends LakeError {
  override name = 'InsufficientStorageError'
  override readonly retryAfterSeconds?: number

  constructor(description: string, retryAfterSeconds?: number) {
    super('insufficientStorageError', description)
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/** SQLite's primary result code for a database that may not grow ("database or disk is full"). */
const SQLITE_FULL = 13

/**
 * The typed error for a raw error that says the disk is full (a file's ENOSPC or EDQUOT, SQLite's
 * SQLITE_FULL); null for any other. SQLite rolls back the statement or transaction it refuses.
 */
export function diskFull(err: unknown): InsufficientStorageError | null {
  if (err instanceof InsufficientStorageError) return err
  const {code, errcode} = (err ?? {}) as {code?: unknown; errcode?: unknown}
  const full =
    code === 'ENOSPC' ||
    code === 'EDQUOT' ||
    (code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number' && (errcode & 0xff) === SQLITE_FULL)
  if (!full) return null
  // Said by its code: a file's message names the file, a path on the lake's machine.
  const said =
    code === 'ENOSPC'
      ? 'no space left on device'
      : code === 'EDQUOT'
        ? 'disk quota exceeded'
        : 'database or disk is full'
  return new InsufficientStorageError(
    `The disk holding the lake's data folder is full (${said}); the request was not done. Free space on that disk (unused assets, other files) and try again`,
  )
}

/** A document, revision, dataset or route that does not exist. */
export const NotFoundError = describedError('NotFoundError', 'notFoundError')

/** The request is malformed; the description says what and how to fix it. */
export const BadRequestError = describedError('BadRequestError', 'badRequestError')

/**
 * A JSON body whose bytes are not UTF-8. Decoded leniently, as before 2026-12-04, each byte UTF-8
 * does not allow (a Latin-1 or legacy Bengali file's text) was stored as U+FFFD without a word.
 */
export function notUtf8Error(): InstanceType<typeof BadRequestError> {
  return new BadRequestError(
    'Request body is not valid UTF-8: encode the JSON as UTF-8 and send it again (nothing was read)',
  )
}

/**
 * A Range that starts past the end of what is asked for (a 416): `size` is its length in bytes,
 * which the answer's `Content-Range: bytes *\/size` tells the client.
 */
export class RangeNotSatisfiableError extends LakeError {
  override name = 'RangeNotSatisfiableError'
  readonly size: number

  constructor(description: string, size: number) {
    super('rangeNotSatisfiableError', description)
    this.size = size
  }
}

/**
 * A request parameter the API refuses before any work, answered as hosted Sanity answers one:
 * `{"error": {"type", "description"}}` with a 400, `httpBadRequest` for a query-string value and
 * `httpInvalidRequestBody` for a field of a JSON body (as its API names them).
 */
export class InvalidRequestError extends LakeError {
  override name = 'InvalidRequestError'

  constructor(
    description: string,
    type: 'httpBadRequest' | 'httpInvalidRequestBody' = 'httpBadRequest',
  ) {
    super(type, description)
  }
}

/**
 * An uploaded image its decoder refuses: as on Sanity, the body adds the decoder's own words as
 * `details` beside the message.
 */
export class InvalidImageError extends BadRequestError {
  override name = 'InvalidImageError'
  readonly details: string

  constructor(description: string, details: string) {
    super(description)
    this.details = details
  }
}

/** The client does not accept any representation the route can send (a 406). */
export const NotAcceptableError = describedError('NotAcceptableError', 'notAcceptableError')

/** The caller is known but may not do this. */
export const PermissionError = describedError('PermissionError', 'permissionError')

/** The caller is not (validly) identified. */
export const AuthError = describedError('AuthError', 'authError')

/**
 * The request's token names no live session: signed out, revoked, its user removed, unknown, or
 * `expired`. Unlike other 401s, signing in again makes the same request succeed.
 */
export class SessionEndedError extends AuthError {
  override name = 'SessionEndedError'
  readonly expired: boolean

  constructor(expired: boolean) {
    super(
      expired
        ? 'Session expired: sign in again'
        : 'Session not found or token invalid, revoked or expired',
    )
    this.expired = expired
  }
}

/** The request (or what it would store) is larger than a limit allows. */
export const TooLargeError = describedError('TooLargeError', 'payloadTooLargeError')

/** An `Expect` header asking for what the lake does not do (anything but `100-continue`). */
export const ExpectationFailedError = describedError(
  'ExpectationFailedError',
  'expectationFailedError',
)

/** The request body is not in a format the route reads (JSON routes refuse text/plain, forms). */
export const UnsupportedMediaTypeError = describedError(
  'UnsupportedMediaTypeError',
  'unsupportedMediaTypeError',
)

/**
 * A request body in a content coding (`Content-Encoding: gzip`): the lake reads bodies as sent and
 * decodes none, so the answer says to send it uncompressed (`Accept-Encoding: identity`).
 */
export class UnsupportedContentCodingError extends UnsupportedMediaTypeError {
  override name = 'UnsupportedContentCodingError'
}

/**
 * The request is well formed but what it names cannot be processed (a stored image its decoder
 * refuses): a 422, as retrying the same request cannot help.
 */
export const UnprocessableError = describedError('UnprocessableError', 'unprocessableError')

/**
 * A request's body did not arrive within the time it may take (a query's: its deadline): a 408,
 * nothing of it done. A body sent a byte at a time held what its caller may hold for as long as
 * its sender liked.
 */
export const RequestTimeoutError = describedError('RequestTimeoutError', 'requestTimeoutError')

/**
 * A listener fell behind what the lake can do for it (its filter waited too long for a query
 * thread, or too many transactions are waiting for its filter): its stream ends so that its client
 * reconnects (docs/listeners.md).
 */
export const ListenerOverloadedError = describedError(
  'ListenerOverloadedError',
  'listenerOverloadedError',
)

/**
 * From StoreWriter.commit: the transaction is stored (durable once its write group is synced),
 * but no listener event can be made of it (a large write's commit thread stopped after its
 * COMMIT, and the log could not give the transaction back). Not an answer: core/transaction.ts
 * answers the write as committed and has its listeners start over
 * (TransactionPublisher.unannounced). Should one escape, it is a bug's 500.
 */
export class UnannouncedCommitError extends Error {
  override name = 'UnannouncedCommitError'
  /** Why no event could be made of it, for the listeners and the log. */
  readonly why: string

  constructor(dataset: string, transactionId: string, why: string) {
    super(`Transaction "${transactionId}" of dataset "${dataset}" is stored, but ${why}`)
    this.why = why
  }
}

/**
 * A dataset file written by a newer lake (its schema past this lake's migrations): not read, not
 * changed. A 500, not a 503: no retry helps until the lake is upgraded, and @sanity/client retries
 * 503s.
 */
export const NewerDatasetError = describedError('NewerDatasetError', 'newerDatasetError')

/** The error for dataset `dataset`'s file at schema `schema`, this lake's last being `lakeSchema`. */
export function newerDataset(
  dataset: string,
  schema: number,
  lakeSchema: number,
): InstanceType<typeof NewerDatasetError> {
  return new NewerDatasetError(
    `Dataset "${dataset}" was written by a newer lake (its file is at schema ${schema}; this lake reads up to ${lakeSchema}), so it is left unread and unchanged: upgrade the lake to the version that wrote it, or a later one, and start it again`,
  )
}

/** The caller holds as many of something (open listeners) as one caller may. */
export const TooManyRequestsError = describedError('TooManyRequestsError', 'tooManyRequestsError')

/**
 * A 429 that passes: the caller holds as much as one caller may for now (queries waiting), and
 * the same request after `retryAfterSeconds` (`Retry-After`) may succeed.
 */
export class CallerBusyError extends TooManyRequestsError {
  override name = 'CallerBusyError'
  override readonly retryAfterSeconds: number

  constructor(description: string, retryAfterSeconds: number) {
    super(description)
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/** Builds the one-item error list for a failure at mutation/action `index`. */
export function itemError(
  type: string,
  description: string,
  extra: {
    index?: number
    id?: string
    value?: unknown
    referencingIDs?: string[]
    attribute?: string
  } = {},
): ErrorItem {
  const {index, ...rest} = extra
  const item: ErrorItem = {error: {type, description, ...rest}}
  if (index !== undefined) item.index = index
  return item
}
