/**
 * `npm run dev` / `npm run preview`: the whole newsroom on one machine from a fresh clone.
 *
 * 1. Reuses the lake if one answers on its port, else starts `lake/cli.ts start` (first start
 *    creates the data folder, the certificate authority and the administrator).
 * 2. Imports the seed when the dataset holds no article (an editor's deletions are not undone later).
 * 3. Runs the Studio on http://localhost:3333: `sanity dev`, or with --preview `sanity build` then
 *    `sanity preview` (the production bundle).
 * 4. Prints the URLs, how to sign in and, the first time, how to trust the lake's certificate.
 *
 * Ctrl-C stops every child process group this script started (a lake it found running is left
 * alone). A second run while one is up says so and exits 0 instead of failing on a busy port.
 *
 * Flags: see HELP below.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {dirname, isAbsolute, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {createClient} from '@sanity/client'
import {
  defineCommand,
  type Env,
  EXIT,
  type ExitCode,
  type ParsedArgs,
  parsePort,
  runMain,
  runnerOf,
} from '../kit/cli.ts'
import {startLakeProcess, trustLakeCa} from '../kit/lakeProcess.ts'
import {stopLimitMs} from '../kit/lakeStop.ts'
import {lakeFile, LOCAL_LAKE} from '../kit/localLake.ts'
import {API_VERSION} from './lib/target.ts'
import {STRUCTURE_LISTS} from '../studio/structure.ts'

/**
 * The seed story's dateline (মঙ্গলবার, ১৫ই জুলাই) names no year: it is read as of the week it was
 * filed, 2025, as the import's own example does. Read as of today it would fit no year within 60
 * days and be imported as a draft, so the published perspective (the README's first query) would
 * not see it.
 */
export const SEED_IMPORT_ARGS = ['data/seed', '--as-of', '2025-07-20']

/**
 * The lake's arguments: its root page names the Studio, and each list pane's default order
 * (studio/structure.ts) is indexed at once, so a pane sorted by a field the lake's side table does
 * not keep (headlines by position) reads its page off an index from its first request.
 */
export function lakeArgs(studioUrl: string): string[] {
  const orders = STRUCTURE_LISTS.flatMap((list) =>
    list.ordering.map(({field, direction}) => ['--order-index', `${field} ${direction}`]),
  )
  return ['--studio-url', studioUrl, ...orders.flat()]
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const BIN = join(ROOT, 'node_modules', '.bin')
const NODE = process.execPath

export interface Options {
  preview: boolean
  port: number
  lakePort: number
  dataDir: string
  /** The data folder as the output names it (dataLabel). */
  dataLabel: string
  dataset: string
  importSeed: boolean
}

const HELP = `Usage: npm run dev -- [--port N] [--lake-port N] [--data DIR] [--dataset NAME] [--no-import]
                      [--preview]
       npm run preview -- [the same flags]

The whole newsroom on one machine: starts the local lake (or reuses the one answering on its
port), imports the seed story when the dataset has no article, and serves the Studio (sanity dev;
npm run preview: the production build). Prints the URLs and how to sign in. Ctrl-C stops
everything started here; a second run while one is up says so and exits 0.

  --port N         the Studio's port (default 3333)
  --lake-port N    the lake's port (default LAKE_PORT or 3334)
  --data DIR       the lake's data folder, relative to the project (default LAKE_DATA or .lake)
  --dataset NAME   dataset (default SANITY_STUDIO_DATASET or production)
  --no-import      do not import the seed story
  --preview        the production build (what npm run preview passes)

Examples:
  npm run dev
  npm run dev -- --port 4333 --lake-port 4334 --data .lake-demo
  npm run preview

Exit codes: 0 stopped with Ctrl-C, or one is already running · 1 the lake or the Studio could
not start, or stopped on its own (then with its own code, when not 0) · 2 bad arguments
(Ctrl-C reaches npm too: npm run dev itself then exits 130, as npm does for any script.)
`

const FLAGS = {
  preview: {type: 'boolean', default: false},
  port: {type: 'string'},
  'lake-port': {type: 'string'},
  data: {type: 'string'},
  dataset: {type: 'string'},
  'no-import': {type: 'boolean', default: false},
} as const

export const command = defineCommand({
  invocation: 'npm run dev --',
  help: HELP,
  options: FLAGS,
  run: (args, io) => startNewsroom(readOptions(args, io.env)),
})

export const run = runnerOf(command)

/**
 * The flags checked, with the defaults from the environment (LAKE_PORT, LAKE_DATA, …; an empty
 * variable is an unset one, as kit/localLake.ts reads them).
 */
function readOptions({values}: ParsedArgs<typeof FLAGS>, env: Env): Options {
  const data = values.data ?? (env.LAKE_DATA || LOCAL_LAKE.dataDir)
  return {
    preview: values.preview,
    port: parsePort(values.port ?? String(LOCAL_LAKE.studioPort), 1, '--port'),
    lakePort: parsePort(
      values['lake-port'] ?? (env.LAKE_PORT || String(LOCAL_LAKE.port)),
      1,
      '--lake-port',
    ),
    dataDir: resolve(ROOT, data),
    dataLabel: dataLabel(data),
    dataset: values.dataset ?? (env.SANITY_STUDIO_DATASET || LOCAL_LAKE.dataset),
    importSeed: !values['no-import'],
  }
}

/**
 * The data folder as the output names it: as given (--data, LAKE_DATA or the default), without
 * trailing slashes. A relative path is the project's (npm runs scripts there, and so do the
 * `npm run lake` commands the banner prints); one that climbs out of the project is shown absolute.
 */
export function dataLabel(given: string, root: string = ROOT): string {
  const path = given.replace(/(.)\/+$/, '$1')
  if (isAbsolute(path)) return path
  const inside = relative(root, resolve(root, path))
  if (inside === '') return '.'
  if (inside === '..' || inside.startsWith('../') || isAbsolute(inside)) return resolve(root, path)
  return path
}

/** A word for a POSIX shell: quoted when it holds more than letters, digits and `_./-`. */
function shellWord(word: string): string {
  return /^[\w./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

/**
 * Children we started, each the leader of its own process group (so its grandchildren die too),
 * and how long a stop may take before SIGKILL.
 */
const children: {name: string; child: ChildProcess; forceAfterMs: number}[] = []
let stopping = false

function spawnChild(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine?: (line: string) => void,
): ChildProcess {
  const child = spawn(command, args, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  prefixLines(child.stdout, name, process.stdout, onLine)
  prefixLines(child.stderr, name, process.stderr, onLine)
  return watchChild(name, child)
}

/** Stops everything when a child this script started exits on its own. */
function watchChild(name: string, child: ChildProcess, forceAfterMs = 5000): ChildProcess {
  children.push({name, child, forceAfterMs})
  child.on('exit', (code, signal) => {
    if (stopping) return
    console.error(`\n${name} exited (${signal ?? `code ${code}`}); stopping.`)
    void stopAll(code === 0 ? 1 : (code ?? 1))
  })
  return child
}

function prefixLines(
  stream: NodeJS.ReadableStream | null,
  name: string,
  out: NodeJS.WriteStream,
  onLine?: (line: string) => void,
): void {
  if (!stream) return
  let rest = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) {
      out.write(`[${name}] ${line}\n`)
      onLine?.(line)
    }
  })
  stream.on('end', () => rest && out.write(`[${name}] ${rest}\n`))
}

async function stopAll(exitCode: number): Promise<never> {
  stopping = true
  await Promise.all(
    children.map(({child, forceAfterMs}) => {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) return
      const exited = new Promise<void>((done) => child.once('exit', () => done()))
      signalGroup(child.pid, 'SIGTERM')
      const force = setTimeout(() => child.pid && signalGroup(child.pid, 'SIGKILL'), forceAfterMs)
      return exited.finally(() => clearTimeout(force))
    }),
  )
  releaseLock()
  process.exit(exitCode)
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // Already gone.
  }
}

// One `npm run dev` per Studio port: the lock closes the window in which the first run is still
// starting and the port is not yet bound.
let lockPath = ''
function takeLock(port: number): number | null {
  lockPath = join(tmpdir(), `bangla-newsroom-dev-${port}.pid`)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, String(process.pid), {flag: 'wx'})
      return null
    } catch {
      const holder = Number(readFileSync(lockPath, 'utf8'))
      if (holder && isAlive(holder)) return holder
      rmSync(lockPath, {force: true}) // stale: its owner died without cleaning up
    }
  }
  return null
}

function releaseLock(): void {
  if (!lockPath) return
  try {
    if (readFileSync(lockPath, 'utf8') === String(process.pid)) rmSync(lockPath)
  } catch {
    // Nothing to release.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({port, host: '127.0.0.1'})
    socket.once('connect', () => {
      socket.destroy()
      done(true)
    })
    socket.once('error', () => done(false))
  })
}

// Trust exactly the lake's CA in this process (fetch and @sanity/client), nothing wholesale.
function trustCa(dataDir: string): void {
  trustLakeCa({path: lakeFile(dataDir, 'ca')})
}

type Ping = 'up' | 'down' | 'foreign'

async function pingLake(port: number): Promise<Ping> {
  if (!(await portInUse(port))) return 'down'
  try {
    const res = await fetch(`https://localhost:${port}/v2025-03-01/ping`, {
      signal: AbortSignal.timeout(3000),
    })
    return res.ok ? 'up' : 'foreign'
  } catch {
    // Something listens but does not speak TLS with this data folder's certificate.
    return 'foreign'
  }
}

/** Whether the lake reflects this origin in its CORS headers (it does for allowed origins only). */
async function lakeAllowsOrigin(port: number, origin: string): Promise<boolean> {
  try {
    const res = await fetch(`https://localhost:${port}/v2025-03-01/ping`, {
      headers: {origin},
      signal: AbortSignal.timeout(3000),
    })
    return res.headers.get('access-control-allow-origin') === origin
  } catch {
    return false
  }
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== null) return value
    if (stopping) throw new Error('stopped')
    if (Date.now() > deadline)
      throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`)
    await new Promise((done) => setTimeout(done, 250))
  }
}

/** `lake env` prints what a client needs (API host, token, CA file), one NAME=value per line. */
function lakeEnv(options: Options): Record<string, string> {
  const out = spawnSync(
    NODE,
    ['lake/cli.ts', 'env', '--data', options.dataDir, '--port', String(options.lakePort)],
    {cwd: ROOT, encoding: 'utf8'},
  )
  if (out.status !== 0) throw new Error(`npm run lake -- env failed:\n${out.stderr}`)
  const env: Record<string, string> = {}
  for (const line of out.stdout.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim())
    if (match) env[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2')
  }
  return env
}

async function countArticles(env: Record<string, string>, dataset: string): Promise<number> {
  const client = createClient({
    apiHost: env.SANITY_STUDIO_API_HOST,
    projectId: LOCAL_LAKE.projectId,
    dataset,
    apiVersion: API_VERSION,
    token: env.SANITY_API_TOKEN,
    useProjectHostname: false,
    useCdn: false,
    perspective: 'raw',
  })
  return client.fetch<number>('count(*[_type == "article"])')
}

function runToEnd(name: string, command: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<void>((done, fail) => {
    const child = spawnChild(name, command, args, env)
    child.removeAllListeners('exit')
    child.once('exit', (code) => {
      children.splice(
        children.findIndex((entry) => entry.child === child),
        1,
      )
      if (code === 0) done()
      else fail(new Error(`${name} exited with code ${code}`))
    })
  })
}

async function startNewsroom(options: Options): Promise<ExitCode> {
  try {
    await main(options)
  } catch (error) {
    if (!stopping) console.error(error instanceof Error ? error.message : error)
    await stopAll(EXIT.RUNTIME_ERROR)
  }
  return EXIT.SUCCESS
}

async function main(options: Options): Promise<void> {
  const studioUrl = `http://localhost:${options.port}`
  const lakeUrl = `https://localhost:${options.lakePort}`
  const {dataLabel} = options

  const holder = takeLock(options.port)
  if (holder !== null || (await portInUse(options.port))) {
    console.log(
      `The Studio is already running on ${studioUrl}` +
        (holder ? ` (npm run dev, pid ${holder})` : '') +
        '. Open it in the browser, or stop that one first (Ctrl-C in its terminal).',
    )
    process.exit(0)
  }
  process.on('SIGINT', () => void stopAll(0))
  process.on('SIGTERM', () => void stopAll(0))
  process.on('SIGHUP', () => void stopAll(0))
  // A closed terminal or pipe must not kill this script before it has stopped its children.
  process.stdout.on('error', () => void stopAll(0))
  process.stderr.on('error', () => void stopAll(0))
  process.on('exit', () => {
    // Last resort if this script dies some other way: children are in their own process groups.
    for (const {child} of children)
      if (child.pid && child.exitCode === null) signalGroup(child.pid, 'SIGTERM')
    releaseLock()
  })

  const firstStart = !existsSync(lakeFile(options.dataDir, 'ca'))
  trustCa(options.dataDir)
  let lakeState = await pingLake(options.lakePort)
  if (lakeState === 'foreign') {
    console.error(
      `Port ${options.lakePort} is taken by something that is not the lake of ${dataLabel}/ ` +
        `(or whose certificate it did not issue). Stop it, or pick other ports: ` +
        `npm run dev -- --lake-port 4334 --port 4333`,
    )
    await stopAll(1)
  }
  // The lake prints a generated administrator password once, on its first start: keep it for the
  // banner, which would otherwise scroll it away under the Studio's output.
  let createdAdmin: {email: string; password: string} | null = null
  const corsOrigins = [process.env.LAKE_CORS_ORIGINS, studioUrl].filter(Boolean).join(',')
  if (lakeState === 'down') {
    console.log(`Starting the lake on ${lakeUrl} (data in ${dataLabel}/)…`)
    const lake = await startLakeProcess({
      dataDir: options.dataDir,
      port: options.lakePort,
      detached: true,
      env: {...process.env, LAKE_CORS_ORIGINS: corsOrigins},
      args: lakeArgs(studioUrl),
      onLine: (line, stream) => {
        ;(stream === 'stdout' ? process.stdout : process.stderr).write(`[lake] ${line}\n`)
        const match = /Created administrator (\S+) with password (\S+)/.exec(line)
        if (match) createdAdmin = {email: match[1]!, password: match[2]!}
      },
    })
    // This script is the lake's supervisor (kit/lakeProcess.ts): past the stop limit its event
    // loop is held, and only SIGKILL ends it (lake/cli/supervisor.ts).
    watchChild('lake', lake.child, stopLimitMs(process.env))
    trustCa(options.dataDir)
    lakeState = 'up'
  } else {
    console.log(`Using the lake already running on ${lakeUrl}.`)
    if (!(await lakeAllowsOrigin(options.lakePort, studioUrl))) {
      console.warn(
        `Warning: that lake does not allow the Studio's origin ${studioUrl} (CORS), so the ` +
          `browser will refuse its answers. Restart it with LAKE_CORS_ORIGINS=${studioUrl}, ` +
          'or stop it and let npm run dev start one.',
      )
    }
  }

  const env = lakeEnv(options)
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...env,
    SANITY_STUDIO_DATASET: options.dataset,
    PATH: `${BIN}:${process.env.PATH ?? ''}`,
  }

  if (options.importSeed && (await countArticles(env, options.dataset)) === 0) {
    console.log('The dataset has no articles yet: importing the seed (data/seed/)…')
    await runToEnd(
      'import',
      NODE,
      ['scripts/import.ts', ...SEED_IMPORT_ARGS, '--create-dataset'],
      childEnv,
    )
  }

  if (options.preview) {
    console.log('Building the Studio (sanity build)…')
    await runToEnd('build', join(BIN, 'sanity'), ['build', '--yes'], childEnv)
    spawnChild('studio', join(BIN, 'sanity'), ['preview', '--port', String(options.port)], childEnv)
  } else {
    spawnChild('studio', join(BIN, 'sanity'), ['dev', '--port', String(options.port)], childEnv)
  }
  await waitFor('The Studio', 180_000, async () =>
    fetch(studioUrl, {signal: AbortSignal.timeout(3000)})
      .then((res) => (res.ok ? true : null))
      .catch(() => null),
  )
  console.log(banner(options, {firstStart, createdAdmin}, process.env))
}

/** What `npm run dev` prints once the Studio answers: where everything is and how to sign in. */
export function banner(
  options: Options,
  {
    firstStart,
    createdAdmin,
  }: {firstStart: boolean; createdAdmin: {email: string; password: string} | null},
  env: Env,
): string {
  const studioUrl = `http://localhost:${options.port}`
  const lakeUrl = `https://localhost:${options.lakePort}`
  const {dataLabel} = options
  const adminEmail = createdAdmin?.email ?? (env.LAKE_ADMIN_EMAIL || 'admin@localhost')
  const password = createdAdmin
    ? `password ${createdAdmin.password} (generated now, shown once: keep it)`
    : env.LAKE_ADMIN_PASSWORD
      ? 'password from LAKE_ADMIN_PASSWORD'
      : 'the password the lake printed on its first start'
  // Every `npm run lake` command below acts on this data folder.
  const dataFlag = dataLabel === LOCAL_LAKE.dataDir ? '' : ` --data ${shellWord(dataLabel)}`
  const lakeFlags = `${options.lakePort === LOCAL_LAKE.port ? '' : ` --port ${options.lakePort}`}${dataFlag}`
  const lines = [
    '',
    `  Studio   ${studioUrl}${options.preview ? '  (production build)' : ''}`,
    `  Vision   ${studioUrl}/vision`,
    `  Lake     ${lakeUrl}  (data: ${dataLabel}/, dataset: ${options.dataset})`,
    '',
    `  Sign in: the Studio opens the lake's sign-in form; ${adminEmail}, ${password}.`,
    `  Forgot it: npm run lake -- users password ${adminEmail}${dataFlag}`,
    `  More accounts: npm run lake -- users add --email … --role editor|viewer|…${dataFlag}`,
    `  Shell for scripts: eval "$(npm run -s lake -- env --export${lakeFlags})"`,
  ]
  if (firstStart) {
    lines.push(
      '',
      `  First start: the lake made its own certificate authority (${lakeFile(dataLabel, 'ca')}).`,
      '  Trust it once so the browser accepts https://localhost:' + options.lakePort + ', then',
      '  restart the browser:',
      `    npm run lake -- trust${lakeFlags}`,
    )
  }
  lines.push('', '  Ctrl-C stops everything started here.', '')
  return lines.join('\n')
}

if (import.meta.main) await runMain(command, 'dev')
