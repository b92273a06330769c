/**
 * The lake's Hono app. Routes match the path after `/v<apiVersion>/`; the Host header (which may be
 * `<projectId>.localhost`) plays no part. One line per route module below.
 */
import {Hono} from 'hono'
import {type LakeContext} from './context.ts'
import {errorResponse, notFoundResponse} from './errors.ts'
import {principalMiddleware, type PrincipalResolver} from './principal.ts'
import {listenRoutes} from './routes/listen.ts'
import {actionRoutes} from './routes/actions.ts'
import {docRoutes} from './routes/doc.ts'
import {exportRoutes} from './routes/export.ts'
import {historyRoutes} from './routes/history.ts'
import {mutateRoutes} from './routes/mutate.ts'
import {queryRoutes} from './routes/query.ts'

export function createApp(lake: LakeContext, principals: PrincipalResolver): Hono {
  const app = new Hono()
  app.onError((err) => errorResponse(err))
  app.notFound((c) => notFoundResponse(c.req.method, new URL(c.req.url).pathname))
  app.use('*', async (c, next) => {
    c.set('lake', lake)
    await next()
  })
  app.use('*', principalMiddleware(principals))

  app.get('/:version{v[^/]+}/ping', (c) => c.json({ping: 'pong'}))
  app.route('/', queryRoutes)
  app.route('/', mutateRoutes)
  app.route('/', actionRoutes)
  app.route('/', docRoutes)
  app.route('/', historyRoutes)
  app.route('/', exportRoutes)
  app.route('/', listenRoutes)
  return app
}
