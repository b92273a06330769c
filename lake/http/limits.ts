/**
 * Request bodies: each route's size limit (413 before the body is read past it: a declared
 * Content-Length is checked first, a chunked body is counted as it streams) and the JSON routes'
 * media type (415 for text/plain or a form, which a browser could send cross-site without a
 * preflight). Uploads stream to disk under their own limit (routes/assets.ts).
 */
import type {Context, MiddlewareHandler} from 'hono'
import {bodyLimit} from 'hono/body-limit'
import {matchedRoutes} from 'hono/route'
import {METHOD_NAME_ALL} from 'hono/router'
import {
  TooLargeError,
  UnsupportedContentCodingError,
  UnsupportedMediaTypeError,
} from '../core/errors.ts'
import {LIMITS} from '../core/limits.ts'
import {lakeOf} from './context.ts'
import {
  declaredLength,
  hasBody,
  requestHeader,
  streamsFromNode,
  wholeBody,
  type StreamedLimit,
} from './nodeRequest.ts'

interface BodyRule {
  /** Matched against the path (after any `/v{apiVersion}` prefix for versioned routes). */
  pattern: RegExp
  maxBytes: number
  /** The body must be JSON. */
  json: boolean
  what: string
  /** What to send instead of a body past maxBytes. */
  instead: string
  /**
   * The route reads a body of no declared length itself, counting it as it streams (writeBody and
   * countedBody in nodeRequest.ts, through bodyLimitOf): a large write's body goes to a write
   * thread as it arrives, where the limiter would have joined it on the event loop; a query's
   * counts against what its caller's queries hold too.
   */
  routeCounts?: boolean
}

const BODY_RULES: readonly BodyRule[] = [
  {
    pattern: /^\/v[^/]+\/data\/query\//,
    maxBytes: LIMITS.body.query,
    json: true,
    what: 'A query',
    instead:
      'send a shorter query or fewer parameters (a long list of ids is better fetched in several queries)',
    // Counted as it streams by the route, which also counts it against what a caller's queries
    // may hold (countedBody).
    routeCounts: true,
  },
  {
    pattern: /^\/v[^/]+\/data\/(mutate|actions)\//,
    maxBytes: LIMITS.body.write,
    json: true,
    what: 'A mutation or action request',
    instead: 'split large writes into several transactions',
    routeCounts: true,
  },
  {
    pattern: /^\/v[^/]+\/users\/me\/keyvalue\/?$/,
    maxBytes: LIMITS.body.keyValue,
    json: true,
    what: 'A key/value request',
    instead: 'store fewer or shorter values',
  },
  {
    pattern: /^\/auth\/login\//,
    maxBytes: LIMITS.body.signIn,
    json: false,
    what: 'A sign-in form',
    instead: 'send only the e-mail address and password',
  },
]

const ASSET_UPLOAD = /^\/v[^/]+\/assets\//
const OTHER: BodyRule = {
  pattern: /.*/,
  maxBytes: LIMITS.body.other,
  json: false,
  what: 'A request body',
  instead: 'send less',
}

/** The body rule for a path, or null for uploads (limited while they stream to disk). */
export function bodyRuleFor(pathname: string): BodyRule | null {
  if (ASSET_UPLOAD.test(pathname)) return null
  return BODY_RULES.find((rule) => rule.pattern.test(pathname)) ?? OTHER
}

export function bodyLimitMiddleware(): MiddlewareHandler {
  const limiters = new Map<BodyRule, MiddlewareHandler>()
  const limiterFor = (rule: BodyRule) => {
    let limiter = limiters.get(rule)
    if (!limiter) {
      limiter = bodyLimit({
        maxSize: rule.maxBytes,
        onError: () => tooLarge(rule),
      })
      limiters.set(rule, limiter)
    }
    return limiter
  }
  return async function limitBody(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') {
      return next()
    }
    // No route takes it: the 404 needs nothing of the body. Read first, a route that is none got
    // its `100 Continue` and up to 64 KiB (or a 413 naming a limit) before the 404.
    if (!routed(c)) return next()
    checkContentCoding(c)
    // The path as the router matches it (percent-escapes decoded): `/data/%6Dutate/` reaches the
    // mutate route, so it gets the mutate route's limits.
    const rule = bodyRuleFor(c.req.path)
    if (!rule) return next()
    if (rule.json) checkJsonType(requestHeader(c, 'content-type'))
    // A declared length is checked as the limiter would, without reading the request through a
    // Request (nodeRequest.ts); a chunked body is counted as it streams, by the route for a rule
    // with routeCounts, else here.
    const declared = declaredLength(c)
    if (declared !== null && declared > rule.maxBytes) tooLarge(rule)
    if (rule.routeCounts)
      return declared === null && !streamsFromNode(c) ? limiterFor(rule)(c, next) : next()
    // Read whole here at the pace every body must keep (a 408 past it): hono's limiter, and a
    // route's own read through its Request, waited for a body sent a byte at a time as long as its
    // sender liked, anonymous ones too.
    const body = await wholeBody(c, limitOf(rule), lakeOf(c).bodyArrival)
    if (body !== null) c.req.raw = new Request(c.req.raw, {body: body as Uint8Array<ArrayBuffer>})
    else if (declared === null) return limiterFor(rule)(c, next)
    return next()
  }
}

/** Does a route (not only the `app.use` middleware, Hono's method ALL) match the request? */
function routed(c: Context): boolean {
  return matchedRoutes(c).some((route) => route.method !== METHOD_NAME_ALL)
}

/** The limit a route counts a streamed body against (a rule with routeCounts). */
export function bodyLimitOf(c: Context): StreamedLimit {
  return limitOf(bodyRuleFor(c.req.path) ?? OTHER)
}

function limitOf(rule: BodyRule): StreamedLimit {
  return {maxBytes: rule.maxBytes, refuse: () => tooLarge(rule)}
}

function tooLarge(rule: BodyRule): never {
  throw new TooLargeError(`${rule.what} may be at most ${rule.maxBytes} bytes; ${rule.instead}`)
}

/** No Content-Type is read as JSON (as before); a declared one must be JSON. */
function checkJsonType(contentType: string | undefined): void {
  if (contentType === undefined) return
  const type = contentType.split(';')[0].trim().toLowerCase()
  if (type === 'application/json' || /^application\/[^/]+\+json$/.test(type)) return
  throw new UnsupportedMediaTypeError(
    `Content-Type "${type}" is not accepted here: send the body as JSON with "Content-Type: application/json"`,
  )
}

/**
 * A body in a content coding is refused (415), uploads' too: no Sanity client compresses what it
 * sends (they ask for compressed answers only), and decoding would need a bound of its own on what
 * a small body may become. Before, a gzipped write was an "invalid JSON" 400, and a gzipped upload
 * was stored as its compressed bytes. `identity` is no coding; a request without a body needs none.
 */
function checkContentCoding(c: Context): void {
  const coding = requestHeader(c, 'content-encoding')
  if (coding === undefined || !hasBody(c)) return
  const codings = coding.split(',').map((name) => name.trim().toLowerCase())
  if (codings.every((name) => name === '' || name === 'identity')) return
  throw new UnsupportedContentCodingError(
    `Content-Encoding "${coding}" is not accepted: the lake reads request bodies uncompressed; send the body as it is, without a Content-Encoding (or with "identity")`,
  )
}
