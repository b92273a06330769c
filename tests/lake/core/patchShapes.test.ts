/**
 * Patch operations of the wrong shape are a 400 saying which, before the mutator: given a string
 * to `inc`, it stored the number as a string ("1" + "x" = "1x"); given `items` that are no list,
 * `insert` stored the value as an item; an `unset` that is no list of paths failed with the
 * mutator's own words ("unset.forEach is not a function").
 */
import {describe, expect, test} from 'vitest'
import {MutationError} from '../../../lake/core/errors.ts'
import {applyPatch} from '../../../lake/core/mutations.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

const doc = {
  _id: 'a',
  _type: 't',
  n: 1,
  title: 'x',
  list: [{_key: 'k', v: 1}],
} as unknown as SanityDocument

describe('a patch operation of the wrong shape', () => {
  test.each([
    [{inc: {n: 'x'}}, /`inc` of "n" must be a number/],
    [{dec: {n: '2'}}, /`dec` of "n" must be a number/],
    [{inc: {n: null}}, /`inc` of "n" must be a number/],
    [{inc: 1}, /`inc` must be an object/],
    [{insert: {after: 'list[-1]', items: 1}}, /`insert` must have a list of `items`/],
    [{insert: [1]}, /`insert` must have a list of `items`/],
    [{unset: 'title'}, /`unset` must be a list of paths/],
    [{unset: [1]}, /`unset` must be a list of paths/],
  ])('%j is refused, saying so', (patch, message) => {
    let thrown: unknown
    try {
      applyPatch(doc, patch)
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(MutationError)
    expect((thrown as MutationError).message).toMatch(message)
    expect((thrown as MutationError).items[0]).toMatchObject({
      error: {type: 'validationError'},
      index: 0,
    })
  })

  test('the right shapes still apply', () => {
    const out = applyPatch(doc, {
      inc: {n: 2},
      dec: {'list[_key=="k"].v': 0.5},
      unset: ['title'],
      insert: {after: 'list[-1]', items: [{_key: 'm', v: 3}]},
    }) as unknown as Record<string, unknown>
    expect(out).toMatchObject({
      n: 3,
      list: [
        {_key: 'k', v: 0.5},
        {_key: 'm', v: 3},
      ],
    })
    expect(out.title).toBeUndefined()
  })
})
