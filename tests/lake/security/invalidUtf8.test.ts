/**
 * A JSON body that is not UTF-8 (the 2026-12-04 hostile sweep): a 400 saying so, and nothing
 * stored. Before, every byte sequence UTF-8 does not allow (text in a legacy encoding, a Latin-1
 * file) was stored as U+FFFD and answered 200: the text the client sent was lost without a word.
 * Small bodies with a declared length, chunked ones and those read on a write thread alike.
 */
import {describe, expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake({tls: false})
const API = '/v2025-02-19'

/** `{"mutations":[{"create":{…, "title": "<bytes>"}}]}`, padded to `size` bytes when given. */
function createBody(id: string, bytes: number[], size = 0): Buffer {
  const head = `{"mutations":[{"create":{"_id":"${id}","_type":"article","pad":"`
  const pad = 'x'.repeat(Math.max(0, size - head.length - 40))
  return Buffer.concat([
    Buffer.from(`${head}${pad}","title":"`),
    Buffer.from(bytes),
    Buffer.from('"}}]}'),
  ])
}

/** Windows-1252 "café" and a lone continuation byte. */
const LATIN1 = [0x63, 0x61, 0x66, 0xe9]
const LONE = [0x80]

async function send(path: string, body: Buffer, init: {method?: string; chunked?: boolean} = {}) {
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new Uint8Array(body))
      controller.close()
    },
  })
  const res = await fetch(`${lake().url}${API}${path}`, {
    method: init.method ?? 'POST',
    headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
    body: init.chunked ? stream : new Uint8Array(body),
    ...(init.chunked ? {duplex: 'half'} : {}),
  } as RequestInit)
  return {status: res.status, text: await res.text()}
}

async function stored(id: string) {
  return lake().client().getDocument(id)
}

describe('a write body that is not UTF-8 is a 400 saying so; nothing is stored', () => {
  it.each([
    ['with a declared length', 'latin1', LATIN1, {}],
    ['sent chunked', 'chunked', LONE, {chunked: true}],
    ['of 3 MB, read on a write thread', 'large', LATIN1, {size: 3 << 20}],
    ['of 3 MB sent chunked', 'largechunked', LONE, {size: 3 << 20, chunked: true}],
  ] as const)('%s', async (_what, id, bytes, options) => {
    const size = 'size' in options ? options.size : 0
    const chunked = 'chunked' in options
    for (const path of ['/data/mutate/test', '/data/actions/test']) {
      const body =
        path === '/data/mutate/test'
          ? createBody(id, bytes, size)
          : Buffer.from(
              createBody(id, bytes, size)
                .toString('latin1')
                .replace(
                  '{"mutations":[{"create":',
                  `{"actions":[{"actionType":"sanity.action.document.create","publishedId":"${id}","attributes":`,
                )
                .replace(`"_id":"${id}"`, `"_id":"drafts.${id}"`),
              'latin1',
            )
      const {status, text} = await send(path, body, {chunked})
      expect(status, text).toBe(400)
      expect(text).toMatch(/not valid UTF-8/)
    }
    expect(await stored(id)).toBeUndefined()
    expect(await stored(`drafts.${id}`)).toBeUndefined()
  })

  it('the same body in UTF-8 is stored as sent', async () => {
    const {status} = await send('/data/mutate/test', createBody('utf8', [...Buffer.from('café')]))
    expect(status).toBe(200)
    expect(await stored('utf8')).toMatchObject({title: 'café'})
  })
})

describe('other JSON bodies that are not UTF-8', () => {
  it('a query is a 400 saying so', async () => {
    const body = Buffer.concat([
      Buffer.from('{"query":"\'caf'),
      Buffer.from([0xe9]),
      Buffer.from('\'"}'),
    ])
    const {status, text} = await send('/data/query/test', body)
    expect(status, text).toBe(400)
    expect(text).toMatch(/not valid UTF-8/)
  })

  it('a key/value setting is a 400 saying so, and not stored', async () => {
    const body = Buffer.concat([
      Buffer.from('[{"key":"k","value":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}]'),
    ])
    const {status, text} = await send('/users/me/keyvalue', body, {method: 'PUT'})
    expect(status, text).toBe(400)
    expect(text).toMatch(/not valid UTF-8/)
    const read = await fetch(`${lake().url}${API}/users/me/keyvalue/k`, {
      headers: {authorization: `Bearer ${lake().token}`},
    })
    expect(await read.json()).toEqual([{key: 'k', value: null}])
  })
})

describe('a key/value setting whose key holds a lone UTF-16 surrogate', () => {
  it('is a 400 naming the key, and nothing is stored', async () => {
    // Valid UTF-8 JSON, but the key is half of an emoji: SQLite stored it as U+FFFD, so
    // "k\ud800" and "k\udc00" were one key, and neither could be read back under its name.
    for (const key of ['k\\ud800', 'k\\udc00']) {
      const body = Buffer.from(`[{"key": "${key}", "value": 1}]`)
      const {status, text} = await send('/users/me/keyvalue', body, {method: 'PUT'})
      expect(status, text).toBe(400)
      // The message quotes the key as JSON, the surrogate escaped.
      expect(JSON.parse(text).message).toContain(`Key "${key}" has a lone UTF-16 surrogate`)
    }
    const read = await fetch(`${lake().url}${API}/users/me/keyvalue/k%EF%BF%BD`, {
      headers: {authorization: `Bearer ${lake().token}`},
    })
    expect(await read.json()).toEqual([{key: 'k\ufffd', value: null}])
    // A whole emoji is a key as before.
    const emoji = Buffer.from('[{"key": "k\\ud83d\\ude00", "value": 2}]')
    expect((await send('/users/me/keyvalue', emoji, {method: 'PUT'})).status).toBe(200)
    const back = await fetch(`${lake().url}${API}/users/me/keyvalue/${encodeURIComponent('k😀')}`, {
      headers: {authorization: `Bearer ${lake().token}`},
    })
    expect(await back.json()).toEqual([{key: 'k😀', value: 2}])
  })
})

describe('a URL parameter whose %-escapes are not UTF-8', () => {
  const get = (path: string) =>
    fetch(`${lake().url}${API}${path}`, {headers: {authorization: `Bearer ${lake().token}`}})

  // Each was read as U+FFFD and answered 200 (a query's text a 400 quoting "\ufffd"): `$t` in
  // Latin-1 quietly matched nothing.
  it.each([
    ['a query parameter in Latin-1', '/data/query/test?query=$t&$t=%22caf%E9%22', '$t'],
    ['a lone surrogate, as CESU-8', '/data/query/test?query=$t&$t=%22%ED%A0%80%22', '$t'],
    ['the query', '/data/query/test?query=%FF', 'query'],
    ['the perspective', '/data/query/test?query=1&perspective=drafts%E9', 'perspective'],
    ["a listener's parameter", '/data/listen/test?query=*%5Btitle%3D%3D$t%5D&$t=%22%E9%22', '$t'],
    ["an export's types", '/data/export/test?types=article%E9', 'types'],
  ])('%s is a 400 naming it', async (_, path, name) => {
    const res = await get(path)
    const text = await res.text()
    expect(res.status, text).toBe(400)
    expect(JSON.parse(text).message).toContain(`The URL's parameter "${name}" is not UTF-8`)
  })

  it('UTF-8 and a % that escapes nothing are read as before', async () => {
    const res = await get('/data/query/test?query=[$t,"100%"]&$t=%22caf%C3%A9%22')
    expect(res.status).toBe(200)
    expect(((await res.json()) as {result: unknown}).result).toEqual(['café', '100%'])
  })
})
