/**
 * What the full-text index (docs/search.md) costs writes. The search queries themselves are in
 * bench/queries.ts.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {StoreWriter} from '../lake/core/store.ts'
import type {SanityDocument} from '../lake/core/types.ts'
import {createSqliteStore} from '../lake/store/sqliteStore.ts'
import {newsroomDocuments, type BenchDocument} from './data.ts'

export interface IndexWriteRate {
  mode: string
  documents: number
  /** Acknowledged: the index is filled after commits, from a queue (store/searchIndex.ts). */
  withIndex: number
  /** Until the index had caught up with every commit too. */
  withIndexCaughtUp: number
  withoutIndex: number
}

/** One transaction of `docs` created, as the lake commits it (no HTTP around it). */
function commitDocs(writer: StoreWriter, docs: BenchDocument[], n: number) {
  writer.commit({
    id: `tx-${n}`,
    dataset: 'w',
    timestamp: new Date(Date.UTC(2025, 0, 1) + n).toISOString(),
    identity: 'bench',
    changes: docs.map((doc) => ({
      id: doc._id,
      after: doc as SanityDocument,
      mutations: [{createOrReplace: doc}],
      effects: {apply: [], revert: []},
    })),
  } as unknown as Parameters<StoreWriter['commit']>[0])
}

/**
 * Transactions straight into a store, with and without the full-text index (documents/s): one
 * document per transaction (each durable, so mostly fsync) and 1,000 per transaction (a bulk load,
 * where the index's own work shows). Without HTTP around them, so the index's largest share. With
 * the index, both the acknowledged rate and the rate until the index had caught up.
 */
export async function benchIndexWrites(count = 2000): Promise<IndexWriteRate[]> {
  const docs = newsroomDocuments(count, 7).filter((doc) => doc._type === 'article')
  const bulk = newsroomDocuments(count * 5, 8).filter((doc) => doc._type === 'article')
  const modes = [
    {mode: 'one document per transaction', docs, batch: 1},
    {mode: '1,000 documents per transaction', docs: bulk, batch: 1000},
  ]
  const dir = await mkdtemp(join(tmpdir(), 'bench-index-writes-'))
  try {
    const results: IndexWriteRate[] = []
    for (const {mode, docs: input, batch} of modes) {
      const rates: number[] = []
      const caughtUp: number[] = []
      // Alternate, twice each, so machine load drifts evenly over both.
      for (const searchIndex of [true, false, true, false]) {
        const file = join(dir, `${batch}-${searchIndex}-${rates.length}.sqlite`)
        const store = createSqliteStore(file, 'w', {searchIndex})
        const t0 = performance.now()
        for (let i = 0; i < input.length; i += batch) {
          await store.transact((writer) => commitDocs(writer, input.slice(i, i + batch), i))
        }
        rates.push(input.length / ((performance.now() - t0) / 1000))
        // What the index steps between commits did not do yet.
        store.flushSearchIndex()
        caughtUp.push(input.length / ((performance.now() - t0) / 1000))
        store.close()
      }
      results.push({
        mode,
        documents: input.length,
        withIndex: (rates[0] + rates[2]) / 2,
        withIndexCaughtUp: (caughtUp[0] + caughtUp[2]) / 2,
        withoutIndex: (rates[1] + rates[3]) / 2,
      })
    }
    return results
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}
