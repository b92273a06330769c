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
import {enableCompileCache} from 'node:module'
import {fileURLToPath} from 'node:url'

export const COMPILE_CACHE_DIR = fileURLToPath(
  new URL('../node_modules/.cache/node-compile', import.meta.url),
)

/** `env` with the compile cache (a folder already set there wins), for a process or a thread. */
export function withCompileCache(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {...env, NODE_COMPILE_CACHE: env.NODE_COMPILE_CACHE ?? COMPILE_CACHE_DIR}
}

/**
 * Caches the modules this process loads from now on (a process started with NODE_COMPILE_CACHE,
 * as kit/lakeProcess.ts starts the lake, caches all of them); a cache folder that cannot be made
 * leaves compilation as it was.
 */
export function useCompileCache(): void {
  enableCompileCache(process.env.NODE_COMPILE_CACHE ?? COMPILE_CACHE_DIR)
}
