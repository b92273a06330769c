/** `POST /v{ver}/data/actions/{dataset}`: the Studio's document actions, one transaction per request. */
import {Hono} from 'hono'
import {getPrincipal} from '../principal.ts'
import {commitRequest, writeRequest} from '../writeRequest.ts'

export const actionRoutes = new Hono()

actionRoutes.post('/:version{v[^/]+}/data/actions/:dataset', async (c) => {
  const {dataset, body, length} = await writeRequest(c, 'actions')
  const request = {
    ...commitRequest(c, body, body.transactionId, length),
    errorType: 'actionError' as const,
  }
  const outcome = await dataset.write(getPrincipal(c), request, {
    kind: 'actions',
    actions: body.actions,
  })
  return c.json({transactionId: outcome.transaction.id})
})
