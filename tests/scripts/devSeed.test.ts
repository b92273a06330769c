/**
 * `npm run dev` imports the seed story into an empty dataset. Its dateline names no year, so read
 * as of today (more than 60 days after it) the import would make it a draft, and the README's
 * first query, in the published perspective, would print null. The seed is read as of its week.
 */
import {describe, expect, it} from 'vitest'
import {SEED_IMPORT_ARGS} from '../../scripts/dev.ts'
import {run as runImport} from '../../scripts/import.ts'
import {parseNdjson} from '../../scripts/lib/ndjson.ts'
import {captureIo} from '../helpers/io.ts'

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
