/**
 * sharp, loaded on the first image rather than with the lake: its native library (libvips) adds
 * about 27 MB to the lake's resident memory, and most lakes serve queries far more than images.
 *
 * Every sharp job of the process (an upload's metadata, a rendition, the backfill) runs through
 * one queue, at most SHARP_JOBS at once. Each running pipeline holds one thread of libuv's pool
 * for as long as it decodes, and that pool (4 threads) also runs every durable commit's
 * fdatasync: with the pool full of decodes, a write once waited 15.7 s behind them.
 */
import type SharpModule from 'sharp'
import {ClientGoneError} from '../core/errors.ts'

type Sharp = typeof SharpModule

/** Jobs running at once: two leave libuv's pool room for commits, and use both cores. */
export const SHARP_JOBS = 2

let loading: Promise<Sharp> | null = null
let running = 0
/**
 * Jobs waiting, by caller; a caller's place in the map is its turn (the one served goes to the
 * back while it has more). In arrival order alone, one caller's hundreds of renditions, each
 * waited for, held every other caller's and every upload's behind them.
 */
const waiting = new Map<string, (() => void)[]>()

/** The next caller's first job, its caller to the back of the line. */
function nextWaiting(): (() => void) | undefined {
  const first = waiting.entries().next()
  if (first.done) return undefined
  const [holder, jobs] = first.value
  const job = jobs.shift()!
  waiting.delete(holder)
  if (jobs.length > 0) waiting.set(holder, jobs)
  return job
}

function loadSharp(): Promise<Sharp> {
  return (loading ??= import('sharp').then((module) => {
    // libvips' operation cache keeps decoded images after a job; renditions are cached on disk.
    module.default.cache(false)
    return module.default
  }))
}

/**
 * Runs `job` with sharp when a slot of the queue is free and it is `holder`'s turn (callers take
 * turns: a rendition's asker, '' for uploads and the backfill); the slot is held until it settles.
 * `wanted`, asked when the slot comes: false when nobody waits for the job's result any more (its
 * clients went away), and it is not run. Before, a client's hundreds of renditions asked and
 * abandoned were all rendered, and every image asked after them waited.
 */
export async function withSharp<T>(
  job: (sharp: Sharp) => Promise<T>,
  wanted?: () => boolean,
  holder = '',
): Promise<T> {
  const sharp = await loadSharp()
  if (running < SHARP_JOBS) running++
  else {
    await new Promise<void>((resolve) => {
      const jobs = waiting.get(holder)
      if (jobs) jobs.push(resolve)
      else waiting.set(holder, [resolve])
    })
  }
  try {
    if (wanted && !wanted()) throw new ClientGoneError()
    return await job(sharp)
  } finally {
    const next = nextWaiting()
    if (next) next()
    else running--
  }
}

/** Jobs running and waiting now (for tests and diagnostics). */
export function sharpQueue(): {running: number; waiting: number} {
  let count = 0
  for (const jobs of waiting.values()) count += jobs.length
  return {running, waiting: count}
}
