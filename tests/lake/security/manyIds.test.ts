/**
 * `client.getDocuments` with the documented 1,000 ids from Node, whose @sanity/client speaks
 * HTTP/1.1: 37 KB of URL. Node's HTTP/1.1 parser refused headers past 16 KiB (a 431 from 450
 * UUIDs on), with TLS (the HTTP/1.1 fallback) and without.
 */
import {randomUUID} from 'node:crypto'
import {afterAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const lakes: TestLake[] = []
afterAll(() => Promise.all(lakes.map((lake) => lake.close())))

describe.each([
  ['without TLS', false],
  ['with TLS', undefined],
] as const)('1,000 ids over HTTP/1.1 %s', (_, tls) => {
  it('are all answered', async () => {
    const lake = await startTestLake({tls})
    lakes.push(lake)
    const client = lake.client()
    const ids = Array.from({length: 1000}, () => randomUUID())
    await client.create({_id: ids[999], _type: 'article', title: 'শেষ'})
    const documents = await client.getDocuments(ids)
    expect(documents).toHaveLength(1000)
    expect(documents.filter(Boolean).map((doc) => doc!._id)).toEqual([ids[999]])
  })
})
