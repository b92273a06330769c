import {applyPatch} from 'mendoza'
import {beforeAll, expect, test} from 'vitest'
import type {GetTarget} from '../describeLakeContract.ts'

interface Line {
  id: string
  timestamp: string
  author: string
  documentIDs: string[]
  mutations?: unknown[]
  effects?: Record<string, {apply: unknown[]; revert: unknown[]}>
}

/** A document written in four transactions with known ids: create, two edits, delete. */
export function historyContract(target: GetTarget) {
  let id: string
  let tx: string[]
  let states: Record<string, unknown>[]

  beforeAll(async () => {
    const client = target().client()
    const prefix = target().prefix
    id = `${prefix}-history`
    tx = [1, 2, 3].map((n) => `${prefix}-h${n}-${Date.now()}`)
    const a = await client
      .transaction()
      .create({_id: id, _type: 'article', title: 'one'})
      .transactionId(tx[0])
      .commit({returnDocuments: true})
    const b = await client
      .transaction()
      .patch(id, (p) => p.set({title: 'two'}))
      .transactionId(tx[1])
      .commit({returnDocuments: true})
    const c = await client
      .transaction()
      .patch(id, (p) => p.set({title: 'three', extra: true}))
      .transactionId(tx[2])
      .commit({returnDocuments: true})
    states = [a, b, c].map((res) => (res as unknown as Record<string, unknown>[])[0])
  })

  const get = async (path: string) => {
    const res = await target().request(`/data/history/${target().dataset}${path}`)
    expect(res.status).toBe(200)
    return res
  }
  const lines = async (path: string): Promise<Line[]> =>
    (await (await get(path)).text())
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))

  test('documents at a revision', async () => {
    for (const [i, rev] of tx.entries()) {
      const body = await (await get(`/documents/${id}?revision=${rev}`)).json()
      expect(body.documents).toEqual([states[i]])
    }
  })

  test('documents at a time', async () => {
    const body = await (
      await get(`/documents/${id}?time=${encodeURIComponent(String(states[1]._updatedAt))}`)
    ).json()
    expect(body.documents[0].title).toBe('two')
  })

  test('lastRevision returns the last state, also after deletion', async () => {
    const client = target().client()
    const gone = `${id}-deleted`
    await client.create({_id: gone, _type: 'article', title: 'last words'})
    await client.delete(gone)
    const body = await (await get(`/documents/${gone}?lastRevision=true`)).json()
    expect(body.documents[0]).toMatchObject({_id: gone, title: 'last words'})
  })

  test('transactions are NDJSON, oldest first, with author and document ids', async () => {
    const res = await get(`/transactions/${id}`)
    expect(res.headers.get('content-type')).toContain('application/x-ndjson')
    const all = await lines(`/transactions/${id}`)
    expect(all.map((line) => line.id)).toEqual(tx)
    for (const line of all) {
      expect(line.documentIDs).toContain(id)
      expect(typeof line.author).toBe('string')
      expect(Array.isArray(line.mutations)).toBe(true)
    }
    expect(all.map((line) => line.timestamp)).toEqual(states.map((s) => s._updatedAt))
  })

  test('reverse, limit, fromTransaction and toTransaction page through the log', async () => {
    expect((await lines(`/transactions/${id}?reverse=true&limit=2`)).map((l) => l.id)).toEqual([
      tx[2],
      tx[1],
    ])
    expect((await lines(`/transactions/${id}?fromTransaction=${tx[1]}`)).map((l) => l.id)).toEqual([
      tx[1],
      tx[2],
    ])
    expect((await lines(`/transactions/${id}?toTransaction=${tx[1]}`)).map((l) => l.id)).toEqual([
      tx[0],
      tx[1],
    ])
    expect(
      (await lines(`/transactions/${id}?reverse=true&toTransaction=${tx[1]}`)).map((l) => l.id),
    ).toEqual([tx[1], tx[0]])
  })

  test('mendoza effects rebuild every state forwards and backwards (the Studio timeline)', async () => {
    const all = await lines(
      `/transactions/drafts.${id},${id}?effectFormat=mendoza&excludeContent=true&excludeMutations=true&includeIdentifiedDocumentsOnly=true`,
    )
    const strip = (doc: Record<string, unknown> | null) => {
      if (!doc) return null
      const {_rev, ...rest} = doc
      void _rev
      return rest
    }
    let doc: unknown = null
    for (const [i, line] of all.entries()) {
      expect(line.mutations).toBeUndefined()
      doc = applyPatch(doc, line.effects![id].apply as never)
      expect(doc).toEqual(strip(states[i]))
    }
    for (let i = all.length - 1; i > 0; i--) {
      doc = applyPatch(doc, all[i].effects![id].revert as never)
      expect(doc).toEqual(strip(states[i - 1]))
    }
  })
}
