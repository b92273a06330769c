import {expect, test} from 'vitest'
import type {GetTarget} from '../describeLakeContract.ts'
import {newId, rejection} from './clientCalls.ts'

export function queryContract(target: GetTarget) {
  test('params are JSON values, including a parameterised slice', async () => {
    const client = target().client()
    const type = `${target().prefix}Params`
    const tx = client.transaction()
    for (let n = 0; n < 5; n++) tx.create({_id: newId(target().prefix, 'p'), _type: type, n})
    await tx.commit()
    const result = await client.fetch(
      '*[_type == $type && n >= $min] | order(n asc) [0...$__limit].n',
      {
        type,
        min: 1,
        __limit: 3,
      },
    )
    expect(result).toEqual([1, 2, 3])
  })

  test('the response carries ms and echoes the query unless returnQuery=false', async () => {
    const res = await target().request(
      `/data/query/${target().dataset}?query=${encodeURIComponent('count(*[false])')}`,
    )
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body).toMatchObject({result: 0, query: 'count(*[false])'})
    expect(typeof body.ms).toBe('number')
    const quiet = await target().request(
      `/data/query/${target().dataset}?query=${encodeURIComponent('1')}&returnQuery=false`,
    )
    expect(await quiet.json()).not.toHaveProperty('query')
  })

  test('queries may start with comment lines', async () => {
    const result = await target().client().fetch('// findability-mvi:5\n1 + 1')
    expect(result).toBe(2)
  })

  test('a long query goes by POST and gives the same result', async () => {
    const client = target().client()
    const big = Array.from({length: 1500}, (_, i) => `id-${i}`)
    const result = await client.fetch('count($ids)', {ids: big})
    expect(result).toBe(1500)
    const res = await target().request(`/data/query/${target().dataset}`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({query: 'count($ids) + $n', params: {ids: big, n: 1}}),
    })
    expect((await res.json()).result).toBe(1501)
  })

  test('a syntax error is a 400 queryParseError with start and end', async () => {
    const query = '*[_type == "event]'
    const res = await target().request(
      `/data/query/${target().dataset}?query=${encodeURIComponent(query)}`,
    )
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.error).toMatchObject({type: 'queryParseError', query})
    expect(typeof body.error.description).toBe('string')
    expect(typeof body.error.start).toBe('number')
    expect(body.error.end).toBeGreaterThan(body.error.start)
    const err = await rejection(target().client().fetch(query))
    expect(err.statusCode).toBe(400)
    expect(err.message).toContain('GROQ query parse error')
  })

  test('a parameter value that is not JSON is a 400', async () => {
    const res = await target().request(
      `/data/query/${target().dataset}?query=${encodeURIComponent('$t')}&%24t=article`,
    )
    expect(res.status).toBe(400)
  })

  test('an unknown function is a 400', async () => {
    const err = await rejection(target().client().fetch('nope::nothing()'))
    expect(err.statusCode).toBe(400)
  })
}
