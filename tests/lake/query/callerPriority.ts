/**
 * What the callers' priority tests share: the nice values of the query thread that ran a task,
 * sampled while it ran.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {QUERY_THREAD_NAME} from '../../../lake/query/priority.ts'

/**
 * Waits until no query thread uses CPU between two readings: the last task's thread may still be
 * handing its answer back (piscina's side of it) at that task's priority.
 */
async function quiet(): Promise<void> {
  const used = () => [...queryThreads().values()].reduce((sum, {cpuMs}) => sum + cpuMs, 0)
  let before = used()
  for (let i = 0; i < 500; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    const now = used()
    if (now === before) return
    before = now
  }
}

/** This process's query threads (named by thread.ts): nice (stat's field 19) and CPU (ms). */
function queryThreads(): Map<string, {nice: number; cpuMs: number}> {
  const states = new Map<string, {nice: number; cpuMs: number}>()
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== QUERY_THREAD_NAME) continue
      const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      states.set(tid, {nice, cpuMs: ns / 1e6})
    } catch {
      // It ended between the listing and the read.
    }
  }
  return states
}

/**
 * Runs `task` and samples the query threads every few ms until it is answered: the nice values
 * of the thread that used the most CPU meanwhile (the task's), each taken while it was using CPU,
 * in order (`sequence`), and the set of them after the first (`nices`): the first may catch the
 * thread taking the task over (piscina's message) at the last task's priority, before the task's
 * first instruction sets its own.
 */
export async function nicesWhileRunning<T>(
  task: () => Promise<T>,
): Promise<{answer: T; nices: number[]; sequence: number[]; samples: number}> {
  await quiet()
  let last = queryThreads()
  const begin = new Map([...last].map(([tid, {cpuMs}]) => [tid, cpuMs]))
  const seen = new Map<string, number[]>()
  const sample = () => {
    const now = queryThreads()
    for (const [tid, state] of now) {
      const before = last.get(tid)
      if (!begin.has(tid)) begin.set(tid, before?.cpuMs ?? 0)
      if (before && state.cpuMs <= before.cpuMs) continue
      const thread = seen.get(tid) ?? []
      thread.push(state.nice)
      seen.set(tid, thread)
    }
    last = now
  }
  const sampler = setInterval(sample, 3)
  let answer: T
  try {
    answer = await task()
  } finally {
    clearInterval(sampler)
  }
  const used = (tid: string) => (last.get(tid)?.cpuMs ?? 0) - (begin.get(tid) ?? 0)
  const [tid] = [...seen.keys()].sort((a, b) => used(b) - used(a))
  const thread = seen.get(tid)
  const sequence = thread ?? []
  const nices = [...new Set(sequence.slice(1))].sort((a, b) => a - b)
  return {answer, nices, sequence, samples: sequence.length}
}
