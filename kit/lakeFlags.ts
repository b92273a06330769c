/**
 * The lake's Node flags and malloc settings: the ones its process starts with (package.json's
 * `lake` script and kit/lakeProcess.ts, which starts it as a child) and the one its start sets for
 * its threads (lake/cli/start.ts). Here, not in kit/lakeProcess.ts, so that the lake does not
 * import what starts it.
 */
import {setFlagsFromString} from 'node:v8'

/**
 * The event loop's young generation. A bulk load parses and builds its batches on the event loop,
 * and each batch (1,000 articles) lives through several scavenges of a 16 MB young generation:
 * with 64 MB (32 MB semi-spaces) the archive's load cost the event loop about 4.5 µs less a
 * document and V8's helper threads about 5 (medians of seven alternated pairs,
 * docs/benchmarks-log.md). V8 keeps a grown young generation, but the heap trim's
 * memory-reducing collection once writes pause gives it back (lake/store/heapTrim.ts). The flag
 * would set every thread's young generation too, over a worker's `resourceLimits`, so the lake's
 * start lowers it for the threads (limitThreadYoungGeneration).
 */
export const LAKE_NODE_FLAGS = ['--max-semi-space-size=32']

export const THREAD_SEMI_SPACE_FLAG = '--max-semi-space-size=8'

/**
 * glibc's malloc settings for the lake's process, read only as a process starts, so given in its
 * environment (kit/lakeProcess.ts; `npm run lake` starts again with them, startWithMallocSettings). glibc gives the free top of a
 * thread's arena back to the system only past its trim threshold, which it raises to twice any
 * large block it unmaps (up to 64 MB): after the archive's bulk load (2 MB request bodies) it stood
 * at 4.4 MB, and the threads' arenas kept about 40 MB free through the query set, its peak RSS
 * (docs/benchmarks-log.md, memory). Set, it stays at glibc's default of 128 kB, and so does the
 * size from which a block is mapped on its own.
 */
export const LAKE_MALLOC_TUNABLES = 'glibc.malloc.trim_threshold=131072'

/** `env` with LAKE_MALLOC_TUNABLES in GLIBC_TUNABLES, unless it sets the trim threshold itself. */
export function lakeEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const tunables = env.GLIBC_TUNABLES ?? ''
  if (/(^|:)glibc\.malloc\.trim_threshold=/.test(tunables)) return env
  return {
    ...env,
    GLIBC_TUNABLES: tunables ? `${tunables}:${LAKE_MALLOC_TUNABLES}` : LAKE_MALLOC_TUNABLES,
  }
}

/**
 * Starts the process again, in place (execve: the same pid, no process around it), with
 * lakeEnvironment's settings when it started without them (`npm run lake`: a variable set before
 * `node` in package.json is no command for cmd.exe, npm's shell on Windows, and replaced a
 * caller's own GLIBC_TUNABLES under sh). Linux only, where glibc reads them; nothing once they are
 * set (kit/lakeProcess.ts sets them), so it starts again at most once.
 */
export function startWithMallocSettings(): void {
  // process.execve is Unix's and Node 23.11's on.
  if (process.platform !== 'linux' || !process.execve) return
  const env = lakeEnvironment(process.env)
  if (env === process.env) return
  process.execve(
    process.execPath,
    [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    env,
  )
}

/**
 * Every thread started after this gets 8 MB semi-spaces (a 16 MB young generation); the heap
 * already made, the event loop's, keeps LAKE_NODE_FLAGS'. V8 grows a thread's young generation up
 * to the flag's under a scan or a search and keeps it: with 16 MB semi-spaces each busy query
 * thread held 32 MB, and with 8 the query set's peak fell from 314-404 to under 300 MB
 * (docs/benchmarks-log.md, memory). Called by the lake's start before it starts any thread.
 */
export function limitThreadYoungGeneration(): void {
  setFlagsFromString(THREAD_SEMI_SPACE_FLAG)
}
