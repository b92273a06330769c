/**
 * `npm run lake` (`lake start`) runs the lake in a child process and stays beside it as its
 * supervisor, so that SIGTERM and Ctrl-C stop the lake within the stop limit (issue 9's 2 s)
 * whatever the lake's event loop is doing. Node hands a signal to the main thread's event loop
 * only (a worker thread's `process.on('SIGTERM')` never runs), so a lake whose loop is held by long
 * synchronous work takes the signal, and starts its stop's watchdog (stopping.ts), only once the
 * loop is free: a reviewer's listeners' filters held one ~85 s. This process's loop does nothing
 * else: it passes the signal on and, at the limit, ends the lake with SIGKILL. Nothing acknowledged
 * is lost: a write is answered once its WAL frames are synced (docs/lake-api.md, the SIGKILL crash
 * tests), and the kernel releases a killed process's port and SQLite locks.
 */
import {spawn} from 'node:child_process'
import {writeSync} from 'node:fs'
import {constants} from 'node:os'
import {fileURLToPath} from 'node:url'
import {lakeEnvironment} from '../../kit/lakeFlags.ts'
import {LAKE_SUPERVISOR_VARIABLE, STOP_LIMIT_MS, stopLimitMs} from '../../kit/lakeStop.ts'
import {STOP_BEGUN_FD_VARIABLE, stopWithParent} from './stopping.ts'

/** The lake's file descriptor of the pipe on which it says it has begun its stop. */
const STOP_BEGUN_FD = 3

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url))

/** The signals that stop the lake; SIGHUP (its terminal closed) is passed on as SIGTERM. */
const STOPPING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** Whether `argv` (after `lake/cli.ts`) starts the lake, in a process no supervisor started. */
export function startsUnsupervised(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (env[LAKE_SUPERVISOR_VARIABLE]) return false
  const [first] = argv
  if (first === undefined || first === 'start') return true
  // Flags alone: lake/cli.ts's fallback command, start. --help alone lists the commands.
  return first.startsWith('-') && first !== '--help' && first !== '-h'
}

/**
 * Runs `lake/cli.ts argv` as a child with this process's Node flags, output and the lake's malloc
 * settings, passes SIGINT and SIGTERM on, SIGKILLs it at the stop limit after the first, and ends
 * as it ended: its exit code, or the signal this process was stopped with.
 */
export function superviseLake(argv: readonly string[], env: NodeJS.ProcessEnv): void {
  let limitMs = STOP_LIMIT_MS
  try {
    limitMs = stopLimitMs(env)
  } catch {
    // The lake refuses the value itself, with its usage message and exit code 2.
  }
  const lake = spawn(process.execPath, [...process.execArgv, CLI, ...argv], {
    env: {
      ...lakeEnvironment(env),
      [LAKE_SUPERVISOR_VARIABLE]: String(process.pid),
      [STOP_BEGUN_FD_VARIABLE]: String(STOP_BEGUN_FD),
    },
    // A pipe on which the lake says it has begun its stop (stopping.ts stopOnSignal).
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    // Its own process group: Ctrl-C at a terminal reaches this process only, which passes it on
    // once (a second SIGINT would end the lake at once, its stop's listener gone).
    detached: process.platform !== 'win32',
  })
  let stopping: NodeJS.Signals | null = null
  let killed = false
  let begun = false
  lake.stdio[STOP_BEGUN_FD]?.on('data', () => (begun = true)).on('error', () => {})
  const passOn = (signal: NodeJS.Signals) => {
    try {
      lake.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal)
    } catch {
      // Gone; its exit is handled below.
    }
  }
  const onSignal = (signal: NodeJS.Signals) => {
    passOn(signal)
    if (stopping) return
    stopping = signal
    const kill = (why: string) => {
      say(why)
      killed = true
      lake.kill('SIGKILL')
    }
    // The limit is not all the stop's: the kernel's teardown of the lake's memory, this process's
    // wake-up and end, and the sender's follow the SIGKILL (350 ms at load 25, traced in
    // docs/benchmarks-log.md). A lake that has not even begun its stop at two thirds of the limit
    // (its event loop held) could not finish it within the limit: ended then, the margin is kept.
    const beginBy = Math.round((limitMs * 2) / 3)
    setTimeout(() => {
      if (begun) {
        setTimeout(
          () => kill(`lake: still stopping at the ${limitMs} ms limit; ending now\n`),
          limitMs - beginBy,
        )
      } else {
        kill(
          `lake: the lake has not begun its stop ${beginBy} ms after the signal (its event loop is held); ending it now\n`,
        )
      }
    }, beginBy)
  }
  for (const signal of STOPPING_SIGNALS) process.on(signal, onSignal)
  lake.once('error', (error) => {
    say(`lake: could not start the lake's process: ${error.message}\n`)
    process.exit(1)
  })
  lake.once('exit', (code, signal) => {
    for (const name of STOPPING_SIGNALS) process.off(name, onSignal)
    if (signal === null) process.exit(code ?? 1)
    // Ended by the stop: at the limit, or by its own watchdog's signal (the one passed on).
    const passedOn = stopping === 'SIGHUP' ? 'SIGTERM' : stopping
    if (stopping && (killed || signal === passedOn)) return endBy(stopping)
    if (!stopping) say(`lake: the lake's process ended by ${signal}\n`)
    endBy(signal)
  })
  // npm's SIGTERM reaches only the shell it ran the script with. SIGTERM alone: this process keeps
  // the limit itself.
  stopWithParent(env, null)
}

/** Ends this process as the lake ended: by the signal itself where it only terminates. */
function endBy(signal: NodeJS.Signals): void {
  const code = 128 + (constants.signals[signal] ?? 0)
  if (signal === 'SIGINT' || signal === 'SIGTERM' || signal === 'SIGHUP' || signal === 'SIGKILL') {
    // No listener is left for it, so its default action applies; another of Node's threads may
    // take it a moment after kill() returns, so exit() waits.
    process.kill(process.pid, signal)
    setTimeout(() => process.exit(code), 1000)
    return
  }
  // One that would dump a core (SIGSEGV, SIGABRT): the shell's code for it, without a core here.
  process.exit(code)
}

function say(text: string): void {
  try {
    writeSync(2, text)
  } catch {
    // No terminal left to tell.
  }
}
