/**
 * `GET /v{ver}/data/export/{dataset}`: every document as NDJSON in `_id` order, for
 * `sanity dataset export` and @sanity/export. With `nextCursor` (even empty) it streams one page
 * and ends with a `{"nextCursor": …}` line while more remain.
 */
import {Hono} from 'hono'
import {AuthError, BadRequestError} from '../../core/errors.ts'
import {MADE_PRIVATE_REASON} from '../../datasets/visibility.ts'
import {errorLine} from '../errors.ts'
import {checkListLength} from '../../core/limits.ts'
import {datasetOf, lakeOf, param} from '../context.ts'
import {pagedAnswer, utf8} from '../pagedAnswer.ts'
import {checkStillSignedIn, getPrincipal} from '../principal.ts'

export const exportRoutes = new Hono()

/** Documents per cursor page. */
export const EXPORT_PAGE_SIZE = 5000
exportRoutes.get('/:version{v[^/]+}/data/export/:dataset', async (c) => {
  const dataset = await datasetOf(c)
  const principal = getPrincipal(c)
  const types = param(c, 'types')?.split(',').filter(Boolean)
  if (types) checkListLength('types', types)
  const cursor = param(c, 'nextCursor')
  const cursorMode = cursor !== undefined
  const afterId = cursor ? decodeCursor(cursor) : undefined
  const asked = param(c, 'pageSize')
  const pageSize = Number(asked ?? EXPORT_PAGE_SIZE)
  // SQLite's LIMIT takes a 64-bit integer; a larger number would fail inside the stream.
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new BadRequestError(
      `\`pageSize\` must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, not "${asked}"`,
    )
  }
  const pages = dataset.export(principal, {
    types,
    afterId,
    limit: cursorMode ? pageSize + 1 : undefined,
  })
  const stillReadable = () => {
    // A token revoked, or a public dataset made private, while its export streams stops it at
    // the next page (an error line).
    checkStillSignedIn(c)
    if (principal.publicReads && lakeOf(c).visibility.of(dataset.name) !== 'public') {
      throw new AuthError(MADE_PRIVATE_REASON)
    }
  }
  return pagedAnswer(c, exportChunks(stillReadable, pages, cursorMode ? pageSize : null))
})

/**
 * The export's NDJSON as UTF-8, a page of documents a chunk; `pageSize` (cursor mode) ends it
 * with a `{"nextCursor"}` line while more remain. A page that fails after the status was sent
 * (the database busy or closing, the token revoked, the dataset made private) is said in a last line, so the export fails
 * rather than ending as if whole.
 */
async function* exportChunks(
  stillReadable: () => void,
  pages: Iterable<{id: string; json: string | null}[]>,
  pageSize: number | null,
): AsyncGenerator<Uint8Array> {
  try {
    let count = 0
    let lastId: string | undefined
    for (const page of pages) {
      stillReadable()
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
