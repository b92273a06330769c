/**
 * checkParamsText judges a large POST's parameters from their text as checkQueryText judges them
 * parsed: the same refusal, naming the same parameter, or none, at the limit and one byte past it,
 * however the JSON is written (paramsSizeOnLoop.test.ts: why, over HTTP).
 */
import {expect, test} from 'vitest'
import {checkQueryText, LIMITS} from '../../../lake/core/limits.ts'
import {checkParamsText} from '../../../lake/core/paramsText.ts'
import {utf8ByteLength} from '../../../lake/core/utf8.ts'

const LIMIT = LIMITS.query.paramsBytes

/** checkQueryText's measure of parsed parameters (its sum, without its limit). */
const measured = (params: Record<string, unknown>) =>
  Object.entries(params).reduce(
    (sum, [name, value]) => sum + utf8ByteLength(name) + utf8ByteLength(JSON.stringify(value)),
    0,
  )

const outcome = (check: () => unknown) => {
  try {
    check()
    return 'within'
  } catch (err) {
    return (err as Error).message
  }
}

/** Members written oddly, as JSON text (without braces), each a different way to count wrong. */
const SHAPES = [
  '"s" : "plain ascii"',
  '"bn":"নির্বাচন ঢাকা"',
  '"esc":"\\u0078\\/\\"\\\\\\n\\t\\b\\f\\r\\u0001\\u001f\\u00e9\\u0995\\u2028"',
  '"pair":"\\ud83d\\ude00 😀", "lone":"\\ud800 \\udc00 \\ud800\\ud800 \\ud83d"',
  '"nums":[0, -0, -0.0, 1.50, 1e20, 1E5, -1e20, 1e21, 0.0000001, 1e-7, 123456789012345, 1234567890123456789, 2.5e-3, 1e-400]',
  '"lits" : [ true , false , null , { } , [ ] ]',
  '"dup":{"a":1,"a":"longer value","b":{"c":2,"c":3}}',
  '"7":1, "x":2, "3":3, "4294967295":4, "01":5',
  '"__proto__":{"__proto__":1}',
  '"n\\u00e4me":1, "n\\u00e4me":[1,2,3]',
]

test('at the limit and one byte past it, the same verdict as the parsed parameters get', () => {
  for (const shape of SHAPES) {
    const base = JSON.parse(`{${shape}}`) as Record<string, unknown>
    for (const padFirst of [true, false]) {
      for (const over of [0, 1, 64]) {
        // A pad making the whole exactly the limit (+ over): `"pad":"xx…"` counts 3 + 2 + n.
        const n = LIMIT + over - measured(base) - 'pad'.length - 2
        const pad = `"pad":"${'x'.repeat(n)}"`
        const text = padFirst ? `{ ${pad} , ${shape} }` : `{${shape},${pad}}`
        const parsed = JSON.parse(text) as Record<string, unknown>
        expect(measured(parsed), shape).toBe(LIMIT + over)
        expect(
          outcome(() => checkParamsText(text, LIMIT)),
          `${shape} ${padFirst} ${over}`,
        ).toBe(outcome(() => checkQueryText('*', parsed)))
      }
    }
  }
})

test("the parameter named is the one that passes the limit in Object.entries' order", () => {
  const big = 'x'.repeat(LIMIT)
  const text = `{"x":"${big}","5":"${big}"}`
  const verdict = outcome(() => checkParamsText(text, LIMIT))
  expect(verdict).toBe(outcome(() => checkQueryText('*', JSON.parse(text))))
  expect(verdict).toMatch(/\(at \$5\)/)
})

test('a non-finite number met before the limit is named as checkQueryText names it', () => {
  const text = `{"inf":[1e400],"pad":"${'x'.repeat(LIMIT)}"}`
  const verdict = outcome(() => checkParamsText(text, LIMIT))
  expect(verdict).toBe(outcome(() => checkQueryText('*', JSON.parse(text))))
  expect(verdict).toMatch(/\$inf holds a number too large for JSON/)
})

test('text that is not JSON is refused as the thread parse refuses it, however short', () => {
  for (const text of [
    `{"big":"${'x'.repeat(LIMIT)}"`,
    `{"big":"${'x'.repeat(LIMIT)}",}`,
    `{"big":'${'x'.repeat(LIMIT)}'}`,
    `{"big":[${'1,'.repeat(LIMIT)}]}`,
    `{"big":"${'x'.repeat(LIMIT)}\\q"}`,
    '{"a":[1,]}',
    '{"a":01}',
    '{"a":1.}',
    '{"a":-}',
    '{"a":1e}',
    '{"a":"\\u00"}',
    '{"a":"tab\there"}',
    '{"a":tru}',
    '{"a":1} x',
  ]) {
    expect(() => JSON.parse(text)).toThrow()
    expect(outcome(() => checkParamsText(text, LIMIT))).toBe('Request body is not valid JSON')
  }
  // JSON, but not an object of parameters.
  expect(outcome(() => checkParamsText('[1]', LIMIT))).toBe('Request body is not valid JSON')
  // JSON that a pattern of fixed length would not read to its end: judged as parsed.
  for (const text of [`{"n":1.${'0'.repeat(500)}}`, `{"n":-0.0e+0, "s":"\\u0995"}`]) {
    expect(outcome(() => checkParamsText(text, LIMIT))).toBe('within')
  }
  expect(outcome(() => checkParamsText(`{"n":1${'0'.repeat(500)}}`, LIMIT))).toMatch(
    /\$n holds a number too large for JSON/,
  )
})

test("text whose parse would take more than half a thread's heap is refused as the thread refuses it", () => {
  const text = `{"n":[${'0,'.repeat(99_999)}0]}`
  // 100,000 values of 64 bytes: 6.4 MB, past half of 8 MB, within half of 16.
  expect(outcome(() => checkParamsText(text, LIMIT, 8))).toMatch(/8 MB/)
  expect(outcome(() => checkParamsText(text, LIMIT, 16))).toBe('within')
})
