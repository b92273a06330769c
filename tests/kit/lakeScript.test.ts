/**
 * `npm run lake` as npm runs it: package.json's `lake` script, which npm runs with cmd.exe on
 * Windows (no `NAME=value cmd` there), and the lake it starts, which on Linux still has glibc's
 * malloc settings (kit/lakeFlags.ts startWithMallocSettings) and the lake's Node flags.
 */
import {execFile, spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, expect, test} from 'vitest'
import {LAKE_MALLOC_TUNABLES, LAKE_NODE_FLAGS} from '../../kit/lakeFlags.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
// npm puts the project's bins (Node 24 as `node`) first on the script's PATH.
const PATH = `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH}`
const script = () =>
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>)
    .lake

const folders: string[] = []
afterAll(() => Promise.all(folders.map((dir) => rm(dir, {recursive: true, force: true}))))
const dataFolder = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lake-script-'))
  folders.push(dir)
  return dir
}

/** The script's words run as a program with arguments, no POSIX shell between (as cmd.exe would). */
function runWithoutShell(args: string[]) {
  const [program, ...words] = script().split(/\s+/)
  return new Promise<{code: number | string | null; stdout: string}>((resolve) =>
    execFile(
      program!,
      [...words, ...args],
      {cwd: ROOT, env: {...process.env, PATH}},
      (err, stdout) => resolve({code: err ? (err.code ?? null) : 0, stdout}),
    ),
  )
}

test("npm run lake's command needs no POSIX shell: --help and env run and exit 0", async () => {
  expect(script()).not.toMatch(/[$'`;|<>]/)
  const help = await runWithoutShell(['--help'])
  expect(help).toMatchObject({code: 0, stdout: expect.stringMatching(/^Usage: npm run lake/)})
  const env = await runWithoutShell(['env', '--data', await dataFolder(), '--no-tls'])
  expect(env).toMatchObject({code: 0, stdout: expect.stringMatching(/^SANITY_STUDIO_API_HOST=/m)})
})

/** Every process under `pid` (children of each of its threads), depth first. */
function descendants(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((thread) =>
    readFileSync(`/proc/${pid}/task/${thread}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .flatMap((child) => [Number(child), ...descendants(Number(child))]),
  )
}

const words = (pid: number, file: 'cmdline' | 'environ') =>
  readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0')

const portAnswers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false))
    socket.once('connect', () => socket.destroy())
  })

test.runIf(process.platform === 'linux')(
  "the lake npm run lake starts has glibc's malloc settings and the lake's Node flags; SIGTERM to npm stops it",
  async () => {
    const dataDir = await dataFolder()
    const args = ['--port', '0', '--host', '127.0.0.1', '--data', dataDir, '--no-tls']
    const npm = spawn('npm', ['run', 'lake', '--', ...args], {
      cwd: ROOT,
      // Without the caller's own trim threshold, if it had one.
      env: {...process.env, GLIBC_TUNABLES: undefined},
      // Its own process group, so that the finally can end whatever is left.
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise<number | null>((done) => npm.once('exit', (code) => done(code)))
    let output = ''
    npm.stdout.setEncoding('utf8')
    const port = await new Promise<number>((resolve, reject) => {
      npm.stdout.on('data', (chunk: string) => {
        output += chunk
        const match = /^Lake listening on \S+:(\d+)\b/m.exec(output)
        if (match) resolve(Number(match[1]))
      })
      void exited.then((code) => reject(new Error(`npm exited (${code}) before the lake listened`)))
    })
    try {
      // The deepest: `lake/cli.ts` runs the lake in a child and supervises it
      // (lake/cli/supervisor.ts).
      const lake = descendants(npm.pid!)
        .filter((pid) => words(pid, 'cmdline').some((word) => word.endsWith('lake/cli.ts')))
        .at(-1)
      expect(lake, `a lake among npm's processes: ${output}`).toBeDefined()
      expect(words(lake!, 'cmdline')).toEqual(expect.arrayContaining(LAKE_NODE_FLAGS))
      expect(words(lake!, 'environ')).toContain(`GLIBC_TUNABLES=${LAKE_MALLOC_TUNABLES}`)
      expect(await portAnswers(port)).toBe(true)
      // npm alone, as a tool stopping the command it started does: npm passes it to the shell it
      // ran the script with, and dash ends without passing it on.
      process.kill(npm.pid!, 'SIGTERM')
      await exited
      // The lake is not npm's child: wait for its process to end (a bound, to fail clearly).
      const ended = async () => {
        for (let i = 0; i < 400; i++) {
          if (!existsSync(`/proc/${lake}`)) return true
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        return false
      }
      expect(await ended(), 'the lake ended after npm').toBe(true)
      expect(await portAnswers(port)).toBe(false)
    } finally {
      try {
        process.kill(-npm.pid!, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
  },
)
