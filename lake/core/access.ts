/** Per-document permission checks by principal, on top of grants.ts: what the dataset service enforces. */
import {AuthError, type LakeError, PermissionError} from './errors.ts'
import {can, canWriteSome, type Permission, type Principal} from './grants.ts'
import {headsOf} from './changeText.ts'
import type {DocumentChange} from './types.ts'

/** Throws unless `principal` may do `permission` on `documentId`; anonymous callers get a 401. */
export function authorize(principal: Principal, permission: Permission, documentId: string): void {
  if (can(principal, permission, documentId)) return
  if (principal.kind === 'anonymous') throw authenticationRequired()
  throw new PermissionError(
    `Insufficient permissions; permission "${permission}" required for document "${documentId}"`,
  )
}

/** The permission a change needs: creating, deleting or updating its document. */
export function authorizeChange(principal: Principal, change: DocumentChange): void {
  const {before, after} = headsOf(change)
  const permission = !before ? 'create' : !after ? 'delete' : 'update'
  authorize(principal, permission, change.id)
}

/**
 * Writes need a known caller (a bearer token) whose role writes some document: anonymous requests
 * get a 401 and roles that write nothing (viewers) a 403, before the body is read or any query of
 * it runs.
 */
export function requireWriter(principal: Principal): void {
  if (principal.kind === 'anonymous') throw authenticationRequired()
  if (!canWriteSome(principal)) {
    throw new PermissionError(
      `Insufficient permissions; role "${principal.role ?? 'none'}" may not create, update or delete documents`,
    )
  }
}

/** The 401 for a request that needs a caller; the client does not retry it. */
export function authenticationRequired(): LakeError {
  return new AuthError('Authentication required: send "Authorization: Bearer <token>"')
}
