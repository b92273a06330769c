// Bengali (U+09E6–U+09EF) ⇄ ASCII digits, and detection of numbers that mix the two
// (a live Bangladeshi site printed '২০23').

const BN_ZERO = 0x09e6

export function toBengaliDigits(s: string | number): string {
  // String(n) keeps the exact shortest representation; Intl would round or group.
  return String(s).replace(/[0-9]/g, (d) => String.fromCharCode(BN_ZERO + d.charCodeAt(0) - 48))
}

export function toAsciiDigits(s: string): string {
  return s.replace(/[০-৯]/g, (d) => String.fromCharCode(48 + d.charCodeAt(0) - BN_ZERO))
}

// One number: a run of digits, possibly with . or , between digits (১২,৩৪,৫৬৭ or 7.3).
const NUMBER_RUN = /[0-9০-৯]+(?:[.,][0-9০-৯]+)*/g

/** The numbers in `s` that mix Bengali and ASCII digits, e.g. ['২০23'] for 'সাল ২০23'. */
export function mixedDigitRuns(s: string): string[] {
  return (s.match(NUMBER_RUN) ?? []).filter((run) => /[0-9]/.test(run) && /[০-৯]/.test(run))
}

/** True when one number mixes Bengali and ASCII digits ('২০23'); '2023 সালের ১৫' is not mixed. */
export function hasMixedDigits(s: string): boolean {
  return mixedDigitRuns(s).length > 0
}

/** An integer written in Bengali or ASCII digits, with optional sign and grouping commas
 * (Western 1,234,567 or South Asian ১২,৩৪,৫৬৭). Anything else, or beyond the safe integer
 * range, gives null. */
export function parseBengaliInteger(s: string): number | null {
  const ascii = toAsciiDigits(s.trim()).replace(/^[−–]/, '-')
  // Plain digits, or grouped in threes (1,234,567), or the South Asian way: three digits last,
  // pairs before (12,34,567). A comma anywhere else (1,23) is a typo, not a number to guess.
  if (!/^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})*,\d{3})$/.test(ascii)) return null
  const n = Number(ascii.replace(/,/g, ''))
  return Number.isSafeInteger(n) ? (Object.is(n, -0) ? 0 : n) : null
}

// signDisplay 'negative': no minus before a zero (-0, or -0.001 rounded), as 'auto' prints.
const groupedBn = new Intl.NumberFormat('bn-BD', {signDisplay: 'negative'})

/** A number the way Bangladeshi text prints it: Bengali digits, lakh/crore grouping
 * (১২,৩৪,৫৬৭) — Intl bn-BD does the grouping. */
export function formatNumberBn(n: number, options?: Intl.NumberFormatOptions): string {
  return options
    ? new Intl.NumberFormat('bn-BD', {signDisplay: 'negative', ...options}).format(n)
    : groupedBn.format(n)
}
