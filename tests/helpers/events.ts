import type {CommittedTransaction} from '../../lake/core/types.ts'
import {eventJson, eventsFor} from '../../lake/listen/events.ts'

/**
 * Every kind of event a listener can ask for about `tx`, as its stream writes them (a line of
 * JSON each): for comparing two ways of committing the same change byte for byte.
 */
export function eventLines(tx: CommittedTransaction): string[] {
  const options = {
    includeResult: true,
    includePreviousRevision: true,
    includeMutations: true,
    includeAllVersions: true,
    visibility: 'query' as const,
    effectFormat: 'mendoza' as const,
  }
  return eventsFor(
    tx,
    () => true,
    options,
    () => true,
  ).map((event) => eventJson(event))
}
