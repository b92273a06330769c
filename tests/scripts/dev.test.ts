/**
 * What `npm run dev` prints about its data folder. Given an absolute `--data`, it printed the path
 * relative to the project (`../../../tmp/…`), in its banner and in the commands the banner tells
 * the user to run; and "More accounts" named no `--data`, so it added the account to `.lake/`.
 */
import {spawn} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {createServer, type AddressInfo, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'
import {banner, dataLabel, lakeArgs, type Options} from '../../scripts/dev.ts'
import {STRUCTURE_LISTS} from '../../studio/structure.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

describe('dataLabel: the data folder as npm run dev names it', () => {
  it.each([
    ['.lake', '.lake'],
    ['.lake/', '.lake'],
    ['data/demo lake', 'data/demo lake'],
    ['/tmp/newsroom', '/tmp/newsroom'],
    ['/tmp/newsroom/', '/tmp/newsroom'],
    ['/', '/'],
    ['.', '.'],
    // A relative path out of the project would mean nothing read elsewhere: absolute.
    ['../elsewhere', '/home/rina/elsewhere'],
    ['..', '/home/rina'],
  ])('%s is shown as %s', (given, shown) => {
    expect(dataLabel(given, '/home/rina/newsroom')).toBe(shown)
  })
})

describe("lakeArgs: the lake npm run dev starts, told the Studio's list orders", () => {
  it("declares each list pane's default order, so the pane's first page is read off an index", () => {
    const args = lakeArgs('http://localhost:3333')
    expect(args.slice(0, 2)).toEqual(['--studio-url', 'http://localhost:3333'])
    const declared = args.flatMap((arg, i) => (args[i - 1] === '--order-index' ? [arg] : []))
    for (const list of STRUCTURE_LISTS) {
      for (const {field, direction} of list.ordering) {
        expect(declared).toContain(`${field} ${direction}`)
      }
    }
    expect(declared).toContain('position asc')
  })
})

function options(overrides: Partial<Options> = {}): Options {
  return {
    preview: false,
    port: 3333,
    lakePort: 3334,
    dataDir: join(ROOT, '.lake'),
    dataLabel: '.lake',
    dataset: 'production',
    importSeed: true,
    ...overrides,
  }
}

const firstStart = {firstStart: true, createdAdmin: {email: 'admin@localhost', password: 'pw'}}

describe('the banner', () => {
  it('names the data folder as given, and every npm run lake command it prints acts on it', () => {
    const text = banner(
      options({lakePort: 4334, dataDir: '/srv/news room', dataLabel: '/srv/news room'}),
      firstStart,
      {},
    )
    expect(text).toContain('(data: /srv/news room/, dataset: production)')
    expect(text).toContain('certificate authority (/srv/news room/tls/ca.pem)')
    const commands = text.split('\n').filter((line) => /npm run (-s )?lake --/.test(line))
    expect(commands).toHaveLength(4)
    for (const line of commands) expect(line).toContain(`--data '/srv/news room'`)
  })

  // It said `npm run lake -- trust --data …` alone, whose check URL is then the default port's.
  it("names the lake's port in its trust command when it is not the default", () => {
    const text = banner(options({lakePort: 4334}), firstStart, {})
    expect(text.split('\n').filter((line) => line.includes('lake -- trust'))).toEqual([
      '    npm run lake -- trust --port 4334',
    ])
  })

  // It said to choose "Local account" on the login screen, which the Studio never shows: the lake
  // offers one provider and sanity.config.ts sets redirectOnSingle, so it opens the lake's form.
  it("says the Studio opens the lake's sign-in form, with no login screen to choose from", () => {
    const text = banner(options(), firstStart, {})
    const signIn = text.split('\n').filter((line) => line.includes('Sign in'))
    expect(signIn).toEqual([
      "  Sign in: the Studio opens the lake's sign-in form; admin@localhost, password pw (generated now, shown once: keep it).",
    ])
  })

  it('names no --data for the default folder', () => {
    const text = banner(options(), firstStart, {})
    expect(text).toContain('(data: .lake/, dataset: production)')
    expect(text).not.toContain('--data')
  })
})

describe('npm run dev, run as a user runs it', () => {
  const folders: string[] = []
  const servers: Server[] = []
  afterAll(async () => {
    for (const server of servers) server.close()
    await Promise.all(folders.map((dir) => rm(dir, {recursive: true, force: true})))
  })

  async function freePort(): Promise<number> {
    const server = createServer()
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const {port} = server.address() as AddressInfo
    await new Promise<void>((done) => server.close(() => done()))
    return port
  }

  /**
   * Runs scripts/dev.ts with its lake port held by something that is no lake: the script says so
   * and stops (exit 1) before it starts anything. Returns what it printed on stderr.
   */
  async function runAgainstSquatter(args: string[], env: NodeJS.ProcessEnv = process.env) {
    const squatter = createServer((socket) => {
      socket.on('error', () => {}) // the script's probes hang up as they please
      socket.end('not a lake\n')
    })
    servers.push(squatter)
    await new Promise<void>((done) => squatter.listen(0, '127.0.0.1', done))
    const lakePort = (squatter.address() as AddressInfo).port
    const studioPort = await freePort()
    const child = spawn(
      process.execPath,
      ['scripts/dev.ts', '--port', String(studioPort), '--lake-port', String(lakePort), ...args],
      {cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe']},
    )
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const code = await new Promise<number | null>((done) => child.once('exit', done))
    return {code, stderr, lakePort}
  }

  it('names an absolute --data as given', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dev-data-'))
    folders.push(dataDir)
    const {code, stderr, lakePort} = await runAgainstSquatter(['--data', dataDir])
    expect(stderr).toContain(
      `Port ${lakePort} is taken by something that is not the lake of ${dataDir}/`,
    )
    expect(code).toBe(1)
  })

  // An empty LAKE_DATA was taken as the path '': the project folder itself, shown as "./".
  it('takes an empty LAKE_DATA for unset: the default folder', async () => {
    const {code, stderr} = await runAgainstSquatter([], {...process.env, LAKE_DATA: ''})
    expect(stderr).toContain('is not the lake of .lake/ ')
    expect(code).toBe(1)
  })
})
