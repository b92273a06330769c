/**
 * The lake's Hono app. Routes match the path after `/v<apiVersion>/`; the Host header (which may be
 * `<projectId>.localhost`) plays no part. One line per route module below.
 */
import {Hono} from 'hono'
import {getPath} from 'hono/utils/url'
import {type LakeContext} from './context.ts'
import {CachedRouter} from './cachedRouter.ts'
import {errorResponse, notFoundResponse} from './errors.ts'
import {corsMiddleware} from './cors.ts'
import {bodyLimitMiddleware} from './limits.ts'
import {principalMiddleware, type PrincipalResolver} from './principal.ts'
import {requestsInFlightMiddleware} from './requestsInFlight.ts'
import {checkTransferCoding, endUnreadBody} from './nodeRequest.ts'
import {checkUrlText} from './urlText.ts'
import {assetDownloadRoutes, assetUploadRoutes} from './routes/assets.ts'
import {authRoutes, loginPageRefusal, loginPageRoutes} from './routes/auth.ts'
import {hostedOnlyRoutes} from './routes/hostedOnly.ts'
import {projectRoutes} from './routes/projects.ts'
import {userRoutes} from './routes/users.ts'
import {type StudioContext} from './studioContext.ts'
import {listenRoutes} from './routes/listen.ts'
import {liveRoutes} from './routes/live.ts'
import {actionRoutes} from './routes/actions.ts'
import {docRoutes} from './routes/doc.ts'
import {exportRoutes} from './routes/export.ts'
import {historyRoutes} from './routes/history.ts'
import {mutateRoutes} from './routes/mutate.ts'
import {queryRoutes} from './routes/query.ts'
import {rootRoutes} from './routes/root.ts'

/** Without `studio` (an in-process lake with its own principals) only the data API is served. */
export function createApp(
  lake: LakeContext,
  principals: PrincipalResolver,
  studio?: StudioContext,
): Hono {
  const app = new Hono({router: new CachedRouter(), getPath: mergedSlashesPath})
  app.onError((err, c) => {
    const error = errorResponse(err)
    // The sign-in form's refusal is its page: a browser shows the answer as it is.
    const res = (studio && loginPageRefusal(c, err, error)) || error
    // A body refused as too large is left unread, and the Node adapter stops draining it after
    // 500 ms by closing the socket: over HTTP/1.1 say so, or a keep-alive client reuses the dying
    // connection for its next request and fails with "other side closed".
    if (res.status === 413 && httpVersionMajor(c.env) === 1) res.headers.set('connection', 'close')
    // So is one refused before it all arrived (a caller's queries holding their share).
    endUnreadBody(c, res)
    return res
  })
  app.notFound((c) => {
    const res = notFoundResponse(c.req.method, new URL(c.req.url).pathname)
    // No route reads a body (limits.ts): it is left unread, as a refusal's is.
    endUnreadBody(c, res)
    return res
  })
  // First, so preflights are answered before auth and error responses carry CORS headers too.
  if (studio) app.use('*', corsMiddleware(studio.corsOrigins))
  if (studio && !studio.auth) throw new Error('createApp: the Studio context needs an auth store')
  // One pass sets what routes read: each middleware is a turn of Hono's chain on every request.
  app.use('*', (c, next) => {
    checkUrlText(c.req.url)
    checkTransferCoding(c)
    c.set('lake', lake)
    if (studio) c.set('studio', studio)
    if (c.req.method !== 'HEAD') return next()
    // Hono answers HEAD with its GET route's answer less the body, which it drops uncancelled: a
    // large answer's hold on the answer budget, a listener's stream stayed open for good.
    return next().then(() => c.res.body?.cancel())
  })
  app.use('*', principalMiddleware(principals))
  app.use('*', requestsInFlightMiddleware())
  app.use('*', bodyLimitMiddleware())
  if (studio) {
    app.route('/', loginPageRoutes())
    app.route('/', assetDownloadRoutes())
    for (const routes of [authRoutes(), userRoutes(), projectRoutes(), assetUploadRoutes()]) {
      app.route('/:version{v[^/]+}', routes)
    }
  }

  app.route('/', rootRoutes())
  app.get('/:version{v[^/]+}/ping', (c) => c.json({ping: 'pong'}))
  app.route('/', queryRoutes)
  app.route('/', mutateRoutes)
  app.route('/', actionRoutes)
  app.route('/', docRoutes)
  app.route('/', historyRoutes)
  app.route('/', exportRoutes)
  app.route('/', listenRoutes)
  app.route('/', liveRoutes)
  // Deliberate answers for hosted-only features, after the real routes (see routes/hostedOnly.ts).
  app.route('/:version{v[^/]+}', hostedOnlyRoutes())
  return app
}

/**
 * The path routes match, with each run of slashes read as one, as hosted Sanity reads it:
 * @sanity/migrate's runner (`sanity migration run`) calls `//v<apiVersion>/data/export/…`
 * (sanity-io/migrate's own test pins `https://xyz.api.sanity.io//v2025-01-31/query/…`).
 */
function mergedSlashesPath(request: Request): string {
  const path = getPath(request)
  return path.includes('//') ? path.replace(/\/{2,}/g, '/') : path
}

function httpVersionMajor(env: unknown): number | undefined {
  return (env as {incoming?: {httpVersionMajor?: number}} | undefined)?.incoming?.httpVersionMajor
}
