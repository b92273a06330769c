/**
 * Seeded newsroom material for generated data (the bench's datasets, the differential suite's
 * datasets and queries): one PRNG and one word list, so the same seed gives the same data in both.
 */

export type Random = {
  /** A number in [0, 1). */
  next(): number
  /** An integer in [min, max]. */
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
  chance(probability: number): boolean
  /** Up to `max` picks (repeats allowed). */
  some<T>(items: readonly T[], max: number): T[]
}

/** mulberry32: small, fast and good enough to spread test cases; never for anything secret. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!
  return {
    next,
    int,
    pick,
    chance: (probability) => next() < probability,
    some: (items, max) => {
      const count = int(0, max)
      const out: (typeof items)[number][] = []
      for (let i = 0; i < count; i++) out.push(pick(items))
      return out
    },
  }
}

/** Newsroom words (Bengali, plus two Latin ones so mixed-script text is exercised). */
export const WORDS = [
  'বাজেট',
  'নির্বাচন',
  'বন্যা',
  'ক্রিকেট',
  'অর্থনীতি',
  'প্রধানমন্ত্রী',
  'ঢাকা',
  'চট্টগ্রাম',
  'সংসদ',
  'শিক্ষা',
  'স্বাস্থ্য',
  'রপ্তানি',
  'পোশাক',
  'বিদ্যুৎ',
  'মেট্রোরেল',
  'ঈদ',
  'পদ্মা',
  'সেতু',
  'আবহাওয়া',
  'সরকার',
  'বৈঠক',
  'budget',
  'Dhaka',
] as const

export const SECTIONS = ['জাতীয়', 'রাজনীতি', 'খেলা', 'বাণিজ্য', 'বিনোদন', 'আন্তর্জাতিক'] as const

/** `count` words picked from WORDS, joined by spaces. */
export function sentence(random: Random, count: number): string {
  return Array.from({length: count}, () => random.pick(WORDS)).join(' ')
}
