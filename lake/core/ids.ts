/** Document id rules and the drafts./versions. naming of document groups. */

export const DRAFTS_PREFIX = 'drafts.'
export const VERSIONS_PREFIX = 'versions.'
export const MAX_ID_LENGTH = 128

const ID_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$/
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** Why an id is not acceptable as a document id, or null when it is. */
export function invalidIdReason(id: unknown): string | null {
  if (typeof id !== 'string' || id.length === 0) return 'document ID must be a non-empty string'
  if (id.length > MAX_ID_LENGTH) return `document ID is longer than ${MAX_ID_LENGTH} characters`
  if (!ID_PATTERN.test(id)) return 'document ID contains invalid characters'
  if (id.includes('..') || id.endsWith('.')) return 'document ID has an empty path segment'
  // Only one group prefix: drafts.drafts.x or drafts.versions.r.x name no real document.
  const rest = isDraftId(id)
    ? id.slice(DRAFTS_PREFIX.length)
    : isVersionId(id)
      ? id.slice(VERSIONS_PREFIX.length).split('.').slice(1).join('.')
      : id
  if (isVersionId(id) && rest === '') return 'version ID needs a release name and a document ID'
  if (isDraftId(rest) || isVersionId(rest))
    return 'document ID has more than one drafts./versions. prefix'
  return null
}

export function isValidId(id: unknown): id is string {
  return invalidIdReason(id) === null
}

export function isDraftId(id: string): boolean {
  return id.startsWith(DRAFTS_PREFIX)
}

export function isVersionId(id: string): boolean {
  return id.startsWith(VERSIONS_PREFIX)
}

export function isPublishedId(id: string): boolean {
  return !isDraftId(id) && !isVersionId(id)
}

/** The published id of the group a document belongs to. */
export function getPublishedId(id: string): string {
  if (isDraftId(id)) return id.slice(DRAFTS_PREFIX.length)
  if (isVersionId(id)) {
    const dot = id.indexOf('.', VERSIONS_PREFIX.length)
    return dot === -1 ? id : id.slice(dot + 1)
  }
  return id
}

export function getDraftId(id: string): string {
  return DRAFTS_PREFIX + getPublishedId(id)
}

export function getVersionId(id: string, release: string): string {
  return `${VERSIONS_PREFIX}${release}.${getPublishedId(id)}`
}

/** The release name of a `versions.<release>.<id>` id, else null. */
export function getReleaseName(id: string): string | null {
  if (!isVersionId(id)) return null
  const dot = id.indexOf('.', VERSIONS_PREFIX.length)
  return dot === -1 ? null : id.slice(VERSIONS_PREFIX.length, dot)
}

/** A 22-character base62 id, the shape Sanity uses for generated ids and revisions. */
export function randomId(length = 22): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length * 2))
  let out = ''
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    // 248 = 4 * 62: drop the biased tail so every character is equally likely.
    if (bytes[i] < 248) out += BASE62[bytes[i] % 62]
  }
  return out.length === length ? out : out + randomId(length - out.length)
}

/** Dataset names as Sanity accepts them. */
export function invalidDatasetReason(name: string): string | null {
  if (name.length === 0 || name.length > 64) return 'Dataset name must be 1 to 64 characters long'
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) {
    return 'Dataset name must only contain lowercase characters, numbers, underscores and dashes, and start with a letter or number'
  }
  return null
}
