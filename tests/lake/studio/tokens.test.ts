/**
 * Tokens and accounts from the command line against a running lake (`npm run lake -- tokens …`,
 * `users …`, `env`), revocation taking effect at once, and session expiry.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createAuthStore} from '../../../lake/auth/authStore.ts'
import {runCommand} from '../../../kit/cli.ts'
import {lakeCommand} from '../../../lake/cli.ts'
import {captureIo} from '../../helpers/io.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {holdExclusively} from '../../helpers/sqliteLock.ts'

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake()
})

afterAll(async () => {
  await lake?.close()
})

/** `npm run lake -- …` for the test lake's data folder, in-process, stdout not a terminal. */
async function cli(...args: string[]): Promise<{status: number; stdout: string; stderr: string}> {
  const io = captureIo({env: {}})
  const status = await runCommand(lakeCommand, [...args, '--data', lake.dataDir], io)
  return {status, stdout: io.out(), stderr: io.err()}
}

const me = (token: string) =>
  fetch(`${lake.url}/v2026-05-04/users/me`, {headers: {authorization: `Bearer ${token}`}})

describe('tokens', () => {
  it('creates a token (printing only the token when piped), lists and revokes it', async () => {
    const created = await cli('tokens', 'create', '--role', 'viewer', '--label', 'প্রথম পাতা')
    expect(created.status).toBe(0)
    expect(created.stdout).toMatch(/^sk[0-9a-f]{60}\n$/)
    const token = created.stdout.trim()

    const res = await me(token)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({role: 'viewer', name: 'প্রথম পাতা', isRobot: true})

    const listed = await cli('tokens', 'list')
    expect(listed.stdout).toContain('প্রথম পাতা')
    // The list never shows a token, only its id.
    expect(listed.stdout).not.toContain(token)
    const id = token.slice(2, 14)
    expect(listed.stdout).toContain(id)

    expect((await cli('tokens', 'revoke', id)).status).toBe(0)
    expect((await me(token)).status).toBe(401)
    expect((await cli('tokens', 'revoke', id)).status).toBe(1)
    expect((await cli('tokens', 'list')).stdout).not.toContain('প্রথম পাতা')
  })

  it('rejects an unknown role with a usage error', async () => {
    const result = await cli('tokens', 'create', '--role', 'owner')
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('Unknown role "owner"')
  })

  it('creates a token while another process holds the account file (a lake stopping), waiting for it', async () => {
    // A stopping lake's last connection folds the WAL into the file under an exclusive lock. The
    // CLI's first read came before its busy timeout was set, so it failed at once ("lake: database
    // is locked", exit 1, nothing printed): a script that went on used an empty token (a 401).
    const dir = mkdtempSync(join(tmpdir(), 'lake-busy-'))
    try {
      const file = join(dir, 'auth.sqlite')
      createAuthStore({path: file}).close()
      const {exited} = await holdExclusively(file, 'sids')
      const io = captureIo({env: {}})
      const status = await runCommand(lakeCommand, ['tokens', 'create', '--data', dir], io)
      expect([status, io.err()]).toEqual([0, ''])
      const store = createAuthStore({path: file})
      try {
        expect(await store.principalForToken(io.out().trim())).toMatchObject({kind: 'token'})
      } finally {
        store.close()
      }
      await exited
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('users', () => {
  it('adds a user with a generated password who can sign in, and removes them', async () => {
    const added = await cli(
      'users',
      'add',
      '--email',
      'rina@example.com',
      '--name',
      'রিনা',
      '--role',
      'contributor',
    )
    expect(added.status).toBe(0)
    const password = /Password \(shown once\): (\S+)/.exec(added.stdout)![1]

    const posted = await fetch(`${lake.url}/auth/login/local`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        email: 'rina@example.com',
        password,
        origin: 'http://localhost:3333/',
      }),
    })
    expect(posted.status).toBe(302)
    const sid = /sid=([^&]+)/.exec(new URL(posted.headers.get('location')!).hash)![1]
    const {token} = (await (
      await fetch(`${lake.url}/v2026-05-04/auth/fetch?sid=${sid}`)
    ).json()) as {
      token: string
    }
    expect(await (await me(token)).json()).toMatchObject({role: 'contributor', name: 'রিনা'})

    expect((await cli('users', 'list')).stdout).toMatch(/contributor\s+rina@example\.com/)
    expect((await cli('users', 'add', '--email', 'rina@example.com')).status).toBe(2)
    expect((await cli('users', 'remove', 'rina@example.com')).status).toBe(0)
    // Their session ends with the account.
    expect((await me(token)).status).toBe(401)
  })
})

describe('the data folder of users and tokens', () => {
  // review25a: in a shell set up by `env --export --data DIR`, `tokens create` made ./.lake's
  // auth.sqlite and put the token there; the lake of DIR answered the site 401s, with no hint.
  it('reads LAKE_DATA when --data is not given, as env and datasets do', async () => {
    for (const argv of [
      ['tokens', 'create', '--role', 'viewer', '--label', 'website'],
      ['users', 'add', '--email', 'tania@example.com', '--password', 'পাসওয়ার্ড১২৩৪'],
    ]) {
      const io = captureIo({env: {LAKE_DATA: lake.dataDir}})
      expect([await runCommand(lakeCommand, argv, io), io.err()]).toEqual([0, ''])
    }
    expect((await cli('tokens', 'list')).stdout).toContain('website')
    expect((await cli('users', 'list')).stdout).toContain('tania@example.com')
    expect((await cli('users', 'remove', 'tania@example.com')).status).toBe(0)
  })

  it.each([
    ['tokens', 'create'],
    ['tokens', 'list'],
    ['users', 'add', '--email', 'tania@example.com'],
    ['users', 'list'],
  ])('%s %s in a folder that holds no accounts: refused, nothing made', async (...argv) => {
    const dir = mkdtempSync(join(tmpdir(), 'lake-none-'))
    try {
      const folder = join(dir, 'lake1')
      const io = captureIo({env: {LAKE_DATA: folder}})
      expect(await runCommand(lakeCommand, argv, io)).toBe(2)
      expect(io.err()).toContain(`${folder} holds no accounts (no auth.sqlite)`)
      expect(io.out()).toBe('')
      expect(existsSync(folder)).toBe(false)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('data folder', () => {
  it('keeps the scripts token and the account database readable only by the owner', () => {
    for (const file of [
      'token',
      'auth.sqlite',
      join('tls', 'key.pem'),
      join('tls', 'ca-key.pem'),
    ]) {
      expect([file, statSync(join(lake.dataDir, file)).mode & 0o777]).toEqual([file, 0o600])
    }
    expect(readFileSync(join(lake.dataDir, 'token'), 'utf8').trim()).toBe(lake.token)
  })
})

describe('env', () => {
  it('prints NAME=value lines that a shell can eval', async () => {
    const result = await cli('env', '--port', '4555')
    expect(result.status).toBe(0)
    expect(result.stdout.trim().split('\n')).toEqual([
      'SANITY_STUDIO_API_HOST=https://localhost:4555',
      `SANITY_API_TOKEN=${lake.token}`,
      // The Sanity CLI (`sanity exec`, `sanity migration run`) reads its token from this one.
      `SANITY_AUTH_TOKEN=${lake.token}`,
      `NODE_EXTRA_CA_CERTS=${join(lake.dataDir, 'tls', 'ca.pem')}`,
      // The project's own commands (example, datasets delete) find the lake's folder by it.
      `LAKE_DATA=${lake.dataDir}`,
    ])
    // What `eval "$(npm run -s lake -- env --export)"` does, in a real shell.
    const exported = await cli('env', '--export')
    const shell = execFileSync(
      'sh',
      ['-c', `eval "$LINES"; sh -c 'echo "$SANITY_STUDIO_API_HOST $NODE_EXTRA_CA_CERTS"'`],
      {encoding: 'utf8', env: {PATH: process.env.PATH, LINES: exported.stdout}},
    )
    expect(shell.trim()).toBe(`https://localhost:3334 ${join(lake.dataDir, 'tls', 'ca.pem')}`)
  })

  it('reads LAKE_DATA and LAKE_PORT when --data and --port are not given', async () => {
    // What `LAKE_DATA=DIR LAKE_PORT=N npm run lake -- env --export` passes: the variables, no flags.
    const io = captureIo({env: {LAKE_DATA: lake.dataDir, LAKE_PORT: '4522'}})
    const status = await runCommand(lakeCommand, ['env', '--export'], io)
    expect([status, io.err()]).toEqual([0, ''])
    expect(io.out().trim().split('\n')).toEqual([
      'export SANITY_STUDIO_API_HOST=https://localhost:4522',
      `export SANITY_API_TOKEN=${lake.token}`,
      `export SANITY_AUTH_TOKEN=${lake.token}`,
      `export NODE_EXTRA_CA_CERTS=${join(lake.dataDir, 'tls', 'ca.pem')}`,
      `export LAKE_DATA=${lake.dataDir}`,
    ])
    // The flags still win over the variables.
    const flagged = captureIo({env: {LAKE_DATA: '/nonexistent-lake-folder', LAKE_PORT: '4522'}})
    expect(
      await runCommand(lakeCommand, ['env', '--data', lake.dataDir, '--port', '4600'], flagged),
    ).toBe(0)
    expect(flagged.out()).toContain('SANITY_STUDIO_API_HOST=https://localhost:4600\n')
    expect(flagged.out()).toContain(`LAKE_DATA=${lake.dataDir}\n`)
  })
})

describe('trust', () => {
  it('--dry-run prints the plan, the CA to trust and the manual steps, and changes nothing', async () => {
    const result = await cli('trust', '--dry-run')
    expect(result.status).toBe(0)
    const ca = join(lake.dataDir, 'tls', 'ca.pem')
    expect(result.stdout).toContain(`Certificate authority: ${ca}`)
    expect(result.stdout).toContain('By hand in a browser (always works)')
    expect(result.stdout).toContain(`NODE_EXTRA_CA_CERTS=${ca}`)
    expect(result.stdout).not.toMatch(/^DONE/m)
  })
})

describe('sessions', () => {
  it('expire, and a sid is good for a few minutes only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lake-auth-'))
    let clock = Date.parse('2026-01-01T00:00:00Z')
    const store = createAuthStore({
      path: join(dir, 'auth.sqlite'),
      now: () => new Date(clock),
      sessionTtlMs: 60 * 60 * 1000,
      sidTtlMs: 60 * 1000,
    })
    try {
      const user = await store.addUser({
        email: 'a@example.com',
        role: 'editor',
        password: 'password-1',
      })
      const token = (await store.exchangeSid(store.createSid(user.id)))!
      expect((await store.principalForToken(token))?.id).toBe(user.id)
      clock += 61 * 60 * 1000
      expect(await store.principalForToken(token)).toBeNull()

      const sid = store.createSid(user.id)
      clock += 2 * 60 * 1000
      expect(await store.exchangeSid(sid)).toBeNull()
    } finally {
      store.close()
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
