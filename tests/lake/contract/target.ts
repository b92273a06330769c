/**
 * What the contract suite runs against: the local lake (in-process, and over HTTPS for the tools
 * that open their own connections) or a hosted Sanity project (when SANITY_CONTRACT_PROJECT_ID and
 * SANITY_CONTRACT_TOKEN are set). The suite speaks only Sanity's HTTP API.
 */
import {createClient, type ClientConfig, type SanityClient} from '@sanity/client'
import {createTestLake, startTestLake} from '../../helpers/lake.ts'

export interface ContractTarget {
  /** A @sanity/client (apiVersion 2025-02-19) for the target dataset, with a write token. */
  client(options?: Partial<ClientConfig>): SanityClient
  /** Raw HTTP: `path` is what follows `/v{apiVersion}`, e.g. `/data/doc/test/a`. */
  request(path: string, init?: RequestInit & {apiVersion?: string}): Promise<Response>
  dataset: string
  /** Unique per run; ids and types start with it so runs never collide in a shared dataset. */
  prefix: string
  close(): Promise<void>
}

export function uniquePrefix(): string {
  return `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
}

function targetFor(
  client: SanityClient,
  close: () => Promise<void>,
  send: typeof fetch = fetch,
): ContractTarget {
  const token = client.config().token!
  return {
    client: (options = {}) => client.withConfig(options),
    request(path, {apiVersion = '2025-02-19', headers, ...init} = {}) {
      const url = client.withConfig({apiVersion}).getUrl(path)
      return send(url, {
        ...init,
        headers: {authorization: `Bearer ${token}`, ...Object.fromEntries(new Headers(headers))},
      })
    },
    dataset: client.config().dataset!,
    prefix: uniquePrefix(),
    close,
  }
}

/** The lake answering in-process (`createLake` + `lake.fetch`): no socket, no TLS. */
export async function inProcessTarget(): Promise<ContractTarget> {
  const lake = await createTestLake()
  return targetFor(lake.client(), () => lake.close(), lake.fetch)
}

/** The lake's real HTTPS server, for clients that open their own connections. */
export async function httpsTarget(): Promise<ContractTarget> {
  const lake = await startTestLake()
  return targetFor(lake.client(), () => lake.close())
}

export const hostedConfig = {
  projectId: process.env.SANITY_CONTRACT_PROJECT_ID,
  token: process.env.SANITY_CONTRACT_TOKEN,
  dataset: process.env.SANITY_CONTRACT_DATASET ?? 'contract',
}

export async function hostedTarget(): Promise<ContractTarget> {
  const client = createClient({
    projectId: hostedConfig.projectId!,
    dataset: hostedConfig.dataset,
    token: hostedConfig.token!,
    apiVersion: '2025-02-19',
    useCdn: false,
  })
  return targetFor(client, async () => undefined)
}
