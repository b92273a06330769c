/**
 * SQLite's locks on the auth file's WAL index (`-shm`) stay held while any connection of this
 * process has the file open. POSIX locks belong to the process: closing any descriptor of the file,
 * even one opened only to read it, releases every lock SQLite holds on it, and another process (the
 * command line) may then take the WAL index's DMS byte and rebuild it under a live lake. The auth
 * store once opened `-shm` itself to read the WAL-index header and closed it at its close.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {createAuthStore} from '../../../lake/auth/authStore.ts'
import {DMS_BYTE, locksHeld} from '../../helpers/posixLocks.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

test.runIf(process.platform === 'linux')(
  "closing the command line's auth store keeps the lake's locks on the auth WAL index",
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lake-auth-shm-'))
    cleanup.push(() => rm(dir, {recursive: true, force: true}))
    const path = join(dir, 'auth.sqlite')
    const open = () => createAuthStore({path, passwordCost: {N: 2 ** 10, r: 8, p: 1}})
    // The lake's store, open throughout, checking a token as each request does.
    const lake = open()
    cleanup.push(() => lake.close())
    const {token} = await lake.createToken({label: 'robot', role: 'editor'})
    expect(await lake.principalForToken(token)).toMatchObject({kind: 'token'})
    expect(locksHeld(`${path}-shm`, DMS_BYTE)).not.toEqual([])

    // The command line opens the same file, revokes the token and closes.
    const cli = open()
    expect(cli.revokeToken(token)).toBe(true)
    cli.close()

    expect(locksHeld(`${path}-shm`, DMS_BYTE)).not.toEqual([])
    // The lake's store still sees the revocation at the next request, through its WAL index.
    expect(await lake.principalForToken(token)).toBeNull()
    expect(locksHeld(`${path}-shm`, DMS_BYTE)).not.toEqual([])
  },
)
