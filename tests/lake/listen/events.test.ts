/**
 * Listener events through the real lake over HTTP and the real @sanity/client: what each event
 * carries, and that both `effects` (mendoza) and `mutations` (@sanity/mutator) rebuild the document.
 */
import type {MutationEvent, SanityDocument} from '@sanity/client'
import {Mutation} from '@sanity/mutator'
import {applyPatch} from 'mendoza'
import {describe, expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {collect, withoutRev} from './listeners.ts'

type Event = (MutationEvent & {type: 'mutation'}) | {type: 'welcome'; listenerName: string}
type Doc = Record<string, unknown> | null

const lake = useTestLake()
const client = () => lake().client()

/** Opens a client listener and waits for its welcome. */
async function listen(query: string, params: Record<string, unknown> = {}, options = {}) {
  const listener = collect<Event>(
    client().listen(query, params, {
      events: ['welcome', 'mutation'],
      effectFormat: 'mendoza',
      ...options,
    }) as never,
  )
  await listener.until((events) => events.length > 0)
  expect(listener.events[0].type).toBe('welcome')
  return listener
}

const mutations = (events: Event[]) =>
  events.filter((e): e is Extract<Event, {type: 'mutation'}> => e.type === 'mutation')

/**
 * Replays events on a local copy the way the Studio does: effects on the document without `_rev`
 * (then `_rev = resultRev`), and mutations through @sanity/mutator. Both must give `result`.
 */
function replay(events: Extract<Event, {type: 'mutation'}>[], start: Doc = null) {
  let viaEffects: Doc = start
  let viaMutations: Doc = start
  for (const event of events) {
    expect(event.previousRev).toBe((viaEffects?._rev as string | undefined) ?? undefined)
    const patched = applyPatch(withoutRev(viaEffects), event.effects!.apply) as Doc
    expect(applyPatch(patched, event.effects!.revert)).toEqual(withoutRev(viaEffects))
    viaEffects = patched && {...patched, _rev: event.resultRev}
    viaMutations = new Mutation({
      mutations: event.mutations as never,
      previousRev: event.previousRev,
      resultRev: event.resultRev,
      timestamp: event.timestamp,
    }).apply(viaMutations as never) as Doc
    if (event.transition === 'disappear' && !event.result) {
      expect(viaEffects).toBeNull()
      expect(viaMutations).toBeNull()
    } else {
      expect(viaEffects).toEqual(event.result)
      expect(viaMutations).toEqual(event.result)
    }
  }
  return viaEffects
}

describe('listen: events', () => {
  it('sends welcome, then one mutation event per create, patch and delete', async () => {
    const listener = await listen('*[_type == "article"]', {}, {includePreviousRevision: true})
    const created = await client()
      .transaction()
      .create({_id: 'e1', _type: 'article', title: 'ঢাকা'})
      .commit()
    const patched = await client()
      .patch('e1')
      .set({title: 'ঢাকায় বৃষ্টি', tags: ['আবহাওয়া']})
      .commit()
    const deleted = await client().transaction().delete('e1').commit()
    const events = mutations(await listener.until((e) => mutations(e).length >= 3))
    listener.stop()

    expect(events.map((e) => e.transition)).toEqual(['appear', 'update', 'disappear'])
    expect(events.map((e) => e.transactionId)).toEqual([
      created.transactionId,
      patched._rev,
      deleted.transactionId,
    ])
    for (const event of events) {
      expect(event.eventId).toBe(`${event.transactionId}#e1`)
      expect(event.documentId).toBe('e1')
      expect(event.resultRev).toBe(event.transactionId)
      expect(event.identity).toEqual(expect.any(String))
      expect(event.visibility).toBe('transaction')
      expect(event.transactionTotalEvents).toBe(1)
      expect(event.transactionCurrentEvent).toBe(1)
      expect(event.mutations).toHaveLength(1)
    }
    const [appear, update, disappear] = events
    expect(appear.previousRev).toBeUndefined()
    expect(appear).not.toHaveProperty('previous')
    expect(appear.mutations[0]).toHaveProperty('create')
    expect(appear.result).toMatchObject({_id: 'e1', title: 'ঢাকা', _rev: created.transactionId})
    expect(appear.timestamp).toBe(appear.result!._updatedAt)
    expect(update.previousRev).toBe(created.transactionId)
    expect(update.previous).toEqual(appear.result)
    expect(update.result).toMatchObject({title: 'ঢাকায় বৃষ্টি', tags: ['আবহাওয়া']})
    expect(update.timestamp).toBe(update.result!._updatedAt)
    expect(disappear.mutations).toEqual([{delete: {id: 'e1'}}])
    expect(disappear).not.toHaveProperty('result')
    expect(disappear.previous).toEqual(update.result)
    expect(disappear.effects).toEqual({apply: [0, null], revert: [0, withoutRev(update.result)]})
    expect(replay(events)).toBeNull()
  })

  it('rebuilds a document through a series of nested edits, by effects and by mutations', async () => {
    const listener = await listen('*[_id == "story"]')
    const body = (n: number) =>
      Array.from({length: n}, (_, i) => ({
        _key: `p${i}`,
        _type: 'block',
        style: 'normal',
        children: [
          {_key: `s${i}`, _type: 'span', text: `অনুচ্ছেদ ${i}: ঢাকায় আজ সকাল থেকে বৃষ্টি। `.repeat(3)},
        ],
      }))
    await client().create({
      _id: 'story',
      _type: 'article',
      title: 'শিরোনাম',
      body: body(30),
      meta: {seo: {title: 'এসইও'}},
    })
    await client().patch('story').set({'body[_key=="p7"].style': 'h2'}).commit()
    await client()
      .patch('story')
      .insert('after', 'body[_key=="p3"]', [{_key: 'new', _type: 'block', children: []}])
      .commit()
    await client().patch('story').unset(['body[_key=="p10"]', 'meta.seo.title']).commit()
    await client()
      .patch('story')
      .setIfMissing({byline: {name: 'প্রতিবেদক'}})
      .inc({views: 1})
      .commit()
    await client().patch('story').set({'body[_key=="p0"].children[0].text': 'নতুন লেখা'}).commit()
    await client().createOrReplace({
      _id: 'story',
      _type: 'article',
      title: 'নতুন শিরোনাম',
      body: body(2),
    })
    const events = mutations(await listener.until((e) => mutations(e).length >= 7))
    listener.stop()
    expect(events.map((e) => e.transition)).toEqual(['appear', ...Array(6).fill('update')])
    const final = replay(events)
    expect(final).toEqual(await client().getDocument('story'))

    // A one-field edit of a large document travels as a small patch, not the document.
    const size = JSON.stringify(events[0].result).length
    expect(JSON.stringify(events[1].effects).length * 20).toBeLessThan(size)
    expect(JSON.stringify(events[1].effects)).not.toContain('অনুচ্ছেদ')
  })

  it('reports appear, update and disappear as a document enters and leaves the filter', async () => {
    const listener = await listen('*[_type == "article" && status == $status]', {
      status: 'published',
    })
    await client().create({_id: 't1', _type: 'article', status: 'draft', title: 'a'})
    await client().patch('t1').set({status: 'published'}).commit()
    await client().patch('t1').set({title: 'b'}).commit()
    await client().patch('t1').set({status: 'draft'}).commit()
    await client().patch('t1').set({title: 'c'}).commit()
    await client().delete('t1')
    // A marker write that matches, so "no more events" is observable.
    await client().create({_id: 't2', _type: 'article', status: 'published'})
    const events = mutations(
      await listener.until((e) => e.some((x) => 'documentId' in x && x.documentId === 't2')),
    )
    listener.stop()
    expect(events.map((e) => [e.documentId, e.transition])).toEqual([
      ['t1', 'appear'],
      ['t1', 'update'],
      ['t1', 'disappear'],
      ['t2', 'appear'],
    ])
    // The appearing document existed before: it has a previous revision.
    expect(events[0].previousRev).toEqual(expect.any(String))
  })

  it('leaves out result, previous, mutations and effects unless asked', async () => {
    const bare = collect<Event>(
      client().listen(
        '*[_id == "opt"]',
        {},
        {
          events: ['welcome', 'mutation'],
          includeResult: false,
          includeMutations: false,
        },
      ) as never,
    )
    const full = await listen('*[_id == "opt"]', {}, {includePreviousRevision: true})
    await bare.until((e) => e.length > 0)
    await client().create({_id: 'opt', _type: 'x', n: 1})
    await client().patch('opt').inc({n: 1}).commit()
    const plain = mutations(await bare.until((e) => mutations(e).length >= 2))
    const rich = mutations(await full.until((e) => mutations(e).length >= 2))
    bare.stop()
    full.stop()
    for (const event of plain) {
      expect(event).not.toHaveProperty('result')
      expect(event).not.toHaveProperty('previous')
      expect(event).not.toHaveProperty('mutations')
      expect(event).not.toHaveProperty('effects')
      expect(event.transactionId).toEqual(expect.any(String))
    }
    expect(rich[1].previous).toMatchObject({n: 1})
    expect(rich[1].result).toMatchObject({n: 2})
    expect(rich[1].effects!.apply).toEqual(expect.any(Array))
  })

  it('numbers the events of a multi-document transaction per listener', async () => {
    const articles = await listen('*[_type == "article" && _id in ["m1", "m2", "m3"]]')
    const everything = await listen('*[_id in ["m1", "m2", "m3"]]')
    const one = await listen('*[_id == "m3"]')
    const tx = await client()
      .transaction()
      .create({_id: 'm1', _type: 'article'})
      .create({_id: 'm2', _type: 'article'})
      .create({_id: 'm3', _type: 'author'})
      .patch('m1', (p) => p.set({title: 'দুবার ছোঁয়া'}))
      .commit()
    const a = mutations(await articles.until((e) => mutations(e).length >= 2))
    const b = mutations(await everything.until((e) => mutations(e).length >= 3))
    const c = mutations(await one.until((e) => mutations(e).length >= 1))
    for (const listener of [articles, everything, one]) listener.stop()

    expect(
      a.map((e) => [e.documentId, e.transactionCurrentEvent, e.transactionTotalEvents]),
    ).toEqual([
      ['m1', 1, 2],
      ['m2', 2, 2],
    ])
    expect(
      b.map((e) => [e.documentId, e.transactionCurrentEvent, e.transactionTotalEvents]),
    ).toEqual([
      ['m1', 1, 3],
      ['m2', 2, 3],
      ['m3', 3, 3],
    ])
    expect(
      c.map((e) => [e.documentId, e.transactionCurrentEvent, e.transactionTotalEvents]),
    ).toEqual([['m3', 1, 1]])
    for (const event of [...a, ...b, ...c]) expect(event.transactionId).toBe(tx.transactionId)
    // Only the mutations touching each document, in order: m1 got its create and its patch.
    expect(a[0].mutations.map((m) => Object.keys(m)[0])).toEqual(['create', 'patch'])
    expect(a[1].mutations).toEqual([{create: expect.objectContaining({_id: 'm2'})}])
    replay([a[0]])
  })

  it('includes drafts, and release versions only with includeAllVersions', async () => {
    const plain = await listen('*[_type == "article" && _id in $ids]', {
      ids: ['v1', 'drafts.v1', 'versions.r1.v1'],
    })
    const all = await listen(
      '*[_type == "article" && _id in $ids]',
      {ids: ['v1', 'drafts.v1', 'versions.r1.v1']},
      {includeAllVersions: true},
    )
    await client().create({_id: 'drafts.v1', _type: 'article', title: 'খসড়া'})
    await client().create({_id: 'versions.r1.v1', _type: 'article', title: 'সংস্করণ'})
    await client().create({_id: 'v1', _type: 'article', title: 'প্রকাশিত'})
    const withAll = mutations(await all.until((e) => mutations(e).length >= 3))
    const without = mutations(
      await plain.until((e) => mutations(e).some((x) => x.documentId === 'v1')),
    )
    plain.stop()
    all.stop()
    expect(withAll.map((e) => e.documentId)).toEqual(['drafts.v1', 'versions.r1.v1', 'v1'])
    expect(without.map((e) => e.documentId)).toEqual(['drafts.v1', 'v1'])
  })

  it('keeps each document in revision order under concurrent writers', async () => {
    await client().create({_id: 'busy', _type: 'counter', n: 0})
    const listener = await listen('*[_id == "busy"]', {}, {includeResult: true})
    const writers = 40
    await Promise.all(
      Array.from({length: writers}, (_, i) =>
        client()
          .patch('busy')
          .inc({n: 1})
          .set({[`w${i}`]: `লেখক ${i}`})
          .commit(),
      ),
    )
    const events = mutations(await listener.until((e) => mutations(e).length >= writers))
    listener.stop()
    for (let i = 1; i < events.length; i++) {
      expect(events[i].previousRev).toBe(events[i - 1].resultRev)
      expect(events[i].timestamp > events[i - 1].timestamp).toBe(true)
    }
    expect(events.at(-1)!.result).toMatchObject({n: writers})
  })

  it('uses the client-supplied transaction id, and hears writes made right after welcome', async () => {
    const listener = collect<Event>(
      client().listen('*[_id == "own"]', {}, {events: ['welcome', 'mutation']}) as never,
    )
    await listener.until((e) => e.length > 0)
    // Written immediately after welcome, as the Studio's stores do before their refetch returns.
    const transactionId = 'b4e3c6a2-8a7e-4d55-9a39-6f6f1f0f2a11'
    await client().mutate([{create: {_id: 'own', _type: 'x'}}], {transactionId})
    const [event] = mutations(await listener.until((e) => mutations(e).length >= 1))
    listener.stop()
    expect(event.transactionId).toBe(transactionId)
    expect(event.resultRev).toBe(transactionId)
    expect((event.result as SanityDocument)._rev).toBe(transactionId)
  })

  it('follows a Studio editing journey through the Actions API, per document', async () => {
    // The document pair listener the Studio opens for one document.
    const ids = ['j1', 'drafts.j1']
    const listener = await listen('*[_id in $ids]', {ids}, {includeAllVersions: true})
    const act = (action: Record<string, unknown>) =>
      client().action(action as never, {transactionId: crypto.randomUUID()} as never)
    await act({
      actionType: 'sanity.action.document.create',
      publishedId: 'j1',
      attributes: {_id: 'drafts.j1', _type: 'article', title: 'প্রথম'},
      ifExists: 'fail',
    })
    await act({
      actionType: 'sanity.action.document.edit',
      draftId: 'drafts.j1',
      publishedId: 'j1',
      patch: {set: {title: 'দ্বিতীয়', body: [{_key: 'a', _type: 'block', text: 'এক'}]}},
    })
    await act({
      actionType: 'sanity.action.document.publish',
      draftId: 'drafts.j1',
      publishedId: 'j1',
    })
    // Editing a published-only document creates the draft from it.
    await act({
      actionType: 'sanity.action.document.edit',
      draftId: 'drafts.j1',
      publishedId: 'j1',
      patch: {insert: {after: 'body[-1]', items: [{_key: 'b', _type: 'block', text: 'দুই'}]}},
    })
    await act({actionType: 'sanity.action.document.discard', draftId: 'drafts.j1'})
    await act({
      actionType: 'sanity.action.document.unpublish',
      draftId: 'drafts.j1',
      publishedId: 'j1',
    })
    await act({
      actionType: 'sanity.action.document.delete',
      publishedId: 'j1',
      includeDrafts: ['drafts.j1'],
    })
    const events = mutations(await listener.until((e) => mutations(e).length >= 9))
    listener.stop()

    // Each transaction's events come together and are numbered 1..N for this listener.
    const byTransaction = new Map<string, typeof events>()
    for (const event of events) {
      byTransaction.set(event.transactionId, [
        ...(byTransaction.get(event.transactionId) ?? []),
        event,
      ])
    }
    for (const group of byTransaction.values()) {
      expect(group.map((e) => e.transactionCurrentEvent)).toEqual(group.map((_, i) => i + 1))
      for (const event of group) expect(event.transactionTotalEvents).toBe(group.length)
    }
    const publish = [...byTransaction.values()][2]
    expect(publish.map((e) => [e.documentId, e.transition]).sort()).toEqual([
      ['drafts.j1', 'disappear'],
      ['j1', 'appear'],
    ])

    // Per document, both replays rebuild every state the lake reported.
    for (const id of ids) {
      const own = events.filter((e) => e.documentId === id)
      let viaEffects: Doc = null
      let viaMutations: Doc = null
      for (const event of own) {
        const patched = applyPatch(withoutRev(viaEffects), event.effects!.apply) as Doc
        viaEffects = patched && {...patched, _rev: event.resultRev}
        viaMutations = new Mutation({
          mutations: event.mutations as never,
          previousRev: event.previousRev,
          resultRev: event.resultRev,
          timestamp: event.timestamp,
        }).apply(viaMutations as never) as Doc
        expect(viaEffects, `${event.eventId} effects`).toEqual(event.result ?? null)
        expect(viaMutations, `${event.eventId} mutations`).toEqual(event.result ?? null)
      }
      expect(viaEffects).toBeNull()
    }
  })
})
