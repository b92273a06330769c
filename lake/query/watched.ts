import type {DocumentPath} from '../core/documentPaths.ts'
import type {OrderKey, ScanHint, Store} from '../core/store.ts'

/**
 * The store, noting in `attributes` the attribute paths its scans filter on, and in `orders` the
 * key (path and direction) leading the order of a scan of one type that nothing else narrows (the
 * front page's headlines by `position`: SQLite sorted every headline for ten): candidates for an
 * index, which the dataset service adds for signed-in callers' queries (learnIndexes).
 */
export function watched(store: Store, attributes: string[][], orders: OrderKey[] = []): Store {
  return Object.assign(Object.create(store) as Store, {
    scan(hint?: ScanHint, paths?: readonly DocumentPath[]) {
      for (const {path} of hint?.attributes ?? []) attributes.push([...path])
      const lead = hint?.order?.[0]
      if (lead && ordersOneType(hint) && !(lead.path.length === 1 && lead.path[0] === '_id')) {
        orders.push({path: [...lead.path], desc: lead.desc})
      }
      return store.scan(hint, paths)
    },
  } satisfies Partial<Store>)
}

/** A scan of one type in an order, which an index of the type in that order would give. */
function ordersOneType(hint: ScanHint): boolean {
  return (
    hint.types?.length === 1 &&
    !hint.ids &&
    !hint.attributes?.length &&
    !hint.search &&
    !hint.idPrefixes
  )
}
