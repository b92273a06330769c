/**
 * A stop needs no WAL checkpoint: the stores' close folds the log into the file. The checkpointer's
 * close waits for the checkpoint its thread is in (a native call that cannot be cut: up to a second
 * at load 10), so it starts with the stop, not after the queued writes have finished; their
 * groups, which ask for a checkpoint as any group does, then get a busy answer at once. Before,
 * the stop's own last write started one and the stop waited for it (400 → 1,431 ms of one stop
 * under six busy loops). Here the checkpointer is wrapped to record what it is asked, in order.
 * The timed project shares one module graph between its files (isolate: false), so the lake is
 * imported anew inside the test: one imported before by another file would hold the real module.
 */
import {rm} from 'node:fs/promises'
import {expect, test, vi} from 'vitest'
import type {SanityDocument} from '../../../lake/core/types.ts'
import type * as Checkpointer from '../../../lake/store/walCheckpointer.ts'

const asked: string[] = []

vi.mock('../../../lake/store/walCheckpointer.ts', async (importOriginal) => {
  const real = await importOriginal<typeof Checkpointer>()
  return {
    ...real,
    createWalCheckpointer() {
      const inner = real.createWalCheckpointer()
      return {
        checkpoint: (task: Parameters<typeof inner.checkpoint>[0]) => {
          asked.push('checkpoint')
          return inner.checkpoint(task).then((result: Checkpointer.CheckpointResult) => {
            asked.push(result.busy ? 'answered busy' : 'checkpointed')
            return result
          })
        },
        close: () => {
          asked.push('close')
          return inner.close()
        },
      }
    },
  }
})

test("a stop closes the checkpointer first: the stop's own writes start no checkpoint", async () => {
  vi.resetModules()
  const {createTestLake} = await import('../../helpers/lake.ts')
  const {creating} = await import('../../helpers/store.ts')
  const {lake, dataDir} = await createTestLake()
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
