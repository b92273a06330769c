/**
 * Answers built from documents' JSON texts (data/doc's and history's `{"documents":[…]…}`, a
 * write's `returnDocuments`), a document per chunk: a large answer is never copied into one
 * buffer, and the event loop is free between chunks. What large answers hold until their clients
 * take it is budgeted lake-wide (AnswerBudget).
 */
import {RetryLaterError} from '../core/errors.ts'

/**
 * Bytes of built answers not yet sent, in the whole lake: a large answer that would take it past
 * `maxBytes` is refused (a 503 with Retry-After) rather than held while its client reads slowly.
 */
export interface AnswerBudget {
  /** Bytes held now. */
  readonly held: number
  /**
   * Counts `bytes` as held, or throws a RetryLaterError past the budget; returns the release. With
   * `refusable` false (a committed write's answer, which must go out) it counts them and never
   * throws.
   */
  hold(bytes: number, refusable?: boolean): (bytes: number) => void
}

export function createAnswerBudget(maxBytes: number): AnswerBudget {
  let held = 0
  return {
    get held() {
      return held
    },
    hold(bytes, refusable = true) {
      // One answer larger than the budget may still go out while nothing else is held.
      if (refusable && held > 0 && held + bytes > maxBytes) {
        throw new RetryLaterError(
          'lakeBusyError',
          `The lake holds ${held} bytes of answers its clients have not read yet (at most ${maxBytes}); try again shortly`,
          2,
        )
      }
      held += bytes
      let left = bytes
      return (sent) => {
        const released = Math.min(sent, left)
        left -= released
        held -= released
      }
    },
  }
}

/** Bytes of documents sent as one buffer (a copy of them costs well under a millisecond). */
const SMALL_ANSWER = 256 * 1024

/** `{"documents":[<texts joined by commas><tail>`; `tail` closes the list and the object. */
export function documentsAnswer(
  documents: Uint8Array[],
  tail: string,
  budget: AnswerBudget,
): ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [Buffer.from('{"documents":[')]
  documents.forEach((text, i) => parts.push(...(i === 0 ? [text] : [COMMA, text])))
  parts.push(Buffer.from(tail))
  return partsAnswer(parts, budget)
}

/**
 * An answer of these parts in order: one buffer when small, else a stream of them, a turn of the
 * event loop each (a large document's text is sent as it is, never copied into one buffer).
 * `refusable` false: a committed write's answer, held past the budget rather than refused (a 503
 * would tell its client to send the write again).
 */
export function partsAnswer(
  parts: Uint8Array[],
  budget: AnswerBudget,
  refusable = true,
): ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer> {
  let length = 0
  for (const part of parts) length += part.byteLength
  if (length <= SMALL_ANSWER) return new Uint8Array(Buffer.concat(parts))
  const release = budget.hold(length, refusable)
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

const COMMA = Buffer.from(',')
const EMPTY = new Uint8Array(0)
