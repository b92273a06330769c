/**
 * The one byte range a download's `Range` header asks for (RFC 9110 §14), for asset files: a
 * browser's <video> and <audio> seek with it, and Safari plays no media without it.
 */
import {createReadStream} from 'node:fs'
import {Readable} from 'node:stream'
import type {Context} from 'hono'
import {RangeNotSatisfiableError} from '../core/errors.ts'

/** `bytes=a-b`, `bytes=a-` or `bytes=-n`, spaces allowed around its parts. */
const ONE_RANGE = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i

/**
 * The inclusive byte range of a file of `size` bytes that `header` asks for, or null to answer the
 * whole file: no Range, another unit, several ranges, or one that is malformed (RFC 9110 lets a
 * server ignore these; answering the whole file is always correct). A range that starts at or past
 * the end (or `bytes=-0`) is a RangeNotSatisfiableError (416) saying the size.
 */
export function requestedRange(
  header: string | undefined,
  size: number,
): {start: number; end: number} | null {
  if (header === undefined) return null
  const match = ONE_RANGE.exec(header)
  if (!match) return null
  const [, first, last] = match
  if (first === '' && last === '') return null
  // Digits past a safe integer start past any file; a last past the end is cut to it.
  const from = first === '' ? null : Number(first)
  const to = last === '' ? null : Number(last)
  if (
    (from !== null && !Number.isSafeInteger(from)) ||
    (to !== null && from === null && !Number.isSafeInteger(to))
  )
    return null
  if (from !== null && to !== null && to < from) return null
  const start = from ?? Math.max(0, size - (to ?? 0))
  const end = from === null ? size - 1 : Math.min(to ?? size - 1, size - 1)
  if (from !== null ? from >= size : to === 0 || size === 0) {
    throw new RangeNotSatisfiableError(
      `The range "${header.trim()}" starts past the end of this file of ${size} bytes: ask for ` +
        `bytes within it (${size > 0 ? `bytes=0-${size - 1}` : 'none: it is empty'}), or send no Range for all of it`,
      size,
    )
  }
  return {start, end}
}

/**
 * The answer of a file of `size` bytes at `path` (an original or a rendition), its other headers
 * set: a 304 when the client holds it (If-None-Match), the one range asked for as a 206, else all
 * of it; HEAD without a body. `etag`: the file's validator, strong (`"…"`) for a content-addressed
 * original, weak (`W/"…"`) for a rendition, whose bytes a newer renderer may make otherwise; only
 * a strong one lets If-Range resume a download (RFC 9110 §13.1.5).
 */
export function servedFile(c: Context, path: string, size: number, etag: string): Response {
  c.header('ETag', etag)
  // Before any range (RFC 9110 §13.2.2); a 304 repeats the 200's other headers, without a body.
  if (holdsAlready(c.req.header('if-none-match'), etag)) return c.body(null, 304)
  c.header('Accept-Ranges', 'bytes')
  c.header('Content-Length', String(size))
  if (c.req.method === 'HEAD') return c.body(null, 200)
  const ifRange = c.req.header('if-range')
  const rangeValid = ifRange === undefined || (ifRange.trim() === etag && !etag.startsWith('W/'))
  const range = rangeValid ? requestedRange(c.req.header('range'), size) : null
  if (range) {
    c.header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
    c.header('Content-Length', String(range.end - range.start + 1))
    return c.body(Readable.toWeb(createReadStream(path, range)) as ReadableStream, 206)
  }
  return c.body(Readable.toWeb(createReadStream(path)) as ReadableStream, 200)
}

/** If-None-Match names `etag` (weak comparison: `W/` aside) or is `*`. */
function holdsAlready(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  if (header.trim() === '*') return true
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '')
  return header.split(',').some((tag) => opaque(tag) === opaque(etag))
}
