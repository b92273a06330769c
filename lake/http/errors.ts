/** THE one place where errors become HTTP responses, in the body shapes @sanity/client renders. */
import {STATUS_CODES} from 'node:http'
import {
  AuthError,
  BadRequestError,
  ConflictError,
  databaseBusy,
  diskFull,
  ExpectationFailedError,
  InsufficientStorageError,
  InvalidImageError,
  InvalidRequestError,
  LakeError,
  ListenerOverloadedError,
  MutationError,
  NotAcceptableError,
  NewerDatasetError,
  NotFoundError,
  PermissionError,
  QueryError,
  QueryMemoryError,
  QueryParseError,
  QueryResultTooLargeError,
  QueryTimeoutError,
  RangeNotSatisfiableError,
  RequestTimeoutError,
  RetryLaterError,
  SessionEndedError,
  TooLargeError,
  TooManyRequestsError,
  UnavailableError,
  UnprocessableError,
  UnsupportedContentCodingError,
  UnsupportedMediaTypeError,
} from '../core/errors.ts'
import {ALLOWED_METHODS} from './cors.ts'

export function statusFor(err: LakeError): number {
  if (err instanceof ConflictError) return 409
  // Not 502/503: @sanity/client retries those for queries, and a query that ran out of time would
  // run out of time again.
  if (err instanceof QueryTimeoutError) return 504
  // An overloaded listener's (its stream ends for its client to reconnect; no answer carries it).
  if (err instanceof RetryLaterError || err instanceof ListenerOverloadedError) return 503
  if (err instanceof QueryParseError || err instanceof QueryError) return 400
  if (err instanceof MutationError || err instanceof BadRequestError) return 400
  if (err instanceof InvalidRequestError) return 400
  if (err instanceof NotFoundError) return 404
  if (err instanceof NotAcceptableError) return 406
  if (err instanceof RequestTimeoutError) return 408
  if (err instanceof AuthError) return 401
  if (err instanceof PermissionError) return 403
  if (err instanceof TooLargeError) return 413
  if (err instanceof UnsupportedMediaTypeError) return 415
  if (err instanceof ExpectationFailedError) return 417
  if (err instanceof UnprocessableError) return 422
  if (err instanceof TooManyRequestsError) return 429
  if (err instanceof RangeNotSatisfiableError) return 416
  if (err instanceof InsufficientStorageError) return 507
  // The lake's own state, which only upgrading it changes: no client's retry helps.
  if (err instanceof NewerDatasetError) return 500
  return 400
}

/** The JSON body for a lake error (also used for NDJSON and SSE error lines). */
export function bodyFor(err: LakeError, status = statusFor(err)): Record<string, unknown> {
  if (err instanceof QueryParseError) {
    return {
      error: {
        type: err.type,
        description: err.description,
        query: err.query,
        start: err.start,
        end: err.end,
      },
    }
  }
  if (err instanceof MutationError) {
    return {error: {type: err.type, description: err.description, items: err.items}}
  }
  if (
    err instanceof QueryError ||
    err instanceof QueryTimeoutError ||
    err instanceof QueryMemoryError ||
    err instanceof QueryResultTooLargeError ||
    err instanceof InvalidRequestError
  ) {
    return {error: {type: err.type, description: err.description}}
  }
  // Boom style: the client prints "<error> - <message>".
  const body = {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    message: err.description,
  }
  if (err instanceof SessionEndedError) {
    // Hosted Sanity's codes for a session gone: the Studio keeps the edits a commit carried and
    // asks to sign in again only on these; any other 401 drops them.
    return {...body, errorCode: err.expired ? 'SIO-401-AEX' : 'SIO-401-ANF'}
  }
  return err instanceof InvalidImageError ? {...body, details: err.details} : body
}

export function errorResponse(thrown: unknown): Response {
  // SQLite's own "database is locked" (from any read or write) is the lake being busy, not broken;
  // a full disk (SQLite's or a file's) is its state, not a bug.
  const err = databaseBusy(thrown) ?? diskFull(thrown) ?? thrown
  if (err instanceof LakeError) {
    const status = statusFor(err)
    // A typed error is a refusal the lake means to give, never a bug (a query past its deadline,
    // a busy database, the answer budget spent, a listener fallen behind): a 5xx one is logged as
    // one line saying what was refused, no stack; shutting down is not logged.
    if (status >= 500 && !(err instanceof UnavailableError)) console.warn(refusalLine(err))
    // A refusal that passes (every 503, a caller's 429 for what it holds now) says when to retry.
    // A coded body's 415 names the one coding the lake reads (RFC 9110 15.5.16).
    const headers: Record<string, string> | undefined =
      err instanceof RangeNotSatisfiableError
        ? {'Content-Range': `bytes */${err.size}`}
        : err instanceof UnsupportedContentCodingError
          ? {'Accept-Encoding': 'identity'}
          : err.retryAfterSeconds === undefined
            ? undefined
            : {'Retry-After': String(err.retryAfterSeconds)}
    return Response.json(bodyFor(err, status), {status, headers})
  }
  if (isBadJson(err)) {
    return Response.json(
      {statusCode: 400, error: 'Bad Request', message: 'Request body is not valid JSON'},
      {status: 400},
    )
  }
  if (isClientGone(err)) {
    // The client closed the connection while sending its body: nobody reads this answer, and
    // nothing is wrong with the lake.
    return Response.json(
      {statusCode: 400, error: 'Bad Request', message: 'The request ended before its body did'},
      {status: 400},
    )
  }
  // Unexpected: log it with its stack here, never send the stack to the client.
  console.error('lake: internal error', err)
  return Response.json(
    {statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error'},
    {status: 500},
  )
}

/**
 * The line that ends an NDJSON stream an error stopped after its status was sent: the body
 * errorResponse gives, with its status. A stream that just ended would read as whole (an export
 * cut short, a backup missing documents); @sanity/export rejects on this line (rejectOnApiError).
 */
export async function errorLine(thrown: unknown): Promise<string> {
  const res = errorResponse(thrown)
  const body = (await res.json()) as Record<string, unknown>
  return `${JSON.stringify({...body, statusCode: res.status})}\n`
}

/**
 * What a stream's own error line may say of an error its status did not (history's NDJSON): a
 * lake error's description, and for anything unexpected the 500's generic message, its detail
 * logged by errorResponse as for any answer.
 */
export async function errorDescription(thrown: unknown): Promise<string> {
  const body = (await errorResponse(thrown).json()) as {
    message?: string
    error?: {description?: string}
  }
  return body.message ?? body.error?.description ?? 'Internal Server Error'
}

/** `lake: <type>: <what>`; a timeout's line leaves out its advice to the caller. */
function refusalLine(err: LakeError): string {
  const what = err instanceof QueryTimeoutError ? err.description.split(':')[0] : err.description
  return `lake: ${err.type}: ${what}`
}

/**
 * The answer to a request Node's HTTP/1.1 parser refused before any route saw it (the server's
 * `clientError`), as raw bytes that close the connection: Node's own is a bare status line, which
 * says neither what was wrong nor what to do.
 */
export function malformedRequestAnswer(err: {
  code?: unknown
  message?: unknown
  rawPacket?: unknown
}): string {
  const tls = Buffer.isBuffer(err.rawPacket) && err.rawPacket[0] === 0x16
  const {status, message} = malformedRequest(String(err.code ?? ''), String(err.message ?? ''), tls)
  const body = JSON.stringify({statusCode: status, error: STATUS_CODES[status], message})
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  )
}

/**
 * The answer to a request whose `Expect` header asks for anything but `100-continue` (Node's
 * `checkExpectation`), which RFC 9110 lets a server refuse with a 417: Node's own had no body.
 */
export function expectationFailedAnswer(expectation: string): Response {
  return errorResponse(
    new ExpectationFailedError(
      `The request's Expect header ${JSON.stringify(expectation.slice(0, 64))} asks for what ` +
        'this lake does not do: send "Expect: 100-continue" (the lake answers "100 Continue" ' +
        'once it reads the body) or no Expect header; nothing of the request was done',
    ),
  )
}

/**
 * The answer to a request @hono/node-server refused before the app saw it, because no URL could be
 * made of its Host header (or HTTP/2 :authority) and its target: a port past 65535, a name that
 * is none (`[zz]`), a backslash in the path, an absolute target of no host. Its own answer was a
 * 400 with no body. `request` is the refused one's head, when known.
 */
export function unroutableRequestAnswer(
  thrown: unknown,
  request: {host?: string; target?: string} | null,
): Response {
  if (!(thrown instanceof Error) || thrown.name !== 'RequestError') return errorResponse(thrown)
  const show = (text: string | undefined) => JSON.stringify((text ?? '').slice(0, 64))
  const message =
    request?.target === '*'
      ? 'The request\'s target "*" names the server, no resource of it: send a path ' +
        '(/v2025-02-19/…); a CORS preflight is an OPTIONS of the path it asks about'
      : thrown.message === 'Backslash in request path'
        ? `The request's path ${show(request?.target)} has a backslash: separate its parts with "/", ` +
          'and send a backslash in a name as %5C'
        : /absolute URL/i.test(thrown.message)
          ? `The request's target ${show(request?.target)} is not an absolute URL this lake can ` +
            'read: send the path alone (/v2025-02-19/…), its host in the Host header'
          : `The request's Host header ${show(request?.host)} with its target makes no URL: send ` +
            'the host of the URL called, a name or address and a port of 1-65535 (localhost:3334)'
  return errorResponse(new BadRequestError(message))
}

/**
 * The answer to a CONNECT (a client that takes the lake for its proxy): a 405 that says so, where
 * Node closed an HTTP/1.1 connection with no answer and answered HTTP/2 with a bare 405.
 */
export function connectAnswer(): {status: number; headers: Record<string, string>; body: string} {
  const status = 405
  const message =
    'CONNECT is not served: this is the content lake, not a proxy. Call its API at its own URL ' +
    '(/v2025-02-19/…), and leave it out of HTTP_PROXY / HTTPS_PROXY'
  return {
    status,
    headers: {'content-type': 'application/json; charset=utf-8', allow: ALLOWED_METHODS},
    body: JSON.stringify({statusCode: status, error: STATUS_CODES[status], message}),
  }
}

function malformedRequest(
  code: string,
  detail: string,
  tls: boolean,
): {status: number; message: string} {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      message:
        "The request's headers, its URL included, are larger than 64 KiB: send a long GROQ query " +
        'with POST /data/query/<dataset> and a JSON body {"query", "params"}, as @sanity/client ' +
        'does, and at most 1,000 ids to data/doc',
    }
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return {status: 408, message: 'The request took too long to arrive; send it again'}
  }
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') {
    return {
      status: 413,
      message: "The body's chunk extensions are too large; send the body without them",
    }
  }
  // llhttp's reason names the part (e.g. "Invalid character in Content-Length").
  const reason = detail.replace(/^Parse Error:\s*/, '') || 'not HTTP/1.1'
  const advice = tls
    ? 'This port speaks plain HTTP, not TLS: use an http:// URL'
    : /Content-Length|Transfer-Encoding/i.test(reason)
      ? 'Send one Content-Length (a number) or Transfer-Encoding: chunked, not both'
      : /chunk/i.test(reason)
        ? 'Send each chunk of a chunked body as its size in hexadecimal, CRLF, its bytes and CRLF, ' +
          'and end with a chunk of size 0; nothing of the request was done'
        : 'Send an HTTP/1.1 request line (method, path, version) and `Name: value` headers, and ' +
          'a body of exactly its Content-Length'
  return {status: 400, message: `Malformed HTTP request: ${reason}. ${advice}`}
}

export function notFoundResponse(method: string, path: string): Response {
  return Response.json(
    {statusCode: 404, error: 'Not Found', message: `No route for ${method} ${path}`},
    {status: 404},
  )
}

/** Node's request stream erring because its client went away mid-body. */
function isClientGone(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const {code} = err as {code?: unknown}
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') return true
  // Over HTTP/2 a connection that ends under a body being read reaches the route through the web
  // stream's adapter: an AbortError whose cause is Node's premature close.
  return err.name === 'AbortError' && err.cause !== err && isClientGone(err.cause)
}

function isBadJson(err: unknown): boolean {
  return err instanceof SyntaxError && /JSON/.test(err.message)
}
