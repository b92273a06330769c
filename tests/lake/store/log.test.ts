// The change log's compact row (lake/store/log.ts): a create whose document is the stored state
// without the lake's system fields is stored as a one-letter marker, anything else as its JSON,
// and either decodes to the mutations the transaction applied.
import {expect, test} from 'vitest'
import {decodeChange, encodeChange} from '../../../lake/store/log.ts'
import type {DocumentChange, SanityDocument} from '../../../lake/core/types.ts'

const SYSTEM = {
  _rev: 'tx1',
  _createdAt: '2026-12-04T05:00:00.000Z',
  _updatedAt: '2026-12-04T05:00:00.000Z',
}
const body = {_id: 'a', _type: 'article', title: 'শিরোনাম', tags: ['এক', {n: 1}], meta: {x: null}}
const reordered = {meta: body.meta, tags: body.tags, title: body.title, _type: 'article', _id: 'a'}

function change(mutation: Record<string, unknown>, after: SanityDocument): DocumentChange {
  return {
    id: after._id,
    before: null,
    after,
    mutations: [mutation],
    effects: {apply: [0, after], revert: [0, null]},
  }
}

/** Encoded, then decoded against the stored state: the mutations as they were applied. */
function roundTrip(c: DocumentChange): Record<string, unknown>[] {
  const row = encodeChange(c)
  return decodeChange(row, () => c.after).mutations
}

test.each([
  [
    'createOrReplace with _createdAt',
    {createOrReplace: {...body, _createdAt: SYSTEM._createdAt}},
    'R',
  ],
  ['create with _createdAt', {create: {...body, _createdAt: SYSTEM._createdAt}}, 'C'],
  ['createIfNotExists without _createdAt', {createIfNotExists: {...body}}, 'i'],
  ['create with its keys in another order', {create: reordered}, 'c'],
])('a %s equal to the stored state is its marker', (_, mutation, code) => {
  const c = change(mutation, {...body, ...SYSTEM})
  expect(encodeChange(c).mutations).toBe(code)
  expect(roundTrip(c)).toEqual([mutation])
})

test.each([
  ['a nested value differs', {create: {...body, tags: ['এক', {n: 2}]}}],
  ['it has a field the state lacks', {create: {...body, extra: 1}}],
  ['it lacks a field the state has', {create: {_id: 'a', _type: 'article', title: body.title}}],
  ['it carries a _rev', {createOrReplace: {...body, _rev: 'old'}}],
  ['it carries an _updatedAt', {createOrReplace: {...body, _updatedAt: SYSTEM._updatedAt}}],
  ['it carries another _createdAt', {create: {...body, _createdAt: '2020-01-01T00:00:00.000Z'}}],
  ['it is an array', {create: [body]}],
])(
  'a create whose document differs from the stored state (%s) is stored as JSON',
  (_, mutation) => {
    const c = change(mutation, {...body, ...SYSTEM})
    expect(encodeChange(c).mutations).toBe(JSON.stringify([mutation]))
    expect(roundTrip(c)).toEqual([mutation])
  },
)

test('a state without some system fields still matches a create of the same document', () => {
  // A state the lake wrote has all three; one of an older log may not.
  const after = {...body, _rev: 'tx1'} as SanityDocument
  const c = change({create: {...body}}, after)
  expect(encodeChange(c).mutations).toBe('c')
  expect(roundTrip(c)).toEqual([{create: body}])
})
