/**
 * Node's compile cache for the lake's process and its worker threads. Node strips TypeScript's
 * types with a WebAssembly build of swc, which every thread that loads a `.ts` module instantiates
 * for itself and keeps for the thread's life (measured: three query threads held 40-45 MB more
 * with it, some 15 MB a thread with the allocator's share). A thread that finds its modules'
 * stripped source in the cache never loads it, and starts faster (V8's code cache is kept too).
 *
 * Kept in the project's node_modules/.cache rather than Node's default in the shared temporary
 * folder: code read from the cache runs, so its folder must be no more writable than the code.
 * Node checks each entry against its source's hash and recompiles on a miss or a torn file.
 */
import {createHash} from 'node:crypto'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {enableCompileCache, flushCompileCache} from 'node:module'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const COMPILE_CACHE_DIR = fileURLToPath(
  new URL('../node_modules/.cache/node-compile', import.meta.url),
)

/** The compile cache's folder for `env`: one set there wins. */
const cacheDir = (env: NodeJS.ProcessEnv = process.env) =>
  env.NODE_COMPILE_CACHE ?? COMPILE_CACHE_DIR

/** `env` with the compile cache, for a process or a thread. */
export function withCompileCache(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {...env, NODE_COMPILE_CACHE: cacheDir(env)}
}

/**
 * Caches the modules this process loads from now on (a process started with NODE_COMPILE_CACHE,
 * as kit/lakeProcess.ts starts the lake, caches all of them); a cache folder that cannot be made
 * leaves compilation as it was.
 */
export function useCompileCache(): void {
  enableCompileCache(cacheDir())
}

/**
 * Starts the process again, in place (execve: the same pid, no process around it), with the
 * compile cache in its environment, when it started without it (`npm run lake`): only a process
 * that starts with the cache reads its entry module and that module's imports from it, and Node
 * loads its type stripper only for a module the cache does not hold, keeping it for the process's
 * life (the lake's supervisor: 77 MB RSS with it, a bare `node` 42; docs/benchmarks-log.md).
 * Unix only (process.execve); nothing once it is set, so it starts again at most once.
 */
export function startWithCompileCache(): void {
  if (!process.execve || process.env.NODE_COMPILE_CACHE !== undefined) return
  process.execve(
    process.execPath,
    [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    withCompileCache(),
  )
}

/**
 * Writes what the cache missed now, not at the process's exit: a process ended by a signal's
 * default action (the lake's supervisor, supervisor.ts endBy) writes nothing.
 */
export function saveCompileCache(): void {
  flushCompileCache()
}

/**
 * A warm-up is a thread that loads modules only to put them in the cache (lake/query/pool.ts), at
 * the cost of a thread's load of them: 0.2 s of CPU, 1-2 s under load, before the threads it is
 * for may start. Its record (the files it loaded, each with its size and modification time, and
 * what picks the cache's subfolder: Node's version and flags, which V8's are) is kept beside the
 * cache, so a start like the last, whose files are all unchanged, skips it.
 */
const recordOf = (name: string) => join(cacheDir(), `${name}-${nodeHash()}.warm-up.json`)

function stampOf(path: string): string {
  const stat = statSync(path)
  return `${stat.size}:${stat.mtimeMs}`
}

/** Node's version and flags: the same, the threads' cache is in the same subfolder. */
const nodeHash = () =>
  createHash('sha256')
    .update(
      JSON.stringify([process.version, process.arch, process.execArgv, process.env.NODE_OPTIONS]),
    )
    .digest('hex')
    .slice(0, 12)

/** Whether warm-up `name` was recorded and none of its files has changed since. */
export function warmedUp(name: string): boolean {
  try {
    const files = JSON.parse(readFileSync(recordOf(name), 'utf8')) as Record<string, string>
    return Object.entries(files).every(([path, stamp]) => stampOf(path) === stamp)
  } catch {
    // No record, or a file gone: warm up again.
    return false
  }
}

/** Records that warm-up `name` cached the modules at `urls` (non-file URLs are left out). */
export function recordWarmUp(name: string, urls: readonly string[]): void {
  try {
    const paths = urls.filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url))
    const files = Object.fromEntries(paths.map((path) => [path, stampOf(path)]))
    writeFileSync(recordOf(name), JSON.stringify(files))
  } catch {
    // Unrecorded, the next start warms up again.
  }
}
