/**
 * Public datasets: the access matrix for anonymous callers. Private (the default): nothing to read,
 * listeners refused. Public (`npm run lake -- datasets visibility NAME public`): published documents
 * only, through query (every perspective), doc, listen and export; never drafts or release versions.
 */
import type {SanityClient} from '@sanity/client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCommand} from '../../../kit/cli.ts'
import {lakeCommand} from '../../../lake/cli.ts'
import {captureIo} from '../../helpers/io.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {openSse} from '../listen/listeners.ts'

let lake: TestLake
let editor: SanityClient
const DATASET = 'test'

beforeAll(async () => {
  lake = await startTestLake()
  editor = lake.client()
  await editor
    .transaction()
    .createOrReplace({_id: 'story', _type: 'article', title: 'প্রকাশিত'})
    .createOrReplace({_id: 'drafts.story', _type: 'article', title: 'খসড়া'})
    .createOrReplace({_id: 'drafts.unpublished', _type: 'article', title: 'শুধু খসড়া'})
    .createOrReplace({_id: 'versions.rel.story', _type: 'article', title: 'রিলিজ'})
    // Under a sub-path (an id with a dot): a release (its title may be an embargoed story's) and a
    // desk's own note.
    .createOrReplace({
      _id: '_.releases.rel',
      _type: 'system.release',
      name: 'rel',
      metadata: {title: 'এমবার্গো'},
    })
    .createOrReplace({_id: 'desk.note', _type: 'note', title: 'ডেস্কের নোট'})
    .commit()
})
afterAll(() => lake?.close())

/** `npm run lake -- datasets …` for the test lake's data folder, in-process. */
async function cli(...args: string[]) {
  const io = captureIo({env: {}})
  const status = await runCommand(lakeCommand, ['datasets', ...args, '--data', lake.dataDir], io)
  return {status, stdout: io.out(), stderr: io.err()}
}

async function setVisibility(value: 'public' | 'private') {
  // The command a newsroom runs, against the running lake's data folder.
  const {status, stdout} = await cli('visibility', DATASET, value)
  expect(status).toBe(0)
  expect(stdout).toContain(value)
  // The running lake re-reads the setting within a second.
  await new Promise((resolve) => setTimeout(resolve, 300))
}

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${lake.url}/v2025-02-19${path}`, {headers})

async function anonymousQuery(query: string, perspective: string) {
  const res = await get(
    `/data/query/${DATASET}?query=${encodeURIComponent(query)}&perspective=${perspective}`,
  )
  expect(res.status).toBe(200)
  return ((await res.json()) as {result: unknown}).result
}

const TITLES = '*[_type == "article"] | order(_id) {_id, title}'

describe('a private dataset (the default)', () => {
  it('shows anonymous callers nothing and refuses their listeners', async () => {
    expect((await cli('visibility', DATASET)).stdout).toBe('private\n')
    for (const perspective of ['published', 'drafts', 'raw']) {
      expect(await anonymousQuery(TITLES, perspective)).toEqual([])
    }
    const doc = await (await get(`/data/doc/${DATASET}/story`)).json()
    expect(doc).toEqual({documents: [], omitted: [{id: 'story', reason: 'permission'}]})
    const listen = await get(`/data/listen/${DATASET}?query=*`)
    expect(listen.status).toBe(401)
    await listen.body?.cancel()
    const anonymous = lake.client({token: undefined, useCdn: true})
    expect(await anonymous.fetch('count(*)')).toBe(0)
  })
})

describe('a public dataset', () => {
  beforeAll(() => setVisibility('public'))
  afterAll(() => setVisibility('private'))

  it('answers anonymous queries with published documents in every perspective', async () => {
    const published = [{_id: 'story', title: 'প্রকাশিত'}]
    for (const perspective of ['published', 'drafts', 'raw', 'rel']) {
      expect(await anonymousQuery(TITLES, perspective)).toEqual(published)
      // The shapes the planner answers in SQL (counts, ordered slices): a group whose draft or
      // release version the caller may not read shows its published document, not nothing.
      expect(await anonymousQuery('count(*[_type == "article"])', perspective)).toBe(1)
      expect(
        await anonymousQuery(
          '*[_type == "article"] | order(title desc) [0...5] {_id, title}',
          perspective,
        ),
      ).toEqual(published)
    }
    const anonymous = lake.client({token: undefined, useCdn: true})
    expect(await anonymous.fetch('*[_type == "article"].title')).toEqual(['প্রকাশিত'])
    // An editor still sees the drafts.
    expect(await editor.fetch(TITLES, {}, {perspective: 'drafts'})).toHaveLength(2)
  })

  it('never shows anonymous callers a document under a sub-path (an id with a dot)', async () => {
    // Hosted Sanity's fixed rule: anonymous callers read documents under the root path only, so
    // no release, no `_.` system document and no `desk.note` is public.
    for (const perspective of ['published', 'drafts', 'raw', 'rel']) {
      expect(await anonymousQuery('*[_type != "article"]._id', perspective)).toEqual([])
      expect(await anonymousQuery('count(*)', perspective)).toBe(1)
      expect(await anonymousQuery('count(*[_type == "note"])', perspective)).toBe(0)
      expect(await anonymousQuery('releases::all()', perspective)).toEqual([])
      expect(await anonymousQuery('*[_id == "desk.note"][0]', perspective)).toBe(null)
    }
    const res = await get(`/data/doc/${DATASET}/desk.note,_.releases.rel`)
    expect(await res.json()).toEqual({
      documents: [],
      omitted: [
        {id: 'desk.note', reason: 'permission'},
        {id: '_.releases.rel', reason: 'permission'},
      ],
    })
    // The editor reads them.
    expect(await editor.fetch('count(*[_id in ["desk.note", "_.releases.rel"]])')).toBe(2)
  })

  it('gives anonymous doc reads published documents only', async () => {
    const res = await get(`/data/doc/${DATASET}/story,drafts.story,versions.rel.story`)
    expect(await res.json()).toEqual({
      documents: [expect.objectContaining({_id: 'story', title: 'প্রকাশিত'})],
      omitted: [
        {id: 'drafts.story', reason: 'permission'},
        {id: 'versions.rel.story', reason: 'permission'},
      ],
    })
  })

  it('streams published changes to anonymous listeners, never draft or version changes', async () => {
    const listener = await openSse(
      `${lake.url}/v2025-02-19/data/listen/${DATASET}?query=${encodeURIComponent('*[_type == "article"]')}&includeResult=true&includeAllVersions=true`,
    )
    expect(listener.status).toBe(200)
    await listener.until((m) => m.some((x) => x.event === 'welcome'))
    await editor.patch('drafts.story').set({title: 'খসড়া ২'}).commit()
    await editor.patch('versions.rel.story').set({title: 'রিলিজ ২'}).commit()
    await editor.patch('story').set({title: 'প্রকাশিত ২'}).commit()
    const messages = await listener.until((m) => m.some((x) => x.event === 'mutation'))
    const mutations = messages.filter((m) => m.event === 'mutation').map((m) => JSON.parse(m.data!))
    expect(mutations.map((m) => m.documentId)).toEqual(['story'])
    expect(mutations[0].result.title).toBe('প্রকাশিত ২')
    listener.close()
  })

  it('exports published documents only to anonymous callers', async () => {
    const text = await (await get(`/data/export/${DATASET}`)).text()
    const ids = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)._id)
    expect(ids).toEqual(['story'])
  })

  it('still refuses anonymous writes and history', async () => {
    const res = await fetch(`${lake.url}/v2025-02-19/data/mutate/${DATASET}`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({mutations: [{create: {_type: 'article', title: 'x'}}]}),
    })
    expect(res.status).toBe(401)
    await res.body?.cancel()
    const history = await get(`/data/history/${DATASET}/transactions/story`)
    expect(history.status).toBeGreaterThanOrEqual(401)
    await history.body?.cancel()
  })

  it('reports its aclMode to the Studio', async () => {
    const res = await fetch(`${lake.url}/v2025-02-19/projects/local/datasets`, {
      headers: {authorization: `Bearer ${lake.token}`},
    })
    const datasets = (await res.json()) as {name: string; aclMode: string}[]
    expect(datasets.find((d) => d.name === DATASET)?.aclMode).toBe('public')
  })

  it('applies only to the dataset it was set on', async () => {
    await lake.client({dataset: 'other'}).create({_id: 'o', _type: 'article', title: 'অন্য'})
    const res = await get(`/data/query/other?query=${encodeURIComponent('count(*)')}`)
    expect(((await res.json()) as {result: number}).result).toBe(0)
  })
})

describe('the datasets command', () => {
  it('refuses unknown values and bad names with a usage error', async () => {
    for (const args of [
      ['visibility', DATASET, 'open'],
      ['visibility', 'Bad Name', 'public'],
      ['publicity', DATASET],
    ]) {
      const {status, stderr} = await cli(...args)
      expect(status).toBe(2)
      expect(stderr).toMatch(/--help/)
    }
  })
})
