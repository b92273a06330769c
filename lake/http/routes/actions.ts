/** `POST /v{ver}/data/actions/{dataset}`: the Studio's document actions, one transaction per request. */
import {Hono} from 'hono'
import {asActionError} from '../../core/errors.ts'
import type {Writes} from '../../core/writes.ts'
import {flag} from '../context.ts'
import {getPrincipal} from '../principal.ts'
import {commitRequest, writeRequest} from '../writeRequest.ts'

export const actionRoutes = new Hono()

actionRoutes.post('/:version{v[^/]+}/data/actions/:dataset', async (c) => {
  const read = await writeRequest(c, 'actions')
  const request = {
    ...commitRequest(c, read, read.transactionId),
    errorType: 'actionError' as const,
  }
  // As on data/mutate (the Actions API "behaves similarly to the Mutations API" with it).
  const writes = {...read.writes, autoGenerateArrayKeys: flag(c, 'autoGenerateArrayKeys')} as Writes
  const outcome = await read.dataset
    .write(getPrincipal(c), request, writes)
    .catch((err: unknown) => {
      throw asActionError(err)
    })
  return c.json({transactionId: outcome.transaction.id})
})
