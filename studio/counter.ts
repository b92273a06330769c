// The grapheme counter under a text field: '৪২ / ৯০ অক্ষর', in Bengali digits.
import {toBengaliDigits} from '../bangla/index.ts'
import {bn} from './locale/bn.ts'

export type CounterLimit = {warn?: number; max: number}
export type CounterTone = 'default' | 'caution' | 'critical'

const digits = (n: number): string => toBengaliDigits(String(n))

/** The counter's text and tone; the denominator is the soft limit when there is one. */
export function counterLabel(
  count: number,
  limit: CounterLimit,
): {text: string; tone: CounterTone} {
  const shown = limit.warn ?? limit.max
  let text = `${digits(count)} / ${digits(shown)} ${bn.counter.unit}`
  if (limit.warn !== undefined && count > limit.warn) {
    text += ` · ${bn.counter.max} ${digits(limit.max)}`
  }
  const tone: CounterTone =
    count > limit.max
      ? 'critical'
      : limit.warn !== undefined && count > limit.warn
        ? 'caution'
        : 'default'
  return {text, tone}
}
