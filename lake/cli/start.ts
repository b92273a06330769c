/**
 * `npm run lake -- start [--port 3334] [--host 127.0.0.1] [--data .lake] [--no-tls]
 * [--cors-origin URL]…`: the lake in the foreground, over HTTPS (HTTP/2 and HTTP/1.1) with the data
 * folder's own certificate unless --no-tls.
 */
import {resolve} from 'node:path'
import {startLakeServer} from '../server.ts'
import {openAuth} from '../auth/bootstrap.ts'
import {ensureTls} from '../tls/certificates.ts'
import {
  apiHostFor,
  DEFAULTS,
  parseOptions,
  parsePort,
  reportCreatedAdmin,
  usageError,
} from './common.ts'

export const summary = 'Start the lake in the foreground (Ctrl-C stops it cleanly)'

const USAGE =
  'Usage: npm run lake -- start [--port 3334] [--host 127.0.0.1] [--data .lake] [--no-tls] [--cors-origin URL]…\n'

export async function run(argv: string[]): Promise<number> {
  const parsed = parseOptions(
    {
      args: argv,
      options: {
        port: {type: 'string', default: String(DEFAULTS.port)},
        host: {type: 'string', default: DEFAULTS.host},
        data: {type: 'string', default: DEFAULTS.data},
        'no-tls': {type: 'boolean', default: false},
        'cors-origin': {type: 'string', multiple: true, default: []},
      },
    },
    USAGE,
  )
  if (!parsed) return 2
  const {values} = parsed
  // 0 lets the system pick a free port (tests start the lake that way).
  const port = parsePort(values.port, 0)
  if (port === null) return usageError(`--port must be a port number, got "${values.port}"`, USAGE)
  const dataDir = resolve(values.data)
  // The administrator and scripts' token first: a generated password must be shown even when
  // the port turns out to be busy.
  const auth = await openAuth(dataDir)
  auth.store.close()
  reportCreatedAdmin(auth, process.stdout)
  if (auth.createdToken) process.stdout.write(`Wrote the scripts' API token to ${auth.tokenPath}\n`)
  const tls = values['no-tls'] ? null : await ensureTls(dataDir)
  if (tls?.created.ca) {
    process.stdout.write(
      `Created a certificate authority for this lake: ${tls.files.caPath}\n` +
        'Browsers must trust it once: npm run lake -- trust (see docs/studio-lake.md)\n',
    )
  } else if (tls?.created.leaf) {
    process.stdout.write(`Issued a new localhost certificate: ${tls.files.certPath}\n`)
  }
  const server = await startLakeServer({
    port,
    host: values.host,
    dataDir,
    tls: tls ? {key: tls.key, cert: tls.cert} : false,
    corsOrigins: values['cors-origin'],
  })
  process.stdout.write(`Lake listening on ${server.url} (data: ${values.data})\n`)
  process.stdout.write(
    `Studio and clients: apiHost ${apiHostFor(values.host, server.port, tls !== null)} (eval "$(npm run -s lake -- env --export)")\n`,
  )

  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      process.stdout.write('Stopping the lake…\n')
      server.close().then(done, (err: unknown) => {
        process.stderr.write(`lake: error while stopping: ${String(err)}\n`)
        done()
      })
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  return 0
}
