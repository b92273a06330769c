import type {SanityClient} from '@sanity/client'
import {expect, test} from 'vitest'
import type {GetTarget} from '../describeLakeContract.ts'
import {newId} from './clientCalls.ts'

const A = 'sanity.action.document.'

interface Event {
  type: string
  documentId: string
  author: string
  timestamp: string
  revisionId?: string
  versionId?: string
  versionRevisionId?: string
  publishCause?: string
}

/**
 * The Events API the Studio 6.9 reads a document's history from (`beta.eventsAPI.documents`):
 * `GET data/history/:dataset/events/documents/:id?limit=…&nextCursor=…` answers
 * `{events: {[id]: DocumentGroupEvent[]}, nextCursor}`, newest first, one view per variant.
 */
export function eventsContract(target: GetTarget) {
  const id = (name: string) => newId(target().prefix, name)

  async function act(client: SanityClient, actions: object[]) {
    return client.request<{transactionId: string}>({
      method: 'POST',
      uri: `/data/actions/${target().dataset}`,
      body: {actions},
    })
  }

  async function events(docId: string, query = '') {
    const res = await target().request(
      `/data/history/${target().dataset}/events/documents/${docId}${query}`,
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/json')
    const body = (await res.json()) as {events: Record<string, Event[]>; nextCursor: string}
    expect(Object.keys(body.events)).toEqual([docId])
    expect(typeof body.nextCursor).toBe('string')
    return body
  }
  const types = async (docId: string) =>
    (await events(docId)).events[docId].map((event) => event.type)

  /** What the Studio asks for when an event is opened (getDocumentAtRevision). */
  async function atRevision(docId: string, revision: string) {
    const res = await target().request(
      `/data/history/${target().dataset}/documents/${docId}?revision=${revision}`,
    )
    expect(res.status).toBe(200)
    return ((await res.json()) as {documents: Record<string, unknown>[]}).documents[0]
  }

  test('a document written straight to its published id (an import) is ONE event that opens', async () => {
    const client = target().client()
    const pub = id('imported')
    await client.create({_id: pub, _type: 'article', title: 'আমদানি করা শিরোনাম'})
    const doc = (await client.getDocument(pub))!
    const {events: byId, nextCursor} = await events(pub, '?limit=100')
    expect(nextCursor).toBe('')
    expect(byId[pub]).toEqual([
      {
        type: 'createLiveDocument',
        documentId: pub,
        revisionId: doc._rev,
        author: expect.any(String),
        timestamp: doc._updatedAt,
      },
    ])
    // Opening it shows the document as imported, not an empty form.
    expect(await atRevision(pub, byId[pub][0].revisionId!)).toEqual(doc)
    // The draft view has nothing of its own yet.
    expect(await types(`drafts.${pub}`)).toEqual([])

    await client.patch(pub).set({title: 'সরাসরি সম্পাদনা'}).commit()
    expect(await types(pub)).toEqual(['updateLiveDocument', 'createLiveDocument'])
  })

  test('create, edit and publish a draft: each view tells its own part', async () => {
    const client = target().client()
    const pub = id('published')
    const draft = `drafts.${pub}`
    await act(client, [
      {
        actionType: `${A}create`,
        publishedId: pub,
        attributes: {_id: draft, _type: 'article', title: 'খসড়া'},
      },
    ])
    const created = (await client.getDocument(draft))!
    await act(client, [
      {actionType: `${A}edit`, draftId: draft, publishedId: pub, patch: {set: {title: 'দুই'}}},
    ])
    const edited = (await client.getDocument(draft))!
    await act(client, [{actionType: `${A}publish`, draftId: draft, publishedId: pub}])
    const published = (await client.getDocument(pub))!

    const draftEvents = (await events(draft)).events[draft]
    expect(draftEvents.map((event) => event.type)).toEqual([
      'publishDocumentVersion',
      'createDocumentVersion',
    ])
    expect(draftEvents[1]).toMatchObject({
      documentId: pub,
      versionId: draft,
      versionRevisionId: created._rev,
    })
    const publishEvent = {
      type: 'publishDocumentVersion',
      documentId: pub,
      versionId: draft,
      revisionId: published._rev,
      versionRevisionId: edited._rev,
      publishCause: 'document.publish',
    }
    expect(draftEvents[0]).toMatchObject(publishEvent)
    expect((await events(pub)).events[pub]).toEqual([expect.objectContaining(publishEvent)])
    expect(await atRevision(pub, published._rev)).toEqual(published)
    expect(await atRevision(draft, created._rev)).toMatchObject({title: 'খসড়া'})

    // Editing again makes a new draft; discarding it deletes that version.
    await act(client, [
      {actionType: `${A}edit`, draftId: draft, publishedId: pub, patch: {set: {title: 'তিন'}}},
    ])
    expect(await types(draft)).toEqual([
      'createDocumentVersion',
      'publishDocumentVersion',
      'createDocumentVersion',
    ])
    await act(client, [{actionType: `${A}discard`, draftId: draft}])
    expect((await types(draft))[0]).toBe('deleteDocumentVersion')
    expect(await types(pub)).toEqual(['publishDocumentVersion'])
  })

  test('unpublish and delete are the published view’s events', async () => {
    const client = target().client()
    const pub = id('unpublished')
    const draft = `drafts.${pub}`
    await client.create({_id: pub, _type: 'article', title: 'এক'})
    await act(client, [{actionType: `${A}unpublish`, draftId: draft, publishedId: pub}])
    expect(await types(pub)).toEqual(['unpublishDocument', 'createLiveDocument'])
    expect((await events(pub)).events[pub][0]).toMatchObject({versionId: draft})
    // The unpublish made the draft; its view tells the same event.
    expect(await types(draft)).toEqual(['unpublishDocument'])

    await act(client, [{actionType: `${A}publish`, draftId: draft, publishedId: pub}])
    await act(client, [{actionType: `${A}delete`, publishedId: pub, includeDrafts: [draft]}])
    expect(await types(pub)).toEqual([
      'deleteDocumentGroup',
      'publishDocumentVersion',
      'unpublishDocument',
      'createLiveDocument',
    ])
  })

  test('limit and nextCursor page through the events, newest first', async () => {
    const client = target().client()
    const pub = id('paged')
    await client.create({_id: pub, _type: 'article', title: '০'})
    for (const title of ['১', '২', '৩', '৪']) await client.patch(pub).set({title}).commit()
    const all = (await events(pub)).events[pub]
    expect(all).toHaveLength(5)
    const seen: Event[] = []
    let cursor = ''
    do {
      const page = await events(pub, `?limit=2${cursor ? `&nextCursor=${cursor}` : ''}`)
      expect(page.events[pub].length).toBeLessThanOrEqual(2)
      seen.push(...page.events[pub])
      cursor = page.nextCursor
    } while (cursor)
    expect(seen).toEqual(all)
    const times = all.map((event) => Date.parse(event.timestamp))
    expect([...times].sort((a, b) => b - a)).toEqual(times)
  })
}
