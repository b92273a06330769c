/** `POST /v{ver}/data/actions/{dataset}`: the Studio's document actions, one transaction per request. */
import {Hono} from 'hono'
import {applyActions} from '../../core/actions.ts'
import {getPrincipal} from '../principal.ts'
import {commitRequest, writeRequest} from '../writeRequest.ts'

export const actionRoutes = new Hono()

actionRoutes.post('/:version{v[^/]+}/data/actions/:dataset', async (c) => {
  const {dataset, body} = await writeRequest(c, 'actions')
  const request = {...commitRequest(c, body, body.transactionId), errorType: 'actionError' as const}
  const outcome = await dataset.commit(getPrincipal(c), request, (ws) =>
    applyActions(ws, body.actions),
  )
  return c.json({transactionId: outcome.transaction.id})
})
