/**
 * What of the Sanity CLI reaches the lake: `getCliClient()` (for `sanity exec` scripts) passes extra
 * client options through, so it reads the lake given `apiHost` and `useProjectHostname: false`; the
 * CLI's own commands build their clients without an API host option (docs/hosted.md).
 */
import {readFileSync} from 'node:fs'
import {getCliClient} from 'sanity/cli'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
beforeAll(async () => {
  lake = await startTestLake()
  await lake.client().create({_type: 'article', title: 'সিএলআই'})
})
afterAll(() => lake?.close())

it('getCliClient reads the lake with apiHost and useProjectHostname: false', async () => {
  const client = getCliClient({
    apiHost: lake.url,
    useProjectHostname: false,
    projectId: 'local',
    dataset: 'test',
    token: lake.token,
    apiVersion: '2025-02-19',
  })
  expect(await client.fetch('*[_type == "article"][0].title')).toBe('সিএলআই')
})

it('the CLI commands have no API host setting: only production or staging Sanity', () => {
  const source = readFileSync(
    new URL('../../../node_modules/@sanity/cli-core/dist/apiClient.js', import.meta.url),
    'utf8',
  )
  // If this changes, the CLI may reach the lake: update docs/hosted.md.
  expect(source).toMatch(/const apiHost = isStaging\(\) \? STAGING_API_HOST : undefined/)
})
