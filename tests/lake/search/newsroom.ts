/**
 * The newsroom's documents as the index sees them: the seed story's, the search corpus, and the
 * bench's archive (articles, headlines, sources), for tests that walk real shapes of text.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {archiveDocuments} from '../../../bench/data.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {parseArticle} from '../../../scripts/lib/parseArticle.ts'
import {toDocuments} from '../../../scripts/lib/toDocuments.ts'
import {ARTICLES} from './corpus.ts'

const SEED = readFileSync(join(import.meta.dirname, '../../../data/seed/000_6a6c5dd935f09d3d.txt'))

export const NEWSROOM = [
  ...toDocuments(parseArticle(SEED.toString('utf8'), {file: 'seed.txt', asOf: '2025-07-20'}))
    .documents,
  ...ARTICLES,
  ...archiveDocuments({articles: 300, headlines: 100, sources: 10}),
] as SanityDocument[]
