/**
 * An idle thread's task module (idleThread.test.ts) that fails to load while the file named by
 * IDLE_THREAD_FAIL_FLAG is missing (it writes it first), as a thread that cannot start does (too
 * many open files, out of memory): the next thread loads it. Its task `exit` ends the thread;
 * `exit-when:<dir>` writes <dir>/begun, waits for <dir>/go, then ends the thread.
 */
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

const flag = process.env.IDLE_THREAD_FAIL_FLAG
if (flag && !existsSync(flag)) {
  writeFileSync(flag, 'failed once')
  throw new Error('this thread could not start (a test)')
}

/** `exit`: the thread ends under its task, as one killed does. */
export default function answer(task: string): string {
  if (task === 'exit') process.exit(1)
  if (task.startsWith('exit-when:')) {
    // Held until the test has queued a task behind this one.
    const dir = task.slice('exit-when:'.length)
    writeFileSync(join(dir, 'begun'), '')
    const pause = new Int32Array(new SharedArrayBuffer(4))
    while (!existsSync(join(dir, 'go'))) Atomics.wait(pause, 0, 0, 10)
    process.exit(1)
  }
  return `done: ${task}`
}
