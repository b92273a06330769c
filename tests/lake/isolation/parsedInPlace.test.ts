/**
 * Which query texts the event loop parses. Past 1,000 terms a text goes to a query worker, but a
 * string literal is one term however long: an anonymous caller's 100,000 `\n` escapes were parsed
 * on the event loop (86 ms warm on a quiet machine, about a second cold at load) on every request,
 * the text too long for the parse cache. Past a length too, a text is parsed on a worker only.
 */
import {afterAll, beforeAll, expect, it} from 'vitest'
import {checkQueryText, LIMITS, parsesInPlace} from '../../../lake/core/limits.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const ANONYMOUS = {kind: 'anonymous'} as const
const escapes = (n: number) => `{"n": count(*[_id == "a1"]), "s": "${'\\n'.repeat(n)}"}`

it('a text of few terms but past the in-place length is not parsed on the event loop', () => {
  const long = escapes(100_000)
  const terms = checkQueryText(long, {}, ANONYMOUS)
  expect(terms).toBeLessThan(LIMITS.query.termsParsedInPlace)
  expect(parsesInPlace(long, terms)).toBe(false)
  const short = escapes(100)
  expect(parsesInPlace(short, checkQueryText(short, {}, ANONYMOUS))).toBe(true)
  // At the bound, either side.
  const text = (length: number) => `"${'a'.repeat(length - 2)}"`
  expect(parsesInPlace(text(LIMITS.query.lengthParsedInPlace), 1)).toBe(true)
  expect(parsesInPlace(text(LIMITS.query.lengthParsedInPlace + 1), 1)).toBe(false)
  expect(parsesInPlace('1', LIMITS.query.termsParsedInPlace + 1)).toBe(false)
})

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake({tls: false})
  lake.server.lake.context.visibility.set('test', 'public')
  await lake.client().create({_id: 'a1', _type: 'article', title: 'নির্বাচন'})
})
afterAll(async () => {
  await lake?.close()
})

it('such a text is answered on a worker as it was in place, anonymously', async () => {
  for (const n of [100, 100_000]) {
    const res = await fetch(`${lake.url}/v2025-02-19/data/query/test`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({query: escapes(n)}),
    })
    const body = (await res.json()) as {result: unknown}
    expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(200)
    expect(body.result).toEqual({n: 1, s: '\n'.repeat(n)})
  }
})
