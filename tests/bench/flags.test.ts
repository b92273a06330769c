/**
 * The bench scripts run on their own (`npx node bench/<script>.ts`) read their flags as every
 * command of the project does (bench/flags.ts): `--help` prints the usage, exit 0; a flag the
 * script does not take is a usage error, exit 2, saying what to run for the usage.
 */
import {execFile} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {describe, expect, test} from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SCRIPTS = [
  'bulk',
  'writers',
  'smallQueries',
  'subqueries',
  'stackSearch',
  'studioSearch',
  'studioWork',
  'boundPass',
]

/** The script's exit code and output, run as a developer runs it, from the repository's root. */
function run(script: string, ...args: string[]) {
  return new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
    execFile(
      process.execPath,
      [`bench/${script}.ts`, ...args],
      {cwd: ROOT, timeout: 60_000},
      (error, stdout, stderr) =>
        resolve({code: error ? Number(error.code ?? 1) : 0, stdout, stderr}),
    )
  })
}

describe.each(SCRIPTS)('bench/%s.ts', (script) => {
  test('--help prints the usage, naming the script and its flags, and exits 0', async () => {
    const {code, stdout, stderr} = await run(script, '--help')
    expect({code, stderr}).toEqual({code: 0, stderr: ''})
    expect(stdout).toContain(`bench/${script}.ts`)
    expect(stdout).toMatch(/--\w/)
  })

  test('an unknown flag is a usage error: exit 2, what was wrong and where the usage is', async () => {
    const {code, stdout, stderr} = await run(script, '--no-such-flag')
    expect({code, stdout}).toEqual({code: 2, stdout: ''})
    expect(stderr).toBe(
      `Unknown option '--no-such-flag'\nRun \`npx node bench/${script}.ts --help\` for the usage.\n`,
    )
  })
})
