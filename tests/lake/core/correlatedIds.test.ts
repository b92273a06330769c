/**
 * A subquery per outer document that joins by id, as front ends write one instead of `->`: a
 * headline's article by `*[_type == "article" && _id == ^.article._ref][0]`, an article's source by
 * `*[_id == ^.source._ref][0]`. groq-js read the whole view once per outer document; the lake
 * answers the inner `*` with the view document of that id (core/correlated.ts), read for the outer
 * list at once, and groq-js still decides every document. Each query must answer as groq-js over
 * the whole view, in every perspective, signed in and anonymous: ids of drafts, versions and
 * dotted ids, groups with a draft or a version only, a `_ref` that is a number, an array, null or
 * missing, and an id of another type.
 */
import {expect, test} from 'vitest'
import {correlatedStore} from '../../helpers/correlated.ts'
import type {Store} from '../../../lake/core/store.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

/** What an article's `source` holds: references to every kind of id, and things that are none. */
const SOURCES: unknown[] = [
  {_type: 'reference', _ref: 's0'},
  {_type: 'reference', _ref: 's1'},
  {_type: 'reference', _ref: 'drafts.s1'},
  {_type: 'reference', _ref: 's9', _weak: true},
  {_type: 'reference', _ref: 'versions.r1.s2'},
  {_type: 'reference', _ref: 's5'},
  {_type: 'reference', _ref: 's-private.x'},
  {_ref: 5},
  {_ref: ['s1']},
  {_ref: null},
  null,
  undefined,
  's1',
  {_type: 'reference', _ref: 'a001'},
  {_type: 'reference', _ref: 'nowhere'},
  {_type: 'reference', _ref: 's2'},
  {_type: 'reference', _ref: 's3'},
]

function fixture(): SanityDocument[] {
  const docs: SanityDocument[] = []
  const at = (doc: SanityDocument, key: string, value: unknown) => {
    if (value !== undefined) (doc as Record<string, unknown>)[key] = value
  }
  for (let i = 0; i < 5; i++) docs.push({_id: `s${i}`, _type: 'source', name: `S${i}`})
  docs.push({_id: 'drafts.s1', _type: 'source', name: 'S1 draft'})
  docs.push({_id: 'versions.r1.s2', _type: 'source', name: 'S2 r1'})
  // A draft only, a version only, a dotted id (no anonymous caller sees it).
  docs.push({_id: 'drafts.s9', _type: 'source', name: 'S9 draft only'})
  docs.push({_id: 'versions.r1.s5', _type: 'source', name: 'S5 r1 only'})
  docs.push({_id: 's-private.x', _type: 'source', name: 'dotted'})
  for (let i = 0; i < 200; i++) {
    const id = `a${String(i).padStart(3, '0')}`
    const doc: SanityDocument = {_id: id, _type: 'article', title: `A${i}`}
    at(doc, 'source', SOURCES[i % SOURCES.length])
    docs.push(doc)
    if (i % 7 === 0) {
      docs.push({...doc, _id: `drafts.${id}`, title: `A${i} draft`, source: {_ref: 's4'}})
    }
    if (i % 11 === 0) {
      const version: Record<string, unknown> = {...doc, _id: `versions.r1.${id}`, title: `A${i} r1`}
      delete version.source
      docs.push(version as SanityDocument)
    }
  }
  for (let i = 0; i < 20; i++) {
    const doc: SanityDocument = {_id: `h${String(i).padStart(2, '0')}`, _type: 'headline'}
    const article = [`a${String(i * 7).padStart(3, '0')}`, `drafts.a007`, 's1', null][i % 4]
    at(doc, 'article', article === null ? undefined : {_type: 'reference', _ref: article})
    at(doc, 'text', `H${i}`)
    docs.push(doc)
  }
  docs.push({_id: 'drafts.h01', _type: 'headline', text: 'H1 draft', article: {_ref: 'a000'}})
  return docs
}

const {store, eachPerspective, spied, expectAsGroq} = correlatedStore(fixture)

/** Every outer document's value a string, or no document: read by id, a few bodies each. */
const KEYED = [
  '*[_type == "article"][0...20]{_id, "s": *[_id == ^.source._ref][0]{_id, _originalId, name}}',
  '*[_type == "headline"]{_id, "a": *[_type == "article" && ^.article._ref == _id]{_id, title}, "n": count(*[_id == ^.article._ref && defined(title)])}',
  '*[_type == "source"]{_id, "self": *[_id == ^._id]{_id, _originalId}, "other": *[(_type == "article") && _id == ^.name]._id}',
]

/** Outer values of every kind, not from a `*` (no outer list to read at once). */
const UNKEYED = [
  '["s1", 5, null, ["s1"], "drafts.s1", "versions.r1.s2", "s9", "s5", "s-private.x", "nowhere", {"_ref": "s1"}]{"of": @, "n": *[_id == ^]{_id, _originalId}}',
  '[{"r": "s1"}, {"r": 5}, {}, {"r": null}, {"r": ["s1"]}, {"r": "drafts.s9"}, {"r": "s9"}]{"n": *[_id == ^.r]{_id, _originalId}}',
]

eachPerspective(
  'in the %s perspective, a subquery joined by `_id == ^.x` answers as groq-js, reading no other bodies',
  KEYED,
  UNKEYED,
)

test('the outer list is looked up at once, not once per outer document', async () => {
  const asks: number[] = []
  const spy = spied({
    *select(selection: Parameters<Store['select']>[0]) {
      if (selection.where?.kind === 'id') asks.push(selection.where.ids.length)
      yield* store().select(selection)
    },
  })
  const query =
    '*[_type == "article"] | order(_id) [0...100]{_id, "s": *[_type == "source" && _id == ^.source._ref][0].name}'
  for (const perspective of ['published', 'drafts']) {
    asks.length = 0
    const result = (await expectAsGroq(query, perspective, spy)) as {s?: string}[]
    expect(result.filter((article) => article.s).length, perspective).toBeGreaterThan(20)
    // The layers of every outer document's source in one selection, not one per article.
    expect(asks.filter((ids) => ids > 1).length, perspective).toBeGreaterThan(0)
    expect(asks.length, perspective).toBeLessThanOrEqual(3)
  }
})
