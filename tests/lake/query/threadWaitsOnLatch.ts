/**
 * A query pool's thread module (laneTurns.test.ts) whose task writes its `label` into `began` (an
 * Int32Array over shared memory: [0] counts the tasks begun, [1...] their labels in that order),
 * then waits on its `latch` until the test lets it go: the test holds a lane's threads as long as
 * it likes and reads which task a freed thread took, with nothing left to timing.
 */
interface LatchTask {
  label?: number
  began?: SharedArrayBuffer
  latch?: SharedArrayBuffer
  /** A batch of listener filters (filterBatchTurns.test.ts): each gets an answer. */
  alike?: unknown[]
}

export default function run(task: LatchTask | null) {
  if (!task?.began || !task.latch || task.label === undefined) return {ok: true, json: 'null'}
  const began = new Int32Array(task.began)
  const at = Atomics.add(began, 0, 1) + 1
  Atomics.store(began, at, task.label)
  Atomics.notify(began, 0)
  const latch = new Int32Array(task.latch)
  Atomics.wait(latch, 0, 0)
  const answer = {ok: true, json: String(task.label)}
  return task.alike ? {...answer, alike: task.alike.map(() => answer)} : answer
}
