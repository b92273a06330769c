/**
 * What the Studio-facing routes (sign-in, users, project, assets) need beyond the data routes'
 * LakeContext: the auth store and the origins a sign-in may redirect to.
 */
import type {Context} from 'hono'
import type {AuthStore} from '../auth/authStore.ts'

export interface StudioContext {
  auth: AuthStore
  /** Origins allowed by CORS; sign-in redirects only to these (no open redirect). */
  corsOrigins: readonly string[]
  /** Fixed public base URL of the lake; by default derived from each request's Host. */
  publicUrl?: string
}

declare module 'hono' {
  interface ContextVariableMap {
    studio: StudioContext
  }
}

export function studioOf(c: Context): StudioContext {
  return c.get('studio')
}

/**
 * The apiHost the client was configured with, without the project subdomain: the Studio calls
 * `https://local.localhost:3334` but image URLs and the login page live on `https://localhost:3334`.
 */
export function apiHostOf(c: Context, projectId: string): string {
  const fixed = studioOf(c).publicUrl
  if (fixed) return fixed.replace(/\/+$/, '')
  const url = new URL(c.req.url)
  const prefix = `${projectId.toLowerCase()}.`
  const host = url.hostname.toLowerCase()
  if (host.startsWith(prefix) && host.length > prefix.length) {
    url.hostname = host.slice(prefix.length)
  }
  return url.origin
}
