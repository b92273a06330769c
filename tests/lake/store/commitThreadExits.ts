/**
 * The commit thread's task module (lake/store/commitThreadWorker.ts) for migration.test.ts: while
 * the file named by COMMIT_THREAD_EXIT_FLAG is missing (it writes it first), the thread ends in
 * the middle of its first upgrade, its write transaction on the dataset's file open, as a thread
 * that is killed or runs out of memory does. Every other task, and the next thread's upgrade, is
 * the lake's own.
 */
import {existsSync, writeFileSync} from 'node:fs'
import {DatabaseSync} from 'node:sqlite'
import type {CommitThreadTask} from '../../../lake/store/commitThread.ts'
import run from '../../../lake/store/commitThreadWorker.ts'

export default function exitsInItsFirstUpgrade(task: CommitThreadTask) {
  const flag = process.env.COMMIT_THREAD_EXIT_FLAG
  if (task.kind === 'migrate' && flag && !existsSync(flag)) {
    writeFileSync(flag, 'exited once')
    const file = new DatabaseSync(task.path)
    file.exec('BEGIN IMMEDIATE')
    file.exec('CREATE TABLE upgrade_cut_short (x)')
    process.exit(1)
  }
  return run(task)
}
