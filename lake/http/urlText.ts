/**
 * A URL's parameters are text: their %-escapes must decode to UTF-8, as a JSON body must be UTF-8
 * (nodeRequest.ts). URLSearchParams, which every route reads them with, turns bytes that are not
 * UTF-8 into U+FFFD without a word: `$t=%E9` (a Latin-1 "é") was the text "\ufffd", so
 * `*[title == $t]` quietly found nothing, and a query, a perspective or a `?dl=` name lost what
 * its caller sent.
 */
import {BadRequestError} from '../core/errors.ts'

/** A `%` not followed by two hex digits, which URLSearchParams keeps as it is. */
const LONE_PERCENT = /%(?![0-9a-fA-F]{2})/g

/** Throws a BadRequestError naming the first parameter of `url` whose escapes are not UTF-8. */
export function checkUrlText(url: string): void {
  const start = url.indexOf('?')
  // Most URLs: no parameters, or none escaped.
  if (start < 0 || url.indexOf('%', start) < 0) return
  const end = url.indexOf('#', start)
  for (const pair of url.slice(start + 1, end < 0 ? undefined : end).split('&')) {
    if (!pair.includes('%') || decodes(pair)) continue
    const eq = pair.indexOf('=')
    const rawName = eq < 0 ? pair : pair.slice(0, eq)
    const name = decodes(rawName)
      ? decodeURIComponent(rawName.replace(LONE_PERCENT, '%25'))
      : rawName
    throw new BadRequestError(
      `The URL's parameter ${JSON.stringify(name.slice(0, 64))} is not UTF-8 once its %-escapes ` +
        'are decoded (as text in another encoding, or a lone UTF-16 surrogate, is): encode it as ' +
        'UTF-8 (encodeURIComponent and URLSearchParams do) and send it again',
    )
  }
}

/** Whether `text`'s %-escapes decode to UTF-8 (decodeURIComponent refuses any that do not). */
function decodes(text: string): boolean {
  try {
    decodeURIComponent(text.replace(LONE_PERCENT, '%25'))
    return true
  } catch {
    return false
  }
}
