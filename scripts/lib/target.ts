/**
 * Where the scripts read and write: a hosted Sanity project when SANITY_STUDIO_PROJECT_ID is set,
 * otherwise the local lake. For the lake, the write token and the CA certificate are read from the
 * lake's data folder (LAKE_DATA, default .lake/), so `npm run import` works right after
 * `npm run lake` with no configuration. Scripts talk to the lake over HTTP only.
 */
import {existsSync, readFileSync} from 'node:fs'
import {isAbsolute, join, resolve} from 'node:path'
import {getCACertificates, setDefaultCACertificates} from 'node:tls'
import {createClient, type ClientConfig, type SanityClient} from '@sanity/client'
import type {Env} from '../../kit/cli.ts'
// The Studio's defaults, so the scripts and the Studio always open the same dataset.
import {DEFAULT_DATASET, DEFAULT_LOCAL_API_HOST, LOCAL_PROJECT_ID} from '../../studio/target.ts'

export {LOCAL_PROJECT_ID}
/** The API version of the scripts' requests. */
export const API_VERSION = '2025-02-19'
const DEFAULT_LAKE_DATA = '.lake'

/** Files the lake keeps in its data folder (see lake/auth/bootstrap.ts and lake/tls/certificates.ts). */
const LAKE_TOKEN_FILE = 'token'
const LAKE_CA_FILE = join('tls', 'ca.pem')

/** Where to read and write, resolved from the environment. */
export type Target = {
  kind: 'hosted' | 'lake'
  client: ClientConfig
  dataset: string
  /** For messages: 'the local lake at https://localhost:3334' or 'project abc123'. */
  description: string
  /** Where the token came from, for messages (never the token itself). */
  tokenSource: 'SANITY_API_TOKEN' | 'lake data folder' | null
  /** The lake's data folder (lake only). */
  dataDir?: string
  /** The CA certificate to trust (lake over HTTPS only). */
  caPath?: string
}

/** Resolves the target from the environment. Reads the lake's token file; changes nothing. */
export function resolveTarget(env: Env, options: {cwd: string; dataset?: string}): Target {
  const dataset = options.dataset || env.SANITY_STUDIO_DATASET || DEFAULT_DATASET
  const envToken = env.SANITY_API_TOKEN || undefined
  const projectId = env.SANITY_STUDIO_PROJECT_ID
  if (projectId) {
    return {
      kind: 'hosted',
      client: {projectId, dataset, apiVersion: API_VERSION, useCdn: false, token: envToken},
      dataset,
      description: `project ${projectId}`,
      tokenSource: envToken ? 'SANITY_API_TOKEN' : null,
    }
  }

  const apiHost = (env.SANITY_STUDIO_API_HOST || DEFAULT_LOCAL_API_HOST).replace(/\/+$/, '')
  const dataDir = resolveDataDir(env, options.cwd)
  const fileToken = envToken ? undefined : readIfExists(join(dataDir, LAKE_TOKEN_FILE))?.trim()
  const token = envToken || fileToken || undefined
  const caPath = join(dataDir, LAKE_CA_FILE)
  return {
    kind: 'lake',
    client: {
      projectId: LOCAL_PROJECT_ID,
      dataset,
      apiHost,
      useProjectHostname: false,
      apiVersion: API_VERSION,
      useCdn: false,
      token,
    },
    dataset,
    description: `the local lake at ${apiHost}`,
    tokenSource: envToken ? 'SANITY_API_TOKEN' : fileToken ? 'lake data folder' : null,
    dataDir,
    ...(apiHost.startsWith('https:') && existsSync(caPath) ? {caPath} : {}),
  }
}

function resolveDataDir(env: Env, cwd: string): string {
  const dir = env.LAKE_DATA || DEFAULT_LAKE_DATA
  return isAbsolute(dir) ? dir : resolve(cwd, dir)
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined
}

/**
 * Adds the lake's CA certificate to the certificates this process trusts (on top of the default
 * ones), so TLS stays fully verified against the lake's own authority.
 */
export function trustCertificate(caPath: string): void {
  const ca = readFileSync(caPath, 'utf8')
  const current = getCACertificates('default')
  if (current.some((pem) => pem.trim() === ca.trim())) return
  setDefaultCACertificates([...current, ca])
}

/** A client for the target, trusting the lake's CA when there is one. */
export function createTargetClient(
  target: Target,
  overrides: Partial<ClientConfig> = {},
): SanityClient {
  if (target.caPath) trustCertificate(target.caPath)
  return createClient({...target.client, ...overrides})
}

/** Headers for raw HTTP requests (export) against the target. */
export function authHeaders(target: Target): Record<string, string> {
  return target.client.token ? {Authorization: `Bearer ${target.client.token}`} : {}
}

/**
 * A sentence that says why a request to the target failed and how to fix it, for network and
 * TLS errors and 401/403; null for anything else.
 */
export function explainConnectionError(error: unknown, target: Target): string | null {
  const code = errorCode(error)
  const status = (error as {statusCode?: number} | null)?.statusCode
  const lake = target.kind === 'lake'
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'ECONNRESET'
  ) {
    return lake
      ? `Could not reach ${target.description} (${code}). Start it with \`npm run lake\` in another ` +
          'terminal, or point SANITY_STUDIO_API_HOST at a running lake.'
      : `Could not reach Sanity for ${target.description} (${code}). Check the network connection.`
  }
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return lake
      ? `The certificate of ${target.description} is not trusted (${code}). The scripts trust the ` +
          `CA in ${target.dataDir}/tls/ca.pem; set LAKE_DATA to the folder the lake was started ` +
          'with (`npm run lake -- --data <folder>`).'
      : `TLS failed for ${target.description} (${code}).`
  }
  if (status === 401 || status === 403) {
    const which =
      target.tokenSource === 'SANITY_API_TOKEN'
        ? 'the token in SANITY_API_TOKEN'
        : target.tokenSource === 'lake data folder'
          ? `the token in ${target.dataDir}/token`
          : 'a request without a token'
    if (status === 403) {
      return lake
        ? `${target.description} does not let ${which} write these documents (HTTP 403). Use a ` +
            'token with the editor role: `npm run -s lake -- tokens create --role editor`.'
        : `Sanity does not let ${which} write these documents (HTTP 403). Use a token with the ` +
            'Editor role (sanity.io/manage → API → Tokens).'
    }
    return lake
      ? `${target.description} rejected ${which} (HTTP 401). Set LAKE_DATA to the folder the ` +
          'lake was started with, or create a token with `npm run -s lake -- tokens create` and ' +
          'pass it as SANITY_API_TOKEN.'
      : `Sanity rejected ${which} (HTTP 401). Create a token with write access at ` +
          'https://www.sanity.io/manage (API → Tokens) and set SANITY_API_TOKEN.'
  }
  return null
}

function errorCode(error: unknown): string | undefined {
  // Node network errors carry a code, sometimes on a wrapped cause.
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as {code?: unknown}).code
    if (typeof code === 'string') return code
    current = (current as {cause?: unknown}).cause
  }
  return undefined
}
