/** Document id rules; the drafts./versions. naming of document groups is kit/sanityIds.ts's. */
import {DRAFTS_PREFIX, isDraftId, isVersionId, VERSIONS_PREFIX} from '../../kit/sanityIds.ts'

export {
  DRAFTS_PREFIX,
  getDraftId,
  getPublishedId,
  getReleaseName,
  getVersionId,
  invalidDatasetReason,
  isDraftId,
  isPublishedId,
  isVersionId,
  VERSIONS_PREFIX,
} from '../../kit/sanityIds.ts'

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

/**
 * Random bytes drawn from the platform's generator 4 kB at a time: a call per id (every commit
 * draws a transaction id) cost 6 µs, and several times that on a busy event loop.
 */
const randomPool = new Uint8Array(4096)
let randomAt = randomPool.length

function randomByte(): number {
  if (randomAt === randomPool.length) {
    crypto.getRandomValues(randomPool)
    randomAt = 0
  }
  return randomPool[randomAt++]
}

/** A 22-character base62 id, the shape Sanity uses for generated ids and revisions. */
export function randomId(length = 22): string {
  let out = ''
  while (out.length < length) {
    const byte = randomByte()
    // 248 = 4 * 62: drop the biased tail so every character is equally likely.
    if (byte < 248) out += BASE62[byte % 62]
  }
  return out
}
