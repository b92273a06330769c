import {describe} from 'vitest'
import {describeLakeContract} from './describeLakeContract.ts'
import {hostedConfig, hostedTarget} from './target.ts'

// Runs the same contract against hosted Sanity to check the lake's assumptions; needs network and
// SANITY_CONTRACT_PROJECT_ID + SANITY_CONTRACT_TOKEN (dataset: SANITY_CONTRACT_DATASET, default `contract`).
if (hostedConfig.projectId && hostedConfig.token) {
  describeLakeContract(`lake contract: hosted project ${hostedConfig.projectId}`, hostedTarget)
} else {
  describe.skip('lake contract: hosted Sanity (set SANITY_CONTRACT_PROJECT_ID and SANITY_CONTRACT_TOKEN)', () => {})
}
