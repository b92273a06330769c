/**
 * What a token costs the lake to check, counted in scrypt derivations (behaviour, not time): an
 * unknown, malformed, revoked, expired or live token, and a live token's id with a wrong secret,
 * all take the same steps and no scrypt, so timing tells none of them apart and no caller can
 * queue scrypt work with bogus tokens. A token stored by an older lake (a scrypt hash) is checked
 * once with scrypt and then stored as every other; such checks are bounded at once (a 429).
 */
import {connect} from 'node:http2'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {derivationsBegun, hashSecret} from '../../../lake/auth/hashing.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const API = '/v2025-02-19'
let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake()
})

afterAll(async () => {
  await lake?.close()
})

const auth = () => lake.server.lake.auth!.store

/** A query with `token`: its status and how many scrypt derivations the lake began for it. */
async function queryWith(token: string): Promise<{status: number; derivations: number}> {
  const before = derivationsBegun()
  const response = await fetch(`${lake.url}${API}/data/query/test?query=1`, {
    headers: {authorization: `Bearer ${token}`},
  })
  await response.arrayBuffer()
  return {status: response.status, derivations: derivationsBegun() - before}
}

/** The same token with another secret of the same length (its id kept). */
const wrongSecret = (token: string) => token.slice(0, 14) + 'f'.repeat(token.length - 14)

describe('every kind of token is checked without scrypt', () => {
  const cases: [string, () => Promise<string>, number][] = [
    ['unknown', async () => 'sk' + '0'.repeat(12) + 'a'.repeat(48), 401],
    ['malformed', async () => 'not-a-token', 401],
    [
      'revoked',
      async () => {
        const {token} = await auth().createToken({label: 'revoked', role: 'viewer'})
        auth().revokeToken(token)
        return token
      },
      401,
    ],
    [
      'expired',
      async () =>
        (
          await auth().createToken({
            label: 'expired',
            role: 'viewer',
            expiresAt: new Date(Date.now() - 60_000).toISOString(),
          })
        ).token,
      401,
    ],
    [
      'live, its secret wrong',
      async () => wrongSecret((await auth().createToken({label: 'wrong', role: 'viewer'})).token),
      401,
    ],
    [
      'live, first used',
      async () => (await auth().createToken({label: 'live', role: 'viewer'})).token,
      200,
    ],
  ]
  it.each(cases)('%s', async (_, make, status) => {
    const token = await make()
    expect(await queryWith(token)).toEqual({status, derivations: 0})
  })

  it("an expired token's 401 still says it expired", async () => {
    const {token} = await auth().createToken({
      label: 'expired-hint',
      role: 'viewer',
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    })
    const response = await fetch(`${lake.url}${API}/data/query/test?query=1`, {
      headers: {authorization: `Bearer ${token}`},
    })
    const expired = await response.text()
    const other = await fetch(`${lake.url}${API}/data/query/test?query=1`, {
      headers: {authorization: `Bearer ${wrongSecret(token)}`},
    })
    expect(response.status).toBe(401)
    expect(other.status).toBe(401)
    expect(expired).not.toBe(await other.text())
  })
})

describe('a token stored by an older lake (a scrypt hash)', () => {
  /** A new token whose stored hash is made what an older lake stored: scrypt, N 2^10. */
  async function legacyToken(label: string): Promise<string> {
    const {token, info} = await auth().createToken({label, role: 'viewer'})
    const db = new DatabaseSync(join(lake.dataDir, 'auth.sqlite'))
    try {
      const hash = await hashSecret(token, {N: 2 ** 10, r: 8, p: 1})
      db.prepare('UPDATE tokens SET hash = ? WHERE id = ?').run(hash, info.id)
    } finally {
      db.close()
    }
    return token
  }

  const storedHash = (label: string) => {
    const db = new DatabaseSync(join(lake.dataDir, 'auth.sqlite'), {readOnly: true})
    try {
      return String(
        (db.prepare('SELECT hash FROM tokens WHERE label = ?').get(label) as {hash: string}).hash,
      )
    } finally {
      db.close()
    }
  }

  it('is checked with scrypt once, then stored as a digest', async () => {
    const token = await legacyToken('legacy-once')
    expect(await queryWith(token)).toEqual({status: 200, derivations: 1})
    expect(storedHash('legacy-once')).toMatch(/^sha256\$[0-9a-f]{64}$/)
    expect(await queryWith(wrongSecret(token))).toEqual({status: 401, derivations: 0})
  })

  it('wrong secrets sent at once for its id cost at most two checks under way; the rest are 429s', async () => {
    const token = await legacyToken('legacy-flood')
    const before = derivationsBegun()
    // One HTTP/2 session, every request in one write: all of them arrive in the same turn.
    const session = connect(lake.url)
    const answers = await Promise.all(
      Array.from(
        {length: 20},
        (_, i) =>
          new Promise<{status: number; retryAfter: unknown}>((resolve, reject) => {
            const bogus = token.slice(0, 14) + i.toString(16).padStart(48, '0')
            const stream = session.request({
              ':path': `${API}/data/query/test?query=1`,
              authorization: `Bearer ${bogus}`,
            })
            stream.on('response', (headers) =>
              resolve({status: Number(headers[':status']), retryAfter: headers['retry-after']}),
            )
            stream.on('error', reject)
            stream.resume()
          }),
      ),
    )
    session.close()
    const refused = answers.filter((a) => a.status === 429)
    const checked = answers.filter((a) => a.status === 401)
    expect(refused.length + checked.length).toBe(answers.length)
    expect(refused.length).toBeGreaterThan(0)
    expect(refused.every((a) => a.retryAfter === '1')).toBe(true)
    // Each 401 paid one scrypt, each 429 none.
    expect(derivationsBegun() - before).toBe(checked.length)
    // Its holder is served still, and the token is then stored as a digest.
    expect(await queryWith(token)).toEqual({status: 200, derivations: 1})
    expect(storedHash('legacy-flood')).toMatch(/^sha256\$/)
  })
})
