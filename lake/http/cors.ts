/**
 * CORS for the Studio: the Studio runs on its own origin (http://localhost:3333 for both `sanity dev`
 * and `sanity preview` in 6.9.2) and calls the lake cross-origin, partly with credentials, so an
 * allowed origin is reflected (never `*`) with Allow-Credentials. Other origins get no CORS headers
 * (the browser then withholds the response) and their preflights a 403, except on the routes that
 * call `answerAnyOrigin`: the CORS probe, whose `allowed: false` a browser must be able to read, and
 * asset downloads, public by their URL (whose preflights to read them are answered too).
 */
import type {Context, MiddlewareHandler} from 'hono'
import {requestHeader, unsentResponse} from './nodeRequest.ts'

declare module 'hono' {
  interface ContextVariableMap {
    /** What else than Origin the response varies on (vary()). */
    vary: string
    /** The route answers any origin, without credentials (answerAnyOrigin()). */
    corsAnyOrigin: boolean
  }
}

/** The Studio (3333) and the example front page (`npm run example`, 3400). */
export const DEFAULT_CORS_ORIGINS = [
  'http://localhost:3333',
  'http://127.0.0.1:3333',
  'http://localhost:3400',
  'http://127.0.0.1:3400',
]

/** The methods the lake's routes answer: a preflight's Allow-Methods, a 405's `Allow`. */
export const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'
/** Preflight results may be cached this long (seconds). */
const MAX_AGE = '600'

/** `scheme://host[:port]` in lower case without a trailing slash; null when not an origin. */
export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value.trim())
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
    return url.origin
  } catch {
    return null
  }
}

/**
 * The allowed origins: the defaults, `LAKE_CORS_ORIGINS` (comma-separated) and `--cors-origin`
 * values. Throws on a value that is not an origin, so a typo fails at start-up, not in the browser.
 */
export function corsOrigins(
  extra: readonly string[] = [],
  env: Record<string, string | undefined> = process.env,
): string[] {
  const configured = [...(env.LAKE_CORS_ORIGINS ?? '').split(','), ...extra]
    .map((value) => value.trim())
    .filter(Boolean)
  const origins = new Set(DEFAULT_CORS_ORIGINS)
  for (const value of configured) {
    const origin = normalizeOrigin(value)
    if (!origin) throw new Error(`Not a CORS origin (want scheme://host[:port]): ${value}`)
    origins.add(origin)
  }
  return [...origins]
}

export function corsMiddleware(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins.map((origin) => normalizeOrigin(origin)))
  if (allowed.has(null))
    throw new Error('corsMiddleware: every allowed origin must be scheme://host')

  return async function cors(c, next) {
    const origin = requestHeader(c, 'origin')
    const ok = origin !== undefined && allowed.has(normalizeOrigin(origin))
    const isPreflight =
      c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined

    if (isPreflight) {
      c.header('Vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method')
      if (!ok && origin !== undefined && readsDownload(c)) {
        // Any origin may read a download (answerAnyOrigin), so it may send the headers of its
        // choosing too (Authorization, a trace id): refusing their preflight refused the GET a
        // simple request may make. Never with credentials, as the download itself.
        c.header('Access-Control-Allow-Origin', origin)
        c.header('Access-Control-Allow-Methods', DOWNLOAD_METHODS)
        const requested = c.req.header('access-control-request-headers')
        if (requested) c.header('Access-Control-Allow-Headers', requested)
        c.header('Access-Control-Max-Age', MAX_AGE)
        return c.body(null, 204)
      }
      if (!ok) {
        return c.json(
          {
            statusCode: 403,
            error: 'Forbidden',
            message: `Origin ${origin ?? '(none)'} is not allowed`,
          },
          403,
        )
      }
      c.header('Access-Control-Allow-Origin', origin)
      c.header('Access-Control-Allow-Credentials', 'true')
      c.header('Access-Control-Allow-Methods', ALLOWED_METHODS)
      const requested = c.req.header('access-control-request-headers')
      if (requested) c.header('Access-Control-Allow-Headers', requested)
      // Chromium's Private Network Access preflight (public page → loopback) asks for this.
      if (c.req.header('access-control-request-private-network') === 'true') {
        c.header('Access-Control-Allow-Private-Network', 'true')
      }
      c.header('Access-Control-Max-Age', MAX_AGE)
      return c.body(null, 204)
    }

    c.set('vary', '')
    await next()
    // c.get, not c.var: Hono builds c.var anew from every variable on each read.
    const varies = c.get('vary')
    const vary = varies ? `${varies}, Origin` : 'Origin'
    // On Node's response when there is one: the response's own headers then stay the plain object
    // Hono made, which @hono/node-server writes as it is; appending to them made a Headers object
    // of them per request (about 1 % of a one-document write's CPU).
    const unsent = unsentResponse(c)
    const set = (name: string, value: string) =>
      unsent ? unsent.setHeader(name, value) : c.res.headers.set(name, value)
    set('Vary', vary)
    if (ok) {
      set('Access-Control-Allow-Origin', origin)
      set('Access-Control-Allow-Credentials', 'true')
    } else if (origin !== undefined && c.get('corsAnyOrigin')) {
      set('Access-Control-Allow-Origin', origin)
    }
  }
}

/** What a preflight of a download may ask for: reading it. */
const DOWNLOAD_METHODS = 'GET, HEAD, OPTIONS'

/**
 * An asset download's path (routes/assets.ts assetDownloadRoutes: `/images|files/:projectId/
 * :dataset/:name/:vanity?`, runs of slashes read as one), as a preflight names it before any
 * route is matched.
 */
const DOWNLOAD_PATH = /^\/+(?:images|files)(?:\/+[^/]+){3}(?:\/+[^/]*)?\/*$/

/** Whether a preflight asks to read (GET, HEAD) an asset download. */
function readsDownload(c: Context): boolean {
  const method = c.req.header('access-control-request-method')?.trim().toUpperCase()
  return (method === 'GET' || method === 'HEAD') && DOWNLOAD_PATH.test(c.req.path)
}

/**
 * Lets any origin read this route's response, without credentials: the CORS probe, whose
 * `allowed: false` the Studio and @sanity/client read (credentials omitted) to name the origin
 * to add, and asset downloads. Every other route stays unreadable to an origin not allowed.
 */
export function answerAnyOrigin(c: Context): void {
  c.set('corsAnyOrigin', true)
}

/**
 * Says the response also varies on a request header (`Vary`), beside the Origin every response
 * varies on. A route sets no `Vary` of its own: Node's response would write the route's value
 * over the Origin the CORS middleware sets there.
 */
export function vary(c: Context, header: string): void {
  const varies = c.get('vary')
  c.set('vary', varies ? `${varies}, ${header}` : header)
}
