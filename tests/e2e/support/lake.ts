// A real lake as a child process (`lake/cli.ts start`), the way a developer runs it, on the e2e port.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {createHash, X509Certificate} from 'node:crypto'
import {createWriteStream, existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {getCACertificates, setDefaultCACertificates} from 'node:tls'
import {createClient, type SanityClient} from '@sanity/client'
import {DATASET, LAKE_PORT, LAKE_URL, PROJECT_ID, ROOT, STUDIO_URL} from './config.ts'

export interface LakeProcess {
  url: string
  dataDir: string
  logFile: string
  /** The write token the lake keeps for the project's own scripts. */
  token: string
  client(options?: {token?: string}): SanityClient
  stop(): Promise<void>
}

/** Runs `node lake/cli.ts <args>` to completion; throws with its output when it fails. */
export function lakeCli(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const out = spawnSync(process.execPath, ['lake/cli.ts', ...args], {
    cwd: ROOT,
    env: {...process.env, ...env},
    encoding: 'utf8',
    timeout: 60_000,
  })
  if (out.status !== 0) {
    throw new Error(`lake ${args.join(' ')} failed (${out.status}):\n${out.stdout}\n${out.stderr}`)
  }
  return out.stdout
}

/** `lake env` output as an object: SANITY_STUDIO_API_HOST, SANITY_API_TOKEN, NODE_EXTRA_CA_CERTS. */
export function lakeEnv(dataDir: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of lakeCli(['env', '--data', dataDir, '--port', String(LAKE_PORT)]).split('\n')) {
    const match = /^(?:export )?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim())
    if (match) env[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2')
  }
  return env
}

/** base64(sha256(SubjectPublicKeyInfo)) of the lake's leaf certificate, as Chromium wants it. */
export function spkiHash(dataDir: string): string {
  const cert = new X509Certificate(readFileSync(join(dataDir, 'tls', 'cert.pem')))
  const spki = cert.publicKey.export({type: 'spki', format: 'der'})
  return createHash('sha256').update(spki).digest('base64')
}

let trustedCa = ''
/** Node clients in this process trust exactly this CA (in addition to the public roots). */
export function trustLakeCa(dataDir: string): void {
  const ca = readFileSync(join(dataDir, 'tls', 'ca.pem'), 'utf8')
  if (ca === trustedCa) return
  setDefaultCACertificates([...getCACertificates('default'), ca])
  trustedCa = ca
}

export async function startLake(
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<LakeProcess> {
  // Beside the data folder, so a copy of the folder does not carry the log along.
  const logFile = `${dataDir}.log`
  const log = createWriteStream(logFile, {flags: 'w'})
  const child = spawn(
    process.execPath,
    ['lake/cli.ts', 'start', '--port', String(LAKE_PORT), '--data', dataDir],
    {
      cwd: ROOT,
      env: {...process.env, LAKE_CORS_ORIGINS: STUDIO_URL, ...env},
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  child.stdout?.pipe(log, {end: false})
  child.stderr?.pipe(log, {end: false})
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  try {
    await waitForPing(child, dataDir)
  } catch (error) {
    await stopChild(child, exited)
    throw new Error(
      `${(error as Error).message}\n--- lake log ---\n${readFileSync(logFile, 'utf8')}`,
    )
  }
  const token = lakeEnv(dataDir).SANITY_API_TOKEN ?? ''
  const client = (options: {token?: string} = {}) =>
    createClient({
      apiHost: LAKE_URL,
      projectId: PROJECT_ID,
      dataset: DATASET,
      apiVersion: '2025-02-19',
      useProjectHostname: false,
      useCdn: false,
      token: options.token ?? token,
    })
  return {
    url: LAKE_URL,
    dataDir,
    logFile,
    token,
    client,
    stop: async () => {
      await stopChild(child, exited)
      await new Promise<void>((done) => log.end(done))
    },
  }
}

async function waitForPing(child: ChildProcess, dataDir: string): Promise<void> {
  const deadline = Date.now() + 60_000
  let last = ''
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the lake exited with code ${child.exitCode}`)
    try {
      // On a first start the CA appears only once the lake has made it.
      if (existsSync(join(dataDir, 'tls', 'ca.pem'))) trustLakeCa(dataDir)
      const res = await fetch(`${LAKE_URL}/v2025-03-01/ping`, {signal: AbortSignal.timeout(2000)})
      if (res.ok) return
      last = `HTTP ${res.status}`
    } catch (error) {
      last = String((error as Error).cause ?? error)
    }
    await new Promise((done) => setTimeout(done, 150))
  }
  throw new Error(`the lake did not answer ${LAKE_URL}/v2025-03-01/ping within 60 s (${last})`)
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return
  const pid = child.pid
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name)
    } catch {
      // Already gone.
    }
  }
  signal('SIGTERM')
  const timer = setTimeout(() => signal('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}
