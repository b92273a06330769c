/**
 * The role matrix: each role × read/create/update/publish/unpublish/discard/delete on drafts and
 * published documents, through the actions API (as the Studio edits) and through mutate (as
 * scripts and liveEdit types write). Allowed or refused exactly as Sanity's grant sets say
 * (lake/core/grants.ts); a refused request changes nothing.
 */
import {randomUUID} from 'node:crypto'
import {ClientError, type Action, type SanityClient} from '@sanity/client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ROLE_NAMES, type RoleName} from '../../../lake/core/grants.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

type Who = RoleName | 'anonymous'

interface Case {
  name: string
  /** Documents to seed first: draft and/or published versions of a fresh id. */
  seed: {draft?: boolean; published?: boolean}
  run(client: SanityClient, id: string): Promise<unknown>
}

const draft = (id: string) => `drafts.${id}`
const doc = (_id: string) => ({_id, _type: 'article', title: 'শিরোনাম'})

const action = (client: SanityClient, body: Record<string, unknown>) =>
  client.action(body as Action)

/** Reads go through query (raw perspective): a refused read is an empty result, not an error. */
async function read(client: SanityClient, id: string) {
  const found = await client.fetch('*[_id == $id][0]._id', {id}, {perspective: 'raw'})
  if (found !== id) throw new ClientError({statusCode: 403, body: {}, headers: {}} as never)
}

const CASES: Case[] = [
  {name: 'read draft', seed: {draft: true}, run: (c, id) => read(c, draft(id))},
  {name: 'read published', seed: {published: true}, run: (c, id) => read(c, id)},
  // mutate
  {name: 'mutate create draft', seed: {}, run: (c, id) => c.create(doc(draft(id)))},
  {name: 'mutate create published', seed: {}, run: (c, id) => c.create(doc(id))},
  {
    name: 'mutate update draft',
    seed: {draft: true},
    run: (c, id) => c.patch(draft(id)).set({title: 'নতুন'}).commit(),
  },
  {
    name: 'mutate update published',
    seed: {published: true},
    run: (c, id) => c.patch(id).set({title: 'নতুন'}).commit(),
  },
  {name: 'mutate delete draft', seed: {draft: true}, run: (c, id) => c.delete(draft(id))},
  {name: 'mutate delete published', seed: {published: true}, run: (c, id) => c.delete(id)},
  // actions
  {
    name: 'action create draft',
    seed: {},
    run: (c, id) =>
      action(c, {
        actionType: 'sanity.action.document.create',
        publishedId: id,
        attributes: doc(draft(id)),
        ifExists: 'fail',
      }),
  },
  {
    name: 'action edit draft',
    seed: {draft: true},
    run: (c, id) =>
      action(c, {
        actionType: 'sanity.action.document.edit',
        draftId: draft(id),
        publishedId: id,
        patch: {set: {title: 'নতুন'}},
      }),
  },
  {
    name: 'action edit published (creates the draft)',
    seed: {published: true},
    run: (c, id) =>
      action(c, {
        actionType: 'sanity.action.document.edit',
        draftId: draft(id),
        publishedId: id,
        patch: {set: {title: 'নতুন'}},
      }),
  },
  {
    name: 'action publish',
    seed: {draft: true},
    run: (c, id) =>
      action(c, {
        actionType: 'sanity.action.document.publish',
        draftId: draft(id),
        publishedId: id,
      }),
  },
  {
    name: 'action unpublish',
    seed: {published: true},
    run: (c, id) =>
      action(c, {
        actionType: 'sanity.action.document.unpublish',
        draftId: draft(id),
        publishedId: id,
      }),
  },
  {
    name: 'action discard draft',
    seed: {draft: true, published: true},
    run: (c, id) => action(c, {actionType: 'sanity.action.document.discard', draftId: draft(id)}),
  },
  {
    name: 'action delete (published and draft)',
    seed: {draft: true, published: true},
    run: (c, id) =>
      action(c, {
        actionType: 'sanity.action.document.delete',
        publishedId: id,
        includeDrafts: [draft(id)],
      }),
  },
  {
    name: 'action delete draft-only (version.discard)',
    seed: {draft: true},
    run: (c, id) =>
      action(c, {actionType: 'sanity.action.document.version.discard', versionId: draft(id)}),
  },
]

/** Sanity's grants: full for administrator, editor, developer; drafts only for contributor. */
const CONTRIBUTOR_ALLOWED = new Set([
  'read draft',
  'read published',
  'mutate create draft',
  'mutate update draft',
  'mutate delete draft',
  'action create draft',
  'action edit draft',
  'action edit published (creates the draft)',
  'action discard draft',
  'action delete draft-only (version.discard)',
])

function expected(who: Who, name: string): boolean {
  switch (who) {
    case 'administrator':
    case 'editor':
    case 'developer':
      return true
    case 'contributor':
      return CONTRIBUTOR_ALLOWED.has(name)
    case 'viewer':
      return name.startsWith('read ')
    case 'anonymous':
      return false
  }
}

let lake: TestLake
let admin: SanityClient
const clients = new Map<Who, SanityClient>()

beforeAll(async () => {
  lake = await startTestLake()
  const auth = lake.server.lake.auth!.store
  admin = lake.client({
    token: (await auth.createToken({label: 'admin', role: 'administrator'})).token,
  })
  for (const role of ROLE_NAMES) {
    const {token} = await auth.createToken({label: `${role} token`, role})
    clients.set(role, lake.client({token}))
  }
  clients.set('anonymous', lake.client({token: undefined}))
})

afterAll(async () => {
  await lake?.close()
})

async function snapshot(id: string) {
  return admin.fetch(
    '*[_id in [$id, $draft]]{_id, _rev, title} | order(_id)',
    {
      id,
      draft: draft(id),
    },
    {perspective: 'raw'},
  )
}

const WHO: Who[] = [...ROLE_NAMES, 'anonymous']

describe.each(WHO)('%s', (who) => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const id = `roles-${randomUUID()}`
    const seed = admin.transaction()
    if (testCase.seed.published) seed.create(doc(id))
    if (testCase.seed.draft) seed.create({...doc(draft(id)), title: 'খসড়া'})
    if (testCase.seed.draft || testCase.seed.published) await seed.commit({visibility: 'sync'})
    const before = await snapshot(id)

    let allowed = true
    try {
      await testCase.run(clients.get(who)!, id)
    } catch (err) {
      if (!(err instanceof ClientError)) throw err
      // Anonymous callers are told to authenticate, known ones that they may not.
      expect(err.statusCode).toBe(
        who === 'anonymous' && !testCase.name.startsWith('read ') ? 401 : 403,
      )
      allowed = false
    }
    expect(allowed).toBe(expected(who, testCase.name))
    if (!allowed) expect(await snapshot(id)).toEqual(before)
  })
})

it('gives each role the acl the Studio evaluates, and no deployStudio grant', async () => {
  for (const role of ROLE_NAMES) {
    const client = clients.get(role)!.withConfig({apiVersion: '2021-06-07'})
    const acl = await client.request({uri: '/projects/local/datasets/test/acl'})
    const permissions = (id: string) =>
      (acl as {filter: string; permissions: string[]}[])
        .filter((grant) => {
          const glob = /path\("(.*)"\)/.exec(grant.filter)![1]
          return glob === '**' || (glob === 'drafts.**' && id.startsWith('drafts.'))
        })
        .flatMap((grant) => grant.permissions)
    expect(permissions('drafts.x').includes('update')).toBe(role !== 'viewer')
    expect(permissions('x').includes('update')).toBe(!['contributor', 'viewer'].includes(role))
    expect(permissions('x')).toContain('read')
    const grants = await clients.get(role)!.request({uri: '/projects/local/grants'})
    expect(JSON.stringify(grants)).not.toContain('deployStudio')
  }
})

it('applies read and history grants to doc, listen and history too', async () => {
  const id = `roles-${randomUUID()}`
  await admin
    .transaction()
    .create(doc(id))
    .create(doc(draft(id)))
    .commit({visibility: 'sync'})
  const get = (path: string, token: string | null) =>
    fetch(`${lake.url}/v2025-02-19${path}`, {
      headers: token ? {authorization: `Bearer ${token}`} : {},
    })
  const tokenOf = (who: Who) => clients.get(who)!.config().token ?? null

  // Anonymous: no documents, no listener, no history.
  const anonymousDoc = await (await get(`/data/doc/test/${id}`, null)).json()
  expect(anonymousDoc.documents).toEqual([])
  expect(anonymousDoc.omitted).toEqual([{id, reason: 'permission'}])
  expect((await get(`/data/listen/test?query=*`, null)).status).toBe(401)
  expect((await get(`/data/history/test/documents/${id}?lastRevision=true`, null)).status).toBe(403)

  // A contributor reads everything but sees the history of drafts only, as in Sanity.
  const contributor = tokenOf('contributor')
  expect((await (await get(`/data/doc/test/${id}`, contributor)).json()).documents).toHaveLength(1)
  expect(
    (await get(`/data/history/test/documents/${id}?lastRevision=true`, contributor)).status,
  ).toBe(403)
  expect(
    (await get(`/data/history/test/documents/${draft(id)}?lastRevision=true`, contributor)).status,
  ).toBe(200)
  expect(
    (await get(`/data/history/test/documents/${id}?lastRevision=true`, tokenOf('viewer'))).status,
  ).toBe(200)
})
