/**
 * A real lake server on a free port over a fresh temporary data folder, and a real @sanity/client
 * for it. Every integration test starts the lake through here, so transport details live in one place.
 */
import {createClient, type ClientConfig, type SanityClient} from '@sanity/client'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {startLakeServer, type LakeServer} from '../../lake/server.ts'

export interface TestLake {
  url: string
  /** A write token (role editor) for the data folder. */
  token: string
  dataDir: string
  server: LakeServer
  /** A @sanity/client for dataset `test` with the token; options override the defaults. */
  client(options?: Partial<ClientConfig>): SanityClient
  /** Stops the server; the data folder is removed unless `keepData` is set. */
  close(options?: {keepData?: boolean}): Promise<void>
}

export interface TestLakeOptions {
  /** Reuse a data folder (for restart tests); default a new temporary one. */
  dataDir?: string
  now?: () => Date
}

export async function startTestLake(options: TestLakeOptions = {}): Promise<TestLake> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'lake-test-')))
  const server = await startLakeServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    tls: false,
    now: options.now,
    env: {LAKE_ADMIN_EMAIL: 'admin@localhost', LAKE_ADMIN_PASSWORD: 'test-password-not-secret'},
  })
  const token = server.lake.auth!.token
  return {
    url: server.url,
    token,
    dataDir,
    server,
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
