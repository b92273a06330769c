/**
 * A listener's `_id in $ids` with thousands of ids (issue 9): a bounded filter, matched on the
 * event loop for every event of every such listener. groq-js compares the document's value with
 * each item of the list in turn, so each event cost every listener a pass over its list; the
 * compiled filter answers such a membership from a set made once.
 */
import {evaluateSync, parse} from 'groq-js'
import {expect, test} from 'vitest'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {compileFilter} from '../../../lake/listen/filter.ts'

/** A list whose items' reads are counted (each `in` over it reads them). */
function countedList(items: unknown[]) {
  const counter = {reads: 0}
  const list = new Proxy(items, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) counter.reads++
      return Reflect.get(target, key, receiver)
    },
  })
  return {list, counter}
}

test('an `in $ids` filter reads its list of ids once, not once an event', () => {
  const ids = Array.from({length: 2000}, (_, i) => `article-${String(i).padStart(5, '0')}`)
  const {list, counter} = countedList(ids)
  const match = compileFilter('*[_type == "article" && _id in $ids]', {ids: list}, 'p-editor')
  counter.reads = 0
  const matched = Array.from({length: 100}, (_, i) =>
    match({_id: i % 2 === 0 ? ids[1999 - i]! : `other-${i}`, _type: 'article'} as SanityDocument),
  )
  expect(matched).toEqual(Array.from({length: 100}, (_, i) => i % 2 === 0))
  // 100 events: a pass over the list each read it about 150,000 times.
  expect(counter.reads).toBe(0)
})

const list = [
  ...Array.from({length: 40}, (_, i) => `id-${i}`),
  'drafts.id-1',
  7,
  0,
  true,
  null,
  '7',
]

test.each([
  '*[_id in $list]',
  '*[@._id in $list]',
  '*[!(_id in $list)]',
  '*[(_id in $list) || title == "x"]',
  '*[_type == "article"][(_id in $list) == true]',
  '*[count in $list]',
  '*[flag in $list]',
  '*[missing in $list]',
  '*[meta.ref in $list]',
  '*[meta in $list]',
  '*[_id in $list && !(meta.ref in $list)]',
  '*[_id in $noNull]',
  '*[missing in $noNull]',
])('%s answers as groq-js does', (query) => {
  const params = {list, noNull: list.filter((item) => item !== null)}
  const docs: SanityDocument[] = [
    {_id: 'id-3', _type: 'article'},
    {_id: 'drafts.id-1', _type: 'article', title: 'x'},
    {_id: 'id-99', _type: 'article', title: 'x'},
    {_id: 'id-5', _type: 'note', count: 7, flag: true, meta: {ref: 'id-6'}},
    {_id: 'id-7', _type: 'article', count: '7', flag: 'true', meta: {ref: null}},
    {_id: 'id-8', _type: 'article', count: -0, flag: false, meta: ['id-1']},
    {_id: 'id-9', _type: 'article', count: 8, meta: {ref: {_ref: 'id-1'}}},
    {_id: 'id-10', _type: 'article', count: null, meta: 'id-1'},
    // groq-js calls a document's own hasOwnProperty: a type error, so no match.
    {_id: 'id-11', _type: 'article', hasOwnProperty: 'id-1'},
    {_id: 'id-12', _type: 'article', meta: {hasOwnProperty: 1, ref: 'id-1'}},
  ] as SanityDocument[]
  const match = compileFilter(query, params, 'p-editor')
  const tree = parse(query, {params})
  for (const doc of docs) {
    let matches: boolean
    try {
      matches = (evaluateSync(tree, {dataset: [doc], params}).data as unknown[]).length > 0
    } catch {
      matches = false
    }
    expect([doc._id, match(doc)]).toEqual([doc._id, matches])
  }
})
