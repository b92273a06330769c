/**
 * A commit thread's task module (wrapping lake/store/commitThreadWorker.ts) that counts each task
 * it has run in the shared Int32Array the task carries as `ran`, so that a test holding the event
 * loop can see which tasks reached the thread meanwhile (commitStream.test.ts).
 */
import type {CommitThreadTask} from '../../../lake/store/commitThread.ts'
import run from '../../../lake/store/commitThreadWorker.ts'

export default function counted(task: CommitThreadTask & {ran?: Int32Array}) {
  const answer = run(task)
  if (task.ran) {
    Atomics.add(task.ran, 0, 1)
    Atomics.notify(task.ran, 0)
  }
  return answer
}
