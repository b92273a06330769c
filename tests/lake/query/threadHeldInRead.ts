/**
 * A query pool's thread module (closedPool.test.ts) whose task blocks in a system call until the
 * test lets it go: a thread told to stop there cannot end before (V8 stops JavaScript, not a read
 * of a pipe), as a thread freeing a large heap at a low priority ends late. It names itself so the
 * test can count it, writes `task.marker` once it is about to block, then reads `task.fifo`.
 */
import {openSync, readSync, writeFileSync} from 'node:fs'
import {isMainThread} from 'node:worker_threads'
import {nameOwnThread} from '../../../lake/query/priority.ts'

export const HELD_THREAD_NAME = 'held-thread'

// Not the test's own thread, which imports the name.
if (!isMainThread) nameOwnThread(HELD_THREAD_NAME)

export default function run(task: {fifo?: string; marker?: string} | null) {
  if (!task?.fifo || !task.marker) return {ok: true, json: 'null'}
  writeFileSync(task.marker, '')
  // One read of one byte (readFileSync loops until the end of what it reads).
  readSync(openSync(task.fifo, 'r'), Buffer.alloc(1))
  return {ok: true, json: 'null'}
}
