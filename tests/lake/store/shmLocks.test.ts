/**
 * SQLite's locks on a dataset's WAL index (`-shm`) stay held while any connection of this process
 * has the file open. POSIX locks belong to the process: closing any descriptor of the file, even
 * one opened only to read it, releases every lock SQLite holds on it, and another process (a backup,
 * the command line) may then take the WAL index's DMS byte and rebuild it under a live lake. The
 * store once opened `-shm` itself to read its frame count and closed it at the store's close.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {createMendozaPatch} from '../../../lake/core/mendoza.ts'
import {withoutRev} from '../../../lake/core/transaction.ts'
import type {CommittedTransaction, SanityDocument} from '../../../lake/core/types.ts'
import {createSqliteStore, type SqliteStore} from '../../../lake/store/sqliteStore.ts'
import {createWalCheckpointer} from '../../../lake/store/walCheckpointer.ts'
import {DMS_BYTE, locksHeld} from '../../helpers/posixLocks.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

let seq = 0
function commit(store: SqliteStore, docs: Partial<SanityDocument>[]) {
  const id = `tx${++seq}`
  const timestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString()
  const tx: CommittedTransaction = {
    id,
    dataset: 'test',
    timestamp,
    identity: 'pA',
    changes: docs.map((doc) => {
      const after = {...doc, _rev: id, _updatedAt: timestamp} as SanityDocument
      return {
        id: after._id,
        before: null,
        after,
        mutations: [{create: after}],
        effects: {
          apply: createMendozaPatch(null, withoutRev(after)),
          revert: createMendozaPatch(withoutRev(after), null),
        },
      }
    }),
  }
  return store.transact((writer) => writer.commit(tx))
}

test.runIf(process.platform === 'linux')(
  "the store's write groups, checkpoints and close keep SQLite's locks on the WAL index",
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lake-shm-locks-'))
    const path = join(dir, 'test.sqlite')
    cleanup.push(() => rm(dir, {recursive: true, force: true}))
    const open = (checkpoints?: {seen: number; wanted: number; reached: () => void}) => {
      const thread = createWalCheckpointer()
      const store = createSqliteStore(path, 'test', {
        searchIndex: false,
        idleCheckpointMs: 600_000,
        checkpointer: {
          async checkpoint(task) {
            const result = await thread.checkpoint(task)
            if (checkpoints && ++checkpoints.seen === checkpoints.wanted) checkpoints.reached()
            return result
          },
          close: () => thread.close(),
        },
      })
      return {store, thread}
    }
    // The lake's store, open throughout: its connection holds the WAL index.
    const lake = open()
    cleanup.push(async () => {
      lake.store.close()
      await lake.thread.close()
    })
    await commit(lake.store, [{_id: 'first', _type: 'article', title: 'প্রথম'}])
    expect(locksHeld(`${path}-shm`, DMS_BYTE)).not.toEqual([])

    // Another store of the same file in this process writes group after group until its
    // checkpointer has run three checkpoints (the checkpoint rule consulted between them), and
    // closes, while the lake's store stays open.
    let reached = false
    const checkpoints = {seen: 0, wanted: 3, reached: () => (reached = true)}
    const other = open(checkpoints)
    let n = 0
    while (!reached) {
      await commit(other.store, [{_id: `doc${++n}`, _type: 'article', title: `লেখা ${n}`}])
    }
    expect(locksHeld(`${path}-shm`, DMS_BYTE)).not.toEqual([])
    other.store.close()
    await other.thread.close()

    expect(locksHeld(`${path}-shm`, DMS_BYTE)).not.toEqual([])
    // The lake's store still reads and writes through its WAL index.
    await commit(lake.store, [{_id: 'last', _type: 'article', title: 'শেষ'}])
    expect(locksHeld(`${path}-shm`, DMS_BYTE)).not.toEqual([])
  },
)
