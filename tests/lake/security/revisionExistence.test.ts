/**
 * A transaction id is known to a caller only through a document whose history they may see: a
 * contributor (history on `drafts.**`) asking for a draft at the revision of a transaction that
 * wrote only published documents, or bounding the log by it, is answered as for an id that is no
 * transaction at all. It could tell which ids (clients choose them) other writes were made with.
 */
import {afterAll, beforeAll, expect, it} from 'vitest'
import type {RoleName} from '../../../lake/core/grants.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
const tokens = new Map<RoleName, string>()

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  const store = lake.server.lake.auth!.store
  for (const role of ['contributor', 'viewer'] as const) {
    tokens.set(role, (await store.createToken({label: `revisions ${role}`, role})).token)
  }
  await lake.client().transaction().create({_id: 'drafts.note', _type: 'article'}).commit({
    transactionId: 'draft-tx',
  })
  await lake.client().transaction().create({_id: 'pay', _type: 'salary'}).commit({
    transactionId: 'import-payroll-12',
  })
  expect((await lake.client().getDocument('pay'))?._rev).toBe('import-payroll-12')
})

afterAll(async () => {
  await lake?.close()
})

async function get(role: RoleName, path: string) {
  const res = await fetch(`${lake.url}/v2025-03-01/data/history/test/${path}`, {
    headers: {authorization: `Bearer ${tokens.get(role)}`},
  })
  // The id asked for is in the message: the rest must not differ.
  const text = (await res.text()).replaceAll('import-payroll-12', 'X').replaceAll('no-such-tx', 'X')
  return {status: res.status, text}
}

it('answers a contributor a revision of documents it may not see as one that does not exist', async () => {
  const hidden = await get('contributor', 'documents/drafts.note?revision=import-payroll-12')
  const none = await get('contributor', 'documents/drafts.note?revision=no-such-tx')
  expect(none.status).toBe(404)
  expect(hidden).toEqual(none)
  // Its own drafts' revisions it sees.
  expect((await get('contributor', 'documents/drafts.note?revision=draft-tx')).status).toBe(200)
  // A viewer (history everywhere) sees the draft as it was then.
  expect((await get('viewer', 'documents/drafts.note?revision=import-payroll-12')).status).toBe(200)
})

it('answers a contributor a log bound of documents it may not see as one that does not exist', async () => {
  for (const bound of ['fromTransaction', 'toTransaction']) {
    const hidden = await get('contributor', `transactions/drafts.note?${bound}=import-payroll-12`)
    const none = await get('contributor', `transactions/drafts.note?${bound}=no-such-tx`)
    expect(none.status).toBe(404)
    expect(hidden).toEqual(none)
    expect((await get('contributor', `transactions/drafts.note?${bound}=draft-tx`)).status).toBe(
      200,
    )
    expect(
      (await get('viewer', `transactions/drafts.note?${bound}=import-payroll-12`)).status,
    ).toBe(200)
  }
})

it('answers a contributor an events cursor of documents it may not see as one that does not exist', async () => {
  const hidden = await get(
    'contributor',
    'events/documents/drafts.note?nextCursor=import-payroll-12',
  )
  const none = await get('contributor', 'events/documents/drafts.note?nextCursor=no-such-tx')
  expect(none.status).toBe(400)
  expect(hidden).toEqual(none)
  expect(
    (await get('contributor', 'events/documents/drafts.note?nextCursor=draft-tx')).status,
  ).toBe(200)
  expect(
    (await get('viewer', 'events/documents/drafts.note?nextCursor=import-payroll-12')).status,
  ).toBe(200)
})

async function write(route: 'mutate' | 'actions', transactionId: string, id: string) {
  const body =
    route === 'mutate'
      ? {transactionId, mutations: [{createOrReplace: {_id: `drafts.${id}`, _type: 'article'}}]}
      : {
          transactionId,
          actions: [
            {
              actionType: 'sanity.action.document.create',
              publishedId: id,
              attributes: {_id: `drafts.${id}`, _type: 'article'},
              ifExists: 'fail',
            },
          ],
        }
  const res = await fetch(`${lake.url}/v2025-03-01/data/${route}/test?dryRun=true`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tokens.get('contributor')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  })
  const text = (await res.text()).replaceAll('import-payroll-12', 'X').replaceAll('no-such-tx', 'X')
  return {status: res.status, text}
}

it('answers a dry run with a used transaction id as one with a new id (nothing is written)', async () => {
  for (const route of ['mutate', 'actions'] as const) {
    const used = await write(route, 'import-payroll-12', `mine-${route}`)
    const fresh = await write(route, 'no-such-tx', `mine-${route}`)
    expect(fresh.status).toBe(200)
    expect(used).toEqual(fresh)
    expect(await lake.client().getDocument(`drafts.mine-${route}`)).toBeUndefined()
  }
})
