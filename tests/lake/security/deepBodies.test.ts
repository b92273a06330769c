/**
 * A query or write body nesting 1,000,000 brackets deep is refused without the event loop parsing
 * it: a query's other members than its parameters (an extra member, parameters given as an array)
 * and a small body were JSON.parse'd whole on the event loop (6.5 s and 5.4 s at load 15), and so
 * was every mutate or actions body up to 2 MiB. Counted here on this process's thread, which is
 * the lake's event loop (a query or write thread has its own JSON): JSON.parse calls over text
 * holding deep brackets.
 */
import {afterAll, afterEach, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
const original = JSON.parse
const BRACKETS = '['.repeat(50)
let parses = 0

function counting() {
  parses = 0
  JSON.parse = function (text: string, reviver?: Parameters<typeof JSON.parse>[1]) {
    if (typeof text === 'string' && text.includes(BRACKETS)) parses++
    return original.call(JSON, text, reviver) as unknown
  }
}

/** `depth` arrays nested, as JSON text (JSON.stringify could not write it). */
const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`
const DEEP = nested(1_000_000)

async function post(route: string, body: string) {
  counting()
  try {
    const res = await fetch(`${lake.url}/v2025-02-19/data/${route}/test`, {
      method: 'POST',
      headers: {'content-type': 'application/json', authorization: `Bearer ${lake.token}`},
      body,
    })
    const text = await res.text()
    return {status: res.status, text, parses}
  } finally {
    JSON.parse = original
  }
}

const descriptionOf = (text: string) => {
  const answer = original(text) as {message?: string; error?: {description?: string}}
  return answer.error?.description ?? answer.message
}

beforeAll(async () => {
  lake = await startTestLake()
  await lake.client().createOrReplace({_id: 'a1', _type: 'article', title: 'নির্বাচন'})
})
afterEach(() => {
  JSON.parse = original
})
afterAll(async () => {
  await lake?.close()
})

it("refuses a query body's other member nested 1,000,000 deep unparsed, naming the limit", async () => {
  const extra = await post('query', `{"query":"*[_id == 'a1']._id","x":${DEEP}}`)
  expect(extra.status, extra.text.slice(0, 300)).toBe(400)
  expect(descriptionOf(extra.text)).toMatch(/"x" in the body nests arrays or objects more than 64/)
  expect(extra.parses).toBe(0)

  const array = await post('query', `{"query":"*","params":${DEEP}}`)
  expect(array.status, array.text.slice(0, 300)).toBe(400)
  expect(descriptionOf(array.text)).toMatch(/"params" in the body nests .* more than 64 deep/)
  expect(array.parses).toBe(0)

  const parameter = await post('query', `{"query":"count($p)","params":{"p":${DEEP}}}`)
  expect(parameter.status).toBe(400)
  expect(descriptionOf(parameter.text)).toMatch(/\$p nests arrays or objects more than 64 deep/)
  expect(parameter.parses).toBe(0)
})

it('refuses a small query body nesting past the limit unparsed, and takes one at it', async () => {
  // Under the 32 KiB parsed whole on the event loop.
  const small = await post('query', `{"query":"*[_id == 'a1']._id","x":${nested(10_000)}}`)
  expect(small.status, small.text.slice(0, 300)).toBe(400)
  expect(small.parses).toBe(0)

  const atLimit = await post(
    'query',
    `{"query":"count($p)","x":${nested(64)},"params":{"p":${nested(64)},"q":{"r":${nested(63)}}}}`,
  )
  expect(atLimit.status, atLimit.text.slice(0, 300)).toBe(200)
  const past = await post('query', `{"query":"count($p)","params":{"q":1,"p":${nested(65)}}}`)
  expect(past.status).toBe(400)
  expect(descriptionOf(past.text)).toMatch(/\$p nests arrays or objects more than 64 deep/)
  const member = await post('query', `{"query":"count($p)","x":${nested(65)},"params":{"p":1}}`)
  expect(member.status).toBe(400)
  expect(descriptionOf(member.text)).toMatch(/"x" in the body nests/)
  // Brackets inside strings are not nesting.
  const inString = await post(
    'query',
    `{"query":"$s","params":{"s":${JSON.stringify(`\\"${'['.repeat(100)}`)}}}`,
  )
  expect(inString.status, inString.text.slice(0, 300)).toBe(200)
})

/** The error's description and its first item, of a write's 400. */
const writeErrorOf = (text: string) =>
  (
    original(text) as {
      error?: {description?: string; items?: {error: {type: string; id: string}; index: number}[]}
    }
  ).error

it('refuses a mutate or actions body under 2 MiB nested 1,000,000 deep unparsed, naming where', async () => {
  const patch = await post('mutate', `{"mutations":[{"patch":{"id":"a1","set":{"x":${DEEP}}}}]}`)
  expect(patch.status, patch.text.slice(0, 300)).toBe(400)
  expect(writeErrorOf(patch.text)?.description).toMatch(
    /Mutation 0 on "a1" nests objects and arrays more than 104 levels deep/,
  )
  expect(writeErrorOf(patch.text)?.items?.[0]).toMatchObject({
    error: {type: 'documentTooLargeError', id: 'a1'},
    index: 0,
  })
  expect(patch.parses).toBe(0)

  // The second of three, in a list of one object each.
  const second = await post(
    'mutate',
    `{"mutations":[{"createOrReplace":{"_id":"b1","_type":"t","x":[[1]]}},` +
      `{"create":{"_id":"b2","_type":"t","x":${DEEP}}},{"delete":{"id":"b3"}}]}`,
  )
  expect(second.status, second.text.slice(0, 300)).toBe(400)
  expect(writeErrorOf(second.text)?.description).toMatch(/Mutation 1 on "b2" nests/)
  expect(second.parses).toBe(0)

  const member = await post('mutate', `{"x":${DEEP},"mutations":[]}`)
  expect(member.status, member.text.slice(0, 300)).toBe(400)
  expect(descriptionOf(member.text)).toMatch(
    /"x" in the body nests arrays or objects more than 104/,
  )
  expect(member.parses).toBe(0)

  const action = await post(
    'actions',
    `{"actions":[{"actionType":"sanity.action.document.edit","draftId":"drafts.a1",` +
      `"publishedId":"a1","patch":{"set":{"x":${DEEP}}}}]}`,
  )
  expect(action.status, action.text.slice(0, 300)).toBe(400)
  expect(writeErrorOf(action.text)?.description).toMatch(/Action 0 on "a1" nests objects/)
  expect(action.parses).toBe(0)

  const body = await post('mutate', DEEP)
  expect(body.status, body.text.slice(0, 300)).toBe(400)
  expect(descriptionOf(body.text)).toMatch(/Body must be an object with "mutations"/)
  expect(body.parses).toBe(0)

  // Nothing of it was written.
  const read = await fetch(`${lake.url}/v2025-02-19/data/doc/test/b1,b2,drafts.a1`, {
    headers: {authorization: `Bearer ${lake.token}`},
  })
  expect(((await read.json()) as {documents: unknown[]}).documents).toEqual([])
})

it('refuses a create patched in the same request past 2 MiB, nested 1,100,000 deep, with a 400', async () => {
  // Read and built on a write thread: its patch budget measured the created document with
  // JSON.stringify, which overflowed the stack there (a 500).
  const deep = nested(1_100_000)
  for (const create of ['create', 'createOrReplace', 'createIfNotExists']) {
    const res = await post(
      'mutate',
      `{"mutations":[{"${create}":{"_id":"c1","_type":"t","x":${deep}}},` +
        `{"patch":{"id":"c1","set":{"y":1}}}]}`,
    )
    expect(res.status, `${create}: ${res.text.slice(0, 300)}`).toBe(400)
    expect(writeErrorOf(res.text)?.description).toMatch(/Mutation 0 on "c1" nests objects/)
  }
  const action = await post(
    'actions',
    `{"actions":[{"actionType":"sanity.action.document.create","publishedId":"c1",` +
      `"attributes":{"_id":"drafts.c1","_type":"t","x":${deep}},"ifExists":"fail"},` +
      `{"actionType":"sanity.action.document.edit","draftId":"drafts.c1","publishedId":"c1",` +
      `"patch":{"set":{"y":1}}}]}`,
  )
  expect(action.status, action.text.slice(0, 300)).toBe(400)
  expect(writeErrorOf(action.text)?.description).toMatch(/Action 0 on "c1" nests objects/)
  // Past the limit by a few levels only: the parsed checks' answers, as before.
  const few = await post(
    'mutate',
    `{"pad":"${'x'.repeat(2_200_000)}","mutations":[{"create":{"_id":"c1","_type":"t","x":${nested(101)}}},` +
      `{"patch":{"id":"c1","set":{"y":1}}}]}`,
  )
  expect(few.status, few.text.slice(0, 300)).toBe(400)
  expect(writeErrorOf(few.text)?.description).toMatch(
    /Document "c1" would nest objects and arrays more than 100/,
  )
})

it('takes write bodies at the limit, whatever brackets their strings hold', async () => {
  // A document 100 deep (itself level 1), and a patch setting a value 100 deep.
  const doc = `{"_id":"d1","_type":"t","s":"${'['.repeat(200)}","x":${nested(99)}}`
  const ok = await post('mutate', `{"mutations":[{"createOrReplace":${doc}}]}`)
  expect(ok.status, ok.text.slice(0, 300)).toBe(200)
  const set = await post(
    'mutate',
    `{"mutations":[{"patch":{"id":"d1","set":{"x":${nested(98)}}}}],"transactionId":"t-${Date.now()}"}`,
  )
  expect(set.status, set.text.slice(0, 300)).toBe(200)
})

it('refuses a key/value setting nested 500,000 deep unparsed, naming its key', async () => {
  // Up to 1 MiB, parsed on the event loop before its 32 levels were checked (0.6 s at load 20).
  const deep = nested(500_000)
  const put = async (body: string) => {
    counting()
    try {
      const res = await fetch(`${lake.url}/v2025-02-19/users/me/keyvalue`, {
        method: 'PUT',
        headers: {'content-type': 'application/json', authorization: `Bearer ${lake.token}`},
        body,
      })
      return {status: res.status, text: await res.text(), parses}
    } finally {
      JSON.parse = original
    }
  }
  const list = await put(`[{"key":"ok","value":1},{"value":${deep},"key":"deep"}]`)
  expect(list.status, list.text.slice(0, 300)).toBe(400)
  expect(descriptionOf(list.text)).toMatch(/Value of "deep" nests arrays or objects more than 32/)
  expect(list.parses).toBe(0)
  const one = await put(`{"key":"deep","value":${deep}}`)
  expect(one.status, one.text.slice(0, 300)).toBe(400)
  expect(descriptionOf(one.text)).toMatch(/Value of "deep" nests arrays or objects more than 32/)
  expect(one.parses).toBe(0)
  const read = await fetch(`${lake.url}/v2025-02-19/users/me/keyvalue/ok,deep`, {
    headers: {authorization: `Bearer ${lake.token}`},
  })
  expect(await read.json()).toEqual([
    {key: 'ok', value: null},
    {key: 'deep', value: null},
  ])
})
