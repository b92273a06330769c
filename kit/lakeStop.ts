/**
 * How long the lake's stop may take, and who keeps that limit: read by the lake (lake/cli/stopping.ts,
 * lake/cli/supervisor.ts) and by the programs that start it as their child (kit/lakeProcess.ts,
 * `npm run dev`), which end it with SIGKILL past the limit. Here, not in lake/, as those programs
 * may not import the lake.
 */
import {UsageError} from './cli.ts'

/** Issue 9's 2 s, less what the signal's handling and the kill take on a loaded machine. */
export const STOP_LIMIT_MS = 1500

/** Past 2^31-1 ms Node's setTimeout runs after 1 ms (the watchdog would end the stop at once). */
const MAX_STOP_LIMIT_MS = 600_000

/**
 * LAKE_STOP_LIMIT_MS, a whole number of milliseconds from 1 to 10 minutes, else STOP_LIMIT_MS; any
 * other value is refused (UsageError), read at start. A test and diagnostic setting, not a
 * production one: the 1.5 s default is issue 9's promise. Longer, a stop ends only when its close
 * does (or the close's own kill, start.ts end()): what a test of the close needs, whatever the
 * machine's load; the limit itself is tested apart (tests/lake/isolation).
 */
export function stopLimitMs(env: Record<string, string | undefined>): number {
  const value = env.LAKE_STOP_LIMIT_MS
  if (value === undefined || value === '') return STOP_LIMIT_MS
  const limit = /^\d+$/.test(value) ? Number(value) : NaN
  if (limit >= 1 && limit <= MAX_STOP_LIMIT_MS) return limit
  throw new UsageError(
    `LAKE_STOP_LIMIT_MS takes a whole number of milliseconds from 1 to ${MAX_STOP_LIMIT_MS}, got "${value}".`,
  )
}

/**
 * The environment variable naming the process that supervises a lake (lake/cli/supervisor.ts): set,
 * `lake/cli.ts start` runs the lake itself rather than under a supervisor of its own, and stops
 * once that process has gone (lake/cli/stopping.ts stopWithParent). kit/lakeProcess.ts sets its own
 * process's id: what starts a lake as its child stops it (SIGTERM, SIGKILL at the stop limit).
 */
export const LAKE_SUPERVISOR_VARIABLE = 'LAKE_SUPERVISOR'
