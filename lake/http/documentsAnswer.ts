/**
 * Answers built from documents' JSON texts (data/doc's and history's `{"documents":[…]…}`, a
 * write's `returnDocuments`), a document per chunk: a large answer is never copied into one
 * buffer, and the event loop is free between chunks. What answers hold until their clients take
 * it is budgeted lake-wide and per caller (AnswerBudget).
 */
import type {Context} from 'hono'
import {createCallerShares, type CallerShare} from '../core/callerShares.ts'
import {lakeOf} from './context.ts'
import {whenAnswered} from './nodeRequest.ts'
import {streamHolder} from './principal.ts'

/**
 * Bytes of built answers not yet sent, in the whole lake and per caller: a large answer that would
 * take the lake past `maxBytes` is refused (a 503 with Retry-After) rather than held while its
 * client reads slowly, and one that would take its caller past its share (CALLER_SHARE of it) a
 * 429, so that one caller reading slowly cannot hold the whole budget and refuse everyone else.
 */
export interface AnswerBudget {
  /** Bytes held now. */
  readonly held: number
  /** Streams waiting for room now (holdWhenRoom). */
  readonly waiting: number
  /**
   * Counts `bytes` as held for `caller` (principal.ts' streamHolder), or throws (the 429, the 503:
   * core/callerShares.ts); returns the release. With `refusable` false (a committed write's
   * answer, which must go out) it counts them and never throws.
   */
  hold(caller: string, bytes: number, refusable?: boolean): (bytes: number) => void
  /**
   * Counts `bytes` for `caller` once they fit the lake's budget and the caller's share (or
   * nothing else is held there), waiting meanwhile; resolves to the release, or to null once
   * `signal` aborts (nothing counted). For a stream under way, which can be neither refused after
   * its 200 nor let past the budget (an export's next page).
   */
  holdWhenRoom(
    caller: string,
    bytes: number,
    signal: AbortSignal,
  ): Promise<((bytes: number) => void) | null>
}

/**
 * A caller's share of the budget: a quarter (128 MB of the default 512), as a caller's query
 * requests hold a quarter of the lake's (queryRequests.ts). Four callers reading nothing leave
 * nothing for a fifth, but one (every local anonymous process shares 127.0.0.1) no longer does.
 */
export const CALLER_SHARE = 1 / 4

export function createAnswerBudget(maxBytes: number): AnswerBudget {
  // A caller's first answer passes its share, one past the budget while nothing else is held.
  const shares = createCallerShares(
    {
      perCaller: Math.floor(maxBytes * CALLER_SHARE),
      total: maxBytes,
      // A client reading at all takes its answers within it.
      retryAfterSeconds: 2,
      callerBusy: (held, limit, bytes) =>
        `This caller's answers not read yet hold ${held} bytes; with this one's ` +
        `${bytes} they would pass its share of ${limit} (a quarter of --answer-memory): ` +
        'read the answers under way, or ask again once they are read',
      lakeBusy: (held, limit) =>
        `The lake holds ${held} bytes of answers its clients have not read yet (at most ${limit}); try again shortly`,
    },
    () => admitWaiting(),
  )
  /** Streams waiting for room, first come first counted. */
  const waiting: {caller: string; bytes: number; admit: () => void}[] = []
  /**
   * Admits waiting streams in order while the lake has room. One its caller's share holds back is
   * passed over first, whether or not the lake has room for it (its caller's own release admits
   * it), so that it stops no other caller's; the first that waits for the lake's room alone stops
   * the rest, so that later smaller pages cannot keep taking the room a larger one waits for.
   */
  const admitWaiting = () => {
    for (let i = 0; i < waiting.length;) {
      const entry = waiting[i]!
      const over = shares.over(entry.caller, entry.bytes)
      if (over === 'caller') {
        i++
        continue
      }
      if (over === 'lake') break
      waiting.splice(i, 1)
      entry.admit()
    }
  }
  /** `share`'s release of bytes as they are sent. */
  const releaseOf = (share: CallerShare) => (sent: number) => share.release(sent)
  return {
    get held() {
      return shares.held
    },
    get waiting() {
      return waiting.length
    },
    hold(caller, bytes, refusable = true) {
      const answer = shares.share(caller)
      if (refusable) answer.grow(bytes)
      else answer.add(bytes)
      return releaseOf(answer)
    },
    holdWhenRoom(caller, bytes, signal) {
      if (signal.aborted) return Promise.resolve(null)
      return new Promise((resolve) => {
        const entry = {
          caller,
          bytes,
          admit: () => {
            signal.removeEventListener('abort', gone)
            const page = shares.share(caller)
            page.add(bytes)
            resolve(releaseOf(page))
          },
        }
        const gone = () => {
          const at = waiting.indexOf(entry)
          if (at >= 0) waiting.splice(at, 1)
          resolve(null)
          // The next in line may fit where this one did not.
          admitWaiting()
        }
        signal.addEventListener('abort', gone, {once: true})
        // In line, and admitted at once if nothing ahead waits for the lake's room: one ahead
        // that waits for its own caller's holds back no one else.
        waiting.push(entry)
        admitWaiting()
      })
    },
  }
}

/** Bytes of documents sent as one buffer (a copy of them costs well under a millisecond). */
const SMALL_ANSWER = 256 * 1024

/**
 * Bytes from which an answer sent as one buffer is counted in the budget until sent. Below it an
 * answer is no larger than what each request under way holds anyway (about 26 kB), which the
 * bound on requests under way caps (8,192 × 16 KiB = 128 MiB); so a count(*) is never refused.
 * Uncounted, answers up to 256 KiB were bounded by that count alone: 2 GiB lake-wide.
 */
const COUNTED_ANSWER = 16 * 1024

/** `{"documents":[<texts joined by commas><tail>`; `tail` closes the list and the object. */
export function documentsAnswer(
  c: Context,
  documents: Uint8Array[],
  tail: string,
): ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [Buffer.from('{"documents":[')]
  documents.forEach((text, i) => parts.push(...(i === 0 ? [text] : [COMMA, text])))
  parts.push(Buffer.from(tail))
  return partsAnswer(c, parts)
}

/**
 * An answer of these parts in order: one buffer when small, else a stream of them, a turn of the
 * event loop each (a large document's text is sent as it is, never copied into one buffer).
 * `refusable` false: a committed write's answer, held past the budget rather than refused (a 503
 * would tell its client to send the write again).
 */
export function partsAnswer(
  c: Context,
  parts: Uint8Array[],
  refusable = true,
): ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer> {
  const budget = lakeOf(c).answers
  const caller = streamHolder(c)
  let length = 0
  for (const part of parts) length += part.byteLength
  if (length <= SMALL_ANSWER) {
    if (length >= COUNTED_ANSWER) heldUntilSent(c, budget.hold(caller, length, refusable), length)
    return new Uint8Array(Buffer.concat(parts))
  }
  const release = budget.hold(caller, length, refusable)
  // Sent, or its client gone: all released. One gone before the answer was built is neither read
  // nor cancelled (@hono/node-server writes no stream to a destroyed response), its bytes held.
  void whenAnswered(c)?.then(() => release(length))
  let next = 0
  /** Bytes of the part enqueued last. */
  let last = 0
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Asked for the next part: the server wrote the one before into a socket that drained.
        release(last)
        // A turn of the event loop per part: the server reads the stream in a loop of promises,
        // which alone would send the whole answer in one task.
        await new Promise((resolve) => setImmediate(resolve))
        last = parts[next]!.byteLength
        controller.enqueue(parts[next]!)
        // Sent: the stream holds no reference to it any more.
        parts[next++] = EMPTY
        if (next === parts.length) {
          release(length)
          controller.close()
        }
      },
      // The client went away: nothing more is held for it.
      cancel: () => release(length),
    },
    {highWaterMark: 0},
  )
}

/** Releases `bytes` once the answer is sent or its client gone (at once outside Node's server). */
function heldUntilSent(c: Context, release: (bytes: number) => void, bytes: number): void {
  const sent = whenAnswered(c)
  if (sent) void sent.then(() => release(bytes))
  else release(bytes)
}

const COMMA = Buffer.from(',')
const EMPTY = new Uint8Array(0)
