import {describe, expect, it} from 'vitest'
import {wellFormedCopy} from '../../../lake/core/wellFormed.ts'

describe('wellFormedCopy', () => {
  it('replaces each lone surrogate by U+FFFD in values and attribute names, in a copy', () => {
    const doc = {a: 'x\ud83d', 'k\udc00': [1, {t: '\udfffy\ud800'}], whole: 'a😀b', n: null}
    const copy = wellFormedCopy(doc)
    expect(copy).toEqual({
      a: 'x\ufffd',
      'k\ufffd': [1, {t: '\ufffdy\ufffd'}],
      whole: 'a😀b',
      n: null,
    })
    // The original is left as it was.
    expect(doc.a).toBe('x\ud83d')
  })

  it('is null when there is nothing to change, whatever the text looks like', () => {
    expect(wellFormedCopy({a: 'a\\ud83d', b: ['😀', {c: 1}], d: true})).toBeNull()
    expect(wellFormedCopy('plain')).toBeNull()
  })
})
