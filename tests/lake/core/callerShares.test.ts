import {describe, expect, it} from 'vitest'
import {createCallerShares} from '../../../lake/core/callerShares.ts'
import {CallerBusyError, RetryLaterError} from '../../../lake/core/errors.ts'

const limits = {
  perCaller: 100,
  total: 250,
  retryAfterSeconds: 3,
  callerBusy: (held: number, limit: number, amount: number) => `caller ${held}+${amount}/${limit}`,
  lakeBusy: (held: number, limit: number) => `lake ${held}/${limit}`,
}

/** The error `take` throws, or null. */
function refusal(take: () => void): unknown {
  try {
    take()
    return null
  } catch (err) {
    return err
  }
}

describe('createCallerShares', () => {
  it("refuses a caller past its share with a 429's error and Retry-After, counting nothing", () => {
    const shares = createCallerShares(limits)
    shares.share('a').grow(60)
    const err = refusal(() => shares.share('a').grow(41))
    expect(err).toBeInstanceOf(CallerBusyError)
    expect((err as CallerBusyError).message).toBe('caller 60+41/100')
    expect((err as CallerBusyError).retryAfterSeconds).toBe(3)
    expect(shares.heldBy('a')).toBe(60)
    expect(shares.held).toBe(60)
    // Up to the share exactly, and another caller's own share untouched.
    shares.share('a').grow(40)
    shares.share('b').grow(100)
    expect(shares.heldBy('b')).toBe(100)
  })

  it("refuses past the lake's bound with a 503's lakeBusyError and Retry-After, counting nothing", () => {
    const shares = createCallerShares(limits)
    shares.share('a').grow(100)
    shares.share('b').grow(100)
    const err = refusal(() => shares.share('c').grow(51))
    expect(err).toBeInstanceOf(RetryLaterError)
    expect(err).not.toBeInstanceOf(CallerBusyError)
    expect((err as RetryLaterError).type).toBe('lakeBusyError')
    expect((err as RetryLaterError).message).toBe('lake 200/250')
    expect((err as RetryLaterError).retryAfterSeconds).toBe(3)
    expect(shares.heldBy('c')).toBe(0)
    shares.share('c').grow(50)
    expect(shares.held).toBe(250)
  })

  it("names the caller's bound first when both would be passed", () => {
    const shares = createCallerShares(limits)
    shares.share('a').grow(100)
    shares.share('b').grow(100)
    expect(shares.over('a', 60)).toBe('caller')
    expect(shares.over('c', 60)).toBe('lake')
    expect(shares.over('c', 50)).toBeNull()
    expect(refusal(() => shares.share('a').grow(60))).toBeInstanceOf(CallerBusyError)
  })

  it('lets one share larger than a bound grow while nothing else is held against it', () => {
    const shares = createCallerShares(limits)
    const large = shares.share('a')
    large.grow(30)
    large.grow(270)
    expect(shares.held).toBe(300)
    expect(refusal(() => shares.share('b').grow(1))).toBeInstanceOf(RetryLaterError)
    // Its caller's second is held against the first.
    expect(refusal(() => shares.share('a').grow(1))).toBeInstanceOf(CallerBusyError)
    large.release()
    expect(shares.held).toBe(0)
    expect(shares.share('b').grow(300)).toBeUndefined()
  })

  it('gives back once: a second release, or one after parts, gives nothing more', () => {
    let heard = 0
    const shares = createCallerShares(limits, () => heard++)
    const kept = shares.share('a')
    kept.grow(10)
    const share = shares.share('a')
    share.grow(50)
    share.release()
    share.release()
    expect(shares.heldBy('a')).toBe(10)
    expect(shares.held).toBe(10)
    expect(heard).toBe(1)
    expect(kept.holds).toBe(10)
  })

  it('gives back in parts, never more than the share holds', () => {
    const shares = createCallerShares(limits)
    const other = shares.share('a')
    other.grow(5)
    const share = shares.share('a')
    share.grow(40)
    share.release(15)
    expect(share.holds).toBe(25)
    expect(shares.heldBy('a')).toBe(30)
    share.release(1000)
    share.release(10)
    expect(share.holds).toBe(0)
    expect(shares.heldBy('a')).toBe(5)
    expect(shares.held).toBe(5)
  })

  it("never takes a caller's count below nothing: negative, zero and not-a-number amounts count nothing", () => {
    let heard = 0
    const shares = createCallerShares(limits, () => heard++)
    const share = shares.share('a')
    share.grow(0)
    share.grow(-5)
    share.add(Number.NaN)
    share.release(-5)
    share.release(Number.NaN)
    share.release()
    expect(shares.heldBy('a')).toBe(0)
    expect(shares.held).toBe(0)
    expect(heard).toBe(0)
    share.grow(10)
    share.release(-10)
    expect(shares.heldBy('a')).toBe(10)
  })

  it('counts what must go out past both bounds, and refuses the next', () => {
    const shares = createCallerShares(limits)
    shares.share('a').grow(90)
    const forced = shares.share('a')
    forced.add(500)
    expect(shares.heldBy('a')).toBe(590)
    expect(shares.held).toBe(590)
    expect(refusal(() => shares.share('b').grow(1))).toBeInstanceOf(RetryLaterError)
    forced.release()
    expect(shares.held).toBe(90)
  })
})
