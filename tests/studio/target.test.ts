// Which backend the Studio talks to, from its SANITY_STUDIO_* environment.
import {describe, expect, it} from 'vitest'
import {resolveStudioTarget} from '../../studio/target.ts'

describe('resolveStudioTarget', () => {
  it('defaults to the local lake on https://localhost:3334, project local, dataset production', () => {
    expect(resolveStudioTarget({})).toEqual({
      kind: 'local',
      projectId: 'local',
      dataset: 'production',
      apiHost: 'https://localhost:3334',
    })
  })
  it('takes the lake host and dataset from the environment; empty values fall back', () => {
    expect(resolveStudioTarget({apiHost: 'https://localhost:4444', dataset: 'staging'})).toEqual({
      kind: 'local',
      projectId: 'local',
      dataset: 'staging',
      apiHost: 'https://localhost:4444',
    })
    expect(resolveStudioTarget({apiHost: '', dataset: ''}).dataset).toBe('production')
  })
  it('targets a hosted project when a project id is given, ignoring the lake host', () => {
    expect(resolveStudioTarget({projectId: 'abc123', apiHost: 'https://localhost:3334'})).toEqual({
      kind: 'hosted',
      projectId: 'abc123',
      dataset: 'production',
    })
  })
})
