/** Per-document permission checks for the data routes, on top of lake/core/grants.ts. */
import type {Context} from 'hono'
import {AuthError, PermissionError} from '../core/errors.ts'
import {can, type Permission} from '../core/grants.ts'
import {isPublishedId} from '../core/ids.ts'
import type {DocumentChange} from '../core/types.ts'
import {lakeOf} from './context.ts'
import {getPrincipal} from './principal.ts'

/** Throws unless the caller may do `permission` on `documentId`; anonymous callers get a 401. */
export function authorize(c: Context, permission: Permission, documentId: string): void {
  const principal = getPrincipal(c)
  if (can(principal, permission, documentId)) return
  if (principal.kind === 'anonymous') throw authenticationRequired()
  throw new PermissionError(
    `Insufficient permissions; permission "${permission}" required for document "${documentId}"`,
  )
}

export function canRead(c: Context, documentId: string): boolean {
  return readerOf(c)(documentId)
}

/**
 * Read permission by document id for this request's caller and dataset, holding neither. In a
 * public dataset anonymous callers read published documents, never drafts or release versions.
 */
export function readerOf(c: Context): (documentId: string) => boolean {
  const principal = getPrincipal(c)
  if (principal.kind === 'anonymous' && isPublicDataset(c)) return isPublishedId
  return (documentId) => can(principal, 'read', documentId)
}

/** Is the request's `:dataset` public (anonymous reads of published documents)? */
export function isPublicDataset(c: Context): boolean {
  const dataset = c.req.param('dataset')
  return dataset !== undefined && lakeOf(c).visibility.of(dataset) === 'public'
}

/** The permission a change needs: creating, deleting or updating its document. */
export function authorizeChange(c: Context, change: DocumentChange): void {
  const permission = !change.before ? 'create' : !change.after ? 'delete' : 'update'
  authorize(c, permission, change.id)
}

/** The transaction `identity`: who is calling. */
export function identityOf(c: Context): string {
  return getPrincipal(c).id
}

/** Writes need a known caller (a bearer token); anonymous requests get a 401 before any work. */
export function requireWriter(c: Context): void {
  if (getPrincipal(c).kind === 'anonymous') throw authenticationRequired()
}

/** The 401 for a request that needs a caller; the client does not retry it. */
export function authenticationRequired(): AuthError {
  return new AuthError('Authentication required: send "Authorization: Bearer <token>"')
}
