/**
 * What callers hold of something the lake bounds per caller and lake-wide (requests under way,
 * query requests' bytes, answers' unread bytes): past a caller's share a 429 (CallerBusyError),
 * past the lake's a 503 (RetryLaterError `lakeBusyError`), both with Retry-After. One rule for the
 * three, which each kept their own map, checks and release.
 */
import {CallerBusyError, RetryLaterError} from './errors.ts'

export interface CallerSharesLimits {
  /** What one caller (a token or session; an anonymous caller by address) may hold. */
  perCaller: number
  total: number
  /** Seconds a refused caller is asked to wait: what the bound holds is given back within it. */
  retryAfterSeconds: number
  /** The 429's description: the caller holds `held` of at most `limit`, and asks `amount` more. */
  callerBusy(held: number, limit: number, amount: number): string
  /** The 503's description: the lake holds `held` of at most `limit`. */
  lakeBusy(held: number, limit: number): string
}

/** What one request (or answer) of a caller's holds. */
export interface CallerShare {
  readonly holds: number
  /** Counts `amount` more, or throws (the 429, else the 503) and counts nothing. */
  grow(amount: number): void
  /** Counts `amount` more whatever the bounds (what must go out: a committed write's answer). */
  add(amount: number): void
  /** Gives back `amount` (all it holds by default), never more than it holds: again is nothing. */
  release(amount?: number): void
}

export interface CallerShares {
  readonly held: number
  heldBy(caller: string): number
  /**
   * The bound `amount` more of `caller`'s would pass, its caller's first, or null. A share passes
   * a bound while nothing but what it holds (`own`) is held against it: one request or answer
   * larger than a share still goes alone.
   */
  over(caller: string, amount: number, own?: number): 'caller' | 'lake' | null
  share(caller: string): CallerShare
}

/** `released` hears each give-back (the answer budget then admits the pages waiting for room). */
export function createCallerShares(
  limits: CallerSharesLimits,
  released: () => void = () => {},
): CallerShares {
  let held = 0
  /** A caller holding nothing has no entry. */
  const byCaller = new Map<string, number>()
  const heldBy = (caller: string) => byCaller.get(caller) ?? 0
  const over = (caller: string, amount: number, own = 0) => {
    const callers = heldBy(caller)
    if (callers > own && callers + amount > limits.perCaller) return 'caller'
    if (held > own && held + amount > limits.total) return 'lake'
    return null
  }
  const count = (caller: string, amount: number) => {
    held += amount
    const now = heldBy(caller) + amount
    if (now > 0) byCaller.set(caller, now)
    else byCaller.delete(caller)
  }
  /** A class: one is made per request, and an object of closures cost 4x (~1.2 µs a request). */
  class Share implements CallerShare {
    holds = 0
    readonly caller: string
    constructor(caller: string) {
      this.caller = caller
    }
    grow(amount: number) {
      const bound = over(this.caller, amount, this.holds)
      const {perCaller, total, retryAfterSeconds} = limits
      if (bound === 'caller') {
        const why = limits.callerBusy(heldBy(this.caller), perCaller, amount)
        throw new CallerBusyError(why, retryAfterSeconds)
      }
      if (bound === 'lake') {
        const why = limits.lakeBusy(held, total)
        throw new RetryLaterError('lakeBusyError', why, retryAfterSeconds)
      }
      this.add(amount)
    }
    add(amount: number) {
      if (!(amount > 0)) return
      this.holds += amount
      count(this.caller, amount)
    }
    release(amount = this.holds) {
      const given = Math.min(amount, this.holds)
      if (!(given > 0)) return
      this.holds -= given
      count(this.caller, -given)
      released()
    }
  }
  return {
    get held() {
      return held
    },
    heldBy,
    over,
    share: (caller) => new Share(caller),
  }
}
