/**
 * Turns of the event loop for reading export and history pages, lake-wide, taken by caller. A page
 * is read and encoded on the event loop (a short read by key, a few ms); many exports started at
 * once read theirs one after another in the same turn of the loop: 150-500 exports of a
 * 20,000-document dataset kept a concurrent `/ping` waiting 1.4-7.5 s (hostile5, 2026-12-05).
 * Here one page is read at a time, each in a turn of the loop of its own (the turn is freed with
 * setImmediate: the loop reads its sockets between two pages), and a freed turn goes to a caller
 * by the query threads' rule (lake/core/turns.ts, one slot): one caller's many exports wait
 * behind each other, not in front of other callers' requests. A page that waits is read later,
 * never refused.
 */
import {createTurns} from '../core/turns.ts'

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
  const takeTurn = createTurns(1, 0)
  let waiting = 0
  return {
    get waiting() {
      return waiting
    },
    async take(holder, signal) {
      if (signal.aborted) return null
      waiting++
      let turn
      try {
        turn = await takeTurn(holder, signal)
      } catch {
        return null // the client went away while it waited
      } finally {
        waiting--
      }
      let ended = false
      return () => {
        if (ended) return
        ended = true
        // The next page in a later turn of the loop, after the sockets that became readable.
        setImmediate(() => turn.end())
      }
    },
  }
}
