/**
 * Run by pool.test.ts in a process that may not raise a thread's priority back: a query pool of one
 * thread whose first task is long enough to be demoted. The lane's first task queues the pool's
 * warm-up tasks behind it, so the demoted thread is handed one the moment its task ends. Prints
 * what became of the next, cheap task as JSON, for each of three pools.
 */
import {createQueryPool} from '../../../lake/query/pool.ts'
import {squareFilter} from '../../helpers/squareFilter.ts'

// Three pools, one after the other: whether the warm-up task reaches the demoted thread before its
// task's end is heard is a race (two in three runs here before the fix).
const rounds = []
for (let round = 0; round < 3; round++) {
  const pool = createQueryPool({timeoutMs: 120_000, memoryMb: 64, threads: 1})
  try {
    const slow = await pool.filter(squareFilter(1600), 120_000, 60_000)
    const started = performance.now()
    const cheap = await pool.filter(squareFilter(10), 60_000, 5_000).then(
      (answer) => ({answer}),
      (err: Error) => ({error: err.message}),
    )
    rounds.push({slow, cheap, cheapMs: Math.round(performance.now() - started)})
  } finally {
    await pool.close()
  }
}
process.stdout.write(JSON.stringify(rounds) + '\n')
