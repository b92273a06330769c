import type {CommittedTransaction, TransactionPublisher} from '../core/types.ts'

export type TransactionListener = (tx: CommittedTransaction) => void

/**
 * Told that the subscriber missed a committed transaction of its dataset, and why: it failed on
 * it, or no event could be made of it (unannounced). It must start over (a listener's stream ends
 * so that its client reconnects and reads again: docs/listeners.md).
 */
export type MissedListener = (reason: string) => void

/**
 * Told that a subscriber of every dataset missed a commit of `dataset`; `durable`: false when the
 * commit may not be on disk (its sync failed).
 */
export type MissedAnyListener = (dataset: string, durable: boolean) => void

/** In-process pub/sub: the store's commits, in commit order, to every listener of a dataset. */
export interface EventBus extends TransactionPublisher {
  /** `missed`: told when the subscriber misses one of the dataset's commits (MissedListener). */
  subscribe(dataset: string, listener: TransactionListener, missed?: MissedListener): () => void
  /** Hears the commits of every dataset (asset file clean-up); `missed` as subscribe's. */
  subscribeAll(listener: TransactionListener, missed?: MissedAnyListener): () => void
  /** Called once when the bus closes (lake shutdown): open /listen streams end. */
  onClose(handler: (reason: string) => void): () => void
  /** Shuts the bus down: runs the close handlers, then drops every subscriber. Idempotent. */
  close(reason?: string): void
}

interface Subscriber {
  heard: TransactionListener
  missed?: MissedListener
  missedAny?: MissedAnyListener
}

export function createEventBus(): EventBus {
  const byDataset = new Map<string, Set<Subscriber>>()
  const everywhere = new Set<Subscriber>()
  const closeHandlers = new Set<(reason: string) => void>()
  let closed = false

  /** Tells a subscriber it missed a commit; its own failure there stops no one else. */
  const tell = (subscriber: Subscriber, reason: string, dataset: string, durable = true) => {
    try {
      subscriber.missed?.(reason)
      subscriber.missedAny?.(dataset, durable)
    } catch (err) {
      console.error('lake: listener failed', err)
    }
  }

  return {
    publish(tx) {
      for (const subscriber of [...everywhere, ...(byDataset.get(tx.dataset) ?? [])]) {
        try {
          subscriber.heard(tx)
        } catch (err) {
          // One broken listener must not stop the others from hearing the commit; it missed it.
          console.error('lake: listener failed', err)
          tell(
            subscriber,
            `the listener failed on transaction "${tx.id}" (${(err as Error)?.message ?? String(err)})`,
            tx.dataset,
          )
        }
      }
    },
    unannounced(dataset, transactionId, reason, durable = true) {
      const subscribers = [...(byDataset.get(dataset) ?? [])].filter((s) => s.missed)
      const why = `transaction "${transactionId}" of "${dataset}" was committed, but ${reason}`
      // Said once here, not once a listener (a newsroom's Studios hold hundreds).
      console.error(
        `lake: ${why}: ${subscribers.length} listeners told to start over (its listen streams end, so that their clients reconnect and read again)`,
      )
      for (const subscriber of subscribers) tell(subscriber, why, dataset, durable)
      for (const subscriber of everywhere) tell(subscriber, why, dataset, durable)
    },
    subscribe(dataset, heard, missed) {
      let set = byDataset.get(dataset)
      if (!set) byDataset.set(dataset, (set = new Set()))
      const subscriber: Subscriber = {heard, missed}
      set.add(subscriber)
      return () => {
        set.delete(subscriber)
        // Anyone may name datasets: a name nobody listens to any more keeps nothing here.
        if (set.size === 0 && byDataset.get(dataset) === set) byDataset.delete(dataset)
      }
    },
    subscribeAll(heard, missedAny) {
      const subscriber: Subscriber = {heard, missedAny}
      everywhere.add(subscriber)
      return () => {
        everywhere.delete(subscriber)
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
