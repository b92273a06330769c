/**
 * A transaction that changes nothing (every mutation's operation `none`) commits nothing: no
 * revision, no log entry, no listener event. The id it was sent with is answered but not recorded:
 * it names no revision of the dataset, and a later transaction may still use it (docs/lake-api.md).
 */
import {expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake({inProcess: true})

async function mutate(transactionId: string, mutations: unknown[]) {
  const res = await lake().fetch(`${lake().url}/v2025-02-19/data/mutate/test`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
    body: JSON.stringify({transactionId, mutations}),
  })
  return {status: res.status, body: await res.json()}
}

const atRevision = (id: string, revision: string) =>
  lake().fetch(`${lake().url}/v2025-02-19/data/history/test/documents/${id}?revision=${revision}`, {
    headers: {authorization: `Bearer ${lake().token}`},
  })

it('answers a write that changes nothing with its id, which names no revision and stays free', async () => {
  expect((await mutate('f2-made', [{create: {_id: 'f2', _type: 't', n: 1}}])).status).toBe(200)
  const noOp = await mutate('f2-tx', [{createIfNotExists: {_id: 'f2', _type: 't', n: 2}}])
  expect(noOp).toEqual({
    status: 200,
    body: {transactionId: 'f2-tx', results: [{id: 'f2', operation: 'none'}]},
  })
  expect(await lake().client().getDocument('f2')).toMatchObject({_rev: 'f2-made', n: 1})
  expect((await atRevision('f2', 'f2-tx')).status).toBe(404)

  // Not used: a transaction that writes may take the id, and then it is used.
  expect((await mutate('f2-tx', [{create: {_id: 'f3', _type: 't'}}])).status).toBe(200)
  expect(await lake().client().getDocument('f3')).toMatchObject({_rev: 'f2-tx'})
  expect((await atRevision('f3', 'f2-tx')).status).toBe(200)
  expect((await mutate('f2-tx', [{create: {_id: 'f4', _type: 't'}}])).status).toBe(409)
})

it('writes a revision for a patch that changes nothing, as hosted Sanity does', async () => {
  // Hosted Sanity enters every transaction in its log and gives the document a new `_rev`
  // (sanity-io/gradient#394): the Studio waits to see its own transaction on its listener, and a
  // patch whose value is already there (a field typed back as it was) is still one.
  expect((await mutate('p1-made', [{create: {_id: 'p1', _type: 't', title: 'ক'}}])).status).toBe(
    200,
  )
  const same = await mutate('p1-same', [
    {patch: {id: 'p1', set: {title: 'ক'}, unset: ['missing'], setIfMissing: {title: 'খ'}}},
  ])
  expect(same).toEqual({
    status: 200,
    body: {transactionId: 'p1-same', results: [{id: 'p1', operation: 'update'}]},
  })
  const stored = await lake().client().getDocument('p1')
  expect(stored).toMatchObject({_rev: 'p1-same', title: 'ক'})
  expect((await atRevision('p1', 'p1-same')).status).toBe(200)
  // The id is used: it names that revision.
  expect((await mutate('p1-same', [{create: {_id: 'p2', _type: 't'}}])).status).toBe(409)
})
