// Where the Studio sends its requests: the local lake unless a hosted project id is given.
// The local lake's defaults live in one place, shared with the scripts, the lake's CLI and dev.
import {DEFAULT_LOCAL_API_HOST, LOCAL_LAKE} from '../kit/localLake.ts'

export type StudioEnv = {
  projectId?: string
  dataset?: string
  apiHost?: string
}

export type StudioTarget =
  | {kind: 'local'; projectId: 'local'; dataset: string; apiHost: string}
  | {kind: 'hosted'; projectId: string; dataset: string}

export function resolveStudioTarget(env: StudioEnv): StudioTarget {
  const dataset = env.dataset || LOCAL_LAKE.dataset
  if (env.projectId) return {kind: 'hosted', projectId: env.projectId, dataset}
  return {
    kind: 'local',
    projectId: LOCAL_LAKE.projectId,
    dataset,
    apiHost: env.apiHost || DEFAULT_LOCAL_API_HOST,
  }
}
