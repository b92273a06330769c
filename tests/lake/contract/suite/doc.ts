import {expect, test} from 'vitest'
import type {GetTarget} from '../describeLakeContract.ts'
import {newId} from './clientCalls.ts'

export function docContract(target: GetTarget) {
  test('returns documents by literal id and lists missing ones as omitted (existence)', async () => {
    const client = target().client()
    const [a, b] = [newId(target().prefix, 'doc'), newId(target().prefix, 'doc')]
    await client
      .transaction()
      .create({_id: a, _type: 'article'})
      .create({_id: `drafts.${b}`, _type: 'article'})
      .commit()
    const res = await target().request(`/data/doc/${target().dataset}/${a},drafts.${b},${b}`)
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.documents.map((d: {_id: string}) => d._id).sort()).toEqual(
      [a, `drafts.${b}`].sort(),
    )
    expect(body.omitted).toEqual([{id: b, reason: 'existence'}])
  })

  test('getDocument and getDocuments read through it (null for a missing id)', async () => {
    const client = target().client()
    const a = newId(target().prefix, 'getdoc')
    await client.create({_id: a, _type: 'article', title: 't'})
    expect(await client.getDocument(a)).toMatchObject({_id: a, title: 't'})
    const [found, missing] = await client.getDocuments([a, `${a}-missing`])
    expect(found?._id).toBe(a)
    expect(missing).toBeNull()
  })

  test('excludeContent still reports omitted ids', async () => {
    const a = newId(target().prefix, 'exclude')
    await target().client().create({_id: a, _type: 'article', title: 'secret'})
    const res = await target().request(
      `/data/doc/${target().dataset}/${a},${a}-nope?excludeContent=true`,
    )
    const body = await res.json()
    expect(body.omitted).toEqual([{id: `${a}-nope`, reason: 'existence'}])
    expect(JSON.stringify(body.documents)).not.toContain('secret')
  })
}
