/**
 * What the contract suite runs against: the local lake (always) or a hosted Sanity project (when
 * SANITY_CONTRACT_PROJECT_ID and SANITY_CONTRACT_TOKEN are set). The suite talks only HTTP.
 */
import {createClient, type ClientConfig, type SanityClient} from '@sanity/client'
import {startTestLake} from '../../helpers/lake.ts'

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

function targetFor(client: SanityClient, close: () => Promise<void>): ContractTarget {
  const token = client.config().token!
  return {
    client: (options = {}) => client.withConfig(options),
    request(path, {apiVersion = '2025-02-19', headers, ...init} = {}) {
      const url = client.withConfig({apiVersion}).getUrl(path)
      return fetch(url, {
        ...init,
        headers: {authorization: `Bearer ${token}`, ...Object.fromEntries(new Headers(headers))},
      })
    },
    dataset: client.config().dataset!,
    prefix: uniquePrefix(),
    close,
  }
}

export async function localTarget(): Promise<ContractTarget> {
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
