/**
 * `npm run -s lake -- env [--data DIR] [--port N] [--host HOST] [--no-tls] [--export]`: what a client of that
 * lake needs, one `NAME=value` per line, so `eval "$(npm run -s lake -- env)"` prepares a shell.
 * Creates the data folder's certificate and scripts' token when the lake has never started there.
 */
import {existsSync} from 'node:fs'
import {resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {openAuth} from '../auth/bootstrap.ts'
import {ensureTls, tlsFiles} from '../tls/certificates.ts'
import {DEFAULTS} from './start.ts'

export const summary =
  'Print SANITY_STUDIO_API_HOST, SANITY_API_TOKEN, NODE_EXTRA_CA_CERTS for a shell'

const USAGE = `Usage: eval "$(npm run -s lake -- env [--data DIR] [--port N] [--host HOST] [--no-tls] [--export])"
  --export  prefix each line with "export " so programs started from the shell see the values
            (same as: set -a; eval "$(npm run -s lake -- env)"; set +a)
`

/** The URL clients use: browsers reach loopback as `localhost` (the certificate's name). */
export function apiHostFor(host: string, port: number, tls: boolean): string {
  const loopback = ['127.0.0.1', '::1', '0.0.0.0', '::', 'localhost'].includes(host)
  const name = loopback ? 'localhost' : host.includes(':') ? `[${host}]` : host
  return `${tls ? 'https' : 'http'}://${name}:${port}`
}

/** `NAME=value`, single-quoted only when the value needs it for a POSIX shell. */
export function shellLine(name: string, value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]*$/.test(value)
    ? `${name}=${value}`
    : `${name}='${value.replace(/'/g, `'\\''`)}'`
}

export async function run(argv: string[]): Promise<number> {
  let values
  try {
    ;({values} = parseArgs({
      args: argv,
      options: {
        data: {type: 'string', default: DEFAULTS.data},
        port: {type: 'string', default: String(DEFAULTS.port)},
        host: {type: 'string', default: DEFAULTS.host},
        'no-tls': {type: 'boolean', default: false},
        export: {type: 'boolean', default: false},
      },
    }))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`)
    return 2
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    process.stderr.write(`--port must be a port number, got "${values.port}"\n${USAGE}`)
    return 2
  }
  const dataDir = resolve(values.data)
  const tls = !values['no-tls']
  const lines = [shellLine('SANITY_STUDIO_API_HOST', apiHostFor(values.host, port, tls))]

  const auth = await openAuth(dataDir)
  auth.store.close()
  if (auth.createdAdmin) {
    // stderr: stdout is being eval'ed.
    const {email, password, generated} = auth.createdAdmin
    process.stderr.write(
      `Created administrator ${email}${generated ? ` with password ${password} (shown once)` : ''}\n`,
    )
  }
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
