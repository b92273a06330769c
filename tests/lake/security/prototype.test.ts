/**
 * `__proto__`, `constructor` and `hasOwnProperty` from callers: as document attributes and query
 * paths, parameter names and keys of objects in queries and parameters. JavaScript gives them a
 * meaning of their own (assigning `__proto__` sets an object's prototype; every object has a
 * `constructor`; groq-js calls `hasOwnProperty`), so wherever the lake builds an object from a
 * caller's names it must define the property, not assign it, and test what an object has of its
 * own. Before: a query reading `__proto__.x` (or
 * `constructor.prototype.x`) from an indexed field set `Object.prototype.x` in the lake's process,
 * and every request after it, `/ping` included, was a 500 until a restart; a `$__proto__` URL
 * parameter became the parameters' prototype and was "not provided"; an object with a
 * `hasOwnProperty` key made any query reading it a 500.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterAll, afterEach, describe, expect, it} from 'vitest'
import {createTestLake, type InProcessLake} from '../../helpers/lake.ts'

const API = '/v2025-02-19'
let lake: InProcessLake | undefined
let dataDir: string | undefined

afterEach(() => {
  // Whatever a failed run left on Object.prototype must not break the tests after it.
  for (const key of ['x', 'polluted']) delete (Object.prototype as Record<string, unknown>)[key]
})
afterAll(async () => {
  await lake?.close()
  if (dataDir) await rm(dataDir, {recursive: true, force: true})
})

function api(path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers)
  headers.set('authorization', `Bearer ${lake!.token}`)
  if (init.body !== undefined) headers.set('content-type', 'application/json')
  return lake!.fetch(`${lake!.url}${API}${path}`, {...init, headers})
}
const query = (q: string) =>
  api('/data/query/test', {method: 'POST', body: JSON.stringify({query: q})})

describe('a stored document with a `__proto__` attribute', () => {
  it('is read by queries through an indexed field without touching Object.prototype', async () => {
    // Such a document can be in a data folder (written before the lake refused the name, or by
    // hand); the lake must read it safely. Written under another name, renamed in the file.
    dataDir = await mkdtemp(join(tmpdir(), 'lake-proto-'))
    lake = await createTestLake({dataDir})
    await lake.client().create({_id: 'p4', _type: 't', protoKey: {x: 1}})
    await lake.close({keepData: true})
    const db = new DatabaseSync(join(dataDir, 'datasets', 'test.sqlite'))
    db.exec(`UPDATE documents SET body = jsonb(replace(json(body), '"protoKey"', '"__proto__"'))`)
    db.close()
    lake = await createTestLake({dataDir})

    // The first asks make the lake index the path; the last reads it from the index.
    for (let i = 0; i < 3; i++) {
      const res = await query('*[__proto__.x == 1]._id')
      expect(res.status).toBe(200)
      expect((await res.json()).result).toEqual(['p4'])
    }
    const res = await query('*[_id == "p4"][__proto__.x == 1]._id')
    expect(({} as Record<string, unknown>).x).toBeUndefined()
    expect(res.status).toBe(200)
    expect((await res.json()).result).toEqual(['p4'])
    expect((await lake.fetch(`${lake.url}/v2025-03-01/ping`)).status).toBe(200)
  })
})

describe('a document with a `constructor.prototype` attribute', () => {
  it('is read through an indexed field without touching Object.prototype', async () => {
    lake ??= await createTestLake()
    await lake.client().create({_id: 'c1', _type: 't', constructor: {prototype: {polluted: 1}}})
    for (let i = 0; i < 3; i++) {
      const res = await query('*[constructor.prototype.polluted == 1]._id')
      expect((await res.json()).result).toEqual(['c1'])
    }
    const res = await query('*[_id == "c1"][constructor.prototype.polluted == 1]._id')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(res.status).toBe(200)
    expect((await res.json()).result).toEqual(['c1'])
  })
})

describe('a parameter named `__proto__`', () => {
  it('is the value given, over GET and POST', async () => {
    lake ??= await createTestLake()
    const value = {a: 1}
    const get = await api(
      `/data/query/test?query=${encodeURIComponent('$__proto__')}&$__proto__=${encodeURIComponent(JSON.stringify(value))}`,
    )
    expect(get.status).toBe(200)
    expect((await get.json()).result).toEqual(value)
    const post = await api('/data/query/test', {
      method: 'POST',
      body: `{"query":"$__proto__","params":{"__proto__":${JSON.stringify(value)}}}`,
    })
    expect(post.status).toBe(200)
    expect((await post.json()).result).toEqual(value)
  })
})

describe('an attribute named `__proto__` is refused with 400, and nothing is stored', () => {
  // Stored, it was lost silently: the next patch of any field dropped it (@sanity/mutator copies
  // with Object.assign), `{...}` in a query left it out (groq-js), and a patch of `__proto__.x` was
  // a no-op answered 200.
  const write = (body: unknown, route = 'mutate') =>
    api(`/data/${route}/test`, {method: 'POST', body: JSON.stringify(body)})
  const refused = async (res: Response) => {
    const body = await res.json()
    expect(res.status, JSON.stringify(body)).toBe(400)
    expect(body.error.description).toMatch(/attribute named "__proto__".*rename the attribute/)
  }

  it.each([
    ['at the top', '{"_id":"q1","_type":"t","__proto__":{"x":1}}'],
    ['nested in an array', '{"_id":"q1","_type":"t","list":[{"_key":"k","__proto__":1}]}'],
  ])('in a created document (%s)', async (_, doc) => {
    lake ??= await createTestLake()
    for (const kind of ['create', 'createOrReplace', 'createIfNotExists']) {
      const res = await api('/data/mutate/test', {
        method: 'POST',
        body: `{"mutations":[{"${kind}":${doc}}]}`,
      })
      await refused(res)
    }
    expect(await lake.client().getDocument('q1')).toBeUndefined()
  })

  it.each([
    ['a set value', {set: {meta: JSON.parse('{"__proto__":{"x":1}}')}}],
    ['a set path', {set: {'__proto__.x': 1}}],
    ['a bracketed path', {set: {'meta["__proto__"]': 1}}],
    ['an unset path through it', {unset: ['__proto__.x']}],
    ['an inc path', {inc: {'__proto__.n': 1}}],
    ['an insert', {insert: {after: '__proto__[-1]', items: [1]}}],
  ])('in a patch (%s)', async (_, ops) => {
    lake ??= await createTestLake()
    const client = lake.client()
    await client.createOrReplace({_id: 'q2', _type: 't', meta: {a: 1}})
    const before = await client.getDocument('q2')
    await refused(await write({mutations: [{patch: {id: 'q2', ...ops}}]}))
    expect(await client.getDocument('q2')).toEqual(before)
  })

  it('in a patch with autoGenerateArrayKeys (the keys were added to a copy without it)', async () => {
    lake ??= await createTestLake()
    const client = lake.client()
    await client.createOrReplace({_id: 'q5', _type: 't', list: [{_key: 'k'}]})
    const before = await client.getDocument('q5')
    const res = await api('/data/mutate/test?autoGenerateArrayKeys=true', {
      method: 'POST',
      body: '{"mutations":[{"patch":{"id":"q5","insert":{"after":"list[-1]","items":[{"__proto__":{"y":1}}]}}}]}',
    })
    await refused(res)
    expect(await client.getDocument('q5')).toEqual(before)
  })

  it('in an edit action', async () => {
    lake ??= await createTestLake()
    const client = lake.client()
    await client.createOrReplace({_id: 'drafts.q3', _type: 't', meta: {a: 1}})
    const before = await client.getDocument('drafts.q3')
    const edit = {
      actionType: 'sanity.action.document.edit',
      draftId: 'drafts.q3',
      publishedId: 'q3',
      patch: {set: {'meta.__proto__': 1}},
    }
    await refused(await write({actions: [edit]}, 'actions'))
    expect(await client.getDocument('drafts.q3')).toEqual(before)
  })

  it('still takes `__proto__` inside a string and names that only contain it', async () => {
    lake ??= await createTestLake()
    const doc = {_id: 'q4', _type: 't', text: '__proto__', my__proto__: 1, __proto__x: 2}
    const res = await write({mutations: [{createOrReplace: doc}]})
    expect(res.status).toBe(200)
    await lake.client().patch('q4').set({my__proto__: 3}).commit()
    expect(await lake.client().getDocument('q4')).toMatchObject({
      text: '__proto__',
      my__proto__: 3,
      __proto__x: 2,
    })
  })
})

describe('a key named `hasOwnProperty`', () => {
  // groq-js reads an attribute with `object.hasOwnProperty(name)`: an object with its own key of
  // that name made any query reading it a 500 (anonymously too, in a literal or a parameter).
  it.each([
    ['in an object of the query', '{"hasOwnProperty": 1}.x', ''],
    ['in a parameter', '$p.x', `&$p=${encodeURIComponent('{"hasOwnProperty": 1}')}`],
  ])('%s is a 400 naming it', async (_, q, extra) => {
    lake ??= await createTestLake()
    const res = await lake.fetch(
      `${lake.url}${API}/data/query/test?query=${encodeURIComponent(q)}${extra}`,
    )
    const body = await res.json()
    expect(res.status, JSON.stringify(body)).toBe(400)
    expect(body.error.type).toBe('queryError')
    expect(body.error.description).toMatch(/key named "hasOwnProperty".*rename the key/)
  })

  it('as a document attribute or a patch path is refused with 400, nothing written', async () => {
    lake ??= await createTestLake()
    const client = lake.client()
    const created = await api('/data/mutate/test', {
      method: 'POST',
      body: '{"mutations":[{"create":{"_id":"h1","_type":"t","hasOwnProperty":"x"}}]}',
    })
    expect(created.status).toBe(400)
    expect((await created.json()).error.description).toMatch(/"hasOwnProperty".*rename/)
    expect(await client.getDocument('h1')).toBeUndefined()
    await client.createOrReplace({_id: 'h2', _type: 't', meta: {a: 1}})
    const patched = await api('/data/mutate/test', {
      method: 'POST',
      body: '{"mutations":[{"patch":{"id":"h2","set":{"meta.hasOwnProperty":1}}}]}',
    })
    expect(patched.status).toBe(400)
    expect((await client.getDocument('h2'))!.meta).toEqual({a: 1})
    // Queries over the dataset go on answering.
    expect(await client.fetch('*[_type == "t" && defined(meta)]._id')).toContain('h2')
  })
})

describe('a listener filter reading an object with a `hasOwnProperty` key', () => {
  // Its filter is tried on a probe document before the stream opens; the error it meets is the
  // query endpoint's, not groq-js's TypeError ("data.hasOwnProperty is not a function").
  it.each([
    ['in an object of the filter', '*[{"hasOwnProperty": 1}.x == 1]', ''],
    [
      'in a parameter',
      '*[_type == "t" && $p.x == 1]',
      `&$p=${encodeURIComponent('{"hasOwnProperty": 1}')}`,
    ],
    [
      // Not a subquery: listener filters with one are refused for it before any probe (c784d48b).
      'in a parameter, a filter run on a worker',
      '*[$p.x == 1 && count(string::split(title, "")) > 0]',
      `&$p=${encodeURIComponent('{"hasOwnProperty": 1}')}`,
    ],
  ])('%s ends the stream with a channelError naming it', async (_, q, extra) => {
    lake ??= await createTestLake()
    const res = await api(`/data/listen/test?query=${encodeURIComponent(q)}${extra}`)
    expect(res.status).toBe(200)
    const text = await res.text()
    const data = /event: channelError\ndata: (.*)\n/.exec(text)?.[1]
    expect(data, text).toBeDefined()
    const error = JSON.parse(data!)
    expect(JSON.stringify(error)).toMatch(/key named \\"hasOwnProperty\\".*rename the key/)
  })
})

describe('documents stored with `__proto__` or `hasOwnProperty` before the lake refused them', () => {
  it('are read, exported, mended by unsetting the attribute (as the Studio does) and deleted, never a 5xx', async () => {
    // Written under other names, renamed in the file: the folder a lake before 899d332/a43e934 left.
    const folder = await mkdtemp(join(tmpdir(), 'lake-reserved-'))
    let stored = await createTestLake({dataDir: folder})
    const docs: {_id: string; _type: string; [key: string]: unknown}[] = [
      {_id: 'r1', _type: 't', protoKey: {x: 1}, title: 'a'},
      {_id: 'r2', _type: 't', hopKey: 'x', title: 'b'},
      {_id: 'r3', _type: 't', meta: {hopKey: 1, a: 1}},
      {_id: 'r4', _type: 't', meta: {protoKey: 1, a: 1}},
      {_id: 'r5', _type: 't', hopKey: 2},
    ]
    await stored.client().mutate(docs.map((doc) => ({create: doc})))
    await stored.close({keepData: true})
    const db = new DatabaseSync(join(folder, 'datasets', 'test.sqlite'))
    db.exec(`UPDATE documents SET body = jsonb(replace(replace(json(body),
      '"protoKey"', '"__proto__"'), '"hopKey"', '"hasOwnProperty"'))`)
    db.close()
    stored = await createTestLake({dataDir: folder})
    try {
      const call = async (path: string, init: RequestInit = {}) => {
        const res = await stored.fetch(`${stored.url}${API}${path}`, {
          ...init,
          headers: {authorization: `Bearer ${stored.token}`, 'content-type': 'application/json'},
        })
        const text = await res.text()
        expect(res.status, `${path}: ${text}`).toBeLessThan(500)
        return {status: res.status, text}
      }
      const ids = docs.map((doc) => doc._id)
      const read = await call(`/data/doc/test/${ids.join(',')}`)
      expect(JSON.parse(read.text).documents.map((doc: {_id: string}) => doc._id)).toEqual(ids)
      const exported = await call('/data/export/test')
      expect(exported.text).toContain('"hasOwnProperty":"x"')
      expect(exported.text).toContain('"__proto__":{"x":1}')
      for (const id of ids)
        await call(`/data/query/test?query=${encodeURIComponent(`*[_id == "${id}"]`)}`)

      // Unsetting the attribute mends the document; a patch through it is still refused.
      const mutate = (mutations: unknown[]) =>
        call('/data/mutate/test', {method: 'POST', body: JSON.stringify({mutations})})
      for (const [id, path] of [
        ['r1', '__proto__'],
        ['r2', 'hasOwnProperty'],
        ['r3', 'meta.hasOwnProperty'],
        ['r4', 'meta.__proto__'],
      ]) {
        expect((await mutate([{patch: {id, unset: [path], set: {mended: true}}}])).status).toBe(200)
      }
      expect((await mutate([{patch: {id: 'r5', unset: ['hasOwnProperty.x']}}])).status).toBe(400)
      expect((await mutate([{patch: {id: 'r5', set: {hasOwnProperty: 1}}}])).status).toBe(400)
      const mended = JSON.parse((await call(`/data/doc/test/r1,r2,r3,r4`)).text).documents
      expect(
        mended.map(({_rev, _createdAt, _updatedAt, ...doc}: Record<string, unknown>) => doc),
      ).toEqual([
        {_id: 'r1', _type: 't', title: 'a', mended: true},
        {_id: 'r2', _type: 't', title: 'b', mended: true},
        {_id: 'r3', _type: 't', meta: {a: 1}, mended: true},
        {_id: 'r4', _type: 't', meta: {a: 1}, mended: true},
      ])
      const found = await call(
        `/data/query/test?query=${encodeURIComponent('*[_id == "r2"].title')}`,
      )
      expect(JSON.parse(found.text).result).toEqual(['b'])
      expect((await mutate([{delete: {id: 'r5'}}])).status).toBe(200)
      expect(await stored.client().getDocument('r5')).toBeUndefined()
    } finally {
      await stored.close()
    }
  })
})

describe('a document stored with a nested `__proto__` before the lake refused it', () => {
  it('a patch of another field is refused naming the attribute and how to mend it, never dropping it unseen', async () => {
    // The mutator copies the objects a patch goes through, and its copies drop a `__proto__` key
    // (assigned, it sets the copy's prototype): a patch of meta.a removed meta's `__proto__` and
    // was answered 200, while a patch of the title kept it and was refused, saying to rename it.
    const folder = await mkdtemp(join(tmpdir(), 'lake-nested-proto-'))
    let stored = await createTestLake({dataDir: folder})
    const docs: {_id: string; _type: string; [key: string]: unknown}[] = [
      {_id: 'n1', _type: 't', title: 'a', meta: {protoKey: {x: 1}, a: 1}},
      {_id: 'n2', _type: 't', title: 'b', list: [{_key: 'k', protoKey: 2, v: 1}]},
      {_id: 'n3', _type: 't', title: 'c', deep: {meta: {protoKey: 3, a: 1}}},
    ]
    await stored.client().mutate(docs.map((doc) => ({create: doc})))
    await stored.close({keepData: true})
    const db = new DatabaseSync(join(folder, 'datasets', 'test.sqlite'))
    db.exec(`UPDATE documents SET body = jsonb(replace(json(body), '"protoKey"', '"__proto__"'))`)
    db.close()
    stored = await createTestLake({dataDir: folder})
    try {
      const call = async (path: string, init: RequestInit = {}) => {
        const res = await stored.fetch(`${stored.url}${API}${path}`, {
          ...init,
          headers: {authorization: `Bearer ${stored.token}`, 'content-type': 'application/json'},
        })
        return {status: res.status, text: await res.text()}
      }
      const mutate = (patch: Record<string, unknown>) =>
        call('/data/mutate/test', {method: 'POST', body: JSON.stringify({mutations: [{patch}]})})
      const raw = async (id: string) => (await call(`/data/doc/test/${id}`)).text
      for (const [id, patch, path] of [
        ['n1', {set: {'meta.a': 2}}, 'meta.__proto__'],
        ['n1', {inc: {'meta.a': 1}}, 'meta.__proto__'],
        ['n1', {set: {title: 'z'}}, 'meta.__proto__'],
        ['n2', {set: {'list[_key=="k"].v': 2}}, 'list[_key==\\"k\\"].__proto__'],
        [
          'n2',
          {insert: {after: 'list[-1]', items: [{_key: 'j'}]}},
          'list[_key==\\"k\\"].__proto__',
        ],
        ['n3', {set: {'deep.meta.a': 2}}, 'deep.meta.__proto__'],
        ['n3', {setIfMissing: {'deep.other': 1}}, 'deep.meta.__proto__'],
      ] as const) {
        const before = await raw(id)
        const res = await mutate({id, ...patch})
        const what = `${id} ${JSON.stringify(patch)}: ${res.status} ${res.text}`
        expect(res.status, what).toBe(400)
        expect(res.text, what).toContain(`(\\"${path}\\")`)
        expect(await raw(id), what).toBe(before)
      }
      expect((await mutate({id: 'n1', set: {'meta.a': 2}})).text).toContain(
        'unset: [\\"meta.__proto__\\"]',
      )
      // Mended as the message says, in the same patch; the item that holds one set again.
      expect((await mutate({id: 'n1', unset: ['meta.__proto__'], set: {'meta.a': 2}})).status).toBe(
        200,
      )
      expect((await mutate({id: 'n2', set: {'list[_key=="k"]': {_key: 'k', v: 2}}})).status).toBe(
        200,
      )
      expect((await mutate({id: 'n3', set: {deep: {meta: {a: 2}}}})).status).toBe(200)
      const mended = JSON.parse((await call('/data/doc/test/n1,n2,n3')).text).documents
      expect(
        mended.map(({_rev, _createdAt, _updatedAt, ...doc}: Record<string, unknown>) => doc),
      ).toEqual([
        {_id: 'n1', _type: 't', title: 'a', meta: {a: 2}},
        {_id: 'n2', _type: 't', title: 'b', list: [{_key: 'k', v: 2}]},
        {_id: 'n3', _type: 't', title: 'c', deep: {meta: {a: 2}}},
      ])
    } finally {
      await stored.close()
    }
  })
})

describe('a mutation or action type named after a member every object has', () => {
  // The operation was looked up with `in` / `[]` on a plain object, which finds Object.prototype's
  // members too: `toString` (a mutation) and `constructor` (an action) committed an empty
  // transaction and answered 200 (the mutation's results 15 empty objects), the others were a 500.
  const NAMES = [
    '__proto__',
    'constructor',
    'toString',
    'valueOf',
    'hasOwnProperty',
    '__defineGetter__',
  ]

  it.each(NAMES)('the mutation {"%s": …} is a 400 naming it, nothing written', async (name) => {
    lake ??= await createTestLake()
    await lake.client().createOrReplace({_id: 'm1', _type: 't', title: 'a'})
    const before = await lake.client().getDocument('m1')
    // As JSON text: a key `__proto__` is an own key only as JSON.parse reads it.
    for (const body of [
      `{"mutations":[{"${name}":{"_id":"m1","_type":"t","title":"b"}}]}`,
      `{"mutations":{"${name}":{"_id":"m1","_type":"t","title":"b"}}}`,
    ]) {
      const res = await api('/data/mutate/test', {method: 'POST', body})
      const text = await res.text()
      expect(res.status, `${body}: ${text}`).toBe(400)
      expect(JSON.parse(text).error.description).toContain(`Unknown mutation type "${name}"`)
    }
    expect(await lake.client().getDocument('m1')).toEqual(before)
  })

  it.each(NAMES)('the action type "%s" is a 400 naming it, nothing written', async (name) => {
    lake ??= await createTestLake()
    await lake.client().createOrReplace({_id: 'drafts.m2', _type: 't', title: 'a'})
    const body = JSON.stringify({
      actions: [{actionType: name, publishedId: 'm2', draftId: 'drafts.m2'}],
    })
    const res = await api('/data/actions/test', {method: 'POST', body})
    const text = await res.text()
    expect(res.status, text).toBe(400)
    expect(text).toContain(`Action type \\"${name}\\" is not supported`)
    expect(await lake.client().getDocument('m2')).toBeUndefined()
  })
})
