/**
 * Deleting a dataset (`client.datasets.delete`, `sanity dataset delete`, `npm run lake -- datasets
 * delete`): its writes queued before are written, its store closes for good, and its file is moved
 * aside, the dataset gone from then on; its listeners are disconnected, its presence sessions end
 * (onDeleted), its live streams end, and its asset files, visibility and remembered questions go.
 * A name deleted is as one never used: a write makes the dataset again, empty.
 *
 * A kill in the middle leaves the moved files in the deletion folder, which the next start finishes
 * (finishLeftovers), so no half-deleted dataset is ever opened.
 */
import {rmSync} from 'node:fs'
import {join} from 'node:path'
import {assetsDir} from '../assets/assetFiles.ts'
import type {StoreRegistry} from '../core/store.ts'
import type {DatasetRegistry} from '../dataset.ts'
import type {ListenerRegistry} from '../listen/stream.ts'
import type {LiveEvents} from '../live/liveEvents.ts'
import {isListed} from './listing.ts'
import type {VisibilitySettings} from './visibility.ts'

export interface DatasetDeletion {
  /**
   * Deletes a dataset; resolves once it is gone, files and all. A delete of a name waits for the
   * one under way, and finds whether the dataset is there in its turn: false, nothing done, when it
   * is not listed then (the one before deleted it), where a check before queueing had passed both.
   */
  delete(dataset: string): Promise<boolean>
  /** At the lake's start: completes the deletes a kill stopped. */
  finishLeftovers(): void
  /** Resolves once no delete is under way (the lake's stop waits for them). */
  settled(): Promise<void>
  /**
   * Tells `heard` of each delete once its listeners are ended, for what the lake's server holds
   * per dataset outside it (the presence sockets). Returns a way to stop hearing.
   */
  onDeleted(heard: (dataset: string, reason: string) => void): () => void
}

export function createDatasetDeletion(parts: {
  dataDir: string
  projectId: string
  stores: StoreRegistry
  datasets: DatasetRegistry
  listeners: ListenerRegistry
  live: LiveEvents
  visibility: VisibilitySettings
}): DatasetDeletion {
  const {stores, datasets, listeners, live, visibility} = parts
  /** Deletes under way, by name: a second delete of one waits for the first. */
  const underWay = new Map<string, Promise<unknown>>()
  const hearers = new Set<(dataset: string, reason: string) => void>()

  /** What a deleted dataset had besides its file. Also run again after a kill: idempotent. */
  const removeTheRest = (dataset: string) => {
    rmSync(join(assetsDir(parts.dataDir), parts.projectId, dataset), {
      recursive: true,
      force: true,
    })
    visibility.remove(dataset)
    live.forget(dataset, `dataset "${dataset}" was deleted`)
  }

  async function deleteNow(dataset: string): Promise<boolean> {
    if (!isListed(parts, dataset)) return false
    const reason = `Dataset "${dataset}" was deleted`
    await stores.delete(dataset, `${reason} while this request ran; nothing was done`)
    // The next request for the name gets a new service over a new store.
    datasets.forget(dataset)
    listeners.endDataset(dataset, reason)
    for (const heard of hearers) heard(dataset, reason)
    stores.finishDeletes(removeTheRest)
    return true
  }

  return {
    delete(dataset) {
      const previous = underWay.get(dataset) ?? Promise.resolve()
      const next = previous.then(() => deleteNow(dataset))
      const settled = next.catch(() => undefined)
      underWay.set(dataset, settled)
      void settled.then(() => {
        if (underWay.get(dataset) === settled) underWay.delete(dataset)
      })
      return next
    },
    finishLeftovers() {
      stores.finishDeletes(removeTheRest)
    },
    async settled() {
      await Promise.all(underWay.values())
    },
    onDeleted(heard) {
      hearers.add(heard)
      return () => {
        hearers.delete(heard)
      }
    },
  }
}
