/**
 * The listener on the wire: stream format, parameter and auth errors before the stream opens,
 * channelError for bad filters and keep-alive comments (a lake that stops: restart.test.ts).
 */
import {ChannelError} from '@sanity/client'
import {describe, expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {collect, dataOf, openSse} from './listeners.ts'

const lake = useTestLake()
const client = () => lake().client()

function listenUrl(query: string, extra: Record<string, string> = {}, dataset = 'test') {
  const search = new URLSearchParams({query, ...extra})
  return `${lake().url}/v2025-02-19/data/listen/${dataset}?${search}`
}

const auth = () => ({authorization: `Bearer ${lake().token}`})

describe('listen: wire format', () => {
  it('answers with an event stream whose first message is welcome', async () => {
    const sse = await openSse(listenUrl('*'), auth())
    expect(sse.status).toBe(200)
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/)
    await sse.until((m) => m.length >= 1)
    expect(sse.messages[0].event).toBe('welcome')
    expect(dataOf(sse.messages, 'welcome')[0]).toEqual({listenerName: expect.any(String)})

    await client().create({_id: 'w1', _type: 'article', title: 'লাইন\nভাঙা'})
    await sse.until((m) => m.some((x) => x.event === 'mutation'))
    sse.close()
    const mutation = sse.messages.find((m) => m.event === 'mutation')!
    const data = JSON.parse(mutation.data!)
    expect(mutation.id).toBe(`${data.transactionId}#w1`)
    expect(data.eventId).toBe(mutation.id)
    expect(data.sourceTransactionId).toBe(data.transactionId)
    // The server's default: no result unless asked (the client asks by default).
    expect(data).not.toHaveProperty('result')
    expect(data).not.toHaveProperty('effects')
    expect(data.mutations).toHaveLength(1)
  })

  it('echoes visibility=query and pads with evs_preamble', async () => {
    const sse = await openSse(
      listenUrl('*[_id == "w2"]', {visibility: 'query', evs_preamble: 'true'}),
      auth(),
    )
    await sse.until((m) => m.some((x) => x.event === 'welcome'))
    expect(sse.messages[0].comment?.length).toBeGreaterThanOrEqual(2048)
    await client().create({_id: 'w2', _type: 'x'})
    await sse.until((m) => m.some((x) => x.event === 'mutation'))
    sse.close()
    expect(dataOf(sse.messages, 'mutation')[0]).toMatchObject({
      visibility: 'query',
      transition: 'appear',
    })
  })

  it('rejects malformed parameters with 400 before any stream opens', async () => {
    const cases: Record<string, string>[] = [
      {visibility: 'sometimes'},
      {effectFormat: 'json-patch'},
      {$type: 'article'},
    ]
    for (const extra of cases) {
      const res = await fetch(listenUrl('*[_type == $type]', extra), {headers: auth()})
      expect(res.status, JSON.stringify(extra)).toBe(400)
      expect(res.headers.get('content-type')).toMatch(/json/)
      expect(await res.json()).toMatchObject({statusCode: 400, message: expect.any(String)})
    }
    const noQuery = await fetch(`${lake().url}/v2025-02-19/data/listen/test`, {headers: auth()})
    expect(noQuery.status).toBe(400)
    const badDataset = await fetch(listenUrl('*', {}, 'Not_A_Dataset'), {headers: auth()})
    expect(badDataset.status).toBe(400)
  })

  it('rejects anonymous callers and bad tokens with 401, which the client does not retry', async () => {
    expect((await fetch(listenUrl('*'))).status).toBe(401)
    const bad = await fetch(listenUrl('*'), {headers: {authorization: 'Bearer nope'}})
    expect(bad.status).toBe(401)
    const listener = collect(lake().client({token: 'not-a-real-token'}).listen('*'))
    const error = (await listener.failed()) as {status?: number}
    expect(error.status).toBe(401)
  })

  it('reports a bad filter as channelError and ends the stream', async () => {
    const parse = await openSse(listenUrl('*[_type == '), auth())
    await parse.closed()
    expect(dataOf(parse.messages, 'channelError')).toEqual([
      {
        error: expect.objectContaining({
          type: 'queryParseError',
          description: expect.any(String),
          start: expect.any(Number),
        }),
      },
    ])
    for (const query of ['count(*)', '*[foo::bar(_id)]', '*[_id == $missing]']) {
      const sse = await openSse(listenUrl(query), auth())
      await sse.closed()
      const [data] = dataOf<{error: {description: string}}>(sse.messages, 'channelError')
      expect(data?.error.description, query).toEqual(expect.any(String))
      expect(
        sse.messages.some((m) => m.event === 'welcome'),
        query,
      ).toBe(false)
    }
    const listener = collect(client().listen('*[_type == '))
    expect(await listener.failed()).toBeInstanceOf(ChannelError)
  })

  it('refuses a filter using text::query, which no listener evaluates, naming what to use', async () => {
    // It was welcomed and never fired: listeners evaluate with groq-js alone, which cannot answer
    // it, so every event was no match.
    for (const query of [
      '*[_type == "article" && title match text::query("ঢাকা")]',
      '*[pt::text(body) match text::query($q)]{_id}',
    ]) {
      const sse = await openSse(listenUrl(query, {$q: '"ঢাকা"'}), auth())
      await sse.closed()
      const [data] = dataOf<{error: {description: string}}>(sse.messages, 'channelError')
      expect(data?.error.description, query).toMatch(/text::query.*listen/is)
      expect(sse.messages.some((m) => m.event === 'welcome')).toBe(false)
    }
  })

  it('refuses a filter with a join, which no listener evaluates, naming it', async () => {
    // It was welcomed and never fired: a listener sees one document, so `->` and `*[…]` found
    // nothing and every event was no match (hosted: "Listeners don't support any form of joins").
    for (const query of [
      '*[_type == "article" && source->shortName == "বাসস"]',
      '*[_type == "article" && defined(related[]->title)]',
      '*[_type == "source" && count(*[_type == "article" && references(^._id)]) > 0]',
      '*[_id in *[_type == "source"]._id]{_id}',
    ]) {
      const sse = await openSse(listenUrl(query), auth())
      await sse.closed()
      const [data] = dataOf<{error: {description: string}}>(sse.messages, 'channelError')
      expect(data?.error.description, query).toMatch(/join.*listen/is)
      expect(
        sse.messages.some((m) => m.event === 'welcome'),
        query,
      ).toBe(false)
    }
    // A join in the projection is ignored with it, as before.
    const sse = await openSse(listenUrl('*[_id == "w3"]{"source": source->name}'), auth())
    await sse.until((m) => m.some((x) => x.event === 'welcome'))
    await client().create({_id: 'w3', _type: 'article'})
    await sse.until((m) => m.some((x) => x.event === 'mutation'))
    sse.close()
  })

  it('listens to the filter only: projections, ordering and slices are ignored', async () => {
    const sse = await openSse(
      listenUrl('*[_type == "release" && _id in path("_.releases.*")]{_id, name} | order(_id)'),
      auth(),
    )
    await sse.until((m) => m.length >= 1)
    await client().create({_id: '_.releases.r9', _type: 'release', name: 'নয়'})
    await sse.until((m) => m.some((x) => x.event === 'mutation'))
    sse.close()
    expect(dataOf(sse.messages, 'mutation')[0]).toMatchObject({documentId: '_.releases.r9'})
  })

  it('sends keep-alive comments on the configured interval', async () => {
    const config = lake().server.lake.context.config
    config.listen = {keepAliveMs: 40}
    try {
      const sse = await openSse(listenUrl('*[_id == "quiet"]'), auth())
      await sse.until((m) => m.filter((x) => x.comment !== undefined).length >= 3)
      sse.close()
      expect(sse.messages[0].event).toBe('welcome')
      expect(sse.messages.slice(1).every((m) => m.comment === '' && !m.event)).toBe(true)
    } finally {
      delete config.listen
    }
  })
})
