/**
 * The one way to run a lake as a child process — `node lake/cli.ts start`, as a developer runs it,
 * or a test's own start of it (`script`) — for `npm run dev`, the bench, the e2e support and the
 * tests; and the one way a Node process trusts a lake's certificate authority (added to Node's
 * default list: TLS stays verified).
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {getCACertificates, setDefaultCACertificates} from 'node:tls'
import {fileURLToPath} from 'node:url'
import type {Env} from './cli.ts'
import {withCompileCache} from './compileCache.ts'
import {LAKE_NODE_FLAGS, lakeEnvironment} from './lakeFlags.ts'
import {LAKE_SUPERVISOR_VARIABLE, STOP_LIMIT_MS, stopLimitMs} from './lakeStop.ts'
import {apiHostFor, lakeFile, LOCAL_LAKE} from './localLake.ts'

const LAKE_CLI = fileURLToPath(new URL('../lake/cli.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('..', import.meta.url))

export interface LakeProcessOptions {
  dataDir: string
  /** Default 0: the system picks a free port, read back from the lake's output. */
  port?: number
  host?: string
  /** HTTPS with the data folder's own CA (default), or plain HTTP. */
  tls?: boolean
  /** The child's environment (default: this process's), e.g. LAKE_CORS_ORIGINS, LAKE_ADMIN_*. */
  env?: Env
  /**
   * Its own process group, so stop() also ends anything it started and Ctrl-C in a terminal
   * reaches only the parent (`npm run dev`, the e2e lake).
   */
  detached?: boolean
  /** Every line the lake prints (stdout and stderr); default: its stderr goes to this process's. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void
  /** Called with the child as soon as it is spawned, before it is ready (a crash test kills it). */
  onSpawn?: (child: ChildProcess) => void
  /** How long to wait for "Lake listening" (default 60 s). */
  timeoutMs?: number
  /** Further `lake start` options, e.g. `['--query-timeout', '60']`. */
  args?: readonly string[]
  /**
   * A module run in place of `lake/cli.ts start`: a lake with a part of a test's own (a commit
   * thread that dies). It is given `lake start`'s options (--port, --host, --data, --no-tls and
   * `args`) and prints its `Lake listening on <url>` line once it answers.
   */
  script?: string
  /** Further Node options for the lake's process, e.g. `['--cpu-prof']` (bench --cpu-prof). */
  nodeFlags?: readonly string[]
  /**
   * A command that runs Node with the words after it, in place of Node itself: a lake without a
   * capability (`setpriv --bounding-set=-sys_nice --`). It must exec Node, so that the child's
   * process id is the lake's.
   */
  through?: readonly string[]
}

export interface LakeProcess {
  /** The URL clients use (`https://localhost:<port>`). */
  url: string
  port: number
  dataDir: string
  /** The scripts' API token from the data folder (role editor). */
  token: string
  /** The CA to trust (TLS only). */
  caPath: string | null
  child: ChildProcess
  /**
   * SIGTERM (a clean stop: listeners' streams end for their clients to reconnect, writes finish),
   * SIGKILL at the lake's stop limit (LAKE_STOP_LIMIT_MS, else 1.5 s) if it has not ended by then.
   */
  stop(): Promise<void>
  /** SIGKILL at once, as a crash would. */
  kill(): Promise<void>
}

export async function startLakeProcess(options: LakeProcessOptions): Promise<LakeProcess> {
  const dataDir = resolve(options.dataDir)
  const tls = options.tls ?? true
  const host = options.host ?? LOCAL_LAKE.host
  const args = [
    ...LAKE_NODE_FLAGS,
    ...(options.nodeFlags ?? []),
    ...(options.script ? [options.script] : [LAKE_CLI, 'start']),
    '--port',
    String(options.port ?? 0),
    '--host',
    host,
  ]
  args.push('--data', dataDir, ...(tls ? [] : ['--no-tls']), ...(options.args ?? []))
  const [command, ...before] = [...(options.through ?? []), process.execPath]
  const env = (options.env ?? process.env) as NodeJS.ProcessEnv
  const child = spawn(command, [...before, ...args], {
    cwd: ROOT,
    env: {
      // The lake's own thread too skips Node's type stripper once the cache holds its modules.
      ...lakeEnvironment(withCompileCache(env)),
      // This process is the lake's supervisor (lake/cli/supervisor.ts): it runs no supervisor of
      // its own, so that its process id is the lake's (the bench and tests read its threads and
      // memory there), and it stops once this process has gone. stop() keeps the stop limit.
      [LAKE_SUPERVISOR_VARIABLE]: String(process.pid),
    },
    detached: options.detached ?? false,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  options.onSpawn?.(child)
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  const output: string[] = []
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`the lake did not start within ${(options.timeoutMs ?? 60_000) / 1000} s`),
        ),
      options.timeoutMs ?? 60_000,
    )
    const onLine = (line: string, stream: 'stdout' | 'stderr') => {
      output.push(line)
      if (options.onLine) options.onLine(line, stream)
      else if (stream === 'stderr') process.stderr.write(`[lake] ${line}\n`)
      const match = /^Lake listening on \S+:(\d+)\b/.exec(line)
      if (match) {
        clearTimeout(timer)
        resolvePort(Number(match[1]))
      }
    }
    forEachLine(child.stdout!, (line) => onLine(line, 'stdout'))
    forEachLine(child.stderr!, (line) => onLine(line, 'stderr'))
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`the lake exited before it was ready (${signal ?? `code ${code}`})`))
    })
  }).catch(async (error: Error) => {
    await signalAndWait(child, exited, 'SIGKILL', options.detached)
    const failure = new Error(`${error.message}\n--- lake output ---\n${output.join('\n')}`)
    // No stack: its one frame is this callback, and reporters print the stack after the message,
    // so a log cut to its last lines (CI's) would show the frame and lose the lake's own words.
    failure.stack = `Error: ${failure.message}`
    throw failure
  })
  const caPath = tls ? lakeFile(dataDir, 'ca') : null
  return {
    url: apiHostFor(host, port, tls),
    port,
    dataDir,
    token: readFileSync(lakeFile(dataDir, 'token'), 'utf8').trim(),
    caPath,
    child,
    stop: () => signalAndWait(child, exited, 'SIGTERM', options.detached, limitOf(env)),
    kill: () => signalAndWait(child, exited, 'SIGKILL', options.detached),
  }
}

function forEachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  })
  stream.on('end', () => rest && onLine(rest))
}

/** The lake's stop limit as it reads it; a value it refuses (it did not start) the default's. */
function limitOf(env: NodeJS.ProcessEnv): number {
  try {
    return stopLimitMs(env)
  } catch {
    return STOP_LIMIT_MS
  }
}

async function signalAndWait(
  child: ChildProcess,
  exited: Promise<void>,
  signal: NodeJS.Signals,
  group = false,
  forceAfterMs = STOP_LIMIT_MS,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return
  const pid = child.pid
  const send = (name: NodeJS.Signals) => {
    try {
      process.kill(group ? -pid : pid, name)
    } catch {
      // Already gone.
    }
  }
  send(signal)
  // Past the limit the lake's event loop is held (its own watchdog starts only when the loop
  // takes the signal): nothing else would end it.
  const force = signal === 'SIGKILL' ? null : setTimeout(() => send('SIGKILL'), forceAfterMs)
  await exited
  if (force) clearTimeout(force)
}

/**
 * Adds a lake's CA (a PEM file, or the PEM text) to the certificates every TLS client in this
 * process trusts by default — fetch, node:https, @sanity/client — on top of the public roots.
 * Idempotent; false when the file does not exist (yet).
 */
export function trustLakeCa(ca: {path: string} | {pem: string}): boolean {
  if ('path' in ca && !existsSync(ca.path)) return false
  const pem = ('pem' in ca ? ca.pem : readFileSync(ca.path, 'utf8')).trim()
  const current = getCACertificates('default')
  if (!current.some((cert) => cert.trim() === pem)) setDefaultCACertificates([...current, pem])
  return true
}
