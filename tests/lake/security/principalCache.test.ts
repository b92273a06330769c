/**
 * The auth store keeps the principals of tokens it resolved lately: a token revoked, a user
 * removed or a session expired must still be refused at the very next request, whoever changed
 * the store (this process, or another one writing the same file: the command line).
 */
import {execFileSync} from 'node:child_process'
import {mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {createAuthStore, type AuthStore} from '../../../lake/auth/authStore.ts'

let dir: string
let clock = Date.UTC(2026, 0, 1)
const open = () =>
  createAuthStore({
    path: join(dir, 'auth.sqlite'),
    now: () => new Date(clock),
    passwordCost: {N: 2 ** 10, r: 8, p: 1},
  })
let lake: AuthStore
/** The command line: another connection to the same file. */
let cli: AuthStore

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-auth-'))
  lake = open()
  cli = open()
})
afterEach(async () => {
  lake.close()
  cli.close()
  await rm(dir, {recursive: true, force: true})
})

async function signedIn(store: AuthStore): Promise<string> {
  const user = await store.addUser({
    email: 'rina@example.com',
    role: 'editor',
    password: 'a-password',
  })
  const token = await store.exchangeSid(store.createSid(user.id))
  return token!
}

describe('principals of tokens resolved lately', () => {
  it('a token revoked from another connection is refused at the next request', async () => {
    const {token} = await cli.createToken({label: 'robot', role: 'editor'})
    expect(await lake.principalForToken(token)).toMatchObject({kind: 'token', role: 'editor'})
    expect(await lake.principalForToken(token)).toMatchObject({kind: 'token', role: 'editor'})
    expect(cli.revokeToken(token)).toBe(true)
    expect(await lake.principalForToken(token)).toBeNull()
  })

  it('a user removed from another connection loses their session at the next request', async () => {
    const token = await signedIn(lake)
    expect(await lake.principalForToken(token)).toMatchObject({kind: 'user', role: 'editor'})
    expect(cli.removeUser('rina@example.com')).toBe(true)
    expect(await lake.principalForToken(token)).toBeNull()
  })

  it('a session signed out in this process is refused at the next request', async () => {
    const token = await signedIn(lake)
    expect(await lake.principalForToken(token)).not.toBeNull()
    expect(await lake.logout(token)).toBe(true)
    expect(await lake.principalForToken(token)).toBeNull()
  })

  it('a session is refused once it expires, though nothing was written', async () => {
    const token = await signedIn(lake)
    expect(await lake.principalForToken(token)).not.toBeNull()
    clock += 31 * 24 * 60 * 60 * 1000
    expect(await lake.principalForToken(token)).toBeNull()
  })

  it('a token revoked by another process is refused at the next request, however often it was used', async () => {
    const {token} = await cli.createToken({label: 'robot', role: 'editor'})
    // Many requests with nothing written: the store answers them from its cache.
    for (let i = 0; i < 50; i++) {
      expect(await lake.principalForToken(token)).toMatchObject({kind: 'token'})
    }
    // `npm run lake -- tokens revoke` is another process with its own connection.
    const authStore = fileURLToPath(new URL('../../../lake/auth/authStore.ts', import.meta.url))
    const revoked = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import {createAuthStore} from ${JSON.stringify(authStore)}
         const store = createAuthStore({path: ${JSON.stringify(join(dir, 'auth.sqlite'))}})
         process.stdout.write(String(store.revokeToken(${JSON.stringify(token)})))
         store.close()`,
      ],
      {encoding: 'utf8'},
    )
    expect(revoked).toBe('true')
    expect(await lake.principalForToken(token)).toBeNull()
  })

  it('a token revoked by another process is refused at the next request when the file is a symlink', async () => {
    // SQLite keeps its -shm beside the link's target; a stale -shm beside the link never changes.
    await writeFile(join(dir, 'elsewhere.sqlite'), '')
    await symlink(join(dir, 'elsewhere.sqlite'), join(dir, 'link.sqlite'))
    await writeFile(join(dir, 'link.sqlite-shm'), Buffer.alloc(32768))
    const path = join(dir, 'link.sqlite')
    const linked = createAuthStore({path, passwordCost: {N: 2 ** 10, r: 8, p: 1}})
    try {
      const {token} = await linked.createToken({label: 'robot', role: 'editor'})
      for (let i = 0; i < 5; i++) {
        expect(await linked.principalForToken(token)).toMatchObject({kind: 'token'})
      }
      const authStore = fileURLToPath(new URL('../../../lake/auth/authStore.ts', import.meta.url))
      execFileSync(process.execPath, [
        '--input-type=module',
        '-e',
        `import {createAuthStore} from ${JSON.stringify(authStore)}
         const store = createAuthStore({path: ${JSON.stringify(path)}})
         store.revokeToken(${JSON.stringify(token)})
         store.close()`,
      ])
      expect(await linked.principalForToken(token)).toBeNull()
    } finally {
      linked.close()
    }
  })

  // isLive answers from the same knowledge: a write's re-check of its token, inside the write lock.
  describe('isLive, for a principal found earlier', () => {
    it('is false once the token is revoked from another connection', async () => {
      const {token} = await cli.createToken({label: 'robot', role: 'editor'})
      const principal = (await lake.principalForToken(token))!
      expect(lake.isLive(principal)).toBe(true)
      expect(lake.isLive(principal)).toBe(true)
      expect(cli.revokeToken(token)).toBe(true)
      expect(lake.isLive(principal)).toBe(false)
    })

    it('is false once the session is signed out in this process', async () => {
      const principal = (await lake.principalForToken(await signedIn(lake)))!
      // A second session of the same user (another browser) stays signed in.
      const session = (await lake.exchangeSid(lake.createSid(principal.id)))!
      const other = (await lake.principalForToken(session))!
      expect(lake.isLive(other)).toBe(true)
      expect(await lake.logout(session)).toBe(true)
      expect(lake.isLive(other)).toBe(false)
      expect(lake.isLive(principal)).toBe(true)
    })

    it('is false once the user is removed from another connection', async () => {
      const principal = (await lake.principalForToken(await signedIn(lake)))!
      expect(lake.isLive(principal)).toBe(true)
      expect(cli.removeUser('rina@example.com')).toBe(true)
      expect(lake.isLive(principal)).toBe(false)
    })

    it('is false once the session expires, though nothing was written', async () => {
      const principal = (await lake.principalForToken(await signedIn(lake)))!
      expect(lake.isLive(principal)).toBe(true)
      clock += 31 * 24 * 60 * 60 * 1000
      expect(lake.isLive(principal)).toBe(false)
    })
  })

  // What a refusal says (the 401's errorCode): expired, or gone for another reason.
  describe('expired, rather than revoked or removed', () => {
    it('a session past its time, and only that, is expired', async () => {
      const token = await signedIn(lake)
      const principal = (await lake.principalForToken(token))!
      expect(lake.hasExpired(principal)).toBe(false)
      expect(await lake.isExpiredSession(token)).toBe(false)
      clock += 31 * 24 * 60 * 60 * 1000
      expect(lake.hasExpired(principal)).toBe(true)
      expect(await lake.isExpiredSession(token)).toBe(true)
      // Someone guessing at it (the right id, a wrong secret) learns nothing.
      const forged = token.slice(0, -4) + (token.endsWith('aaaa') ? 'bbbb' : 'aaaa')
      expect(await lake.isExpiredSession(forged)).toBe(false)
      // Signed out, or its user removed, after it expired: not found, not expired.
      expect(cli.removeUser('rina@example.com')).toBe(true)
      expect(lake.hasExpired(principal)).toBe(false)
      expect(await lake.isExpiredSession(token)).toBe(false)
    })

    it('a revoked token is not expired, whatever its time', async () => {
      const {token} = await cli.createToken({
        label: 'robot',
        role: 'editor',
        expiresAt: new Date(clock + 1000).toISOString(),
      })
      const principal = (await lake.principalForToken(token))!
      expect(cli.revokeToken(token)).toBe(true)
      clock += 2000
      expect(lake.hasExpired(principal)).toBe(false)
      expect(await lake.isExpiredSession(token)).toBe(false)
    })
  })
})
