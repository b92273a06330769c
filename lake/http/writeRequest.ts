/** What the two write routes (`data/mutate`, `data/actions`) share: reading the request. */
import type {Context} from 'hono'
import {requireWriter} from '../core/access.ts'
import {BadRequestError} from '../core/errors.ts'
import {checkTransactionSize} from '../core/limits.ts'
import type {CommitRequest, DatasetService} from '../dataset.ts'
import {datasetOf, flag} from './context.ts'
import {jsonBody} from './nodeRequest.ts'
import {getPrincipal} from './principal.ts'

/**
 * The dataset and the body, a JSON object carrying `field`. Anonymous callers get a 401 and a bad
 * dataset name its error before the body is read; more entries than one transaction may hold, a
 * 400 before any is applied.
 */
export async function writeRequest(
  c: Context,
  field: 'mutations' | 'actions',
): Promise<{dataset: DatasetService; body: Record<string, unknown>}> {
  requireWriter(getPrincipal(c))
  const dataset = datasetOf(c)
  const body = await jsonBody<unknown>(c)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError(`Body must be an object with "${field}"`)
  }
  checkTransactionSize(field, (body as Record<string, unknown>)[field])
  return {dataset, body: body as Record<string, unknown>}
}

/** The transaction id and dry-run flag of a write request (body or query string). */
export function commitRequest(
  c: Context,
  body: Record<string, unknown>,
  transactionId: unknown,
): CommitRequest {
  return {transactionId, dryRun: body.dryRun === true || flag(c, 'dryRun')}
}
