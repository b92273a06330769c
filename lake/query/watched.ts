import type {DocumentPath} from '../core/documentPaths.ts'
import type {ScanHint, Store} from '../core/store.ts'

/**
 * The store, noting in `attributes` the attribute paths its scans filter on: candidates for an
 * index, which the dataset service adds for signed-in callers' queries (learnIndexes).
 */
export function watched(store: Store, attributes: string[][]): Store {
  return Object.assign(Object.create(store) as Store, {
    scan(hint?: ScanHint, paths?: readonly DocumentPath[]) {
      for (const {path} of hint?.attributes ?? []) attributes.push([...path])
      return store.scan(hint, paths)
    },
  } satisfies Partial<Store>)
}
