/**
 * `text::query`'s parsed queries, kept for the candidates that ask again: anyone may send the
 * query text (a parameter of up to a mebibyte), so what they keep is bounded by its characters.
 */
import {describe, expect, test} from 'vitest'
import {
  matchBound,
  textQueryCacheSize,
  textQueryCached,
} from '../../../lake/core/textQueryRewrite.ts'

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

  test('keep a query asked for between others while a flood of new ones passes', () => {
    // The hot path keeps a query without touching the cache; the cache must still hear that it
    // is in use, or a flood of one-off queries pushes out the one every scan asks for.
    const hot = 'ঢাকা নির্বাচন'
    matchBound(hot)
    for (let i = 0; i < 2000; i++) {
      matchBound(`flood${i} word${i}`)
      matchBound(hot)
      matchBound(hot)
    }
    // The hot query is now the most recent: 255 more pass without pushing it out.
    for (let i = 0; i < 255; i++) matchBound(`after${i} word${i}`)
    expect(textQueryCached(hot)).toBe(true)
    expect(textQueryCached('flood0 word0')).toBe(false)
    expect(textQueryCacheSize().entries).toBeLessThanOrEqual(256)
  })
})
