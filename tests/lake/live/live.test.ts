/**
 * The Live Content API: `syncTags` on query responses and `/data/live/events/{dataset}`, through
 * the real @sanity/client (`client.live.events()`) and raw SSE where the client hides the wire.
 */
import type {LiveEvent, SanityClient} from '@sanity/client'
import {firstValueFrom, take, toArray, type Subscription} from 'rxjs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {openSse} from '../listen/listeners.ts'

let lake: TestLake
let editor: SanityClient
let anonymous: SanityClient
const DATASET = 'test'
const LIVE_URL = () => `${lake.url}/vX/data/live/events/${DATASET}`

beforeAll(async () => {
  lake = await startTestLake()
  editor = lake.client({apiVersion: 'vX'})
  anonymous = lake.client({apiVersion: 'vX', token: undefined})
})
afterAll(() => lake?.close())

const LATEST = '*[_type == "article"] | order(title asc) {title}'

async function syncTagsOf(client: SanityClient, query: string, perspective = 'published') {
  const response = await client.fetch(query, {}, {filterResponse: false, perspective} as never)
  return (response as unknown as {syncTags: string[]}).syncTags
}

/**
 * Once the lake's re-checks after the latest commit are done (`settled`): every announcement they
 * made has been sent. Waits on the lake's work, not a fixed time: a round re-runs the remembered
 * questions on query threads, 10 nice steps down, which a loaded machine (or a pool starting
 * cold) stretches by seconds. The tests allowed it 5 s, and 3 of them once failed at load beside
 * the security suite; with every round made 6 s slower, 5 failed on those waits and none on these.
 */
const settled = (on: TestLake = lake) => on.server.lake.context.live.settled(DATASET)

/** How long a message the lake has sent may take to reach this process's client: a hang guard. */
const DELIVERY_MS = 10_000

/** Collects live events from the client until unsubscribed. */
function collect(client: SanityClient, includeDrafts = false, on: TestLake = lake) {
  const events: LiveEvent[] = []
  let subscription: Subscription
  const welcomed = new Promise<void>((resolve, reject) => {
    subscription = client.live.events({includeDrafts}).subscribe({
      next: (event) => {
        events.push(event)
        if (event.type === 'welcome') resolve()
      },
      error: reject,
    })
  })
  /** The message announcing `tag`, once the lake's re-checks are done and it was delivered. */
  const messageWith = async (tag: string) => {
    await settled(on)
    const sent = Date.now()
    return new Promise<LiveEvent>((resolve, reject) => {
      const poll = () => {
        const found = events.find((e) => e.type === 'message' && e.tags.includes(tag as never))
        if (found) return resolve(found)
        if (Date.now() - sent > DELIVERY_MS) {
          return reject(new Error(`no message with ${tag}: ${JSON.stringify(events)}`))
        }
        setTimeout(poll, 10)
      }
      poll()
    })
  }
  return {events, welcomed, messageWith, stop: () => subscription.unsubscribe()}
}

describe('syncTags on query responses', () => {
  it('are present from v2021-03-25 and absent before', async () => {
    const tags = await syncTagsOf(editor, '*[_type == "article"]')
    expect(tags).toHaveLength(1)
    expect(tags[0]).toMatch(/^s1:[\w-]{16}$/)
    const old = await lake.client({apiVersion: '2021-03-24'}).fetch('count(*)', {}, {
      filterResponse: false,
    } as never)
    expect(old).not.toHaveProperty('syncTags')
  })

  it('for a question too large to remember are its class’s, told after every commit that could change it', async () => {
    // Over a tenth of the remembered questions' characters (a parameter may be a mebibyte): not
    // remembered, so it cannot be re-run; with no tag a cache (next-sanity's) keeps it for ever.
    const large = async (p: string) =>
      (
        (await editor.fetch('count(*[title == $p])', {p}, {
          filterResponse: false,
        } as never)) as unknown as {result: number; syncTags: string[]}
      ).syncTags
    const [tag] = await large('ক'.repeat(300_000))
    expect(tag).toMatch(/^s1:[\w-]{16}$/)
    expect(await large('খ'.repeat(300_000))).toEqual([tag])
    const live = collect(editor)
    await live.welcomed
    await editor.create({_type: 'article', title: 'ঘ খবর'})
    await live.messageWith(tag!)
    live.stop()
  })

  it('name the question, so every cached copy of an answer carries the same tag', async () => {
    const before = await syncTagsOf(editor, LATEST)
    expect(await syncTagsOf(editor, LATEST)).toEqual(before)
    await editor.create({_type: 'article', title: 'ক খবর'})
    // A cache holding the answer from before the publish is told through this same tag.
    expect(await syncTagsOf(editor, LATEST)).toEqual(before)
    expect(await syncTagsOf(editor, `${LATEST}[0]`)).not.toEqual(before)
  })

  it('differ between callers who see different documents', async () => {
    await editor.createOrReplace({_id: 'drafts.only-draft', _type: 'article', title: 'খসড়া'})
    const drafts = await syncTagsOf(editor, LATEST, 'drafts')
    const published = await syncTagsOf(editor, LATEST, 'published')
    expect(drafts).not.toEqual(published)
  })
})

describe('client.live.events()', () => {
  it('keeps telling a cache that missed an announcement (the tag is stable)', async () => {
    const [tag] = await syncTagsOf(editor, LATEST)
    // A publish while no stream listens, then the question is asked again (new answer, same tag).
    await editor.create({_type: 'article', title: 'জ খবর'})
    await settled()
    expect(await syncTagsOf(editor, LATEST)).toEqual([tag])
    const live = collect(anonymous)
    await live.welcomed
    await editor.create({_type: 'article', title: 'ঝ খবর'})
    await live.messageWith(tag!)
    live.stop()
  })

  it('tells a cached query to revalidate after a publish that changes its result', async () => {
    const [tag] = await syncTagsOf(
      anonymous,
      '*[_type == "article"] | order(title desc)[0...3]{title}',
    )
    // Anonymous reads of a private dataset see nothing; its answer still gets a tag.
    const live = collect(anonymous)
    await live.welcomed
    const [editorTag] = await syncTagsOf(editor, LATEST)
    await editor.create({_type: 'article', title: 'খ নতুন খবর'})
    await live.messageWith(editorTag)
    // The anonymous answer (empty, private dataset) did not change, so its tag was not announced.
    expect(live.events.some((e) => e.type === 'message' && e.tags.includes(tag as never))).toBe(
      false,
    )
    live.stop()
  })

  it('announces nothing for a commit that changes no remembered answer', async () => {
    const [tag] = await syncTagsOf(editor, LATEST)
    const live = collect(editor)
    await live.welcomed
    await editor.create({_type: 'source', name: 'সমকাল'})
    await settled()
    expect(live.events.filter((e) => e.type === 'message')).toEqual([])
    await editor.create({_type: 'article', title: 'গ খবর'})
    const message = await live.messageWith(tag)
    expect(message).toMatchObject({type: 'message', id: expect.any(String)})
    live.stop()
  })

  it('announces draft answers only to streams with includeDrafts', async () => {
    const [draftTag] = await syncTagsOf(editor, LATEST, 'drafts')
    const [publishedTag] = await syncTagsOf(editor, LATEST)
    const published = collect(anonymous)
    const drafts = collect(editor, true)
    await Promise.all([published.welcomed, drafts.welcomed])
    await editor.createOrReplace({_id: 'drafts.typing', _type: 'article', title: 'ঘ লিখছি'})
    await drafts.messageWith(draftTag)
    await settled()
    expect(published.events.filter((e) => e.type === 'message')).toEqual([])
    // The published answer did not change with a draft edit.
    expect(
      drafts.events.some((e) => e.type === 'message' && e.tags.includes(publishedTag as never)),
    ).toBe(false)
    published.stop()
    drafts.stop()
  })

  it('needs a token that may read drafts for includeDrafts', async () => {
    expect(() => anonymous.live.events({includeDrafts: true})).toThrow(/token/)
    const res = await fetch(`${LIVE_URL()}?includeDrafts=true`, {
      headers: {accept: 'text/event-stream'},
    })
    expect(res.status).toBe(401)
    await res.body?.cancel()
    const viewerToken = await lake.server.lake.auth!.store.createToken({label: 'v', role: 'viewer'})
    const viewer = lake.client({apiVersion: 'vX', token: viewerToken.token})
    const events = await firstValueFrom(
      viewer.live.events({includeDrafts: true}).pipe(take(1), toArray()),
    )
    expect(events).toMatchObject([{type: 'welcome'}])
  })
})

describe('the events stream on the wire', () => {
  it('resumes after Last-Event-ID and restarts from an unknown position', async () => {
    const [tag] = await syncTagsOf(editor, LATEST)
    const first = await openSse(LIVE_URL(), {accept: 'text/event-stream'})
    expect(first.status).toBe(200)
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/)
    await editor.create({_type: 'article', title: 'ঙ খবর'})
    const withTag = (tagged: string) => (x: {event?: string; data?: string}) =>
      x.event === 'message' && (JSON.parse(x.data!) as {tags: string[]}).tags.includes(tagged)
    await settled()
    await first.until((m) => m.some(withTag(tag)), DELIVERY_MS)
    expect(first.messages[0]).toMatchObject({event: 'welcome'})
    const message = first.messages.find(withTag(tag))!
    first.close()

    // Two publishes while disconnected, each changing the remembered answer.
    const [tag2] = await syncTagsOf(editor, LATEST)
    await editor.create({_type: 'article', title: 'চ খবর'})
    await settled()
    const [tag3] = await syncTagsOf(editor, LATEST)
    await editor.create({_type: 'article', title: 'ছ খবর'})
    await settled()

    const resumed = await openSse(LIVE_URL(), {'last-event-id': message.id!})
    // Both publishes' announcements of the question, replayed. (More is allowed: a question whose
    // re-run found the dataset's re-run credit spent, a cold pool's start say, is announced
    // without one, and its changed answer again when asked; see recheckBudget.test.ts.)
    expect(tag3).toBe(tag2)
    const replay = await resumed.until((m) => m.filter(withTag(tag2)).length >= 2)
    expect(replay.filter(withTag(tag2)).length).toBeGreaterThanOrEqual(2)
    expect(replay.some((m) => m.event === 'restart')).toBe(false)
    resumed.close()

    for (const bogus of ['not-an-id', '00000000-1', `${message.id!.split('-')[0]}-999999`]) {
      const restarted = await openSse(LIVE_URL(), {'last-event-id': bogus})
      const got = await restarted.until((m) => m.some((x) => x.event === 'restart'))
      expect(got.find((m) => m.event === 'restart')!.id).toMatch(/^[0-9a-f]{8}-\d+$/)
      restarted.close()
    }
  })

  it('answers 406 when the client does not accept an event stream, 400 for a bad dataset', async () => {
    const res = await fetch(LIVE_URL(), {headers: {accept: 'application/json'}})
    expect(res.status).toBe(406)
    expect(await res.json()).toMatchObject({message: expect.stringMatching(/text\/event-stream/)})
    const bad = await fetch(`${lake.url}/vX/data/live/events/Bad!Name`)
    expect(bad.status).toBe(400)
    await bad.body?.cancel()
  })

  it('forgets the least recently asked answers by announcing their tags', async () => {
    const live = lake.server.lake.context.live
    const sub = live.subscribe('bounded', {includeDrafts: false, send: () => {}}, null)
    const announced: string[][] = []
    const watcher = live.subscribe(
      'bounded',
      {
        includeDrafts: false,
        send: (m) => announced.push(m.tags),
      },
      null,
    )
    const tags: string[] = []
    for (let i = 0; i < 502; i++) {
      const rerun = async () => ({json: `${i}`, cpuMs: 1})
      tags.push(
        live.remember(
          'bounded',
          {key: `q${i}`, tagClass: 'published', rerun},
          `${i}`,
          live.generation('bounded'),
        ),
      )
    }
    expect(announced.flat()).toEqual([tags[0], tags[1]])
    sub.unsubscribe()
    watcher.unsubscribe()
  })
})

describe('after a restart', () => {
  it('still tells a cache of an answer from before the restart that it changed', async () => {
    // A website prerendered its front page (viewer token, published perspective) against this
    // lake; then the lake restarted. The cached page never asks again: only the lake can tell it.
    const first = await startTestLake()
    const {token: viewerToken} = await first.server.lake.auth!.store.createToken({
      label: 'website',
      role: 'viewer',
    })
    const viewer = first.client({apiVersion: 'vX', token: viewerToken})
    const query = '*[_type == "article"] | order(title asc) {title}'
    await first.client().create({_type: 'article', title: 'ক আগের খবর'})
    const [pageTag] = await syncTagsOf(viewer, query)
    const [draftTag] = await syncTagsOf(first.client({apiVersion: 'vX'}), query, 'drafts')
    await first.close({keepData: true})

    const restarted = await startTestLake({dataDir: first.dataDir})
    try {
      const editor = restarted.client({apiVersion: 'vX'})
      const live = collect(editor, true, restarted)
      await live.welcomed
      await editor.create({_type: 'article', title: 'খ নতুন খবর'})
      expect((await live.messageWith(pageTag!)).type).toBe('message')
      // Draft questions come back too, for includeDrafts streams.
      await live.messageWith(draftTag!)
      // The revived question has the same tag and keeps being answered with it.
      const answer = (await restarted
        .client({apiVersion: 'vX', token: viewerToken})
        .fetch(query, {}, {filterResponse: false} as never)) as unknown as {syncTags: string[]}
      expect(answer.syncTags).toEqual([pageTag])
      live.stop()
    } finally {
      await restarted.close()
    }
    // A hang guard: two lakes' starts, and the restarted one's query threads starting cold at
    // their nice level (over a minute at load 30, queries.test.ts).
  }, 180_000)
})
