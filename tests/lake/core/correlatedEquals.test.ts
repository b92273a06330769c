/**
 * A subquery per outer document whose inner filter compares an indexed field with the outer
 * document (`*[_type == "source"]{"latest": *[_type == "article" && source._ref == ^._id] |
 * order(publishedAt desc) [0...3]}`, `section == ^.section`, `slug.current == ^.slug.current`):
 * groq-js read the whole view once per outer document. The lake answers the inner `*` from the side
 * table, one read for the outer list (core/correlated.ts); groq-js still decides every document.
 * Each query must answer as groq-js over the whole view, in every perspective, signed in and
 * anonymous, over values of every kind: strong, weak and nested references, a `source` that is a
 * string or an array, null, missing, numbers, objects, drafts and versions that differ.
 */
import {expect, test} from 'vitest'
import {correlatedStore} from '../../helpers/correlated.ts'
import type {Selection} from '../../../lake/core/store.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

const SECTIONS: unknown[] = ['খেলা', 'দেশ', 'খেলা', null, 5, {x: 1}, undefined, '']

function fixture(): SanityDocument[] {
  const docs: SanityDocument[] = []
  const source = (i: number): unknown => {
    switch (i % 8) {
      case 0:
        return {_type: 'reference', _ref: `s${i % 5}`}
      case 1:
        return {_type: 'reference', _ref: `s${i % 5}`, _weak: true}
      case 2:
        return 's1'
      case 3:
        return [{_ref: 's2'}]
      case 4:
        // A `_ref` inside a reference: source._ref is s3 here, never s4.
        return {_ref: 's3', inner: {_ref: 's4'}}
      case 5:
        return {_ref: 5}
      case 6:
        return undefined
      default:
        return {_type: 'reference', _ref: 'drafts.s0'}
    }
  }
  const at = (doc: SanityDocument, key: string, value: unknown) => {
    if (value !== undefined) (doc as Record<string, unknown>)[key] = value
  }
  for (let i = 0; i < 5; i++) {
    const doc: SanityDocument = {_id: `s${i}`, _type: 'source', name: `S${i}`}
    // Strings, null and missing: each a key the side table answers.
    at(doc, 'section', ['খেলা', 'দেশ', 'খেলা', null, undefined][i])
    at(doc, 'slug', i === 4 ? {current: null} : {current: `slug-${i % 3}`})
    docs.push(doc)
  }
  docs.push({_id: 'drafts.s1', _type: 'source', name: 'S1 draft', section: 'দেশ'})
  docs.push({_id: 'versions.r1.s2', _type: 'source', name: 'S2 r1', section: 'খেলা'})
  docs.push({_id: 'drafts.s9', _type: 'source', name: 'S9 draft only', slug: {current: 'slug-1'}})
  docs.push({_id: 's-private.x', _type: 'source', name: 'dotted'})
  for (let i = 0; i < 600; i++) {
    const id = `a${String(i).padStart(3, '0')}`
    const doc: SanityDocument = {_id: id, _type: i % 9 === 0 ? 'headline' : 'article'}
    at(doc, 'title', `A${i}`)
    at(doc, 'publishedAt', i % 13 === 0 ? null : `2025-01-${String((i % 28) + 1).padStart(2, '0')}`)
    at(doc, 'source', source(i))
    at(doc, 'section', SECTIONS[i % SECTIONS.length])
    at(doc, 'slug', i % 10 === 0 ? {current: `slug-${i % 3}`} : undefined)
    docs.push(doc)
    // Drafts and release versions that point elsewhere (or nowhere) than the published layer.
    if (i % 7 === 0) docs.push({...doc, _id: `drafts.${id}`, source: source(i + 1), section: 'দেশ'})
    if (i % 11 === 0) {
      const version: Record<string, unknown> = {...doc, _id: `versions.r1.${id}`, title: `A${i} r1`}
      delete version.source
      docs.push(version as SanityDocument)
    }
  }
  return docs
}

const {store, eachPerspective, spied, expectAsGroq} = correlatedStore(fixture)

/** Every outer value a string, null or missing: read from the side table, a few bodies each. */
const KEYED = [
  '*[_type == "source"]{_id, name, "latest": *[_type == "article" && source._ref == ^._id] | order(publishedAt desc, _id) [0...3]{_id, title}}',
  '*[_type == "source"]{_id, "n": count(*[source._ref == ^._id]), "h": count(*[^._id == source._ref && _type == "headline"])}',
  '*[_type == "source"] | order(_id) {_id, "same": *[section == ^.section && _type == "source"]._id}',
  '*[_type == "source"]{_id, "bySlug": *[slug.current == ^.slug.current] | order(_id desc) [0...4]{_id, _originalId}}',
  '*[_type == "source"]{_id, "sameSection": *[_type == "article" && section == ^.section && _id != ^._id] | order(_id) [0...2]._id}',
  '*[_type == "source"]{_id, "a": *[(source._ref == ^._id)][defined(publishedAt)] | order(_id) [0]{_id, "s": source->name}}',
]

/** Outer values of other kinds (a number, an object) read the whole view, and are still right. */
const UNKEYED = [
  '[{"_id": "s1"}, {"_id": 5}, {}, {"_id": null}]{"r": count(*[source._ref == ^._id])}',
  '*[_type == "article" && !(section in ["খেলা", "দেশ"])] | order(_id) [0...6] {_id, section, "n": count(*[section == ^.section])}',
  '*[_type == "source"] | order(_id) {_id, "x": *[_type == "source"]{"y": *[section == ^.section]._id}}',
]

eachPerspective(
  'in the %s perspective, a subquery comparing an indexed field with the outer document answers as groq-js, reading no other bodies',
  KEYED,
  UNKEYED,
)

test('the side table is read once for the outer list, not once per outer document', async () => {
  const selects: Selection[] = []
  const spy = spied({
    select(selection: Selection) {
      selects.push(selection)
      return store().select(selection)
    },
  })
  const query =
    '*[_type == "article"] | order(_id) [0...200] {_id, "same": *[_type == "article" && section == ^.section] | order(_id) [0]._id}'
  for (const name of ['published', 'drafts']) {
    selects.length = 0
    await expectAsGroq(query, name, spy)
    const byValue = selects.filter((selection) =>
      JSON.stringify(selection.where).includes('"equals"'),
    )
    // One read for the 200 outer documents' sections (the view's distinct values).
    expect(byValue.length, name).toBeGreaterThan(0)
    expect(byValue.length, name).toBeLessThanOrEqual(2)
  }
})
