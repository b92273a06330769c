import type {SanityClient} from '@sanity/client'
import {expect, test} from 'vitest'
import type {GetTarget} from '../describeLakeContract.ts'
import {newId, rawDoc, rejection} from './clientCalls.ts'

const A = 'sanity.action.document.'

interface RefusalBody {
  error: {
    type: string
    items: {error: {type: string; id?: string; referencingIDs?: string[]}}[]
  }
}

export function referencesContract(target: GetTarget) {
  const id = (name: string) => newId(target().prefix, name)

  /** A source document and an article referencing it (weakly when asked). */
  async function referenced(client: SanityClient, weak = false) {
    const source = id('source')
    const article = id('article')
    await client.create({_id: source, _type: 'source', name: 'src'})
    const ref = {_type: 'reference', _ref: source, ...(weak ? {_weak: true} : {})}
    await client.create({
      _id: article,
      _type: 'article',
      title: 'a',
      sources: [{...ref, _key: 'k'}],
    })
    return {source, article}
  }

  function act(client: SanityClient, actions: object[]) {
    return client.request({
      method: 'POST',
      uri: `/data/actions/${target().dataset}`,
      body: {actions},
    })
  }

  function expectRefusal(err: Awaited<ReturnType<typeof rejection>>, source: string, by: string) {
    expect(err.statusCode).toBe(409)
    const body = err.response?.body as RefusalBody
    const item = body.error.items.find((i) => i.error.type === 'documentHasExistingReferencesError')
    expect(item?.error).toMatchObject({id: source, referencingIDs: [by]})
    expect(err.message).toContain('cannot be deleted as there are references to it')
  }

  test('deleting a strongly referenced document is a 409 and changes nothing', async () => {
    const client = target().client()
    const {source, article} = await referenced(client)
    const other = id('other')
    await client.create({_id: other, _type: 'article', title: 'untouched'})
    const err = await rejection(
      client
        .transaction()
        .patch(other, (p) => p.set({title: 'changed'}))
        .delete(source)
        .commit(),
    )
    expectRefusal(err, source, article)
    expect((err.response?.body as RefusalBody).error.type).toBe('mutationError')
    expect(await rawDoc(client, source)).toMatchObject({name: 'src'})
    expect((await rawDoc(client, other)).title).toBe('untouched')
  })

  test('a weak reference does not block deleting its target', async () => {
    const client = target().client()
    const {source, article} = await referenced(client, true)
    await client.delete(source)
    expect(await rawDoc(client, source)).toBeNull()
    expect((await rawDoc(client, article)).sources[0]._ref).toBe(source)
  })

  test('deleting the target and its referrer in one transaction succeeds', async () => {
    const client = target().client()
    const {source, article} = await referenced(client)
    await client.transaction().delete(source).delete(article).commit()
    expect(await rawDoc(client, source)).toBeNull()
    expect(await rawDoc(client, article)).toBeNull()
  })

  test('dropping the reference in the same transaction as the delete succeeds', async () => {
    const client = target().client()
    const {source, article} = await referenced(client)
    await client
      .transaction()
      .delete(source)
      .patch(article, (p) => p.unset(['sources']))
      .commit()
    expect(await rawDoc(client, source)).toBeNull()
  })

  test('the delete action on a strongly referenced document is refused', async () => {
    const client = target().client()
    const {source, article} = await referenced(client)
    const err = await rejection(act(client, [{actionType: `${A}delete`, publishedId: source}]))
    expectRefusal(err, source, article)
    expect(await rawDoc(client, source)).toMatchObject({name: 'src'})
  })

  test('unpublishing a strongly referenced document is refused', async () => {
    const client = target().client()
    const {source, article} = await referenced(client)
    const err = await rejection(
      act(client, [
        {actionType: `${A}unpublish`, draftId: `drafts.${source}`, publishedId: source},
      ]),
    )
    expectRefusal(err, source, article)
    expect(await rawDoc(client, source)).toMatchObject({name: 'src'})
    expect(await rawDoc(client, `drafts.${source}`)).toBeNull()
  })
}
