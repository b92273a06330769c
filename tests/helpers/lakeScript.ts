/**
 * The start of a test's own lake process (kit/lakeProcess.ts `script`): the options
 * startLakeProcess gives it, as `lake start` reads them. Such a lake runs over plain HTTP.
 */
import {parseArgs} from 'node:util'
import {startLakeServer, type LakeServer, type LakeServerOptions} from '../../lake/server.ts'

/**
 * Starts the lake on the port, host and data folder this process was given, with `options` of
 * the script's own, and prints `Lake listening on <url>` once `ready` (default: once it listens).
 */
export async function startScriptedLake(
  options: Omit<LakeServerOptions, 'dataDir' | 'port' | 'host' | 'tls'> = {},
  ready: (server: LakeServer) => Promise<unknown> = async () => undefined,
): Promise<LakeServer> {
  const {values} = parseArgs({
    options: {
      port: {type: 'string'},
      host: {type: 'string'},
      data: {type: 'string'},
      'no-tls': {type: 'boolean', default: false},
    },
  })
  if (!values['no-tls'] || values.data === undefined) {
    throw new Error(
      'A scripted lake runs over plain HTTP: start it with startLakeProcess, tls: false',
    )
  }
  const server = await startLakeServer({
    ...options,
    dataDir: values.data,
    port: Number(values.port ?? 0),
    host: values.host,
    tls: false,
  })
  await ready(server)
  console.log(`Lake listening on ${server.url}`)
  return server
}
