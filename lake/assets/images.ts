/**
 * The lake's image service: transformed renditions of stored images (cached on disk, bounded),
 * the metadata Sanity derives from pixels, the backfill of that metadata for images uploaded before
 * the lake computed it, and the removal of an asset's files when its document is deleted.
 */
import {join} from 'node:path'
import {LakeError, UnprocessableError} from '../core/errors.ts'
import {createLru, type Lru} from '../core/lru.ts'
import {isPublishedId} from '../core/ids.ts'
import {runTransaction} from '../core/transaction.ts'
import {headsOf} from '../core/changeText.ts'
import type {DocumentChange} from '../core/types.ts'
import type {EventBus} from '../events/bus.ts'
import type {Store} from '../core/store.ts'
import {assetFilePath, assetsDir, type AssetKind} from './assetFiles.ts'
import {AssetFiles, assetIdForFile, IMAGE_NAME} from './assetSweep.ts'
import {ImageCache} from './imageCache.ts'
import {deriveImageMetadata, svgRenderedSize} from './imageMetadata.ts'
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

export class ImageService {
  readonly cache: ImageCache
  /** The asset files on disk: which stay, which go (assetSweep.ts). */
  readonly files: AssetFiles
  readonly limits: ImageLimits
  readonly #dataDir: string
  #stopped = false
  /** Stored SVGs' drawn sizes by content hash, each read once (see render). */
  readonly #svgSizes: Lru<string, Promise<{width: number; height: number}>> = createLru(
    {entries: 4096, weight: 4096},
    () => 1,
  )

  constructor(options: ImageServiceOptions) {
    const env = options.env ?? {}
    this.#dataDir = options.dataDir
    this.cache = new ImageCache({
      dir: join(assetsDir(options.dataDir), '.cache', 'images'),
      maxBytes: positive(env.LAKE_IMAGE_CACHE_BYTES) ?? 256 * 1024 * 1024,
    })
    this.files = new AssetFiles({
      dataDir: options.dataDir,
      // A rendition's key starts with its source's content hash (render).
      forgetRenditions: (sha1s) => this.cache.forget((key) => sha1s.has(key.slice(0, 40))),
    })
    this.limits = {
      maxDimension: positive(env.LAKE_IMAGE_MAX_DIMENSION) ?? DEFAULT_IMAGE_LIMITS.maxDimension,
      maxPixels: positive(env.LAKE_IMAGE_MAX_PIXELS) ?? DEFAULT_IMAGE_LIMITS.maxPixels,
      maxSourcePixels:
        positive(env.LAKE_IMAGE_MAX_SOURCE_PIXELS) ?? DEFAULT_IMAGE_LIMITS.maxSourcePixels,
      renderSeconds: positive(env.LAKE_IMAGE_RENDER_SECONDS) ?? DEFAULT_IMAGE_LIMITS.renderSeconds,
      maxAvifPixels: positive(env.LAKE_IMAGE_MAX_AVIF_PIXELS) ?? DEFAULT_IMAGE_LIMITS.maxAvifPixels,
    }
  }

  /**
   * The rendition of stored image `name` that the URL parameters ask for. Throws a 400 for bad
   * parameters or an output over the limits, before anything is decoded. `signal`: the client
   * went away (a rendition nobody waits for any more is not rendered). `holder`: who asks, whose
   * turn in the image queue it takes (sharp.ts).
   */
  async render(
    path: string,
    name: string,
    search: URLSearchParams,
    accept: string | undefined,
    signal?: AbortSignal,
    holder?: string,
  ): Promise<Rendition> {
    const m = IMAGE_NAME.exec(name)!
    let source = {width: Number(m[2]), height: Number(m[3]), extension: m[4]!}
    // An SVG stored before uploads recorded SVGs as drawn keeps its header's size in its name (and
    // in its id, which documents reference, so it is not renamed): `width="100in"` named 100×100
    // and drawn 7200×7200. The limits and a rect apply to what the renderer draws.
    if (source.extension === 'svg')
      source = {...source, ...(await this.#drawnSize(m[1]!, path, holder))}
    const transform = parseTransform(search, source, accept, this.limits)
    const key = ImageCache.keyOf(name, JSON.stringify(transform))
    const extension = transform.format === 'pjpg' ? 'jpg' : transform.format
    const cached = await this.cache.get(
      `${m[1]}-${key}`,
      extension,
      (wanted) => renderImage(path, transform, source, this.limits, wanted, holder),
      signal,
    )
    return {...cached, contentType: MIME_TYPES[transform.format]}
  }

  #drawnSize(sha1: string, path: string, holder?: string) {
    let size = this.#svgSizes.get(sha1)
    if (!size) {
      size = svgRenderedSize(path, holder).catch((err: unknown) => {
        this.#svgSizes.delete(sha1)
        throw new UnprocessableError(
          `The stored image cannot be rendered: ${(err as Error).message.trim()}. ` +
            `Upload the image again (the lake now refuses images it cannot decode at upload)`,
        )
      })
      this.#svgSizes.set(sha1, size)
    }
    return size
  }

  /**
   * Deletes the file and renditions of asset documents a transaction deleted (told once it is on
   * disk), unless one is there again (written since, in its write group or after: `current` is
   * what every read sees now) or an upload of the same bytes is under way.
   */
  removeDeletedAssets(
    dataset: string,
    projectId: string,
    tx: {changes: readonly Change[]},
    current: Pick<Store, 'storedBytes'>,
  ): void {
    const deleted: {kind: AssetKind; name: string; id: string}[] = []
    for (const change of tx.changes) {
      // Told by the heads: a serialised change's documents are not parsed for this.
      const heads = headsOf(change)
      if (heads.after || !heads.before || !isPublishedId(change.id)) continue
      if (heads.before.type !== 'sanity.imageAsset' && heads.before.type !== 'sanity.fileAsset')
        continue
      const before = change.before!
      const kind: AssetKind = before._type === 'sanity.imageAsset' ? 'images' : 'files'
      const name = typeof before.path === 'string' ? before.path.split('/').pop()! : ''
      if (assetIdForFile(kind, name) === change.id) deleted.push({kind, name, id: change.id})
    }
    if (deleted.length === 0) return
    const bytes = current.storedBytes(deleted.map((asset) => asset.id))
    deleted.forEach(({kind, name}, i) => {
      if (bytes[i] === null) this.files.remove(kind, projectId, dataset, name)
    })
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
      // One dataset's failure (a newer lake's file, a busy one) is its own: the others are filled.
      try {
        const store = context.stores.get(dataset)
        // A file an earlier lake wrote is upgraded on the commit thread first, not here: this runs
        // as the lake starts, and held its start (and then every request) for the migration.
        await store.ready?.()
        if (this.#stopped) break
        filled += await this.backfill(
          store,
          context.bus,
          dataset,
          context.config.projectId,
          context.now,
        )
      } catch (err) {
        const said = err instanceof LakeError ? err.message : err
        console.error(`lake: image metadata backfill of "${dataset}" failed:`, said)
      }
    }
    if (filled > 0) console.log(`lake: added lqip, blurHash and palette to ${filled} image(s)`)
    return filled
  }

  /** Stops a running backfill after the asset it is on (the lake is closing). */
  stop(): void {
    this.#stopped = true
  }

  /**
   * Adds lqip, blurHash and palette to the image assets an earlier lake stored without them (the
   * store's list, Store.imagesToDerive): one transaction per asset, each forgotten once it is
   * durable, so a kill part way leaves the rest for the next start. An image stored without them
   * since asked for none (`meta=none`) and is not listed. Resolves to how many were filled in.
   */
  async backfill(
    store: Store,
    bus: EventBus,
    dataset: string,
    projectId: string,
    now: () => Date,
  ): Promise<number> {
    let filled = 0
    for (const id of store.imagesToDerive?.() ?? []) {
      if (this.#stopped) break
      const [doc] = store.committed().getDocuments([id])
      if (!doc || !isPublishedId(id) || (doc.metadata as {lqip?: unknown} | undefined)?.lqip) {
        store.forgetImageToDerive?.(id)
        continue
      }
      const name = typeof doc.path === 'string' ? doc.path.split('/').pop()! : ''
      const path = assetFilePath(this.#dataDir, 'images', projectId, dataset, name)
      if (!path) continue
      let derived
      try {
        derived = await deriveImageMetadata(path, this.limits.maxSourcePixels)
      } catch (err) {
        // Left listed, to be tried again at the next start.
        console.error(`lake: no metadata for ${id}: ${(err as Error).message}`)
        continue
      }
      await runTransaction({store, bus, identity: 'lake', now}, (ws) => {
        const current = ws.get(id)
        if (!current || (current.metadata as {lqip?: unknown} | undefined)?.lqip) return
        const metadata = {...(current.metadata as object), ...derived}
        ws.write(id, {...current, metadata}, {patch: {id, set: {metadata}}})
      })
      store.forgetImageToDerive?.(id)
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
