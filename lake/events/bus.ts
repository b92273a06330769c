import type {CommittedTransaction, TransactionPublisher} from '../core/types.ts'

export type TransactionListener = (tx: CommittedTransaction) => void

/** In-process pub/sub: the store's commits, in commit order, to every listener of a dataset. */
export interface EventBus extends TransactionPublisher {
  subscribe(dataset: string, listener: TransactionListener): () => void
  /** Hears the commits of every dataset (asset file clean-up). */
  subscribeAll(listener: TransactionListener): () => void
  /** Called once when the bus closes (lake shutdown): open /listen streams send `disconnect`. */
  onClose(handler: (reason: string) => void): () => void
  /** Shuts the bus down: runs the close handlers, then drops every subscriber. Idempotent. */
  close(reason?: string): void
}

export function createEventBus(): EventBus {
  const byDataset = new Map<string, Set<TransactionListener>>()
  const everywhere = new Set<TransactionListener>()
  const closeHandlers = new Set<(reason: string) => void>()
  let closed = false
  return {
    publish(tx) {
      for (const listener of [...everywhere, ...(byDataset.get(tx.dataset) ?? [])]) {
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
        // Anyone may name datasets: a name nobody listens to any more keeps nothing here.
        if (set.size === 0 && byDataset.get(dataset) === set) byDataset.delete(dataset)
      }
    },
    subscribeAll(listener) {
      everywhere.add(listener)
      return () => {
        everywhere.delete(listener)
      }
    },
    onClose(handler) {
      if (closed) {
        handler('closed')
        return () => {}
      }
      closeHandlers.add(handler)
      return () => {
        closeHandlers.delete(handler)
      }
    },
    close(reason = 'The server is shutting down') {
      if (closed) return
      closed = true
      for (const handler of closeHandlers) {
        try {
          handler(reason)
        } catch (err) {
          console.error('lake: close handler failed', err)
        }
      }
      closeHandlers.clear()
      byDataset.clear()
      everywhere.clear()
    },
  }
}
