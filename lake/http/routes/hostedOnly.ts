/**
 * Endpoints the Studio calls for hosted-only features. Each gets a deliberate answer that means
 * "feature off" or "nothing here" to the Studio, so no request fails by accident. The table is the
 * single list of these answers: the routes are built from it, docs/studio-lake.md lists it, and
 * the e2e test asks isDeclaredNotFound to tell declared 404s from real ones.
 */
import {Hono} from 'hono'

export interface DeliberateAnswer {
  method: 'GET' | 'POST'
  /** Path after `/v{apiVersion}`, in Hono's syntax. */
  path: string
  status: number
  /** JSON body; undefined sends no body. */
  body?: unknown
  /** What the Studio makes of this answer. */
  why: string
}

export const DELIBERATE_ANSWERS: readonly DeliberateAnswer[] = [
  {
    method: 'GET',
    path: '/ping',
    status: 200,
    body: {ping: 'pong'},
    why: 'Readiness and the Studio protocol check; only the HTTP version of the answer matters.',
  },
  {
    method: 'GET',
    path: '/features',
    status: 200,
    body: [],
    why: 'No hosted features: comments, tasks, scheduled publishing, releases upsell off.',
  },
  {
    method: 'GET',
    path: '/help',
    status: 200,
    body: {},
    why: 'Outdated-module check: nothing to report offline.',
  },
  {
    method: 'GET',
    path: '/journey/*',
    status: 200,
    body: null,
    why: 'Upsell, trial, announcement and plan-limit content from sanity.io: none, no dialog.',
  },
  {
    method: 'GET',
    path: '/schedules/:projectId/:dataset',
    status: 200,
    body: {schedules: []},
    why: 'Scheduled publishing is not offered; the usage probe sees no schedules.',
  },
  {
    method: 'GET',
    path: '/projects/:projectId/user-applications',
    status: 200,
    body: [],
    why: 'No deployed Studios or apps are registered with a local project.',
  },
  {
    method: 'GET',
    path: '/access/requests/me',
    status: 200,
    body: [],
    why: 'No pending role requests (read-only users see no "request pending" state).',
  },
  {
    method: 'POST',
    path: '/access/project/:projectId/requests',
    status: 403,
    body: {
      statusCode: 403,
      error: 'Forbidden',
      message:
        'The local lake does not forward role requests: ask an administrator (npm run lake -- users)',
    },
    why: '"Ask to edit" cannot reach an administrator offline; the Studio shows the message.',
  },
  {
    method: 'GET',
    path: '/intake/telemetry-status',
    status: 200,
    body: {status: 'denied'},
    why: 'Telemetry consent denied: the Studio sends no usage data.',
  },
  {
    method: 'POST',
    path: '/intake/batch',
    status: 204,
    why: 'Telemetry is denied, so this is never sent; if it is, it is discarded.',
  },
  {
    method: 'GET',
    path: '/data/references/:dataset/documents/:id/to',
    status: 200,
    body: {totalCount: 0, references: []},
    why: 'Cross-dataset references are not supported, so none point at any document.',
  },
  {
    method: 'GET',
    path: '/data/ping/:dataset',
    status: 200,
    body: {ping: 'pong'},
    why: 'Latency probe; it reads only the timing (no X-Sanity-Shard header).',
  },
  {
    method: 'GET',
    path: '/socket/:dataset',
    status: 426,
    body: {
      statusCode: 426,
      error: 'Upgrade Required',
      message:
        'The presence socket is a WebSocket: connect with wss:// over HTTP/1.1 (lake/presence/socket.ts)',
    },
    why: 'Presence answers WebSocket upgrades only; a plain request (or one over HTTP/2) gets this.',
  },
]

/** Declared 404s: (method, path after `/v{apiVersion}`) pairs that answer 404 on purpose. */
const DECLARED_NOT_FOUND: readonly {method: string; pattern: RegExp; why: string}[] =
  DELIBERATE_ANSWERS.filter((answer) => answer.status === 404).map((answer) => ({
    method: answer.method,
    pattern: honoPathToRegExp(answer.path),
    why: answer.why,
  }))

/** Is `GET /v2022-06-30/socket/production` (any version prefix) one of the declared 404s? */
export function isDeclaredNotFound(method: string, pathname: string): boolean {
  const rest = pathname.replace(/^\/v[^/]+/, '')
  return DECLARED_NOT_FOUND.some(
    (entry) => entry.method === method.toUpperCase() && entry.pattern.test(rest),
  )
}

function honoPathToRegExp(path: string): RegExp {
  const source = path
    .split('/')
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : escape(part)))
    .join('/')
  return new RegExp(`^${source}/?$`)
}

function escape(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')
}

/** The routes of the table, relative to `/v{apiVersion}`. */
export function hostedOnlyRoutes(): Hono {
  const app = new Hono()
  for (const answer of DELIBERATE_ANSWERS) {
    const handler = app[answer.method === 'GET' ? 'get' : 'post'].bind(app)
    handler(answer.path, (c) =>
      answer.body === undefined
        ? c.body(null, answer.status as 204)
        : c.json(answer.body, answer.status as 200),
    )
  }
  return app
}
