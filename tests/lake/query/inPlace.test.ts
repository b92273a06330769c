/** Which queries skip the worker pool: lookups by id whose every step is linear (issue 9). */
import {describe, expect, test} from 'vitest'
import {parseQuery} from '../../../lake/core/query.ts'
import {runsInPlace} from '../../../lake/query/inPlace.ts'

const inPlace = (query: string, params: Record<string, unknown> = {}) =>
  runsInPlace(parseQuery(query, params))

describe('run in place', () => {
  test.each([
    ['*[_id == $id][0]', {id: 'a'}],
    ['*[_id in $ids]{_id, title, "source": source->name, tags[@ != "x"]}', {ids: ['a', 'b']}],
    ['*[_id == "a" && _type == "article"][0]{..., "n": count(tags), "t": coalesce(title, "")}', {}],
    ['*[_id in ["a", "b"]] | order(publishedAt desc)[0...1]', {}],
  ])('%s', (query, params) => expect(inPlace(query, params)).toBe(true))
})

describe('go to a worker', () => {
  test.each([
    ['*[_type == "article"][0]', {}],
    ['count(*)', {}],
    ['*[_id == $id][0]{"x": string::split(title, "")}', {id: 'a'}],
    ['*[_id == $id][0]{"x": $s[count($s[@ == ^]) > 0]}', {id: 'a', s: ['x']}],
    ['*[_id == $id][0]{"x": *[references(^._id)]}', {id: 'a'}],
    ['*[_id in $ids]', {ids: Array.from({length: 65}, (_, i) => `id-${i}`)}],
  ])('%s', (query, params) => expect(inPlace(query, params)).toBe(false))
})
