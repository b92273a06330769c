/**
 * Scans over attributes outside the side table read only the values their filter needs (issue 9:
 * "scans that do not parse every body"): which paths a filter reads, the stand-ins built from them,
 * and that a scan parses the bodies of its matches only. Results are checked against groq-js over
 * whole documents in tests/lake/groq/planner.test.ts.
 */
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {documentPaths, standIn} from '../../../lake/core/documentPaths.ts'
import {parseQuery} from '../../../lake/core/query.ts'
import type {Store} from '../../../lake/core/store.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {executeQuery} from '../../../lake/query/execute.ts'
import {countingBodies, memoryStore} from '../../helpers/store.ts'

/** The paths the filter of `*[filter]` reads. */
const pathsOf = (filter: string) => {
  const tree = parseQuery(`*[${filter}]`, {}) as unknown as {expr: never}
  return documentPaths([tree.expr])
}

describe('documentPaths', () => {
  test.each([
    ['length(body[1].children[0].text) > 3', [['body', 1, 'children', 0, 'text']]],
    ['_type == "a" && @.wordCount > 5', [['_type'], ['wordCount']]],
    ['count(tags[@ == "x"]) > 0', [['tags']]],
    ['source->name == "x"', [['source']]],
    ['body[0].style == "h1" || count(body) > 2', [['body']]],
    ['body[0..2] != null', [['body']]],
    ['body[-1].style == "h1"', [['body']]],
    ['string::startsWith(pt::text(body), "x")', [['body']]],
  ])('%s reads %j', (filter, paths) => expect(pathsOf(filter)).toEqual(paths))

  test.each([
    ['@ != null'],
    ['references("x")'],
    ['[@, _id] match "x"'],
    ['count(tags[@ == ^.title]) > 0'],
    ['sanity::partOfRelease("r")'],
    ['@["a\\"b"] == 1'],
    // Rewritten to read the document by its _id behind the tree's back (textQueryRewrite.ts).
    ['[@] match text::query("-x")'],
    ['title match text::query("x")'],
  ])('%s needs the whole document', (filter) => expect(pathsOf(filter)).toBeNull())

  test('stand-ins hold each value at its path, nothing where the document has none', () => {
    const paths = [['body', 1, 'children', 0, 'text'], ['title'], ['missing']]
    expect(standIn('a', 'article', paths, ['x', {t: 1}, undefined])).toEqual({
      _id: 'a',
      _type: 'article',
      body: [undefined, {children: [{text: 'x'}]}],
      title: {t: 1},
    })
  })
})

const ARTICLES = 300
let store: Store

beforeAll(async () => {
  const docs = Array.from({length: ARTICLES}, (_, i) => ({
    _id: `article-${String(i).padStart(3, '0')}`,
    _type: 'article',
    position: i % 17,
    body: [{_type: 'block', children: [{_type: 'span', text: 'ক'.repeat(i % 50)}]}],
  }))
  store = await memoryStore(docs as SanityDocument[])
})
afterAll(() => store.close())

test('a scan over other attributes parses only the bodies of its matches', async () => {
  const counting = countingBodies(store)
  const filter =
    '_type == "article" && position > 2 && position < 4 && length(body[0].children[0].text) > 10'
  const request = {
    query: `*[${filter}]{...}`,
    params: {},
    apiVersion: '2025-02-19',
    perspective: 'published',
  }
  const admin = {kind: 'user', id: 'u', role: 'administrator'} as never
  const environment = {now: new Date(), projectId: 'p', dataset: 'test'}
  const result = (await executeQuery(counting.store, request, admin, environment)) as unknown[]
  // position 3: articles 3, 20, 37, …; text longer than 10: i % 50 > 10.
  const expected = Array.from({length: ARTICLES}, (_, i) => i).filter(
    (i) => i % 17 === 3 && i % 50 > 10,
  )
  expect(result).toHaveLength(expected.length)
  expect(counting.parsed()).toBe(expected.length)
  // A projection that reads no more than the paths: the stand-ins answer it, no body is parsed.
  counting.reset()
  const projected = `*[${filter}]{_id, "text": body[0].children[0].text, "p": position}`
  const lean = await executeQuery(
    counting.store,
    {...request, query: projected},
    admin,
    environment,
  )
  expect(lean).toEqual(
    await executeQuery(store, {...request, query: projected}, admin, environment),
  )
  expect(lean).toHaveLength(expected.length)
  expect(counting.parsed()).toBe(0)
})
