// The grapheme counter under a text field: '৪২ / ৯০ অক্ষর', in Bengali digits.
import {toBengaliDigits} from '../bangla/index.ts'
import {bn} from './locale/bn.ts'

export type CounterLimit = {warn?: number; max: number}
export type CounterTone = 'default' | 'caution' | 'critical'

/** The counter's text and tone; the denominator is the soft limit when there is one. */
export function counterLabel(
  count: number,
  limit: CounterLimit,
): {text: string; tone: CounterTone} {
  const overWarn = limit.warn !== undefined && count > limit.warn
  const shown = toBengaliDigits(limit.warn ?? limit.max)
  let text = `${toBengaliDigits(count)} / ${shown} ${bn.counter.unit}`
  if (overWarn) text += ` · ${bn.counter.max} ${toBengaliDigits(limit.max)}`
  const tone: CounterTone = count > limit.max ? 'critical' : overWarn ? 'caution' : 'default'
  return {text, tone}
}
