/**
 * Sanity's naming of document groups and datasets, spelled once for the lake, the scripts and the
 * schemas: a published id `x`, its draft `drafts.x`, its release versions `versions.<release>.x`.
 * No Node APIs (the Studio bundle imports it through the schemas).
 */

export const DRAFTS_PREFIX = 'drafts.'
export const VERSIONS_PREFIX = 'versions.'

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

/** Why a dataset name is not one Sanity accepts, or null when it is. */
export function invalidDatasetReason(name: string): string | null {
  if (name.length === 0 || name.length > 64) return 'Dataset name must be 1 to 64 characters long'
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) {
    return 'Dataset name must only contain lowercase characters, numbers, underscores and dashes, and start with a letter or number'
  }
  return null
}
