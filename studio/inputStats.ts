// Running totals of what the Bengali inputs add to each keystroke (NFC middleware, grapheme
// counter). Bounded (two counters), so it can stay on in production; the e2e keystroke study reads
// them from `window.__bengaliInputStats` to split a keystroke's cost.

export interface InputCost {
  count: number
  ms: number
}

export const inputStats: {nfc: InputCost; counter: InputCost} = {
  nfc: {count: 0, ms: 0},
  counter: {count: 0, ms: 0},
}

export const INPUT_STATS_GLOBAL = '__bengaliInputStats'

if (typeof window !== 'undefined') {
  ;(window as unknown as Record<string, unknown>)[INPUT_STATS_GLOBAL] = inputStats
}

/** Runs `work`, adding its duration to `cost`. */
export function timed<T>(cost: InputCost, work: () => T): T {
  const started = performance.now()
  try {
    return work()
  } finally {
    cost.count++
    cost.ms += performance.now() - started
  }
}
