/** What the two write routes (`data/mutate`, `data/actions`) share: reading the request. */
import type {Context} from 'hono'
import {requireWriter} from '../core/access.ts'
import {mutationQueries, type MutationQuery} from '../core/mutations.ts'
import {
  checkWriteBody,
  READ_ON_THREAD_BYTES,
  refuseDeepWriteBody,
  type WriteField,
  type Writes,
} from '../core/writes.ts'
import {bodyPatchPaths, PATCH_PATHS_IN_PLACE} from '../core/patchPaths.ts'
import type {CommitRequest, DatasetService} from '../dataset.ts'
import {datasetOf, flag, lakeOf} from './context.ts'
import {bodyLimitOf} from './limits.ts'
import {requestSignal, writeBody} from './nodeRequest.ts'
import {checkStillSignedIn, getPrincipal} from './principal.ts'

/** A write request as read: the body's transaction id and dry-run flag, its writes, its length. */
export interface WriteRequest {
  dataset: DatasetService
  transactionId: unknown
  /** `dryRun: true` in the body. */
  dryRun: boolean
  /** The length of its JSON (characters; bytes for a body read on a write thread). */
  length: number
  /** The writes, or the body's bytes when it is read where it is built (`kind: 'body'`). */
  writes: Writes
  /** The mutations' queries to match (mutate); throws the 400 of a malformed mutation. */
  queries(): MutationQuery[]
  /** When the body was received (epoch ms): the write's deadline counts from here. */
  since: number
}

/**
 * The dataset and the body, a JSON object carrying `field`. Anonymous callers get a 401 and a bad
 * dataset name its error before the body is read; more entries than one transaction may hold, a
 * 400 before any is applied. A body past READ_ON_THREAD_BYTES, which is built on a write thread
 * anyway, is read there too (docs/query-engine.md#writes-off-the-event-loop): the same 400s. One
 * sent chunked is counted against the body limit here (413), after the caller's role. So is one
 * of more than PATCH_PATHS_IN_PLACE patch paths, however small.
 */
export async function writeRequest(c: Context, field: WriteField): Promise<WriteRequest> {
  requireWriter(getPrincipal(c))
  const dataset = await datasetOf(c)
  const lake = lakeOf(c)
  const body = await writeBody(
    c,
    READ_ON_THREAD_BYTES,
    bodyLimitOf(c),
    lake.bodyMemory,
    lake.bodyArrival,
    (bytes) => {
      // Its depth from its bytes before the parse: 1,000,000 nested brackets took ~2 s to parse.
      refuseDeepWriteBody(bytes, field)
      return manyPatchPaths(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))
    },
  )
  const since = Date.now()
  if ('shared' in body) {
    const bytes = body.shared
    const holder = getPrincipal(c).id
    const head = await dataset.readWrites(bytes, field, {signal: requestSignal(c), since, holder})
    return {
      dataset,
      transactionId: head.transactionId,
      dryRun: head.dryRun,
      length: bytes.length,
      writes: {kind: 'body', field, bytes, ids: head.ids},
      since,
      queries() {
        if (head.malformed) throw head.malformed
        return head.queries
      },
    }
  }
  const checked = checkWriteBody(body.value, field)
  return {
    dataset,
    transactionId: checked.transactionId,
    dryRun: checked.dryRun === true,
    length: body.length,
    writes:
      field === 'actions'
        ? {kind: 'actions', actions: checked.actions}
        : {kind: 'mutations', mutations: checked.mutations},
    queries: () => mutationQueries(checked.mutations),
    since,
  }
}

/**
 * A write request for the dataset service: its transaction id and dry-run flag (body or query
 * string), its length, its client's disconnect, and the token checked again in the write lock.
 */
export function commitRequest(
  c: Context,
  request: WriteRequest,
  transactionId: unknown,
): CommitRequest {
  // The URL's flag is read (and checked) whatever the body says: a body's true skipped it, so a
  // malformed or repeated one answered 200.
  const dryRunInUrl = flag(c, 'dryRun')
  return {
    transactionId,
    dryRun: request.dryRun || dryRunInUrl,
    length: request.length,
    // One deadline for the request: its reading, its queries' matching, every build and wait.
    since: request.since,
    signal: () => requestSignal(c),
    // Its token may have been revoked while its queries ran or its transaction was built.
    signedIn: () => checkStillSignedIn(c),
  }
}

/**
 * Whether a body carries more patch paths than the event loop reads (PATCH_PATHS_IN_PLACE). A body
 * holding neither `patch` nor a `\u` escape (which could spell it) has none: a bulk load's batch is
 * not scanned twice.
 */
function manyPatchPaths(bytes: Buffer): boolean {
  if (!bytes.includes('patch') && !bytes.includes('\\u')) return false
  return bodyPatchPaths(bytes, PATCH_PATHS_IN_PLACE) > PATCH_PATHS_IN_PLACE
}
