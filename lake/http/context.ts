/** What every route gets: the data folder, the dataset services, the clock, config. */
import {getConnInfo} from '@hono/node-server/conninfo'
import type {Context} from 'hono'
import {BadRequestError} from '../core/errors.ts'
import {repeatedParameter} from '../core/query.ts'
import type {DatasetConfig, DatasetService} from '../dataset.ts'
import type {StoreRegistry} from '../core/store.ts'
import type {EventBus} from '../events/bus.ts'
import type {ImageService} from '../assets/images.ts'
import type {UploadSpace} from '../assets/uploadSpace.ts'
import type {VisibilitySettings} from '../datasets/visibility.ts'
import type {LiveEvents} from '../live/liveEvents.ts'
import type {AnswerBudget} from './documentsAnswer.ts'
import type {BodyMemory} from './bodyMemory.ts'
import type {PageTurns} from './pageTurns.ts'
import type {BodyArrival} from './nodeRequest.ts'
import type {QueryRequests} from './queryRequests.ts'
import type {RequestsInFlight} from './requestsInFlight.ts'

/** The one project this lake serves (the Host subdomain and X-Sanity-Project-ID are not checked). */
export type LakeConfig = DatasetConfig

export interface LakeContext {
  dataDir: string
  /** The service of a dataset (validates the name; the file appears on the first write). */
  dataset(name: string): DatasetService
  /** The datasets on disk (the image service's backfill reads their stores). */
  stores: StoreRegistry
  bus: EventBus
  /** Which datasets anonymous callers may read (published documents only). */
  visibility: VisibilitySettings
  /**
   * Deletes a dataset, files and all (lake/datasets/deletion.ts); false when it was not there in
   * the delete's turn.
   */
  deleteDataset(name: string): Promise<boolean>
  /** Image renditions, derived metadata and asset file clean-up. */
  images: ImageService
  /** The disk space uploads may take (LAKE_UPLOAD_DISK_RESERVE_BYTES). */
  uploads: UploadSpace
  /** The Live Content API: sync tags of remembered answers and their subscribers. */
  live: LiveEvents
  now(): Date
  config: LakeConfig
  /** Bytes of built data/doc and history answers not yet sent, lake-wide (`--answer-memory`). */
  answers: AnswerBudget
  /** Export pages' turns of the event loop, by caller (pageTurns.ts). */
  pages: PageTurns
  /** What query requests hold while they wait for a query thread or run, per caller and lake-wide. */
  queries: QueryRequests
  /** Requests under way, per caller and lake-wide (LIMITS.requestsInFlight). */
  inFlight: RequestsInFlight
  /** Shared memory for large write bodies, touched on a thread of its own. */
  bodyMemory: BodyMemory
  /** How every body but a query's must arrive (LIMITS.bodyArrival, --write-timeout). */
  bodyArrival: BodyArrival
  /** The Studio's address, when whoever started the lake said it (the root names it). */
  studioUrl?: string
}

declare module 'hono' {
  interface ContextVariableMap {
    lake: LakeContext
  }
}

export function lakeOf(c: Context): LakeContext {
  return c.get('lake')
}

/**
 * The dataset service named by the route's `:dataset` (a bad name is a 400), once its file is in
 * this lake's format: a file an earlier lake wrote is upgraded on the commit thread first, while
 * the event loop answers other requests (DatasetService.ready).
 */
export async function datasetOf(c: Context): Promise<DatasetService> {
  const dataset = lakeOf(c).dataset(c.req.param('dataset') ?? '')
  await dataset.ready()
  return dataset
}

/** The `YYYY-MM-DD` (or `1`, `X`) of the `/v…/` path prefix (of the path routed: app.ts). */
export function apiVersionOf(c: Context): string {
  const match = /^\/v([^/]+)\//.exec(c.req.path)
  return match ? match[1] : '1'
}

/**
 * A single-valued URL parameter, undefined when left out. Given twice, which was meant is a guess
 * (the first was taken, so `?dryRun=false&dryRun=true` stored, `?visibility=` the first): a 400
 * naming it. Every route reads its URL's parameters here (or with singleParameter, flag).
 */
export function param(c: Context, name: string): string | undefined {
  const values = parametersOf(c)[name] ?? []
  if (values.length > 1) throw repeatedParameter(name)
  return values[0]
}

/**
 * The URL's parameters, parsed once a request: Hono's `queries(name)` parses the whole URL on
 * every call, and a write reads five of them.
 */
const parameters = new WeakMap<Context['req'], Record<string, string[]>>()
function parametersOf(c: Context): Record<string, string[]> {
  let all = parameters.get(c.req)
  if (!all) parameters.set(c.req, (all = c.req.queries()))
  return all
}

/** A true-or-false URL parameter (flagValue), given once. */
export function flag(c: Context, name: string): boolean {
  return flagValue(name, param(c, name))
}

/**
 * A true-or-false URL parameter's value: left out, false; given empty (`?dryRun`), `true` or `1`,
 * true; `false` or `0`, false; either word in any case. Anything else is a 400 naming it: every
 * value but "false" and "0" was true, so `?dryRun=False` (Python's str(False)) answered 200 with
 * the write's results and stored nothing.
 */
export function flagValue(name: string, value: string | null | undefined): boolean {
  if (value === undefined || value === null) return false
  const word = value.toLowerCase()
  if (word === '' || word === 'true' || word === '1') return true
  if (word === 'false' || word === '0') return false
  throw new BadRequestError(
    `The URL's parameter ${JSON.stringify(name)} is ${JSON.stringify(value.slice(0, 64))}: send true or false (1 or 0), or leave it out for false`,
  )
}

/** The caller's network address; null when not served by @hono/node-server (in-process requests). */
export function clientAddress(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null
  } catch {
    return null
  }
}
