/**
 * A query pool's thread module (youngGeneration.test.ts): the lake's query engine (worker.ts),
 * and a query `young` answered with the size of this thread's young generation (V8's new space),
 * in bytes, which loading the engine grows and the thread keeps unless it gives it back.
 */
import {getHeapSpaceStatistics} from 'node:v8'
import run from '../../../lake/query/thread.ts'

type Task = Parameters<typeof run>[0]

export default function young(task: Task) {
  if (task?.kind === 'query' && task.request.query === 'young') {
    const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')
    return {ok: true, json: String(space?.space_size ?? NaN)}
  }
  return run(task)
}
