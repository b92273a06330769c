/**
 * Requests the lake is working on at once, counted per caller and lake-wide from when the caller
 * is known until its answer is sent (LIMITS.requestsInFlight). Each holds its stream, its
 * request objects and its route's promises, about 26 kB, and a write whose body never comes is
 * answered only after the body arrival's window: over HTTP/2 a session takes as many streams as
 * its client opens, and one editor's 48,000 such writes grew a lake to 1.39 GB, an anonymous
 * caller's 24,000 logouts to 731 MB. Past a caller's share its next request is a 429, past the
 * lake's a 503, both at once with Retry-After; a listener counts only until its stream begins
 * (its own bounds hold it after), an export or a history log until it is sent, as any answer.
 * An anonymous caller's requests count again against a smaller share of their own
 * (LIMITS.requestsInFlight.anonymous), and those with a body once more while their bodies arrive
 * (anonymousBodies), or until their route has answered: each holds its connection until then,
 * never displaced, and every local process shares one address with the Studio's browser. Its
 * asset downloads count in a larger share instead of the 200 (anonymousAssets): a browser's page
 * of images, its `<img>` sending no token and never retrying a 429.
 */
import type {Context, MiddlewareHandler} from 'hono'
import {createCallerShares} from '../core/callerShares.ts'
import {lakeOf} from './context.ts'
import {hasBody, whenAnswered, whenBodyDone} from './nodeRequest.ts'
import {getPrincipal, streamHolder} from './principal.ts'

export interface RequestsInFlightLimits {
  /** One caller's (a token or session; an anonymous caller by address). */
  perCaller: number
  total: number
  /** One anonymous caller's (an address's) requests, with a body or without, but its assets'. */
  anonymous: number
  /** One anonymous caller's asset downloads (images and their renditions, files). */
  anonymousAssets: number
  /** One anonymous caller's (an address's) requests that carry a body. */
  anonymousBodies: number
}

/**
 * Who a request is counted as: a signed-in caller, or an anonymous one with a body or not, or
 * downloading an asset.
 */
export type CountedAs = 'signedIn' | 'anonymous' | 'anonymousBody' | 'anonymousAsset'

export interface RequestsInFlight {
  /** Requests under way now, lake-wide. */
  readonly held: number
  /**
   * Counts one more request of `holder` and gives back its release, or throws (429, 503). An
   * anonymous caller's is also counted in the anonymous share (an asset download in the assets'
   * instead), and one with a body in the bodies' until `bodyArrived` (or the release).
   */
  enter(holder: string, as?: CountedAs): Entered
}

/** A request counted under way. */
export interface Entered {
  /** Gives back its place (its body's too); again is nothing. */
  release(): void
  /** Gives back its body's place alone: the body has all arrived, or will not. */
  bodyArrived(): void
}

export function createRequestsInFlight(limits: RequestsInFlightLimits): RequestsInFlight {
  const shares = createCallerShares({
    ...limits,
    // Most requests are answered within it.
    retryAfterSeconds: 1,
    callerBusy: (held, limit) =>
      `This caller has ${held} requests under way (at most ${limit}); wait for their answers before sending more`,
    lakeBusy: (held, limit) =>
      `The lake has ${held} requests under way (at most ${limit}); try again shortly`,
  })
  const anonymous = createCallerShares({
    perCaller: limits.anonymous,
    total: Infinity,
    retryAfterSeconds: 1,
    callerBusy: (held, limit) =>
      `This address's anonymous callers have ${held} requests under way (at most ${limit}); ` +
      'wait for their answers before sending more, or sign in',
    lakeBusy: () => '',
  })
  const assets = createCallerShares({
    perCaller: limits.anonymousAssets,
    total: Infinity,
    retryAfterSeconds: 1,
    callerBusy: (held, limit) =>
      `This address's anonymous callers have ${held} asset downloads under way (at most ` +
      `${limit}); wait for their answers before asking more, or sign in`,
    lakeBusy: () => '',
  })
  const bodies = createCallerShares({
    perCaller: limits.anonymousBodies,
    // The lake-wide bound is the requests' own.
    total: Infinity,
    // A held body ends within its arrival bound (nodeRequest.ts BodyArrival: a query's deadline,
    // a write's least pace), so a place comes free soon.
    retryAfterSeconds: 10,
    callerBusy: (held, limit) =>
      `This address's anonymous callers have ${held} requests with a body under way (at most ` +
      `${limit}); wait for them to arrive, or sign in`,
    lakeBusy: () => '',
  })
  return {
    get held() {
      return shares.held
    },
    enter(holder, as = 'signedIn') {
      const body = as === 'anonymousBody' ? bodies.share(holder) : null
      body?.grow(1)
      const address =
        as === 'signedIn'
          ? null
          : as === 'anonymousAsset'
            ? assets.share(holder)
            : anonymous.share(holder)
      const request = shares.share(holder)
      try {
        address?.grow(1)
        request.grow(1)
      } catch (err) {
        address?.release()
        body?.release()
        throw err
      }
      return {
        release() {
          request.release()
          address?.release()
          body?.release()
        },
        bodyArrived() {
          body?.release()
        },
      }
    },
  }
}

/**
 * Counts each request from here until its answer is sent (or its client gone): counted until the
 * route had it, a small answer (under the answer budget's 256 KiB) whose client took none of it (an
 * HTTP/2 window of 0) was held for as long as the client liked, 4 sessions' 1,024 such answers of
 * 200 KB holding 102 MB, and one address may have 1,000 sessions of 256 streams. A listener's or
 * a live event stream's (Server-Sent Events) count only until their streams begin: their own
 * bounds (100 a caller) hold them after. A paged answer (NDJSON: an export, a history log) counts
 * until sent: counted until it began, one caller's unread exports were bounded by its connections
 * alone, each holding its stream, its pages' reader and a page.
 */
export function requestsInFlightMiddleware(): MiddlewareHandler {
  return async function inFlight(c, next) {
    const principal = getPrincipal(c)
    const anonymousBody = principal.kind === 'anonymous' && hasBody(c)
    const as =
      principal.kind !== 'anonymous'
        ? 'signedIn'
        : anonymousBody
          ? 'anonymousBody'
          : isAssetDownload(c)
            ? 'anonymousAsset'
            : 'anonymous'
    const entered = lakeOf(c).inFlight.enter(streamHolder(c, principal), as)
    // The body's place is about its connection held while it arrives, not the answer's wait (a
    // long query a public site sends by POST): given back once it has arrived, or cannot.
    if (anonymousBody) void whenBodyDone(c)?.then(entered.bodyArrived)
    const release = entered.release
    // Heard from the start: a client may go, or a refusal be sent, before the route returns.
    const answered = whenAnswered(c)
    try {
      await next()
    } catch (err) {
      release()
      throw err
    }
    // The route has answered: nothing reads the rest of the body (a refusal's, a 404's), and the
    // request's own place holds it from here. Held until the answer was sent, a client that takes
    // none of its answers (an HTTP/2 window of 0) kept the address's bodies' places for good.
    entered.bodyArrived()
    // Never before the route has its answer: a client that resets its streams at once would
    // otherwise start work past any bound.
    if (answered === null || streamsOnItsOwnBounds(c.res)) release()
    else void answered.then(release)
  }
}

/**
 * An asset download (`/images/…`, `/files/…`, a rendition too): its own share, as an `<img>` sends
 * no token and does not retry a 429. By path, before routing; any run of slashes as the router.
 */
function isAssetDownload(c: Context): boolean {
  return (c.req.method === 'GET' || c.req.method === 'HEAD') && ASSET_PATH.test(c.req.path)
}

const ASSET_PATH = /^\/+(?:images|files)\//

function streamsOnItsOwnBounds(res: Response): boolean {
  return (res.headers.get('content-type') ?? '').startsWith('text/event-stream')
}
