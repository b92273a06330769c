/**
 * A query whose POST body is large (its parameters past the 32 KiB parsed in place) has its
 * parameters parsed, checked and serialised on the query thread that runs it: the event loop found
 * the body's members and kept the parameters as their text. It parsed the whole body (~7 ms for
 * 700 kB), serialised the parameters to count them (~12 ms) and structured-cloned the parsed
 * parameters to the thread (~7 ms). Counted here on this process's thread, which is the lake's
 * event loop (a query thread has its own JSON): JSON.parse and JSON.stringify calls whose text
 * holds a marker only the parameters carry, and messages to a thread that carry the parameters as
 * values (a clone walks them) rather than as one string (a copy).
 */
import {MessagePort} from 'node:worker_threads'
import {afterAll, afterEach, beforeAll, expect, it} from 'vitest'
import {checkQueryText} from '../../../lake/core/limits.ts'
import {liveQuestion, reviveLiveQuestion} from '../../../lake/live/questions.ts'
import {NotJsonParams, parseParamsText} from '../../../lake/query/execute.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
const MARKER = `params-text-${process.pid}`
/** About 100 kB of JSON, past the 32 KiB of parameters parsed in place. */
const params = {
  ids: Array.from({length: 3_000}, (_, i) => `${MARKER}-${i}`),
  title: 'নির্বাচন',
}
const query = '*[_id in $ids || title == $title]{_id}'

const original = {
  parse: JSON.parse,
  stringify: JSON.stringify,
  postMessage: MessagePort.prototype.postMessage,
}
const passes = {parse: 0, stringify: 0, clone: 0}

/** Whether a message holds the marker in an array's values (a clone walks them). */
function holdsValues(value: unknown, depth = 0): boolean {
  if (depth > 8 || value === null || typeof value !== 'object') return false
  if (Array.isArray(value)) {
    if (value.some((item) => typeof item === 'string' && item.includes(MARKER))) return true
    return value.some((item) => holdsValues(item, depth + 1))
  }
  return Object.values(value).some((item) => holdsValues(item, depth + 1))
}

function counting() {
  Object.assign(passes, {parse: 0, stringify: 0, clone: 0})
  JSON.parse = function (text: string, reviver?: Parameters<typeof JSON.parse>[1]) {
    if (typeof text === 'string' && text.includes(MARKER)) passes.parse++
    return original.parse.call(JSON, text, reviver) as unknown
  }
  JSON.stringify = function (...args: Parameters<typeof original.stringify>) {
    const text = original.stringify.apply(JSON, args)
    if (typeof text === 'string' && text.includes(MARKER)) passes.stringify++
    return text
  } as typeof original.stringify
  MessagePort.prototype.postMessage = function (
    this: MessagePort,
    ...args: Parameters<MessagePort['postMessage']>
  ) {
    if (holdsValues(args[0])) passes.clone++
    return original.postMessage.apply(this, args)
  }
}

function restore() {
  JSON.parse = original.parse
  JSON.stringify = original.stringify
  MessagePort.prototype.postMessage = original.postMessage
}

async function ask(body: string) {
  const res = await fetch(`${lake.url}/v2025-02-19/data/query/test`, {
    method: 'POST',
    headers: {'content-type': 'application/json', authorization: `Bearer ${lake.token}`},
    body,
  })
  const text = await res.text()
  return {status: res.status, text}
}

async function answer(body: string) {
  const {status, text} = await ask(body)
  expect(status, text.slice(0, 300)).toBe(200)
  return original.parse(text) as {result: unknown; syncTags: string[]}
}

beforeAll(async () => {
  lake = await startTestLake()
  await lake.client().create({_id: 'a1', _type: 'article', title: 'নির্বাচন'})
})
afterEach(restore)
afterAll(async () => {
  await lake?.close()
})

it("the event loop does not parse, serialise or clone a large query's parameters", async () => {
  // Made before counting: the client's serialisation is not the lake's.
  const body = JSON.stringify({query, params})
  counting()
  const first = await answer(body)
  restore()
  expect(first.result).toEqual([{_id: 'a1'}])
  expect(passes).toEqual({parse: 0, stringify: 0, clone: 0})
})

it('the same parameters written differently share a sync tag, as when parsed on the event loop', async () => {
  const compact = await answer(JSON.stringify({query, params}))
  // Spaces, line breaks and escapes: the same values. The members in another order too.
  const spaced = JSON.stringify({perspective: 'published', params, query}, null, 2).replace(
    'নির্বাচন',
    '\\u09a8\\u09bf\\u09b0\\u09cd\\u09ac\\u09be\\u099a\\u09a8',
  )
  const other = await answer(spaced)
  expect(other.result).toEqual([{_id: 'a1'}])
  expect(other.syncTags).toEqual(compact.syncTags)
  // Other parameters, another tag.
  const fewer = await answer(JSON.stringify({query, params: {...params, title: 'অন্য'}}))
  expect(fewer.syncTags).not.toEqual(compact.syncTags)
})

it('a large body refused as before: not JSON inside its parameters, too deep, too large, not an object', async () => {
  const ids = original.stringify(params.ids)
  const notJson = await ask(
    `{"query":${original.stringify(query)},"params":{"ids":${ids},"x":[1,]}}`,
  )
  expect(notJson.status).toBe(400)
  expect(original.parse(notJson.text)).toMatchObject({message: 'Request body is not valid JSON'})
  const unclosed = await ask(`{"query":"*","params":{"ids":${ids}}`)
  expect(unclosed.status).toBe(400)
  expect(original.parse(unclosed.text)).toMatchObject({message: 'Request body is not valid JSON'})

  const deep = `${'['.repeat(70)}1${']'.repeat(70)}`
  const tooDeep = await ask(`{"query":"*[_id in $ids]","params":{"ids":${ids},"deep":${deep}}}`)
  expect(tooDeep.status).toBe(400)
  expect(tooDeep.text).toMatch(/\$deep nests arrays or objects more than 64 deep/)

  const big = original.stringify('x'.repeat(1_100_000))
  const tooLarge = await ask(`{"query":"*[_id in $ids]","params":{"ids":${ids},"big":${big}}}`)
  expect(tooLarge.status).toBe(400)
  expect(tooLarge.text).toMatch(/Parameters are larger than .* \(at \$big\)/)

  const array = await ask(`{"query":"*","params":${ids}}`)
  expect(array.status).toBe(400)
  expect(original.parse(array.text)).toMatchObject({
    error: {description: '"params" must be an object'},
  })

  // The last of a member given twice counts, as JSON.parse takes it.
  const twice = await answer(
    `{"query":"*[_id == 'x']","params":{"ids":${ids}},"query":${original.stringify(query)},"params":${original.stringify(params)}}`,
  )
  expect(twice.result).toEqual([{_id: 'a1'}])
})

it('parameters as text are checked as parsed ones are: the same refusals, the same JSON', () => {
  const principal = {kind: 'user', id: 'u1', role: 'editor'} as const
  const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`
  const texts = [
    `{"a": ${nested(64)}, "b": 1}`,
    `{"a": 1, "b\\u0022": ${nested(65)}}`,
    `{"a": {"b": ${nested(63)}}}`,
    `{"a": {"b": ${nested(64)}}}`,
    '{"s": "[[[[", "n": [1, 2.50, -0, 1e3], "o": {"x": null}}',
    '{}',
  ]
  for (const paramsText of texts) {
    const request = {query: '*', paramsText, apiVersion: 'X'}
    const parsed = original.parse(paramsText) as Record<string, unknown>
    let expected: unknown
    try {
      expected = checkQueryText('*', parsed, principal).paramsJson
    } catch (err) {
      expected = (err as Error).message
    }
    let actual: unknown
    try {
      actual = parseParamsText(request, principal, 512).paramsJson
    } catch (err) {
      actual = (err as Error).message
    }
    expect(actual, paramsText.slice(0, 40)).toEqual(expected)
  }
  expect(() =>
    parseParamsText({query: '*', paramsText: '{"a":[1,]}', apiVersion: 'X'}, principal, 512),
  ).toThrow(NotJsonParams)
})

it('a live question asked with parameters as text is saved and asked again with that text', async () => {
  const request = {query: '*[_id in $ids]', paramsText: '{"ids":["a1"]}', apiVersion: 'v2025-02-19'}
  const principal = {kind: 'token', id: 't1', role: 'viewer'} as const
  const saved = original.parse(original.stringify(liveQuestion(request, principal))) as unknown
  const asked: unknown[] = []
  const rerun = reviveLiveQuestion(saved, async (again) => {
    asked.push(again)
    return {json: '[]', cpuMs: 0}
  })
  await rerun!()
  expect(asked).toEqual([{...request, perspective: undefined}])
})
