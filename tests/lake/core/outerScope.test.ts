/**
 * A query's one `*` whose filter reads `^` of a scope outside it (`[{"_id": "a0"}]{"r":
 * *[^._id in related[]->article._ref]}`: an outer array written out or a parameter's, no `*`).
 * The planner took that `*` for the query's scan and evaluated it alone (its filters on each batch,
 * a count, an ordered slice), where `^` is the root scope's, null: the lake answered `[]` or 0 where
 * groq-js finds documents. Each query must answer as groq-js over the whole view, in every
 * perspective, signed in and anonymous.
 */
import {expect, test} from 'vitest'
import {correlatedStore} from '../../helpers/correlated.ts'
import {parseQuery} from '../../../lake/core/query.ts'
import {planQuery} from '../../../lake/core/plan.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

const ref = (id: string) => ({_type: 'reference', _ref: id})

function fixture(): SanityDocument[] {
  const docs: SanityDocument[] = [
    {_id: 'h0', _type: 'headline', article: ref('a0')},
    {_id: 'h1', _type: 'headline', article: ref('a1')},
    {_id: 'drafts.h1', _type: 'headline', article: ref('a0')},
  ]
  for (let i = 0; i < 12; i++) {
    const doc = {
      _id: `a${i}`,
      _type: 'article',
      title: `A${i}`,
      section: i % 3 === 0 ? 'news' : 'sport',
      related: i % 2 === 0 ? [ref('h0'), ref('h1')] : [ref('h1')],
      items: [{_key: `a${i}`}, {_key: 'k'}],
    } as SanityDocument
    docs.push(doc)
    if (i % 4 === 0) docs.push({...doc, _id: `drafts.a${i}`, section: 'draft'})
  }
  return docs
}

const {eachPerspective} = correlatedStore(fixture)

eachPerspective(
  'in the %s perspective, a lone `*` whose filter reads an outer scope’s `^` answers as groq-js',
  [],
  [
    '[{"_id": "a0"}, {"_id": "a1"}, {}]{"r": *[^._id in related[]->article._ref] | order(_id)._id}',
    '[{"t": "article", "s": "news"}, {"t": "headline"}]{"n": count(*[_type == ^.t && section == ^.s])}',
    '[{"s": "sport"}, {"s": "draft"}]{"r": *[_type == "article" && section == ^.s] | order(_id) [0...2]._id}',
    '[{"s": "news"}]{"r": *[_type == "article" && section == ^.s] | order(title desc) [0]._id}',
    '[{"t": "article"}]{"r": *[_type == ^.t][0...3]._id}',
    // `^` inside the filter's own scopes is the document's: planned as before.
    '*[_type == "article" && count(items[_key == ^._id]) > 0] | order(_id) [0...5]._id',
    // references() of a value known only when evaluated (`^.x`, the document's own), found by
    // the subquery property test: its hint read it as references(null), which matches nothing.
    '[{"a": {"_ref": "h0"}}, {"a": {"_ref": "h1"}}, {}]{"r": *[references(^.a._ref)] | order(_id)._id}',
    '[{"a": ["h1", "x"]}]{"n": count(*[_type == "article" && references(^.a)])}',
    '*[_type == "article" && references(related[0]._ref)] | order(_id)._id',
    'count(*[references(related[]._ref)])',
    '*[references(items[1]._key, "h0")] | order(_id) [0...2]._id',
  ],
)

test('a lone `*` is planned as the scan unless its filter reads `^` past its document', () => {
  const plan = (query: string) => planQuery(parseQuery(query))
  const outer = plan(
    '[{"s": "news"}]{"r": *[_type == "article" && section == ^.s] | order(title) [0...2]}',
  )
  expect(outer.scan).toBeNull()
  expect(outer.topK).toBeNull()
  // The `_type` conjunct holds whatever `^` is: the view is still read by type.
  expect(outer.hint?.types).toEqual(['article'])
  expect(plan('[{"t": "a"}]{"n": count(*[_type == "a" && x == ^.t])}').count).toBeNull()
  // `^.^` from a filter inside the `*`'s filter is past its document too.
  expect(plan('*[_type == "a" && count(items[_key == ^.^.k]) > 0]').scan).toBeNull()
  for (const query of [
    '*[_type == "article" && count(items[_key == ^._id]) > 0] | order(_id) [0...5]._id',
    '*[_type == "article" && count(items[]{"k": ^._key}[k == ^._id]) > 0]._id',
    '*[_type == "article" && count(items[]->{"k": ^._id}) > 0]._id',
  ]) {
    expect(plan(query).scan, query).not.toBeNull()
  }
})
