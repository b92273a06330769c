/**
 * @sanity/client's methods that touch the Content Lake, called as a script calls them (not by
 * raw request): what each answers is what its types and Sanity's reference document. Areas
 * covered elsewhere (perspectives, the doc endpoint, mutation options, raw actions) are not
 * repeated.
 */
import {expect, test} from 'vitest'
import type {GetTarget} from '../describeLakeContract.ts'
import {newId, rawDoc} from './clientCalls.ts'

const A = 'sanity.action.document.'

export function clientMethodsContract(target: GetTarget) {
  const id = (name: string) => newId(target().prefix, name)

  test('patch: unset of array items by index, _key and negative index', async () => {
    const client = target().client()
    const doc = id('unset-items')
    await client.create({
      _id: doc,
      _type: 'article',
      tags: ['a', 'b', 'c', 'd'],
      body: [
        {_key: 'k1', t: 1},
        {_key: 'k2', t: 2},
      ],
    })
    const patched = await client
      .patch(doc)
      .unset(['tags[0]', 'tags[-1]', 'body[_key=="k1"]'])
      .commit()
    expect(patched.tags).toEqual(['b', 'c'])
    expect(patched.body).toEqual([{_key: 'k2', t: 2}])
  })

  test('patch: insert with negative indexes, append, prepend and splice', async () => {
    const client = target().client()
    const doc = id('insert-negative')
    await client.create({_id: doc, _type: 'article', tags: ['a', 'b', 'c']})
    const tags = async (build: (patch: ReturnType<typeof client.patch>) => unknown) => {
      const patch = client.patch(doc)
      build(patch)
      return (await patch.commit()).tags
    }
    expect(await tags((p) => p.insert('after', 'tags[-1]', ['z']))).toEqual(['a', 'b', 'c', 'z'])
    expect(await tags((p) => p.insert('before', 'tags[-1]', ['y']))).toEqual([
      'a',
      'b',
      'c',
      'y',
      'z',
    ])
    expect(await tags((p) => p.insert('replace', 'tags[-2]', ['Y']))).toEqual([
      'a',
      'b',
      'c',
      'Y',
      'z',
    ])
    expect(await tags((p) => p.append('tags', ['end']))).toEqual(['a', 'b', 'c', 'Y', 'z', 'end'])
    expect(await tags((p) => p.prepend('tags', ['start']))).toEqual([
      'start',
      'a',
      'b',
      'c',
      'Y',
      'z',
      'end',
    ])
    // splice(selector, start, deleteCount, items): two items from index 1 become one.
    expect(await tags((p) => p.splice('tags', 1, 2, ['AB']))).toEqual([
      'start',
      'AB',
      'c',
      'Y',
      'z',
      'end',
    ])
  })

  // Sanity's JSONMatch reference: `friends[*].name` is every friend's name, `roles[*]` every role.
  test('patch paths with [*] reach every item of the array', async () => {
    const client = target().client()
    const doc = id('wildcard')
    await client.create({
      _id: doc,
      _type: 'article',
      tags: ['a', 'b', 'c'],
      body: [
        {_key: 'k1', n: 1, marks: ['em']},
        {_key: 'k2', n: 5, marks: []},
      ],
    })
    const set = await client.patch(doc).set({'body[*].seen': true}).inc({'body[*].n': 10}).commit()
    expect(set.body).toEqual([
      {_key: 'k1', n: 11, marks: ['em'], seen: true},
      {_key: 'k2', n: 15, marks: [], seen: true},
    ])
    const unset = await client
      .patch(doc)
      .unset(['body[*].marks[*]', 'body[*].seen', 'tags[*]'])
      .commit()
    expect(unset.body).toEqual([
      {_key: 'k1', n: 11, marks: []},
      {_key: 'k2', n: 15, marks: []},
    ])
    expect(unset.tags).toEqual([])
    // Nothing to reach: nothing changes.
    const none = await client.patch(doc).set({'missing[*].x': 1, 'tags[*]': 'z'}).commit()
    expect(none).not.toHaveProperty('missing')
    expect(none.tags).toEqual([])
  })

  // The mutator applies setIfMissing, set, unset, …, inc, dec in that order: a [*] reaches the
  // items as the operations before it leave them, not as stored.
  test('patch paths with [*] reach the items the same patch made', async () => {
    const client = target().client()
    const doc = id('wildcard-order')
    await client.create({_id: doc, _type: 'article', tags: ['x']})
    const patched = await client
      .patch(doc)
      .set({tags: ['a', 'b', 'c']})
      .unset(['tags[*]'])
      .setIfMissing({items: [{_key: 'k1'}, {_key: 'k2'}]})
      .set({'items[*].seen': true})
      .commit()
    expect(patched.tags).toEqual([])
    expect(patched.items).toEqual([
      {_key: 'k1', seen: true},
      {_key: 'k2', seen: true},
    ])
    const twice = client.patch(doc).inc({'items[*].n': 1, 'items[0].n': 1}).commit()
    await expect(twice).rejects.toThrow(/reaches "items\[0\]\.n" twice/)
  })

  test('getDocument with releaseId and includeAllVersions; documentsExists', async () => {
    const client = target().client()
    const doc = id('versions')
    const release = `r${target().prefix}`
    await client
      .transaction()
      .create({_id: doc, _type: 'article', v: 'published'})
      .create({_id: `drafts.${doc}`, _type: 'article', v: 'draft'})
      .create({_id: `versions.${release}.${doc}`, _type: 'article', v: 'release'})
      .commit()
    expect((await client.getDocument(doc, {releaseId: release}))?.v).toBe('release')
    const all = await client.getDocument(doc, {includeAllVersions: true})
    expect(all.map((d: {_id: string}) => d._id).sort()).toEqual(
      [doc, `drafts.${doc}`, `versions.${release}.${doc}`].sort(),
    )
    const exist = await client.documentsExists([doc, `drafts.${doc}`, id('never')])
    expect([...exist].sort()).toEqual([doc, `drafts.${doc}`].sort())
  })

  test('fetch: filterResponse false gives the whole answer; returnQuery false leaves the query out', async () => {
    const client = target().client()
    const whole = await client.fetch('count(*[_id == $id])', {id: id('x')}, {filterResponse: false})
    expect(whole).toMatchObject({result: 0, query: 'count(*[_id == $id])'})
    expect(typeof whole.ms).toBe('number')
    const quiet = await client.fetch('1 + 1', {}, {filterResponse: false, returnQuery: false})
    expect(quiet.result).toBe(2)
    expect(quiet).not.toHaveProperty('query')
    expect(await client.fetch('1', {}, {tag: 'contract.fetch'})).toBe(1)
  })

  test('transaction commit: returnFirst gives documentId, with returnDocuments the document', async () => {
    const client = target().client()
    const doc = id('return-first')
    const first = await client
      .transaction()
      .create({_id: doc, _type: 'article'})
      .commit({returnFirst: true})
    expect(first).toMatchObject({documentId: doc, results: [{id: doc, operation: 'create'}]})
    const document = await client
      .transaction()
      .patch(doc, (p) => p.set({title: 'শিরোনাম'}))
      .commit({returnFirst: true, returnDocuments: true})
    expect(document).toMatchObject({_id: doc, title: 'শিরোনাম'})
  })

  test('client.action: create, edit, publish, unpublish and discard; dryRun writes nothing', async () => {
    const client = target().client()
    const pub = id('action')
    const draft = `drafts.${pub}`
    const dry = await client.action(
      {
        actionType: `${A}create`,
        publishedId: pub,
        attributes: {_id: draft, _type: 'article', title: 'খসড়া'},
        ifExists: 'fail',
      },
      {dryRun: true},
    )
    expect(typeof dry.transactionId).toBe('string')
    expect(await rawDoc(client, draft)).toBeNull()
    await client.action({
      actionType: `${A}create`,
      publishedId: pub,
      attributes: {_id: draft, _type: 'article', title: 'খসড়া'},
      ifExists: 'fail',
    })
    await client.action({
      actionType: `${A}edit`,
      publishedId: pub,
      draftId: draft,
      patch: {set: {title: 'সম্পাদিত'}},
    })
    await client.action({actionType: `${A}publish`, publishedId: pub, draftId: draft})
    expect(await rawDoc(client, draft)).toBeNull()
    expect((await rawDoc(client, pub)).title).toBe('সম্পাদিত')
    await client.action({actionType: `${A}unpublish`, publishedId: pub, draftId: draft})
    expect(await rawDoc(client, pub)).toBeNull()
    expect((await rawDoc(client, draft)).title).toBe('সম্পাদিত')
    await client.action({actionType: `${A}discard`, draftId: draft})
    expect(await rawDoc(client, draft)).toBeNull()
  })

  // As a mutation's patch (above): an edit action's [*] reaches the items as the patch's
  // operations before it leave them, on the draft the edit makes from the published document.
  test('client.action edit: [*] reaches the items the same patch made', async () => {
    const client = target().client()
    const pub = id('action-wildcard')
    const draft = `drafts.${pub}`
    await client.create({_id: pub, _type: 'article', tags: ['x']})
    await client.action({
      actionType: `${A}edit`,
      publishedId: pub,
      draftId: draft,
      patch: {
        set: {tags: ['a', 'b', 'c'], 'items[*].seen': true},
        unset: ['tags[*]'],
        setIfMissing: {items: [{_key: 'k1'}, {_key: 'k2'}]},
      },
    })
    const edited = await rawDoc(client, draft)
    expect(edited.tags).toEqual([])
    expect(edited.items).toEqual([
      {_key: 'k1', seen: true},
      {_key: 'k2', seen: true},
    ])
    expect((await rawDoc(client, pub)).tags).toEqual(['x'])
  })

  test('createVersion, replaceVersion and discardVersion', async () => {
    const client = target().client()
    const pub = id('version')
    const release = `r${target().prefix}`
    const versionId = `versions.${release}.${pub}`
    await client.create({_id: pub, _type: 'article', title: 'published'})
    await client.createVersion({
      document: {_id: versionId, _type: 'article', title: 'release'},
      publishedId: pub,
      releaseId: release,
    })
    expect((await rawDoc(client, versionId)).title).toBe('release')
    await client.replaceVersion({document: {_id: versionId, _type: 'article', title: 'again'}})
    expect((await rawDoc(client, versionId)).title).toBe('again')
    await client.discardVersion({releaseId: release, publishedId: pub})
    expect(await rawDoc(client, versionId)).toBeNull()
    expect((await rawDoc(client, pub)).title).toBe('published')
  })

  test("users.getById('me') names the token's user", async () => {
    const me = await target().client().users.getById('me')
    expect(typeof me.id).toBe('string')
    expect(me.id.length).toBeGreaterThan(0)
  })
}
