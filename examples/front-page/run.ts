/**
 * `npm run example`: the example front page against the local lake (start it first with
 * `npm run dev` or `npm run lake`). Sets what the Next app needs: the lake's API host, Node trusting
 * the lake's certificate authority, and a read token when the dataset is private (a viewer token
 * made once and kept in the example's folder, viewerToken.ts). `--prod` builds and serves the production bundle.
 *
 *   npm run example -- [--port 3400] [--lake-port 3334] [--data .lake] [--dataset production] [--prod]
 */
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, readFileSync, rmSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {getCACertificates, setDefaultCACertificates} from 'node:tls'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {exitCodeOf} from './exitCode.ts'
import {exampleTarget, originWarning} from './lakeTarget.ts'
import {savedToken, saveToken} from './viewerToken.ts'

const APP = dirname(fileURLToPath(import.meta.url))
const ROOT = resolve(APP, '../..')
const NEXT = join(ROOT, 'node_modules', '.bin', 'next')

const HELP = `Usage: npm run example -- [--port N] [--lake-port N] [--data DIR] [--dataset NAME] [--prod]

The example front page (Next.js + next-sanity) against the local lake, which must be running
(npm run dev or npm run lake). Makes a viewer token once for a private dataset. See
docs/front-end.md.

  --port N         the site's port (default 3400)
  --lake-port N    the lake's port (default: SANITY_STUDIO_API_HOST's lake, else LAKE_PORT, else 3334)
  --data DIR       the lake's data folder (default LAKE_DATA, else the folder of NODE_EXTRA_CA_CERTS's
                   tls/ca.pem, else .lake); a shell prepared with
                   eval "$(npm run -s lake -- env --export ...)" sets these
  --dataset NAME   dataset (default production)
  --prod           build and serve the production bundle instead of next dev

Examples:
  npm run example
  npm run example -- --prod

Exit codes: 0 done (stopped with Ctrl-C) · 1 no lake running, or the site failed to build or start · 2 bad arguments
(Ctrl-C reaches npm too: npm run example itself then exits 130, as npm does for any script.)
`

const {values} = parseFlags()
if (values.help) {
  process.stdout.write(HELP)
  process.exit(0)
}

/** The flags; a bad one is the usage error (exit 2) every command of the project gives. */
function parseFlags() {
  try {
    return parseArgs({
      options: {
        help: {type: 'boolean', short: 'h'},
        port: {type: 'string', default: '3400'},
        'lake-port': {type: 'string'},
        data: {type: 'string'},
        dataset: {type: 'string', default: 'production'},
        prod: {type: 'boolean', default: false},
      },
    })
  } catch (error) {
    console.error(`${(error as Error).message}\nRun \`npm run example -- --help\` for the usage.`)
    process.exit(2)
  }
}

const target = exampleTarget({lakePort: values['lake-port'], data: values.data}, process.env)
const dataDir = resolve(ROOT, target.dataDir)
const {apiHost} = target
const caPath = resolve(ROOT, target.caPath)
if (!existsSync(caPath)) {
  fail(
    `No lake data folder at ${target.dataDir} (no tls/ca.pem). Start the lake first (npm run dev), ` +
      `or name its folder: --data DIR, or eval "$(npm run -s lake -- env --export --data DIR --port N)".`,
  )
}
setDefaultCACertificates([...getCACertificates('default'), readFileSync(caPath, 'utf8')])

const ping = await fetch(`${apiHost}/v2025-02-19/ping`).catch((err: Error) => err)
if (ping instanceof Error || !ping.ok) {
  fail(`The lake does not answer on ${apiHost}. Start it first: npm run dev (or npm run lake)`)
}
const warning = await originWarning(apiHost, `http://localhost:${values.port}`)
if (warning) console.warn(warning)

const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_EXTRA_CA_CERTS: caPath,
  NEXT_TELEMETRY_DISABLED: '1',
  NEXT_PUBLIC_SANITY_PROJECT_ID: 'local',
  NEXT_PUBLIC_SANITY_DATASET: values.dataset,
  NEXT_PUBLIC_SANITY_API_HOST: apiHost,
  SANITY_API_READ_TOKEN: process.env.SANITY_API_READ_TOKEN ?? (await readToken()),
}

const next = (args: string[]) => {
  const child = spawn(NEXT, args, {cwd: ROOT, env, stdio: 'inherit'})
  child.on('exit', (code, signal) => {
    process.exitCode = exitCodeOf(code, signal)
  })
  // Ctrl-C reaches Next too (the terminal's process group); by default it would end this process
  // first, by the signal. Instead Next is told (a SIGTERM may be sent to this process alone) and
  // this one exits with Next's exit code, 0 for a stop (--help).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill(signal))
  }
}

if (values.prod) {
  // Next keeps fetched answers across builds (`.next/cache/fetch-cache`, never expiring with Sanity
  // Live): a build against a lake whose content changed since must not prerender the old answers.
  rmSync(join(APP, '.next', 'cache', 'fetch-cache'), {recursive: true, force: true})
  const built = spawnSync(NEXT, ['build', APP], {cwd: ROOT, env, stdio: 'inherit'})
  if (built.status !== 0) process.exit(built.status ?? 1)
  next(['start', APP, '--port', values.port])
} else {
  next(['dev', APP, '--port', values.port])
}
console.log(`Front page: http://localhost:${values.port} (content from ${apiHost})`)

/** A public dataset needs no token; a private one gets a viewer token, made once. */
async function readToken(): Promise<string> {
  const res = await fetch(`${apiHost}/v2025-02-19/data/query/${values.dataset}?query=count(*)`)
  const anonymous = ((await res.json()) as {result?: number}).result ?? 0
  if (anonymous > 0) return ''
  const saved = savedToken(dataDir)
  // A lake made anew in the same folder does not know a token saved for the old one.
  if (saved !== undefined && (await accepted(saved))) return saved
  const made = spawnSync(
    process.execPath,
    [
      'lake/cli.ts',
      'tokens',
      'create',
      '--role',
      'viewer',
      '--label',
      'front page example',
      '--data',
      dataDir,
    ],
    {cwd: ROOT, encoding: 'utf8'},
  )
  if (made.status !== 0) fail(`Could not make a viewer token:\n${made.stderr}`)
  const token = made.stdout.trim()
  saveToken(dataDir, token)
  return token
}

async function accepted(token: string): Promise<boolean> {
  const res = await fetch(`${apiHost}/v2025-02-19/data/query/${values.dataset}?query=1`, {
    headers: {authorization: `Bearer ${token}`},
  })
  return res.status !== 401
}

function fail(message: string): never {
  console.error(message)
  process.exit(1)
}
