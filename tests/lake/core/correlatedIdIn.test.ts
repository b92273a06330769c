/**
 * A subquery per outer document that finds the documents an array of the outer document's
 * references names, as front ends write `relatedHeadlines[]->` out: an article's related headlines
 * by `*[_type == "headline" && _id in ^.relatedHeadlines[]._ref]`. groq-js read the whole view once
 * per outer document; the lake answers the inner `*` with the view documents of those ids
 * (core/correlated.ts), read for the outer list at once, and groq-js still decides every document.
 * Each query must answer as groq-js over the whole view, in every perspective, signed in and
 * anonymous: references to drafts, versions and dotted ids, groups with a draft or a version only,
 * weak references to missing documents, duplicates, members that are no reference or whose `_ref`
 * is a number, an array or null, a field that is no array, null or missing, and ids holding what
 * the lookup's key is made of (digits, `:`, a character outside the BMP).
 */
import fc from 'fast-check'
import {evaluate, parse} from 'groq-js'
import {expect, test} from 'vitest'
import {correlate, REFERRERS_MARKER} from '../../../lake/core/correlated.ts'
import {spelledMembers} from '../../../lake/core/view.ts'
import {correlatedStore} from '../../helpers/correlated.ts'
import type {Store} from '../../../lake/core/store.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

const ref = (id: unknown, extra: object = {}) => ({
  _type: 'reference',
  _ref: id,
  _key: 'k',
  ...extra,
})

/** What an article's `relatedHeadlines` holds: arrays of every kind of member, and no array. */
function related(i: number): unknown {
  switch (i % 10) {
    case 0:
      return [ref('h00'), ref('h01')]
    case 1:
      return [ref('h02', {_weak: true}), 'h03', null, 5, {x: 1}, [ref('h04')], ref('drafts.h01')]
    case 2:
      // The same headline twice, and a member without a `_ref`.
      return [ref('h05'), ref('h05'), {_ref: null}, {}]
    case 3:
      // No array: `relatedHeadlines[]` of an object is null.
      return ref('h03')
    case 4:
      return [ref('gone', {_weak: true}), ref('h:1'), ref('2:h0'), ref('😀h'), ref('1:')]
    case 5:
      return []
    case 6:
      return undefined
    case 7:
      return [ref(['h01']), ref(5), ref('versions.r1.h02'), ref('h-private.x'), ref('s1')]
    case 8:
      return null
    default:
      // Out of view order, a draft-only and a version-only group, an article.
      return [ref('h19'), ref('a000'), ref('h30'), ref('h31'), ref('h09')]
  }
}

function fixture(): SanityDocument[] {
  const docs: SanityDocument[] = []
  const at = (doc: SanityDocument, key: string, value: unknown) => {
    if (value !== undefined) (doc as Record<string, unknown>)[key] = value
  }
  docs.push({_id: 's1', _type: 'source', name: 'S1'})
  for (let i = 0; i < 20; i++) {
    const id = `h${String(i).padStart(2, '0')}`
    docs.push({_id: id, _type: 'headline', text: `H${i}`})
  }
  docs.push({_id: 'drafts.h01', _type: 'headline', text: 'H1 draft'})
  docs.push({_id: 'versions.r1.h02', _type: 'headline', text: 'H2 r1'})
  docs.push({_id: 'drafts.h30', _type: 'headline', text: 'H30 draft only'})
  docs.push({_id: 'versions.r1.h31', _type: 'headline', text: 'H31 r1 only'})
  docs.push({_id: 'h-private.x', _type: 'headline', text: 'dotted'})
  // Ids made of what the lookup's key is made of: a length, `:`, a surrogate pair.
  for (const id of ['h:1', '2:h0', '😀h', '1:']) docs.push({_id: id, _type: 'headline', text: id})
  for (let i = 0; i < 300; i++) {
    const id = `a${String(i).padStart(3, '0')}`
    const doc: SanityDocument = {_id: id, _type: 'article', title: `A${i}`}
    at(doc, 'relatedHeadlines', related(i))
    at(doc, 'credits', i % 3 === 0 ? [{person: ref(`h1${i % 10}`)}, {person: null}] : undefined)
    at(doc, 'also', i % 4 === 0 ? ['h07', 'a001', 7, null] : undefined)
    // Arrays of arrays: `^.groups[].items[]._ref` flattens one level.
    const groups = [{items: [ref('h01'), ref('h02')]}, {items: ref('h03')}, {items: [[ref('h04')]]}]
    at(doc, 'groups', i % 5 === 0 ? groups : undefined)
    docs.push(doc)
    if (i % 7 === 0) {
      docs.push({...doc, _id: `drafts.${id}`, relatedHeadlines: related(i + 1)} as SanityDocument)
    }
    if (i % 11 === 0) {
      const version: Record<string, unknown> = {...doc, _id: `versions.r1.${id}`}
      delete version.relatedHeadlines
      docs.push(version as SanityDocument)
    }
  }
  return docs
}

const {store, eachPerspective, spied, expectAsGroq} = correlatedStore(fixture)

/** Every outer document from a `*`: its members read by id, a few bodies each. */
const KEYED = [
  '*[_type == "article"][0...20]{_id, "related": *[_type == "headline" && _id in ^.relatedHeadlines[]._ref]{_id, _originalId, text}}',
  '*[_type == "article"][0...20]{_id, "n": count(*[_id in ^.relatedHeadlines[]._ref]), "first": *[defined(text) && _id in ^.relatedHeadlines[]._ref][0]._id}',
  '*[_type == "article"][0...20]{_id, "c": *[_id in ^.credits[].person._ref]._id, "also": *[(_id in ^.also[])] | order(_id desc) {_id, _type}}',
  '*[_type == "article"][0...20]{_id, "g": *[_id in ^.groups[].items[]._ref]._id, "gg": *[_id in ^.groups[].items[][]._ref]._id}',
  // A `*` in a scope other than the filter's `^` (an argument of array::compact()): its key is read
  // from inside a projection.
  '*[_type == "article"][0...20]{_id, "x": array::compact(*[_id in ^.relatedHeadlines[]._ref]._id)}',
  '*[_type == "article" && _id in ["a009", "a019", "a004", "a014"]]{_id, "r": *[_id in ^.relatedHeadlines[]._ref] | order(text) [0...2]{text}}',
]

/** Outer values not from a `*` (no outer list to read at once), of every kind. */
const UNKEYED = [
  '[{"r": [{"_ref": "h01"}, {"_ref": "h01"}, {"_ref": "2:h0"}]}, {"r": {"_ref": "h01"}}, {}, {"r": null}, {"r": [{"_ref": ["h02"]}, {"_ref": 5}]}, {"r": [{"_ref": "drafts.h30"}, {"_ref": "h30"}]}]{"n": *[_id in ^.r[]._ref]{_id, _originalId}}',
  '*[_type == "article"][0...3]{"x": *[_type == "source"]{"y": *[_id in ^.relatedHeadlines[]._ref]._id}}',
]

eachPerspective(
  'in the %s perspective, a subquery by `_id in ^.refs[]._ref` answers as groq-js, reading no other bodies',
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
    '*[_type == "article"] | order(_id) [0...100]{_id, "h": *[_type == "headline" && _id in ^.relatedHeadlines[]._ref].text}'
  for (const perspective of ['published', 'drafts']) {
    asks.length = 0
    const result = (await expectAsGroq(query, perspective, spy)) as {h: string[]}[]
    expect(result.filter((article) => article.h.length > 0).length, perspective).toBeGreaterThan(20)
    // The layers of every outer document's headlines in one selection, not one per article.
    expect(asks.filter((ids) => ids > 1).length, perspective).toBeGreaterThan(0)
    expect(asks.length, perspective).toBeLessThanOrEqual(3)
  }
})

test('the key spells the outer array so that every string of it is read back, whatever it holds', async () => {
  const {tree} = correlate(parse('*[_type == "outer"]{"r": *[_id in ^.r[]._ref]}'))!
  // UTF-16 units of every kind (lone surrogates too: groq-js's length() counts no high one), and
  // what the spelling is made of.
  const unit = fc.oneof(
    fc.constantFrom(':', '0', '1', '9', '\uD83D', '\uDE00', 'ক'),
    fc.integer({min: 0, max: 0xffff}).map((code) => String.fromCharCode(code)),
  )
  const member = fc.array(unit, {maxLength: 12}).map((units) => units.join(''))
  const outer = fc.array(fc.oneof(member, member, fc.constantFrom(5, null, ['x'])), {maxLength: 8})
  await fc.assert(
    fc.asyncProperty(outer, async (refs) => {
      const asked: string[] = []
      const dataset = [{_id: 'o', _type: 'outer', r: refs.map((_ref) => ({_ref}))}]
      const dereference = ({_ref}: {_ref: string}) => {
        asked.push(_ref)
        return null
      }
      await (await evaluate(tree, {dataset, dereference})).get()
      expect(asked).toHaveLength(1)
      const marker = `${REFERRERS_MARKER}0:`
      expect(asked[0].startsWith(marker)).toBe(true)
      const strings = refs.filter((ref) => typeof ref === 'string')
      expect(spelledMembers(asked[0].slice(marker.length))).toEqual(strings)
    }),
    {numRuns: 300},
  )
})
