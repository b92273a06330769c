/**
 * Run by callerPriority.test.ts in a process that may not raise a thread's priority back: a query
 * pool of one query thread (demotion off), given an anonymous caller's query, a signed-in
 * editor's, and each once more. Prints each one's nice values while it ran (nicesWhileRunning),
 * with the lake's nice, as JSON.
 */
import {getPriority} from 'node:os'
import {createQueryPool} from '../../../lake/query/pool.ts'
import {editorSquareQuery, squareQuery} from '../../helpers/squareFilter.ts'
import {nicesWhileRunning} from './callerPriority.ts'

const pool = createQueryPool({timeoutMs: 120_000, memoryMb: 256, threads: 1, demoteAfterMs: 1e9})
const runs = []
try {
  await pool.run(editorSquareQuery(10))
  for (const [who, query] of [
    ['anonymous', squareQuery],
    ['editor', editorSquareQuery],
    ['anonymous', squareQuery],
    ['editor', editorSquareQuery],
  ] as const) {
    const {answer, nices, sequence, samples} = await nicesWhileRunning(() => pool.run(query(1600)))
    runs.push({who, ok: answer.ok, nices, sequence, samples})
  }
} finally {
  await pool.close()
}
process.stdout.write(JSON.stringify({lakeNice: getPriority(), runs}) + '\n')
