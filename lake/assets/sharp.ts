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
import {UnavailableError} from '../core/errors.ts'

type Sharp = typeof SharpModule

/** Jobs running at once: two leave libuv's pool room for commits, and use both cores. */
export const SHARP_JOBS = 2

let loading: Promise<Sharp> | null = null
let running = 0
const waiting: (() => void)[] = []

function loadSharp(): Promise<Sharp> {
  return (loading ??= import('sharp').then((module) => {
    // libvips' operation cache keeps decoded images after a job; renditions are cached on disk.
    module.default.cache(false)
    return module.default
  }))
}

/**
 * Runs `job` with sharp when a slot of the queue is free; the slot is held until it settles.
 * `wanted`, asked when the slot comes: false when nobody waits for the job's result any more (its
 * clients went away), and it is not run. Before, a client's hundreds of renditions asked and
 * abandoned were all rendered, and every image asked after them waited.
 */
export async function withSharp<T>(
  job: (sharp: Sharp) => Promise<T>,
  wanted?: () => boolean,
): Promise<T> {
  const sharp = await loadSharp()
  if (running < SHARP_JOBS) running++
  else await new Promise<void>((resolve) => waiting.push(resolve))
  try {
    if (wanted && !wanted()) throw new UnavailableError('The client closed the connection')
    return await job(sharp)
  } finally {
    const next = waiting.shift()
    if (next) next()
    else running--
  }
}

/** Jobs running and waiting now (for tests and diagnostics). */
export function sharpQueue(): {running: number; waiting: number} {
  return {running, waiting: waiting.length}
}
