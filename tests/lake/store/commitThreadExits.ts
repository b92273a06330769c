/**
 * A commit thread's task module (wrapping lake/store/commitThreadWorker.ts) that ends its thread
 * once, as a thread that is killed or runs out of memory does; it writes the file named by
 * COMMIT_THREAD_EXIT_FLAG first, so the next thread runs every task as the lake's own does.
 * - migration.test.ts: in the middle of its first upgrade, its write transaction on the
 *   dataset's file open.
 * - commitStream.test.ts (COMMIT_THREAD_EXIT_AT_ROWS): in the middle of a streamed commit, after
 *   its n-th slice of rows, its SQL transaction open; (COMMIT_THREAD_EXIT_AT_END) after a streamed
 *   commit's COMMIT, before its answer is posted.
 * - commitThread.test.ts (COMMIT_THREAD_EXIT_AFTER names a transaction): after that
 *   transaction's COMMIT, before its answer is posted (the bytes lent to it go with it). With
 *   COMMIT_THREAD_EXIT_DROPS_LOG, its changes' rows in the log go first: a log the store cannot
 *   read the transaction back from (missedCommit.ts: a lake over HTTP that cannot announce it).
 */
import {existsSync, writeFileSync} from 'node:fs'
import {DatabaseSync} from 'node:sqlite'
import type {CommitThreadTask} from '../../../lake/store/commitThread.ts'
import run from '../../../lake/store/commitThreadWorker.ts'

let rowsSeen = 0

export default function exitsOnce(task: CommitThreadTask) {
  const flag = process.env.COMMIT_THREAD_EXIT_FLAG
  if (!flag || existsSync(flag)) return run(task)
  const after = process.env.COMMIT_THREAD_EXIT_AFTER
  if (after === undefined && task.kind === 'migrate') {
    writeFileSync(flag, 'exited once')
    const file = new DatabaseSync(task.path)
    file.exec('BEGIN IMMEDIATE')
    file.exec('CREATE TABLE upgrade_cut_short (x)')
    process.exit(1)
  }
  // COMMIT_THREAD_EXIT_AT_ROWS=n: after the n-th rows of a streamed commit, its transaction open.
  const atRows = process.env.COMMIT_THREAD_EXIT_AT_ROWS
  if (atRows !== undefined && task.kind === 'rows' && ++rowsSeen === Number(atRows)) {
    const answer = run(task)
    if (answer?.failure) return answer
    writeFileSync(flag, 'exited once')
    process.exit(1)
  }
  if (process.env.COMMIT_THREAD_EXIT_AT_END && task.kind === 'end') {
    const answer = run(task)
    if (answer?.failure) return answer
    writeFileSync(flag, 'exited once')
    process.exit(1)
  }
  if (after !== undefined && task.kind === 'commit' && task.tx.id === after) {
    const answer = run(task)
    if (answer?.failure) return answer
    if (process.env.COMMIT_THREAD_EXIT_DROPS_LOG) {
      const file = new DatabaseSync(task.path)
      file
        .prepare('DELETE FROM changes WHERE tx_seq = (SELECT seq FROM transactions WHERE id = ?)')
        .run(after)
      file.close()
    }
    writeFileSync(flag, 'exited once')
    process.exit(1)
  }
  return run(task)
}
