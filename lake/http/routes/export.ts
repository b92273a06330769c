/**
 * `GET /v{ver}/data/export/{dataset}`: every document as NDJSON in `_id` order, for
 * `sanity dataset export` and @sanity/export. With `nextCursor` (even empty) it streams one page
 * and ends with a `{"nextCursor": …}` line while more remain.
 */
import {Hono, type Context} from 'hono'
import {BadRequestError, UnavailableError} from '../../core/errors.ts'
import {errorLine} from '../errors.ts'
import {checkListLength} from '../../core/limits.ts'
import {datasetOf, lakeOf} from '../context.ts'
import {requestSignal} from '../nodeRequest.ts'
import {checkStillSignedIn, getPrincipal, streamHolder} from '../principal.ts'

export const exportRoutes = new Hono()

/** Documents per cursor page. */
export const EXPORT_PAGE_SIZE = 5000
exportRoutes.get('/:version{v[^/]+}/data/export/:dataset', async (c) => {
  const dataset = await datasetOf(c)
  const principal = getPrincipal(c)
  const types = c.req.query('types')?.split(',').filter(Boolean)
  if (types) checkListLength('types', types)
  const cursor = c.req.query('nextCursor')
  const cursorMode = cursor !== undefined
  const afterId = cursor ? decodeCursor(cursor) : undefined
  const pageSize = Number(c.req.query('pageSize') ?? EXPORT_PAGE_SIZE)
  // SQLite's LIMIT takes a 64-bit integer; a larger number would fail inside the stream.
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new BadRequestError(
      `\`pageSize\` must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, not "${c.req.query('pageSize')}"`,
    )
  }
  const pages = dataset.export(principal, {
    types,
    afterId,
    limit: cursorMode ? pageSize + 1 : undefined,
  })
  const chunks = exportChunks(c, pages, cursorMode ? pageSize : null)
  const {answers, pages: turns} = lakeOf(c)
  // Each page is read in its caller's turn of the event loop (pageTurns.ts): exports started at
  // once read their pages one at a time, other callers' requests between them. A page with
  // nothing this caller may read is a turn too (an anonymous export of a private dataset).
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
  // lake's budget an export is refused with a 503 (Retry-After) as any large answer is.
  const first = await readPage(requestSignal(c))
  // The client went away while its first page waited for its turn: nothing was read for it.
  if (first === null) {
    await chunks.return(undefined)
    throw new UnavailableError('The client closed the connection')
  }
  /** What the chunk enqueued last holds in the budget. */
  let held: Held | null = null
  /** The chunk read and held, not yet enqueued. */
  let pending: Pending | null = {chunk: first, held: null}
  if (!first.done) {
    try {
      pending.held = {release: answers.hold(first.value.byteLength), bytes: first.value.byteLength}
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
            const release = await answers.holdWhenRoom(chunk.value.byteLength, gone.signal)
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
  return c.body(body, 200)
})

interface Held {
  release: (bytes: number) => void
  bytes: number
}

interface Pending {
  chunk: IteratorResult<Uint8Array>
  held: Held | null
}

/**
 * The export's NDJSON as UTF-8, a page of documents a chunk; `pageSize` (cursor mode) ends it
 * with a `{"nextCursor"}` line while more remain. A page that fails after the status was sent
 * (the database busy or closing, the token revoked) is said in a last line, so the export fails
 * rather than ending as if whole.
 */
async function* exportChunks(
  c: Context,
  pages: Iterable<{id: string; json: string | null}[]>,
  pageSize: number | null,
): AsyncGenerator<Uint8Array> {
  try {
    let count = 0
    let lastId: string | undefined
    for (const page of pages) {
      // A token revoked while its export streams stops it at the next page (an error line).
      checkStillSignedIn(c)
      let text = ''
      for (const {id, json} of page) {
        if (pageSize !== null && count === pageSize) {
          // One more exists: finish the page and tell the client where to resume.
          yield utf8(text + JSON.stringify({nextCursor: encodeCursor(lastId!)}) + '\n')
          return
        }
        count++
        lastId = id
        if (json !== null) text += json + '\n'
      }
      // Even empty: each page is read in a turn of its own (readPage).
      yield utf8(text)
    }
  } catch (err) {
    yield utf8(await errorLine(err))
  }
}

const utf8 = (text: string): Uint8Array => Buffer.from(text)

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url')
}

/**
 * The id a cursor of encodeCursor's names. Any other text decoded to some id too, and the export
 * went on after it: garbage or a cursor cut short gave a page from elsewhere, or none at all, which
 * @sanity/export takes for the end of a whole export.
 */
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8')
  if (encodeCursor(id) !== cursor) {
    throw new BadRequestError(
      `\`nextCursor\` "${cursor}" is no cursor this lake gave: resume with the \`nextCursor\` of the last page's last line as it was, or start again with nextCursor= (empty)`,
    )
  }
  return id
}
