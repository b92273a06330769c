/**
 * groq-js 2.0.1's `match` over what it cannot split well, through the lake's HTTP API and query
 * threads (docs/search.md): a word of more than ~3.4 million characters overflows its tokenizer's
 * regex, and a run of dots with no letter of `\w` on either side makes its split quadratic. The
 * first is a clear 400 queryError; the second is stopped at the query's deadline (a 504
 * queryTimeoutError, never a 500 or a thread left running). Either way the lake answers on.
 */
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

/** Dots beside spaces: groq-js's split of them alone takes minutes (40,000 took 5 s). */
const DOTS = ` ${'.'.repeat(150_000)} `

/** A deadline far past the overflow's time (about 0.3 s, 5 s at load 27 beside other files). */
let roomy: TestLake
/** A deadline far short of the dots' minutes, so that the test spends seconds on them. */
let tight: TestLake

beforeAll(async () => {
  ;[roomy, tight] = await Promise.all([
    startTestLake({serverOptions: {queryTimeoutMs: 60_000}}),
    startTestLake({serverOptions: {queryTimeoutMs: 5000}}),
  ])
  await roomy.client().create({_id: 'huge', _type: 'huge', body: `শুরু ${'ক'.repeat(3_600_000)}`})
  await tight.client().create({_id: 'dots', _type: 'dots', body: `a${DOTS}b`})
  for (const lake of [roomy, tight]) {
    await lake.client().create({_id: 'small', _type: 'small', body: 'খবর a b'})
  }
}, 60_000)

afterAll(async () => {
  await Promise.all([roomy?.close(), tight?.close()])
})

interface Answer {
  result?: unknown
  error: {type: string; description: string}
}

async function query(lake: TestLake, query: string, params: Record<string, unknown> = {}) {
  const res = await fetch(`${lake.url}/v2025-02-19/data/query/test`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'},
    body: JSON.stringify({query, params}),
  })
  return {status: res.status, body: (await res.json()) as Answer}
}

/**
 * A cheap query is answered. Asked again, up to five times in all, while it meets the deadline:
 * the thread stopped at it is replaced at a query thread's nice level, and at load 15-20 the
 * cheap query behind the new thread's start ran into `tight`'s 5 s (a 504, the lake answering).
 * A lake that stopped answering, or kept the dots' threads busy, times out every time.
 */
async function answersOn(lake: TestLake) {
  const statuses: number[] = []
  for (let tries = 0; tries < 5; tries++) {
    const {status, body} = await query(lake, '*[_type == "small" && body match "খবর"]._id')
    statuses.push(status)
    if (status === 504 && body.error.type === 'queryTimeoutError') continue
    expect(status, statuses.join(', ')).toBe(200)
    expect(body.result).toEqual(['small'])
    return
  }
  throw new Error(`a cheap query met the deadline every time: ${statuses.join(', ')}`)
}

it('a document with a word groq-js cannot split is a 400 that says what to do', async () => {
  // "ক*" cannot rule the huge document out by the index, so groq-js compares it.
  const {status, body} = await query(roomy, '*[_type == "huge" && body match "ক*"]._id')
  expect(status).toBe(400)
  expect(body.error.type).toBe('queryError')
  expect(body.error.description).toMatch(/too large for the query engine.*Narrow the filter/)
  await answersOn(roomy)
}, 90_000)

it('a run of dots in a document or in a pattern is stopped at the deadline', async () => {
  for (const [q, params] of [
    ['*[_type == "dots" && body match "a"]._id', {}],
    ['*[_type == "small" && body match $p]._id', {p: `a${DOTS}b`}],
  ] as const) {
    const {status, body} = await query(tight, q, params)
    expect(status, JSON.stringify(body)).toBe(504)
    expect(body.error.type).toBe('queryTimeoutError')
    await answersOn(tight)
  }
  // A hang guard: two queries to the 5 s deadline, and up to five cheap ones each.
}, 180_000)

it('no pattern comes near the word groq-js cannot split: parameters stop at 1 MiB, as a 400', async () => {
  // The query's own text stops at 256 Ki characters.
  const {status, body} = await query(tight, '*[body match $p]._id', {p: 'ক'.repeat(400_000)})
  expect(status).toBe(400)
  expect(body.error.description).toMatch(/Parameters are larger than/)
})
