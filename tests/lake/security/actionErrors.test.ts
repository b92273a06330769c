/**
 * A refused action is an `actionError` (what @sanity/client's ActionError is, and hosted Sanity's
 * Actions API answers), whichever check refused it: the Actions API shares the document, patch,
 * limit and commit checks of mutations, and those said `mutationError` ("The mutation(s) failed").
 */
import {describe, expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake({inProcess: true})

async function act(body: unknown) {
  const res = await lake().fetch(`${lake().url}/v2025-02-19/data/actions/test`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
    body: JSON.stringify(body),
  })
  return {status: res.status, error: (await res.json()).error}
}

const create = (id: string, attributes: Record<string, unknown>) => ({
  actionType: 'sanity.action.document.create',
  publishedId: id,
  attributes: {_id: `drafts.${id}`, ...attributes},
  ifExists: 'fail',
})
const edit = (id: string, patch: Record<string, unknown>) => ({
  actionType: 'sanity.action.document.edit',
  draftId: `drafts.${id}`,
  publishedId: id,
  patch,
})

describe('a refused action is an actionError', () => {
  it.each([
    ['a created document without _type', () => ({actions: [create('n1', {})]}), 400],
    [
      'a created document without _type, large enough to be built on a thread',
      () => ({actions: [create('n2', {blob: 'x'.repeat(2_500_000)})]}),
      400,
    ],
    [
      'an attribute named __proto__',
      () => ({actions: [create('n3', JSON.parse('{"_type":"t","__proto__":1}'))]}),
      400,
    ],
    [
      'an edit nesting the draft too deep',
      () => ({actions: [edit('e1', {set: {deep: JSON.parse('['.repeat(200) + ']'.repeat(200))}})]}),
      400,
    ],
    [
      'an edit whose ifRevisionID differs',
      () => ({actions: [edit('e1', {ifRevisionID: 'old', set: {x: 1}})]}),
      409,
    ],
    [
      'a transaction id used before',
      () => ({transactionId: 'used-tx', actions: [create('n4', {_type: 't'})]}),
      409,
    ],
  ])('%s', async (_, body, status) => {
    await lake().client().createOrReplace({_id: 'e1', _type: 't'})
    await lake()
      .client()
      .transaction()
      .createIfNotExists({_id: 'x-used', _type: 't'})
      .commit({transactionId: 'used-tx'})
      .catch(() => undefined)
    const {status: got, error} = await act(body())
    expect({status: got, type: error?.type}, JSON.stringify(error)).toEqual({
      status,
      type: 'actionError',
    })
    expect(error.description).not.toMatch(/mutation/)
    // Every item has the index @sanity/client's ActionErrorItem requires: a refusal of the whole
    // transaction (a used transaction id) is given at its first action.
    expect(error.items[0].index).toBe(0)
  })

  it('a mutation refused for a used transaction id has an index too', async () => {
    const used = await lake()
      .client()
      .transaction()
      .create({_id: 'm-used', _type: 't'})
      .commit({transactionId: 'used-by-mutate'})
    expect(used.transactionId).toBe('used-by-mutate')
    const res = await lake().fetch(`${lake().url}/v2025-02-19/data/mutate/test`, {
      method: 'POST',
      headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
      body: JSON.stringify({
        transactionId: 'used-by-mutate',
        mutations: [{create: {_id: 'm-again', _type: 't'}}],
      }),
    })
    expect(res.status).toBe(409)
    const {error} = await res.json()
    expect(error.items).toEqual([
      {error: expect.objectContaining({type: 'transactionIdConflictError'}), index: 0},
    ])
  })
})

/**
 * `purge: true` (discard, delete, version.discard) asks hosted Sanity to delete the document's
 * history too; the lake keeps every document's history, so it refuses the action rather than
 * answer as if it had purged. `purge: false`, which `client.discardVersion` sends by default,
 * is the action as usual.
 */
describe('purge', () => {
  it('is refused, nothing written; purge: false discards as usual', async () => {
    const client = lake().client()
    await client.createOrReplace({_id: 'p1', _type: 't'})
    await client.createOrReplace({_id: 'drafts.p1', _type: 't'})
    await client.createOrReplace({_id: 'versions.r1.p1', _type: 't'})
    for (const refused of [
      () => client.discardVersion({releaseId: 'r1', publishedId: 'p1'}, true),
      () =>
        client.action({
          actionType: 'sanity.action.document.discard',
          draftId: 'drafts.p1',
          purge: true,
        }),
      () =>
        client.action({
          actionType: 'sanity.action.document.delete',
          publishedId: 'p1',
          includeDrafts: ['drafts.p1'],
          purge: true,
        }),
    ]) {
      const err = (await refused().catch((e: unknown) => e)) as {
        statusCode?: number
        message?: string
      }
      expect(err.statusCode).toBe(400)
      expect(err.message).toContain('purge')
    }
    expect(await client.getDocuments(['p1', 'drafts.p1', 'versions.r1.p1'])).not.toContain(null)
    await client.discardVersion({releaseId: 'r1', publishedId: 'p1'})
    expect(await client.getDocument('versions.r1.p1')).toBeUndefined()
  })
})
