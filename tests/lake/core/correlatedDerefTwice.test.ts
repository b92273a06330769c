/**
 * A subquery keyed by a field read through `->` (`source->slug.current == ^.slug.current`, the
 * side table then the references table: core/correlated.ts `deref`) over a document that holds
 * `_ref`s to two documents with the outer value in that field: a source and a tag of another type
 * sharing its slug (slugs are unique within a type, not across types), two layers of one group
 * shown under different ids, two sources of one slug. Found by the subquery property test
 * (tests/lake/groq/subqueryProperties.test.ts): the document was given once for each such
 * target, so it was in the answer twice. Each query must answer as groq-js over the whole view,
 * in every perspective, signed in and anonymous, reading few bodies.
 */
import {correlatedStore} from '../../helpers/correlated.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

const ref = (id: string) => ({_type: 'reference', _ref: id})

function fixture(): SanityDocument[] {
  const docs: SanityDocument[] = [
    {_id: 's0', _type: 'source', name: 'Dhaka Desk', slug: {current: 'dhaka'}},
    {_id: 's1', _type: 'source', name: 'Second Desk', slug: {current: 'dhaka'}},
    {_id: 'drafts.s2', _type: 'source', slug: {current: 'khulna'}},
    {_id: 'versions.r1.s3', _type: 'source', slug: {current: 'khulna'}},
    {_id: 't0', _type: 'tag', slug: {current: 'dhaka'}},
    // The source and a tag of the same slug.
    {_id: 'a0', _type: 'article', source: ref('s0'), tags: [ref('t0')]},
    // Two sources of one slug.
    {_id: 'a1', _type: 'article', source: ref('s1'), alt: ref('s0')},
    // A draft-only and a version-only source of one slug.
    {_id: 'a2', _type: 'article', source: ref('s2'), alt: ref('s3')},
    {_id: 'a3', _type: 'article', source: ref('s0')},
  ]
  for (let i = 0; i < 60; i++) {
    docs.push({_id: `n${i}`, _type: 'article', source: ref('elsewhere')})
  }
  return docs
}

const {eachPerspective} = correlatedStore(fixture)

eachPerspective(
  'in the %s perspective, a document holding `_ref`s to two documents of the outer value is given once',
  [
    '*[_type == "source"] | order(_id) {_id, "a": *[_type == "article" && source->slug.current == ^.slug.current]._id}',
    '*[_type == "source"] | order(_id) {_id, "n": count(*[_type == "article" && ^.slug.current == source->slug.current])}',
  ],
  [],
)
