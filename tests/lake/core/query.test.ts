import {describe, expect, test} from 'vitest'
import {BadRequestError, QueryError, QueryParseError} from '../../../lake/core/errors.ts'
import {decodeParams, parseCacheSize, parseQuery, runQuery} from '../../../lake/core/query.ts'
import {planQuery} from '../../../lake/core/plan.ts'

describe('query', () => {
  test('parses with parameters so parameter slices work', async () => {
    const docs = [1, 2, 3, 4].map((n) => ({_id: `d${n}`, _type: 't', n}))
    expect(await runQuery('*[0...$__limit].n', docs, {params: {__limit: 2}})).toEqual([1, 2])
  })

  test('syntax errors are QueryParseError with a start/end range', () => {
    try {
      parseQuery('*[_type == "event]')
      expect.fail('should throw')
    } catch (err) {
      expect(err).toBeInstanceOf(QueryParseError)
      const e = err as QueryParseError
      expect(e.query).toBe('*[_type == "event]')
      expect(e.end).toBe(e.start + 1)
      expect(e.type).toBe('queryParseError')
      expect(e.description).not.toMatch(/^Syntax error in GROQ query at position/)
    }
  })

  test('other parser errors are QueryError too, never a server error', () => {
    expect(() => parseQuery('diff::changedAny({}, {}, foo + 1)')).toThrow(QueryError)
  })

  test('unknown functions are QueryError', async () => {
    await expect(runQuery('nope::nothing()', [])).rejects.toBeInstanceOf(QueryError)
  })

  test('identity() and now() come from the context', async () => {
    const now = new Date('2026-05-01T10:00:00.000Z')
    expect(await runQuery('[identity(), now()]', [], {identity: 'pUser', now})).toEqual([
      'pUser',
      '2026-05-01T10:00:00.000Z',
    ])
  })

  test('decodeParams reads $-prefixed JSON values and refuses bare strings', () => {
    const search = new URLSearchParams('query=x&$a="s"&$b=2&$c=["x"]&$d=null&tag=t')
    expect(decodeParams(search)).toEqual({a: 's', b: 2, c: ['x'], d: null})
    expect(() => decodeParams(new URLSearchParams('$t=article'))).toThrow(BadRequestError)
  })

  describe('a parsed tree is reused for the same text and parameters', () => {
    test('the same text and parameters give the same tree, and its plan is made once', () => {
      const query = '*[_type == "article" && _id == $id][0]{_id}'
      const tree = parseQuery(query, {id: 'a1'})
      expect(parseQuery(query, {id: 'a1'})).toBe(tree)
      expect(planQuery(tree)).toBe(planQuery(parseQuery(query, {id: 'a1'})))
      // Another parameter value is another tree (groq-js inlines parameters).
      expect(parseQuery(query, {id: 'a2'})).not.toBe(tree)
    })

    test('answers stay those of a fresh parse', async () => {
      const docs = [1, 2, 3, 4].map((n) => ({_id: `d${n}`, _type: 't', n}))
      for (const limit of [1, 3, 1, 2]) {
        expect(await runQuery('*[0...$limit].n', docs, {params: {limit}})).toEqual(
          docs.slice(0, limit).map((d) => d.n),
        )
      }
    })

    test('a parameter that JSON would blur is never confused with another value', async () => {
      // `undefined` is a given parameter; JSON.stringify would make {id: undefined} look like {}.
      expect(() => parseQuery('$id', {id: undefined})).not.toThrow()
      expect(() => parseQuery('$id', {})).toThrow(/param \$id referenced/)
      expect(() => parseQuery('$id', {id: undefined})).not.toThrow()
      // -0 and 0 are one JSON text, not one value.
      expect(Object.is(await runQuery('$n', [], {params: {n: 0}}), 0)).toBe(true)
      expect(Object.is(await runQuery('$n', [], {params: {n: -0}}), -0)).toBe(true)
      // A Date would be its ISO string in JSON.
      const at = new Date('2026-01-01T00:00:00.000Z')
      expect(await runQuery('$t', [], {params: {t: at.toISOString()}})).toBe(at.toISOString())
      expect(await runQuery('$t', [], {params: {t: at}})).toEqual(at)
    })

    test('the cache is bounded by its text as well as by its entries', () => {
      // Trees are about fifty times their text: 256 entries of 8 kB each pinned ~100 MB a thread,
      // and no token is needed to send them.
      // Strings, not numbers: 8 kB of `1,` would pass the limit on terms (LIMITS.query.terms).
      const long = (i: number) =>
        `[${Array.from({length: 790}, () => '"abcdefg"').join(',')}][${i}]`
      expect(long(0).length).toBeLessThan(8 * 1024)
      for (let i = 0; i < 300; i++) parseQuery(long(i), {})
      const {entries, chars} = parseCacheSize()
      expect(chars).toBeLessThanOrEqual(256 * 1024)
      expect(entries).toBeLessThan(40)
      // The newest stays cached, the oldest went.
      expect(parseQuery(long(299), {})).toBe(parseQuery(long(299), {}))
      for (let i = 0; i < 300; i++) parseQuery(`*[_id == "d${i}"]`, {})
      expect(parseCacheSize().entries).toBe(256)
    })

    test('a query refused is refused again', () => {
      for (let i = 0; i < 2; i++) expect(() => parseQuery('*[', {})).toThrow(QueryParseError)
    })
  })
})
