/** `POST /v{ver}/data/actions/{dataset}`: the Studio's document actions, one transaction per request. */
import {Hono} from 'hono'
import {applyActions} from '../../core/actions.ts'
import {runTransaction} from '../../core/transaction.ts'
import {writeOptions, writeRequest} from '../write.ts'

export const actionRoutes = new Hono()

actionRoutes.post('/:version{v[^/]+}/data/actions/:dataset', async (c) => {
  const {store, body} = await writeRequest(c, 'actions')
  const options = writeOptions(c, store, body, body.transactionId)
  const outcome = await runTransaction({...options, errorType: 'actionError'}, (ws) =>
    applyActions(ws, body.actions),
  )
  return c.json({transactionId: outcome.transaction.id})
})
