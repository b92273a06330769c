/**
 * Turns taken by caller: the query threads' (lake/query/pool.ts, one a thread) and the event
 * loop's for export and history pages (lake/http/pageTurns.ts, one lake-wide). One
 * implementation, so that both give a freed turn by the same rule.
 */

/** A turn, from createTurns. */
export interface Turn {
  /** The query's thread was demoted: the turn is given back, while extra turns are left. */
  demoted(): void
  /** The query ended (answered, failed, aborted): the turn, or the extra turn, is freed. */
  end(): void
}

/**
 * Waits for `holder`'s turn; rejects with the signal's reason once it aborts (no turn taken). An
 * `anonymous` caller's turn comes after every signed-in caller's waiting (the query threads'
 * priority, docs/query-engine.md).
 */
export type TakeTurn = (holder: string, signal: AbortSignal, anonymous?: boolean) => Promise<Turn>

/** Callers holding and waiting for no turn whose last turn is remembered (createTurns), at most. */
const IDLE_CALLERS = 1024

/**
 * Turns taken by caller. At most `slots` are held at once (on the query threads, one per thread);
 * the rest wait here, one queue per caller, and a freed turn goes to the waiting caller holding
 * the fewest turns, of those to the one whose last turn came longest ago (one that has had none
 * first), and of those to the one that asked first. One caller alone still has every slot;
 * another's query waits for the first turn to end, not behind the first caller's queue. Piscina's
 * one queue was first come, first served: one client's 3,000 queries sent at once made every
 * other caller's query wait behind them and run into its deadline (2,741 504s in 12 s). A caller
 * given a turn at once and asking again had its queue at the head, in front of callers who asked
 * meanwhile and had had no turn: its next turn came before theirs, so by the last turn, not the
 * order of asking. A wait counts against the query's deadline, as before; a query whose signal
 * aborts leaves the queue.
 *
 * A demoted query (it has used its CPU allowance: a pathological query, a search of a common word)
 * gives its turn back, its caller's count too, and runs on in one of `extra` extra turns (the
 * pool runs a thread more for it): held to their deadlines, such queries made every other wait
 * for a turn (under the mixed load a lane's cheap latest 20 waited 7.5-9.3 s at p50 and 504ed as
 * often as the slow searches). With every extra turn in use, a demoted query keeps its turn until
 * one is freed, so a caller sending many pathological queries holds at most `slots + extra`.
 *
 * Signed-in callers' work comes first when the CPU is contended: a freed turn goes to a waiting
 * signed-in caller before any anonymous one (by the rule above within each), so an editor's query
 * waits for the first running query to end, not behind a public page's flood.
 */
export function createTurns(slots: number, extra = slots): TakeTurn {
  let taken = 0
  /** Extra turns in use: demoted queries that gave their turn back. */
  let extraTaken = 0
  const takenBy = new Map<string, number>()
  /** Callers in the order they asked (a Map keeps insertion order), each a queue. */
  const waiting = new Map<string, (() => void)[]>()
  /** The waiting callers that are anonymous (their queue's last ask said so). */
  const anonymousWaiting = new Set<string>()
  /**
   * When each caller had its last turn (a count of turns given), oldest first. Kept while a caller
   * holds and waits for nothing: a client sending one request at a time is in that state between
   * two, and forgotten it would rank as one that has had no turn, ahead of every caller with a
   * queue (two such clients kept a third's queue from every turn). Past IDLE_CALLERS idle ones,
   * the oldest are forgotten: the map holds at most that many callers beyond the active ones.
   */
  const lastTurn = new Map<string, number>()
  let given = 0
  const forget = () => {
    if (lastTurn.size <= waiting.size + takenBy.size + IDLE_CALLERS) return
    let drop = lastTurn.size - waiting.size - takenBy.size - IDLE_CALLERS / 2
    for (const holder of lastTurn.keys()) {
      if (drop <= 0) break
      if (waiting.has(holder) || takenBy.has(holder)) continue
      lastTurn.delete(holder)
      drop--
    }
  }
  /** Demoted queries still holding their turn (every extra turn was in use), oldest first. */
  const toGiveBack: (() => void)[] = []
  function next() {
    while (toGiveBack.length > 0 && extraTaken < extra) toGiveBack.shift()!()
    while (taken < slots) {
      let chosen: string | undefined
      // Whether the caller chosen so far is anonymous (true before any: every caller beats none).
      let chosenAnonymous = true
      let fewest = Infinity
      let oldest = Infinity
      for (const holder of waiting.keys()) {
        const anonymous = anonymousWaiting.has(holder)
        const turns = takenBy.get(holder) ?? 0
        const last = lastTurn.get(holder) ?? 0
        const before =
          chosenAnonymous !== anonymous
            ? chosenAnonymous
            : turns < fewest || (turns === fewest && last < oldest)
        if (before) {
          chosen = holder
          chosenAnonymous = anonymous
          fewest = turns
          oldest = last
        }
      }
      if (chosen === undefined) return
      const queue = waiting.get(chosen)!
      // shift(), not slice(1): a caller with thousands waiting would have its queue copied per turn.
      const admit = queue.shift()!
      if (queue.length === 0) leaveWaiting(chosen)
      admit()
    }
  }
  const leaveWaiting = (holder: string) => {
    waiting.delete(holder)
    anonymousWaiting.delete(holder)
  }
  return (holder, signal, anonymous = false) => {
    if (signal.aborted) return Promise.reject(signal.reason as Error)
    return new Promise((resolve, reject) => {
      const admit = () => {
        signal.removeEventListener('abort', leave)
        taken++
        takenBy.set(holder, (takenBy.get(holder) ?? 0) + 1)
        // Deleted first, so the map stays in the order of the last turns.
        lastTurn.delete(holder)
        lastTurn.set(holder, ++given)
        /** What the query holds: its turn, an extra one, or nothing (ended). */
        let holds: 'turn' | 'extra' | 'none' = 'turn'
        const release = () => {
          taken--
          const left = takenBy.get(holder)! - 1
          if (left > 0) takenBy.set(holder, left)
          else takenBy.delete(holder)
        }
        const giveBack = () => {
          holds = 'extra'
          extraTaken++
          release()
        }
        resolve({
          demoted() {
            if (holds !== 'turn' || toGiveBack.includes(giveBack)) return
            toGiveBack.push(giveBack)
            next()
          },
          end() {
            if (holds === 'none') return
            if (holds === 'extra') extraTaken--
            else {
              const at = toGiveBack.indexOf(giveBack)
              if (at >= 0) toGiveBack.splice(at, 1)
              release()
            }
            holds = 'none'
            next()
            forget()
          },
        })
      }
      const leave = () => {
        const queue = waiting.get(holder)
        const at = queue?.indexOf(admit) ?? -1
        if (queue && at >= 0) {
          queue.splice(at, 1)
          if (queue.length === 0) leaveWaiting(holder)
          forget()
        }
        reject(signal.reason as Error)
      }
      signal.addEventListener('abort', leave, {once: true})
      const queue = waiting.get(holder)
      if (queue) queue.push(admit)
      else waiting.set(holder, [admit])
      if (anonymous) anonymousWaiting.add(holder)
      else anonymousWaiting.delete(holder)
      next()
    })
  }
}
