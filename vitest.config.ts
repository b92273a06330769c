import {availableParallelism} from 'node:os'
import {defineConfig} from 'vitest/config'

// The contract suite against hosted Sanity needs the network and a project, so it is collected only
// when one is configured; against the local lake the same suite always runs.
const hostedContract = Boolean(
  process.env.SANITY_CONTRACT_PROJECT_ID && process.env.SANITY_CONTRACT_TOKEN,
)
const EXCLUDE = [
  'tests/e2e/**',
  'node_modules/**',
  ...(hostedContract ? [] : ['tests/lake/contract/hosted.test.ts']),
]

/**
 * Tests that start a lake (a server, a child process, or an in-process lake taking thousands of
 * requests), run a whole tool against one, compare the lake with groq-js over a generated
 * archive, or write SQLite data folders on disk (the store's own tests: WAL, syncs, reopening,
 * migrating folders of older lakes): `npm run test:integration`. Everything else is a unit
 * test, the fast inner loop (`npm run test:unit`). A new test file is a unit test unless listed here
 * (startTestLake/createTestLake throw in the unit project, so a lake test cannot land there).
 */
const INTEGRATION = [
  'tests/lake/store/**/*.test.ts',
  'tests/examples/frontPageUnheardPublish.test.ts',
  'tests/lake/contract/**/*.test.ts',
  'tests/lake/http/root.test.ts',
  'tests/lake/listen/**/*.test.ts',
  'tests/lake/studio/**/*.test.ts',
  'tests/lake/groq/**/*.test.ts',
  'tests/lake/security/**/*.test.ts',
  'tests/lake/live/**/*.test.ts',
  'tests/lake/tools/**/*.test.ts',
  'tests/lake/presence/**/*.test.ts',
  'tests/lake/images/**/*.test.ts',
  'tests/lake/isolation/**/*.test.ts',
  'tests/lake/mixedLoad.test.ts',
  'tests/lake/datasetTransactions.test.ts',
  'tests/lake/query/compileCache.test.ts',
  'tests/lake/search/textQuery.test.ts',
  'tests/lake/search/scoreTopK.test.ts',
  'tests/lake/search/storedScore.test.ts',
  'tests/lake/search/orderedMatch.test.ts',
  'tests/lake/search/bulkLoadIndex.test.ts',
  'tests/lake/search/splitSpans.test.ts',
  'tests/lake/search/precision.test.ts',
  'tests/lake/search/matchManyWords.test.ts',
  'tests/scripts/dev.test.ts',
  'tests/scripts/import.test.ts',
  'tests/scripts/importDeleted.test.ts',
  'tests/scripts/importSlugs.test.ts',
  'tests/scripts/importDeletedSlug.test.ts',
  'tests/scripts/importBatches.test.ts',
  'tests/scripts/importDrafts.test.ts',
  'tests/scripts/importEarlierIds.test.ts',
  'tests/scripts/importSlugRules.test.ts',
  'tests/scripts/importInterrupted.test.ts',
  'tests/scripts/deskVariants.test.ts',
  'tests/scripts/correspondentCopy.test.ts',
  'tests/scripts/importRetry.test.ts',
  'tests/scripts/stories.test.ts',
  'tests/scripts/queryExport.test.ts',
  'tests/scripts/sortKeys.test.ts',
  'tests/scripts/target.test.ts',
  'tests/schemas/slug.test.ts',
  'tests/kit/localLake.test.ts',
  'tests/kit/lakeScript.test.ts',
  'tests/bench/flags.test.ts',
]

/**
 * Integration tests that time the lake against a deadline (a query stopped at its timeout, pings
 * answered meanwhile, SIGTERM within 2 s): they run last, one file at a time, so that no other
 * test file competes for the cores they measure. (On two cores, beside another worker, the query
 * threads they time run at a tenth of the CPU and miss the deadlines by seconds.)
 */
const TIMED = ['tests/lake/isolation/**/*.test.ts']

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for state a lake reaches after network events (a client heard gone, answers
    // released): vitest's default second is short on a loaded two-core CI machine. A condition
    // that never holds still fails, later.
    expect: {poll: {timeout: 15_000}},
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: one on a two-core machine (and in CI),
    // which left a core idle while a file waited on its lake or a child process.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Lakes the tests start in child processes inherit it (in-process ones: tests/helpers/lake.ts
    // TEST_LAKE_ENV): no upload disk reserve, else a machine with less than its 1 GiB free
    // refused every upload whatever the test was about.
    env: {LAKE_UPLOAD_DISK_RESERVE_BYTES: '0'},
    // Projects extend this config; their include/exclude lists are their own (arrays would merge).
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/**/*.test.ts'],
          exclude: [...EXCLUDE, ...INTEGRATION],
          // tests/helpers/lake.ts refuses to start a lake here, naming this list.
          env: {TEST_PROJECT: 'unit'},
          // One module graph per worker, not per file: importing sanity, groq-js and sharp anew
          // for each file was four fifths of the project's time. Unit tests keep no global state.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: INTEGRATION,
          exclude: [...EXCLUDE, ...TIMED],
          // The same for the integration tests: each test lake has its own data folder, port or
          // in-process origin, and closes in afterAll, so files share nothing but the module graph.
          // Importing it anew for every file was two fifths of the project's time.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'timed',
          include: TIMED,
          exclude: EXCLUDE,
          isolate: false,
          maxWorkers: 1,
          // After the unit and integration projects (group 0), alone on the machine's cores.
          sequence: {groupOrder: 1},
        },
      },
    ],
  },
})
