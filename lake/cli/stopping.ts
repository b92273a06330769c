/**
 * How the lake's process stops on SIGINT or SIGTERM: the lake closes (listeners' streams end so
 * that their clients reconnect once it is back, queued writes finish), and whatever still runs at STOP_LIMIT_MS after the signal
 * was taken, the process ends then (issue 9: SIGTERM stops the lake within 2 s). A signal is taken
 * only when the event loop is free: for a held loop, the lake's supervisor keeps the limit
 * (supervisor.ts).
 */
import {writeSync} from 'node:fs'
import {Worker} from 'node:worker_threads'
import type {Io} from '../../kit/cli.ts'
import {LAKE_SUPERVISOR_VARIABLE, STOP_LIMIT_MS} from '../../kit/lakeStop.ts'

// Here too, where the lake's stop is.
export {STOP_LIMIT_MS, stopLimitMs} from '../../kit/lakeStop.ts'

/**
 * The environment variable naming the file descriptor on which the lake tells its supervisor
 * (supervisor.ts) that it has taken the stop's signal: one that has not, its event loop held, is
 * ended sooner.
 */
export const STOP_BEGUN_FD_VARIABLE = 'LAKE_STOP_BEGUN_FD'

/** Tells the supervisor, if it listens, that the stop has begun. */
function sayStopBegun(): void {
  const fd = Number(process.env[STOP_BEGUN_FD_VARIABLE])
  if (!Number.isInteger(fd) || fd < 3) return
  try {
    writeSync(fd, 'stopping\n')
  } catch {
    // Its supervisor gone: nobody to tell.
  }
}

/** Resolves with the signal once `close` has settled after SIGINT or SIGTERM. */
export function stopOnSignal(
  close: () => Promise<void>,
  io: Pick<Io, 'stdout' | 'stderr'>,
  limitMs = STOP_LIMIT_MS,
): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      endAt(limitMs, signal, io.stderr)
      sayStopBegun()
      io.stdout.write('Stopping the lake…\n')
      close().then(
        () => done(signal),
        (err: unknown) => {
          io.stderr.write(`lake: error while stopping: ${String(err)}\n`)
          done(signal)
        },
      )
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

/**
 * Ends the process by `signal`'s default action `limitMs` from now unless it ended before, from a
 * thread of its own. A timer on the event loop, and process.exit() after it, did not hold the
 * limit: the timer fires only once the loop is free (0.7 s late under six queued 30 MB writes at
 * load 17), and exit() waits for every thread inside a native call (3.3 s more for the commit
 * thread's SQLite call). The signal's default action waits for neither. Nothing
 * acknowledged is lost: a write is answered once its WAL frames are synced, and SQLite rolls one
 * cut short back at the next open. The signal's listeners must be gone, so that its default
 * action applies.
 */
function endAt(limitMs: number, signal: NodeJS.Signals, stderr: Io['stderr']): void {
  const deadline = Date.now() + limitMs
  const watchdog = new Worker(WATCHDOG, {
    eval: true,
    workerData: {deadline, limitMs, signal, pid: process.pid},
  })
  watchdog.unref()
  // A thread that cannot start (too many open files, out of memory) or fails: unheard, its
  // 'error' was an uncaught exception that ended the process at once, the close cut short. The
  // limit is then kept from the event loop (late when the loop is held, but kept).
  watchdog.on('error', (err: Error) => {
    stderr.write(
      `lake: the stop watchdog's thread failed (${err.message}); ending at the limit from the event loop instead\n`,
    )
    setTimeout(() => process.kill(process.pid, signal), Math.max(0, deadline - Date.now())).unref()
  })
}

/** Script or module alike (a worker's eval code is a module under --input-type=module). */
const WATCHDOG = `
const {workerData: {deadline, limitMs, signal, pid}} = process.getBuiltinModule('node:worker_threads')
setTimeout(() => {
  process.getBuiltinModule('node:fs').writeSync(2, 'lake: still stopping at the ' + limitMs + ' ms limit; ending now\\n')
  process.kill(pid, signal)
}, Math.max(0, deadline - Date.now()))
`

/**
 * Stops this process once its parent has gone: the lake's supervisor (its
 * LAKE_SUPERVISOR_VARIABLE, supervisor.ts or kit/lakeProcess.ts), so that a supervisor killed
 * outright (SIGKILL) leaves no lake running, or the shell npm ran `npm run lake` with: npm's SIGTERM
 * reaches only that shell, and dash (Debian's sh) ends without passing it on. A process whose
 * parent ends is handed to another (its ppid changes). Then it is sent SIGTERM (a free loop stops
 * cleanly, stopOnSignal) and, `killAfterMs` later if still running, SIGKILL: the parent that kept
 * the limit for a held loop is gone. Watched from a thread of its own, as a timer on a held event
 * loop fires only once the loop is free (a held lake kept serving 24 s after its supervisor's
 * SIGKILL). Nothing acknowledged is lost to the SIGKILL: a write is answered once its WAL frames are
 * synced. `killAfterMs` null: SIGTERM only, watched from the event loop (the supervisor, whose
 * loop is never held and which keeps the limit itself). Otherwise nothing: a lake started on its own may outlive its starter on
 * purpose. Windows hands no process over, so there it does nothing.
 */
export function stopWithParent(
  env: NodeJS.ProcessEnv,
  killAfterMs: number | null,
  everyMs = 100,
): void {
  const supervisor = env[LAKE_SUPERVISOR_VARIABLE]
  if (env.npm_lifecycle_event !== 'lake' && !supervisor) return
  if (process.platform === 'win32') return
  // The supervisor's id, not the parent's now: one gone before this start is noticed too.
  const parent = supervisor ? Number(supervisor) : process.ppid
  const fromLoop = () => {
    const watch = setInterval(() => {
      if (process.ppid === parent) return
      clearInterval(watch)
      process.kill(process.pid, 'SIGTERM')
    }, everyMs)
    watch.unref()
  }
  // The supervisor's loop is never held: a thread (an isolate of its own, some 14 MB) would buy
  // it nothing.
  if (killAfterMs === null) return fromLoop()
  const watcher = new Worker(PARENT_WATCHER, {
    eval: true,
    workerData: {parent, pid: process.pid, killAfterMs, everyMs},
  })
  watcher.unref()
  // A thread that cannot start: watched from the event loop instead (late when it is held).
  watcher.on('error', (err: Error) => {
    process.stderr.write(
      `lake: the parent's watcher thread failed (${err.message}); watching from the event loop instead\n`,
    )
    fromLoop()
  })
}

/** Script or module alike, as WATCHDOG. process.ppid is read afresh at each look. */
const PARENT_WATCHER = `
const {workerData: {parent, pid, killAfterMs, everyMs}} = process.getBuiltinModule('node:worker_threads')
const watch = setInterval(() => {
  if (process.ppid === parent) return
  clearInterval(watch)
  process.kill(pid, 'SIGTERM')
  if (killAfterMs === null) return
  setTimeout(() => {
    process.getBuiltinModule('node:fs').writeSync(2, 'lake: its supervisor gone, still running ' + killAfterMs + ' ms after SIGTERM; ending now\\n')
    process.kill(pid, 'SIGKILL')
  }, killAfterMs)
}, everyMs)
`
