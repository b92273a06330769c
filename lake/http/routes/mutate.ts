/** `POST /v{ver}/data/mutate/{dataset}`: one atomic transaction of create/delete/patch mutations. */
import {Hono} from 'hono'
import {BadRequestError} from '../../core/errors.ts'
import {applyMutations} from '../../core/mutations.ts'
import {runTransaction} from '../../core/transaction.ts'
import {authorizeChange, identityOf, requireWriter} from '../authorize.ts'
import {flag, lakeOf} from '../context.ts'

export const mutateRoutes = new Hono()

const VISIBILITIES = new Set(['sync', 'async', 'deferred'])

mutateRoutes.post('/:version{v[^/]+}/data/mutate/:dataset', async (c) => {
  requireWriter(c)
  const lake = lakeOf(c)
  const store = lake.store(c.req.param('dataset'))
  const body = await c.req.json<Record<string, unknown>>()
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('Body must be an object with "mutations"')
  }
  const visibility = c.req.query('visibility') ?? 'sync'
  // Every visibility behaves like `sync`: a commit is queryable as soon as it returns.
  if (!VISIBILITIES.has(visibility)) throw new BadRequestError(`Invalid visibility "${visibility}"`)
  const transactionId = body.transactionId ?? c.req.query('transactionId')
  if (transactionId !== undefined && typeof transactionId !== 'string') {
    throw new BadRequestError('"transactionId" must be a string')
  }
  const outcome = await runTransaction(
    {
      store,
      bus: lake.bus,
      identity: identityOf(c),
      now: lake.now,
      transactionId,
      dryRun: flag(c, 'dryRun') || body.dryRun === true,
      authorize: (change) => authorizeChange(c, change),
    },
    (ws) =>
      applyMutations(ws, body.mutations, {autoGenerateArrayKeys: flag(c, 'autoGenerateArrayKeys')}),
  )
  const returnDocuments = flag(c, 'returnDocuments')
  const byId = new Map(outcome.transaction.changes.map((change) => [change.id, change]))
  const results = outcome.result.map(({id, operation}) => {
    if (!returnDocuments) return {id, operation}
    const change = byId.get(id)
    // A deleted document is returned as it was before the delete, as Sanity does.
    const document = change ? (change.after ?? change.before) : store.getDocuments([id])[0]
    return {id, operation, document}
  })
  return c.json({transactionId: outcome.transaction.id, results})
})
