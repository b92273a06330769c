/**
 * Which lake `npm run example` reads and which data folder it trusts, from its flags and the
 * environment `eval "$(npm run -s lake -- env --export …)"` prepares, as the other scripts read it;
 * and whether that lake lets the site's origin read it (live updates run in the browser).
 */
import {apiHostFor, lakeFile, localLakeConfig, LOCAL_LAKE} from '../../kit/localLake.ts'

export interface ExampleTarget {
  apiHost: string
  /** The lake's data folder, as given (relative to the repository, or absolute). */
  dataDir: string
  caPath: string
}

const CA_SUFFIX = `/${'tls/ca.pem'}`

/**
 * `--lake-port` names the lake, else `SANITY_STUDIO_API_HOST`, else `LAKE_PORT`; `--data` names
 * the folder, else `LAKE_DATA`, else the folder whose CA `NODE_EXTRA_CA_CERTS` is (a shell
 * prepared before `env` printed `LAKE_DATA`), else `.lake`.
 */
export function exampleTarget(
  flags: {lakePort?: string; data?: string},
  env: Record<string, string | undefined>,
): ExampleTarget {
  const config = localLakeConfig(env)
  const apiHost = flags.lakePort
    ? apiHostFor(LOCAL_LAKE.host, Number(flags.lakePort), true)
    : config.apiHost
  const extraCa = env.NODE_EXTRA_CA_CERTS
  const caFolder = extraCa?.endsWith(CA_SUFFIX) ? extraCa.slice(0, -CA_SUFFIX.length) : undefined
  const dataDir = flags.data ?? (env.LAKE_DATA || caFolder || LOCAL_LAKE.dataDir)
  return {apiHost, dataDir, caPath: lakeFile(dataDir, 'ca')}
}

/**
 * A warning when the lake at `apiHost` does not allow `origin` (its CORS probe says so), else
 * null: the browser would refuse the live events, and the page would never update.
 */
export async function originWarning(apiHost: string, origin: string): Promise<string | null> {
  const res = await fetch(`${apiHost}/v2025-02-19/check/cors`, {headers: {origin}})
  const body = (await res.json().catch(() => null)) as {result?: {allowed?: boolean}} | null
  if (body?.result?.allowed !== false) return null
  return (
    `Warning: the lake at ${apiHost} does not allow this site's origin ${origin} (CORS), so ` +
    `live updates will not reach the browser. Restart the lake with LAKE_CORS_ORIGINS=${origin} ` +
    `(or npm run lake -- --cors-origin ${origin}).`
  )
}
