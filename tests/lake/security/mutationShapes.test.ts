/**
 * Fields of a mutation of the wrong type, sent over HTTP (the 2026-12-04 hostile sweep): each is a
 * 400 `validationError` that names the field and says what it must be, and nothing is written.
 * Before, an `ifRevisionID` that was no string was ignored and the patch applied over whatever
 * revision was there (a lost update); an `insert` position or a `diffMatchPatch` value that was no
 * string failed in @sanity/mutator's own words ("this.source.slice is not a function"); and a
 * `query` that was no string, or a patch naming no document, was "Malformed document ID:
 * \"undefined\"". A path @sanity/mutator reads only in part (`title extra`, `list[]`) set the
 * attribute it began with, or nothing, and answered 200.
 */
import {mkdir, mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {createSqliteStore} from '../../../lake/store/sqliteStore.ts'
import {createTestLake, useTestLake} from '../../helpers/lake.ts'
import {creating} from '../../helpers/store.ts'

const lake = useTestLake({tls: false})
const API = '/v2025-02-19'
let rev: string

beforeAll(async () => {
  const created = await lake()
    .client()
    .createOrReplace({_id: 'shape', _type: 'article', title: 'শিরোনাম', n: 1, list: ['a']})
  rev = created._rev
  await lake().client().createOrReplace({_id: 'drafts.shape', _type: 'article', title: 'খসড়া'})
})

async function mutate(mutations: unknown[]) {
  const res = await fetch(`${lake().url}${API}/data/mutate/test`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
    body: JSON.stringify({mutations}),
  })
  const body = (await res.json()) as {
    transactionId: string
    error: {description: string; items: {error: {type: string}}[]}
  }
  return {status: res.status, body}
}

async function unchanged() {
  const doc = await lake().client().getDocument('shape')
  expect(doc).toMatchObject({_rev: rev, title: 'শিরোনাম', n: 1, list: ['a']})
}

describe('a patch field of the wrong type is a 400 naming it; nothing is written', () => {
  it.each([
    ['ifRevisionID a number', {ifRevisionID: 5, set: {title: 'x'}}, /`ifRevisionID`.*string/],
    ['ifRevisionID an object', {ifRevisionID: {}, set: {title: 'x'}}, /`ifRevisionID`.*string/],
    ['ifRevisionID true', {ifRevisionID: true, set: {title: 'x'}}, /`ifRevisionID`.*string/],
    ['an insert position a number', {insert: {before: 5, items: ['b']}}, /`insert`.*`before`/],
    [
      'an insert with two positions',
      {insert: {before: 'list[0]', after: 'list[-1]', items: ['b']}},
      /`insert`.*one of `before`, `after` or `replace`/,
    ],
    ['an insert with no position', {insert: {items: ['b']}}, /one of `before`, `after`/],
    [
      'a diffMatchPatch value a number',
      {diffMatchPatch: {title: 5}},
      /`diffMatchPatch` of "title"/,
    ],
    // @sanity/mutator read the path's start and set `title`, or read "[]" as no items (a 200).
    ['a set of "title extra"', {set: {'title extra': 'x'}}, /path "title extra"/],
    ['a set of "title,n"', {set: {'title,n': 'x'}}, /path "title,n"/],
    ['a set of "list[]"', {set: {'list[]': 'x'}}, /path "list\[\]"/],
    ['an unset of "title]"', {unset: ['title]']}, /path "title\]"/],
    ['an insert after "list[-1] x"', {insert: {after: 'list[-1] x', items: ['b']}}, /path/],
  ])('%s', async (_what, patch, description) => {
    const {status, body} = await mutate([{patch: {id: 'shape', ...patch}}])
    expect(status).toBe(400)
    expect(body.error.items[0].error).toMatchObject({type: 'validationError'})
    expect(body.error.description).toMatch(description)
    await unchanged()
  })

  it('an ifRevisionID that is a string still guards (409), and the right one applies', async () => {
    const stale = await mutate([{patch: {id: 'shape', ifRevisionID: 'old', set: {n: 2}}}])
    expect(stale.status).toBe(409)
    await unchanged()
    const fresh = await mutate([{patch: {id: 'shape', ifRevisionID: rev, set: {n: 1}}}])
    expect(fresh.status).toBe(200)
    rev = fresh.body.transactionId
  })
})

describe('a patch or delete naming no document, or by a query that is no string', () => {
  it.each([
    ['a patch with neither id nor query', {patch: {set: {title: 'x'}}}, /`id`.*`query`/],
    ['a patch by a query that is a number', {patch: {query: 5, set: {title: 'x'}}}, /`query`/],
    ['a delete by a query that is an object', {delete: {query: {}}}, /`query`/],
    ['a delete with neither id nor query', {delete: {}}, /`id`.*`query`/],
    [
      'a delete by query with params that are no object',
      {delete: {query: '*[_id == $id]', params: 'shape'}},
      /`params`/,
    ],
  ])('%s is a 400 saying what it needs', async (_what, mutation, description) => {
    const {status, body} = await mutate([mutation])
    expect(status).toBe(400)
    expect(body.error.items[0].error).toMatchObject({type: 'validationError'})
    expect(body.error.description).toMatch(description)
    expect(body.error.description).not.toMatch(/undefined/)
    await unchanged()
  })
})

describe("an action's revision guard of the wrong type", () => {
  it.each(['ifDraftRevisionId', 'ifPublishedRevisionId'])(
    '%s given an object is a 400 saying it must be a string, not a 409',
    async (guard) => {
      const res = await fetch(`${lake().url}${API}/data/actions/test`, {
        method: 'POST',
        headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
        body: JSON.stringify({
          actions: [
            {
              actionType: 'sanity.action.document.publish',
              draftId: 'drafts.shape',
              publishedId: 'shape',
              [guard]: {},
            },
          ],
        }),
      })
      expect(res.status).toBe(400)
      const body = (await res.json()) as {error: {type: string; description: string}}
      expect(body.error.type).toBe('actionError')
      expect(body.error.description).toMatch(/revision .*string/)
      await unchanged()
      expect(await lake().client().getDocument('drafts.shape')).toMatchObject({title: 'খসড়া'})
    },
  )
})

describe('a number JSON cannot hold (1e400 parses as Infinity)', () => {
  async function mutateText(text: string) {
    const res = await fetch(`${lake().url}${API}/data/mutate/test`, {
      method: 'POST',
      headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
      body: text,
    })
    return {status: res.status, text: await res.text()}
  }

  it.each([
    ['in a created document', '{"create":{"_id":"inf1","_type":"article","n":1e400}}'],
    ['deep in a replaced one', '{"createOrReplace":{"_id":"inf2","_type":"a","l":[{"x":-1e999}]}}'],
    ['in a patch', '{"patch":{"id":"shape","set":{"n":1e400}}}'],
    ['in an inc', '{"patch":{"id":"shape","inc":{"n":1e400}}}'],
  ])('%s is a 400 naming it, not stored as null', async (_what, mutation) => {
    const {status, text} = await mutateText(`{"mutations":[${mutation}]}`)
    expect(status, text).toBe(400)
    expect(text).toMatch(/number/)
    expect(await lake().client().getDocument('inf1')).toBeUndefined()
    expect(await lake().client().getDocument('inf2')).toBeUndefined()
    await unchanged()
  })

  it('in a 3 MB body, read on a write thread', async () => {
    const pad = 'x'.repeat(3 << 20)
    const {status, text} = await mutateText(
      `{"mutations":[{"create":{"_id":"inf3","_type":"a","pad":"${pad}","n":1e400}}]}`,
    )
    expect(status, text.slice(0, 300)).toBe(400)
    expect(await lake().client().getDocument('inf3')).toBeUndefined()
  })
})

describe('a lone UTF-16 surrogate (valid JSON, no Unicode text)', () => {
  async function mutateText(text: string) {
    const res = await fetch(`${lake().url}${API}/data/mutate/test`, {
      method: 'POST',
      headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
      body: text,
    })
    return {status: res.status, text: await res.text()}
  }

  // Until 2026-12-04 stored: SQLite's JSON read `\ud83d` as bytes no query's text equals, so
  // `*[title == "…\ud83d"]` found nothing where `*[_id in [...] && title == …]` found it.
  it.each([
    [
      'in a created document',
      '{"create":{"_id":"lone1","_type":"a","title":"খবর \\ud83d"}}',
      '"title"',
    ],
    [
      'in an attribute name',
      '{"create":{"_id":"lone1","_type":"a","m":{"x\\udc00":1}}}',
      '"m["x\\udc00"]"',
    ],
    ['in a patch', '{"patch":{"id":"shape","set":{"list[0]":"\\ude00"}}}', '"list[0]"'],
  ])('%s is a 400 naming where, nothing stored', async (_what, mutation, where) => {
    const {status, text} = await mutateText(`{"mutations":[${mutation}]}`)
    expect(status, text).toBe(400)
    const {error} = JSON.parse(text)
    expect(error.items[0].error.type).toBe('validationError')
    expect(error.description).toMatch(/lone UTF-16 surrogate/)
    expect(error.description).toContain(`at ${where}`)
    expect(await lake().client().getDocument('lone1')).toBeUndefined()
    await unchanged()
  })

  it('in a transactionId is a 400 saying what to send, even for a delete that stores no document', async () => {
    await lake().client().createOrReplace({_id: 'kept', _type: 'a'})
    // Was a 200: the id became the log's, and each document's `_rev` then read back from SQLite
    // as other bytes, so every later large write of the document was a 409 to send it again.
    const {status, text} = await mutateText(
      '{"transactionId":"tx\\ud800","mutations":[{"delete":{"id":"kept"}}]}',
    )
    expect(status, text).toBe(400)
    const {error} = JSON.parse(text)
    expect(error.items[0].error.type).toBe('validationError')
    expect(error.description).toMatch(
      /transaction ID "tx\\ud800": it holds a lone UTF-16 surrogate/,
    )
    expect(await lake().client().getDocument('kept')).toMatchObject({_id: 'kept'})
  })

  // A control character in one was taken (200): the id is each event's SSE `id:` line (left out
  // for a line break) and text in the lake's log lines (a line break forged a line).
  it.each([
    [
      'the body of a mutate',
      'mutate',
      '',
      '{"transactionId":"tx\\nid: 1","mutations":[{"delete":{"id":"kept"}}]}',
    ],
    [
      'the URL of a mutate',
      'mutate',
      '?transactionId=tx%0Aid%3A%201',
      '{"mutations":[{"delete":{"id":"kept"}}]}',
    ],
    [
      'the body of an action',
      'actions',
      '',
      '{"transactionId":"tx\\nid: 1","actions":[{"actionType":"sanity.action.document.delete","publishedId":"kept"}]}',
    ],
  ])('in a transactionId in %s is a 400 saying which and where', async (_, route, query, body) => {
    await lake().client().createOrReplace({_id: 'kept', _type: 'a'})
    const res = await fetch(`${lake().url}${API}/data/${route}/test${query}`, {
      method: 'POST',
      headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
      body,
    })
    const text = await res.text()
    expect(res.status, text).toBe(400)
    expect(JSON.parse(text).error.description).toContain(
      'transaction ID "tx\\nid: 1": it holds a control character (U+000A at character 3)',
    )
    expect(await lake().client().getDocument('kept')).toMatchObject({_id: 'kept'})
  })

  it('an emoji whole, or the text "\\ud83d", is stored as sent', async () => {
    const title = 'খবর 😀 \\ud83d'
    await lake().client().createOrReplace({_id: 'whole', _type: 'a', title})
    const found = await lake().client().fetch('*[title == $title]._id', {title})
    expect(found).toEqual(['whole'])
  })
})

describe('an object of more attributes than hosted Sanity stores in a whole document is a 400', () => {
  /** An object of `n` attributes k0…. */
  const wide = (n: number) => Object.fromEntries(Array.from({length: n}, (_, i) => [`k${i}`, i]))

  it.each([
    ['at the top level', {_id: 'wide', _type: 'wide', ...wide(8_001)}, /the top level/],
    ['nested', {_id: 'wide', _type: 'wide', meta: {map: wide(8_001)}}, /"meta\.map"/],
    [
      'in an array item',
      {_id: 'wide', _type: 'wide', list: [{_key: 'a', map: wide(8_001)}]},
      /"list\[_key=="a"\]\.map"/,
    ],
  ])('%s: documentTooLargeError naming where, nothing stored', async (_, doc, where) => {
    // Before, a document of 100,000 attributes at its top level took 7-8 s to write and as long
    // to patch (every shallow copy of it is slow in V8), and one of 1,000,000 (14 MB) ran into
    // the write deadline: a 504 after 60 s.
    const {status, body} = await mutate([{createOrReplace: doc}])
    expect(status).toBe(400)
    expect(body.error.items[0].error.type).toBe('documentTooLargeError')
    expect(body.error.description).toMatch(/an object of 800[13] attributes/)
    expect(body.error.description).toMatch(where)
    expect(body.error.description).toMatch(/array of objects with `_key`/)
    expect(await lake().client().getDocument('wide')).toBeUndefined()
  })

  it('a patch may name more paths than that; what it makes is counted', async () => {
    // 9,000 items in rows of 100: each indexed set copies its row and the rows (one array of
    // 9,000 would be copied 9,000 times, past the patch budget).
    const row = (r: number) => ({
      _key: `r${r}`,
      items: Array.from({length: 100}, (_, i) => ({_key: `i${i}`, n: 0})),
    })
    const rows = Array.from({length: 90}, (_, r) => row(r))
    await lake().client().createOrReplace({_id: 'paths', _type: 'wide', rows})
    const set = Object.fromEntries(
      rows.flatMap((_, r) => Array.from({length: 100}, (_, i) => [`rows[${r}].items[${i}].n`, 1])),
    )
    expect(Object.keys(set)).toHaveLength(9_000)
    const {status} = await mutate([{patch: {id: 'paths', set}}])
    expect(status).toBe(200)
    const stored = await lake().client().getDocument('paths')
    const items = (stored!.rows as {items: {n: number}[]}[]).flatMap((r) => r.items)
    expect(items.every(({n}) => n === 1)).toBe(true)
  })

  it('a patch that makes an object that wide is refused too; 8,000 are stored', async () => {
    await lake()
      .client()
      .createOrReplace({_id: 'wide', _type: 'wide', map: wide(8_000)})
    const {status, body} = await mutate([{patch: {id: 'wide', set: {'map.one_more': 1}}}])
    expect(status).toBe(400)
    expect(body.error.description).toMatch(/"map"/)
    const stored = await lake().client().getDocument('wide')
    expect(Object.keys(stored!.map as object)).toHaveLength(8_000)
  })
})

describe('a patch path of more segments than a write may nest (WRITE_DEPTH, 104)', () => {
  // Until 2026-12-07 parsed in full: 10,000 segments held the event loop 2.7 s before
  // @sanity/mutator's parser ran out of stack ("Maximum call stack size exceeded").
  const long = 'q.'.repeat(999) + 'q'
  const refused = /the path "q\.q\.q[^"]*…" has 1,000 segments, more than the 104 a path may have/

  it.each([
    ['set', {set: {[long]: 1}}],
    ['setIfMissing', {setIfMissing: {[long]: 1}}],
    ['unset', {unset: [long]}],
    ['inc', {inc: {[long]: 1}}],
    ['dec', {dec: {[long]: 1}}],
    ['insert', {insert: {after: `${long.slice(2)}[-1]`, items: ['b']}}],
    ['diffMatchPatch', {diffMatchPatch: {[long]: '@@ -1 +1 @@\n-a\n+b\n'}}],
    ['set of nested brackets', {set: {[`list${'['.repeat(999)}0${']'.repeat(999)}`]: 1}}],
  ])('a %s is a 400 naming its start and the limit', async (_what, patch) => {
    const {status, body} = await mutate([{patch: {id: 'shape', ...patch}}])
    expect(status).toBe(400)
    expect(body.error.items[0].error).toMatchObject({type: 'validationError'})
    expect(body.error.description).toMatch(
      _what.startsWith('set of nested') ? /has 1,000 segments, more than the 104/ : refused,
    )
    await unchanged()
  })

  it('a create then a set in one request is refused whole', async () => {
    const {status, body} = await mutate([
      {create: {_id: 'longPath', _type: 'article'}},
      {patch: {id: 'longPath', set: {[long]: 1}}},
    ])
    expect(status).toBe(400)
    expect(body.error.description).toMatch(refused)
    expect(await lake().client().getDocument('longPath')).toBeUndefined()
  })

  it("an edit action's patch is a 400 too", async () => {
    const res = await fetch(`${lake().url}${API}/data/actions/test`, {
      method: 'POST',
      headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
      body: JSON.stringify({
        actions: [
          {
            actionType: 'sanity.action.document.edit',
            draftId: 'drafts.shape',
            publishedId: 'shape',
            patch: {set: {[long]: 1}},
          },
        ],
      }),
    })
    const body = (await res.json()) as {error: {type: string; description: string}}
    expect(res.status).toBe(400)
    expect(body.error.description).toMatch(refused)
    expect(await lake().client().getDocument('drafts.shape')).toMatchObject({title: 'খসড়া'})
  })

  it('a path of 104 segments is still read', async () => {
    const {status} = await mutate([{patch: {id: 'shape', unset: ['q.'.repeat(103) + 'q']}}])
    expect(status).toBe(200)
    rev = (await lake().client().getDocument('shape'))!._rev
  })
})

describe('an attribute name or a patch path past its length limit is a 400 naming it', () => {
  // Until 2026-12-07 neither had a limit: a set of a 1 MB path answered 200 after seconds of
  // parsing (the event loop's, or a write thread's), and a document with a 1 MB attribute name
  // was stored, for every query and export to carry.
  const name = 'n'.repeat(1_025)
  const path = 'p'.repeat(200_000)
  const nameRefused = /attribute name of 1,025 characters .*"nnnnnnnn[^"]*…".*at most 1,024/
  const pathRefused = /the path "pppppppp[^"]*…" is 200,000 characters long, more than the 8,192/

  it.each([
    ['create', {create: {_id: 'named', _type: 'article', [name]: 1}}, /the top level/],
    [
      'createOrReplace',
      {createOrReplace: {_id: 'named', _type: 'article', meta: {[name]: 1}}},
      /"meta"/,
    ],
    [
      'createIfNotExists',
      {createIfNotExists: {_id: 'named', _type: 'article', list: [{_key: 'a', [name]: 1}]}},
      /"list\[_key=="a"\]"/,
    ],
  ])('a %s of a document holding one: validationError naming where', async (_, mutation, where) => {
    const {status, body} = await mutate([mutation])
    expect(status).toBe(400)
    expect(body.error.items[0].error.type).toBe('validationError')
    expect(body.error.description).toMatch(nameRefused)
    expect(body.error.description).toMatch(where)
    expect(await lake().client().getDocument('named')).toBeUndefined()
  })

  it('a patch setting a value that holds one', async () => {
    const {status, body} = await mutate([{patch: {id: 'shape', set: {meta: {[name]: 1}}}}])
    expect(status).toBe(400)
    expect(body.error.description).toMatch(nameRefused)
    await unchanged()
  })

  it.each([
    ['set', {set: {[path]: 1}}],
    ['setIfMissing', {setIfMissing: {[path]: 1}}],
    ['unset', {unset: [path]}],
    ['inc', {inc: {[path]: 1}}],
    ['dec', {dec: {[path]: 1}}],
    ['insert', {insert: {after: `${path}[-1]`, items: ['b']}}],
    ['diffMatchPatch', {diffMatchPatch: {[path]: '@@ -1 +1 @@\n-a\n+b\n'}}],
    ['quoted set', {set: {[`['${path}']`]: 1}}],
  ])(
    'a %s of a path that long: validationError naming its start and the limit',
    async (what, patch) => {
      const {status, body} = await mutate([{patch: {id: 'shape', ...patch}}])
      expect(status).toBe(400)
      expect(body.error.items[0].error).toMatchObject({type: 'validationError'})
      expect(body.error.description).toMatch(
        what === 'quoted set' || what === 'insert'
          ? /is 200,004 characters long, more than the 8,192/
          : pathRefused,
      )
      await unchanged()
    },
  )

  it('in actions: a created document holding one, an edit with a path that long', async () => {
    const actions = async (action: unknown) => {
      const res = await fetch(`${lake().url}${API}/data/actions/test`, {
        method: 'POST',
        headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
        body: JSON.stringify({actions: [action]}),
      })
      return {status: res.status, body: (await res.json()) as {error: {description: string}}}
    }
    const created = await actions({
      actionType: 'sanity.action.document.create',
      publishedId: 'namedByAction',
      attributes: {_id: 'drafts.namedByAction', _type: 'article', [name]: 1},
      ifExists: 'fail',
    })
    expect(created.status).toBe(400)
    expect(created.body.error.description).toMatch(nameRefused)
    expect(await lake().client().getDocument('drafts.namedByAction')).toBeUndefined()
    const edited = await actions({
      actionType: 'sanity.action.document.edit',
      draftId: 'drafts.shape',
      publishedId: 'shape',
      patch: {set: {[path]: 1}},
    })
    expect(edited.status).toBe(400)
    expect(edited.body.error.description).toMatch(pathRefused)
    expect(await lake().client().getDocument('drafts.shape')).toMatchObject({title: 'খসড়া'})
  })

  it("an import's batch (createOrReplace of many documents) is refused whole", async () => {
    const docs = Array.from({length: 100}, (_, i) => ({_id: `batch${i}`, _type: 'article', n: i}))
    docs[70] = {...docs[70]!, [name]: 1}
    const {status, body} = await mutate(docs.map((doc) => ({createOrReplace: doc})))
    expect(status).toBe(400)
    expect(body.error.description).toMatch(nameRefused)
    expect(await lake().client().getDocument('batch0')).toBeUndefined()
  })

  it('a name and a path at their limits, and a deep Portable Text path, are still written', async () => {
    const atLimit = 'n'.repeat(1_024)
    const created = await mutate([
      {createOrReplace: {_id: 'named', _type: 'article', [atLimit]: 1, meta: {[atLimit]: 2}}},
    ])
    expect(created.status).toBe(200)
    // Seven names at their longest and an eighth, through objects the set makes.
    const names = [
      ...Array.from({length: 7}, (_, i) => `m${i}`.padEnd(1_024, 'q')),
      'z'.repeat(1_017),
    ]
    const longPath = names.join('.')
    expect(longPath).toHaveLength(8_192)
    expect((await mutate([{patch: {id: 'named', set: {[longPath]: 3}}}])).status).toBe(200)
    // The Studio's path into a span of a block of a list item, keys and all.
    const span = 'body[_key=="a1b2c3d4e5f6"].children[_key=="f6e5d4c3b2a1"].text'
    const body = [
      {
        _key: 'a1b2c3d4e5f6',
        _type: 'block',
        children: [{_key: 'f6e5d4c3b2a1', _type: 'span', text: 'ক'}],
      },
    ]
    expect((await mutate([{patch: {id: 'named', set: {body}}}])).status).toBe(200)
    expect((await mutate([{patch: {id: 'named', set: {[span]: 'খ'}}}])).status).toBe(200)
    const stored = await lake().client().getDocument('named')
    expect(stored![atLimit]).toBe(1)
    const leaf = names.reduce<unknown>(
      (node, name) => (node as Record<string, unknown>)[name],
      stored,
    )
    expect(leaf).toBe(3)
    expect(stored!.body).toMatchObject([{children: [{text: 'খ'}]}])
  })
})

describe('a `_key` past the name limit is a 400 naming where, nothing written', () => {
  const key = 'k'.repeat(9_000)

  const refused = (item: number) =>
    new RegExp(
      `has a \`_key\` of 9,000 characters \\("kkkkkkkk[^"]*…"\\) in "list", item ${item}.*at most 1,024`,
    )

  it.each([
    ['create', {create: {_id: 'keyed', _type: 'article', list: [{_key: key, x: 1}]}}, 0],
    [
      'createOrReplace',
      {createOrReplace: {_id: 'keyed', _type: 'article', list: [{_key: key}]}},
      0,
    ],
    ['a patch setting an array', {patch: {id: 'shape', set: {list: [{_key: key, x: 1}]}}}, 0],
    [
      'a patch inserting an item',
      {patch: {id: 'shape', insert: {after: 'list[-1]', items: [{_key: key, x: 1}]}}},
      1,
    ],
  ])('%s: validationError naming where', async (_, mutation, item) => {
    const {status, body} = await mutate([mutation])
    expect(status).toBe(400)
    expect(body.error.items[0].error.type).toBe('validationError')
    expect(body.error.description).toMatch(refused(item))
    expect(await lake().client().getDocument('keyed')).toBeUndefined()
    await unchanged()
  })
})

describe('names and `_key`s past their limits that a document held before the limits', () => {
  // Stored before the limits (2026-12-07), such a document could not be patched at all: every
  // write of it was refused for the name it already held, as a re-import of its export was.
  const name = 'n'.repeat(1_100)
  const other = 'o'.repeat(1_100)
  const key = 'k'.repeat(9_000)

  it('are kept by writes that leave them; a write that introduces one is refused', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lake-held-names-'))
    await mkdir(join(dataDir, 'datasets'))
    const store = createSqliteStore(join(dataDir, 'datasets', 'test.sqlite'), 'test')
    const legacy = {
      _id: 'legacy',
      _type: 'article',
      title: 'a',
      meta: {[name]: 1},
      list: [{_key: key, x: 1}],
    } as SanityDocument
    await store.transact((writer) => writer.commit(creating('old', [legacy])))
    store.close()
    const held = await createTestLake({dataDir})
    const send = async (mutations: unknown[]) => {
      const res = await held.fetch(`${held.url}${API}/data/mutate/test`, {
        method: 'POST',
        headers: {authorization: `Bearer ${held.token}`, 'content-type': 'application/json'},
        body: JSON.stringify({mutations}),
      })
      return {status: res.status, body: (await res.json()) as {error?: {description: string}}}
    }
    try {
      const edits = [
        {patch: {id: 'legacy', set: {title: 'b'}}},
        {patch: {id: 'legacy', set: {'meta.short': 2, 'list[0].x': 2}}},
        {patch: {id: 'legacy', unset: ['title']}},
      ]
      for (const edit of edits) expect([edit, (await send([edit])).status]).toEqual([edit, 200])
      // The Studio's first edit (its draft, a copy), a publish, and a re-import of an export.
      const {_rev, _updatedAt, ...copy} = (await held.client().getDocument('legacy'))!
      void _rev
      void _updatedAt
      const draft = {...copy, _id: 'drafts.legacy'}
      expect((await send([{createIfNotExists: draft}])).status).toBe(200)
      expect((await send([{patch: {id: 'drafts.legacy', set: {title: 'c'}}}])).status).toBe(200)
      const publish = [
        {createOrReplace: {...draft, _id: 'legacy', title: 'c'}},
        {delete: {id: 'drafts.legacy'}},
      ]
      expect((await send(publish)).status).toBe(200)
      expect((await send([{createOrReplace: {...copy, title: 'd'}}])).status).toBe(200)
      const stored = await held.client().getDocument('legacy')
      expect(stored).toMatchObject({title: 'd', meta: {[name]: 1, short: 2}})
      expect(stored!.list).toEqual([{_key: key, x: 2}])

      // Introduced by the write, each is refused: a new name beside it, the same name or key
      // elsewhere, in this document or another.
      const refusals: [unknown, RegExp][] = [
        [{patch: {id: 'legacy', set: {[`meta.${other}`]: 1}}}, /attribute name of 1,100.*"meta"/],
        [{patch: {id: 'legacy', set: {copy: {[name]: 1}}}}, /attribute name of 1,100.*"copy"/],
        [
          {patch: {id: 'legacy', set: {list2: [{_key: key}]}}},
          /`_key` of 9,000 .* in "list2", item 0/,
        ],
        [
          {patch: {id: 'legacy', insert: {after: 'list[-1]', items: [{_key: `${key}2`}]}}},
          /`_key` of 9,001 .* in "list", item 1/,
        ],
        [{create: {...copy, _id: 'another'}}, /attribute name of 1,100.*"meta"/],
      ]
      for (const [mutation, says] of refusals) {
        const {status, body} = await send([mutation])
        expect([mutation, status]).toEqual([mutation, 400])
        expect(body.error!.description).toMatch(says)
      }
      expect(await held.client().getDocument('legacy')).toMatchObject({title: 'd'})

      // A keyed path to the long `_key` is past the path limit; the refusal says how to reach it.
      const keyed = await send([{patch: {id: 'legacy', set: {[`list[_key=="${key}"].x`]: 3}}}])
      expect(keyed.status).toBe(400)
      expect(keyed.body.error!.description).toMatch(
        /9,016 characters long, more than the 8,192.*`_key`.*by its index/,
      )
    } finally {
      await held.close()
    }
  }, 120_000)
})
