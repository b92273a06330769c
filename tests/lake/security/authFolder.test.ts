/**
 * A data folder's auth.sqlite written by the lake before token digests (8bee73d, fixture made by
 * fixtures/writeAuthFolder.ts from that commit): this lake serves its tokens, and after it has used
 * them the folder is still what that lake reads (`tokens.hash`, a scrypt hash it verifies).
 */
import {cpSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {verifySecret} from '../../../lake/auth/hashing.ts'

const FIXTURE = join(import.meta.dirname, 'fixtures', 'auth-8bee73d')
const tokens = JSON.parse(readFileSync(join(FIXTURE, 'tokens.json'), 'utf8')) as Record<
  'session' | 'robot' | 'revoked',
  string
>

let lake: TestLake
beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lake-auth-folder-'))
  cpSync(join(FIXTURE, 'auth.sqlite'), join(dataDir, 'auth.sqlite'))
  lake = await startTestLake({dataDir})
})
afterAll(() => lake?.close())

const status = async (token: string) => {
  const response = await fetch(`${lake.url}/v2025-02-19/data/query/test?query=1`, {
    headers: {authorization: `Bearer ${token}`},
  })
  await response.arrayBuffer()
  return response.status
}

it("serves the older lake's tokens and leaves each one readable by that lake", async () => {
  expect(await status(tokens.session)).toBe(200)
  expect(await status(tokens.robot)).toBe(200)
  expect(await status(tokens.revoked)).toBe(401)
  const db = new DatabaseSync(join(lake.dataDir, 'auth.sqlite'), {readOnly: true})
  try {
    // What the older lake reads: the row by id, its `hash` checked with scrypt.
    const hashOf = (token: string) =>
      String(
        (db.prepare('SELECT * FROM tokens WHERE id = ?').get(token.slice(2, 14)) as {hash: string})
          .hash,
      )
    expect(await verifySecret(tokens.session, hashOf(tokens.session))).toBe(true)
    expect(await verifySecret(tokens.robot, hashOf(tokens.robot))).toBe(true)
    expect(db.prepare('PRAGMA user_version').get()).toEqual({user_version: 1})
  } finally {
    db.close()
  }
})
