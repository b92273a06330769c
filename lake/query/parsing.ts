/**
 * Where GROQ texts are parsed. Every parse outside core/query.ts goes through `parseGroq`, which
 * announces a text it does not find in the parse cache on the `lake:groq:parse` diagnostics
 * channel before parsing it. A channel's subscribers hear only their own thread, so one on the
 * event loop hears exactly the texts the event loop parses (queries, listener filters), none a
 * query thread parses: what the 16 KiB rule (core/limits.ts parsesInPlace) promises, checked
 * without timing. Nothing is published while nobody listens.
 */
import {channel} from 'node:diagnostics_channel'
import type {ExprNode} from 'groq-js'
import {parseCached, parseQuery} from '../core/query.ts'

export const PARSE_CHANNEL = 'lake:groq:parse'

/** What `lake:groq:parse` carries: the text about to be parsed in the publishing thread. */
export interface ParseMessage {
  query: string
}

const parses = channel(PARSE_CHANNEL)

/** parseQuery, announced on PARSE_CHANNEL when it will parse (not a cache hit). */
export function parseGroq(
  query: string,
  params: Record<string, unknown> = {},
  caller?: {kind: string},
): ExprNode {
  if (parses.hasSubscribers && !parseCached(query, params)) {
    parses.publish({query} satisfies ParseMessage)
  }
  return parseQuery(query, params, caller)
}
