/**
 * A whole UUID pasted into the Studio's search box: few documents hold it, so the scan reads the
 * full-text candidates by rowid, and the ids are looked through (`id LIKE`, searchIndex.ts) for
 * it. That look through every id happened twice: once to count the candidates (walk or not) and
 * once again in the scan. Counted here by the statements run over the ids; answers as groq-js.
 */
import {StatementSync} from 'node:sqlite'
import {evaluate} from 'groq-js'
import {afterAll, afterEach, beforeAll, describe, expect, test, vi} from 'vitest'
import {applyPerspective, parsePerspective} from '../../../lake/core/perspective.ts'
import {parseQuery} from '../../../lake/core/query.ts'
import {textQueryDereference} from '../../../lake/core/textQueryRewrite.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {executeQuery} from '../../../lake/query/execute.ts'
import {STUDIO_SEARCH} from '../../../bench/queries.ts'
import {memoryStore} from '../../helpers/store.ts'

const UUID = '9d20779b-f56a-4c1e-8b3a-2f1e0d9c8b7a'
const apiVersion = '2025-02-19'
const admin = {id: 'admin', kind: 'user', role: 'administrator'} as const

/** Articles under UUIDs, one of them UUID with its draft and a release version. */
function archive(): SanityDocument[] {
  const docs: SanityDocument[] = []
  for (let i = 0; i < 300; i++) {
    const id = `${i.toString(16).padStart(8, '0')}-f56a-4c1e-8b3a-${(i * 7919).toString(16).padStart(12, '0')}`
    docs.push({_id: id, _type: 'article', title: `ঢাকা ${i}`} as SanityDocument)
  }
  docs.push({_id: UUID, _type: 'article', title: 'বৈঠক'} as SanityDocument)
  docs.push({_id: `drafts.${UUID}`, _type: 'article', title: 'বৈঠক নতুন'} as SanityDocument)
  docs.push({_id: `versions.r1.${UUID}`, _type: 'article', title: 'বৈঠক r1'} as SanityDocument)
  // A document naming it, found by references().
  docs.push({
    _id: 'source-1',
    _type: 'source',
    name: 'উৎস',
    about: {_type: 'reference', _ref: UUID},
  } as SanityDocument)
  return docs
}

let store: Awaited<ReturnType<typeof memoryStore>>
beforeAll(async () => {
  store = await memoryStore(archive())
  store.flushSearchIndex()
})
afterAll(() => store.close())
afterEach(() => vi.restoreAllMocks())

/** Runs of statements that look through the ids for a term (idTest's `id LIKE`). */
function countIdPasses(): {passes: number} {
  const counted = {passes: 0}
  for (const method of ['get', 'all', 'iterate'] as const) {
    const original = StatementSync.prototype[method] as (...args: unknown[]) => unknown
    vi.spyOn(StatementSync.prototype, method).mockImplementation(function (
      this: StatementSync,
      ...args: unknown[]
    ) {
      if (this.sourceSQL.includes('id LIKE')) counted.passes++
      return original.apply(this, args)
    } as never)
  }
  return counted
}

const params = {
  __types: ['article', 'headline', 'source'],
  __query: `${UUID}*`,
  __rawQuery: UUID,
  __limit: 26,
}
const query = STUDIO_SEARCH.replace('"orderings": [_score]', '_score')

async function overView(perspective: string) {
  const view = applyPerspective(store.scan(), parsePerspective(perspective, apiVersion), apiVersion)
  const value = await evaluate(parseQuery(query, params), {
    dataset: view,
    params,
    dereference: textQueryDereference({documents: view, params}),
  })
  return value.get()
}

describe("a pasted UUID in the Studio's search", () => {
  test.each(['raw', 'drafts', 'r1,drafts'])(
    'in the %s perspective: the ids are looked through once, answers as groq-js',
    async (perspective) => {
      const expected = (await overView(perspective)) as {_id: string}[]
      const counted = countIdPasses()
      const result = await executeQuery(store, {query, params, perspective, apiVersion}, admin, {
        now: new Date('2026-01-01T00:00:00Z'),
        projectId: 'p',
        dataset: 'test',
      })
      vi.restoreAllMocks()
      expect(result).toEqual(expected)
      expect(expected.map((doc) => doc._id)).toContain('source-1')
      expect(counted.passes).toBe(1)
    },
  )
})
