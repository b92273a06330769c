// Where the Studio sends its requests: the local lake unless a hosted project id is given.

export type StudioEnv = {
  projectId?: string
  dataset?: string
  apiHost?: string
}

export type StudioTarget =
  | {kind: 'local'; projectId: 'local'; dataset: string; apiHost: string}
  | {kind: 'hosted'; projectId: string; dataset: string}

export const LOCAL_PROJECT_ID = 'local'
export const DEFAULT_DATASET = 'production'
export const DEFAULT_LOCAL_API_HOST = 'https://localhost:3334'

export function resolveStudioTarget(env: StudioEnv): StudioTarget {
  const dataset = env.dataset || DEFAULT_DATASET
  if (env.projectId) return {kind: 'hosted', projectId: env.projectId, dataset}
  return {
    kind: 'local',
    projectId: LOCAL_PROJECT_ID,
    dataset,
    apiHost: env.apiHost || DEFAULT_LOCAL_API_HOST,
  }
}
