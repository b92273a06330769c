/** The data routes' view of lake/core/access.ts: the same checks, for the caller of a request. */
import type {Context} from 'hono'
import * as access from '../core/access.ts'
import {can, type Permission} from '../core/grants.ts'
import type {DocumentChange} from '../core/types.ts'
import {getPrincipal} from './principal.ts'

export {authenticationRequired} from '../core/access.ts'

/** Throws unless the caller may do `permission` on `documentId`; anonymous callers get a 401. */
export function authorize(c: Context, permission: Permission, documentId: string): void {
  access.authorize(getPrincipal(c), permission, documentId)
}

export function canRead(c: Context, documentId: string): boolean {
  return can(getPrincipal(c), 'read', documentId)
}

/** The permission a change needs: creating, deleting or updating its document. */
export function authorizeChange(c: Context, change: DocumentChange): void {
  access.authorizeChange(getPrincipal(c), change)
}

/** The transaction `identity`: who is calling. */
export function identityOf(c: Context): string {
  return getPrincipal(c).id
}

/** Writes need a known caller (a bearer token); anonymous requests get a 401 before any work. */
export function requireWriter(c: Context): void {
  access.requireWriter(getPrincipal(c))
}
