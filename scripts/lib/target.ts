/**
 * Where the scripts read and write: a hosted Sanity project when SANITY_STUDIO_PROJECT_ID is set,
 * otherwise the local lake. For the lake, the write token and the CA certificate are read from the
 * lake's data folder (LAKE_DATA, default .lake/), so `npm run import` works right after
 * `npm run lake` with no configuration. Scripts talk to the lake over HTTP only.
 */
import {existsSync, readFileSync} from 'node:fs'
import {isAbsolute, resolve} from 'node:path'
import {createClient, type ClientConfig, type SanityClient} from '@sanity/client'
import type {Env} from '../../kit/cli.ts'
import {trustLakeCa} from '../../kit/lakeProcess.ts'
// The same defaults the Studio reads, so the scripts and the Studio always open the same dataset.
import {lakeFile, localLakeConfig, LOCAL_LAKE} from '../../kit/localLake.ts'

/** The API version of the scripts' requests. */
export const API_VERSION = '2025-02-19'

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
  const local = localLakeConfig(env)
  const dataset = options.dataset || local.dataset
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

  const apiHost = local.apiHost
  const dataDir = isAbsolute(local.dataDir) ? local.dataDir : resolve(options.cwd, local.dataDir)
  const fileToken = envToken ? undefined : readIfExists(lakeFile(dataDir, 'token'))?.trim()
  const token = envToken || fileToken || undefined
  const caPath = lakeFile(dataDir, 'ca')
  return {
    kind: 'lake',
    client: {
      projectId: LOCAL_LAKE.projectId,
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

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined
}

/** A client for the target, trusting the lake's CA when there is one. */
export function createTargetClient(
  target: Target,
  overrides: Partial<ClientConfig> = {},
): SanityClient {
  if (target.caPath) trustLakeCa({path: target.caPath})
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

/**
 * Null when the target lists the dataset, else a sentence naming the datasets it has. The lake
 * answers a dataset it has not as an empty one (docs/lake-api.md), so a misspelt --dataset read
 * as "0 documents" and exit 0. A caller who may not list datasets (no token: 401, or a hosted
 * token without the right) is not asked: its requests are answered as before.
 */
export async function missingDataset(client: SanityClient, target: Target): Promise<string | null> {
  let names: string[]
  try {
    names = (await client.datasets.list()).map((dataset) => dataset.name)
  } catch (error) {
    const status = (error as {statusCode?: number}).statusCode
    if (status === 401 || status === 403) return null
    throw error
  }
  if (names.includes(target.dataset)) return null
  return (
    `No dataset "${target.dataset}" on ${target.description} (it has: ${names.join(', ')}). ` +
    'Check --dataset and SANITY_STUDIO_DATASET. Nothing was done.'
  )
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

/**
 * How large one transaction may be: a document at most 32 MiB as JSON (hosted Sanity's limit,
 * which the local lake keeps), a write request at most 40 MiB (the local lake's body limit) and
 * at most 10,000 mutations (the local lake's; hosted Sanity documents none). A test keeps them
 * equal to the lake's LIMITS; the scripts reach the lake over HTTP only, so they hold their own copy.
 */
export const TRANSACTION_LIMITS = {
  documentBytes: 32 * 1024 * 1024,
  requestBytes: 40 * 1024 * 1024,
  writes: 10_000,
}
