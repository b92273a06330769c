/**
 * One caller's uploads under way may not hold more than LAKE_UPLOAD_CALLER_BYTES between them:
 * before, an editor could stream 1,024 uploads of up to 512 MiB each at once (the requests under
 * way bound), taking the disk down to the upload reserve and the upload path from everyone. Past
 * the bound the caller's next upload is a 429 with Retry-After naming the bound, its body unread
 * and nothing stored, while other callers' uploads go on. Only editors and administrators may
 * upload (accessMatrix.test.ts).
 */
import {readdirSync, statSync} from 'node:fs'
import {connect, type ClientHttp2Session} from 'node:http2'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const API = '/v2025-02-19'
const KiB = 1024
/** The test lake's bound: two of the 400 KiB uploads below pass it. */
const CALLER_BYTES = 600 * KiB
const UPLOAD_BYTES = 400 * KiB

let lake: TestLake
let other: string

beforeAll(async () => {
  lake = await startTestLake({
    env: {LAKE_UPLOAD_CALLER_BYTES: String(CALLER_BYTES)},
  })
  other = (await lake.server.lake.auth!.store.createToken({label: 'other', role: 'editor'})).token
})
afterAll(async () => {
  await lake?.close()
})

interface Answer {
  status: number
  retryAfter: string | undefined
  body: string
}

interface Upload {
  answer: Promise<Answer>
  /** Sends the rest of the body. */
  finish(): void
  cancel(): void
}

/** A file upload declaring `bytes`, of which only the first KiB is sent until finish(). */
function upload(session: ClientHttp2Session, token: string, name: string, bytes: number): Upload {
  const stream = session.request({
    ':method': 'POST',
    ':path': `${API}/assets/files/test?filename=${name}.txt`,
    authorization: `Bearer ${token}`,
    'content-type': 'text/plain',
    'content-length': String(bytes),
  })
  stream.on('error', () => {})
  // Each upload's own bytes, so no two are the same file.
  const body = Buffer.alloc(bytes, name)
  stream.write(body.subarray(0, KiB))
  const answer = new Promise<Answer>((resolve) => {
    let head = {status: 0, retryAfter: undefined as string | undefined}
    let text = ''
    stream.setEncoding('utf8')
    stream.on('response', (headers) => {
      head = {status: Number(headers[':status']), retryAfter: headers['retry-after'] as string}
    })
    stream.on('data', (chunk: string) => (text += chunk))
    stream.on('close', () => resolve({...head, body: text}))
  })
  return {
    answer,
    finish: () => stream.end(body.subarray(KiB)),
    cancel: () => stream.close(),
  }
}

/** Uploads being staged now that have begun to arrive (their staged files). */
function stagedFiles(): number {
  try {
    const dir = join(lake.dataDir, 'assets', '.incoming')
    return readdirSync(dir).filter((name) => statSync(join(dir, name)).size > 0).length
  } catch {
    return 0
  }
}

async function untilStaged(count: number): Promise<void> {
  while (stagedFiles() < count) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('upload bytes under way, per caller', () => {
  it("past the bound a caller's next upload is a 429 naming it; another caller's goes on", async () => {
    const session = connect(lake.url)
    session.on('error', () => {})
    const second = connect(lake.url)
    second.on('error', () => {})
    try {
      // The first is admitted and arriving: its declared 400 KiB count against the caller.
      const first = upload(session, lake.token, 'first', UPLOAD_BYTES)
      await untilStaged(1)
      const past = upload(session, lake.token, 'past', UPLOAD_BYTES)
      // Accepted, it would begin to arrive too (as every such upload did before).
      const refused = await Promise.race([past.answer, untilStaged(2).then(() => 'accepted')])
      if (typeof refused === 'string') past.finish()
      expect(refused).not.toBe('accepted')
      if (typeof refused === 'string') return
      expect(refused.status).toBe(429)
      expect(refused.retryAfter).toBe('10')
      const {statusCode, error, message} = JSON.parse(refused.body)
      expect({statusCode, error}).toEqual({statusCode: 429, error: 'Too Many Requests'})
      expect(message).toMatch(/400 KiB|409,600 bytes/)
      expect(message).toMatch(/600 KiB|614,400 bytes/)
      expect(message).toMatch(/LAKE_UPLOAD_CALLER_BYTES/)
      expect(message).toMatch(/Nothing was stored/)

      // Another editor's upload of the same size goes on meanwhile.
      const others = upload(second, other, 'others', UPLOAD_BYTES)
      others.finish()
      expect((await others.answer).status).toBe(200)

      // The first ends; then the caller may upload again.
      first.finish()
      expect((await first.answer).status).toBe(200)
      const again = upload(session, lake.token, 'again', UPLOAD_BYTES)
      again.finish()
      expect((await again.answer).status).toBe(200)
      expect(
        await lake.client().fetch('*[_type == "sanity.fileAsset"].originalFilename | order(@)'),
      ).toEqual(['again.txt', 'first.txt', 'others.txt'])
    } finally {
      session.close()
      second.close()
    }
  })
})
