import {defineConfig} from 'vitest/config'

// The contract suite against hosted Sanity needs the network and a project, so it is collected only
// when one is configured; against the local lake the same suite always runs.
const hostedContract = Boolean(
  process.env.SANITY_CONTRACT_PROJECT_ID && process.env.SANITY_CONTRACT_TOKEN,
)

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: [
      'tests/e2e/**',
      'node_modules/**',
      ...(hostedContract ? [] : ['tests/lake/contract/hosted.test.ts']),
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
