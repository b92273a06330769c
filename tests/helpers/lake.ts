/**
 * A real lake server on a free port over a fresh temporary data folder, and a real @sanity/client
 * for it. Every integration test starts the lake through here, so transport details live in one place.
 *
 * The lake serves HTTPS (HTTP/2 with HTTP/1.1 fallback) with its own certificate authority, as in
 * use. This process trusts exactly that CA, added to Node's default CA list, so fetch, node:https,
 * node:http2 and @sanity/client verify the certificate as usual (TLS checks are never turned off).
 */
import {createClient, type ClientConfig, type SanityClient} from '@sanity/client'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {trustLakeCa} from '../../kit/lakeProcess.ts'
import {startLakeServer, type LakeServer, type LakeServerOptions} from '../../lake/server.ts'
import {ensureTls} from '../../lake/tls/certificates.ts'

/** The first-start administrator of every test lake. */
export const TEST_ADMIN = {email: 'admin@localhost', password: 'test-password-not-secret'}

export interface TestLake {
  url: string
  /** A write token (role editor) for the data folder. */
  token: string
  dataDir: string
  server: LakeServer
  /** The lake's CA certificate (PEM), already trusted by this process; null without TLS. */
  ca: string | null
  /** A @sanity/client for dataset `test` with the token; options override the defaults. */
  client(options?: Partial<ClientConfig>): SanityClient
  /** Stops the server; the data folder is removed unless `keepData` is set. */
  close(options?: {keepData?: boolean}): Promise<void>
}

export interface TestLakeOptions {
  /** Reuse a data folder (for restart tests); default a new temporary one. */
  dataDir?: string
  now?: () => Date
  /** HTTPS with the data folder's certificate (default), or plain HTTP with `false`. */
  tls?: boolean
  /** Extra environment for the lake (LAKE_CORS_ORIGINS, …); the test administrator is preset. */
  env?: Record<string, string | undefined>
  /** Further server options (corsOrigins, publicUrl, …). */
  serverOptions?: Partial<Omit<LakeServerOptions, 'dataDir' | 'port' | 'tls'>>
}

export async function startTestLake(options: TestLakeOptions = {}): Promise<TestLake> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'lake-test-')))
  const tls = options.tls === false ? null : await ensureTls(dataDir)
  if (tls) trustLakeCa({pem: tls.ca})
  const server = await startLakeServer({
    ...options.serverOptions,
    port: 0,
    host: '127.0.0.1',
    dataDir,
    tls: tls ? {key: tls.key, cert: tls.cert} : false,
    now: options.now,
    env: {
      LAKE_ADMIN_EMAIL: TEST_ADMIN.email,
      LAKE_ADMIN_PASSWORD: TEST_ADMIN.password,
      ...options.env,
    },
  })
  const token = server.lake.auth!.token
  return {
    url: server.url,
    token,
    dataDir,
    server,
    ca: tls?.ca ?? null,
    client: (overrides = {}) =>
      createClient({
        projectId: 'local',
        dataset: 'test',
        apiHost: server.url,
        useProjectHostname: false,
        apiVersion: '2025-02-19',
        token,
        useCdn: false,
        ...overrides,
      }),
    async close({keepData = false} = {}) {
      await server.close()
      if (!keepData) await rm(dataDir, {recursive: true, force: true})
    },
  }
}
