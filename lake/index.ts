/**
 * The local Content Lake: Sanity's data HTTP API over SQLite, as a fetch handler.
 *
 * @example
 * const lake = await createLake({dataDir: '.lake'})
 * const res = await lake.fetch(new Request('http://localhost/v2025-02-19/data/query/production?query=*'))
 */
import type {Hono} from 'hono'
import {openAuth, type AuthBootstrap} from './auth/bootstrap.ts'
import {createEventBus, type EventBus} from './events/bus.ts'
import {createApp} from './http/app.ts'
import type {LakeContext} from './http/context.ts'
import type {PrincipalResolver} from './http/principal.ts'
import {createSqliteStores} from './store/sqliteStore.ts'

export interface LakeOptions {
  /** The data folder: datasets/<name>.sqlite, auth.sqlite, tls/, assets/. */
  dataDir: string
  /** The clock for transaction timestamps (tests pin it). */
  now?: () => Date
  /** Project id reported to clients; the lake serves one project. Default `local`. */
  projectId?: string
  /** Who a bearer token belongs to. Default: the data folder's auth store (lake/auth). */
  principals?: PrincipalResolver
  /** Environment for the first-start administrator (LAKE_ADMIN_EMAIL, LAKE_ADMIN_PASSWORD). */
  env?: Record<string, string | undefined>
}

export interface Lake {
  /** Answers one request (the Hono app's fetch). */
  fetch(request: Request): Promise<Response>
  app: Hono
  bus: EventBus
  context: LakeContext
  /** The data folder's auth store and scripts' token, unless `principals` was given. */
  auth: AuthBootstrap | null
  /** Ends listeners, then closes every database. */
  close(): Promise<void>
}

export async function createLake(options: LakeOptions): Promise<Lake> {
  const auth = options.principals ? null : await openAuth(options.dataDir, options.env)
  const principals = options.principals ?? auth!.store
  const stores = createSqliteStores(options.dataDir)
  const bus = createEventBus()
  const context: LakeContext = {
    dataDir: options.dataDir,
    stores,
    store: (dataset) => stores.get(dataset),
    bus,
    now: options.now ?? (() => new Date()),
    config: {projectId: options.projectId ?? 'local'},
  }
  const app = createApp(context, principals)
  let closed = false
  return {
    fetch: async (request) => app.fetch(request),
    app,
    bus,
    context,
    auth,
    async close() {
      if (closed) return
      closed = true
      // Listeners hear `disconnect` first, then the databases close.
      bus.close()
      // Let pending writes (queued behind each store's lock) finish before the files close.
      await Promise.all(stores.list().map((name) => stores.get(name).transact(() => undefined)))
      stores.close()
      auth?.store.close()
    },
  }
}
