/**
 * Roles and Sanity's document grants. The grant sets are the ones the Studio itself carries for its
 * role debugger (`DEBUG_ROLE_GRANTS_MAP` in sanity 6.9.2), so what the Studio shows as allowed is
 * exactly what the lake enforces. Pure: no I/O.
 */

export type RoleName = 'administrator' | 'editor' | 'developer' | 'contributor' | 'viewer'

export const ROLE_NAMES: readonly RoleName[] = [
  'administrator',
  'editor',
  'developer',
  'contributor',
  'viewer',
]

export const ROLE_TITLES: Record<RoleName, string> = {
  administrator: 'Administrator',
  editor: 'Editor',
  developer: 'Developer',
  contributor: 'Contributor',
  viewer: 'Viewer',
}

export interface Principal {
  id: string
  kind: 'user' | 'token' | 'anonymous'
  role: RoleName | null
  name?: string
  email?: string
  /**
   * An anonymous caller of a public dataset: may read published documents under the root path (no
   * `.` in the id: hosted Sanity's fixed rule), nothing else.
   */
  publicReads?: boolean
  /**
   * A listener's public reads: how many times its dataset had been made private when they were
   * given (lake/datasets/visibility.ts). Made private once more, they end, even if it is public
   * again by the time the lake looks.
   */
  publicReadsSince?: number
  /** The token (API or session) the caller presented, so revoking it can end what it opened. */
  tokenId?: string
}

/**
 * What a request wants to do to a document. `delete` and `publish`/`unpublish` are expressed by the
 * caller as `update`/`create`/`delete` on the ids they touch; Sanity checks deletes with the `update`
 * grant, so `delete` maps to it. `manage` is project administration (users, tokens).
 */
export type Permission = 'read' | 'create' | 'update' | 'delete' | 'history' | 'manage'

/** A document grant as the Studio reads it from `projects/{id}/datasets/{ds}/acl`. */
export interface DocumentGrant {
  filter: string
  permissions: ('read' | 'create' | 'update' | 'history')[]
}

export const ANONYMOUS: Principal = {id: 'anonymous', kind: 'anonymous', role: null}

/** The anonymous caller of a public dataset (Sanity's `aclMode: public`). */
export const PUBLIC_READER: Principal = {...ANONYMOUS, publicReads: true}

export function isRoleName(value: unknown): value is RoleName {
  return typeof value === 'string' && (ROLE_NAMES as readonly string[]).includes(value)
}

interface PathGrant {
  /** GROQ `path()` globs on `_id`: `*` is one dot-free segment, `**` anything. */
  path: string
  permissions: DocumentGrant['permissions']
}

const FULL: PathGrant[] = [{path: '**', permissions: ['read', 'create', 'history', 'update']}]

const ROLE_GRANTS: Record<RoleName, PathGrant[]> = {
  administrator: FULL,
  editor: FULL,
  developer: FULL,
  // Contributors write drafts only: publishing needs create/update on the published id.
  contributor: [
    {path: '**', permissions: ['read']},
    {path: 'drafts.**', permissions: ['create', 'history', 'update']},
  ],
  viewer: [{path: '**', permissions: ['read', 'history']}],
}

/** The dataset acl for a role, in the shape `GET projects/{id}/datasets/{ds}/acl` returns. */
export function grantsFor(role: RoleName | null): DocumentGrant[] {
  if (!role) return []
  return ROLE_GRANTS[role].map((grant) => ({
    filter: `_id in path(${JSON.stringify(grant.path)})`,
    permissions: [...grant.permissions],
  }))
}

type ProjectGrants = Record<string, {grants: {name: string; params?: object}[]; config: object}[]>

/**
 * The project-level grants (`GET projects/{id}/grants`). Never includes `deployStudio`: with it the
 * Studio tries to upload its schema to `/descriptors/*`, which the lake does not offer.
 */
export function projectGrantsFor(role: RoleName | null): ProjectGrants {
  if (!role) return {}
  const read = [{name: 'read'}]
  const admin = role === 'administrator'
  return {
    'sanity.project': [{grants: admin ? [...read, {name: 'update'}] : read, config: {}}],
    // `invite` would show "Invite members", which needs Sanity's hosted invitations.
    'sanity.project.members': [{grants: admin ? [...read, {name: 'update'}] : read, config: {}}],
    'sanity.project.datasets': [{grants: read, config: {}}],
    'sanity.project.tokens': [{grants: admin ? [...read, {name: 'update'}] : [], config: {}}],
  }
}

/** Compiled globs: `can` runs for every document a query, export or listener looks at. */
const globPatterns = new Map<string, RegExp>()

/** Does a GROQ `path()` glob match a document id? Same rules as groq-js's `path` matching. */
export function matchesPath(glob: string, id: string): boolean {
  let regexp = globPatterns.get(glob)
  if (!regexp) globPatterns.set(glob, (regexp = globToRegExp(glob)))
  return regexp.test(id)
}

function globToRegExp(glob: string): RegExp {
  let pattern = ''
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]
    if (char === '*' && glob[i + 1] === '*') {
      pattern += '.*'
      i++
    } else if (char === '*') {
      pattern += '[^.]*'
    } else {
      pattern += char.replace(/[\\^$.|?+()[\]{}]/g, '\\$&')
    }
  }
  return new RegExp(`^${pattern}$`)
}

/** Whether `id` is under the root path (no `.`): what an anonymous caller may read. */
function isRootPath(id: string): boolean {
  return !id.includes('.')
}

/** Is `principal` allowed `permission` on the document with id `documentId`? */
export function can(principal: Principal, permission: Permission, documentId: string): boolean {
  const role = principal.role
  // Anonymous callers read the root path only: no draft or version, and no `_.releases.…` or other
  // document whose id is a sub-path (hosted Sanity's fixed access rule for public datasets).
  if (!role)
    return permission === 'read' && principal.publicReads === true && isRootPath(documentId)
  if (permission === 'manage') return role === 'administrator'
  const wanted = permission === 'delete' ? 'update' : permission
  return ROLE_GRANTS[role].some(
    (grant) => grant.permissions.includes(wanted) && matchesPath(grant.path, documentId),
  )
}

/** Whether `principal` may create or update some document: a role that cannot is refused any write at once. */
export function canWriteSome(principal: Principal): boolean {
  const role = principal.role
  return (
    role !== null &&
    ROLE_GRANTS[role].some(
      (g) => g.permissions.includes('create') || g.permissions.includes('update'),
    )
  )
}

/** Whether `principal` may read some document: an anonymous caller of a private dataset reads none. */
export function canReadAnything(principal: Principal): boolean {
  return principal.role !== null || principal.publicReads === true
}

/** Whether `principal` may read every document (no per-document check can remove any). */
export function canReadEverything(principal: Principal): boolean {
  return canEverywhere(principal, 'read')
}

/** Whether `principal` has `permission` on every document id. */
export function canEverywhere(principal: Principal, permission: 'read' | 'history'): boolean {
  const role = principal.role
  return (
    role !== null &&
    ROLE_GRANTS[role].some((g) => g.path === '**' && g.permissions.includes(permission))
  )
}

/**
 * Where the documents whose history `principal` may see lie, as id prefixes: null for every id,
 * none for a caller without the grant (anonymous callers). A grant on a path other than
 * `<prefix>**` narrows nothing (null): `can` still decides each document.
 */
export function historyIdPrefixes(principal: Principal): readonly string[] | null {
  const role = principal.role
  if (!role) return []
  const prefixes: string[] = []
  for (const grant of ROLE_GRANTS[role]) {
    if (!grant.permissions.includes('history')) continue
    const prefix = grant.path.endsWith('**') ? grant.path.slice(0, -2) : null
    if (prefix === null || prefix === '' || prefix.includes('*')) return null
    prefixes.push(prefix)
  }
  return prefixes
}

/**
 * Asset uploads are not document grants in Sanity (they are `sanity.assets` permissions); every role
 * that can write documents may upload, so contributors can add images to their drafts.
 */
export function canUploadAssets(principal: Principal): boolean {
  return principal.role !== null && principal.role !== 'viewer'
}
