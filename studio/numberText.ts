// A number field's text in Bengali: what an editor types (Bengali or ASCII digits, grouping commas
// either way) to the number stored, and the stored number back in Bengali digits, as the Studio's
// counters show numbers.
import {toAsciiDigits, toBengaliDigits} from '../bangla/index.ts'

// Western (1,234,567) or South Asian (১২,৩৪,৫৬৭) grouping, or none; then an optional fraction.
const NUMBER = /^[+-]?(?:\d{1,3}(?:,\d{2,3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$/

/** The number in `text`; undefined for an empty box (no value), null for anything else. */
export function parseNumberText(text: string): number | undefined | null {
  const ascii = toAsciiDigits(text.trim()).replace(/^[−–]/, '-')
  if (ascii === '') return undefined
  if (!NUMBER.test(ascii)) return null
  const n = Number(ascii.replace(/,/g, ''))
  // Past 2^53 a typed integer would be stored as another one (the Studio's own bound too).
  if (!Number.isFinite(n) || Math.abs(n) > Number.MAX_SAFE_INTEGER) return null
  return Object.is(n, -0) ? 0 : n
}

/** The number in Bengali digits (its shortest exact form, no grouping). */
export function formatNumberText(n: number): string {
  return toBengaliDigits(String(n))
}
