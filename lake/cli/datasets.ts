/**
 * `npm run lake -- datasets visibility NAME [public|private]`: shows or sets who may read a
 * dataset. Public datasets answer anonymous callers with published documents only (never drafts or
 * release versions), as on hosted Sanity. Takes effect on a running lake within a second.
 *
 * `npm run lake -- datasets delete NAME --force [--port N] [--host HOST]`: deletes a dataset through the running lake (only
 * the lake that serves a dataset can close it before its files go), as `client.datasets.delete`.
 */
import {existsSync, readFileSync} from 'node:fs'
import {request as httpRequest} from 'node:http'
import {request as httpsRequest} from 'node:https'
import {invalidDatasetReason} from '../core/ids.ts'
import {openVisibility, VISIBILITIES, type DatasetVisibility} from '../datasets/visibility.ts'
import {defineCommand, EXIT, parsePort, UsageError, type Io} from '../../kit/cli.ts'
import {apiHostFor, lakeFile, localLakeConfig, LOCAL_LAKE} from '../../kit/localLake.ts'
import {openAuthStore} from './accounts.ts'
import {dataFolderOption} from './dataFolder.ts'

const HELP = `Usage:
  npm run lake -- datasets visibility NAME [public|private] [--data DIR]
  npm run lake -- datasets delete NAME --force [--data DIR] [--port N] [--host HOST] [--no-tls]

visibility: who may read a dataset. private (the default): only signed-in users and tokens.
public: anonymous callers also read its published documents (never drafts or release versions),
through query, doc, listen and export. Without a value, prints the current visibility. A running
lake picks up the change within a second.

delete: removes a dataset whole (documents, history, asset files, visibility), through the running
lake, as an administrator's client.datasets.delete. The name is then free: a write makes an empty
dataset. --force confirms. The lake is the one at --port/--host (as npm run lake -- env takes
them), else at SANITY_STUDIO_API_HOST, else at https://localhost:LAKE_PORT (default 3334).

  --force      confirms a delete (without it, delete does nothing: exit 2)
  --data DIR   the lake's data folder (default LAKE_DATA, else ${LOCAL_LAKE.dataDir}); delete makes its
               one-off token there, so it must be the folder of the lake it talks to
  --port N     the port the lake listens on
  --host HOST  the address it listens on (default ${LOCAL_LAKE.host})
  --no-tls     the lake serves plain HTTP

Examples:
  npm run lake -- datasets visibility production public
  npm run lake -- datasets visibility production
  npm run lake -- datasets delete preview-42 --force
  npm run lake -- datasets delete preview-42 --force --data .lake-demo --port 4334

Exit codes: 0 done · 1 no lake answered, or it refused · 2 bad arguments
`

export const command = defineCommand({
  invocation: 'npm run lake -- datasets',
  help: HELP,
  positionals: true,
  options: {
    data: {type: 'string'},
    force: {type: 'boolean', default: false},
    port: {type: 'string'},
    host: {type: 'string'},
    'no-tls': {type: 'boolean', default: false},
  },
  async run({values, positionals}, io) {
    const [action, dataset, value, ...extra] = positionals
    if (action !== 'visibility' && action !== 'delete')
      throw new UsageError(`Unknown action "${action ?? ''}" (visibility, delete).`)
    if (!dataset) throw new UsageError('Missing dataset name.')
    const invalid = invalidDatasetReason(dataset)
    if (invalid) throw new UsageError(`Invalid dataset name "${dataset}": ${invalid}.`)
    // LAKE_DATA as `env --export` sets it beside SANITY_STUDIO_API_HOST: the folder of that lake.
    const data = values.data ?? (io.env.LAKE_DATA || LOCAL_LAKE.dataDir)
    // The lake does not record its address in the data folder: the flags name it, as for env.
    const named = values.port !== undefined || values.host !== undefined || values['no-tls']
    if (action === 'delete') {
      if (value !== undefined || extra.length > 0) {
        throw new UsageError(`Unexpected "${[value, ...extra].join(' ')}".`)
      }
      if (!values.force) {
        throw new UsageError(
          `Deleting "${dataset}" removes all of it, for good: add --force to confirm.`,
        )
      }
      const apiHost = named
        ? apiHostFor(
            values.host ?? LOCAL_LAKE.host,
            parsePort(values.port ?? (io.env.LAKE_PORT || String(LOCAL_LAKE.port))),
            !values['no-tls'],
          )
        : localLakeConfig(io.env).apiHost
      return deleteDataset(dataset, apiHost, dataFolderOption(data), io)
    }
    if (extra.length > 0) throw new UsageError(`Unexpected "${extra.join(' ')}".`)
    if (named) {
      throw new UsageError(
        'visibility writes the data folder: --port, --host and --no-tls are for delete.',
      )
    }
    const settings = openVisibility(data)
    if (value === undefined) {
      io.stdout.write(`${settings.of(dataset)}\n`)
      return EXIT.SUCCESS
    }
    if (!(VISIBILITIES as readonly string[]).includes(value)) {
      throw new UsageError(`Visibility must be one of ${VISIBILITIES.join(', ')}.`)
    }
    settings.set(dataset, value as DatasetVisibility)
    const what = value === 'public' ? ': anonymous callers read its published documents' : ''
    io.stdout.write(`Dataset "${dataset}" is now ${value}${what}.\n`)
    return EXIT.SUCCESS
  },
})

/** Node's codes for a certificate the given CA did not issue. */
const TLS_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
])

/** How long the token made for a delete works at most: the delete is a request of seconds. */
const DELETE_TOKEN_MS = 10 * 60_000

/**
 * Asks the running lake to delete `dataset`, with an administrator token made for this one request
 * in the data folder's accounts and revoked after it (whoever can write the data folder may).
 */
async function deleteDataset(dataset: string, apiHost: string, dataDir: string, io: Io) {
  const mismatch = (why: string) => {
    io.stderr.write(
      `${dataDir} is not the data folder of the lake at ${apiHost} (${why}). The one-off token ` +
        "is made in the lake's own folder: name it with --data DIR or LAKE_DATA " +
        '(eval "$(npm run -s lake -- env --export --data DIR --port N)" sets both), ' +
        'or name the lake of this folder with --port/--host.\n',
    )
    return EXIT.RUNTIME_ERROR
  }
  // Opening the accounts would make a data folder where there is none (./.lake in the project).
  if (!existsSync(lakeFile(dataDir, 'authDb'))) return mismatch('it holds no auth.sqlite')
  const caPath = lakeFile(dataDir, 'ca')
  const ca = apiHost.startsWith('https:') && existsSync(caPath) ? readFileSync(caPath) : undefined
  const auth = openAuthStore(dataDir)
  const {token, info} = await auth.createToken({
    label: `datasets delete ${dataset}`,
    role: 'administrator',
    // Also on its own: a Ctrl-C or a kill before the revocation below left an administrator's
    // token that worked for good.
    expiresAt: new Date(Date.now() + DELETE_TOKEN_MS).toISOString(),
  })
  try {
    let answer: {status: number; body: string}
    try {
      answer = await send(new URL(`${apiHost}/v2025-02-19/datasets/${dataset}`), token, ca)
    } catch (err) {
      const cause = (err as {code?: string}).code ?? String(err)
      if (ca && TLS_UNTRUSTED.has(cause)) return mismatch(`its certificate is not from ${caPath}`)
      io.stderr.write(
        `No lake answered at ${apiHost} (${cause}): start it (npm run lake), or name where it runs (--port, --host, or SANITY_STUDIO_API_HOST).\n`,
      )
      return EXIT.RUNTIME_ERROR
    }
    if (answer.status === 401) return mismatch('it does not know a token made there')
    if (answer.status !== 200) {
      let message = answer.body
      try {
        message = (JSON.parse(answer.body) as {message?: string}).message ?? message
      } catch {
        // Not JSON (a proxy's page): said as it came.
      }
      io.stderr.write(`The lake refused (${answer.status}): ${message}\n`)
      return EXIT.RUNTIME_ERROR
    }
    io.stdout.write(`Dataset "${dataset}" deleted.\n`)
    return EXIT.SUCCESS
  } finally {
    auth.revokeToken(info.id)
    auth.close()
  }
}

/** A DELETE to the lake, trusting its CA for this request only. */
function send(url: URL, token: string, ca?: Buffer): Promise<{status: number; body: string}> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {method: 'DELETE', headers: {authorization: `Bearer ${token}`}, ...(ca ? {ca} : {})},
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })
}
