/**
 * Reads the vendored GROQ conformance suite and decides, per test, whether the lake must pass it.
 * The rules are groq-js's own (its test/generate.js): the lake answers with groq-js, so it claims
 * exactly what groq-js claims, GROQ 1.2.0 plus the extensions groq-js implements.
 */
import {readFileSync} from 'node:fs'
import {gunzipSync} from 'node:zlib'

export type SuiteDocument = {_id: string; _type: string; [key: string]: unknown}

export type SuiteDataset = {
  _id: string
  _type: 'dataset'
  name?: string
  documents?: SuiteDocument[]
  url?: string
}

export type SuiteTest = {
  _id: string
  _type: 'test'
  name: string
  filename: string
  query: string
  result: unknown
  valid: boolean
  features: string[]
  version?: string
  params: Record<string, unknown> | null
  dataset: {_ref: string}
}

export type PlannedCase = {
  test: SuiteTest
  dataset: SuiteDataset
  /** Set when the lake's engine is known to differ from the suite; the test pins that answer. */
  deviation?: string
}

export type SkippedCase = {test: SuiteTest; reason: string}

export type SuitePlan = {
  datasets: SuiteDataset[]
  cases: PlannedCase[]
  skipped: SkippedCase[]
  total: number
}

/** groq-js implements GROQ-1.revision2 (test/generate.js: GROQ_VERSION = '1.2.0'). */
export const GROQ_VERSION = '1.2.0'

/** The extensions groq-js implements (test/generate.js: SUPPORTED_FEATURES). */
export const SUPPORTED_FEATURES = new Set([
  'portableText',
  'contentReleases',
  'internalDocuments',
  'customFunctions',
])

/** Tests groq-js disables by name, with its reasons (test/generate.js: DISABLED_TESTS). */
const DISABLED_TESTS: {match: string | RegExp; reason: string}[] = [
  {match: 'Filters / documents, nested 3', reason: 'disabled in groq-js: very slow'},
  {match: 'Parameters / Undefined', reason: 'disabled in groq-js: undefined parameters'},
  {
    match: /score\(\) function \/ Illegal use/,
    reason: 'disabled in groq-js: it does not validate score() use',
  },
]

/**
 * Suite tests newer than the suite copy groq-js's CI runs (v1.0.3), where groq-js 2.0.1 answers
 * differently from the specification. The lake embeds groq-js, so these pin groq-js's answer.
 */
const PATH_IN_PATH =
  'groq-js 2.0.1 evaluates `path in path` to null instead of matching one path glob against another'
const UNIQUE_NULLS = 'groq-js 2.0.1 array::unique() keeps every null instead of only one'
export const KNOWN_ENGINE_DEVIATIONS: Record<string, string> = {
  'test-array-unique-function-mix-of-types': UNIQUE_NULLS,
  'test-array-unique-function-non-existent-attribute': UNIQUE_NULLS,
  'test-array-unique-function-mixed-array-attribute': UNIQUE_NULLS,
  'test-array-unique-function-nested-mixed-array-attribute': UNIQUE_NULLS,
  'test-in-operator-path-5': PATH_IN_PATH,
  'test-in-operator-path-6': PATH_IN_PATH,
  'test-in-operator-path-11': PATH_IN_PATH,
  'test-in-operator-path-12': PATH_IN_PATH,
  'test-in-operator-path-17': PATH_IN_PATH,
  'test-in-operator-path-18': PATH_IN_PATH,
  'test-in-operator-path-23': PATH_IN_PATH,
  'test-in-operator-path-24': PATH_IN_PATH,
  'test-in-operator-path-29': PATH_IN_PATH,
  'test-in-operator-path-30': PATH_IN_PATH,
  'test-in-operator-path-35': PATH_IN_PATH,
  'test-in-operator-path-36': PATH_IN_PATH,
  'test-in-operator-id-in-path-5': PATH_IN_PATH,
  'test-in-operator-id-in-path-6': PATH_IN_PATH,
  'test-in-operator-id-in-path-7': PATH_IN_PATH,
  'test-in-operator-id-in-path-8': PATH_IN_PATH,
}

const SUITE_FILE = new URL('../../fixtures/groq-test-suite/suite.ndjson.gz', import.meta.url)

export function readSuite(): {datasets: SuiteDataset[]; tests: SuiteTest[]} {
  const text = gunzipSync(readFileSync(SUITE_FILE)).toString('utf8')
  const datasets: SuiteDataset[] = []
  const tests: SuiteTest[] = []
  for (const line of text.split('\n')) {
    if (!line) continue
    const entry = JSON.parse(line) as SuiteDataset | SuiteTest
    if (entry._type === 'dataset') datasets.push(entry)
    else tests.push(entry)
  }
  return {datasets, tests}
}

/**
 * semver's `satisfies(GROQ_VERSION, range)` for the range shapes the suite uses: `>= X.Y` and
 * `X.Y` (any patch of X.Y). An unknown shape throws, so a new suite cannot be misread silently.
 */
export function satisfiesGroqVersion(range: string | undefined | null): boolean {
  if (range == null) return true
  const [major, minor] = GROQ_VERSION.split('.').map(Number)
  const atLeast = /^>=\s*(\d+)\.(\d+)$/.exec(range.trim())
  if (atLeast) {
    const [wantMajor, wantMinor] = [Number(atLeast[1]), Number(atLeast[2])]
    return major > wantMajor || (major === wantMajor && minor >= wantMinor)
  }
  const exact = /^(\d+)\.(\d+)$/.exec(range.trim())
  if (exact) return major === Number(exact[1]) && minor === Number(exact[2])
  throw new Error(`unsupported version range in the GROQ suite: ${range}`)
}

/** Why the lake need not pass this test, or null when it must. Mirrors test/generate.js. */
export function skipReason(test: SuiteTest, dataset: SuiteDataset | undefined): string | null {
  const missing = test.features.filter((feature) => !SUPPORTED_FEATURES.has(feature))
  if (missing.length > 0) return `needs GROQ extensions groq-js lacks: ${missing.join(', ')}`
  if (!satisfiesGroqVersion(test.version)) {
    return `written for GROQ ${test.version}, outside GROQ ${GROQ_VERSION}`
  }
  if (!test.valid && test.features.includes('scoring')) {
    return 'invalid score() use: groq-js does not validate score()'
  }
  if (/perf/.test(test.filename)) return 'performance test (groq-js skips perf/)'
  const disabled = DISABLED_TESTS.find(({match}) =>
    typeof match === 'string' ? match === test.name : match.test(test.name),
  )
  if (disabled) return disabled.reason
  // groq-js's generator leaves out the external datasets too ("very big").
  if (test.valid && !dataset?.documents) return 'external dataset (movies) is not included'
  return null
}

export function planSuite(): SuitePlan {
  const {datasets, tests} = readSuite()
  const byId = new Map(datasets.map((dataset) => [dataset._id, dataset]))
  const cases: PlannedCase[] = []
  const skipped: SkippedCase[] = []
  for (const test of tests) {
    const dataset = byId.get(test.dataset._ref)
    const reason = skipReason(test, dataset)
    if (reason !== null || !dataset) {
      skipped.push({test, reason: reason ?? 'dataset missing from the suite'})
      continue
    }
    cases.push({test, dataset, deviation: KNOWN_ENGINE_DEVIATIONS[test._id]})
  }
  return {datasets, cases, skipped, total: tests.length}
}

/** The suite's datasets in the order groq-js evaluates them: sorted by `_id`. */
export function sortedDocuments(dataset: SuiteDataset): SuiteDocument[] {
  return [...(dataset.documents ?? [])].sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0))
}

/**
 * A valid lake dataset name for a suite dataset (lowercase, [a-z0-9_-], at most 64 characters,
 * starting with a letter). Suite dataset ids are sha1s or short slugs, so they stay unique.
 */
export function lakeDatasetName(dataset: SuiteDataset): string {
  const slug = dataset._id.toLowerCase().replace(/[^a-z0-9_-]/g, '-')
  return `groq-${slug}`.slice(0, 64)
}
