/**
 * A cache of the most recently used entries within a number of entries and a total weight (what
 * each entry holds, by `weigh`): the caches anyone can fill with requests are bounded by what they
 * hold, not only by how many. An entry heavier than the whole budget is not kept.
 */
export interface Lru<K, V> {
  /** The value, now the most recently used; undefined when not kept. */
  get(key: K): V | undefined
  /** Keeps the value (replacing any), then forgets the least recently used past the bounds. */
  set(key: K, value: V): void
  readonly size: number
  /** The entries' weights in all. */
  readonly weight: number
}

export function createLru<K, V>(
  limits: {entries: number; weight: number},
  weigh: (key: K, value: V) => number,
): Lru<K, V> {
  const entries = new Map<K, {value: V; weight: number}>()
  let total = 0
  const forget = (key: K) => {
    const entry = entries.get(key)
    if (!entry) return
    entries.delete(key)
    total -= entry.weight
  }
  return {
    get(key) {
      const entry = entries.get(key)
      if (!entry) return undefined
      entries.delete(key)
      entries.set(key, entry)
      return entry.value
    },
    set(key, value) {
      forget(key)
      const weight = weigh(key, value)
      if (weight > limits.weight) return
      entries.set(key, {value, weight})
      total += weight
      for (const oldest of entries.keys()) {
        if (entries.size <= limits.entries && total <= limits.weight) break
        forget(oldest)
      }
    },
    get size() {
      return entries.size
    },
    get weight() {
      return total
    },
  }
}
