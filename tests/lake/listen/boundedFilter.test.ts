/**
 * Which listener filters run on the event loop (issue 9): only those whose cost is bounded by the
 * document's and parameters' sizes. A `path()` glob of several wildcards (`**` or `*`) is a backtracking regular
 * expression in groq-js: a viewer's listener on 13 of them held the event loop 2.6 s per commit.
 */
import {describe, expect, test} from 'vitest'
import {isBoundedFilter, listenerFilterNode} from '../../../lake/listen/filter.ts'

const bounded = (query: string, params: Record<string, unknown> = {}) =>
  isBoundedFilter(listenerFilterNode(query, params))

describe('on the event loop', () => {
  test.each([
    ['*', {}],
    ['*[_type == "article" && !(_id in path("drafts.**"))]', {}],
    ['*[_id in path($g)]', {g: 'versions.*'}],
    ['*[references($id) || _id in $ids]', {id: 'a', ids: ['a', 'b']}],
  ])('%s', (query, params) => expect(bounded(query, params)).toBe(true))
})

describe('on a query worker, within the per-event budget', () => {
  test.each([
    ['*[_id in path($g)]', {g: `${Array(13).fill('**').join('.')}.#`}],
    ['*[_id in path($g)]', {g: 'a.**.**'}],
    ['*[_id in path($g)]', {g: `${Array(14).fill('*').join('.')}.#`}],
    ['*[_id in path($g)]', {g: 'versions.*.**'}],
    ['*[_id in path(title)]', {}],
    ['*[title match "a*b"]', {}],
  ])('%s %j', (query, params) => expect(bounded(query, params)).toBe(false))
})
