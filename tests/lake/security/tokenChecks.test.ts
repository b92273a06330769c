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
import {createAuthStore} from '../../../lake/auth/authStore.ts'
import {derivationsBegun, hashSecret, verifySecret} from '../../../lake/auth/hashing.ts'
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

/** Requests sent in one write of one HTTP/2 session (all arrive in the same turn): their statuses. */
async function atOnce(tokens: string[]): Promise<{status: number; retryAfter: unknown}[]> {
  const session = connect(lake.url)
  try {
    return await Promise.all(
      tokens.map(
        (token) =>
          new Promise<{status: number; retryAfter: unknown}>((resolve, reject) => {
            const stream = session.request({
              ':path': `${API}/data/query/test?query=1`,
              authorization: `Bearer ${token}`,
            })
            stream.on('response', (headers) =>
              resolve({status: Number(headers[':status']), retryAfter: headers['retry-after']}),
            )
            stream.on('error', reject)
            stream.resume()
          }),
      ),
    )
  } finally {
    session.close()
  }
}

/** A token's row as a lake before digests reads it (its `hash` column, nothing else). */
function storedRow(label: string): {hash: string; digest: string | null} {
  const db = new DatabaseSync(join(lake.dataDir, 'auth.sqlite'), {readOnly: true})
  try {
    return db.prepare('SELECT * FROM tokens WHERE label = ?').get(label) as {
      hash: string
      digest: string | null
    }
  } finally {
    db.close()
  }
}

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
  /**
   * A new token whose row is made what a lake before digests stored: a scrypt hash (N 2^10), no
   * digest.
   */
  async function legacyToken(label: string): Promise<string> {
    const {token, info} = await auth().createToken({label, role: 'viewer'})
    const db = new DatabaseSync(join(lake.dataDir, 'auth.sqlite'))
    try {
      const hash = await hashSecret(token, {N: 2 ** 10, r: 8, p: 1})
      const columns = db.prepare('PRAGMA table_info(tokens)').all() as {name: string}[]
      const digest = columns.some((c) => c.name === 'digest') ? ', digest = NULL' : ''
      db.prepare(`UPDATE tokens SET hash = ?${digest} WHERE id = ?`).run(hash, info.id)
    } finally {
      db.close()
    }
    return token
  }

  it('is checked with scrypt once, then gets a digest beside the hash a lake before digests reads', async () => {
    const token = await legacyToken('legacy-once')
    expect(await queryWith(token)).toEqual({status: 200, derivations: 1})
    const row = storedRow('legacy-once')
    expect(row.digest).toMatch(/^sha256\$[0-9a-f]{64}$/)
    // The older lake's reader (the same verifySecret) still accepts the token.
    expect(row.hash).toMatch(/^scrypt\$/)
    expect(await verifySecret(token, row.hash)).toBe(true)
    expect(await queryWith(token)).toEqual({status: 200, derivations: 0})
    expect(await queryWith(wrongSecret(token))).toEqual({status: 401, derivations: 0})
  })

  it('a token created now is readable by a lake before digests', async () => {
    const {token} = await auth().createToken({label: 'new-both', role: 'viewer'})
    const row = storedRow('new-both')
    expect(row.hash).toMatch(/^scrypt\$/)
    expect(await verifySecret(token, row.hash)).toBe(true)
    expect(await queryWith(token)).toEqual({status: 200, derivations: 0})
  })

  it('wrong secrets sent at once for one id cost one check; three holders of other such tokens are served at once', async () => {
    const flooded = await legacyToken('legacy-flood')
    const honest = [
      await legacyToken('legacy-a'),
      await legacyToken('legacy-b'),
      await legacyToken('legacy-c'),
    ]
    const bogus = Array.from(
      {length: 16},
      (_, i) => flooded.slice(0, 14) + i.toString(16).padStart(48, '0'),
    )
    const before = derivationsBegun()
    const answers = await atOnce([...bogus, ...honest])
    const floodAnswers = answers.slice(0, bogus.length)
    expect(answers.slice(bogus.length).map((a) => a.status)).toEqual([200, 200, 200])
    expect(floodAnswers.filter((a) => a.status === 401)).toHaveLength(1)
    const refused = floodAnswers.filter((a) => a.status === 429)
    expect(refused).toHaveLength(bogus.length - 1)
    expect(refused.every((a) => a.retryAfter === '1')).toBe(true)
    // One scrypt for the flooded id, one for each honest token.
    expect(derivationsBegun() - before).toBe(1 + honest.length)
    // The same wrong secret again costs nothing; the holder is served.
    expect(await queryWith(bogus[0])).toEqual({status: 401, derivations: 0})
    expect(await queryWith(flooded)).toEqual({status: 200, derivations: 1})
  })
})

describe("auth.sqlite's schema", () => {
  it('a folder whose token hashes a lake of a544830e replaced by digests gets its scrypt hashes back on use', async () => {
    const {token} = await auth().createToken({label: 'digest-only', role: 'viewer'})
    const db = new DatabaseSync(join(lake.dataDir, 'auth.sqlite'))
    try {
      db.prepare("UPDATE tokens SET hash = digest, digest = NULL WHERE label = 'digest-only'").run()
    } finally {
      db.close()
    }
    // Reopened, as a restart would: the digest is found where that lake put it.
    const reopened = createAuthStore({path: join(lake.dataDir, 'auth.sqlite')})
    try {
      expect(await reopened.isValidToken(token)).toBe(true)
      // Wait for the hash's rewrite, an event: the row changes.
      await expect.poll(() => storedRow('digest-only').hash).toMatch(/^scrypt\$/)
      expect(await verifySecret(token, storedRow('digest-only').hash)).toBe(true)
    } finally {
      reopened.close()
    }
  })

  it('a file of a newer schema is refused with what to do, and left unchanged', () => {
    const path = join(lake.dataDir, 'newer-auth.sqlite')
    const db = new DatabaseSync(path)
    db.exec('PRAGMA user_version = 99')
    db.close()
    expect(() => createAuthStore({path})).toThrow(/newer lake \(auth schema 99.*upgrade the lake/)
    const after = new DatabaseSync(path, {readOnly: true})
    try {
      expect(after.prepare('PRAGMA user_version').get()).toEqual({user_version: 99})
      expect(
        after.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'tokens'").get(),
      ).toEqual({n: 0})
    } finally {
      after.close()
    }
  })
})
