/**
 * A cache of the most recently used entries within a number of entries and a total weight (what
 * each entry holds, by `weigh`): the caches anyone can fill with requests are bounded by what they
 * hold, not only by how many. An entry heavier than the whole budget is not kept.
 *
 * `onEvict` hears every value the cache lets go of on its own (pushed out past the bounds, or
 * refused as too heavy), after the cache is consistent again, so it may hand the value elsewhere
 * (a registry that keeps what is still in use) or release what it holds. A value replaced by
 * `set` or taken out by `delete` is the caller's and is not passed to it.
 */
export interface Lru<K, V> {
  /** The value, now the most recently used; undefined when not kept. */
  get(key: K): V | undefined
  /** The value without making it the most recently used. */
  peek(key: K): V | undefined
  /** Keeps the value (replacing any), then forgets the least recently used past the bounds. */
  set(key: K, value: V): void
  /** Takes the entry out (without onEvict); its value, or undefined when not kept. */
  delete(key: K): V | undefined
  /** Takes every entry out (without onEvict). */
  clear(): void
  /** The entries, least recently used first. */
  entries(): IterableIterator<[K, V]>
  readonly size: number
  /** The entries' weights in all. */
  readonly weight: number
}

export interface LruHooks<K, V> {
  /** A value the cache let go of on its own: past its bounds, or too heavy to keep. */
  onEvict?: (key: K, value: V) => void
}

export function createLru<K, V>(
  limits: {entries: number; weight: number},
  weigh: (key: K, value: V) => number,
  hooks: LruHooks<K, V> = {},
): Lru<K, V> {
  const entries = new Map<K, {value: V; weight: number}>()
  let total = 0
  const take = (key: K): V | undefined => {
    const entry = entries.get(key)
    if (!entry) return undefined
    entries.delete(key)
    total -= entry.weight
    return entry.value
  }
  const evict = (evicted: [K, V][]) => {
    if (!hooks.onEvict) return
    for (const [key, value] of evicted) hooks.onEvict(key, value)
  }
  return {
    get(key) {
      const entry = entries.get(key)
      if (!entry) return undefined
      entries.delete(key)
      entries.set(key, entry)
      return entry.value
    },
    peek: (key) => entries.get(key)?.value,
    set(key, value) {
      take(key)
      const weight = weigh(key, value)
      if (!(weight <= limits.weight)) return evict([[key, value]])
      entries.set(key, {value, weight})
      total += weight
      const evicted: [K, V][] = []
      for (const [oldest, entry] of entries) {
        if (entries.size <= limits.entries && total <= limits.weight) break
        take(oldest)
        evicted.push([oldest, entry.value])
      }
      evict(evicted)
    },
    delete: take,
    clear() {
      entries.clear()
      total = 0
    },
    *entries() {
      for (const [key, entry] of entries) yield [key, entry.value]
    },
    get size() {
      return entries.size
    },
    get weight() {
      return total
    },
  }
}
