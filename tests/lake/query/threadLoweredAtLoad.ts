/**
 * A query pool's thread module (closedPool.test.ts) held while it loads, lowered as thread.ts
 * lowers a query thread loading the engine: it names itself a query thread, lowers its priority
 * (only where it may take it back, as thread.ts), writes its Linux thread id to `<fifo>.tid`, and
 * reads the FIFO named by LAKE_TEST_HELD_LOAD until the test lets it go. A load of 0.3-1.5 s of CPU
 * that a busy machine stretches to seconds at the lowered priority, made to last.
 */
import {openSync, readSync, writeFileSync} from 'node:fs'
import {getPriority} from 'node:os'
import {isMainThread} from 'node:worker_threads'
import {
  mayRaiseTo,
  nameOwnThread,
  ownThreadId,
  QUERY_THREAD_NAME,
  setThreadNice,
  workerNice,
} from '../../../lake/query/priority.ts'

const fifo = process.env.LAKE_TEST_HELD_LOAD
// Not the test's own thread, which imports nothing of it but may load it.
if (!isMainThread && fifo) {
  nameOwnThread(QUERY_THREAD_NAME)
  const tid = ownThreadId()
  if (tid !== null && mayRaiseTo(getPriority(tid))) setThreadNice(tid, workerNice(getPriority(tid)))
  writeFileSync(`${fifo}.tid`, String(tid ?? 0))
  readSync(openSync(fifo, 'r'), Buffer.alloc(1))
}

export default function run() {
  return {ok: true, json: 'null'}
}
