/** What the two write routes (`data/mutate`, `data/actions`) share: the request and the transaction. */
import type {Context} from 'hono'
import {BadRequestError} from '../core/errors.ts'
import type {TransactionOptions} from '../core/transaction.ts'
import type {Store} from '../store/types.ts'
import {authorizeChange, identityOf, requireWriter} from './authorize.ts'
import {flag, lakeOf} from './context.ts'

/**
 * The dataset's store and the body, a JSON object carrying `field`. Anonymous callers get a 401
 * and a bad dataset name its error before the body is read.
 */
export async function writeRequest(
  c: Context,
  field: string,
): Promise<{store: Store; body: Record<string, unknown>}> {
  requireWriter(c)
  const store = lakeOf(c).store(c.req.param('dataset')!)
  const body = await c.req.json<unknown>()
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError(`Body must be an object with "${field}"`)
  }
  return {store, body: body as Record<string, unknown>}
}

/** A transaction by the caller, each change checked against their grants before the commit. */
export function writeOptions(
  c: Context,
  store: Store,
  body: Record<string, unknown>,
  transactionId: unknown,
): TransactionOptions {
  if (transactionId !== undefined && typeof transactionId !== 'string') {
    throw new BadRequestError('"transactionId" must be a string')
  }
  const lake = lakeOf(c)
  return {
    store,
    bus: lake.bus,
    identity: identityOf(c),
    now: lake.now,
    transactionId,
    dryRun: body.dryRun === true || flag(c, 'dryRun'),
    authorize: (change) => authorizeChange(c, change),
  }
}
