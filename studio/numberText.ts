// A number field's text in Bengali: what an editor types (Bengali or ASCII digits, grouping commas
// either way) to the number stored, and the stored number back in Bengali digits, as the Studio's
// counters show numbers.
import {toAsciiDigits, toBengaliDigits} from '../bangla/index.ts'

// Western (1,234,567) or South Asian (১২,৩৪,৫৬৭) grouping, or none; then an optional fraction
// (7. reads as 7: it is on the way to 7.5).
const NUMBER = /^[+-]?(?:\d{1,3}(?:,\d{2,3})+|\d+)(?:\.\d*)?$|^[+-]?\.\d+$/
// Text on the way to a number: a lone sign or point, or a group begun after a comma.
const PARTIAL = /^[+-]?\.?$|^[+-]?\d{1,3}(?:,\d{2,3})*,\d{0,2}$/

function ascii(text: string): string {
  return toAsciiDigits(text.trim()).replace(/^[−–]/, '-')
}

/** The number in `text`; undefined for an empty box (no value), null for anything else. */
export function parseNumberText(text: string): number | undefined | null {
  const typed = ascii(text)
  if (typed === '') return undefined
  if (!NUMBER.test(typed)) return null
  const digits = typed.replace(/,/g, '')
  const n = Number(digits)
  if (!Number.isFinite(n)) return null
  // Past 2^53 a typed integer may be stored as another one (9007199254740993 as ...992): take it
  // only when it is the number as shown, so a stored 1e21 reads back and a mistyped digit is refused.
  if (Math.abs(n) > Number.MAX_SAFE_INTEGER && plainDigits(n) !== canonical(digits)) return null
  return Object.is(n, -0) ? 0 : n
}

/** Whether `text` is unfinished rather than wrong (-, ., ১,): no number yet, and no complaint. */
export function isPartialNumberText(text: string): boolean {
  return PARTIAL.test(ascii(text))
}

/** The number in Bengali digits (its shortest exact form, no grouping, no exponent). */
export function formatNumberText(n: number): string {
  return toBengaliDigits(plainDigits(n))
}

// String(n) without its exponent (1e21, 1e-7): the same shortest digits, the point moved, which
// the field reads back as the same number.
function plainDigits(n: number): string {
  const shown = String(Object.is(n, -0) ? 0 : n)
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(shown)
  if (!match) return shown
  const [, sign, lead, rest = '', exp] = match
  const mantissa = lead + rest
  const point = 1 + Number(exp)
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${mantissa}`
  return `${sign}${mantissa.padEnd(point, '0')}`
}

// Typed digits as String would write them: no plus, no leading zeros, no trailing point or zeros.
function canonical(digits: string): string {
  let [whole = '', fraction = ''] = digits.replace(/^\+/, '').split('.')
  const sign = whole.startsWith('-') ? '-' : ''
  whole = whole.replace(/^-/, '').replace(/^0+(?=\d)/, '')
  fraction = fraction.replace(/0+$/, '')
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`
}
