/**
 * The lake's image service: transformed renditions of stored images (cached on disk, bounded),
 * the metadata Sanity derives from pixels, the backfill of that metadata for images uploaded before
 * the lake computed it, and the removal of an asset's files when its document is deleted.
 */
import {readdirSync, rmSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {isPublishedId} from '../core/ids.ts'
import {runTransaction} from '../core/transaction.ts'
import {headsOf} from '../core/changeText.ts'
import type {DocumentChange, SanityDocument} from '../core/types.ts'
import type {EventBus} from '../events/bus.ts'
import type {Store} from '../core/store.ts'
import {assetFilePath, assetsDir, type AssetKind} from './assetFiles.ts'
import {ImageCache} from './imageCache.ts'
import {deriveImageMetadata} from './imageMetadata.ts'
import {
  DEFAULT_IMAGE_LIMITS,
  MIME_TYPES,
  parseTransform,
  renderImage,
  type ImageLimits,
} from './imageTransform.ts'

export interface ImageServiceOptions {
  dataDir: string
  /**
   * LAKE_IMAGE_CACHE_BYTES, LAKE_IMAGE_MAX_DIMENSION, LAKE_IMAGE_MAX_PIXELS,
   * LAKE_IMAGE_MAX_SOURCE_PIXELS.
   */
  env?: Record<string, string | undefined>
}

export interface Rendition {
  path: string
  size: number
  contentType: string
  hit: boolean
}

/** A stored file name: `<sha1>-<w>x<h>.<ext>` for images, `<sha1>.<ext>` for files. */
const IMAGE_NAME = /^([0-9a-f]{40})-(\d+)x(\d+)\.([a-z0-9]+)$/
const FILE_NAME = /^([0-9a-f]{40})\.([A-Za-z0-9]+)$/

/** The asset document id behind a stored file name, or null when the name is not one of ours. */
export function assetIdForFile(kind: AssetKind, name: string): string | null {
  if (kind === 'images') {
    const m = IMAGE_NAME.exec(name)
    return m ? `image-${m[1]}-${m[2]}x${m[3]}-${m[4]}` : null
  }
  const m = FILE_NAME.exec(name)
  return m ? `file-${m[1]}-${m[2]}` : null
}

export class ImageService {
  readonly cache: ImageCache
  readonly limits: ImageLimits
  readonly #dataDir: string
  #stopped = false

  constructor(options: ImageServiceOptions) {
    const env = options.env ?? {}
    this.#dataDir = options.dataDir
    this.cache = new ImageCache({
      dir: join(assetsDir(options.dataDir), '.cache', 'images'),
      maxBytes: positive(env.LAKE_IMAGE_CACHE_BYTES) ?? 256 * 1024 * 1024,
    })
    this.limits = {
      maxDimension: positive(env.LAKE_IMAGE_MAX_DIMENSION) ?? DEFAULT_IMAGE_LIMITS.maxDimension,
      maxPixels: positive(env.LAKE_IMAGE_MAX_PIXELS) ?? DEFAULT_IMAGE_LIMITS.maxPixels,
      maxSourcePixels:
        positive(env.LAKE_IMAGE_MAX_SOURCE_PIXELS) ?? DEFAULT_IMAGE_LIMITS.maxSourcePixels,
    }
  }

  /**
   * The rendition of stored image `name` that the URL parameters ask for. Throws a 400 for bad
   * parameters or an output over the limits, before anything is decoded. `signal`: the client
   * went away (a rendition nobody waits for any more is not rendered).
   */
  async render(
    path: string,
    name: string,
    search: URLSearchParams,
    accept: string | undefined,
    signal?: AbortSignal,
  ): Promise<Rendition> {
    const m = IMAGE_NAME.exec(name)!
    const source = {width: Number(m[2]), height: Number(m[3]), extension: m[4]!}
    const transform = parseTransform(search, source, accept, this.limits)
    const key = ImageCache.keyOf(name, JSON.stringify(transform))
    const extension = transform.format === 'pjpg' ? 'jpg' : transform.format
    const cached = await this.cache.get(
      `${m[1]}-${key}`,
      extension,
      (wanted) => renderImage(path, transform, source, this.limits.maxSourcePixels, wanted),
      signal,
    )
    return {...cached, contentType: MIME_TYPES[transform.format]}
  }

  /** Deletes the file and renditions of asset documents a transaction deleted. */
  removeDeletedAssets(dataset: string, projectId: string, tx: {changes: readonly Change[]}): void {
    for (const change of tx.changes) {
      // Told by the heads: a serialised change's documents are not parsed for this.
      const heads = headsOf(change)
      if (heads.after || !heads.before || !isPublishedId(change.id)) continue
      if (heads.before.type !== 'sanity.imageAsset' && heads.before.type !== 'sanity.fileAsset')
        continue
      const before = change.before!
      const kind: AssetKind = before._type === 'sanity.imageAsset' ? 'images' : 'files'
      const name = typeof before.path === 'string' ? before.path.split('/').pop()! : ''
      const path = assetFilePath(this.#dataDir, kind, projectId, dataset, name)
      if (!path || assetIdForFile(kind, name) !== change.id) continue
      this.#remove(path, name)
    }
  }

  /**
   * Catches up with deletes it was not told of (a commit the bus could not announce): removes the
   * dataset's asset files whose document is gone and was once written (the log has a transaction
   * of it). A file whose document was never written is kept: its upload may be about to commit it
   * (the file is in place before the document). Returns how many were removed.
   */
  removeUnreferencedAssets(dataset: string, projectId: string, store: Store): number {
    let removed = 0
    for (const kind of ['images', 'files'] as const) {
      const probe = assetFilePath(this.#dataDir, kind, projectId, dataset, 'probe')
      if (!probe) continue
      let names: string[]
      try {
        names = readdirSync(dirname(probe))
      } catch {
        continue // no asset of this kind was ever stored
      }
      const files = names.flatMap((name) => {
        const id = assetIdForFile(kind, name)
        return id ? [{name, id}] : []
      })
      const heads = store.heads(files.map((file) => file.id))
      files.forEach(({name, id}, i) => {
        if (heads[i] || store.getTransactions({ids: [id], limit: 1}).length === 0) return
        this.#remove(join(dirname(probe), name), name)
        removed++
      })
    }
    return removed
  }

  #remove(path: string, name: string): void {
    rmSync(path, {force: true})
    const sha1 = name.slice(0, 40)
    this.cache.forget((key) => key.startsWith(`${sha1}-`))
  }

  /** Backfills every dataset in the background (see backfill); resolves to the count filled in. */
  async backfillAll(context: {
    stores: {list(): string[]; get(name: string): Store}
    bus: EventBus
    config: {projectId: string}
    now: () => Date
  }): Promise<number> {
    let filled = 0
    for (const dataset of context.stores.list()) {
      if (this.#stopped) break
      const store = context.stores.get(dataset)
      // A file an earlier lake wrote is upgraded on the commit thread first, not here: this runs as
      // the lake starts, and held its start (and then every request) for the migration.
      await store.ready?.()
      if (this.#stopped) break
      filled += await this.backfill(
        store,
        context.bus,
        dataset,
        context.config.projectId,
        context.now,
      )
    }
    if (filled > 0) console.log(`lake: added lqip, blurHash and palette to ${filled} image(s)`)
    return filled
  }

  /** Stops a running backfill after the asset it is on (the lake is closing). */
  stop(): void {
    this.#stopped = true
  }

  /**
   * Adds lqip, blurHash and palette to image assets stored without them (uploaded before the lake
   * computed them). One transaction per asset; resolves to how many were filled in.
   */
  async backfill(
    store: Store,
    bus: EventBus,
    dataset: string,
    projectId: string,
    now: () => Date,
  ): Promise<number> {
    const missing: SanityDocument[] = []
    for (const doc of store.committed().scan({types: ['sanity.imageAsset']})) {
      const metadata = doc.metadata as {lqip?: unknown} | undefined
      if (isPublishedId(doc._id) && !metadata?.lqip) missing.push(doc)
    }
    let filled = 0
    for (const doc of missing) {
      if (this.#stopped) break
      const name = typeof doc.path === 'string' ? doc.path.split('/').pop()! : ''
      const path = assetFilePath(this.#dataDir, 'images', projectId, dataset, name)
      if (!path) continue
      let derived
      try {
        derived = await deriveImageMetadata(path, this.limits.maxSourcePixels)
      } catch (err) {
        console.error(`lake: no metadata for ${doc._id}: ${(err as Error).message}`)
        continue
      }
      await runTransaction({store, bus, identity: 'lake', now}, (ws) => {
        const current = ws.get(doc._id)
        if (!current || (current.metadata as {lqip?: unknown} | undefined)?.lqip) return
        const metadata = {...(current.metadata as object), ...derived}
        ws.write(doc._id, {...current, metadata}, {patch: {id: doc._id, set: {metadata}}})
      })
      filled++
    }
    return filled
  }
}

type Change = Pick<DocumentChange, 'id' | 'before' | 'after' | 'text'>

function positive(value: string | undefined): number | undefined {
  const n = Number(value)
  return value && Number.isFinite(n) && n > 0 ? n : undefined
}
