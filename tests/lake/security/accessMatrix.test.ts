/**
 * The access matrix: every route of the lake × every credential state, against the expected allow
 * or deny, generated from ONE table (ROUTES). The lake's Hono routes are enumerated at test time
 * and compared with the table, so a route added without an entry fails here until someone decides
 * who may call it.
 *
 * Credential states: no credentials (on a private and on a public dataset), a malformed header, a
 * revoked token, an expired session, the session of a removed user, and a token of each of the
 * five roles. "Deny" is 401 for a caller who is not known (or not signed in) and 403 for a known
 * caller whose role lacks the grant; "allow" is any answer below 500 other than those two.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ROLE_NAMES, type RoleName} from '../../../lake/core/grants.ts'
import {DELIBERATE_ANSWERS} from '../../../lake/http/routes/hostedOnly.ts'
import {createTestLake, type InProcessLake} from '../../helpers/lake.ts'

const DAY = 24 * 60 * 60 * 1000
const PRIVATE = 'test'
const PUBLIC = 'open'

type State =
  'none' | 'publicAnonymous' | 'malformed' | 'revoked' | 'expiredSession' | 'removedUser' | RoleName

const INVALID: readonly State[] = ['malformed', 'revoked', 'expiredSession', 'removedUser']
const STATES: readonly State[] = ['none', 'publicAnonymous', ...INVALID, ...ROLE_NAMES]

/**
 * Who may call, for the valid states (invalid credentials are a 401 on every route):
 * - anyone: no credentials needed;
 * - signedIn: any role, anonymous callers get 401;
 * - administrator: project administration;
 * - read: any role, and anonymous callers of a public dataset; an anonymous caller of a private
 *   dataset is answered as hosted Sanity answers it, with nothing in it (`empty`);
 * - listen: as read, but an anonymous caller of a private dataset gets 401 (it would never hear
 *   anything);
 * - writePublished / writeDraft: the roles whose grants cover the document written;
 * - historyPublished: the roles with the `history` grant on a published document (anonymous
 *   callers, who hold no grant, get 403 as any caller without it);
 * - historySome: the roles with the `history` grant on some document (the dataset-wide log lists
 *   what each may see); anonymous callers get 403 as for historyPublished;
 * - upload: every role but viewer;
 * - nobody: a deliberate 403 for every caller (role requests are not forwarded offline).
 */
type Policy =
  | 'anyone'
  | 'signedIn'
  | 'administrator'
  | 'read'
  | 'listen'
  | 'writePublished'
  | 'writeDraft'
  | 'historyPublished'
  | 'historySome'
  | 'upload'
  | 'nobody'

const ALLOWED: Record<Policy, readonly State[]> = {
  anyone: ['none', 'publicAnonymous', ...ROLE_NAMES],
  signedIn: ROLE_NAMES,
  administrator: ['administrator'],
  read: ['publicAnonymous', ...ROLE_NAMES],
  listen: ['publicAnonymous', ...ROLE_NAMES],
  writePublished: ['administrator', 'editor', 'developer'],
  writeDraft: ['administrator', 'editor', 'developer', 'contributor'],
  historyPublished: ['administrator', 'editor', 'developer', 'viewer'],
  historySome: ROLE_NAMES,
  upload: ['administrator', 'editor', 'developer', 'contributor'],
  nobody: [],
}

/** The published seed document's title: present in every answer a reader may see, in no other. */
const TITLE = 'বীজ'

interface Sample {
  policy: Policy
  /** Path with `{ds}` for the dataset (the public one for publicAnonymous), `{v}` for the version. */
  path: string
  body?: string
  contentType?: string
}

const json = (value: unknown) => JSON.stringify(value)
const seedDraft = {_id: `drafts.seed`, _type: 'article', title: 'খসড়া'}

/** THE table: `METHOD path` exactly as the route is registered → samples with their policy. */
const ROUTES: Record<string, Sample[]> = {
  'GET /auth/login/local': [
    {policy: 'anyone', path: '/auth/login/local?origin=http://localhost:3333'},
  ],
  // A wrong password is a 401 of its own; a form without fields shows who may reach the check.
  'POST /auth/login/local': [
    {
      policy: 'anyone',
      path: '/auth/login/local',
      body: 'email=',
      contentType: 'application/x-www-form-urlencoded',
    },
  ],
  'GET /:kind{images|files}/:projectId/:dataset/:name/:vanity?': [
    {policy: 'anyone', path: '/images/local/{ds}/missing-1x1.png'},
    {policy: 'anyone', path: '/images/local/{ds}/missing-1x1.png/a-vanity-name.png'},
  ],
  'GET /:version{v[^/]+}/auth/providers': [{policy: 'anyone', path: '/{v}/auth/providers'}],
  'GET /:version{v[^/]+}/auth/fetch': [{policy: 'anyone', path: '/{v}/auth/fetch'}],
  'POST /:version{v[^/]+}/auth/logout': [{policy: 'anyone', path: '/{v}/auth/logout', body: ''}],
  'GET /:version{v[^/]+}/auth/id': [{policy: 'signedIn', path: '/{v}/auth/id'}],
  'GET /:version{v[^/]+}/users/me': [{policy: 'anyone', path: '/{v}/users/me'}],
  'GET /:version{v[^/]+}/users/me/keyvalue/:keys': [
    {policy: 'signedIn', path: '/{v}/users/me/keyvalue/studio.layout'},
  ],
  'PUT /:version{v[^/]+}/users/me/keyvalue': [
    {policy: 'signedIn', path: '/{v}/users/me/keyvalue', body: json([{key: 'k', value: 1}])},
  ],
  'GET /:version{v[^/]+}/users/:ids': [{policy: 'signedIn', path: '/{v}/users/me,nobody'}],
  'GET /:version{v[^/]+}/projects': [{policy: 'signedIn', path: '/{v}/projects'}],
  'GET /:version{v[^/]+}/projects/:projectId': [{policy: 'signedIn', path: '/{v}/projects/local'}],
  'PUT /:version{v[^/]+}/datasets/:name': [
    {policy: 'administrator', path: '/{v}/datasets/made', body: json({aclMode: 'private'})},
  ],
  // No aclMode: who may read no dataset of the matrix changes.
  'PATCH /:version{v[^/]+}/datasets/:name': [
    {policy: 'administrator', path: '/{v}/datasets/made', body: json({})},
  ],
  // A name no other entry uses: the matrix's own datasets stay.
  'DELETE /:version{v[^/]+}/datasets/:name': [
    {policy: 'administrator', path: '/{v}/datasets/doomed'},
  ],
  'DELETE /:version{v[^/]+}/projects/:projectId/datasets/:name': [
    {policy: 'administrator', path: '/{v}/projects/local/datasets/doomed'},
  ],
  'GET /:version{v[^/]+}/check/cors': [{policy: 'anyone', path: '/{v}/check/cors'}],
  'GET /:version{v[^/]+}/projects/:projectId/datasets': [
    {policy: 'signedIn', path: '/{v}/projects/local/datasets'},
  ],
  'GET /:version{v[^/]+}/datasets': [{policy: 'signedIn', path: '/{v}/datasets'}],
  'GET /:version{v[^/]+}/projects/:projectId/roles': [
    {policy: 'signedIn', path: '/{v}/projects/local/roles'},
  ],
  'GET /:version{v[^/]+}/projects/:projectId/datasets/:dataset/acl': [
    {policy: 'signedIn', path: '/{v}/projects/local/datasets/{ds}/acl'},
  ],
  'GET /:version{v[^/]+}/projects/:projectId/grants': [
    {policy: 'signedIn', path: '/{v}/projects/local/grants'},
  ],
  'POST /:version{v[^/]+}/assets/:kind{images|files}/:dataset': [
    {
      policy: 'upload',
      path: '/{v}/assets/files/{ds}?filename=note.txt',
      body: 'একটি নোট',
      contentType: 'text/plain',
    },
  ],
  'GET /:version{v[^/]+}/ping': [{policy: 'anyone', path: '/{v}/ping'}],
  // What this is and where to go; names no dataset (tests/lake/http/root.test.ts).
  'GET /': [{policy: 'anyone', path: '/'}],
  'GET /:version{v[^/]+}/data/query/:dataset': [
    {policy: 'read', path: `/{v}/data/query/{ds}?query=${encodeURIComponent('*[_id == "seed"]')}`},
  ],
  'POST /:version{v[^/]+}/data/query/:dataset': [
    {
      policy: 'read',
      path: '/{v}/data/query/{ds}',
      body: json({query: '*[_type == "article"].title'}),
    },
  ],
  'POST /:version{v[^/]+}/data/mutate/:dataset': [
    {
      policy: 'writePublished',
      path: '/{v}/data/mutate/{ds}',
      body: json({mutations: [{createOrReplace: {_id: 'seed', _type: 'article', title: TITLE}}]}),
    },
    {
      policy: 'writeDraft',
      path: '/{v}/data/mutate/{ds}',
      body: json({mutations: [{createOrReplace: seedDraft}]}),
    },
  ],
  'POST /:version{v[^/]+}/data/actions/:dataset': [
    {
      policy: 'writeDraft',
      path: '/{v}/data/actions/{ds}',
      body: json({
        actions: [
          {
            actionType: 'sanity.action.document.replaceDraft',
            publishedId: 'seed',
            attributes: seedDraft,
          },
        ],
      }),
    },
  ],
  'GET /:version{v[^/]+}/data/doc/:dataset/:ids{.+}': [
    {policy: 'read', path: '/{v}/data/doc/{ds}/seed'},
  ],
  'GET /:version{v[^/]+}/data/history/:dataset/documents/:ids{.+}': [
    {policy: 'historyPublished', path: '/{v}/data/history/{ds}/documents/seed?lastRevision=true'},
  ],
  'GET /:version{v[^/]+}/data/history/:dataset/transactions/:ids{.+}': [
    {policy: 'historyPublished', path: '/{v}/data/history/{ds}/transactions/seed'},
  ],
  'GET /:version{v[^/]+}/data/history/:dataset/transactions': [
    {policy: 'historySome', path: '/{v}/data/history/{ds}/transactions?limit=10'},
  ],
  'GET /:version{v[^/]+}/data/history/:dataset/events/documents/:id': [
    {policy: 'historyPublished', path: '/{v}/data/history/{ds}/events/documents/seed?limit=10'},
  ],
  'GET /:version{v[^/]+}/data/export/:dataset': [{policy: 'read', path: '/{v}/data/export/{ds}'}],
  'GET /:version{v[^/]+}/data/listen/:dataset': [
    {
      policy: 'listen',
      path: `/{v}/data/listen/{ds}?query=${encodeURIComponent('*[_id == "seed"]')}`,
    },
  ],
  // Without includeDrafts the live API carries only opaque tags of published answers.
  'GET /:version{v[^/]+}/data/live/events/:dataset': [
    {policy: 'anyone', path: '/{v}/data/live/events/{ds}'},
    {policy: 'signedIn', path: '/{v}/data/live/events/{ds}?includeDrafts=true'},
  ],
  'GET /:version{v[^/]+}/socket/:dataset': [{policy: 'anyone', path: '/{v}/socket/{ds}'}],
  'GET /:version{v[^/]+}/data/ping/:dataset': [{policy: 'anyone', path: '/{v}/data/ping/{ds}'}],
}

// The hosted-only answers (routes/hostedOnly.ts) are the same for every caller with valid (or no)
// credentials: they say "feature off" and touch no data.
for (const answer of DELIBERATE_ANSWERS) {
  const key = `${answer.method} /:version{v[^/]+}${answer.path}`
  ROUTES[key] ??= [
    {
      policy: answer.status === 403 ? 'nobody' : 'anyone',
      path:
        '/{v}' +
        answer.path
          .replace(':projectId', 'local')
          .replace(':dataset', '{ds}')
          .replace(/:[a-zA-Z]+/g, 'x')
          .replace('*', 'x'),
      ...(answer.method === 'POST' ? {body: json({})} : {}),
    },
  ]
}

let lake: InProcessLake
let clock = new Date('2026-01-01T00:00:00Z')
const credentials = new Map<State, string | undefined>()

beforeAll(async () => {
  lake = await createTestLake({now: () => clock})
  const {lake: inner} = lake
  const store = inner.auth!.store
  inner.context.visibility.set(PUBLIC, 'public')
  for (const dataset of [PRIVATE, PUBLIC]) {
    const write = (doc: Record<string, unknown>) =>
      lake.fetch(`${lake.url}/v2025-02-19/data/mutate/${dataset}`, {
        method: 'POST',
        headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'},
        body: json({mutations: [{createOrReplace: doc}]}),
      })
    expect((await write({_id: 'seed', _type: 'article', title: TITLE})).status).toBe(200)
    expect((await write(seedDraft)).status).toBe(200)
  }
  for (const role of ROLE_NAMES) {
    credentials.set(role, (await store.createToken({label: `matrix ${role}`, role})).token)
  }
  const revoked = (await store.createToken({label: 'matrix revoked', role: 'editor'})).token
  store.revokeToken(revoked)
  credentials.set('revoked', revoked)
  credentials.set('malformed', 'Bearer')
  const session = async (email: string) => {
    const user = await store.addUser({email, role: 'editor', password: 'matrix-password-1'})
    return {user, token: (await store.exchangeSid(store.createSid(user.id)))!}
  }
  const expiring = await session('expiring@localhost')
  const removed = await session('removed@localhost')
  store.removeUser(removed.user.id)
  credentials.set('removedUser', removed.token)
  // Thirty-one days later: the session has expired, the API tokens have not.
  clock = new Date(clock.getTime() + 31 * DAY)
  credentials.set('expiredSession', expiring.token)
})

afterAll(async () => {
  await lake?.close()
})

function header(state: State): string | undefined {
  const value = credentials.get(state)
  if (value === undefined) return undefined
  return state === 'malformed' ? value : `Bearer ${value}`
}

async function send(
  method: string,
  sample: Sample,
  state: State,
): Promise<{status: number; text: string}> {
  const dataset = state === 'publicAnonymous' ? PUBLIC : PRIVATE
  const path = sample.path.replace('{v}', 'v2025-02-19').replace('{ds}', dataset)
  const headers: Record<string, string> = {}
  const authorization = header(state)
  if (authorization) headers.authorization = authorization
  if (sample.body !== undefined) headers['content-type'] = sample.contentType ?? 'application/json'
  const res = await lake.fetch(`${lake.url}${path}`, {method, headers, body: sample.body})
  // Streams (listen, live) are answered as soon as they open; nothing more is needed from them.
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel()
    return {status: res.status, text: ''}
  }
  return {status: res.status, text: await res.text()}
}

type Outcome = 'allow' | 'empty' | 401 | 403

/** What the table expects for one state. */
function expected(policy: Policy, state: State): Outcome {
  if (INVALID.includes(state)) return 401
  if (ALLOWED[policy].includes(state)) return 'allow'
  if (policy === 'nobody') return 403
  if (policy === 'read' && state === 'none') return 'empty'
  if (policy === 'historyPublished' || policy === 'historySome') return 403
  return state === 'none' || state === 'publicAnonymous' ? 401 : 403
}

/** The outcome an answer shows, in the terms of the one expected. */
function observed(want: Outcome, policy: Policy, {status, text}: {status: number; text: string}) {
  if (status === 401 || status === 403 || status >= 500) return status
  // A reader's answer carries the document; an answer to someone who may not read it does not.
  if (policy === 'read') return text.includes(TITLE) ? 'allow' : 'empty'
  return want === 'empty' ? status : 'allow'
}

describe('the access matrix', () => {
  it('has an entry for every route the lake serves, and none for a route it does not', () => {
    const served = new Set(
      lake.lake.app.routes
        .filter((route) => route.method !== 'ALL')
        .map((route) => `${route.method} ${route.path}`),
    )
    const missing = [...served].filter((route) => !(route in ROUTES))
    const stale = Object.keys(ROUTES).filter((route) => !served.has(route))
    expect(missing, 'routes without an entry in ROUTES: decide who may call them').toEqual([])
    expect(stale, 'entries in ROUTES for routes the lake no longer serves').toEqual([])
  })

  for (const [route, samples] of Object.entries(ROUTES)) {
    const method = route.split(' ')[0]
    for (const sample of samples) {
      it(`${route} (${sample.path}): ${sample.policy}`, async () => {
        const got: Record<string, Outcome | number> = {}
        const want: Record<string, Outcome> = {}
        for (const state of STATES) {
          want[state] = expected(sample.policy, state)
          got[state] = observed(want[state], sample.policy, await send(method, sample, state))
        }
        expect(got).toEqual(want)
      })
    }
  }
})
