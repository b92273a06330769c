/**
 * Rendered images on disk, bounded in bytes: `<data>/assets/.cache/images/<hash>.<ext>`. The least
 * recently served renditions are removed first when a new one would pass the bound. Renders of
 * the same key already under way are shared, so a burst of requests for a new page of images does
 * not repeat work (how many render at once is the sharp queue's bound, lake/assets/sharp.ts).
 */
import {createHash, randomBytes} from 'node:crypto'
import {mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export interface ImageCacheOptions {
  dir: string
  /** Bytes the cache may hold. */
  maxBytes: number
}

export interface CachedImage {
  path: string
  size: number
  hit: boolean
}

interface Entry {
  path: string
  size: number
}

export class ImageCache {
  readonly #options: ImageCacheOptions
  /** Least recently served first (a Map keeps insertion order). */
  #entries: Map<string, Entry> | null = null
  #bytes = 0
  /** Renders under way, with how many of their askers still wait for them. */
  readonly #rendering = new Map<string, {work: Promise<CachedImage>; askers: number}>()

  constructor(options: ImageCacheOptions) {
    this.#options = options
  }

  static keyOf(...parts: string[]): string {
    return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 40)
  }

  /**
   * The cached rendition for `key`, rendering it with `render` when missing. `signal`: the asker
   * went away; `render` hears through its `wanted` whether anyone still waits for the rendition,
   * so one whose askers all left is not rendered when its turn comes.
   */
  async get(
    key: string,
    extension: string,
    render: (wanted: () => boolean) => Promise<Buffer>,
    signal?: AbortSignal,
  ): Promise<CachedImage> {
    const entries = this.#load()
    const found = entries.get(key)
    if (found) {
      entries.delete(key)
      entries.set(key, found)
      return {...found, hit: true}
    }
    let pending = this.#rendering.get(key)
    if (!pending) {
      const started = {askers: 0, work: null as unknown as Promise<CachedImage>}
      started.work = this.#render(key, extension, () => render(() => started.askers > 0)).finally(
        () => this.#rendering.delete(key),
      )
      this.#rendering.set(key, (pending = started))
    }
    const asking = pending
    asking.askers++
    let left = false
    const leave = () => {
      if (!left) asking.askers--
      left = true
    }
    signal?.addEventListener('abort', leave, {once: true})
    try {
      return await asking.work
    } finally {
      signal?.removeEventListener('abort', leave)
      leave()
    }
  }

  /** Removes every rendition whose key starts with `prefix`'s entries (an asset deleted). */
  forget(keys: (key: string) => boolean): void {
    const entries = this.#load()
    for (const [key, entry] of entries) {
      if (!keys(key)) continue
      entries.delete(key)
      this.#bytes -= entry.size
      rmSync(entry.path, {force: true})
    }
  }

  stats(): {entries: number; bytes: number} {
    return {entries: this.#load().size, bytes: this.#bytes}
  }

  async #render(key: string, extension: string, render: () => Promise<Buffer>) {
    const bytes = await render()
    const path = join(this.#options.dir, `${key}.${extension}`)
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`
    writeFileSync(temporary, bytes)
    renameSync(temporary, path)
    const entry = {path, size: bytes.byteLength}
    const entries = this.#load()
    entries.set(key, entry)
    this.#bytes += entry.size
    this.#evict(key)
    return {...entry, hit: false}
  }

  #evict(keep: string): void {
    const entries = this.#load()
    for (const [key, entry] of entries) {
      if (this.#bytes <= this.#options.maxBytes) break
      if (key === keep) continue
      entries.delete(key)
      this.#bytes -= entry.size
      rmSync(entry.path, {force: true})
    }
  }

  /** Reads what an earlier run left, oldest first by modification time. */
  #load(): Map<string, Entry> {
    if (this.#entries) return this.#entries
    mkdirSync(this.#options.dir, {recursive: true})
    const found: (Entry & {key: string; mtimeMs: number})[] = []
    for (const name of readdirSync(this.#options.dir)) {
      const path = join(this.#options.dir, name)
      if (name.endsWith('.tmp')) {
        rmSync(path, {force: true})
        continue
      }
      const stat = statSync(path)
      found.push({
        key: name.slice(0, name.indexOf('.')),
        path,
        size: stat.size,
        mtimeMs: stat.mtimeMs,
      })
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs)
    this.#entries = new Map(found.map(({key, path, size}) => [key, {path, size}]))
    this.#bytes = found.reduce((sum, entry) => sum + entry.size, 0)
    this.#evict('')
    return this.#entries
  }
}
