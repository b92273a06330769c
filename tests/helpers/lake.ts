/**
 * Test lakes, started in one place so transport details live here:
 * - `startTestLake()` / `useTestLake()`: a real lake server on a free port over a fresh temporary
 *   data folder, and a real @sanity/client for it — for what needs the wire (the client, TLS,
 *   HTTP/2, listeners, the Studio's endpoints);
 * - `createTestLake()` / `useTestLake({inProcess: true})`: the same lake without a socket
 *   (`createLake` + `lake.fetch`), for suites that send thousands of plain requests.
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
import {afterAll, beforeAll} from 'vitest'
import {createLake, type Lake, type LakeOptions} from '../../lake/index.ts'
import {startLakeServer, type LakeServer, type LakeServerOptions} from '../../lake/server.ts'
import {ensureTls} from '../../lake/tls/certificates.ts'

/** The first-start administrator of every test lake. */
export const TEST_ADMIN = {email: 'admin@localhost', password: 'test-password-not-secret'}

/**
 * What every test lake is started with. No disk reserve for uploads: the lake's 1 GiB default
 * refused every upload (a 507) on a machine with less free where the tests' data folders are,
 * whatever the test was about; the reserve's own tests set theirs. (Lakes in child processes get
 * it from vitest.config.ts's env.)
 */
export const TEST_LAKE_ENV = {LAKE_UPLOAD_DISK_RESERVE_BYTES: '0'}

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
  /** The port to listen on (a restart on the port its clients know); default a free one. */
  port?: number
  now?: () => Date
  /** HTTPS with the data folder's certificate (default), or plain HTTP with `false`. */
  tls?: boolean
  /** Extra environment for the lake (LAKE_CORS_ORIGINS, …); the test administrator is preset. */
  env?: Record<string, string | undefined>
  /** Further server options (corsOrigins, publicUrl, …). */
  serverOptions?: Partial<Omit<LakeServerOptions, 'dataDir' | 'port' | 'tls'>>
}

/**
 * A @sanity/client for dataset `test` of the lake at `url` with `token` (a test lake's, or a lake
 * process's: kit/lakeProcess.ts); options override the defaults.
 */
export function lakeClient(
  lake: {url: string; token: string},
  overrides: Partial<ClientConfig> = {},
): SanityClient {
  return createClient({
    projectId: 'local',
    dataset: 'test',
    apiHost: lake.url,
    useProjectHostname: false,
    apiVersion: '2025-02-19',
    token: lake.token,
    useCdn: false,
    ...overrides,
  })
}

/** Unit tests stay fast: a file that starts a lake belongs to the integration project. */
function refuseInUnitProject(): void {
  if (process.env.TEST_PROJECT === 'unit') {
    throw new Error(
      'This test starts a lake, so it is an integration test: add its file to INTEGRATION in vitest.config.ts',
    )
  }
}

export async function startTestLake(options: TestLakeOptions = {}): Promise<TestLake> {
  refuseInUnitProject()
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'lake-test-')))
  const tls = options.tls === false ? null : await ensureTls(dataDir)
  if (tls) trustLakeCa({pem: tls.ca})
  const server = await startLakeServer({
    ...options.serverOptions,
    port: options.port ?? 0,
    host: '127.0.0.1',
    dataDir,
    tls: tls ? {key: tls.key, cert: tls.cert} : false,
    now: options.now,
    env: {
      LAKE_ADMIN_EMAIL: TEST_ADMIN.email,
      LAKE_ADMIN_PASSWORD: TEST_ADMIN.password,
      ...TEST_LAKE_ENV,
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
    client: (overrides = {}) => lakeClient({url: server.url, token}, overrides),
    async close({keepData = false} = {}) {
      await server.close()
      if (!keepData) await rm(dataDir, {recursive: true, force: true})
    },
  }
}

/** A lake answering in-process: `fetch` goes straight to its handler, no socket, no TLS. */
export interface InProcessLake {
  /** A placeholder origin for building request URLs; nothing listens there. */
  url: string
  token: string
  dataDir: string
  lake: Lake
  /** `fetch` against this lake: the request is handled in-process. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>
  /**
   * A @sanity/client for dataset `test` with the token, its requests handled in-process. Tools that
   * open their own connections (@sanity/export, EventSource listeners) need `startTestLake()`.
   */
  client(options?: Partial<ClientConfig>): SanityClient
  close(options?: {keepData?: boolean}): Promise<void>
}

export async function createTestLake(
  options: Pick<TestLakeOptions, 'dataDir' | 'now' | 'env'> &
    Pick<LakeOptions, 'checkpointer' | 'deferBoundMs'> = {},
): Promise<InProcessLake> {
  refuseInUnitProject()
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'lake-test-')))
  const lake = await createLake({
    dataDir,
    now: options.now,
    checkpointer: options.checkpointer,
    deferBoundMs: options.deferBoundMs,
    env: {
      LAKE_ADMIN_EMAIL: TEST_ADMIN.email,
      LAKE_ADMIN_PASSWORD: TEST_ADMIN.password,
      ...TEST_LAKE_ENV,
      ...options.env,
    },
  })
  const url = `http://lake-${++inProcessCount}.in-process`
  routeToLake(url, lake)
  const token = lake.auth!.token
  return {
    url,
    token,
    dataDir,
    lake,
    fetch: (input, init) => lake.fetch(new Request(input, init)),
    client: (overrides = {}) =>
      // Any `fetch` option makes get-it (the client's HTTP layer) send with the global fetch,
      // which routeToLake hands to the lake; without one it opens a socket with node:http.
      lakeClient({url, token}, {fetch: {}, ...overrides}),
    async close({keepData = false} = {}) {
      inProcessLakes.delete(url)
      await lake.close()
      if (!keepData) await rm(dataDir, {recursive: true, force: true})
    },
  }
}

let inProcessCount = 0
/** In-process lakes by origin: the global fetch hands their requests to their handlers. */
const inProcessLakes = new Map<string, Lake>()

/**
 * Makes the global fetch answer requests for `origin` with the lake's handler (every other request
 * goes out as before), so a client that sends with the global fetch reaches an in-process lake.
 */
function routeToLake(origin: string, lake: Lake): void {
  if (!networkFetch) {
    const network = (networkFetch = globalThis.fetch)
    globalThis.fetch = (input, init) => {
      const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      const target = inProcessLakes.get(new URL(href).origin)
      return target ? target.fetch(new Request(input, init)) : network(input, init)
    }
  }
  inProcessLakes.set(origin, lake)
}
let networkFetch: typeof fetch | undefined

/**
 * A test lake for the whole file: started before its tests, closed (and its folder removed) after.
 * Returns a getter, since the lake exists only once `beforeAll` has run.
 *
 * @example
 * const lake = useTestLake()
 * test('…', async () => { await lake().client().create({_type: 'article'}) })
 */
export function useTestLake(options?: TestLakeOptions & {inProcess?: false}): () => TestLake
export function useTestLake(options: TestLakeOptions & {inProcess: true}): () => InProcessLake
export function useTestLake(
  options: TestLakeOptions & {inProcess?: boolean} = {},
): () => TestLake | InProcessLake {
  let current: TestLake | InProcessLake | undefined
  beforeAll(async () => {
    current = options.inProcess ? await createTestLake(options) : await startTestLake(options)
  })
  afterAll(async () => {
    await current?.close()
  })
  return () => {
    if (!current) throw new Error('the test lake starts in beforeAll: use it inside a test or hook')
    return current
  }
}
