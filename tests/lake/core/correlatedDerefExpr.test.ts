/**
 * A subquery per outer document that compares the outer value with what `->` of anything but an
 * attribute path gives, or looks for it among what `x[]->f` gives: `(source->)._id == ^._id`,
 * `source->parent->name == ^.name`, `sources[0]->name == ^.name`, `coalesce(alt, source)->name ==
 * ^.name`, `^._id in relatedHeadlines[]->article._ref` (the articles whose related headlines are
 * about the outer article), `^.slug.current in sources[]->slug.current`, `source->name in
 * ^.names` (the outer document's array). groq-js read the whole
 * view and dereferenced every document again for each outer document; the lake reads the view once
 * a query and groups it by what the expression gives (core/correlated.ts `scan`). Each query must
 * answer as groq-js over the whole view, in every perspective, signed in and anonymous: drafts and
 * versions that differ from their published layer, references to a draft's id, weak references to
 * missing documents, `_ref`s that are no string, null and missing fields, arrays with nulls, numbers,
 * nested arrays and strings.
 */
import {expect, test} from 'vitest'
import {correlatedStore} from '../../helpers/correlated.ts'
import {countingBodies} from '../../helpers/store.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

const ref = (id: unknown, extra: object = {}) => ({_type: 'reference', _ref: id, ...extra})

/** What an article's `source` (and, shifted, `alt`) holds. */
const SOURCES: unknown[] = [
  ref('s0'),
  ref('s1'),
  ref('drafts.s1'),
  ref('s2', {_weak: true}),
  ref('gone', {_weak: true}),
  ref('s5'),
  ref('s9'),
  ref('s-private.x'),
  ref('versions.r1.s2'),
  {_ref: 5},
  {_ref: ['s1']},
  [ref('s0')],
  null,
  undefined,
  ref('s3'),
  ref('s4'),
]

/** What an article's `sources` holds: arrays with nulls, numbers, nested arrays, strings. */
const ARRAYS: unknown[] = [
  [ref('s0'), ref('s1')],
  [null, ref('s2'), 5],
  [[ref('s0')], 's1', ref('gone', {_weak: true})],
  [],
  'no array',
  null,
  undefined,
  [ref('drafts.s9'), ref('s3'), ref('s3')],
  [ref('versions.r1.s5'), {_ref: null}],
  [ref('s4'), ref('s0')],
]

/** What an article's `relatedHeadlines` holds. */
const RELATED: unknown[] = [
  [ref('h0'), ref('h1')],
  [ref('h2'), null, 3],
  [ref('h3', {_weak: true}), ref('gone', {_weak: true})],
  [],
  [ref('drafts.h4')],
  null,
  [ref('h5'), ref('h0'), 'h1'],
  undefined,
]

/** What an outer document's `names` holds: `x->f in ^.names`. */
const NAMES: unknown[] = [
  ['zero', 'one'],
  ['one'],
  ['one-draft', null],
  [],
  'one',
  undefined,
  [null],
  ['nine', 'nine'],
  [5, 'five'],
  [['zero']],
  null,
  ['two', 'zero', 'gone'],
]

function fixture(): SanityDocument[] {
  const docs: SanityDocument[] = []
  const at = (doc: SanityDocument, key: string, value: unknown) => {
    if (value !== undefined) (doc as Record<string, unknown>)[key] = value
  }
  const source = (id: string, name: unknown, slug: unknown, parent?: unknown, type = 'source') => {
    const doc = {_id: id, _type: type} as SanityDocument
    at(doc, 'name', name)
    at(doc, 'names', NAMES[docs.length % NAMES.length])
    at(doc, 'slug', slug === undefined ? undefined : {current: slug})
    at(doc, 'parent', parent)
    docs.push(doc)
  }
  source('s0', 'zero', 'zero', ref('s1'))
  source('s1', 'one', 'one', ref('s0'))
  source('drafts.s1', 'one-draft', 'one-draft', ref('s2'))
  source('s2', 'two', 'two', ref('gone', {_weak: true}))
  source('versions.r1.s2', 'one', 'one', ref('s1'))
  // Same name and slug as s0: both are found.
  source('s3', 'zero', 'zero', ref('drafts.s1'))
  source('s4', null, null, {_ref: 7})
  source('drafts.s9', 'nine', 'nine', ref('s4'))
  source('versions.r1.s5', 'five', 'five', ref('s0'))
  source('s-private.x', 'one', 'one', ref('s1'))
  // Outer documents that are no source: a name that is a number, an object, none.
  source('o1', 7, 7, undefined, 'page')
  source('o2', {x: 1}, 'two', undefined, 'page')
  source('o3', undefined, undefined, undefined, 'page')
  const headline = (id: string, article: unknown) => {
    const doc = {_id: id, _type: 'headline', text: id} as SanityDocument
    at(doc, 'article', article)
    docs.push(doc)
  }
  headline('h0', ref('a000'))
  headline('h1', ref('a001'))
  headline('drafts.h1', ref('a002'))
  headline('h2', ref('drafts.a005'))
  headline('h3', ref('a006', {_weak: true}))
  headline('drafts.h4', ref('a007'))
  headline('versions.r1.h5', ref('a000'))
  headline('h5', {_ref: 9})
  for (let i = 0; i < 40; i++) {
    const id = `a${String(i).padStart(3, '0')}`
    const doc: SanityDocument = {_id: id, _type: 'article', title: `A${i}`}
    at(doc, 'source', SOURCES[i % SOURCES.length])
    at(doc, 'alt', SOURCES[(i * 3 + 5) % SOURCES.length])
    at(doc, 'sources', ARRAYS[i % ARRAYS.length])
    at(doc, 'relatedHeadlines', RELATED[i % RELATED.length])
    docs.push(doc)
    if (i % 5 === 0) docs.push({...doc, _id: `drafts.${id}`, source: ref('s2'), sources: []})
    if (i % 7 === 0) {
      docs.push({...doc, _id: `versions.r1.${id}`, source: ref('s9'), relatedHeadlines: []})
    }
  }
  // Many others whose expressions give nothing an outer document asks for: read only by groq-js
  // over the view.
  for (let i = 0; i < 200; i++) {
    docs.push({
      _id: `b${String(i).padStart(3, '0')}`,
      _type: 'article',
      source: ref('elsewhere'),
      sources: [ref('elsewhere')],
    })
  }
  docs.push({_id: 'elsewhere', _type: 'place', name: 'elsewhere', slug: {current: 'elsewhere'}})
  // A draft of another type than its published layer (the drafts show a note there).
  docs.push({_id: 'drafts.a003', _type: 'note', source: ref('s0')})
  for (let i = 0; i < 100; i++) {
    docs.push({_id: `n${String(i).padStart(3, '0')}`, _type: 'note', source: ref('elsewhere')})
  }
  return docs
}

const {store, fullView, eachPerspective, expectAsGroq} = correlatedStore(fixture)

const EXPRESSIONS = [
  '*[_type in ["source", "page"]] | order(_id) {_id, "a": *[_type == "article" && (source->)._id == ^._id] | order(_id) {_id, _originalId, title}}',
  '*[_type in ["source", "page"]] | order(_id) {_id, "a": *[_type == "article" && source->parent->name == ^.name] | order(_id)._id}',
  '*[_type in ["source", "page"]] | order(_id) {_id, "a": *[_type == "article" && ^.name == sources[0]->name] | order(_id)._id}',
  '*[_type in ["source", "page"]] | order(_id) {_id, "n": count(*[_type == "article" && coalesce(alt, source)->name == ^.name && defined(title)])}',
  '*[_type in ["source", "page"]] | order(_id) {_id, "a": *[_type == "article" && ^.slug.current in sources[]->slug.current] | order(_id) [0...4]._id}',
  '*[_type == "article" && defined(relatedHeadlines)] | order(_id) {_id, "r": *[_type == "article" && ^._id in relatedHeadlines[]->article._ref] | order(_id)._id}',
  // `->` through `->` in a projection's members: a round a level.
  '*[_type in ["source", "page"]] | order(_id) {_id, "a": *[_type == "article" && ^.name in relatedHeadlines[]->article->source->name] | order(_id)._id}',
  '*[_type in ["source", "page"]] | order(_id) {_id, "a": *[_type == "article" && ^.name in sources[]->parent->name] | order(_id)._id}',
  '*[_type in ["source", "page"]] | order(_id) {_id, "a": *[_type == "article" && source->name in ^.names] | order(_id)._id}',
  '*[_type in ["source", "page"]] | order(_id) {_id, "n": count(*[_type == "article" && coalesce(alt, source)->name in ^.names && defined(title)])}',
]

/** Outer values that are no string (null, missing, a number, an array, an object). */
const OTHER_VALUES = [
  '[{"name": "zero"}, {"name": null}, {}, {"name": 5}, {"name": ["zero"]}, {"name": {"x": 1}}, {"name": "gone"}]{"n": count(*[source->parent->name == ^.name]), "m": count(*[^.name in sources[]->name]), "c": count(*[coalesce(alt, source)->name == ^.name])}',
  '[{"_id": "a000"}, {"_id": null}, {"_id": 3}, {}]{"r": *[^._id in relatedHeadlines[]->article._ref] | order(_id)._id}',
  '[{"n": ["zero"]}, {"n": [null]}, {"n": []}, {"n": "zero"}, {}, {"n": [5, "one"]}, {"n": [["zero"]]}, {"n": ["one", "one"]}, {"n": path("z*")}, {"n": path("*")}]{"c": count(*[source->name in ^.n]), "p": *[source->parent->name in ^.n] | order(_id) [0...3]._id}',
]

/**
 * The document's side through `->` built of more than attributes and coalesce(): a select(), a
 * function (lower(), array::compact()), a filter inside it; and the outer value read through `->`
 * (a headline's "more from this source": `source._ref == ^.article->source._ref`).
 */
const WIDER = [
  '*[_type in ["source", "page"]] | order(_id) {_id, "a": *[_type == "article" && select(defined(alt) => alt, source)->name == ^.name] | order(_id)._id}',
  '*[_type in ["source", "page"]] | order(_id) {_id, "a": *[_type == "article" && lower(source->name) == ^.name] | order(_id)._id}',
  '*[_type in ["source", "page"]] | order(_id) {_id, "a": *[_type == "article" && array::compact(sources)[0]->name == ^.name] | order(_id)._id}',
  '*[_type in ["source", "page"]] | order(_id) {_id, "n": count(*[_type == "article" && sources[defined(_ref)][0]->slug.current == ^.slug.current])}',
  '*[_type in ["source", "page"]] | order(_id) {_id, "a": *[_type == "article" && ^.name in sources[_type == "reference" && !(_ref in path("drafts.**"))]->name] | order(_id)._id}',
  '*[_type in ["source", "page"]] | order(_id) {_id, "a": *[_type == "article" && select(defined(alt) => alt, source)->name in ^.names] | order(_id)._id}',
  '*[_type == "headline"] | order(_id) {_id, "more": *[_type == "article" && source._ref == ^.article->source._ref] | order(_id) {_id, _originalId}}',
  '*[_type == "headline"] | order(_id) {_id, "more": *[_type == "article" && source->name == ^.article->source->name && _id != ^.article._ref] | order(_id)._id}',
  '*[_type == "headline"] | order(_id) {_id, "r": count(*[_type == "article" && ^.article->source._ref in sources[]._ref])}',
  // A constant (a parameter, written in by parse) in another's scope: the same for every outer
  // document.
  '*[_type == "headline"] | order(_id) {_id, "s": *[_type == "article" && source->name == "zero"] | order(_id)._id}',
  '*[_type == "headline"] | order(_id) {_id, "n": count(*[_type == "article" && "one" == select(defined(alt) => alt, source)->name])}',
]

/** Outer values read through `->` that are no string, or `->` that find nothing. */
const WIDER_OTHER_VALUES = [
  '[{"article": {"_ref": "a000"}}, {"article": {"_ref": "gone"}}, {"article": null}, {}, {"article": {"_ref": 5}}, {"article": {"_ref": "a013"}}]{"s": *[source._ref == ^.article->source._ref] | order(_id)._id, "n": count(*[source->name == ^.article->source->name]), "m": count(*[select(defined(alt) => alt, source)->name == ^.article->title])}',
  '[{"name": "zero"}, {"name": null}, {}, {"name": 5}, {"name": "gone"}]{"n": count(*[lower(source->name) == ^.name]), "m": count(*[^.name in array::compact(sources)[]->name])}',
]

eachPerspective(
  'in the %s perspective, a subquery comparing the outer value with `->` of an expression answers as groq-js',
  [],
  [...EXPRESSIONS, ...OTHER_VALUES, ...WIDER, ...WIDER_OTHER_VALUES],
)

test('a subquery comparing the outer value with `->` of an expression reads the view of the filter’s type and its targets once, not once per outer document', async () => {
  for (const query of EXPRESSIONS) {
    for (const name of ['published', 'drafts', 'r1']) {
      const counting = countingBodies(store())
      await expectAsGroq(query, name, counting.store)
      // groq-js reads every article (and dereferences it) again for each of the outer documents;
      // the notes, of another type, need not be read at all.
      const articles = fullView(name).filter((doc) => doc._type === 'article').length
      expect(counting.parsed(), `${name}: ${query}`).toBeLessThan(1.5 * articles)
    }
  }
})

test('a subquery whose `->` side holds a select(), a function or a filter, or whose outer value is read through `->`, reads the view of the filter’s type once, not once per outer document', async () => {
  for (const query of WIDER) {
    for (const name of ['published', 'drafts', 'r1']) {
      const counting = countingBodies(store())
      await expectAsGroq(query, name, counting.store)
      const articles = fullView(name).filter((doc) => doc._type === 'article').length
      expect.soft(counting.parsed(), `${name}: ${query}`).toBeLessThan(1.5 * articles)
    }
  }
})
