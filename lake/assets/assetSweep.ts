/**
 * Which asset files stay: a file stays while its asset document exists or an upload of it is under
 * way, and goes otherwise. One place removes them (a delete's clean-up, an upload refused after
 * its file was stored, the sweep of a dataset's folders at start and after a missed commit), so
 * that none of them takes the file of a document that is written, or about to be.
 */
import {rmSync} from 'node:fs'
import {opendir, readdir} from 'node:fs/promises'
import {dirname} from 'node:path'
import {setImmediate as nextTurn} from 'node:timers/promises'
import type {Store} from '../core/store.ts'
import {assetFilePath, type AssetKind} from './assetFiles.ts'

/** A stored image's name, `<sha1>-<w>x<h>.<ext>` (a file's is `<sha1>.<ext>`). */
export const IMAGE_NAME = /^([0-9a-f]{40})-(\d+)x(\d+)\.([a-z0-9]+)$/
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

/**
 * Names a sweep looks up and removes at a time, then lets the event loop answer others: each
 * batch is one lookup of their documents and as many unlinks as are orphans (a 10,000-file folder
 * held the loop for its whole sweep in one go).
 */
const SWEEP_BATCH = 256

export interface AssetFilesOptions {
  dataDir: string
  /** Removes the renditions of images whose content hashes are given (they are cached by hash). */
  forgetRenditions: (sha1s: ReadonlySet<string>) => void
}

export class AssetFiles {
  readonly #dataDir: string
  readonly #forgetRenditions: AssetFilesOptions['forgetRenditions']
  /** Files uploads are storing or have stored, until their document is written or refused. */
  readonly #uploading = new Map<string, number>()

  constructor(options: AssetFilesOptions) {
    this.#dataDir = options.dataDir
    this.#forgetRenditions = options.forgetRenditions
  }

  /**
   * Keeps `path` from every removal until the returned function is called: taken before an upload
   * puts its file in place (or finds it there), given back once its document is written or
   * refused.
   */
  hold(path: string): () => void {
    this.#uploading.set(path, (this.#uploading.get(path) ?? 0) + 1)
    let held = true
    return () => {
      if (!held) return
      held = false
      const left = this.#uploading.get(path)! - 1
      if (left > 0) this.#uploading.set(path, left)
      else this.#uploading.delete(path)
    }
  }

  /**
   * Removes the file `name` of a dataset's `kind` folder unless an upload holds it; its renditions
   * go with it. The caller knows its document is gone, durably. True when removed.
   */
  remove(kind: AssetKind, projectId: string, dataset: string, name: string): boolean {
    const removed = this.#removeAll(kind, projectId, dataset, [name])
    return removed > 0
  }

  /**
   * After an upload ended, written or refused (its hold given back): its file goes if no document
   * names it, once what was committed before is on disk (a delete that could still be lost leaves
   * it, for the next sweep).
   */
  async settle(store: Store, projectId: string, kind: AssetKind, name: string): Promise<void> {
    const id = assetIdForFile(kind, name)
    const path = assetFilePath(this.#dataDir, kind, projectId, store.dataset, name)
    if (!id || !path || this.#uploading.has(path)) return
    if (store.committed().storedBytes([id])[0] !== null) return
    if (!(await durable(store))) return
    if (store.committed().storedBytes([id])[0] !== null) return
    this.#removeAll(kind, projectId, store.dataset, [name])
  }

  /** The datasets of `projectId` that have asset folders, written or not. */
  async datasets(projectId: string): Promise<string[]> {
    const probe = assetFilePath(this.#dataDir, 'files', projectId, 'probe', 'probe')
    if (!probe) return []
    try {
      const entries = await readdir(dirname(dirname(dirname(probe))), {withFileTypes: true})
      return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name)
    } catch {
      return [] // no asset was ever stored
    }
  }

  /**
   * Removes every file of the dataset's folders that no asset document names and no upload holds,
   * a batch at a time (SWEEP_BATCH): what a kill left (a delete committed just before it, a file
   * stored whose document never was) and what a missed commit's clean-up did not hear of. Files
   * it does not name itself (not `<sha1>…`) are left alone. Resolves to how many it removed.
   */
  async sweep(store: Store, projectId: string, stopped = () => false): Promise<number> {
    let removed = 0
    for (const kind of ['images', 'files'] as const) {
      const probe = assetFilePath(this.#dataDir, kind, projectId, store.dataset, 'probe')
      if (!probe) continue
      let folder
      try {
        folder = await opendir(dirname(probe), {bufferSize: SWEEP_BATCH})
      } catch {
        continue // no asset of this kind was ever stored
      }
      let names: string[] = []
      for await (const entry of folder) {
        if (entry.isFile()) names.push(entry.name)
        if (names.length < SWEEP_BATCH) continue
        if (stopped()) return removed
        removed += await this.#sweepBatch(store, projectId, kind, names)
        names = []
        await nextTurn()
      }
      if (names.length > 0 && !stopped()) {
        removed += await this.#sweepBatch(store, projectId, kind, names)
      }
    }
    return removed
  }

  /**
   * Removes the files of `names` no document names: looked up, then looked up again once what was
   * committed before is on disk (a delete not yet synced could be lost, its document back without
   * its file), and removed at once after that second look (an upload may come for them next).
   */
  async #sweepBatch(
    store: Store,
    projectId: string,
    kind: AssetKind,
    names: string[],
  ): Promise<number> {
    const unnamed = () => {
      const files = names.flatMap((name) => {
        const id = assetIdForFile(kind, name)
        return id ? [{name, id}] : []
      })
      const bytes = store.committed().storedBytes(files.map((file) => file.id))
      return files.filter((_, i) => bytes[i] === null).map((file) => file.name)
    }
    names = unnamed()
    if (names.length === 0 || !(await durable(store))) return 0
    return this.#removeAll(kind, projectId, store.dataset, unnamed())
  }

  #removeAll(kind: AssetKind, projectId: string, dataset: string, names: string[]): number {
    const sha1s = new Set<string>()
    let removed = 0
    for (const name of names) {
      const path = assetFilePath(this.#dataDir, kind, projectId, dataset, name)
      if (!path || this.#uploading.has(path)) continue
      rmSync(path, {force: true})
      sha1s.add(name.slice(0, 40))
      removed++
    }
    if (sha1s.size > 0 && kind === 'images') this.#forgetRenditions(sha1s)
    return removed
  }
}

/**
 * Resolves once everything the dataset committed so far is on disk (its write queue's next group
 * synced, and every group before it): true, or false when a sync failed, or the dataset takes no
 * writes.
 */
function durable(store: Store): Promise<boolean> {
  return new Promise((resolve) => {
    store
      .transact((writer) => writer.onDurable((failure) => resolve(!failure)))
      .catch(() => resolve(false))
  })
}
