/**
 * Where the local lake lives unless told otherwise — one place read by the Studio's target, the
 * scripts, the lake's CLI, `npm run dev`, the e2e support and the bench. No Node APIs: the Studio
 * bundle imports it too.
 */
import type {Env} from './cli.ts'

export const LOCAL_LAKE = {
  /** The one project a local lake serves. */
  projectId: 'local',
  dataset: 'production',
  /** The lake listens on loopback; clients reach it as `localhost` (its certificate's name). */
  host: '127.0.0.1',
  port: 3334,
  /** The data folder, relative to the repository (`LAKE_DATA`, `--data`). */
  dataDir: '.lake',
  /** Where `npm run dev` serves the Studio (and the origin the lake allows by default). */
  studioPort: 3333,
} as const

/** Files in a data folder, relative to it: the lake writes them, its clients read them. */
export const LAKE_FILES = {
  /** The scripts' API token (role editor), 0600. */
  token: 'token',
  /** Users, tokens, sessions. */
  authDb: 'auth.sqlite',
  tlsDir: 'tls',
  /** The lake's certificate authority: the file to trust. */
  ca: 'tls/ca.pem',
  caKey: 'tls/ca-key.pem',
  cert: 'tls/cert.pem',
  key: 'tls/key.pem',
  /** One SQLite file per dataset: `datasets/<name>.sqlite`. */
  datasets: 'datasets',
  assets: 'assets',
} as const

/** A file of a data folder: `lakeFile('.lake', 'ca')` is `.lake/tls/ca.pem`. */
export function lakeFile(dataDir: string, file: keyof typeof LAKE_FILES): string {
  return `${dataDir.replace(/[/\\]+$/, '')}/${LAKE_FILES[file]}`
}

/** The URL clients use for a lake listening on `host:port`; loopback is `localhost`. */
export function apiHostFor(host: string, port: number, tls: boolean): string {
  const loopback = ['127.0.0.1', '::1', '0.0.0.0', '::', 'localhost'].includes(host)
  const name = loopback ? 'localhost' : host.includes(':') ? `[${host}]` : host
  return `${tls ? 'https' : 'http'}://${name}:${port}`
}

/** `https://localhost:3334`. */
export const DEFAULT_LOCAL_API_HOST = apiHostFor(LOCAL_LAKE.host, LOCAL_LAKE.port, true)

/** The local lake as the environment describes it, for a client or a starter. */
export interface LocalLakeConfig {
  /** `LAKE_DATA`, default `.lake` (as given: relative paths are the caller's to resolve). */
  dataDir: string
  /** `LAKE_PORT`, default 3334. */
  port: number
  /** `SANITY_STUDIO_API_HOST`, default `https://localhost:<port>`. */
  apiHost: string
  /** `SANITY_STUDIO_DATASET`, default `production`. */
  dataset: string
  caPath: string
  tokenPath: string
}

export function localLakeConfig(env: Env): LocalLakeConfig {
  const dataDir = env.LAKE_DATA || LOCAL_LAKE.dataDir
  const port = env.LAKE_PORT ? Number(env.LAKE_PORT) : LOCAL_LAKE.port
  return {
    dataDir,
    port,
    apiHost: (env.SANITY_STUDIO_API_HOST || apiHostFor(LOCAL_LAKE.host, port, true)).replace(
      /\/+$/,
      '',
    ),
    dataset: env.SANITY_STUDIO_DATASET || LOCAL_LAKE.dataset,
    caPath: lakeFile(dataDir, 'ca'),
    tokenPath: lakeFile(dataDir, 'token'),
  }
}
