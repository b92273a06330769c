/**
 * `npm run -s lake -- env [--data DIR] [--port N] [--host HOST] [--no-tls] [--export]`: what a client of that
 * lake needs, one `NAME=value` per line, so `eval "$(npm run -s lake -- env)"` prepares a shell.
 * Creates the data folder's certificate and scripts' token when the lake has never started there.
 */
import {existsSync} from 'node:fs'
import {resolve} from 'node:path'
import {openAuth} from '../auth/bootstrap.ts'
import {ensureTls, tlsFiles} from '../tls/certificates.ts'
import {
  apiHostFor,
  DEFAULTS,
  parseOptions,
  parsePort,
  reportCreatedAdmin,
  shellQuote,
  usageError,
} from './common.ts'

export const summary =
  'Print SANITY_STUDIO_API_HOST, SANITY_API_TOKEN, NODE_EXTRA_CA_CERTS for a shell'

const USAGE = `Usage: eval "$(npm run -s lake -- env [--data DIR] [--port N] [--host HOST] [--no-tls] [--export])"
  --export  prefix each line with "export " so programs started from the shell see the values
            (same as: set -a; eval "$(npm run -s lake -- env)"; set +a)
`

/** `NAME=value`, single-quoted only when the value needs it for a POSIX shell. */
export function shellLine(name: string, value: string): string {
  return `${name}=${shellQuote(value)}`
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseOptions(
    {
      args: argv,
      options: {
        data: {type: 'string', default: DEFAULTS.data},
        port: {type: 'string', default: String(DEFAULTS.port)},
        host: {type: 'string', default: DEFAULTS.host},
        'no-tls': {type: 'boolean', default: false},
        export: {type: 'boolean', default: false},
      },
    },
    USAGE,
  )
  if (!parsed) return 2
  const {values} = parsed
  // Clients need the port the lake will listen on: 0 (any free port) is no address.
  const port = parsePort(values.port, 1)
  if (port === null) return usageError(`--port must be a port number, got "${values.port}"`, USAGE)
  const dataDir = resolve(values.data)
  const tls = !values['no-tls']
  const lines = [shellLine('SANITY_STUDIO_API_HOST', apiHostFor(values.host, port, tls))]

  const auth = await openAuth(dataDir)
  auth.store.close()
  // stderr: stdout is being eval'ed.
  reportCreatedAdmin(auth, process.stderr)
  lines.push(shellLine('SANITY_API_TOKEN', auth.token))

  if (tls) {
    const caPath = tlsFiles(dataDir).caPath
    if (!existsSync(caPath)) await ensureTls(dataDir)
    lines.push(shellLine('NODE_EXTRA_CA_CERTS', caPath))
  }
  // Plain assignments set shell variables; child processes see them only when exported.
  const prefix = values.export ? 'export ' : ''
  process.stdout.write(lines.map((line) => `${prefix}${line}\n`).join(''))
  return 0
}
