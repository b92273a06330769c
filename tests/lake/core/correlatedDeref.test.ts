/**
 * A subquery per outer document that compares a field read through `->` with the outer document
 * (`*[_type == "source"]{"articles": *[_type == "article" && source->slug.current ==
 * ^.slug.current]}`): groq-js read the whole view once per outer document, and dereferenced every
 * article's source each time. The lake finds the view documents whose slug is the outer value
 * (the side table), then the documents holding a `_ref` to one of them (the references table),
 * for the outer list at once (core/correlated.ts); groq-js still decides every document. Each query
 * must answer as groq-js over the whole view, in every perspective, signed in and anonymous: a
 * draft or a version whose slug differs from the published one, a draft-only and a version-only
 * source, references to a draft's id, weak references to missing documents, null and missing
 * slugs, a `_ref` that is no string, a dotted id.
 */
import {expect, test} from 'vitest'
import {correlatedStore} from '../../helpers/correlated.ts'
import {countingBodies} from '../../helpers/store.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

/** What an article's `source` holds. */
const SOURCES: unknown[] = [
  {_type: 'reference', _ref: 's0'},
  {_type: 'reference', _ref: 's1'},
  {_type: 'reference', _ref: 'drafts.s1'},
  {_type: 'reference', _ref: 's2', _weak: true},
  {_type: 'reference', _ref: 'gone', _weak: true},
  {_type: 'reference', _ref: 's5'},
  {_type: 'reference', _ref: 's9'},
  {_type: 'reference', _ref: 's-private.x'},
  {_type: 'reference', _ref: 'versions.r1.s2'},
  {_ref: 5},
  {_ref: ['s1']},
  [{_ref: 's0'}],
  null,
  undefined,
  {_type: 'reference', _ref: 's3'},
  {_type: 'reference', _ref: 's4'},
]

function fixture(): SanityDocument[] {
  const docs: SanityDocument[] = []
  const at = (doc: SanityDocument, key: string, value: unknown) => {
    if (value !== undefined) (doc as Record<string, unknown>)[key] = value
  }
  const source = (id: string, slug: unknown, extra: object = {}) => {
    const doc = {_id: id, _type: 'source', name: id, ...extra} as SanityDocument
    at(doc, 'slug', slug)
    docs.push(doc)
  }
  source('s0', {current: 'zero'}, {featured: true})
  source('s1', {current: 'one'}, {featured: true})
  source('drafts.s1', {current: 'one-draft'})
  source('s2', {current: 'two'}, {featured: true})
  source('versions.r1.s2', {current: 'one'})
  // Same slug as s0: both are found.
  source('s3', {current: 'zero'}, {featured: true})
  source('s4', {current: 'four'}, {featured: true})
  source('o4', {current: null}, {featured: true, _type: 'page'})
  source('drafts.s9', {current: 'nine'})
  source('versions.r1.s5', {current: 'five'})
  source('s-private.x', {current: 'one'})
  // Outer documents that are no source: an article's slug, a slug that is a number, none.
  source('o1', {current: 'two'}, {featured: true, _type: 'page'})
  source('o2', {current: 7}, {featured: true, _type: 'page'})
  source('o3', undefined, {featured: true, _type: 'page'})
  for (let i = 0; i < SOURCES.length; i++) {
    const id = `a${String(i).padStart(3, '0')}`
    const doc: SanityDocument = {_id: id, _type: 'article', title: `A${i}`}
    at(doc, 'source', SOURCES[i % SOURCES.length])
    docs.push(doc)
    if (i % 5 === 0) docs.push({...doc, _id: `drafts.${id}`, source: {_ref: 's2'}})
    if (i % 7 === 0) docs.push({...doc, _id: `versions.r1.${id}`, source: {_ref: 's9'}})
  }
  // Many others that reference no outer document's slug: read only by groq-js over the view.
  for (let i = 0; i < 200; i++) {
    docs.push({
      _id: `b${String(i).padStart(3, '0')}`,
      _type: 'article',
      source: {_ref: 'elsewhere'},
    })
  }
  docs.push({_id: 'elsewhere', _type: 'place', slug: {current: 'elsewhere'}})
  // A draft of another type than its published layer (the drafts show a note there).
  docs.push({_id: 'drafts.a003', _type: 'note', source: {_ref: 's0'}})
  // Documents of another type, each with a `source`: a `*[_type == "article" && …]` need not
  // read them.
  for (let i = 0; i < 300; i++) {
    docs.push({_id: `n${String(i).padStart(3, '0')}`, _type: 'note', source: {_ref: 'elsewhere'}})
  }
  // A field the side table does not keep, on every source and outer document: strings (shared,
  // and differing between a draft or version and its published layer), null, a number, an object.
  const DESKS: unknown[] = ['desk-a', 'desk-b', 'desk-a', null, 5, {x: 1}, undefined, 'desk-c']
  docs.forEach((doc, i) => {
    if (doc._type !== 'article') at(doc, 'desk', DESKS[i % DESKS.length])
  })
  return docs
}

const {store, fullView, eachPerspective, expectAsGroq} = correlatedStore(fixture)

const KEYED = [
  '*[_type == "source"] | order(_id) {_id, "a": *[_type == "article" && source->slug.current == ^.slug.current] | order(_id) {_id, _originalId, title}}',
  '*[_type == "source"]{_id, "n": count(*[^.slug.current == source->slug.current && defined(title)])}',
]

/**
 * Outer values that are no string (null, missing, a number): the whole view, as groq-js reads it
 * (`->` of a weak reference to a missing document is null, equal to a null or missing slug).
 */
const UNKEYED = [
  '*[_type == "page"]{_id, "a": *[_type == "article" && source->slug.current == ^.slug.current] | order(_id) {_id, _originalId}}',
  '[{"slug": {"current": "one"}}, {"slug": {"current": null}}, {}, {"slug": {"current": 7}}, {"slug": {"current": "gone"}}]{"n": count(*[source->slug.current == ^.slug.current])}',
]

eachPerspective(
  'in the %s perspective, a subquery comparing `x->field == ^.field` answers as groq-js, reading no other bodies',
  KEYED,
  UNKEYED,
)

/** `->` compared on a field the side table does not keep (`desk`), outer values of every kind. */
const SCANNED = [
  '*[_type == "source"] | order(_id) {_id, "a": *[_type == "article" && source->desk == ^.desk] | order(_id) {_id, _originalId, title}}',
  '*[defined(desk)]{_id, "n": count(*[^.desk == source->desk && defined(title)]), "f": *[source->featured == ^.featured] | order(_id) [0...3]._id}',
  '[{"desk": "desk-a"}, {"desk": null}, {}, {"desk": 5}, {"desk": "gone"}, {"desk": "drafts.s1"}]{"n": count(*[source->desk == ^.desk]), "m": count(*[source->name == ^.desk])}',
]

eachPerspective(
  'in the %s perspective, a subquery comparing `x->field == ^.field` on a field the side table does not keep answers as groq-js',
  [],
  SCANNED,
)

test('`x->field == ^.field` on a field the side table does not keep reads the view of the filter’s type and its targets once, not once per outer document', async () => {
  const query = SCANNED[0]
  for (const name of ['published', 'drafts', 'r1']) {
    const counting = countingBodies(store())
    await expectAsGroq(query, name, counting.store)
    // groq-js dereferences every article's source again for each of the 16 sources; the notes,
    // of another type, need not be read at all.
    const articles = fullView(name).filter((doc) => doc._type === 'article').length
    expect(counting.parsed(), name).toBeLessThan(1.5 * articles)
  }
})
