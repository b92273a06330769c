import {describe, expect, test} from 'vitest'
import {ConflictError} from '../../../lake/core/errors.ts'
import {checkReferenceIntegrity, strongReferences} from '../../../lake/core/references.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

const doc = (id: string, body: Record<string, unknown> = {}) =>
  ({_id: id, _type: 't', _rev: 'r', ...body}) as SanityDocument
const ref = (to: string, extra = {}) => ({_type: 'reference', _ref: to, ...extra})

describe('strongReferences', () => {
  test('collects strong _refs at any depth and skips weak ones', () => {
    const value = {
      a: ref('x'),
      list: [{deep: [ref('y')]}, ref('z', {_weak: true})],
      draft: ref('w', {_weak: true, _strengthenOnPublish: {type: 't'}}),
      notWeak: ref('v', {_weak: false}),
      odd: {_ref: 42},
    }
    expect([...strongReferences(value)].sort()).toEqual(['v', 'x', 'y'])
  })
})

describe('checkReferenceIntegrity', () => {
  const target = doc('a')
  const referrer = doc('b', {author: ref('a')})
  const deleteA = {id: 'a', before: target, after: null}

  function refusal(fn: () => void): ConflictError {
    try {
      fn()
    } catch (err) {
      if (err instanceof ConflictError) return err
      throw err
    }
    return expect.fail('expected a ConflictError')
  }

  test('refuses deleting a referenced document, naming the referrers and the index', () => {
    const err = refusal(() =>
      checkReferenceIntegrity([deleteA], () => [{id: 'b', target: 'a'}], {
        errorType: 'actionError',
        indexOf: () => 2,
      }),
    )
    expect(err.type).toBe('actionError')
    expect(err.items).toEqual([
      {
        index: 2,
        error: {
          type: 'documentHasExistingReferencesError',
          id: 'a',
          referencingIDs: ['b'],
          description: 'Document "a" cannot be deleted as there are references to it from "b"',
        },
      },
    ])
  })

  test("the transaction's own writes override the committed referrers", () => {
    const deleteB = {id: 'b', before: referrer, after: null}
    expect(() =>
      checkReferenceIntegrity([deleteA, deleteB], () => [{id: 'b', target: 'a'}]),
    ).not.toThrow()
    const editB = {id: 'b', before: referrer, after: doc('b')}
    expect(() =>
      checkReferenceIntegrity([deleteA, editB], () => [{id: 'b', target: 'a'}]),
    ).not.toThrow()
    // A draft written in the same transaction with a strong reference does block.
    const draft = {id: 'drafts.c', before: null, after: doc('drafts.c', {x: ref('a')})}
    const err = refusal(() => checkReferenceIntegrity([deleteA, draft], () => []))
    expect(err.items[0].error.referencingIDs).toEqual(['drafts.c'])
  })

  test('a self-reference does not block; writes that keep the document are not checked', () => {
    const self = doc('a', {me: ref('a')})
    expect(() =>
      checkReferenceIntegrity([{id: 'a', before: self, after: null}], () => [
        {id: 'a', target: 'a'},
      ]),
    ).not.toThrow()
    const replace = {id: 'a', before: target, after: doc('a', {_type: 'other'})}
    expect(() => checkReferenceIntegrity([replace], () => [{id: 'b', target: 'a'}])).not.toThrow()
  })
})
