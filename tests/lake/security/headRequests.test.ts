/**
 * A HEAD request runs its GET route (Hono's dispatch) and is answered without the body: whatever
 * that body held is let go. A large answer's hold on the lake's answer budget and a listener's
 * stream were kept for good: a few HEADs of large answers left every large answer a 503 until the
 * lake restarted, and each HEAD of /listen an open listener (and a turn of the caller's limit).
 */
import {randomBytes} from 'node:crypto'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const MIB = 1024 * 1024

let lake: TestLake

beforeAll(async () => {
  // 1.5 MB documents; a budget of 2 MiB holds one answer of one of them, not two.
  lake = await startTestLake({serverOptions: {answerMemoryMb: 2}})
  const blob = randomBytes(MIB + MIB / 8).toString('base64')
  await lake.client().createOrReplace({_id: 'big', _type: 'big', blob})
})

afterAll(async () => {
  await lake?.close()
})

const request = (path: string, method = 'GET') =>
  fetch(`${lake.url}/v2025-02-19${path}`, {
    method,
    headers: {authorization: `Bearer ${lake.token}`},
  })

it.each([
  ['data/doc', '/data/doc/test/big'],
  ['a query', `/data/query/test?query=${encodeURIComponent('*[_id == "big"]')}`],
  ['history', '/data/history/test/documents/big?lastRevision=true'],
])(
  'a HEAD of a large answer (%s) holds nothing of the answer budget once answered',
  async (_, path) => {
    for (let i = 0; i < 2; i++) {
      const head = await request(path, 'HEAD')
      expect(head.status).toBe(200)
      expect(await head.text()).toBe('')
    }
    await expect.poll(() => lake.server.lake.context.answers.held).toBe(0)
    const answered = await request(path)
    expect(answered.status).toBe(200)
    expect((await answered.text()).length).toBeGreaterThan(MIB)
  },
)

it('a HEAD of /listen leaves no listener open', async () => {
  const opened = lake.server.lake.listenerStats().opened
  const head = await request(`/data/listen/test?query=${encodeURIComponent('*')}`, 'HEAD')
  expect(head.status).toBe(200)
  expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/)
  expect(await head.text()).toBe('')
  // The route ran (a listener was opened) and its stream was ended with the answer.
  expect(lake.server.lake.listenerStats().opened).toBe(opened + 1)
  await expect.poll(() => lake.server.lake.listenerStats().open).toBe(0)
})
