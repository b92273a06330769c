/**
 * A subquery per outer document keyed by a `_ref` anywhere in the inner document: a source's
 * articles by `^._id in sources[]._ref` (an array of references, as articles' relatedHeadlines),
 * a headline's article by `article._ref == ^._id` (a reference field the side table does not
 * keep). groq-js read the whole view once per outer document; the lake answers the inner `*` from
 * the references table, one read for the outer list (core/correlated.ts), and groq-js still
 * decides every document. Each query must answer as groq-js over the whole view, in every
 * perspective, signed in and anonymous: strong, weak and nested references, a weak `_ref` inside
 * another reference (no row references() reads), duplicates, arrays with members of every kind,
 * null, missing, drafts and versions that point elsewhere.
 */
import {expect, test} from 'vitest'
import {parseQuery, evaluateQuery} from '../../../lake/core/query.ts'
import {executeQuery} from '../../../lake/query/execute.ts'
import {memoryStore} from '../../helpers/store.ts'
import {ADMIN, correlatedStore, env} from '../../helpers/correlated.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

/** Members of `sources` arrays: references of every kind, and things that are none. */
function sourcesOf(i: number): unknown {
  const ref = (id: string, extra: object = {}) => ({
    _type: 'reference',
    _ref: id,
    _key: id,
    ...extra,
  })
  switch (i % 10) {
    case 0:
      return [ref(`s${i % 5}`), ref(`s${(i + 1) % 5}`)]
    case 1:
      return [ref(`s${i % 5}`, {_weak: true}), 's1', null, 5, {x: 1}, [ref('s2')]]
    case 2:
      // Duplicates: the same source twice.
      return [ref('s2'), ref('s2'), {_ref: null}]
    case 3:
      // Not an array: `sources[]` of an object is the object.
      return ref('s3')
    case 4:
      // A weak `_ref` inside another reference: `sources[].inner._ref` is s4 here.
      return [{_ref: 'elsewhere', inner: {_ref: 's4', _weak: true}}]
    case 5:
      return []
    case 6:
      return undefined
    case 7:
      return [{_ref: 5}, {_ref: 'drafts.s0'}, {_ref: 's-private.x'}]
    case 8:
      return null
    default:
      return [{person: ref(`s${i % 5}`)}, ref('s9', {_weak: true})]
  }
}

function fixture(): SanityDocument[] {
  const docs: SanityDocument[] = []
  const at = (doc: SanityDocument, key: string, value: unknown) => {
    if (value !== undefined) (doc as Record<string, unknown>)[key] = value
  }
  for (let i = 0; i < 5; i++) {
    const doc: SanityDocument = {_id: `s${i}`, _type: 'source', name: `S${i}`}
    if (i === 3) at(doc, 'lead', {_ref: 'a001'})
    docs.push(doc)
  }
  docs.push({_id: 'drafts.s1', _type: 'source', name: 'S1 draft'})
  docs.push({_id: 'versions.r1.s2', _type: 'source', name: 'S2 r1'})
  docs.push({_id: 'drafts.s9', _type: 'source', name: 'S9 draft only'})
  docs.push({_id: 's-private.x', _type: 'source', name: 'dotted'})
  // A document that is itself a reference (a truthy root `_ref`): nothing inside it is a reference
  // to references(), so its weak `_ref`s are no visible row either.
  docs.push({
    _id: 'odd-root',
    _type: 'article',
    _ref: 'root',
    title: 'root ref',
    sources: [{_ref: 's1', _weak: true}],
    article: {_ref: 's2', _weak: true},
  } as SanityDocument)
  for (let i = 0; i < 300; i++) {
    const id = `a${String(i).padStart(3, '0')}`
    const doc: SanityDocument = {_id: id, _type: i % 9 === 0 ? 'headline' : 'article'}
    at(doc, 'title', `A${i}`)
    at(doc, 'sources', sourcesOf(i))
    // `article` as headlines have it, and odd values.
    at(doc, 'article', [{_ref: `s${i % 5}`}, {_ref: `s${i % 5}`, _weak: true}, 's1', null][i % 4])
    docs.push(doc)
    if (i % 7 === 0) {
      docs.push({...doc, _id: `drafts.${id}`, sources: sourcesOf(i + 3), article: {_ref: 's4'}})
    }
    if (i % 11 === 0) {
      const version: Record<string, unknown> = {...doc, _id: `versions.r1.${id}`, title: `A${i} r1`}
      delete version.sources
      docs.push(version as SanityDocument)
    }
  }
  return docs
}

const {store, eachPerspective, spied, expectAsGroq} = correlatedStore(fixture)

/** Every outer value a string: read from the references table, a few bodies each. */
const KEYED = [
  '*[_type == "source"]{_id, "articles": *[_type == "article" && ^._id in sources[]._ref] | order(_id desc) [0...4]{_id, title}}',
  '*[_type == "source"]{_id, "n": count(*[^._id in sources[]._ref]), "h": count(*[_type == "headline" && ^._id in sources[].person._ref])}',
  '*[_type == "source"]{_id, "inner": *[^._id in sources[].inner._ref]._id, "weak": *[^._id in sources[]._ref && _id == "odd-root"]._id}',
  '*[_type == "source"]{_id, "a": *[article._ref == ^._id] | order(_id) [0...3]{_id, _originalId}, "b": count(*[^._id == article._ref && _type == "headline"])}',
  '*[_type == "source"]{_id, "x": *[(article._ref == ^._id)][count(sources) > 1] | order(_id) [0]{_id, "s": sources[0]->name}}',
  '*[_type == "source" && defined(lead)]{_id, "l": *[_ref == ^.lead._ref]._id}',
  // An array written out of `_ref`s (a splat only of a `[]` projection's), or `_ref`s of one.
  '*[_type == "source"]{_id, "x": *[^._id in [article._ref, sources[0]._ref, sources.inner._ref]] | order(_id) [0...4]._id, "y": count(*[_type == "headline" && ^._id in [...sources[]._ref, article._ref]])}',
  '*[_type == "source"]{_id, "z": *[_type == "article" && ^._id in [article, sources[1], sources[0].person]._ref] | order(_id desc) [0...3]{_id, title}}',
]

/** Outer values that are no string (null, missing, a number) read the whole view, and are right. */
const UNKEYED = [
  '[{"_id": "s1"}, {"_id": 5}, {}, {"_id": null}]{"n": count(*[^._id in sources[]._ref]), "m": count(*[article._ref == ^._id])}',
  '*[_type == "source"] | order(_id) {_id, "x": *[_type == "source"][0...2]{"y": *[^._id in sources[]._ref][0...2]._id}}',
  // references() of an array matches the referrers of any string in it (the outer `_id` of no
  // document: an object written out), and of null or a number nothing.
  '[{"_id": "s1"}, {"_id": ["s1", "s2"]}, {"_id": [5, "s3"]}, {}, {"_id": null}, {"_id": 5}]{"r": *[references(^._id)] | order(_id) [0...5]._id, "n": count(*[_type == "article" && references(^._id)])}',
  '*[_type == "source"][0...2]{"ids": [_id, "s4"]}{"r": *[references(^.ids)]._id, "m": [{"_id": ^.ids}]{"q": count(*[references(^._id)])}}',
]

eachPerspective(
  'in the %s perspective, a subquery keyed by a `_ref` of the inner document answers as groq-js, reading no other bodies',
  KEYED,
  UNKEYED,
)

test('the references table is read once for the outer list, not once per outer document', async () => {
  const asks: string[][] = []
  const spy = spied({
    referrersOf(ids: readonly string[], kind?: never) {
      asks.push([...ids])
      return store().referrersOf(ids, kind)
    },
  })
  const query =
    '*[_type == "article"] | order(_id) [0...100] {_id, "h": *[_type == "headline" && ^._id in sources[]._ref] | order(_id) [0]._id}'
  for (const name of ['published', 'drafts']) {
    asks.length = 0
    await expectAsGroq(query, name, spy)
    // One read for the 100 outer documents' ids.
    expect(asks.length, name).toBeGreaterThan(0)
    expect(asks.length, name).toBeLessThanOrEqual(2)
  }
})

test('a `_ref` that holds an array is no row of the references table: `^._id in x._ref` reads the view for it', async () => {
  // groq-js: "s1" in ["s1", "s2"] is true; the table holds rows for string `_ref`s only.
  const own = await memoryStore([
    {_id: 's1', _type: 'source'},
    {_id: 'a1', _type: 'article', article: {_ref: ['s1', 's2']}},
    {_id: 'a2', _type: 'article', article: {_ref: 's1'}},
    {_id: 'a3', _type: 'article', article: [{_ref: ['s1']}]},
  ] as SanityDocument[])
  try {
    for (const query of [
      '*[_type == "source"]{_id, "in": *[^._id in article._ref] | order(_id) ._id}',
      '*[_type == "source"]{_id, "in": *[^._id in article[]._ref] | order(_id) ._id, "eq": *[article._ref == ^._id]._id}',
      // An element is compared whole: an array of strings equals no id, but a splat of one is searched.
      '*[_type == "source"]{_id, "in": *[^._id in [article._ref, article[0]._ref]] | order(_id) ._id, "splat": *[^._id in [...article._ref]]._id}',
    ]) {
      const request = {query, params: {}, perspective: 'raw', apiVersion: '2025-02-19'}
      const result = await executeQuery(own, request, ADMIN, env)
      const view = [...own.scan()]
      expect(result, query).toEqual(await evaluateQuery(parseQuery(query), view, {params: {}}))
    }
  } finally {
    own.close()
  }
})
