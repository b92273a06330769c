/**
 * An answer of pages, NDJSON (an export, history's transaction log): each page read in its
 * caller's turn of the event loop (pageTurns.ts) and counted in the answers' budget until the
 * client's socket takes it, the first before the status. `chunks` yields each page as UTF-8 (an
 * empty one for a page with nothing to send), and the line saying why once the answer has begun
 * and a page fails.
 */
import type {Context} from 'hono'
import {ClientGoneError} from '../core/errors.ts'
import {lakeOf} from './context.ts'
import {requestSignal, whenAnswered} from './nodeRequest.ts'
import {streamHolder} from './principal.ts'

export const utf8 = (text: string): Uint8Array => Buffer.from(text)

export async function pagedAnswer(
  c: Context,
  chunks: AsyncGenerator<Uint8Array>,
): Promise<Response> {
  const {answers, pages: turns} = lakeOf(c)
  // Each page is read in its caller's turn of the event loop (pageTurns.ts): answers started at
  // once read their pages one at a time, other callers' requests between them. An empty page (an
  // export's with nothing this caller may read: an anonymous export of a private dataset) is a
  // turn too.
  const holder = streamHolder(c)
  const readPage = async (signal: AbortSignal): Promise<IteratorResult<Uint8Array> | null> => {
    for (;;) {
      const end = await turns.take(holder, signal)
      if (end === null) return null
      let chunk: IteratorResult<Uint8Array>
      try {
        chunk = await chunks.next()
      } finally {
        end()
      }
      if (chunk.done || chunk.value.byteLength > 0) return chunk
    }
  }
  // The first page is read before the status, so that while clients' unread answers fill the
  // lake's budget such an answer is refused with a 503 (Retry-After) as any large answer is, and
  // a failure of the first page is the request's (history's bad bound a 4xx).
  const first = await readPage(requestSignal(c))
  // The client went away while its first page waited for its turn: nothing was read for it.
  if (first === null) {
    await chunks.return(undefined)
    throw new ClientGoneError()
  }
  /** What the chunk enqueued last holds in the budget. */
  let held: Held | null = null
  /** The chunk read and held, not yet enqueued. */
  let pending: Pending | null = {chunk: first, held: null}
  if (!first.done) {
    try {
      pending.held = {
        release: answers.hold(holder, first.value.byteLength),
        bytes: first.value.byteLength,
      }
    } catch (err) {
      await chunks.return(undefined)
      throw err
    }
  }
  const giveBack = (what: Held | null) => what?.release(what.bytes)
  /** Aborted when the client goes: a page waiting for room in the budget waits no more. */
  const gone = new AbortController()
  c.header('content-type', 'application/x-ndjson')
  // A page at a time, each read by key and written before the next is read (lake/dataset.ts),
  // counted in the answers' budget until the server asks for the next (the socket drained it):
  // a client that reads nothing holds one page, and unread exports cannot fill the lake (500
  // of them grew a lake by 1.2 GB, uncounted). A page of an export under way waits for room in
  // the budget rather than being refused: a 503 cannot follow its 200, and an error line would
  // fail the whole export.
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        giveBack(held)
        held = null
        if (pending === null) {
          // The event loop answers others between pages, however fast the reader (a turn of the
          // loop each, pageTurns.ts): a write a reader takes at once resolves without letting
          // any I/O in, and the whole export held the loop (3-5 s at 32,000 documents).
          const chunk = await readPage(gone.signal)
          if (chunk === null || gone.signal.aborted) return
          if (chunk.done) {
            pending = {chunk, held: null}
          } else {
            const release = await answers.holdWhenRoom(holder, chunk.value.byteLength, gone.signal)
            // The client went away while the page was read or waited: held for no one.
            if (release === null) return
            pending = {chunk, held: {release, bytes: chunk.value.byteLength}}
          }
        }
        const {chunk}: Pending = pending
        held = pending.held
        pending = null
        if (chunk.done) controller.close()
        else controller.enqueue(chunk.value)
      },
      // The client went away: nothing more is read or held for it.
      async cancel() {
        gone.abort()
        giveBack(held)
        giveBack(pending?.held ?? null)
        held = pending = null
        await chunks.return(undefined)
      },
    },
    {highWaterMark: 0},
  )
  // Sent, or its client gone. One gone before the server took the stream (while the first page
  // was read) is neither read nor cancelled by it (@hono/node-server writes no stream to a
  // destroyed response): its page stayed held and its pages open. A stream the server reads is
  // locked, and the server cancels it itself.
  void whenAnswered(c)?.then(() => {
    if (!body.locked) void body.cancel()
  })
  return c.body(body, 200)
}

interface Held {
  release: (bytes: number) => void
  bytes: number
}

interface Pending {
  chunk: IteratorResult<Uint8Array>
  held: Held | null
}
