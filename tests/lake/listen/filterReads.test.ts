/**
 * The top-level fields a listener's filter reads: a large document's outline (its small fields)
 * answers a filter that reads none of the large ones, so the document is not parsed on the event
 * loop (docs/listeners.md). Anything that can see the whole document reads all of it (null).
 */
import {describe, expect, test} from 'vitest'
import {outlineOf} from '../../../lake/core/changeText.ts'
import {compileFilter, filterReads, listenerFilterNode} from '../../../lake/listen/filter.ts'

const reads = (query: string, params: Record<string, unknown> = {}) => {
  const found = filterReads(listenerFilterNode(query, params))
  return found && [...found].sort()
}

describe('the fields a filter reads', () => {
  test.each([
    ['*', []],
    ['*[_type == "article"]', ['_type']],
    ['*[_id == "x"]{title}', ['_id']],
    ['*[_type == $t][!(_id in path("drafts.**"))]', ['_id', '_type']],
    ['*[@.title match "ঢাকা" && defined(slug.current)]', ['slug', 'title']],
    // A nested scope's names count as the document's: more than it reads, never less.
    ['*[count(items[x > 1]) > 0]', ['items', 'x']],
  ])('%s', (query, expected) => expect(reads(query, {t: 'article'})).toEqual(expected))

  test.each([
    '*[references("x")]',
    '*[count(@) > 0]',
    '*[count(items[^._id == _ref]) > 0]',
    '*[sanity::versionOf("x")]',
  ])('%s reads the whole document', (query) => expect(reads(query)).toBeNull())
})

describe('a large document’s outline', () => {
  test('keeps the small fields as they are and names the large ones', () => {
    const doc = {
      _id: 'drafts.archive',
      _type: 'article',
      _rev: 'r1',
      title: 'সংকলন',
      slug: {current: 'songkolon'},
      items: Array.from({length: 1000}, (_, i) => ({_key: `k${i}`, t: 'শিরোনাম'})),
      body: 'ক'.repeat(10_000),
    }
    expect(outlineOf(doc)).toEqual({
      fields: {
        _id: 'drafts.archive',
        _type: 'article',
        _rev: 'r1',
        title: 'সংকলন',
        slug: {current: 'songkolon'},
      },
      omitted: ['items', 'body'],
    })
  })

  test('keeps a field named __proto__ as a field, so the filter sees what it sees in the document', () => {
    // As JSON.parse makes it: an own field, in a document that is otherwise an ordinary object.
    const doc = JSON.parse(
      `{"_id": "x", "_type": "article", "__proto__": {"hasOwnProperty": 1}, "body": "${'ক'.repeat(5000)}"}`,
    )
    const outline = outlineOf(doc)!
    expect(Object.getPrototypeOf(outline.fields)).toBe(Object.prototype)
    expect(Object.hasOwn(outline.fields, '__proto__')).toBe(true)
    expect(outline.omitted).toEqual(['body'])
    // On main the field became the outline's prototype, and groq-js's reads of the outline threw:
    // the listener's filter said "no match" and its event was never sent.
    const filter = compileFilter('*[_type == "article"]', {}, 'pEditor')
    expect([filter(doc), filter(outline.fields)]).toEqual([true, true])
  })

  test('has none when too many fields are large (their names would be large too)', () => {
    const doc: Record<string, unknown> = {_id: 'x', _type: 'article'}
    for (let i = 0; i < 100; i++) doc[`f${i}`] = 'x'.repeat(4000)
    expect(outlineOf(doc as {_id: string; _type: string})).toBeNull()
  })
})
