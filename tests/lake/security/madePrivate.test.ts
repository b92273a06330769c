/**
 * A public dataset made private again: what anonymous callers opened while it was public ends, as
 * a revoked token's streams do (lake/auth/revocation.ts). Before, an anonymous listener kept
 * receiving every published mutation, whole documents included, after the change.
 */
import type {SanityClient} from '@sanity/client'
import {renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'
import {openVisibility} from '../../../lake/datasets/visibility.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {openSse, type SseMessage, type SseReader} from '../listen/listeners.ts'

const API = '/v2025-02-19'
const DATASET = 'pub'
let lake: TestLake
let editor: SanityClient
let admin: string

beforeAll(async () => {
  lake = await startTestLake()
  ;({token: admin} = await lake.server.lake.auth!.store.createToken({
    label: 'admin',
    role: 'administrator',
  }))
  editor = lake.client({dataset: DATASET})
  await editor.createOrReplace({_id: 'p1', _type: 'article', title: 'প্রকাশিত'})
})
afterAll(() => lake?.close())

/** As an administrator's client.datasets.edit: the Studio's and the HTTP API's way. */
async function setAclMode(aclMode: 'public' | 'private') {
  const res = await fetch(`${lake.url}${API}/datasets/${DATASET}`, {
    method: 'PATCH',
    headers: {authorization: `Bearer ${admin}`, 'content-type': 'application/json'},
    body: JSON.stringify({aclMode}),
  })
  expect(await res.json()).toMatchObject({datasetName: DATASET, aclMode})
}

const welcomed = (reader: SseReader) =>
  reader.until((messages) => messages.some((m) => m.event === 'welcome'))
const disconnect = (messages: SseMessage[]) => messages.find((m) => m.event === 'disconnect')

describe('a dataset made private', () => {
  it('sends anonymous listeners `disconnect` and ends them; live event streams stay', async () => {
    await setAclMode('public')
    // A query's sync tag, which a published change announces on the live event stream.
    const asked = await editor.fetch('*[_id == "p1"]{title}', {}, {filterResponse: false} as never)
    const [tag] = (asked as unknown as {syncTags: string[]}).syncTags
    const listener = await openSse(
      `${lake.url}${API}/data/listen/${DATASET}?query=*&includeResult=true`,
    )
    const live = await openSse(`${lake.url}${API}/data/live/events/${DATASET}`)
    expect([listener.status, live.status]).toEqual([200, 200])
    await Promise.all([welcomed(listener), welcomed(live)])
    // A signed-in listener of the same dataset is left alone.
    const signedIn = await openSse(`${lake.url}${API}/data/listen/${DATASET}?query=*`, {
      authorization: `Bearer ${lake.token}`,
    })
    await welcomed(signedIn)

    await setAclMode('private')
    const messages = await listener.until((m) => disconnect(m) !== undefined, 5_000)
    expect(JSON.parse(disconnect(messages)!.data!).reason).toMatch(/private/)
    await listener.closed()
    await editor.patch('p1').set({title: 'গোপন'}).commit()
    const heard = await signedIn.until((m) => m.some((x) => x.event === 'mutation'))
    expect(disconnect(heard)).toBeUndefined()
    expect(listener.messages.filter((m) => m.event === 'mutation')).toEqual([])
    signedIn.close()
    // Live event streams carry opaque tags, and an anonymous one is accepted on a private dataset
    // (routes/live.ts); @sanity/client does not reconnect after `disconnect`: ending them would
    // stop every open page for nothing. This one goes on to announce the change.
    const announced = await live.until((m) =>
      m.some((x) => x.event === 'message' && JSON.parse(x.data!).tags.includes(tag)),
    )
    expect(disconnect(announced)).toBeUndefined()
    live.close()

    // Opened again (@sanity/client reconnects only on errors, not `disconnect`): refused.
    const again = await fetch(`${lake.url}${API}/data/listen/${DATASET}?query=*`)
    expect(again.status).toBe(401)
    await again.body?.cancel()
  })

  it('ends anonymous listeners when the dataset is made private and public again between two checks', async () => {
    await setAclMode('public')
    const before = await openSse(
      `${lake.url}${API}/data/listen/${DATASET}?query=*&includeResult=true`,
    )
    expect(before.status).toBe(200)
    await welcomed(before)
    // `npm run lake -- datasets visibility` twice, as its command writes the file, with no turn of
    // the event loop between: the lake's checks, every 200 ms, never find the dataset private.
    const cli = openVisibility(lake.dataDir)
    cli.set(DATASET, 'private')
    cli.set(DATASET, 'public')
    // Opened once it was public again: it was never given what a private dataset holds.
    const after = await openSse(
      `${lake.url}${API}/data/listen/${DATASET}?query=*&includeResult=true`,
    )
    expect(after.status).toBe(200)
    await welcomed(after)

    const messages = await before.until((m) => disconnect(m) !== undefined, 5_000)
    expect(JSON.parse(disconnect(messages)!.data!).reason).toMatch(/private/)
    await editor.patch('p1').set({title: 'আবার প্রকাশিত'}).commit()
    const heard = await after.until((m) => m.some((x) => x.event === 'mutation'))
    expect(disconnect(heard)).toBeUndefined()
    after.close()
  })

  it('refuses an anonymous listener whose filter was being compiled when the dataset was made private', async () => {
    await setAclMode('public')
    const context = lake.server.lake.context
    const dataset = context.dataset
    // The caller was judged a public reader; the switch, and the watcher's pass over the open
    // streams (which this listener is not yet among), happen while its filter is compiled (on a
    // query thread, up to filterWaitMs). The watcher acts on a change only: it would not end it.
    context.dataset = (name) => {
      const service = dataset(name)
      return Object.assign(Object.create(service) as typeof service, {
        async listen(...args: Parameters<typeof service.listen>) {
          await setAclMode('private')
          return service.listen(...args)
        },
      })
    }
    let late
    try {
      late = await fetch(`${lake.url}${API}/data/listen/${DATASET}?query=*&includeResult=true`)
    } finally {
      context.dataset = dataset
    }
    expect(late.status).toBe(401)
    expect(((await late.json()) as {message: string}).message).toMatch(/private/)
  })

  // As revocation.test.ts's export case: 3,000 documents committed first (about 25 s at load
  // 21-30), though nothing here waits on a clock.
  it('ends an anonymous export in flight with an error line; the rest is not sent', async () => {
    await setAclMode('public')
    const body = 'সংবাদ '.repeat(200)
    const tx = editor.transaction()
    for (let i = 0; i < 3_000; i++) tx.createOrReplace({_id: `bulk-${i}`, _type: 'bulk', body})
    await tx.commit()
    const res = await fetch(`${lake.url}${API}/data/export/${DATASET}?types=bulk`)
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = decoder.decode((await reader.read()).value, {stream: true})
    await setAclMode('private')
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += decoder.decode(chunk.value, {stream: true})
    }
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    const documents = lines.filter((line) => line._type === 'bulk')
    expect(documents.length).toBeGreaterThan(0)
    expect(documents.length).toBeLessThan(3_000)
    expect(lines.at(-1)).toMatchObject({statusCode: 401})
  }, 120_000)

  it('keeps the last settings read while visibility.json is missing or does not parse', async () => {
    await setAclMode('public')
    const file = join(lake.dataDir, 'datasets', 'visibility.json')
    // What an anonymous caller is answered: p1 counted while the dataset is public.
    const anonymousCount = async () => {
      const res = await fetch(`${lake.url}${API}/data/query/${DATASET}?query=count(*[_id == "p1"])`)
      return `${res.status} ${JSON.stringify(((await res.json()) as {result?: unknown}).result)}`
    }
    expect(await anonymousCount()).toBe('200 1')
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      // A hand edit caught half-saved, then an editor's save by rename caught in between.
      writeFileSync(file, '{"pub": {"aclMode": "pub')
      await expect.poll(() => errors.mock.calls.length, {timeout: 5_000}).toBeGreaterThan(0)
      expect(await anonymousCount()).toBe('200 1')
      renameSync(file, `${file}.saving`)
      await expect
        .poll(() => errors.mock.calls.flat().join(' '), {timeout: 5_000})
        .toMatch(/missing/)
      expect(await anonymousCount()).toBe('200 1')
      expect(errors.mock.calls.flat().join(' ')).toMatch(/last settings/)
    } finally {
      errors.mockRestore()
    }
    renameSync(`${file}.saving`, file)
    await setAclMode('private')
    expect(await anonymousCount()).toBe('200 0')
  })
})
