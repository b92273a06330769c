/**
 * Lake-only HTTP behaviour the hosted contract cannot check: auth on writes, per-document read
 * permissions, routing details, error bodies, dataset files.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, expect, test} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
let viewerToken: string
let contributorToken: string

beforeAll(async () => {
  lake = await startTestLake()
  const auth = lake.server.lake.auth!.store
  viewerToken = (await auth.createToken({label: 'viewer', role: 'viewer'})).token
  contributorToken = (await auth.createToken({label: 'contributor', role: 'contributor'})).token
  await lake.client().create({_id: 'pub', _type: 'article', title: 'published'})
})
afterAll(() => lake.close())

const api = (path: string, init: RequestInit = {}) => fetch(`${lake.url}/v2025-02-19${path}`, init)
const bearer = (token: string) => ({authorization: `Bearer ${token}`})

test('ping answers on /v2025-03-01/ping', async () => {
  const res = await fetch(`${lake.url}/v2025-03-01/ping`)
  expect(res.status).toBe(200)
})

test('a dataset file appears on its first write, not on a read', async () => {
  const file = join(lake.dataDir, 'datasets', 'fresh.sqlite')
  const read = await lake.client({dataset: 'fresh'}).fetch('count(*)')
  expect(read).toBe(0)
  expect(existsSync(file)).toBe(false)
  await lake.client({dataset: 'fresh'}).create({_id: 'x', _type: 'a'})
  expect(existsSync(file)).toBe(true)
})

test('invalid dataset names are a 400', async () => {
  for (const name of ['Upper', '-dash', 'x'.repeat(65), 'dot.name']) {
    const res = await api(`/data/query/${name}?query=1`, {headers: bearer(lake.token)})
    expect(res.status).toBe(400)
  }
})

test('writes without a token are a 401 in the Boom body shape', async () => {
  const res = await api('/data/mutate/test', {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({mutations: [{create: {_id: 'anon', _type: 'a'}}]}),
  })
  expect(res.status).toBe(401)
  expect(await res.json()).toMatchObject({statusCode: 401, error: 'Unauthorized'})
  const actions = await api('/data/actions/test', {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({actions: []}),
  })
  expect(actions.status).toBe(401)
})

test('an unknown token is a 401 even for reads', async () => {
  const res = await api('/data/query/test?query=1', {headers: bearer('sk-not-a-token')})
  expect(res.status).toBe(401)
})

test('a viewer reads but cannot write (403)', async () => {
  const viewer = lake.client({token: viewerToken})
  expect(await viewer.fetch('*[_id == "pub"][0].title')).toBe('published')
  const err = await viewer.create({_id: 'by-viewer', _type: 'a'}).catch((e) => e)
  expect(err.statusCode).toBe(403)
})

test('a contributor writes drafts but cannot publish', async () => {
  const contributor = lake.client({token: contributorToken})
  const action = (actionType: string, extra: object) =>
    contributor.request({
      method: 'POST',
      uri: '/data/actions/test',
      body: {actions: [{actionType: `sanity.action.document.${actionType}`, ...extra}]},
    })
  await action('edit', {draftId: 'drafts.pub', publishedId: 'pub', patch: {set: {title: 'c'}}})
  const err = await action('publish', {draftId: 'drafts.pub', publishedId: 'pub'}).catch((e) => e)
  expect(err.statusCode).toBe(403)
  expect((await lake.client().getDocument('pub'))?.title).toBe('published')
})

test('anonymous readers see nothing of a private dataset; doc reports permission', async () => {
  const res = await api('/data/query/test?query=count(*)&perspective=raw')
  expect((await res.json()).result).toBe(0)
  const doc = await api('/data/doc/test/pub')
  expect(await doc.json()).toEqual({documents: [], omitted: [{id: 'pub', reason: 'permission'}]})
})

test('the Host subdomain and X-Sanity-Project-ID play no part in routing', async () => {
  const url = new URL(lake.url)
  const res = await fetch(`${lake.url}/v2025-02-19/data/query/test?query=1`, {
    headers: {...bearer(lake.token), host: `local.${url.host}`, 'x-sanity-project-id': 'other'},
  })
  expect(res.status).toBe(200)
  const vX = await fetch(`${lake.url}/vX/data/query/test?query=1`, {headers: bearer(lake.token)})
  expect((await vX.json()).result).toBe(1)
})

test('unknown routes are a 404 in the Boom shape; bad JSON bodies a 400', async () => {
  const res = await api('/data/nothing/test')
  expect(res.status).toBe(404)
  expect(await res.json()).toMatchObject({statusCode: 404, error: 'Not Found'})
  const bad = await api('/data/mutate/test', {
    method: 'POST',
    headers: {...bearer(lake.token), 'content-type': 'application/json'},
    body: '{not json',
  })
  expect(bad.status).toBe(400)
})

test('mutation errors carry items with index for @sanity/client', async () => {
  const res = await api('/data/mutate/test', {
    method: 'POST',
    headers: {...bearer(lake.token), 'content-type': 'application/json'},
    body: JSON.stringify({
      mutations: [{create: {_id: 'ok-1', _type: 'a'}}, {create: {_id: 'pub', _type: 'a'}}],
    }),
  })
  expect(res.status).toBe(409)
  const body = await res.json()
  expect(body.error.type).toBe('mutationError')
  expect(body.error.items[0]).toMatchObject({index: 1, error: {type: 'documentAlreadyExistsError'}})
})
