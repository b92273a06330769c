/**
 * A write request as data (the mutate API's mutations or the Actions API's actions): what the
 * dataset service applies in place or sends to a query worker to build (a closure cannot cross a
 * thread), and how much work it may take.
 */
import {actionWalks, applyActions} from './actions.ts'
import {
  applyMutations,
  mutationWalks,
  walkedBytes,
  type MutateOptions,
  type MutationResult,
  type Walks,
} from './mutations.ts'
import type {WorkingSet} from './transaction.ts'

export type Writes =
  | {
      kind: 'mutations'
      mutations: unknown
      autoGenerateArrayKeys?: boolean
      matched?: MutateOptions['matched']
    }
  | {kind: 'actions'; actions: unknown}

/** Applies the writes to a working set: the mutations' results, or none for actions. */
export async function applyWrites(ws: WorkingSet, writes: Writes): Promise<MutationResult[]> {
  if (writes.kind === 'actions') {
    applyActions(ws, writes.actions)
    return []
  }
  const {autoGenerateArrayKeys, matched} = writes
  return applyMutations(ws, writes.mutations, {autoGenerateArrayKeys, matched})
}

/**
 * Bytes the writes may walk (walkedBytes), their request's bytes included (or
 * those alone, once they pass IN_PLACE_WRITE_BYTES): a bound, not a measure, so that the Studio's
 * keystrokes and one-document writes stay in place while an editor's many patches of a large
 * draft cannot hold the event loop.
 */
export function writesWork(
  writes: Writes,
  requestBytes: number,
  storedBytes: (ids: readonly string[]) => readonly number[],
): number {
  // Past the bound on its own: weighing the rest would only walk the request on the event loop.
  if (requestBytes > IN_PLACE_WRITE_BYTES) return requestBytes
  return requestBytes + walkedBytes(writeWalks(writes), storedBytes)
}

/** The documents the writes name (or their queries matched), with what writesWork weighs. */
export function writeWalks(writes: Writes): Walks {
  return writes.kind === 'actions'
    ? actionWalks(writes.actions)
    : mutationWalks(writes.mutations, writes.matched)
}

/**
 * Writes whose work passes this are built on a query worker (docs/query-engine.md#writes-off-the-event-loop).
 * A patch of a 50 kB draft costs about 0.1 ms in place; building a transaction on a worker costs
 * a thread hop and a second read of its documents. 1 MiB is some milliseconds of walking.
 */
export const IN_PLACE_WRITE_BYTES = 1024 * 1024
