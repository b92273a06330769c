/**
 * The fields the Content Lake itself reads (`_id`, `_type`, `_createdAt`, `_ref`, `_key`) are held
 * to what hosted Sanity and the Studio expect of them: a write that would store one the Studio
 * cannot read is a 400 naming it, with nothing written (docs/lake-api.md, Mutate).
 */
import {mkdir, mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {expect, it} from 'vitest'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {createSqliteStore} from '../../../lake/store/sqliteStore.ts'
import {createTestLake, useTestLake} from '../../helpers/lake.ts'
import {creating} from '../../helpers/store.ts'

const lake = useTestLake({inProcess: true})

async function mutate(mutations: unknown[], query = '') {
  const res = await lake().fetch(`${lake().url}/v2025-02-19/data/mutate/test${query}`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
    body: JSON.stringify({mutations}),
  })
  type Answer = {
    results: {id: string}[]
    error: {description: string; items?: {error: {type: string}}[]}
  }
  return {status: res.status, body: (await res.json()) as Answer}
}

const count = () => lake().client().fetch<number>('count(*[!(_id in path("_.**"))])')

async function refused(mutations: unknown[], says: RegExp) {
  const before = await count()
  const {status, body} = await mutate(mutations)
  expect({status, type: body.error?.items?.[0]?.error.type}).toEqual({
    status: 400,
    type: 'validationError',
  })
  expect(body.error.description).toMatch(says)
  expect(await count()).toBe(before)
}

it('refuses a create whose _id is empty, as an id given is used as it is', async () => {
  await refused([{create: {_id: '', _type: 't'}}], /Malformed document ID: ""/)
  // Left out, one is made (and `prefix.` makes one after the prefix).
  const made = await mutate([{create: {_type: 't'}}, {create: {_id: 'p.', _type: 't'}}])
  expect(made.status).toBe(200)
  expect(made.body.results[1].id).toMatch(/^p\.[0-9A-Za-z]{22}$/)
})

it('refuses a _createdAt that is no date-time, written whole or by a patch', async () => {
  await refused(
    [{create: {_id: 'c1', _type: 't', _createdAt: 'nope'}}],
    /"c1".*`_createdAt`.*"nope".*2026-01-31T09:30:00Z/,
  )
  await refused([{createOrReplace: {_id: 'c1', _type: 't', _createdAt: 5}}], /`_createdAt`/)
  await refused(
    [{create: {_id: 'c1', _type: 't', _createdAt: '2026-02-30T00:00:00Z'}}],
    /`_createdAt`/,
  )
  expect((await mutate([{create: {_id: 'c1', _type: 't'}}])).status).toBe(200)
  await refused([{patch: {id: 'c1', set: {_createdAt: 'yesterday'}}}], /`_createdAt`/)
  // An RFC 3339 date-time, with its zone, as hosted Sanity and @sanity/import send them.
  const ok = await mutate([
    {create: {_id: 'c2', _type: 't', _createdAt: '2017-08-23T12:02:05+02:00'}},
    {patch: {id: 'c1', set: {_createdAt: '2020-01-02T03:04:05.678Z'}}},
  ])
  expect(ok.status).toBe(200)
  const [c1, c2] = await lake().client().getDocuments(['c1', 'c2'])
  expect([c1?._createdAt, c2?._createdAt]).toEqual([
    '2020-01-02T03:04:05.678Z',
    '2017-08-23T12:02:05+02:00',
  ])
  // Ten writes and reads in turn: 10 s at load 27, a third of vitest's default timeout.
}, 120_000)

it('keeps _updatedAt the server time whatever a patch sets', async () => {
  expect((await mutate([{create: {_id: 'u1', _type: 't', _updatedAt: 'nope'}}])).status).toBe(200)
  expect((await mutate([{patch: {id: 'u1', set: {_updatedAt: 'nope'}}}])).status).toBe(200)
  const doc = await lake().client().getDocument('u1')
  expect(Number.isNaN(Date.parse(doc!._updatedAt))).toBe(false)
})

it('refuses a _type holding a control character', async () => {
  await refused([{create: {_id: 't1', _type: 'a\u0000b'}}], /"t1".*`_type`.*U\+0000/)
  await refused([{createOrReplace: {_id: 't1', _type: 'line\nbreak'}}], /U\+000A/)
  await refused([{createIfNotExists: {_id: 't1', _type: '\u0085'}}], /U\+0085/)
  expect((await mutate([{create: {_id: 't1', _type: 'প্রবন্ধ.খবর'}}])).status).toBe(200)
})

it('refuses a reference whose _ref is no string, at any depth, written whole or by a patch', async () => {
  await refused(
    [{create: {_id: 'r1', _type: 't', author: {_type: 'reference', _ref: 5}}}],
    /"r1".*"author".*`_ref` is a number/,
  )
  await refused(
    [{create: {_id: 'r1', _type: 't', list: [{_key: 'k', _ref: null}]}}],
    /list\[_key=="k"\]/,
  )
  await refused([{create: {_id: 'r1', _type: 't', a: {b: {_ref: {id: 'x'}}}}}], /"a\.b"/)
  expect(
    (await mutate([{create: {_id: 'r1', _type: 't', author: {_type: 'reference', _ref: 'r1'}}}]))
      .status,
  ).toBe(200)
  await refused([{patch: {id: 'r1', set: {'author._ref': 7}}}], /`_ref` is a number/)
  expect((await lake().client().getDocument('r1'))?.author).toEqual({
    _type: 'reference',
    _ref: 'r1',
  })
})

it('autoGenerateArrayKeys gives a repeated _key a new one: keys are unique within each array', async () => {
  const items = [
    {_key: 'a', n: 1},
    {_key: 'a', n: 2},
    {n: 3},
    {_key: 'b', inner: [{_key: 'a'}, {_key: 'a'}]},
  ]
  const res = await mutate(
    [{create: {_id: 'k1', _type: 't', items}}],
    '?autoGenerateArrayKeys=true',
  )
  expect(res.status).toBe(200)
  const doc = await lake().client().getDocument('k1')
  const keys = (list: {_key: string}[]) => list.map((item) => item._key)
  expect(keys(doc!.items)[0]).toBe('a')
  expect(new Set(keys(doc!.items)).size).toBe(4)
  expect(keys(doc!.items)[3]).toBe('b')
  expect(keys(doc!.items[3].inner)[0]).toBe('a')
  expect(new Set(keys(doc!.items[3].inner)).size).toBe(2)
  expect(doc!.items.map((item: {n?: number}) => item.n)).toEqual([1, 2, 3, undefined])

  // A patch's items: unique among those it sends.
  const patched = await mutate(
    [{patch: {id: 'k1', insert: {after: 'items[-1]', items: [{_key: 'c'}, {_key: 'c'}]}}}],
    '?autoGenerateArrayKeys=true',
  )
  expect(patched.status).toBe(200)
  const after = await lake().client().getDocument('k1')
  expect(new Set(keys(after!.items)).size).toBe(6)
  expect(keys(after!.items)).toContain('c')
})

it('keeps writing what a document already holds, checked only where a write changes it', async () => {
  // Documents as the lake stored them before these checks (and as hosted exports may hold them).
  const dataDir = await mkdtemp(join(tmpdir(), 'lake-held-'))
  await mkdir(join(dataDir, 'datasets'))
  const store = createSqliteStore(join(dataDir, 'datasets', 'test.sqlite'), 'test')
  const old = (_id: string, fields: object) => ({_id, _type: 't', title: 'old', ...fields})
  const held = [
    old('d1', {_createdAt: '2024-01-05'}),
    old('d2', {_createdAt: '2024-01-05 10:00:00Z'}),
    old('d3', {_createdAt: '2024-01-05T10:00:00+0600'}),
    old('d4', {_createdAt: 'yesterday'}),
    old('r1', {ref: {_type: 'reference', _ref: null}, list: [{_key: 'k', _ref: 5}]}),
    old('drafts.p1', {_createdAt: 'yesterday', ref: {_type: 'reference', _ref: null}}),
  ] as SanityDocument[]
  await store.transact((writer) => writer.commit(creating('old', held)))
  store.close()
  const lake = await createTestLake({dataDir})
  const send = async (mutations: unknown[]) => {
    const res = await lake.fetch(`${lake.url}/v2025-02-19/data/mutate/test`, {
      method: 'POST',
      headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'},
      body: JSON.stringify({mutations}),
    })
    return {status: res.status, body: (await res.json()) as {error?: {description: string}}}
  }
  try {
    const stored = await lake.client().getDocuments(held.map((doc) => doc._id))
    for (const doc of stored) {
      const id = doc!._id
      // An edit that does not touch them, and the Studio's first edit: the draft made from it.
      expect([id, (await send([{patch: {id, set: {title: 'new'}}}])).status]).toEqual([id, 200])
      expect([id, (await send([{patch: {id, unset: ['title']}}])).status]).toEqual([id, 200])
      if (id.startsWith('drafts.')) continue
      const {_rev, _updatedAt, ...copy} = doc!
      void _rev
      void _updatedAt
      const draft = {...copy, _id: `drafts.${id}`}
      expect([id, (await send([{createIfNotExists: draft}])).status]).toEqual([id, 200])
      expect([id, (await send([{createOrReplace: draft}])).status]).toEqual([id, 200])
    }
    // Publishing a draft holding them: the published document is new, its draft holds them.
    const {_rev, _updatedAt, ...draft} = (await lake.client().getDocument('drafts.p1'))!
    void _rev
    void _updatedAt
    const publish = [{createOrReplace: {...draft, _id: 'p1'}}, {delete: {id: 'drafts.p1'}}]
    expect((await send(publish)).status).toBe(200)
    // Changed by the write, a value is checked: new garbage stays a 400.
    const changed = await send([{patch: {id: 'd4', set: {_createdAt: 'nope'}}}])
    expect(changed.status).toBe(400)
    expect(changed.body.error!.description).toMatch(/"d4".*`_createdAt`.*"nope"/)
    expect((await send([{patch: {id: 'r1', set: {'ref._ref': 7}}}])).status).toBe(400)
    const moved = await send([{patch: {id: 'r1', set: {list: [{_key: 'k', _ref: 6}]}}}])
    expect(moved.body.error?.description).toMatch(/"r1".*list\[_key=="k"\].*`_ref` is a number/)
    const other = await send([
      {createOrReplace: {_id: 'drafts.r1', _type: 't', ref: {_ref: false}}},
    ])
    expect(other.body.error?.description).toMatch(/"drafts.r1".*"ref".*`_ref` is a boolean/)
    expect((await send([{create: {_id: 'n1', _type: 't', _createdAt: 'yesterday'}}])).status).toBe(
      400,
    )
    // What Date.parse reads unambiguously is accepted new (a date alone is UTC's midnight).
    const readable = [
      {create: {_id: 'n2', _type: 't', _createdAt: '2024-01-05'}},
      {create: {_id: 'n3', _type: 't', _createdAt: '2024-01-05 10:00:00Z'}},
      {create: {_id: 'n4', _type: 't', _createdAt: '2024-01-05T10:00:00+0600'}},
    ]
    expect((await send(readable)).status).toBe(200)
    // A date-time without its zone is local time, read differently where the reader is.
    expect(
      (await send([{create: {_id: 'n5', _type: 't', _createdAt: '2024-01-05T10:00:00'}}])).status,
    ).toBe(400)
    expect((await lake.client().getDocument('d4'))?._createdAt).toBe('yesterday')
    expect((await lake.client().getDocument('p1'))?._createdAt).toBe('yesterday')
  } finally {
    await lake.close()
  }
}, 120_000)
