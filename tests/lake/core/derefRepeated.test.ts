/**
 * `->` of one document from many outer documents (`*[_type == "headline"]{"desk": $desk->name}`, a
 * parameter's reference; `source->name` where 150 headlines name three sources): past the view's
 * read ahead (view.ts REFERENCES_AHEAD, 100 documents), each `->` read its document again, one
 * body per outer document. Each query must answer as groq-js over the whole view, in every
 * perspective, and read each referenced document about once.
 */
import {afterAll, beforeAll, expect, test} from 'vitest'
import {ADMIN, env, perspectiveViews, PERSPECTIVES} from '../../helpers/correlated.ts'
import {countingBodies, memoryStore} from '../../helpers/store.ts'
import {evaluateQuery, parseQuery} from '../../../lake/core/query.ts'
import {executeQuery} from '../../../lake/query/execute.ts'
import type {Store} from '../../../lake/core/store.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

const ref = (id: string) => ({_type: 'reference', _ref: id})
const HEADLINES = 150

function fixture(): SanityDocument[] {
  const docs: SanityDocument[] = [
    {_id: 's0', _type: 'source', name: 'Dhaka Desk'},
    {_id: 'drafts.s0', _type: 'source', name: 'Dhaka Desk (draft)'},
    {_id: 's1', _type: 'source', name: 'Khulna Desk'},
    {_id: 'versions.r1.s2', _type: 'source', name: 'Sylhet Desk'},
  ]
  for (let i = 0; i < HEADLINES; i++) {
    docs.push({_id: `h${i}`, _type: 'headline', text: `h${i}`, source: ref(`s${i % 3}`)})
  }
  return docs
}

let store: Store
beforeAll(async () => {
  store = await memoryStore(fixture())
})
afterAll(() => store.close())

const QUERIES: [string, Record<string, unknown>][] = [
  ['*[_type == "headline"] | order(_id) {_id, "desk": $desk->name}', {desk: ref('s0')}],
  ['*[_type == "headline"] | order(_id) {_id, "s": source->name, "t": source->_type}', {}],
]

test.each(PERSPECTIVES)(
  'in the %s perspective, `->` of a few documents from many outer documents reads each about once',
  async (name) => {
    const view = perspectiveViews(() => store)(name, false)
    for (const [query, params] of QUERIES) {
      const counting = countingBodies(store)
      const request = {query, params, perspective: name, apiVersion: '2025-02-19'}
      const result = await executeQuery(counting.store, request, ADMIN, env)
      expect(result, `${name}: ${query}`).toEqual(
        await evaluateQuery(parseQuery(query, params), view, {params}),
      )
      // The headlines (in a stack, read by group) and a few sources, not one a headline.
      expect(counting.parsed(), `${name}: ${query}`).toBeLessThan(HEADLINES + 20)
    }
  },
)
