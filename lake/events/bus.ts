import type {Principal} from '../core/grants.ts'
import type {CommittedTransaction} from '../core/types.ts'

export type TransactionListener = (tx: CommittedTransaction) => void

/** In-process pub/sub: the store's commits, in commit order, to every listener of a dataset. */
export interface EventBus {
  publish(tx: CommittedTransaction): void
  subscribe(dataset: string, listener: TransactionListener): () => void
  /** Called once when the bus closes (lake shutdown): open /listen streams send `disconnect`. */
  onClose(handler: (reason: string) => void): () => void
  /** Shuts the bus down: runs the close handlers, then drops every subscriber. Idempotent. */
  close(reason?: string): void
  /**
   * Registers a stream a principal holds open (a listener); `end` closes it. Returns the release
   * function the stream calls when it closes by itself.
   */
  hold(principal: Principal, end: (reason: string) => void): () => void
  /** How many streams a principal (by id) holds open. */
  heldBy(principalId: string): number
  /** Ends the held streams whose principal `ended` gives a reason for (revoked, removed). */
  endWhere(ended: (principal: Principal) => string | null): number
}

export function createEventBus(): EventBus {
  const byDataset = new Map<string, Set<TransactionListener>>()
  const closeHandlers = new Set<(reason: string) => void>()
  const held = new Map<{principal: Principal}, (reason: string) => void>()
  let closed = false
  return {
    hold(principal, end) {
      const entry = {principal}
      held.set(entry, end)
      return () => {
        held.delete(entry)
      }
    },
    heldBy(principalId) {
      let count = 0
      for (const entry of held.keys()) if (entry.principal.id === principalId) count++
      return count
    },
    endWhere(ended) {
      let count = 0
      // Decided per principal once, so a store lookup is not repeated for each of its streams.
      const verdicts = new Map<Principal, string | null>()
      for (const [entry, end] of [...held]) {
        if (!verdicts.has(entry.principal)) verdicts.set(entry.principal, ended(entry.principal))
        const reason = verdicts.get(entry.principal)
        if (reason === null || reason === undefined) continue
        held.delete(entry)
        count++
        try {
          end(reason)
        } catch (err) {
          console.error('lake: ending a stream failed', err)
        }
      }
      return count
    },
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
    },
  }
}
