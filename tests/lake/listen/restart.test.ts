/**
 * A listener open across a lake's stop and start (Ctrl-C in `npm run dev`, a restart) hears the
 * writes made once the lake is back. The stopping lake ends its streams without `disconnect`,
 * which @sanity/client takes as final (a DisconnectError, never a reconnect): on a stream that
 * just ends, the client's EventSource reconnects until the lake answers again, and the new
 * stream's `welcome` is where the Studio and live preview fetch what they show again. A Live
 * Content API stream reconnects as well.
 */
import {rm} from 'node:fs/promises'
import {expect, test} from 'vitest'
import {startTestLake} from '../../helpers/lake.ts'
import {collect, openSse} from './listeners.ts'

type Event = {type: string; documentId?: string; transition?: string}

test('a listener open across a lake stop and start on the same port and data folder hears a write made after the restart', async () => {
  const first = await startTestLake()
  const {port} = first.server
  const {dataDir} = first
  let second: Awaited<ReturnType<typeof startTestLake>> | undefined
  const listener = collect<Event>(
    first
      .client()
      .listen(
        '*[_type == "article"]',
        {},
        {events: ['welcome', 'mutation', 'reconnect'], includeResult: false},
      ) as never,
  )
  // A website's (and next-sanity's live preview's) Live Content API stream, alongside.
  const live = collect<Event>(first.client({apiVersion: 'vX'}).live.events({includeDrafts: true}))
  try {
    await listener.until((events) => events.some((e) => e.type === 'welcome'))
    await live.until((events) => events.some((e) => e.type === 'welcome'))
    const raw = await openSse(
      `${first.url}/v2025-02-19/data/listen/test?${new URLSearchParams({query: '*'})}`,
      {authorization: `Bearer ${first.token}`},
    )
    await raw.until((messages) => messages.some((m) => m.event === 'welcome'))

    await first.close({keepData: true})
    // The raw stream ends with no event after its welcome (no `disconnect`, no `channelError`);
    // its last words, a comment, say why.
    await raw.closed()
    expect(raw.messages.map((m) => m.event).filter(Boolean)).toEqual(['welcome'])
    expect(raw.messages.map((m) => m.comment ?? '').join('\n')).toMatch(/stopping/)

    second = await startTestLake({dataDir, port})
    // The client tries again (`reconnect`) until the lake is back, then hears its welcome.
    await listener.until((events) => events.filter((e) => e.type === 'welcome').length >= 2, 30_000)
    expect(listener.error()).toBeUndefined()
    await second.client().create({_id: 'after-restart', _type: 'article', title: 'আবার'})
    const events = await listener.until((all) =>
      all.some((e) => e.type === 'mutation' && e.documentId === 'after-restart'),
    )
    expect(events.find((e) => e.type === 'mutation')).toMatchObject({
      documentId: 'after-restart',
      transition: 'appear',
    })
    expect(events.filter((e) => e.type === 'reconnect').length).toBeGreaterThanOrEqual(1)
    expect(listener.error()).toBeUndefined()
    await live.until((events) => events.filter((e) => e.type === 'welcome').length >= 2, 30_000)
    expect(live.error()).toBeUndefined()
  } finally {
    listener.stop()
    live.stop()
    await first.close({keepData: true})
    if (second) await second.close()
    else await rm(dataDir, {recursive: true, force: true})
  }
}, 120_000)
