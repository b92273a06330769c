/**
 * The official GROQ conformance suite through the lake's HTTP query endpoint: every dataset is
 * loaded into its own dataset of one real lake, every valid test must return the expected result,
 * every invalid one a 400 query error. Tests outside what groq-js (the lake's engine) implements
 * are left out by groq-js's own rules, each with its reason (see suite.ts).
 */
import {evaluate, parse} from 'groq-js'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {asMultiset, rankScores, withoutLakeSystemAttributes} from './compare.ts'
import {loadDocuments, query} from './http.ts'
import {
  lakeDatasetName,
  planSuite,
  sortedDocuments,
  type PlannedCase,
  type SuiteDataset,
} from './suite.ts'

const plan = planSuite()

const groups = new Map<string, {dataset: SuiteDataset; cases: PlannedCase[]}>()
for (const planned of plan.cases) {
  const group = groups.get(planned.dataset._id)
  if (group) group.cases.push(planned)
  else groups.set(planned.dataset._id, {dataset: planned.dataset, cases: [planned]})
}

// In-process (createLake + lake.fetch): thousands of plain requests, and the wire is tested elsewhere.
const lake = useTestLake({
  inProcess: true,
  // A dataset for each of the suite's datasets (several hundred), past the lake's 100.
  env: {LAKE_MAX_DATASETS: '100000'},
})

afterAll(async () => {
  const reasons = new Map<string, number>()
  for (const {reason} of plan.skipped) reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
  const deviations = plan.cases.filter((planned) => planned.deviation).length
  const lines = [...reasons].sort(([, a], [, b]) => b - a).map(([r, n]) => `  ${n} × ${r}`)
  console.info(
    [
      `GROQ suite: ${plan.total} tests; ${plan.cases.length} run through the lake ` +
        `(${plan.cases.filter((c) => c.test.valid).length} valid, ` +
        `${plan.cases.filter((c) => !c.test.valid).length} invalid; ` +
        `${deviations} pin a known groq-js deviation); ${plan.skipped.length} left out:`,
      ...lines,
    ].join('\n'),
  )
})

test('every suite test is either run or left out for a stated reason', () => {
  expect(plan.cases.length + plan.skipped.length).toBe(plan.total)
  for (const {reason} of plan.skipped) expect(reason).toMatch(/\S/)
  // groq-js runs about 7,400 of them; a sudden drop means the filter rules broke.
  expect(plan.cases.length).toBeGreaterThan(7000)
})

/** Whether a result's order is defined: the query orders, or ranks by score. */
function ordersResult(groq: string): boolean {
  return /\border\s*\(|\bscore\s*\(/.test(groq)
}

function normalise(actual: unknown, expected: unknown, groq: string): unknown {
  const json = JSON.parse(JSON.stringify(actual ?? null)) as unknown
  const ranked = withoutLakeSystemAttributes(rankScores(json), expected)
  return ordersResult(groq) ? ranked : asMultiset(ranked)
}

/** groq-js's own answer over the suite's documents, for the pinned deviations. */
async function groqJsAnswer(planned: PlannedCase): Promise<unknown> {
  const params = planned.test.params ?? {}
  const tree = parse(planned.test.query, {params})
  const value = await evaluate(tree, {dataset: sortedDocuments(planned.dataset), params})
  return rankScores(JSON.parse(JSON.stringify((await value.get()) ?? null)))
}

for (const {dataset, cases} of groups.values()) {
  const name = lakeDatasetName(dataset)
  const label = `${dataset.name ?? 'dataset'} ${dataset._id.slice(0, 12)} (${cases[0].test.filename})`

  describe(label, () => {
    beforeAll(async () => {
      // The movies dataset is not included; only its invalid tests run, against an empty dataset.
      await loadDocuments(lake(), name, dataset.documents ?? [])
    })

    test.each(
      cases.map((planned) => [`${planned.test.name} [${planned.test._id}]`, planned] as const),
    )('%s', async (_name, planned) => {
      const {test: suiteTest} = planned
      const response = await query(lake(), name, suiteTest.query, suiteTest.params ?? {})
      if (!suiteTest.valid) {
        expect(response.status, JSON.stringify(response.body)).toBe(400)
        const error = response.body.error as {type?: string} | undefined
        expect(['queryParseError', 'queryError']).toContain(error?.type)
        return
      }
      expect(response.status, JSON.stringify(response.body)).toBe(200)
      const actual = JSON.parse(JSON.stringify(response.body.result ?? null))
      if (planned.deviation) {
        // Pinned: the lake answers as groq-js does, and that still differs from the suite.
        const engine = await groqJsAnswer(planned)
        expect(normalise(actual, engine, suiteTest.query)).toEqual(
          normalise(engine, engine, suiteTest.query),
        )
        expect(engine, planned.deviation).not.toEqual(suiteTest.result)
        return
      }
      expect(normalise(actual, suiteTest.result, suiteTest.query)).toEqual(
        normalise(suiteTest.result, suiteTest.result, suiteTest.query),
      )
    })
  })
}
