/**
 * Sync tags are keyed with a secret kept in the data folder: anyone reading a dataset's live event
 * stream (no token needed, as @sanity/client sends one only with includeDrafts) cannot compute
 * which query a tag stands for from the query alone. Before, a tag was `s1:` and 16 characters of
 * an unsalted SHA-256 of [query, params, perspective, role]. The secret persists, so a tag stays
 * the same across restarts of the lake (next-sanity's caches keep tags).
 */
import {createHash} from 'node:crypto'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const QUERY = '*[_type == "article"]{title}'
let lake: TestLake | undefined
afterAll(() => lake?.close())

async function tagOf(running: TestLake): Promise<string> {
  const res = await fetch(
    `${running.url}/v2025-02-19/data/query/test?query=${encodeURIComponent(QUERY)}&perspective=published`,
    {headers: {authorization: `Bearer ${running.token}`}},
  )
  const body = (await res.json()) as {syncTags: string[]}
  expect(body.syncTags).toHaveLength(1)
  return body.syncTags[0]
}

describe('sync tags', () => {
  it('are not the unkeyed hash of the question; the same after a restart', async () => {
    lake = await startTestLake()
    await lake.client().create({_type: 'article', title: 'ক'})
    const tag = await tagOf(lake)
    for (const role of ['editor', 'administrator', 'public', 'none']) {
      const key = JSON.stringify([QUERY, {}, {kind: 'published'}, role])
      const unkeyed = `s1:${createHash('sha256').update(key).digest('base64url').slice(0, 16)}`
      expect(tag).not.toBe(unkeyed)
    }
    expect(tag).toMatch(/^s1:[A-Za-z0-9_-]{16}$/)
    const {dataDir} = lake
    await lake.close({keepData: true})
    lake = await startTestLake({dataDir})
    expect(await tagOf(lake)).toBe(tag)
  })

  it("keep their secret readable by the lake's user only", () => {
    expect(statSync(join(lake!.dataDir, 'live', 'tag.key')).mode & 0o077).toBe(0)
  })

  it('start with a new key over an empty key file (left by a crash while it was made)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lake-test-'))
    mkdirSync(join(dataDir, 'live'))
    writeFileSync(join(dataDir, 'live', 'tag.key'), '', {mode: 0o600})
    await lake?.close()
    lake = await startTestLake({dataDir, tls: false})
    const written = readFileSync(join(dataDir, 'live', 'tag.key'), 'utf8').trim()
    expect(Buffer.from(written, 'base64url')).toHaveLength(32)
    const tag = await tagOf(lake)
    await lake.close({keepData: true})
    lake = await startTestLake({dataDir, tls: false})
    expect(await tagOf(lake)).toBe(tag)
  })

  it('refuse to start over a key file that holds something else, saying what to do', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lake-test-'))
    mkdirSync(join(dataDir, 'live'))
    writeFileSync(join(dataDir, 'live', 'tag.key'), 'not a key\n', {mode: 0o600})
    await expect(startTestLake({dataDir, tls: false})).rejects.toThrow(
      /tag\.key holds no key of 32 bytes: remove it/,
    )
    expect(readFileSync(join(dataDir, 'live', 'tag.key'), 'utf8')).toBe('not a key\n')
    rmSync(dataDir, {recursive: true, force: true})
  })
})
