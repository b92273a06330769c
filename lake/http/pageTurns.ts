/**
 * Turns of the event loop for reading export pages, lake-wide, taken by caller. A page is read
 * and encoded on the event loop (a short read by key, a few ms); many exports started at once
 * read theirs one after another in the same turn of the loop: 150-500 exports of a 20,000-document
 * dataset kept a concurrent `/ping` waiting 1.4-7.5 s (hostile5, 2026-12-05). Here one page is
 * read at a time, each in a turn of the loop of its own (setImmediate: the loop reads its sockets
 * between two pages), and a freed turn goes to the waiting caller whose turn came longest ago, as
 * queries take turns on the query threads (lake/query/pool.ts createTurns): one caller's many
 * exports wait behind each other, not in front of other callers' requests. A page that waits is
 * read later, never refused.
 */

export interface PageTurns {
  /**
   * Waits for `holder`'s turn (a principal's id, an anonymous caller's address); resolves to the
   * turn's end, to call once the page is read, or to null once `signal` aborts (no turn taken).
   */
  take(holder: string, signal: AbortSignal): Promise<(() => void) | null>
  /** Pages waiting for a turn now. */
  readonly waiting: number
}

export function createPageTurns(): PageTurns {
  /** Callers in the order their next turn comes (a Map keeps insertion order), each a queue. */
  const queues = new Map<string, (() => void)[]>()
  let waiting = 0
  /** A page is being read, or its turn is about to be given (a turn of the loop away). */
  let busy = false
  function giveNext() {
    const [holder, queue] = queues.entries().next().value ?? []
    if (holder === undefined || queue === undefined) {
      busy = false
      return
    }
    queues.delete(holder)
    const admit = queue.shift()!
    // The caller goes to the back: the next turn is another's.
    if (queue.length > 0) queues.set(holder, queue)
    admit()
  }
  return {
    get waiting() {
      return waiting
    },
    take(holder, signal) {
      if (signal.aborted) return Promise.resolve(null)
      return new Promise((resolve) => {
        let ended = false
        const end = () => {
          if (ended) return
          ended = true
          // The next page in a later turn of the loop, after the sockets that became readable.
          setImmediate(giveNext)
        }
        const admit = () => {
          waiting--
          signal.removeEventListener('abort', leave)
          resolve(end)
        }
        const leave = () => {
          const queue = queues.get(holder)
          const at = queue?.indexOf(admit) ?? -1
          if (at < 0) return
          waiting--
          queue!.splice(at, 1)
          if (queue!.length === 0) queues.delete(holder)
          resolve(null)
        }
        signal.addEventListener('abort', leave, {once: true})
        waiting++
        const queue = queues.get(holder)
        if (queue) queue.push(admit)
        else queues.set(holder, [admit])
        if (!busy) {
          busy = true
          setImmediate(giveNext)
        }
      })
    },
  }
}
