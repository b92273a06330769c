// A real lake as a child process (`lake/cli.ts start`), the way a developer runs it, on the e2e port.
import {spawnSync} from 'node:child_process'
import {createHash, X509Certificate} from 'node:crypto'
import {createWriteStream, readFileSync} from 'node:fs'
import {createClient, type SanityClient} from '@sanity/client'
import {startLakeProcess, trustLakeCa as trustCa} from '../../../kit/lakeProcess.ts'
import {lakeFile} from '../../../kit/localLake.ts'
import {
  DATASET,
  FRONT_PAGE_URL,
  LAKE_PORT,
  LAKE_URL,
  PROJECT_ID,
  ROOT,
  STUDIO_URL,
} from './config.ts'

export interface LakeProcess {
  url: string
  dataDir: string
  logFile: string
  /** The write token the lake keeps for the project's own scripts. */
  token: string
  client(options?: {token?: string}): SanityClient
  /** SIGTERM (a clean stop), for good. */
  stop(): Promise<void>
  /**
   * Ends the lake by `signal` (SIGTERM: a clean stop; SIGKILL: a crash), runs `whileDown`, and
   * starts it again on the same port and data folder.
   */
  restart(signal: 'SIGTERM' | 'SIGKILL', whileDown?: () => Promise<void>): Promise<void>
  /** When the lake was down: from the signal to listening again (Date.now() times). */
  downtimes: {from: number; to?: number}[]
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
  const cert = new X509Certificate(readFileSync(lakeFile(dataDir, 'cert')))
  const spki = cert.publicKey.export({type: 'spki', format: 'der'})
  return createHash('sha256').update(spki).digest('base64')
}

/** Node clients in this process trust exactly this CA (in addition to the public roots). */
export function trustLakeCa(dataDir: string): void {
  trustCa({path: lakeFile(dataDir, 'ca')})
}

export async function startLake(
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<LakeProcess> {
  // Beside the data folder, so a copy of the folder does not carry the log along.
  const logFile = `${dataDir}.log`
  const log = createWriteStream(logFile, {flags: 'w'})
  const launch = async () => {
    try {
      return await startLakeProcess({
        dataDir,
        port: LAKE_PORT,
        detached: true,
        // No upload disk reserve (as test lakes: tests/helpers/lake.ts TEST_LAKE_ENV), unless the
        // environment sets one.
        env: {
          LAKE_UPLOAD_DISK_RESERVE_BYTES: '0',
          ...process.env,
          LAKE_CORS_ORIGINS: `${STUDIO_URL},${FRONT_PAGE_URL}`,
          ...env,
        },
        onLine: (line) => log.write(`${line}\n`),
      })
    } catch (error) {
      await new Promise<void>((done) => log.end(done))
      throw error
    }
  }
  let lake = await launch()
  trustLakeCa(dataDir)
  const token = lake.token
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
  const downtimes: {from: number; to?: number}[] = []
  return {
    url: LAKE_URL,
    dataDir,
    logFile,
    token,
    client,
    downtimes,
    restart: async (signal, whileDown) => {
      const downtime: {from: number; to?: number} = {from: Date.now()}
      downtimes.push(downtime)
      log.write(`--- e2e: ${signal} ---\n`)
      await (signal === 'SIGKILL' ? lake.kill() : lake.stop())
      await whileDown?.()
      log.write('--- e2e: started again ---\n')
      lake = await launch()
      downtime.to = Date.now()
    },
    stop: async () => {
      await lake.stop()
      await new Promise<void>((done) => log.end(done))
    },
  }
}
