/**
 * What query requests hold in the lake while they wait for a query thread or run: each request's
 * body (or URL), its parsed parameters and tree, weighed in bytes per caller and lake-wide
 * (LIMITS.queryRequests). Past a caller's share its next request is a 429, past the lake's a 503,
 * both with Retry-After, and a body is refused before it is read when its length is declared (else
 * as soon as what arrived passes). Queries take turns on the threads by caller (query/pool.ts),
 * but each waiting turn held its request: a caller's 240 POSTs of 1 MB parameters behind busy
 * threads grew the lake by 379 MiB.
 */
import {createCallerShares, type CallerShare} from '../core/callerShares.ts'

export interface QueryRequestsLimits {
  /** What one caller's requests may hold together. */
  callerBytes: number
  /** What all requests may hold together. */
  lakeBytes: number
  /**
   * How long a request's body may take to arrive (the query deadline): past it, a 408. Counted
   * at its declared length before it is read, a body sent a byte at a time held its share while
   * it trickled, and over HTTP/2 a session that trickles is never idle: a few such streams held
   * the one share every local anonymous caller (127.0.0.1) has. None by default.
   */
  bodyMs?: number
}

export interface QueryRequests {
  /** How long a request's body may take to arrive (QueryRequestsLimits). */
  readonly bodyMs: number
  /** Bytes held now, lake-wide. */
  readonly held: number
  /** Bytes `holder`'s requests hold now. */
  heldBy(holder: string): number
  /**
   * A new, empty hold for a request of `holder` (a principal's id, an anonymous caller's address),
   * grown as its body arrives and is parsed, released once it is answered.
   */
  hold(holder: string): CallerShare
}

export function createQueryRequests(limits: QueryRequestsLimits): QueryRequests {
  const shares = createCallerShares({
    perCaller: limits.callerBytes,
    total: limits.lakeBytes,
    // A query's turn is usually shorter.
    retryAfterSeconds: 1,
    callerBusy: (held, limit) =>
      `This caller's queries waiting for or on a query thread hold ${held} bytes (at most ${limit}); wait for their answers before sending more, or try again shortly`,
    lakeBusy: (held, limit) =>
      `The lake's queries waiting for or on a query thread hold ${held} bytes (at most ${limit}); try again shortly`,
  })
  return {
    bodyMs: limits.bodyMs ?? Infinity,
    get held() {
      return shares.held
    },
    heldBy: shares.heldBy,
    hold: shares.share,
  }
}
