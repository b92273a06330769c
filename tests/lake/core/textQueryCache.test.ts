/**
 * `text::query`'s parsed queries, kept for the candidates that ask again: anyone may send the
 * query text (a parameter of up to a mebibyte), so what they keep is bounded by its characters.
 */
import {describe, expect, test} from 'vitest'
import {matchBound, textQueryCacheSize} from '../../../lake/core/textQueryRewrite.ts'

describe("text::query's parsed queries", () => {
  test('are bounded by their text, not only by their number', () => {
    // 4,000 characters each: 256 of them held a million characters (and their terms) before.
    const queryOf = (i: number) =>
      Array.from({length: 500}, (_, k) => `w${i}x${k}`.padEnd(7, 'z')).join(' ')
    for (let i = 0; i < 300; i++) matchBound(queryOf(i))
    const held = textQueryCacheSize()
    expect(held.chars).toBeLessThanOrEqual(256 * 1024)
    // As many of the most recent as fit are kept (core/lru.ts), not none.
    expect(held.entries).toBe(Math.floor((256 * 1024) / queryOf(299).length))
  })
})
