/**
 * The lake fills its full-text index after each commit, from a queue (lake/store/searchIndex.ts);
 * until then queued documents are candidates of every search, so results are right either way.
 * Tests of what the index itself finds wait for it first, so they are not answered by the queue.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'

export async function searchIndexCaughtUp(dataDir: string, dataset: string): Promise<void> {
  const file = join(dataDir, 'datasets', `${dataset}.sqlite`)
  if (!existsSync(file)) return
  const db = new DatabaseSync(file, {readOnly: true})
  try {
    const queued = db.prepare(
      'SELECT (SELECT count(*) FROM search_queue) + (SELECT count(*) FROM search_reindex) AS n',
    )
    const deadline = Date.now() + 30_000
    while (Number((queued.get() as {n: number}).n) > 0) {
      if (Date.now() > deadline)
        throw new Error(`the full-text index of ${dataset} did not catch up`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  } finally {
    db.close()
  }
}
