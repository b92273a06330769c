/**
 * `npm run dev` imports the seed story into an empty dataset. Its dateline names no year, so read
 * as of today (more than 60 days after it) the import would make it a draft, and the README's
 * first query, in the published perspective, would print null. The seed is read as of its week.
 */
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {SEED_IMPORT_ARGS} from '../../scripts/dev.ts'
import {run as runImport} from '../../scripts/import.ts'
import {parseNdjson} from '../../scripts/lib/ndjson.ts'
import {captureIo, REPO_ROOT} from '../helpers/io.ts'

describe('the seed npm run dev imports', () => {
  it.each(['2025-07-20T00:00:00Z', '2026-12-03T00:00:00Z', '2031-01-01T00:00:00Z'])(
    'is a published article dated 15 July 2025 whatever the day (today: %s)',
    async (today) => {
      const io = captureIo({env: {}, now: new Date(today)})
      expect(await runImport([...SEED_IMPORT_ARGS, '--dry-run'], io)).toBe(0)
      const articles = parseNdjson(io.out()).filter(
        (doc) => (doc as {_type: string})._type === 'article',
      ) as {_id: string; publishedAt?: string}[]
      expect(articles).toHaveLength(1)
      expect(articles[0]!._id).not.toMatch(/^drafts\./)
      expect(articles[0]!.publishedAt).toBe('2025-07-14T18:00:00.000Z')
    },
  )
})

// npm passes the folder a script was typed in as INIT_CWD, and every child inherits it: on main
// `cd data && npm run dev` had dev's own `node scripts/import.ts data/seed` read data/data/seed
// (exit 2, dev exit 1), and `npm run import` typed in data/ looked for its default there too.
describe('paths the project passes stay the project’s, wherever npm run was typed', () => {
  const typedInData = join(REPO_ROOT, 'data')
  const seedArticles = (text: string) =>
    parseNdjson(text).filter((doc) => (doc as {_type: string})._type === 'article')

  it.each([
    [
      'dev’s seed import (npm run dev typed in data/)',
      {npm_lifecycle_event: 'dev'},
      SEED_IMPORT_ARGS,
    ],
    [
      'npm run import with no inputs, typed in data/',
      {npm_lifecycle_event: 'import'},
      ['--as-of', '2025-07-20'],
    ],
    ['node scripts/import.ts data/seed with a stale INIT_CWD', {}, SEED_IMPORT_ARGS],
  ])('%s reads the seed', async (_name, npmEnv, args) => {
    const io = captureIo({env: {...npmEnv, INIT_CWD: typedInData}})
    expect(await runImport([...args, '--dry-run'], io), io.err()).toBe(0)
    expect(seedArticles(io.out())).toHaveLength(1)
  })

  it('a path the user typed to npm run import is still read from where they typed it', async () => {
    const io = captureIo({env: {npm_lifecycle_event: 'import', INIT_CWD: typedInData}})
    expect(await runImport(['seed/', '--dry-run', '--as-of', '2025-07-20'], io), io.err()).toBe(0)
    expect(seedArticles(io.out())).toHaveLength(1)
  })
})
