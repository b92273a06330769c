/** Result normalisation shared by the GROQ conformance and differential suites. */

/** Attributes every stored document gains in a Content Lake; the suite's datasets lack them. */
export const LAKE_SYSTEM_ATTRIBUTES = new Set(['_rev', '_createdAt', '_updatedAt'])

/**
 * Replaces `_score` with its rank `_pos` (1 = best), as groq-js's suite harness does: scores are
 * implementation-specific, their order is not.
 */
export function rankScores(value: unknown): unknown {
  const copy = structuredClone(value)
  const scores = new Set<number>()
  const entries: Record<string, unknown>[] = []
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit)
    } else if (node && typeof node === 'object') {
      const object = node as Record<string, unknown>
      if (typeof object._score === 'number') {
        entries.push(object)
        scores.add(object._score)
      }
      Object.values(object).forEach(visit)
    }
  }
  visit(copy)
  const ranked = [...scores].sort((a, b) => b - a)
  for (const entry of entries) {
    entry._pos = ranked.indexOf(entry._score as number) + 1
    delete entry._score
  }
  return copy
}

/**
 * Drops the lake's system attributes from objects in `actual` wherever the expected object at the
 * same place does not have them: the lake stamps `_rev`/`_createdAt`/`_updatedAt` on every stored
 * document, the suite's expected results were computed over documents without them.
 */
export function withoutLakeSystemAttributes(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(actual)) {
    return actual.map((item, index) =>
      withoutLakeSystemAttributes(item, Array.isArray(expected) ? expected[index] : undefined),
    )
  }
  if (actual && typeof actual === 'object') {
    const expectedObject =
      expected && typeof expected === 'object' && !Array.isArray(expected)
        ? (expected as Record<string, unknown>)
        : undefined
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(actual)) {
      if (LAKE_SYSTEM_ATTRIBUTES.has(key) && !(expectedObject && key in expectedObject)) continue
      out[key] = withoutLakeSystemAttributes(value, expectedObject?.[key])
    }
    return out
  }
  return actual
}

/** A canonical JSON string (object keys sorted), for multiset comparison of unordered results. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, node: unknown) => {
    if (node && typeof node === 'object' && !Array.isArray(node)) {
      return Object.fromEntries(
        Object.entries(node as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
      )
    }
    return node
  })
}

/** The elements of a top-level array in canonical order; other values unchanged. */
export function asMultiset(value: unknown): unknown {
  if (!Array.isArray(value)) return value
  return value
    .map((item) => [canonicalJson(item), item] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, item]) => item)
}

/** An answer as JSON, or the message it failed with: both sides may refuse, one alone may not. */
export type Outcome = {value: unknown} | {error: string}

export async function outcome(answer: () => Promise<unknown>): Promise<Outcome> {
  try {
    return {value: JSON.parse(JSON.stringify((await answer()) ?? null)) as unknown}
  } catch (err) {
    return {error: (err as Error).message}
  }
}
