import type {CommittedTransaction} from '../core/types.ts'

export type TransactionListener = (tx: CommittedTransaction) => void

/** In-process pub/sub: the store's commits, in commit order, to every listener of a dataset. */
export interface EventBus {
  publish(tx: CommittedTransaction): void
  subscribe(dataset: string, listener: TransactionListener): () => void
}

export function createEventBus(): EventBus {
  const byDataset = new Map<string, Set<TransactionListener>>()
  return {
    publish(tx) {
      for (const listener of byDataset.get(tx.dataset) ?? []) {
        try {
          listener(tx)
        } catch (err) {
          // One broken listener must not stop the others from hearing the commit.
          console.error('lake: listener failed', err)
        }
      }
    },
    subscribe(dataset, listener) {
      let set = byDataset.get(dataset)
      if (!set) byDataset.set(dataset, (set = new Set()))
      set.add(listener)
      return () => {
        set.delete(listener)
      }
    },
  }
}
