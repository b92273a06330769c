/** `POST /v{ver}/data/actions/{dataset}`: the Studio's document actions, one transaction per request. */
import {Hono} from 'hono'
import {BadRequestError} from '../../core/errors.ts'
import {applyActions} from '../../core/actions.ts'
import {runTransaction} from '../../core/transaction.ts'
import {authorizeChange, identityOf, requireWriter} from '../authorize.ts'
import {flag, lakeOf} from '../context.ts'

export const actionRoutes = new Hono()

actionRoutes.post('/:version{v[^/]+}/data/actions/:dataset', async (c) => {
  requireWriter(c)
  const lake = lakeOf(c)
  const store = lake.store(c.req.param('dataset'))
  const body = await c.req.json<Record<string, unknown>>()
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('Body must be an object with "actions"')
  }
  if (body.transactionId !== undefined && typeof body.transactionId !== 'string') {
    throw new BadRequestError('"transactionId" must be a string')
  }
  const outcome = await runTransaction(
    {
      store,
      bus: lake.bus,
      identity: identityOf(c),
      now: lake.now,
      transactionId: body.transactionId,
      dryRun: body.dryRun === true || flag(c, 'dryRun'),
      authorize: (change) => authorizeChange(c, change),
    },
    (ws) => applyActions(ws, body.actions),
  )
  return c.json({transactionId: outcome.transaction.id})
})
