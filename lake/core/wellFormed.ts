/**
 * Text made well-formed Unicode: each lone UTF-16 surrogate (half of a pair, as `slice` cuts an
 * emoji) replaced by U+FFFD, as a decoder of JSON into Unicode text does (Go's for one). For
 * documents an earlier lake stored so (store/sqliteStore.ts's `lone_surrogates`). Pure.
 */

/**
 * `value` with every string and attribute name well-formed, or null when it has none to change.
 * Documents are at most LIMITS.documentDepth deep, so the recursion is bounded.
 */
export function wellFormedCopy(value: unknown): unknown {
  const copy = repaired(value)
  return copy === value ? null : copy
}

/** `value` itself when nothing in it changes, else a copy. */
function repaired(value: unknown): unknown {
  if (typeof value === 'string') return value.isWellFormed() ? value : value.toWellFormed()
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null
    value.forEach((item, i) => {
      const next = repaired(item)
      if (next !== item) (copy ??= value.slice())[i] = next
    })
    return copy ?? value
  }
  let changed = false
  const entries = Object.entries(value).map(([key, item]): [string, unknown] => {
    const name = key.isWellFormed() ? key : key.toWellFormed()
    const next = repaired(item)
    if (name !== key || next !== item) changed = true
    return [name, next]
  })
  return changed ? Object.fromEntries(entries) : value
}
