/**
 * The search analyzer's thread (lake/store/searchAnalyzerWorker.ts) held while the file named by
 * HELD_ANALYZER_GATE exists: an analysis waits for the file to go before it reads the queue, so a
 * test decides when documents wait for the index rather than racing the analyzer
 * (bulkLoadIndex.test.ts). It waits before it opens a read of its own, so the store's writes and
 * checkpoints go on meanwhile; what the thread is told to write it writes at once.
 */
import {existsSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'
import run from '../../../lake/store/searchAnalyzerWorker.ts'
import type {AnalyzerTask} from '../../../lake/store/searchAnalyzer.ts'

const gate = process.env.HELD_ANALYZER_GATE

export default async function held(task: AnalyzerTask) {
  if (task.kind === 'analyze' && gate) while (existsSync(gate)) await sleep(20)
  return run(task)
}
