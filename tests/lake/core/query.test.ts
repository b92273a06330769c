import {describe, expect, test} from 'vitest'
import {BadRequestError, QueryError, QueryParseError} from '../../../lake/core/errors.ts'
import {decodeParams, parseQuery, runQuery} from '../../../lake/core/query.ts'

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
})
