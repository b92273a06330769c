/**
 * Uploads may not fill the disk the datasets live on: one that would leave less free than the
 * reserve (LAKE_UPLOAD_DISK_RESERVE_BYTES) is a 507 before a byte of it is read, nothing staged or
 * stored, and writes go on. Until 2026-12-05 uploads took the disk to its last byte, and every
 * write after was refused (a 500 then). A reserve larger than any disk makes every upload such a
 * one; what the reserve counts (uploads under way, the look every 8 MiB) is in
 * tests/lake/assets/uploadSpace.test.ts.
 */
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {TRANSPORTS, type Transport} from '../studio/transport.ts'

const API = '/v2025-02-19'
/** More than any disk has. */
const RESERVE = 2 ** 52

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake({env: {LAKE_UPLOAD_DISK_RESERVE_BYTES: String(RESERVE)}})
})
afterAll(async () => {
  await lake?.close()
})

function staged(): string[] {
  try {
    return readdirSync(join(lake.dataDir, 'assets', '.incoming'))
  } catch {
    return []
  }
}

describe.each(TRANSPORTS)('over $name', ({make}) => {
  let transport: Transport
  beforeAll(() => {
    transport = make()
  })
  afterAll(() => transport.close())

  it.each([
    ['files', 'text/plain', Buffer.from('একটি নোট')],
    ['images', 'image/svg+xml', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')],
  ])(
    'an upload to %s past the reserve is a 507 saying so; nothing is stored',
    async (kind, type, bytes) => {
      const res = await transport.request(`${lake.url}${API}/assets/${kind}/test?filename=a`, {
        method: 'POST',
        body: new Uint8Array(bytes),
        headers: {authorization: `Bearer ${lake.token}`, 'content-type': type},
      })
      expect(res.status).toBe(507)
      // The disk will not free itself: no Retry-After.
      expect(res.headers.get('retry-after')).toBeNull()
      const {message} = res.json<{message: string}>()
      expect(message).toMatch(/LAKE_UPLOAD_DISK_RESERVE_BYTES/)
      expect(message).toMatch(/Nothing was stored: free space on that disk/)
      // A reserve larger than the disk allows (a small disk, a test machine) is the operator's to lower.
      expect(message).toMatch(/or start the lake with a smaller LAKE_UPLOAD_DISK_RESERVE_BYTES/)
      expect(staged()).toEqual([])
      expect(await lake.client().fetch('count(*[_type match "sanity.*Asset"])')).toBe(0)
    },
  )

  it('writes go on', async () => {
    const doc = await lake.client().create({_type: 'article', title: 'লেখা চলে'})
    expect(await lake.client().getDocument(doc._id)).toMatchObject({title: 'লেখা চলে'})
  })
})
