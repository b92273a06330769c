/**
 * A differential read of the planner's rewrites against groq-js over the whole view: the
 * referrers of `^._id` read as stand-ins (core/correlated.ts), sanity::versionOf() and
 * partOfRelease() as ids, an order over no index when few candidates remain, and `*` under
 * `&&`, `||`, select(), coalesce() and conditional splats planned as parts. The fixture holds what
 * the rewrites could miss: a document referencing the outer one twice, from an array of arrays,
 * weakly, at its top level, under `__proto__` or inside another reference; references to draft,
 * version and dotted ids; ids that are prefixes of others (`a`, `a-b`, `a.b`); mixed types,
 * nulls and ties in the order keys; enough documents for several batches of outer candidates.
 * Signed in and as an anonymous reader of a public dataset (ids without a dot only).
 */
import {afterAll, beforeAll, expect, test} from 'vitest'
import {parseQuery, evaluateQuery} from '../../../lake/core/query.ts'
import {applyPerspective, parsePerspective} from '../../../lake/core/perspective.ts'
import {executeQuery} from '../../../lake/query/execute.ts'
import {PUBLIC_READER} from '../../../lake/core/grants.ts'
import {memoryStore} from '../../helpers/store.ts'
import type {Store} from '../../../lake/core/store.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

const ref = (id: string, weak = false) => ({
  _type: 'reference',
  _ref: id,
  ...(weak ? {_weak: true} : {}),
})

function fixture(): SanityDocument[] {
  const docs: Record<string, unknown>[] = []
  for (const id of ['p0', 'p1', 'p2', 'a', 'a-b', 'a.b']) {
    docs.push({_id: id, _type: 'author', name: `N ${id}`, rank: id.length})
  }
  docs.push({_id: 'drafts.p1', _type: 'author', name: 'P1 draft'})
  docs.push({_id: 'drafts.pd', _type: 'author', name: 'draft only'})
  docs.push({_id: 'versions.r1.p2', _type: 'author', name: 'P2 r1'})
  docs.push({_id: '_.releases.r1', _type: 'system.release', name: 'r1'})
  const values: unknown[] = [3, 'x', null, true, {k: 1}, [1], 2.5, 'B', undefined, -1, 'a', 3]
  const targets = ['p0', 'p1', 'p2', 'a', 'a-b', 'a.b', 'drafts.p1', 'drafts.pd', 'versions.r1.p2']
  for (let i = 0; i < 60; i++) {
    const target = targets[i % targets.length]
    const doc: Record<string, unknown> = {
      _id: `art-${i}`,
      _type: 'article',
      title: `T${i % 7}`,
      n: values[i % values.length],
      tags: ['a', 'b'].slice(0, i % 3),
    }
    if (i % 4 === 0) doc.author = ref(target)
    if (i % 4 === 1) doc.author = ref(target, true)
    if (i % 4 === 2) doc.authors = [[ref(target)], [ref(target), ref('p1')]]
    if (i % 4 === 3) Object.assign(doc, {author: ref(target), editor: ref(target)})
    if (i % 5 === 0) doc.body = [{_type: 'block', children: [{_type: 'span', text: `hi ${i}`}]}]
    if (i % 6 === 0) doc.nested = {deep: {x: i, y: [i, 'z']}}
    docs.push(doc)
    if (i % 7 === 0) docs.push({...doc, _id: `drafts.art-${i}`, title: `D${i}`, author: ref('p2')})
    if (i % 9 === 0) docs.push({...doc, _id: `versions.r1.art-${i}`, author: ref('p0')})
  }
  docs.push({_id: 'sub.ref', _type: 'article', author: ref('p1'), title: 'under a dot'})
  docs.push({_id: 'top-ref', _type: 'article', _ref: 'p1', title: 'top'})
  docs.push({_id: 'deep-ref', _type: 'article', x: {y: [[{z: {_ref: 'p0'}}]]}})
  docs.push({_id: 'proto-ref', _type: 'article', m: JSON.parse('{"__proto__": {"_ref": "p2"}}')})
  docs.push({_id: 'num-ref', _type: 'article', author: {_ref: 5}, editor: {_ref: 'P1'}})
  docs.push({_id: 'in-ref', _type: 'article', author: {...ref('a'), inner: {_ref: 'p0'}}})
  // Outer candidates past a filter batch (100), each referenced by others (itself too: b000).
  for (let i = 0; i < 120; i++) {
    const id = `b${String(i).padStart(3, '0')}`
    const v = i % 17 === 0 ? null : i % 23 === 0 ? 'str' : (i * 37) % 50
    docs.push({_id: id, _type: 'bulk', v, next: ref(`b${String((i * 7) % 120).padStart(3, '0')}`)})
    if (i % 10 === 0) docs.push({_id: `drafts.${id}`, _type: 'bulk', v: i, next: ref('b000')})
    if (i % 25 === 0) docs.push({_id: `versions.r1.${id}`, _type: 'bulk', v: -i, next: ref('b001')})
  }
  return docs as SanityDocument[]
}

/** Each author with what the subquery gives for it. */
const each = (inner: string) => `*[_type == "author"] | order(_id) {_id, "x": ${inner}}`

const QUERIES = [
  // Stand-ins read whole or through paths the rewrite must see.
  each('*[references(^._id)]'),
  each('*[references(^._id)]{..., "t": title}'),
  each('*[references(^._id)]{_id, _rev, _updatedAt, _createdAt, _originalId, "o": @}'),
  each('*[references(^._id)]{"p": ^._id, "pp": ^.^._id, "o": @{title}}'),
  each('*[references(^._id)]{"s": select(defined(n) => n, title), "c": coalesce(n, title)}'),
  each(
    '*[references(^._id)]{"l": length(title), "t": pt::text(body), "sp": string::split(title, "")}',
  ),
  each('*[references(^._id)]{"a": author->name, "e": editor->{name}, "as": authors[][]->name}'),
  each('*[references(^._id)]{"d": nested.deep.y[1], "t": tags[-1], "x": authors[1][0]._weak}'),
  each('*[references(^._id)]{"v": sanity::versionOf(_id), "m": m, "r": *[references(^._id)]._id}'),
  each('*[references(^._id)] | order(n desc, _id) {_id, n}'),
  each('*[references(^._id)] | order(n, title desc) [0...3]._id'),
  each('*[references(^._id)] | order(_originalId desc, length(tags)) ._id'),
  each('*[references(^._id)] | score(title match "T1") {_id, _score}'),
  each('count(*[references(^._id)])'),
  each('*[references(^._id)][-1]{_id, title}'),
  each('array::unique(*[references(^._id)].title)'),
  // Filters beside references(), and forms the rewrite leaves alone.
  each('*[references(^._id) && defined(body)]{"t": pt::text(body)}'),
  each('*[references(^._id) && @.n == 3 && _id != ^._id && ^.rank > 1]._id'),
  each('*[references(^._id) && round(n, "x") == null && dateTime(title) == null]._id'),
  each('*[references(^._id) && _id in path("drafts.**")]._id'),
  each('*[references(^._id)][references("p1")]._id'),
  each('*[references(^._id, "x")]._id'),
  each('*[references([^._id])]._id'),
  each('*[references(^._id) || n == 3]._id'),
  each('select(^._id == "p1" => *[references(^._id)]._id, "no")'),
  each('*[references(^._id)]{_id, "r": *[references(^._id)]{_id, "rr": *[references(^._id)]._id}}'),
  each('array::compact(*[references(^._id)].n)'),
  '*[_type == "author"] | order(_id) [0...4]._id[count(*[references(^._id)]) >= 0]',
  '*[_type == "author"] | order(_id) {"n": name}{"x": *[references(^._id)]._id}',
  '[{"_id": "p0"}, {"_id": "p1"}, {}][]{"x": *[references(^._id)]._id}',
  '*[_type == "author"] | order(count(*[references(^._id)]) desc, _id)._id',
  '*[_type == "author"]{_id, defined(name) => {"c": *[references(^._id)]._id}}',
  '*[_type == "article"] | order(_id) [0...10]{_id, "a": author->{_id, "o": *[references(^._id)]._id}}',
  // Subqueries in the outer filter, over several batches of candidates.
  '*[_type == "bulk" && count(*[references(^._id)]) > 1] | order(v desc, _id) [0...20]{_id, v}',
  '*[_type == "bulk" && defined(*[references(^._id) && v > 10][0])]._id',
  'count(*[_type == "bulk" && count(*[references(^._id)]) == 0])',
  '*[_type == "bulk"] | order(v desc) [0...40]{_id, "r": *[references(^._id)] | order(v desc) [0...2]{_id, v}}',
  // sanity::versionOf() and partOfRelease().
  '*[sanity::versionOf("a")]._id',
  '*[sanity::versionOf("a.b")]._id',
  '*[sanity::versionOf("drafts.p1")]._id',
  '*[sanity::versionOf("versions.r1.p2")]._id',
  '*[sanity::versionOf("p") || sanity::versionOf("")]._id',
  '*[sanity::versionOf(null) || !sanity::versionOf(1)]._id',
  '*[!sanity::versionOf("art-0") && _type == "author"]._id',
  '*[sanity::partOfRelease("r1") && _type == "author"]._id',
  '*[sanity::partOfRelease("r")]._id',
  '*[sanity::partOfRelease("r1.drafts") || sanity::partOfRelease("")]._id',
  // Orders over no index, few candidates by id: mixed types, nulls, ties.
  '*[_id in ["art-1", "art-2", "art-3", "art-4", "art-5", "nope"]] | order(n desc) {_id, n}',
  '*[_id in ["art-1", "art-4", "art-5", "art-8", "art-12"]] | order(nested.deep.x, n) [1...4]._id',
  '*[sanity::versionOf("art-0")] | order(_updatedAt desc, title) [0]._id',
  '*[_type == "author"] | order(rank desc, name) [0...3]._id',
  // `*` under && || select() coalesce() and conditional splats; releases::all().
  'coalesce(dateTime(*[_type == "article"] | order(_id)[0]._updatedAt), 1) - dateTime(*[_type == "author"] | order(_id)[0]._updatedAt)',
  '{count(*[_type == "author"]) > 0 => {"d": dateTime(*[_type == "article"] | order(_id)[0]._updatedAt)}}.d - dateTime("2020-01-01T00:00:00Z")',
  'select(count(*[_type == "author"]) > 0 => *[_type == "author"] | order(_id) [0...2]{_id, "r": *[references(^._id)]._id}, 1)',
  'count(*[_type == "author"]) in [7, 8, 9] && "p1" in *[_type == "author"]._id',
  'coalesce(releases::all()[0]._id, *[_type == "author"][0]._id)',
]

let store: Store
beforeAll(async () => {
  store = await memoryStore(fixture())
})
afterAll(() => store.close())

const ADMIN = {id: 'admin', kind: 'user', role: 'administrator'} as const
const env = {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'}

test.each(['raw', 'published', 'drafts', 'previewDrafts', 'r1,drafts', 'r1'])(
  'in the %s perspective, signed in and anonymous, every query answers as groq-js over the view',
  async (name) => {
    const view = applyPerspective(store.scan(), parsePerspective(name, '2025-02-19'), '2025-02-19')
    // The anonymous reader of a public dataset: published documents, ids without a dot.
    const anonymousView = (
      name === 'raw' ? view : applyPerspective(store.scan(), {kind: 'published'}, '2025-02-19')
    ).filter((doc) => !doc._id.includes('.'))
    for (const query of QUERIES) {
      for (const [principal, documents] of [
        [ADMIN, view],
        [PUBLIC_READER, anonymousView],
      ] as const) {
        const request = {query, params: {}, perspective: name, apiVersion: '2025-02-19'}
        const result = await executeQuery(store, request, principal, env)
        const expected = await evaluateQuery(parseQuery(query), documents, {params: {}})
        expect(result, `${principal.id} ${name}: ${query}`).toEqual(expected)
      }
    }
  },
  60_000,
)
