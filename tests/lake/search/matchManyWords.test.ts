/**
 * A plain `match` with many words over HTTP: every shape that may read `_id` or a column as an SQL
 * condition per word answers as groq-js does, never SQLite's expression depth (a 500).
 */
import type {SanityClient} from '@sanity/client'
import {evaluate, parse} from 'groq-js'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
let client: SanityClient

const words = (count: number, last: string) =>
  [...Array.from({length: count - 1}, (_, n) => `w${n.toString(36)}x`), last].join(' ')

const DOCS = [
  // Holds every word of the patterns below: the one hit where each word must match.
  {_id: 'many', _type: 'article', title: words(2000, 'beta delta alpha')},
  {_id: 'alpha', _type: 'article', title: 'alpha beta gamma'},
  {_id: 'beta', _type: 'article', title: 'beta delta'},
  {_id: 'gamma-x', _type: 'article', title: 'নতুন বাজেট'},
]

beforeAll(async () => {
  lake = await startTestLake({serverOptions: {queryTimeoutMs: 600_000}})
  client = lake.client({apiVersion: '2025-02-19', useCdn: false, perspective: 'raw'})
  const tx = client.transaction()
  for (const doc of DOCS) tx.createOrReplace(doc)
  await tx.commit()
})

afterAll(async () => {
  await lake?.close()
})

async function groqJs(query: string, params: Record<string, unknown>) {
  const result = await evaluate(parse(query), {dataset: DOCS, params})
  return result.get()
}

describe('match with 2,000 words', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['*[[@, _id] match $p]._id', {p: words(2000, 'beta')}],
    ['*[title match $p]._id', {p: words(2000, 'beta')}],
    ['*[_id match $p]._id', {p: words(2000, 'alpha')}],
    ['*[[title, _id] match $p]._id', {p: words(2000, 'alpha')}],
    ['*[title match $p]._id', {p: words(2000, 'delta').split(' ')}],
    ['*[_id match $p]._id', {p: words(2000, 'alpha').split(' ')}],
    ['*[[@, _id] match $p]._id', {p: words(2000, 'alpha').split(' ')}],
    ['*[_id match $p || title match "gamma"]._id', {p: words(2000, 'alpha')}],
    ['*[!(title match $p)]._id', {p: words(2000, 'beta')}],
  ]
  for (const [query, params] of cases) {
    test(`${query} ${Array.isArray(params.p) ? 'array' : 'string'}`, async () => {
      const expected = await groqJs(query, params)
      const got = await client.fetch(query, params)
      expect([...got].sort(), query).toEqual([...expected].sort())
    }, 120_000)
  }
})
