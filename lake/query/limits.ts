/**
 * Limits checked before a query or listener filter is parsed or dispatched: what is refused here
 * costs the lake nothing but this scan. Each refusal says what, where and how to fix it.
 */
import {BadRequestError} from '../core/errors.ts'

export const QUERY_LIMITS = {
  /** Characters of GROQ. Hosted Sanity takes GET URLs up to ~11 kB; POST bodies may be larger. */
  queryLength: 256 * 1024,
  /** Characters of all parameters as JSON. */
  paramsLength: 1024 * 1024,
  /** Depth of (), [] and {} in the query, and of arrays and objects in a parameter. */
  nesting: 64,
} as const

export function checkQueryLimits(query: string, params: Record<string, unknown>): void {
  if (query.length > QUERY_LIMITS.queryLength) {
    throw new BadRequestError(
      `Query is ${query.length} characters long; the limit is ${QUERY_LIMITS.queryLength}. ` +
        'Move long literal lists into parameters or split the query.',
    )
  }
  const depth = queryNesting(query)
  if (depth.depth > QUERY_LIMITS.nesting) {
    throw new BadRequestError(
      `Query nests (), [] or {} ${depth.depth} deep at position ${depth.at}; the limit is ${QUERY_LIMITS.nesting}.`,
    )
  }
  let size = 0
  for (const [name, value] of Object.entries(params)) {
    const json = JSON.stringify(value) ?? ''
    size += name.length + json.length
    if (size > QUERY_LIMITS.paramsLength) {
      throw new BadRequestError(
        `Parameters are larger than ${QUERY_LIMITS.paramsLength} characters of JSON (at $${name}); ` +
          'send fewer or smaller values.',
      )
    }
    const nested = valueNesting(value)
    if (nested > QUERY_LIMITS.nesting) {
      throw new BadRequestError(
        `Parameter $${name} nests arrays or objects ${nested} deep; the limit is ${QUERY_LIMITS.nesting}.`,
      )
    }
  }
}

/** The deepest bracket nesting outside string literals, and where it is first reached. */
function queryNesting(query: string): {depth: number; at: number} {
  let depth = 0
  let max = 0
  let at = 0
  let quote: string | null = null
  for (let i = 0; i < query.length; i++) {
    const char = query[i]
    if (quote) {
      if (char === '\\') i++
      else if (char === quote) quote = null
      continue
    }
    if (char === '"' || char === "'") quote = char
    else if (char === '(' || char === '[' || char === '{') {
      depth++
      if (depth > max) [max, at] = [depth, i]
    } else if (char === ')' || char === ']' || char === '}') depth--
  }
  return {depth: max, at}
}

function valueNesting(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0
  let max = 0
  for (const item of Object.values(value)) max = Math.max(max, valueNesting(item))
  return max + 1
}
