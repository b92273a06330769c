/** `POST /v{ver}/data/actions/{dataset}`: the Studio's document actions, one transaction per request. */
import {Hono} from 'hono'
import {asActionError} from '../../core/errors.ts'
import {getPrincipal} from '../principal.ts'
import {commitRequest, writeRequest} from '../writeRequest.ts'

export const actionRoutes = new Hono()

actionRoutes.post('/:version{v[^/]+}/data/actions/:dataset', async (c) => {
  const read = await writeRequest(c, 'actions')
  const request = {
    ...commitRequest(c, read, read.transactionId),
    errorType: 'actionError' as const,
  }
  const outcome = await read.dataset
    .write(getPrincipal(c), request, read.writes)
    .catch((err: unknown) => {
      throw asActionError(err)
    })
  return c.json({transactionId: outcome.transaction.id})
})
