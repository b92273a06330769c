/**
 * The Studio's identity and project endpoints (users/me, users/{ids}, keyvalue per user,
 * projects/{id} with members, datasets, acl, grants) and every deliberate "feature off" answer.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {DELIBERATE_ANSWERS, isDeclaredNotFound} from '../../../lake/http/routes/hostedOnly.ts'
import {startTestLake, TEST_ADMIN, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake()
  await lake.server.lake.auth!.store.addUser({
    email: 'editor@example.com',
    name: 'সম্পাদক',
    role: 'editor',
    password: 'editor-password',
  })
})

afterAll(async () => {
  await lake?.close()
})

/** Signs in through the login form and the sid exchange, as the Studio does. */
async function signIn(email: string, password: string): Promise<string> {
  const posted = await fetch(`${lake.url}/auth/login/local`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({email, password, origin: 'http://localhost:3333/', withSid: 'true'}),
  })
  expect(posted.status).toBe(302)
  const sid = /sid=([^&]+)/.exec(new URL(posted.headers.get('location')!).hash)![1]
  const res = await fetch(`${lake.url}/v2026-05-04/auth/fetch?sid=${sid}`)
  return ((await res.json()) as {token: string}).token
}

function api(token: string | null) {
  return async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    if (token) headers.set('authorization', `Bearer ${token}`)
    if (init.body) headers.set('content-type', 'application/json')
    const res = await fetch(`${lake.url}${path}`, {...init, headers})
    const text = await res.text()
    return {status: res.status, body: text ? JSON.parse(text) : null}
  }
}

describe('users and keyvalue', () => {
  it('keeps key/value settings per user', async () => {
    const admin = api(await signIn(TEST_ADMIN.email, TEST_ADMIN.password))
    const editor = api(await signIn('editor@example.com', 'editor-password'))
    const key = 'studio.structure-tool.layout.article'

    expect((await admin(`/v2025-02-19/users/me/keyvalue/${key},other`)).body).toEqual([
      {key, value: null},
      {key: 'other', value: null},
    ])
    const put = await admin('/v2025-02-19/users/me/keyvalue', {
      method: 'PUT',
      body: JSON.stringify([{key, value: {layout: 'detail', শিরোনাম: true}}]),
    })
    expect(put.body).toEqual([{key, value: {layout: 'detail', শিরোনাম: true}}])
    expect((await admin(`/v2025-02-19/users/me/keyvalue/${key}`)).body).toEqual([
      {key, value: {layout: 'detail', শিরোনাম: true}},
    ])
    // Another user does not see it.
    expect((await editor(`/v2025-02-19/users/me/keyvalue/${key}`)).body).toEqual([
      {key, value: null},
    ])
    expect((await api(null)(`/v2025-02-19/users/me/keyvalue/${key}`)).status).toBe(401)
  })

  it('names users and tokens by id; one id gives an object, several an array', async () => {
    const admin = api(lake.token)
    const users = lake.server.lake.auth!.store.listUsers()
    const editorId = users.find((user) => user.email === 'editor@example.com')!.id
    const single = await admin(`/v2021-06-07/users/${editorId}`)
    expect(single.body).toMatchObject({id: editorId, displayName: 'সম্পাদক', imageUrl: null})
    const many = await admin(`/v2021-06-07/users/${users.map((u) => u.id).join(',')},pUnknown1`)
    expect(many.body.map((user: {id: string}) => user.id).sort()).toEqual(
      users.map((u) => u.id).sort(),
    )
    const me = (await admin('/v2026-05-04/users/me')).body
    // A token is named as what it is, with a gear for its avatar: never a person's initials.
    const robot = (await admin(`/v2021-06-07/users/${me.id}`)).body
    expect(robot).toMatchObject({
      displayName: 'আমদানি ও স্ক্রিপ্ট (স্বয়ংক্রিয়)',
      isRobot: true,
    })
    expect(robot.imageUrl).toMatch(/^data:image\/svg\+xml,/)
    expect(decodeURIComponent(robot.imageUrl.slice('data:image/svg+xml,'.length))).toContain('<svg')
    expect((await admin('/v2021-06-07/users/pUnknown1')).body).toEqual({})
  })
})

describe('project', () => {
  it('describes the local project with its members', async () => {
    const {status, body} = await api(lake.token)('/v2021-12-15/projects/local')
    expect(status).toBe(200)
    expect(body).toMatchObject({id: 'local', organizationId: null, metadata: {}})
    expect(body.members).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          role: 'administrator',
          roles: [{name: 'administrator', title: 'Administrator'}],
          isRobot: false,
          isCurrentUser: false,
        }),
        expect.objectContaining({role: 'editor', isRobot: true, isCurrentUser: true}),
      ]),
    )
    expect((await api(lake.token)('/v2021-12-15/projects/other')).status).toBe(404)
    expect((await api(null)('/v2021-12-15/projects/local')).status).toBe(401)
  })

  it('lists datasets, and no comments add-on', async () => {
    const admin = api(lake.token)
    await lake.client({dataset: 'news'}).create({_type: 'x'})
    const datasets = (await admin('/v2025-02-19/projects/local/datasets')).body
    expect(datasets.map((d: {name: string}) => d.name)).toEqual(
      expect.arrayContaining(['news', 'production']),
    )
    expect(
      (await admin('/v2025-02-19/projects/local/datasets?datasetProfile=comments&addonFor=news'))
        .body,
    ).toEqual([])
    // client.datasets.list() on the project host, as Vision calls it.
    const vision = await admin('/v2025-06-27/datasets')
    expect(vision.body.map((d: {name: string}) => d.name)).toEqual(
      datasets.map((d: {name: string}) => d.name),
    )
  })

  it('lists the roles for the "Ask to edit" dialog', async () => {
    const roles = (await api(lake.token)('/v2025-02-19/projects/local/roles')).body
    expect(roles.map((role: {name: string}) => role.name)).toEqual([
      'administrator',
      'editor',
      'developer',
      'contributor',
      'viewer',
    ])
  })
})

describe('deliberate answers', () => {
  it.each(DELIBERATE_ANSWERS.map((answer) => [answer.method, answer.path, answer] as const))(
    '%s %s',
    async (method, path, answer) => {
      const concrete = path
        .replace(':projectId', 'local')
        .replace(':dataset', 'production')
        .replace(':id', 'some-doc')
        .replace('*', 'content-releases')
      const res = await fetch(`${lake.url}/v2025-02-19${concrete}`, {
        method,
        headers: {authorization: `Bearer ${lake.token}`},
        body: method === 'POST' ? '{}' : undefined,
      })
      expect(res.status).toBe(answer.status)
      if (answer.body !== undefined) expect(await res.json()).toEqual(answer.body)
      expect(isDeclaredNotFound(method, `/v2022-06-30${concrete}`)).toBe(answer.status === 404)
    },
  )

  it('declares only its own 404s', () => {
    // The Events API is served now (routes/history.ts): a 404 there is a real failure too.
    expect(
      isDeclaredNotFound('GET', '/v2022-06-30/data/history/production/events/documents/a'),
    ).toBe(false)
    // Presence is served now (lake/presence): a 404 there is a real failure.
    expect(isDeclaredNotFound('GET', '/v2022-06-30/socket/production')).toBe(false)
    expect(isDeclaredNotFound('GET', '/v2025-02-19/data/query/production')).toBe(false)
  })
})
