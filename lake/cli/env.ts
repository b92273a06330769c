/**
 * `npm run -s lake -- env [--data DIR] [--port N] [--host HOST] [--no-tls] [--export]`: what a client of that
 * lake needs, one `NAME=value` per line, so `eval "$(npm run -s lake -- env)"` prepares a shell.
 * Creates the data folder's certificate and scripts' token when the lake has never started there.
 */
import {existsSync} from 'node:fs'
import {openAuth} from '../auth/bootstrap.ts'
import {ensureTls, tlsFiles} from '../tls/certificates.ts'
import {defineCommand, EXIT, parsePort, shellQuote} from '../../kit/cli.ts'
import {apiHostFor, LOCAL_LAKE} from '../../kit/localLake.ts'
import {reportCreatedAdmin} from './accounts.ts'
import {dataFolderOption} from './dataFolder.ts'

const HELP = `Usage: eval "$(npm run -s lake -- env [--data DIR] [--port N] [--host HOST] [--no-tls] [--export])"

Prints what a client of the lake needs, one NAME=value per line: SANITY_STUDIO_API_HOST,
SANITY_API_TOKEN (the scripts' token) and SANITY_AUTH_TOKEN (the same token, for the Sanity
CLI), NODE_EXTRA_CA_CERTS (the lake's CA) and LAKE_DATA (its data folder, for the project's
commands). On a data folder that has never been started, it creates the certificate and the
token first.

  --data DIR   the lake's data folder (default LAKE_DATA, else ${LOCAL_LAKE.dataDir})
  --port N     the port the lake listens on (default LAKE_PORT, else ${LOCAL_LAKE.port})
  --host HOST  the address it listens on (default ${LOCAL_LAKE.host})
  --no-tls     the lake serves plain HTTP (npm run lake -- --no-tls)
  --export     prefix each line with "export " so programs started from the shell see the values
               (same as: set -a; eval "$(npm run -s lake -- env)"; set +a)

Examples:
  eval "$(npm run -s lake -- env --export)"
  npm run -s lake -- env --data .lake-demo --port 4334 > .env

Exit codes: 0 printed · 1 the data folder's files could not be read or made · 2 bad arguments
`

/** `NAME=value`, single-quoted only when the value needs it for a POSIX shell. */
export function shellLine(name: string, value: string): string {
  return `${name}=${shellQuote(value)}`
}

export const command = defineCommand({
  invocation: 'npm run lake -- env',
  help: HELP,
  options: {
    data: {type: 'string'},
    port: {type: 'string'},
    host: {type: 'string', default: LOCAL_LAKE.host},
    'no-tls': {type: 'boolean', default: false},
    export: {type: 'boolean', default: false},
  },
  async run({values}, io) {
    // Clients need the port the lake will listen on: 0 (any free port) is no address.
    // The variables as the project's other commands (datasets, trust) read them: a shell that
    // set them for the lake gets the lake's values, not the default folder's.
    const port = parsePort(values.port ?? (io.env.LAKE_PORT || String(LOCAL_LAKE.port)), 1)
    const dataDir = dataFolderOption(values.data ?? (io.env.LAKE_DATA || LOCAL_LAKE.dataDir))
    const tls = !values['no-tls']
    const lines = [shellLine('SANITY_STUDIO_API_HOST', apiHostFor(values.host, port, tls))]

    const auth = await openAuth(dataDir, io.env)
    auth.store.close()
    // stderr: stdout is being eval'ed.
    reportCreatedAdmin(auth, io.stderr)
    lines.push(shellLine('SANITY_API_TOKEN', auth.token))
    // The Sanity CLI (sanity exec's getCliClient, migration run) reads its token from this one;
    // without it every command that calls an API answers "You must login first".
    lines.push(shellLine('SANITY_AUTH_TOKEN', auth.token))

    if (tls) {
      const caPath = tlsFiles(dataDir).caPath
      if (!existsSync(caPath)) await ensureTls(dataDir)
      lines.push(shellLine('NODE_EXTRA_CA_CERTS', caPath))
    }
    // The project's commands that work in the folder too (example's viewer token, datasets
    // delete's one-off token) must use this lake's, not ./.lake.
    lines.push(shellLine('LAKE_DATA', dataDir))
    // Plain assignments set shell variables; child processes see them only when exported.
    const prefix = values.export ? 'export ' : ''
    io.stdout.write(lines.map((line) => `${prefix}${line}\n`).join(''))
    return EXIT.SUCCESS
  },
})
