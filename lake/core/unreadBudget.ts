/**
 * Bytes sent to readers (listeners, presence sockets) and not yet taken, budgeted per holder (a
 * user, a token, an anonymous address) and lake-wide: past either, the holder's (or the lake's)
 * reader with the most unread is dropped, until within. One reader's own limit is its caller's.
 */

/** A reader as the budget sees it. */
export interface UnreadReader {
  /** Whom it counts against: a principal's id, or an anonymous caller's address. */
  readonly holder: string
  /** Bytes sent to it and not yet taken. */
  unread(): number
  /**
   * What of `unread` counts against its holder's budget (default all of it): a listener leaves
   * out the one event it is taking, so a reading caller's tabs may each take a large event.
   */
  held?(): number
  /** Drops it at once, its unread bytes with it. */
  drop(why: string): void
}

export interface UnreadBudget<R extends UnreadReader> {
  add(reader: R): void
  delete(reader: R): void
  readonly readers: ReadonlySet<R>
  /** `reader` was sent `bytes` more: drops the readers with the most unread while over a budget. */
  sent(reader: R, bytes: number, limits: {perHolder: number; total: number}): void
}

/** `what` names the readers in the reason a dropped one is given ("listeners"). */
export function createUnreadBudget<R extends UnreadReader>(what: string): UnreadBudget<R> {
  const readers = new Set<R>()
  // Unread bytes as last counted plus what was sent since (readers only lower the truth), so the
  // readers are counted again only when a budget may be exceeded.
  let total = 0
  const byHolder = new Map<string, number>()
  const recount = () => {
    total = 0
    byHolder.clear()
    for (const reader of readers) {
      const unread = reader.unread()
      total += unread
      byHolder.set(reader.holder, (byHolder.get(reader.holder) ?? 0) + (reader.held?.() ?? unread))
    }
  }
  /** Drops the reader (of `holder`, or of anyone) with the most unread (held) bytes. */
  const dropLargest = (holder: string | null, why: string) => {
    let largest: R | null = null
    let most = 0
    for (const reader of readers) {
      if (holder !== null && reader.holder !== holder) continue
      const bytes = holder === null ? reader.unread() : (reader.held?.() ?? reader.unread())
      if (bytes > most) [largest, most] = [reader, bytes]
    }
    if (!largest) return false
    readers.delete(largest)
    largest.drop(why)
    return true
  }
  return {
    readers,
    add: (reader) => void readers.add(reader),
    delete: (reader) => void readers.delete(reader),
    sent(reader, bytes, limits) {
      total += bytes
      const held = (byHolder.get(reader.holder) ?? 0) + bytes
      byHolder.set(reader.holder, held)
      if (held <= limits.perHolder && total <= limits.total) return
      recount()
      while ((byHolder.get(reader.holder) ?? 0) > limits.perHolder) {
        const why = `its caller's ${what} hold more than ${limits.perHolder} bytes unread`
        if (!dropLargest(reader.holder, why)) break
        recount()
      }
      while (total > limits.total) {
        if (!dropLargest(null, `the lake's ${what} hold more than ${limits.total} bytes unread`))
          break
        recount()
      }
    },
  }
}
