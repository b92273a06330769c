// The Studio under test: the production bundle (`sanity build`) served by `sanity preview`.
// Measured against `sanity dev` (see docs/testing.md, end-to-end tests): the bundle loads faster and the
// same way every time, while the dev server compiles modules on first request.
import {spawn, type ChildProcess} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {BIN, DATASET, LAKE_URL, ROOT, STUDIO_PORT, STUDIO_URL} from './config.ts'

/** Everything that ends up in the bundle; a change to any of it means a new build. */
const BUILD_INPUTS = [
  'sanity.config.ts',
  'sanity.cli.ts',
  'schemas',
  'studio',
  'bangla',
  'queries',
  'package-lock.json',
]

export const studioEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${BIN}:${process.env.PATH ?? ''}`,
  SANITY_STUDIO_API_HOST: LAKE_URL,
  SANITY_STUDIO_DATASET: DATASET,
  // A hosted project id in the developer's shell must not leak into the local build.
  SANITY_STUDIO_PROJECT_ID: '',
})

function inputsHash(): string {
  const hash = createHash('sha256').update(`${LAKE_URL} ${DATASET}\n`)
  const visit = (path: string) => {
    if (!existsSync(path)) return
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) visit(join(path, name))
    } else {
      hash.update(`${relative(ROOT, path)}\n`).update(readFileSync(path))
    }
  }
  for (const input of BUILD_INPUTS) visit(join(ROOT, input))
  return hash.digest('hex').slice(0, 16)
}

/**
 * Builds the Studio into node_modules/.cache/e2e-studio unless a build of the same inputs is
 * there already (E2E_REBUILD=1 forces one). Returns the output folder and how long it took.
 */
export async function buildStudio(): Promise<{dir: string; ms: number; cached: boolean}> {
  const dir = join(ROOT, 'node_modules', '.cache', 'e2e-studio')
  const stamp = join(dir, '.inputs-hash')
  const hash = inputsHash()
  if (!process.env.E2E_REBUILD && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) {
    return {dir, ms: 0, cached: true}
  }
  rmSync(dir, {recursive: true, force: true})
  const started = Date.now()
  await runToEnd(join(BIN, 'sanity'), ['build', dir, '--yes'])
  writeFileSync(stamp, hash)
  return {dir, ms: Date.now() - started, cached: false}
}

export interface StudioServer {
  url: string
  stop(): Promise<void>
}

export async function serveStudio(dir: string): Promise<StudioServer> {
  const child = spawn(join(BIN, 'sanity'), ['preview', dir, '--port', String(STUDIO_PORT)], {
    cwd: ROOT,
    env: studioEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`sanity preview exited (${child.exitCode}):\n${output}`)
    }
    const ok = await fetch(STUDIO_URL, {signal: AbortSignal.timeout(2000)})
      .then((res) => res.ok)
      .catch(() => false)
    if (ok) break
    if (Date.now() > deadline) {
      await stop(child, exited)
      throw new Error(`sanity preview did not answer on ${STUDIO_URL}:\n${output}`)
    }
    await new Promise((done) => setTimeout(done, 250))
  }
  return {url: STUDIO_URL, stop: () => stop(child, exited)}
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return
  const pid = child.pid
  try {
    process.kill(-pid, 'SIGTERM')
  } catch {
    return
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // Gone meanwhile.
    }
  }, 10_000)
  await exited
  clearTimeout(timer)
}

function runToEnd(command: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: studioEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout?.on('data', (chunk) => (output += chunk))
    child.stderr?.on('data', (chunk) => (output += chunk))
    child.once('error', fail)
    child.once('exit', (code) =>
      code === 0 ? done() : fail(new Error(`${args.join(' ')} failed (${code}):\n${output}`)),
    )
  })
}
