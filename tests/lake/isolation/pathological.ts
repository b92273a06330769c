import {setTimeout as sleep} from 'node:timers/promises'
import {expect} from 'vitest'

/** The pathological queries of issue 9, as a web page could send them to the lake anonymously. */

/** Quadratic in $s: with 1,500 characters it kept the lake's event loop busy for ~7 s. */
export const SPLIT_QUERY = 'count(string::split($s, "")[count(string::split($s, "")[@ == ^]) > 0])'

export function pathologicalUrl(base: string, dataset = 'test', length = 1500): string {
  const s = 'ক'.repeat(length)
  const search = new URLSearchParams({query: SPLIT_QUERY, $s: JSON.stringify(s)})
  return `${base}/v2025-02-19/data/query/${dataset}?${search}`
}

/** Milliseconds a request takes to answer (status included). */
export async function timed(
  url: string,
  init?: RequestInit,
): Promise<{ms: number; status: number}> {
  const started = performance.now()
  const res = await fetch(url, init)
  await res.arrayBuffer()
  return {ms: performance.now() - started, status: res.status}
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/**
 * Pings `url` every `everyMs` from `start` until `done` settles (at least `min` of them), each sent
 * when due without waiting for the one before and timed from when it was due, not sent: a lake in
 * this process shares its event loop, so a loop held before a ping is sent delays its sending,
 * and pings timed from their sending answered at once after a held loop. Every ping due before
 * `done` settled is sent. Their times; compare their median with idle pings' measured in the same
 * run (`idlePings`): on a busy machine every ping waits for a core, and the lake cannot help that.
 */
export async function pingsFromDue(
  url: string,
  done: Promise<unknown>,
  {everyMs = 50, min = 3, start = performance.now()} = {},
): Promise<number[]> {
  let settledAt = Infinity
  void done.finally(() => (settledAt = performance.now())).catch(() => {})
  const pings: Promise<number>[] = []
  for (let i = 0; ; i++) {
    const due = start + i * everyMs
    await sleep(Math.max(0, due - performance.now()))
    if (due > settledAt && pings.length >= min) break
    pings.push(
      timed(url).then(
        () => performance.now() - due,
        // A reset connection (a pause past the keep-alive timeout) counts as what it waited.
        () => performance.now() - due,
      ),
    )
  }
  return Promise.all(pings)
}

/** Pings of an idle lake for `ms`, timed as `pingsFromDue`'s: the machine's own delay, measured now. */
export function idlePings(url: string, ms = 300, everyMs = 50): Promise<number[]> {
  return pingsFromDue(url, sleep(ms), {everyMs})
}

/**
 * Whether pings taken while a request ran answered as an idle lake's do: their median under 100 ms
 * more than twice the idle pings' median. A held event loop adds what it was held for (seconds)
 * to every ping due meanwhile; the machine's load adds as much to the idle pings.
 */
export function pingsBound(idle: number[]): number {
  return 100 + 2 * median(idle)
}

/** One run of a request with pings beside it (pingsFromDue) and idle pings just before it. */
export interface PingRun {
  pings: number[]
  idle: number[]
  /**
   * Why this run measured nothing, when a loaded machine kept the request from what is measured
   * (say, a listener refused at its open): the run counts as failed, and the next one tries again.
   */
  inconclusive?: string
}

/**
 * Runs `measure` (a request with pings beside it, its answer checked) until its pings answered as
 * an idle lake's did (pingsBound), at most `runs` times. A request of a second or less is as long
 * as one pause of a loaded machine's (0.2-0.8 s at load 20, the lake idle), which makes every ping
 * due in it late; a loop held by the request holds every run's pings, so the best of three runs
 * still fails it.
 */
export async function expectPingsAnswered(
  measure: (run: number) => Promise<PingRun>,
  runs = 3,
): Promise<void> {
  const measured: string[] = []
  for (let run = 0; run < runs; run++) {
    const {pings, idle, inconclusive} = await measure(run)
    if (inconclusive) {
      measured.push(inconclusive)
      continue
    }
    if (median(pings) < pingsBound(idle)) return
    measured.push(
      `during ${pings.map(Math.round).join(' ')}; idle ${idle.map(Math.round).join(' ')}`,
    )
  }
  throw new Error(
    `pings waited past an idle lake's (median under 100 ms + 2 x the idle median) in every run: ${measured.join(' | ')}`,
  )
}

/**
 * Expects a lake's one query thread free again at once after a client left its query: `cancel`
 * sends a query that holds the thread for seconds and disconnects it; `cheap` then asks a cheap
 * question of the thread, which waits behind the first if that kept running. Judged against
 * `startMs`, measured in the same run: the lake's first query, which waited for its thread to
 * start (a cancelled query's thread is terminated and replaced, and the cheap one may wait for
 * the new one as long). Within 3 x that + 1 s, in one of up to three runs (one pause of a loaded
 * machine can delay any request): a query left running holds the thread for the rest of its
 * 7-15 s (quiet), stretched by the machine's load as a thread's start is. A fixed 2 s failed
 * where a thread's start at its nice level took seconds (load 15-40).
 */
export async function expectFreedAfterCancel(
  cancel: () => Promise<void>,
  cheap: () => Promise<{ms: number; status: number}>,
  startMs: number,
): Promise<void> {
  const measured: string[] = []
  for (let run = 0; run < 3; run++) {
    await cancel()
    const answer = await cheap()
    expect(answer.status).toBe(200)
    measured.push(`${Math.round(answer.ms)} ms`)
    if (answer.ms < 3 * startMs + 1000) return
  }
  throw new Error(
    `a cheap query waited past 3 x the first query's ${Math.round(startMs)} ms + 1 s after each cancel: ${measured.join(', ')}`,
  )
}

/**
 * Expects a request stopped at its deadline (`timeoutMs`), not run to its end and answered late:
 * `ms` the request's wall time, `cpuMs` the CPU time the lake's process (all its threads, ended
 * ones included: `cpuTimes(pid).all`) spent meanwhile, under three deadlines of it (the query's
 * thread at most one, a replacement thread's start 0.3-1.5 s, the pings little), where the
 * pathological queries run to their end take 6.4-111 s of CPU. CPU time, which the machine's
 * load does not stretch; the answer's wall time did (a 504 past the deadline + 5 s it was once
 * allowed: the thread's stop, and a new one's start, at their nice level on a loaded machine).
 */
export function expectStopped({cpuMs, ms}: {cpuMs: number; ms: number}, timeoutMs: number): void {
  expect(ms).toBeGreaterThanOrEqual(timeoutMs - 50)
  expect(cpuMs, `${cpuMs} ms of CPU in ${Math.round(ms)} ms`).toBeLessThan(3 * timeoutMs)
}
