/**
 * Who is calling: resolves `Authorization: Bearer <token>` (API tokens and the session tokens the
 * sign-in flow hands out) to a Principal on `c.var.principal`. No header means anonymous; a header
 * with an unknown, revoked or expired token is a 401, as on hosted Sanity.
 */
import type {Context, MiddlewareHandler} from 'hono'
import {AuthError, SessionEndedError} from '../core/errors.ts'
import {ANONYMOUS, PUBLIC_READER, type Principal} from '../core/grants.ts'
import {clientAddress, lakeOf} from './context.ts'
import {requestHeader} from './nodeRequest.ts'

declare module 'hono' {
  interface ContextVariableMap {
    principal: Principal
    /** Whether the request's token still signs it in (not revoked, expired or its user removed). */
    principalIsLive?: () => boolean
    /** Whether the request's token, no longer live, expired (rather than was revoked or removed). */
    principalHasExpired?: () => boolean
  }
}

/** The part of the auth store the middleware needs. */
export interface PrincipalResolver {
  principalForToken(token: string): Promise<Principal | null>
  /** Whether a principal found earlier is still signed in (its token not revoked since). */
  isLive?(principal: Principal): boolean
  /** Whether a token refused is a genuine one past its time (the 401 then says it expired). */
  isExpiredSession?(token: string): Promise<boolean>
  /** Whether a principal no longer live lost its token by expiry. */
  hasExpired?(principal: Principal): boolean
}

const BEARER = /^Bearer\s+(\S+)\s*$/i

/** Reads the bearer token of a request, or null when there is none. */
export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null
  const match = BEARER.exec(header)
  if (!match) {
    // Two headers reach here joined by ", " (requestHeader), as does one holding two: say so
    // rather than that the value must be what each of them is. No token is echoed.
    const credentials = header.split(',').filter((part) => part.trim() !== '').length
    if (credentials > 1) {
      throw new AuthError(
        `The request has ${credentials} Authorization credentials (several headers, or one ` +
          'holding them joined by commas): send one, "Bearer <token>"',
      )
    }
    throw new AuthError('Authorization header must be "Bearer <token>"')
  }
  return match[1]
}

export function principalMiddleware(resolver: PrincipalResolver): MiddlewareHandler {
  if (typeof resolver?.principalForToken !== 'function') {
    throw new Error('principalMiddleware needs a resolver with principalForToken(token)')
  }
  return async function principal(c, next) {
    const token = bearerToken(requestHeader(c, 'authorization'))
    if (token === null) {
      c.set('principal', ANONYMOUS)
    } else {
      const found = await resolver.principalForToken(token)
      if (!found) throw new SessionEndedError((await resolver.isExpiredSession?.(token)) === true)
      c.set('principal', found)
      const isLive = resolver.isLive?.bind(resolver)
      if (isLive) c.set('principalIsLive', () => isLive(found))
      const hasExpired = resolver.hasExpired?.bind(resolver)
      if (hasExpired) c.set('principalHasExpired', () => hasExpired(found))
    }
    await next()
  }
}

/**
 * A 401 when the request's token was revoked (or expired, or its user removed) since the request
 * began: a request that waited (on its queries) checks again before it writes.
 */
export function checkStillSignedIn(c: Context): void {
  if (c.get('principalIsLive')?.() === false) {
    throw new SessionEndedError(c.get('principalHasExpired')?.() === true)
  }
}

/** The caller of a Studio request that needs one (a 401 otherwise). */
export function requireSignedIn(c: Context): Principal {
  const principal = getPrincipal(c)
  if (principal.kind === 'anonymous') throw new AuthError('Not signed in')
  return principal
}

/**
 * The caller of this request; anonymous when the middleware did not run. An anonymous caller of a
 * public dataset (`npm run lake -- datasets visibility NAME public`) may read its published documents.
 */
export function getPrincipal(c: Context): Principal {
  const principal = c.get('principal') ?? ANONYMOUS
  if (principal.kind !== 'anonymous') return principal
  const dataset = c.req.param('dataset')
  return dataset !== undefined && lakeOf(c)?.visibility.of(dataset) === 'public'
    ? PUBLIC_READER
    : principal
}

/**
 * Whom the caller's open streams (listeners, live events) count against: its principal, or for an
 * anonymous caller (all share one principal) its address, so that none holds every place.
 */
export function streamHolder(c: Context, principal: Principal = getPrincipal(c)): string {
  return principal.kind === 'anonymous' ? `anonymous@${clientAddress(c) ?? ''}` : principal.id
}
