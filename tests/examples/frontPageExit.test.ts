/**
 * `npm run example`'s exit code once Next has ended: its --help says 0 done, and Ctrl-C (or a
 * SIGTERM) is the normal way to stop it. On main a Next ended by a signal made it exit 1.
 */
import {describe, expect, it} from 'vitest'
import {exitCodeOf} from '../../examples/front-page/exitCode.ts'

describe("the example front page's exit code", () => {
  it.each([
    ['SIGINT', 0],
    ['SIGTERM', 0],
    ['SIGKILL', 1],
    ['SIGSEGV', 1],
  ] as const)('is %s → %i when Next ends by that signal', (signal, exit) => {
    expect(exitCodeOf(null, signal)).toBe(exit)
  })

  it("is Next's own exit code otherwise", () => {
    expect(exitCodeOf(0, null)).toBe(0)
    expect(exitCodeOf(1, null)).toBe(1)
    expect(exitCodeOf(3, null)).toBe(3)
  })
})
