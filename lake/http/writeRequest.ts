/** What the two write routes (`data/mutate`, `data/actions`) share: reading the request. */
import type {Context} from 'hono'
import {requireWriter} from '../core/access.ts'
import {BadRequestError} from '../core/errors.ts'
import {checkTransactionSize} from '../core/limits.ts'
import type {CommitRequest, DatasetService} from '../dataset.ts'
import {datasetOf, flag} from './context.ts'
import {requestSignal, sizedJsonBody} from './nodeRequest.ts'
import {checkStillSignedIn, getPrincipal} from './principal.ts'

/**
 * The dataset and the body, a JSON object carrying `field`. Anonymous callers get a 401 and a bad
 * dataset name its error before the body is read; more entries than one transaction may hold, a
 * 400 before any is applied.
 */
export async function writeRequest(
  c: Context,
  field: 'mutations' | 'actions',
): Promise<{dataset: DatasetService; body: Record<string, unknown>; length: number}> {
  requireWriter(getPrincipal(c))
  const dataset = datasetOf(c)
  const {value: body, length} = await sizedJsonBody<unknown>(c)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError(`Body must be an object with "${field}"`)
  }
  checkTransactionSize(field, (body as Record<string, unknown>)[field])
  return {dataset, body: body as Record<string, unknown>, length}
}

/**
 * A write request for the dataset service: its transaction id and dry-run flag (body or query
 * string), its length, its client's disconnect, and the token checked again in the write lock.
 */
export function commitRequest(
  c: Context,
  body: Record<string, unknown>,
  transactionId: unknown,
  length: number,
): CommitRequest {
  return {
    transactionId,
    dryRun: body.dryRun === true || flag(c, 'dryRun'),
    length,
    signal: () => requestSignal(c),
    // Its token may have been revoked while its queries ran or its transaction was built.
    signedIn: () => checkStillSignedIn(c),
  }
}
