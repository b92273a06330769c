/**
 * A stop needs no WAL checkpoint: the stores' close folds the log into the file. The checkpointer's
 * close waits for the checkpoint its thread is in (a native call that cannot be cut: up to a second
 * at load 10), so it starts with the stop, not after the queued writes have finished; their
 * groups, which ask for a checkpoint as any group does, then get a busy answer at once. Before,
 * the stop's own last write started one and the stop waited for it (400 → 1,431 ms of one stop
 * under six busy loops). Here the lake is given a checkpointer that records what it is asked, in
 * order.
 */
import {rm} from 'node:fs/promises'
import {expect, test} from 'vitest'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {createWalCheckpointer, type WalCheckpointer} from '../../../lake/store/walCheckpointer.ts'
import {createTestLake} from '../../helpers/lake.ts'
import {creating} from '../../helpers/store.ts'

/** The lake's own checkpointer, each call and answer recorded in `asked`. */
function recording(asked: string[]): WalCheckpointer {
  const inner = createWalCheckpointer()
  return {
    checkpoint: (task) => {
      asked.push('checkpoint')
      return inner.checkpoint(task).then((result) => {
        asked.push(result.busy ? 'answered busy' : 'checkpointed')
        return result
      })
    },
    close: () => {
      asked.push('close')
      return inner.close()
    },
  }
}

test("a stop closes the checkpointer first: the stop's own writes start no checkpoint", async () => {
  const asked: string[] = []
  const {lake, dataDir} = await createTestLake({checkpointer: recording(asked)})
  try {
    const store = lake.context.stores.get('test')
    // Queued before the stop: its group is the dataset's first, which asks for a checkpoint.
    const written = store.transact((w) =>
      w.commit(creating('tx1', [{_id: 'a1', _type: 'article'} as SanityDocument])),
    )
    await lake.close()
    await written
    expect(asked[0]).toBe('close')
    expect(asked).not.toContain('checkpointed')
  } finally {
    await rm(dataDir, {recursive: true, force: true})
  }
})
