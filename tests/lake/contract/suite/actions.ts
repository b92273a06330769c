import type {SanityClient} from '@sanity/client'
import {expect, test} from 'vitest'
import type {GetTarget} from '../describeLakeContract.ts'
import {newId, rawDoc, rejection} from './clientCalls.ts'

const A = 'sanity.action.document.'

export function actionsContract(target: GetTarget) {
  const id = (name: string) => newId(target().prefix, name)

  async function act(client: SanityClient, actions: object[], transactionId?: string) {
    return client.request<{transactionId: string}>({
      method: 'POST',
      uri: `/data/actions/${target().dataset}`,
      body: transactionId ? {actions, transactionId} : {actions},
    })
  }

  async function published(client: SanityClient, title = 'published') {
    const pub = id('pub')
    await client.create({_id: pub, _type: 'article', title})
    return pub
  }

  test('create makes the draft; its transactionId becomes the draft _rev', async () => {
    const client = target().client()
    const pub = id('create')
    const transactionId = `${target().prefix}-create-${Date.now()}`
    const res = await act(
      client,
      [
        {
          actionType: `${A}create`,
          publishedId: pub,
          attributes: {
            _id: `drafts.${pub}`,
            _type: 'article',
            _createdAt: '2021-01-01T00:00:00.000Z',
            title: 'H',
          },
          ifExists: 'fail',
        },
      ],
      transactionId,
    )
    expect(res.transactionId).toBe(transactionId)
    const draft = await rawDoc(client, `drafts.${pub}`)
    expect(draft).toMatchObject({
      _type: 'article',
      title: 'H',
      _rev: transactionId,
      _createdAt: '2021-01-01T00:00:00.000Z',
    })
    expect(await rawDoc(client, pub)).toBeNull()
  })

  test('create with ifExists fail is a 409 on an existing draft; ignore is a no-op', async () => {
    const client = target().client()
    const pub = id('ifexists')
    const create = (ifExists: string, title: string) => ({
      actionType: `${A}create`,
      publishedId: pub,
      attributes: {_id: `drafts.${pub}`, _type: 'article', title},
      ifExists,
    })
    await act(client, [create('fail', 'first')])
    expect((await rejection(act(client, [create('fail', 'second')]))).statusCode).toBe(409)
    await act(client, [create('ignore', 'third')])
    expect((await rawDoc(client, `drafts.${pub}`)).title).toBe('first')
  })

  // @sanity/client's CreateAction: "The published version of the document must not already exist."
  test('create is refused when the published document exists, nothing written', async () => {
    const client = target().client()
    const pub = await published(client)
    for (const ifExists of ['fail', 'ignore']) {
      const err = await rejection(
        act(client, [
          {
            actionType: `${A}create`,
            publishedId: pub,
            attributes: {_id: `drafts.${pub}`, _type: 'article', title: 'draft'},
            ifExists,
          },
        ]),
      )
      expect(err.statusCode).toBe(409)
    }
    expect(await rawDoc(client, `drafts.${pub}`)).toBeNull()
  })

  test('edit patches the draft; the Studio guard unset of a missing field is harmless', async () => {
    const client = target().client()
    const pub = id('edit')
    await act(client, [
      {
        actionType: `${A}create`,
        publishedId: pub,
        attributes: {_id: `drafts.${pub}`, _type: 'article'},
        ifExists: 'fail',
      },
    ])
    const edit = (patch: object) => ({
      actionType: `${A}edit`,
      draftId: `drafts.${pub}`,
      publishedId: pub,
      patch,
    })
    const transactionId = `${target().prefix}-edit-${Date.now()}`
    await act(
      client,
      [
        edit({unset: ['_empty_action_guard_pseudo_field_']}),
        edit({set: {title: 'H'}}),
        edit({unset: ['_empty_action_guard_pseudo_field_']}),
        edit({diffMatchPatch: {title: '@@ -1 +1,2 @@\n H\n+e\n'}}),
      ],
      transactionId,
    )
    const draft = await rawDoc(client, `drafts.${pub}`)
    expect(draft.title).toBe('He')
    expect(draft._rev).toBe(transactionId)
    expect(draft._empty_action_guard_pseudo_field_).toBeUndefined()
  })

  test('edit on a published-only document first copies it into a draft', async () => {
    const client = target().client()
    const pub = await published(client, 'from published')
    const before = await rawDoc(client, pub)
    await act(client, [
      {
        actionType: `${A}edit`,
        draftId: `drafts.${pub}`,
        publishedId: pub,
        patch: {set: {subtitle: 's'}},
      },
    ])
    const draft = await rawDoc(client, `drafts.${pub}`)
    expect(draft).toMatchObject({
      title: 'from published',
      subtitle: 's',
      _type: 'article',
      _createdAt: before._createdAt,
    })
    expect(await rawDoc(client, pub)).toEqual(before)
  })

  test('edit of a document that exists in no form is refused', async () => {
    const client = target().client()
    const pub = id('nothing')
    const err = await rejection(
      act(client, [
        {actionType: `${A}edit`, draftId: `drafts.${pub}`, publishedId: pub, patch: {set: {a: 1}}},
      ]),
    )
    expect(err.statusCode).toBeGreaterThanOrEqual(400)
    expect(err.statusCode).toBeLessThan(500)
  })

  test('publish copies the draft to the published id, keeps _createdAt and removes the draft', async () => {
    const client = target().client()
    const pub = await published(client, 'v1')
    const original = await rawDoc(client, pub)
    await act(client, [
      {
        actionType: `${A}edit`,
        draftId: `drafts.${pub}`,
        publishedId: pub,
        patch: {set: {title: 'v2'}},
      },
    ])
    const draft = await rawDoc(client, `drafts.${pub}`)
    const transactionId = `${target().prefix}-publish-${Date.now()}`
    await act(
      client,
      [
        {
          actionType: `${A}publish`,
          draftId: `drafts.${pub}`,
          publishedId: pub,
          ifDraftRevisionId: draft._rev,
          ifPublishedRevisionId: original._rev,
        },
      ],
      transactionId,
    )
    const after = await rawDoc(client, pub)
    expect(after).toMatchObject({title: 'v2', _rev: transactionId, _createdAt: original._createdAt})
    expect(await rawDoc(client, `drafts.${pub}`)).toBeNull()
  })

  test('publish guards: a stale ifPublishedRevisionId or ifDraftRevisionId is a 409', async () => {
    const client = target().client()
    const pub = await published(client)
    await act(client, [
      {
        actionType: `${A}edit`,
        draftId: `drafts.${pub}`,
        publishedId: pub,
        patch: {set: {title: 'd'}},
      },
    ])
    const publish = (guards: object) => ({
      actionType: `${A}publish`,
      draftId: `drafts.${pub}`,
      publishedId: pub,
      ...guards,
    })
    expect(
      (await rejection(act(client, [publish({ifPublishedRevisionId: 'stale'})]))).statusCode,
    ).toBe(409)
    expect((await rejection(act(client, [publish({ifDraftRevisionId: 'stale'})]))).statusCode).toBe(
      409,
    )
    expect((await rawDoc(client, pub)).title).toBe('published')
    expect(await rawDoc(client, `drafts.${pub}`)).not.toBeNull()
  })

  test('publish without a draft is refused', async () => {
    const client = target().client()
    const pub = await published(client)
    const err = await rejection(
      act(client, [{actionType: `${A}publish`, draftId: `drafts.${pub}`, publishedId: pub}]),
    )
    expect(err.statusCode).toBeGreaterThanOrEqual(400)
    expect(err.statusCode).toBeLessThan(500)
  })

  test('unpublish deletes the published document and keeps its content as a draft', async () => {
    const client = target().client()
    const pub = await published(client, 'to unpublish')
    await act(client, [{actionType: `${A}unpublish`, draftId: `drafts.${pub}`, publishedId: pub}])
    expect(await rawDoc(client, pub)).toBeNull()
    expect((await rawDoc(client, `drafts.${pub}`)).title).toBe('to unpublish')
  })

  test('discard deletes the draft only', async () => {
    const client = target().client()
    const pub = await published(client)
    await act(client, [
      {
        actionType: `${A}edit`,
        draftId: `drafts.${pub}`,
        publishedId: pub,
        patch: {set: {title: 'draft'}},
      },
    ])
    await act(client, [{actionType: `${A}discard`, draftId: `drafts.${pub}`}])
    expect(await rawDoc(client, `drafts.${pub}`)).toBeNull()
    expect((await rawDoc(client, pub)).title).toBe('published')
  })

  test('delete removes the published document and the listed drafts', async () => {
    const client = target().client()
    const pub = await published(client)
    await act(client, [
      {
        actionType: `${A}edit`,
        draftId: `drafts.${pub}`,
        publishedId: pub,
        patch: {set: {title: 'd'}},
      },
    ])
    await act(client, [
      {actionType: `${A}delete`, publishedId: pub, includeDrafts: [`drafts.${pub}`]},
    ])
    expect(await rawDoc(client, pub)).toBeNull()
    expect(await rawDoc(client, `drafts.${pub}`)).toBeNull()
  })

  // DeleteAction: "If any draft version exists that is not specified for deletion this is an error."
  test('delete is refused while a draft it does not list exists, nothing deleted', async () => {
    const client = target().client()
    const pub = await published(client)
    const draft = `drafts.${pub}`
    await client.create({_id: draft, _type: 'article', title: 'draft'})
    for (const includeDrafts of [undefined, []]) {
      const err = await rejection(
        act(client, [{actionType: `${A}delete`, publishedId: pub, includeDrafts}]),
      )
      expect(err.statusCode).toBe(409)
      expect(err.message).toContain(draft)
    }
    expect(await rawDoc(client, pub)).not.toBeNull()
    expect(await rawDoc(client, draft)).not.toBeNull()
  })

  // ReplaceDraftAction: "At least one of the draft or published versions of the document must exist."
  test('replaceDraft is refused when neither the draft nor the published document exists', async () => {
    const client = target().client()
    const pub = id('replace-none')
    const err = await rejection(
      act(client, [
        {
          actionType: `${A}replaceDraft`,
          publishedId: pub,
          attributes: {_id: `drafts.${pub}`, _type: 'article', title: 'restored'},
        },
      ]),
    )
    expect(err.statusCode).toBe(409)
    expect(await rawDoc(client, `drafts.${pub}`)).toBeNull()
    // A draft alone is enough (the Studio's restore of a deleted document creates, then replaces).
    await act(client, [
      {
        actionType: `${A}create`,
        publishedId: pub,
        attributes: {_id: `drafts.${pub}`, _type: 'article'},
        ifExists: 'fail',
      },
      {
        actionType: `${A}replaceDraft`,
        publishedId: pub,
        attributes: {_id: `drafts.${pub}`, _type: 'article', title: 'restored'},
      },
    ])
    expect((await rawDoc(client, `drafts.${pub}`)).title).toBe('restored')
  })

  test('replaceDraft replaces the whole draft (history restore)', async () => {
    const client = target().client()
    const pub = await published(client)
    await act(client, [
      {
        actionType: `${A}edit`,
        draftId: `drafts.${pub}`,
        publishedId: pub,
        patch: {set: {extra: 1}},
      },
    ])
    await act(client, [
      {
        actionType: `${A}replaceDraft`,
        publishedId: pub,
        attributes: {_id: `drafts.${pub}`, _type: 'article', title: 'restored'},
      },
    ])
    const draft = await rawDoc(client, `drafts.${pub}`)
    expect(draft.title).toBe('restored')
    expect(draft.extra).toBeUndefined()
  })

  test('version.discard on a drafts. id deletes a draft-only document', async () => {
    const client = target().client()
    const pub = id('draftonly')
    await act(client, [
      {
        actionType: `${A}create`,
        publishedId: pub,
        attributes: {_id: `drafts.${pub}`, _type: 'article'},
        ifExists: 'fail',
      },
    ])
    await act(client, [{actionType: `${A}version.discard`, versionId: `drafts.${pub}`}])
    expect(await rawDoc(client, `drafts.${pub}`)).toBeNull()
  })

  // "The Actions API behaves similarly to the Mutations API when autoGenerateArrayKeys is set to
  // true" (Sanity's Actions API reference); sent as the Mutations API takes it, in the query.
  test('autoGenerateArrayKeys keys array objects of created documents and edits', async () => {
    const client = target().client()
    const pub = id('keys')
    await client.request({
      method: 'POST',
      uri: `/data/actions/${target().dataset}`,
      query: {autoGenerateArrayKeys: 'true'},
      body: {
        actions: [
          {
            actionType: `${A}create`,
            publishedId: pub,
            attributes: {
              _id: `drafts.${pub}`,
              _type: 'article',
              body: [{text: 'a'}, {_key: 'mine', text: 'b'}],
              tags: ['x'],
            },
            ifExists: 'fail',
          },
          {
            actionType: `${A}edit`,
            draftId: `drafts.${pub}`,
            publishedId: pub,
            patch: {insert: {after: 'body[-1]', items: [{text: 'c'}]}},
          },
        ],
      },
    })
    const draft = await rawDoc(client, `drafts.${pub}`)
    expect(draft.body.map((item: {_key?: unknown}) => typeof item._key)).toEqual([
      'string',
      'string',
      'string',
    ])
    expect(draft.body[1]._key).toBe('mine')
    expect(draft.tags).toEqual(['x'])
  })

  test('one request is one transaction: a failing action undoes the earlier ones', async () => {
    const client = target().client()
    const pub = id('atomic')
    const err = await rejection(
      act(client, [
        {
          actionType: `${A}create`,
          publishedId: pub,
          attributes: {_id: `drafts.${pub}`, _type: 'article'},
          ifExists: 'fail',
        },
        {
          actionType: `${A}publish`,
          draftId: `drafts.${pub}`,
          publishedId: pub,
          ifPublishedRevisionId: 'nope',
        },
      ]),
    )
    expect(err.statusCode).toBe(409)
    expect(await rawDoc(client, `drafts.${pub}`)).toBeNull()
  })
}
