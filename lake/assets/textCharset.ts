/**
 * The charset to serve a stored text asset with. Uploads keep no charset (the Studio sends
 * File.type, which has none, and the asset document's `mimeType` has no parameters), and a browser
 * reads `text/plain` or `text/csv` without one as windows-1252: Bengali shows as `à¦¬à¦¿`. So the
 * bytes decide: UTF-8 when they are valid UTF-8, else nothing is claimed.
 */
import {createReadStream} from 'node:fs'

/** How much of a file is checked: a longer one is judged by its start, as a browser's sniffing is. */
const CHECKED_BYTES = 8 * 1024 * 1024
/** Verdicts kept; asset files never change under their name, so a verdict never goes stale. */
const REMEMBERED = 2000

const verdicts = new Map<string, Promise<boolean>>()

/** Types whose bytes are text in some charset: text/*, JSON and XML (`+json`, `+xml` too). */
export function isTextType(contentType: string): boolean {
  return /^text\/|^application\/json$|[/+](json|xml)$/.test(contentType)
}

/** `contentType` with `; charset=utf-8` when it is a text type and the file at `path` is UTF-8. */
export async function withCharset(contentType: string, path: string): Promise<string> {
  if (!isTextType(contentType)) return contentType
  return (await isUtf8File(path)) ? `${contentType}; charset=utf-8` : contentType
}

function isUtf8File(path: string): Promise<boolean> {
  let verdict = verdicts.get(path)
  if (!verdict) {
    verdict = checkUtf8(path).catch(() => false)
    if (verdicts.size >= REMEMBERED) verdicts.delete(verdicts.keys().next().value!)
    verdicts.set(path, verdict)
  }
  return verdict
}

async function checkUtf8(path: string): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', {fatal: true})
  let read = 0
  try {
    for await (const chunk of createReadStream(path, {end: CHECKED_BYTES - 1})) {
      read += (chunk as Buffer).length
      decoder.decode(chunk as Buffer, {stream: true})
    }
    // A file cut at CHECKED_BYTES may end inside a letter; a whole one may not.
    if (read < CHECKED_BYTES) decoder.decode()
    return true
  } catch {
    return false
  }
}
