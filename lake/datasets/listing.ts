/**
 * Which datasets the lake lists (`client.datasets.list`), decided in one place: the routes answer
 * with it, and a delete asks it in its turn (deletion.ts).
 */
import {LOCAL_LAKE} from '../../kit/localLake.ts'
import type {StoreRegistry} from '../core/store.ts'
import type {VisibilitySettings} from './visibility.ts'

/** The dataset a fresh lake offers before anything was written (the one the Studio opens). */
export const DEFAULT_DATASET = LOCAL_LAKE.dataset

type Listing = {
  stores: Pick<StoreRegistry, 'list' | 'exists'>
  visibility: Pick<VisibilitySettings, 'named'>
}

/** The default dataset, those written (a file), and those given an aclMode (created), sorted. */
export function datasetNames({stores, visibility}: Listing): string[] {
  return [...new Set([DEFAULT_DATASET, ...stores.list(), ...visibility.named()])].sort()
}

/** Whether datasetNames has `name`, without listing the folder. */
export function isListed({stores, visibility}: Listing, name: string): boolean {
  return name === DEFAULT_DATASET || stores.exists(name) || visibility.named().includes(name)
}
