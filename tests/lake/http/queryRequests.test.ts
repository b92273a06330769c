import {describe, expect, it} from 'vitest'
import {CallerBusyError, RetryLaterError} from '../../../lake/core/errors.ts'
import {createQueryRequests} from '../../../lake/http/queryRequests.ts'

const limits = {callerBytes: 100, lakeBytes: 250}

describe('createQueryRequests', () => {
  it("refuses a caller past its share with a 429's error, others still taken", () => {
    const memory = createQueryRequests(limits)
    memory.hold('a').grow(60)
    const second = memory.hold('a')
    second.grow(40)
    expect(() => memory.hold('a').grow(1)).toThrow(CallerBusyError)
    expect(() => memory.hold('a').grow(1)).toThrow(/hold 100 bytes \(at most 100\)/)
    memory.hold('b').grow(100)
    expect(memory.heldBy('a')).toBe(100)
    expect(memory.held).toBe(200)
    second.release()
    second.release()
    expect(memory.heldBy('a')).toBe(60)
    memory.hold('a').grow(40)
  })

  it("refuses past the lake's bound with a 503's lakeBusyError", () => {
    const memory = createQueryRequests(limits)
    memory.hold('a').grow(100)
    memory.hold('b').grow(100)
    let err: unknown
    try {
      memory.hold('c').grow(51)
    } catch (thrown) {
      err = thrown
    }
    expect(err).toBeInstanceOf(RetryLaterError)
    expect((err as RetryLaterError).type).toBe('lakeBusyError')
    expect((err as RetryLaterError).retryAfterSeconds).toBeGreaterThan(0)
    memory.hold('c').grow(50)
    expect(memory.held).toBe(250)
  })

  it('lets a request larger than a share grow while nothing else is held against it', () => {
    const memory = createQueryRequests(limits)
    const large = memory.hold('a')
    large.grow(30)
    large.grow(270)
    expect(memory.held).toBe(300)
    // Now nothing else of anyone's.
    expect(() => memory.hold('b').grow(1)).toThrow(RetryLaterError)
    large.release()
    expect(memory.held).toBe(0)
    expect(memory.heldBy('a')).toBe(0)
  })

  it('counts nothing of a refused growth', () => {
    const memory = createQueryRequests(limits)
    memory.hold('a').grow(90)
    const hold = memory.hold('a')
    hold.grow(5)
    expect(() => hold.grow(10)).toThrow(CallerBusyError)
    expect(memory.heldBy('a')).toBe(95)
    hold.release()
    expect(memory.heldBy('a')).toBe(90)
  })
})
