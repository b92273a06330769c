/**
 * A commit thread's task module (wrapping lake/store/commitThreadWorker.ts) that SIGKILLs its
 * whole lake process right after the COMMIT of the transaction named by COMMIT_THREAD_DIES_AFTER:
 * what the commit wrote is in the dataset's file, and nothing the event loop would do once told of
 * it (the asset clean-up among them) is done. Before that COMMIT it writes the file named by
 * COMMIT_THREAD_DIES_WAITING (the dataset's write lock is held from then on) and waits, up to a
 * minute, for the file named by COMMIT_THREAD_DIES_WAITS_FOR to exist: an upload whose file is in
 * place and whose document waits for the lock (lakeThatDies.ts, afterKill.test.ts).
 */
import {existsSync, writeFileSync} from 'node:fs'
import type {CommitThreadTask} from '../../../lake/store/commitThread.ts'
import run from '../../../lake/store/commitThreadWorker.ts'

export default function diesAfter(task: CommitThreadTask) {
  if (task.kind !== 'commit' || task.tx.id !== process.env.COMMIT_THREAD_DIES_AFTER) {
    return run(task)
  }
  const waiting = process.env.COMMIT_THREAD_DIES_WAITING
  if (waiting) writeFileSync(waiting, 'waiting')
  const waitFor = process.env.COMMIT_THREAD_DIES_WAITS_FOR
  const sleeper = new Int32Array(new SharedArrayBuffer(4))
  const until = Date.now() + 60_000
  while (waitFor && !existsSync(waitFor) && Date.now() < until) Atomics.wait(sleeper, 0, 0, 10)
  const answer = run(task)
  if (answer?.failure) return answer
  process.kill(process.pid, 'SIGKILL')
  return answer
}
