/**
 * The lake's root, `GET /` and `HEAD /`: what `npm run dev` prints as the lake's address, so what a
 * newcomer opens first. It says what this is and where to go (the API's paths, the Studio when the
 * lake was told its address, the documentation), to anonymous callers, and nothing more: no
 * dataset names (a private dataset's name is the caller's to know), no token, no data folder.
 */
import {readFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, TEST_ADMIN, type TestLake} from '../../helpers/lake.ts'

const PACKAGE = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))
const STUDIO = 'http://localhost:4333'
/** Written to, and one of them made public, before the root is read. */
const DATASETS = ['newsdesk-private', 'newsdesk-public']

interface Root {
  name: string
  version: string
  api: Record<string, string>
  studio?: string
  docs: string
}

let lake: TestLake
let told: TestLake

beforeAll(async () => {
  lake = await startTestLake()
  told = await startTestLake({tls: false, serverOptions: {studioUrl: STUDIO}})
  for (const dataset of DATASETS) {
    await lake.client({dataset}).create({_type: 'article', title: 'শিরোনাম'})
  }
  lake.server.lake.context.visibility.set('newsdesk-public', 'public')
})

afterAll(async () => {
  await lake?.close()
  await told?.close()
})

async function root(of: TestLake, init?: RequestInit): Promise<{res: Response; text: string}> {
  const res = await fetch(`${of.url}/`, init)
  return {res, text: await res.text()}
}

describe('the root of the lake', () => {
  it('answers an anonymous GET with 200 and JSON saying what this is and where to go', async () => {
    const {res, text} = await root(lake)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const body = JSON.parse(text) as Root
    expect(body.name).toMatch(/local Content Lake/)
    expect(body.version).toBe(PACKAGE.version)
    expect(body.api.query).toBe('/v2025-02-19/data/query/<dataset>?query=<GROQ>')
    expect(body.docs).toBe('docs/lake-api.md')
    // Not told the Studio's address: it does not guess one.
    expect(body).not.toHaveProperty('studio')
  })

  it('names paths the lake serves', async () => {
    const body = JSON.parse((await root(lake)).text) as Root
    const paths = Object.values(body.api).filter((value) => value.startsWith('/v'))
    expect(paths.length).toBeGreaterThanOrEqual(2)
    for (const path of paths) {
      const url = path
        .replace('<dataset>', 'newsdesk-public')
        .replace('<GROQ>', encodeURIComponent('count(*)'))
        .replace('<id>', 'some-id')
      const res = await fetch(`${lake.url}${url}`)
      expect(res.status, url).toBe(200)
    }
  })

  it('gives the Studio address the lake was told, and answers HEAD without a body', async () => {
    const body = JSON.parse((await root(told)).text) as Root
    expect(body.studio).toBe(STUDIO)
    const {res, text} = await root(told, {method: 'HEAD'})
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(text).toBe('')
  })

  it('tells an anonymous caller no dataset name, token, account or data folder', async () => {
    const {text} = await root(lake)
    for (const secret of [...DATASETS, 'production', lake.token, TEST_ADMIN.email, lake.dataDir]) {
      expect(text).not.toContain(secret)
    }
  })

  it('is the same for a signed-in caller, and a bad token is a 401 as everywhere', async () => {
    const signedIn = await root(lake, {headers: {authorization: `Bearer ${lake.token}`}})
    expect(signedIn.res.status).toBe(200)
    expect(signedIn.text).toBe((await root(lake)).text)
    const bad = await root(lake, {headers: {authorization: 'Bearer not-a-token'}})
    expect(bad.res.status).toBe(401)
  })

  it('still answers 404 to other methods and paths outside the API', async () => {
    expect((await fetch(`${lake.url}/`, {method: 'POST'})).status).toBe(404)
    expect((await fetch(`${lake.url}/index.html`)).status).toBe(404)
  })
})
