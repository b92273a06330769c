/**
 * A query body nesting 1,000,000 brackets deep is refused without the event loop parsing it: its
 * other members than its parameters (an extra member, parameters given as an array) and a small
 * body were JSON.parse'd whole on the event loop (6.5 s and 5.4 s at load 15). Counted here on
 * this process's thread, which is the lake's event loop (a query thread has its own JSON):
 * JSON.parse calls over text holding deep brackets.
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
