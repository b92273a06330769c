/**
 * Answers where the lake once differed from hosted Sanity (issue 10, items 1, 2, 4 and 5): each
 * written from hosted Sanity's documented or observed behaviour, and run against both.
 */
import {expect, test} from 'vitest'
import type {GetTarget} from '../describeLakeContract.ts'
import {newId, rawDoc, rejection} from './clientCalls.ts'

export function parityContract(target: GetTarget) {
  const id = (name: string) => newId(target().prefix, name)

  test('a query naming a parameter it was not given is a 400 naming it', async () => {
    const err = await rejection(
      target().client().fetch('*[_type == "article" && section == $s]{title}'),
    )
    expect(err.statusCode).toBe(400)
    expect(err.message).toContain('param $s referenced, but not provided')
  })

  test('a patch cannot change _id or _type (cannotModifyImmutableAttributeError)', async () => {
    const client = target().client()
    const doc = id('immutable')
    await client.create({_id: doc, _type: `${target().prefix}article`, title: 'ক'})
    for (const [attribute, set] of [
      ['_id', {_id: id('other')}],
      ['_type', {_type: `${target().prefix}headline`}],
    ] as const) {
      const err = await rejection(client.patch(doc).set(set).commit())
      expect(err.statusCode).toBe(400)
      const body = err.response?.body as {error: {items?: {error: {type: string}}[]}}
      expect(JSON.stringify(body)).toContain('cannotModifyImmutableAttributeError')
      expect(err.message).toContain(`Cannot modify immutable attribute "${attribute}"`)
    }
    expect((await rawDoc(client, doc))._type).toBe(`${target().prefix}article`)
  })

  test('publishing strengthens references made with _strengthenOnPublish', async () => {
    const client = target().client()
    const headline = id('headline')
    const article = id('article')
    await client.create({_id: headline, _type: `${target().prefix}headline`, text: 'শিরোনাম'})
    const reference = (weak?: boolean) => ({
      _type: 'reference',
      _ref: headline,
      _weak: true,
      _strengthenOnPublish: {type: `${target().prefix}headline`, ...(weak ? {weak} : {})},
    })
    await client.create({
      _id: `drafts.${article}`,
      _type: `${target().prefix}article`,
      strong: {...reference(), _key: 's'},
      kept: [{...reference(true), _key: 'w'}],
    })
    await client.request({
      method: 'POST',
      uri: `/data/actions/${target().dataset}`,
      body: {
        actions: [
          {
            actionType: 'sanity.action.document.publish',
            draftId: `drafts.${article}`,
            publishedId: article,
          },
        ],
      },
    })
    const published = await rawDoc(client, article)
    expect(published.strong).toEqual({_type: 'reference', _ref: headline, _key: 's'})
    expect(published.kept).toEqual([{_type: 'reference', _ref: headline, _weak: true, _key: 'w'}])
    // Now strong: the headline cannot be deleted under the published article.
    const err = await rejection(client.delete(headline))
    expect(err.statusCode).toBe(409)
  })

  test('the project list names this project (client.projects.list)', async () => {
    const client = target().client()
    const projects = await client.projects.list({includeMembers: false})
    expect(projects.map((project) => project.id)).toContain(client.config().projectId)
  })
}
