// The grapheme counter's text and tone, in Bengali digits.
import {describe, expect, it} from 'vitest'
import {counterLabel} from '../../studio/counter.ts'

describe('counterLabel', () => {
  const title = {warn: 90, max: 150}
  it('shows count against the soft limit', () => {
    expect(counterLabel(42, title)).toEqual({text: '৪২ / ৯০ অক্ষর', tone: 'default'})
    expect(counterLabel(90, title)).toEqual({text: '৯০ / ৯০ অক্ষর', tone: 'default'})
  })
  it('turns to caution past the soft limit and names the hard one', () => {
    expect(counterLabel(95, title)).toEqual({text: '৯৫ / ৯০ অক্ষর · সর্বোচ্চ ১৫০', tone: 'caution'})
  })
  it('turns critical past the hard limit', () => {
    expect(counterLabel(151, title).tone).toBe('critical')
    expect(counterLabel(121, {max: 120})).toEqual({text: '১২১ / ১২০ অক্ষর', tone: 'critical'})
    expect(counterLabel(0, {max: 120})).toEqual({text: '০ / ১২০ অক্ষর', tone: 'default'})
  })
})
