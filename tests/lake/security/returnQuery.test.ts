/**
 * A query's `returnQuery` is a true-or-false URL parameter like the others (docs/lake-api.md):
 * left out or true, the answer echoes the query; `false` or `0` (either word in any case) leaves
 * it out; anything else is a 400 naming it.
 */
import {expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'

const lake = useTestLake({inProcess: true})

async function ask(returnQuery: string | null) {
  const search = new URLSearchParams({query: '1 + 1'})
  if (returnQuery !== null) search.set('returnQuery', returnQuery)
  const res = await lake().fetch(`${lake().url}/v2025-02-19/data/query/test?${search}`, {
    headers: {authorization: `Bearer ${lake().token}`},
  })
  return {status: res.status, body: await res.json()}
}

it.each([
  [null, true],
  ['', true],
  ['true', true],
  ['1', true],
  ['TRUE', true],
  ['false', false],
  ['0', false],
  ['False', false],
])('returnQuery=%s echoes the query: %s', async (value, echoed) => {
  const {status, body} = await ask(value)
  expect(status).toBe(200)
  expect(body.result).toBe(2)
  expect('query' in body).toBe(echoed)
})

it('refuses a returnQuery that is neither true nor false, naming it', async () => {
  const {status, body} = await ask('no')
  expect(status).toBe(400)
  expect(body.message).toMatch(/parameter "returnQuery" is "no": send true or false/)
})
