/**
 * `npm run lake -- trust [--data DIR] [--port N] [--dry-run]`: makes this machine trust the data
 * folder's CA (tls/ca.pem), so browsers accept the lake's https://localhost and speak HTTP/2 to
 * it. It adds the CA to every store it finds a tool for and says exactly what it did; for the
 * rest it prints the manual steps:
 * - the system store: update-ca-certificates (Debian, Ubuntu), update-ca-trust (Fedora, RHEL),
 *   `security` (macOS), `certutil -addstore` (Windows) — these need administrator rights (sudo);
 * - NSS databases, which Chromium and Chrome (Linux) and Firefox read instead of the system
 *   store: ~/.pki/nssdb and each Firefox profile, with NSS's `certutil` (package libnss3-tools).
 */
import {spawnSync} from 'node:child_process'
import {X509Certificate} from 'node:crypto'
import {existsSync, readdirSync} from 'node:fs'
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'
import {ensureTls} from '../tls/certificates.ts'
import {envCommandFor} from './dataFolder.ts'
import {defineCommand, EXIT, parsePort, shellQuote} from '../../kit/cli.ts'
import {apiHostFor, LOCAL_LAKE} from '../../kit/localLake.ts'

const HELP = `Usage: npm run lake -- trust [--data DIR] [--port N] [--dry-run]

Makes this machine trust the data folder's certificate authority (tls/ca.pem), so browsers accept
the lake on https://localhost (any port) and speak HTTP/2 to it: the system store (through sudo
when needed), Chromium's and Firefox's NSS databases where NSS's certutil is installed. Prints
DONE, SKIPPED or FAILED per store, the commands, and the browser steps that always work.

  --data DIR   the lake's data folder (default ${LOCAL_LAKE.dataDir})
  --port N     the port the lake listens on, for the address to check at the end
               (default LAKE_PORT or ${LOCAL_LAKE.port})
  --dry-run    only print the plan

Examples:
  npm run lake -- trust
  npm run lake -- trust --dry-run --data .lake-demo --port 4334

Exit codes: 0 trusted, or only printed (--dry-run, no rights) · 1 a store's command failed · 2 bad arguments
`

interface Step {
  store: string
  /** Commands run in order; `sudo` marks those needing administrator rights. */
  commands: {argv: string[]; sudo: boolean}[]
}

type Outcome = {store: string; status: 'done' | 'skipped' | 'failed'; detail: string}

export const command = defineCommand({
  invocation: 'npm run lake -- trust',
  help: HELP,
  options: {
    data: {type: 'string', default: LOCAL_LAKE.dataDir},
    port: {type: 'string'},
    'dry-run': {type: 'boolean', default: false},
  },
  async run({values}, io) {
    const port = parsePort(values.port ?? (io.env.LAKE_PORT || String(LOCAL_LAKE.port)))
    const dataDir = resolve(values.data)
    const {files, ca} = await ensureTls(dataDir)
    const caPath = files.caPath
    const subject = new X509Certificate(ca).subject
    const nickname = /CN=([^\n,]+)/.exec(subject)?.[1]?.trim() ?? 'Local Content Lake CA'
    const fileStem = nickname
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
    io.stdout.write(`Certificate authority: ${caPath}\n  ${nickname}\n\n`)

    const steps = planSteps(caPath, nickname, fileStem)
    const outcomes: Outcome[] = []
    const manual: string[] = []
    const isRoot = process.getuid?.() === 0
    const canSudo = !isRoot && process.stdin.isTTY && found('sudo')

    for (const step of steps) {
      const needsSudo = step.commands.some((command) => command.sudo) && !isRoot
      const argvs = step.commands.map((command) =>
        command.sudo && !isRoot ? ['sudo', ...command.argv] : command.argv,
      )
      const lines = argvs.map(shellJoin)
      if (values['dry-run']) {
        outcomes.push({store: step.store, status: 'skipped', detail: 'dry run'})
        manual.push(`# ${step.store}`, ...lines)
        continue
      }
      if (needsSudo && !canSudo) {
        outcomes.push({
          store: step.store,
          status: 'skipped',
          detail: 'needs administrator rights (run the commands below)',
        })
        manual.push(`# ${step.store}`, ...lines)
        continue
      }
      let failure: string | null = null
      for (const full of argvs) {
        const result = spawnSync(full[0], full.slice(1), {stdio: ['inherit', 'pipe', 'pipe']})
        if (result.status !== 0) {
          failure = `${shellJoin(full)} failed: ${(result.stderr?.toString() || result.error?.message || `exit ${result.status}`).trim()}`
          break
        }
      }
      if (failure) {
        outcomes.push({store: step.store, status: 'failed', detail: failure})
        manual.push(`# ${step.store}`, ...lines)
      } else {
        outcomes.push({store: step.store, status: 'done', detail: lines.join(' && ')})
      }
    }

    for (const outcome of outcomes) {
      io.stdout.write(
        `${outcome.status.toUpperCase().padEnd(8)} ${outcome.store}: ${outcome.detail}\n`,
      )
    }
    if (steps.length === 0) io.stdout.write('No trust-store tools found on this machine.\n')
    if (manual.length > 0) {
      io.stdout.write(
        `\nTo finish by hand, run:\n${manual.map((line) => `  ${line}`).join('\n')}\n`,
      )
    }
    io.stdout.write(`\n${manualBrowserSteps(caPath, apiHostFor(LOCAL_LAKE.host, port, true))}`)
    io.stdout.write(
      `\nNode scripts: NODE_EXTRA_CA_CERTS=${caPath} (printed by: ${envCommandFor({port, host: LOCAL_LAKE.host, data: values.data, tls: true})}); the project's own scripts read the CA from the data folder themselves (LAKE_DATA, default .lake).\n` +
        'Restart the browser after trusting the certificate.\n',
    )
    return outcomes.some((outcome) => outcome.status === 'failed')
      ? EXIT.RUNTIME_ERROR
      : EXIT.SUCCESS
  },
})

/** What this machine offers, in order: the system store, then NSS databases. */
export function planSteps(caPath: string, nickname: string, fileStem: string): Step[] {
  const steps: Step[] = []
  if (process.platform === 'linux') {
    if (found('update-ca-certificates') && existsSync('/usr/local/share/ca-certificates')) {
      const target = `/usr/local/share/ca-certificates/${fileStem}.crt`
      steps.push({
        store: 'system store (update-ca-certificates)',
        commands: [
          {argv: ['cp', caPath, target], sudo: true},
          {argv: ['update-ca-certificates'], sudo: true},
        ],
      })
    } else if (found('update-ca-trust') && existsSync('/etc/pki/ca-trust/source/anchors')) {
      const target = `/etc/pki/ca-trust/source/anchors/${fileStem}.pem`
      steps.push({
        store: 'system store (update-ca-trust)',
        commands: [
          {argv: ['cp', caPath, target], sudo: true},
          {argv: ['update-ca-trust', 'extract'], sudo: true},
        ],
      })
    }
  } else if (process.platform === 'darwin' && found('security')) {
    steps.push({
      store: 'macOS System keychain',
      commands: [
        {
          argv: [
            'security',
            'add-trusted-cert',
            '-d',
            '-r',
            'trustRoot',
            '-k',
            '/Library/Keychains/System.keychain',
            caPath,
          ],
          sudo: true,
        },
      ],
    })
  } else if (process.platform === 'win32') {
    steps.push({
      store: 'Windows current-user Root store',
      commands: [{argv: ['certutil', '-user', '-addstore', 'Root', caPath], sudo: false}],
    })
  }

  // NSS's certutil (not Windows' certutil of the same name).
  if (process.platform !== 'win32' && found('certutil')) {
    for (const db of nssDatabases()) {
      const commands: Step['commands'] = []
      if (!existsSync(join(db.dir, 'cert9.db'))) {
        commands.push({argv: ['mkdir', '-p', db.dir], sudo: false})
        commands.push({
          argv: ['certutil', '-d', `sql:${db.dir}`, '-N', '--empty-password'],
          sudo: false,
        })
      }
      commands.push({
        argv: ['certutil', '-d', `sql:${db.dir}`, '-A', '-t', 'C,,', '-n', nickname, '-i', caPath],
        sudo: false,
      })
      steps.push({store: db.store, commands})
    }
  }
  return steps
}

/** ~/.pki/nssdb (Chromium/Chrome on Linux, created if absent) and every Firefox profile. */
function nssDatabases(): {store: string; dir: string}[] {
  const home = homedir()
  const out: {store: string; dir: string}[] = []
  if (process.platform === 'linux') {
    out.push({
      store: 'Chromium/Chrome NSS database (~/.pki/nssdb)',
      dir: join(home, '.pki', 'nssdb'),
    })
  }
  const firefoxRoots = [
    join(home, '.mozilla', 'firefox'),
    join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox'),
    join(home, 'Library', 'Application Support', 'Firefox', 'Profiles'),
  ]
  for (const root of firefoxRoots) {
    if (!existsSync(root)) continue
    for (const entry of readdirSync(root, {withFileTypes: true})) {
      const dir = join(root, entry.name)
      if (entry.isDirectory() && existsSync(join(dir, 'cert9.db'))) {
        out.push({store: `Firefox profile ${entry.name}`, dir})
      }
    }
  }
  return out
}

function manualBrowserSteps(caPath: string, lakeUrl: string): string {
  return `By hand in a browser (always works):
  Chrome/Chromium/Edge: Settings → Privacy and security → Security → Manage certificates →
    Authorities (Linux) or Trusted Root Certification Authorities (Windows) → Import → ${caPath}
    → tick "Trust this certificate for identifying websites".
  Firefox: Settings → Privacy & Security → Certificates → View Certificates → Authorities →
    Import → ${caPath} → tick "Trust this CA to identify websites".
  Then open ${lakeUrl}/v2025-03-01/ping: it should answer without a warning.
`
}

function found(command: string): boolean {
  const probe = process.platform === 'win32' ? 'where' : 'which'
  return spawnSync(probe, [command], {stdio: 'ignore'}).status === 0
}

function shellJoin(argv: string[]): string {
  return argv.map(shellQuote).join(' ')
}
