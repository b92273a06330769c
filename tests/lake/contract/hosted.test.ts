import {describeLakeContract} from './describeLakeContract.ts'
import {hostedConfig, hostedTarget} from './target.ts'

// Runs the same contract against hosted Sanity to check the lake's assumptions; needs network and
// SANITY_CONTRACT_PROJECT_ID + SANITY_CONTRACT_TOKEN (dataset: SANITY_CONTRACT_DATASET, default
// `contract`). vitest.config.ts collects this file only when both are set.
if (!hostedConfig.projectId || !hostedConfig.token) {
  throw new Error(
    'Set SANITY_CONTRACT_PROJECT_ID and SANITY_CONTRACT_TOKEN to run the lake contract against hosted Sanity',
  )
}
describeLakeContract(`lake contract: hosted project ${hostedConfig.projectId}`, hostedTarget)
