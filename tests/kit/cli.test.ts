/**
 * The one CLI kit: every command of the project (the lake's and the scripts') answers `--help` with
 * its usage and examples, reports bad arguments the same way with exit code 2, and runs in-process.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {
  commandGroup,
  defineCommand,
  EXIT,
  runCommand,
  UsageError,
  wantsHelp,
  type Command,
} from '../../kit/cli.ts'
import {lakeCommand} from '../../lake/cli.ts'
import {envCommandFor} from '../../lake/cli/dataFolder.ts'
import {command as devCommand} from '../../scripts/dev.ts'
import {command as exportCommand} from '../../scripts/export.ts'
import {command as importCommand} from '../../scripts/import.ts'
import {command as queryCommand} from '../../scripts/query.ts'
import {captureIo} from '../helpers/io.ts'

const SCRIPTS: [string, Command][] = [
  ['npm run import --', importCommand],
  ['npm run query --', queryCommand],
  ['npm run export --', exportCommand],
  ['npm run dev --', devCommand],
]
const LAKE_SUBCOMMANDS = ['start', 'env', 'trust', 'users', 'tokens', 'datasets']

async function runLake(...argv: string[]) {
  const io = captureIo({env: {}})
  const code = await runCommand(lakeCommand, argv, io)
  return {code, out: io.out(), err: io.err()}
}

describe('--help', () => {
  it.each(SCRIPTS)(
    '%s --help and -h print the usage with examples',
    async (invocation, command) => {
      for (const flag of ['--help', '-h']) {
        const io = captureIo({env: {}})
        expect(await runCommand(command, ['--dataset', 'x', flag], io)).toBe(EXIT.SUCCESS)
        expect(io.out()).toContain(invocation.replace(/ --$/, ''))
        expect(io.out()).toMatch(/Usage:[\s\S]*Examples:/)
        expect(io.err()).toBe('')
      }
    },
  )

  // npm run dev's help said none, though it exits 2 on bad flags and 1 when it cannot start.
  it.each(SCRIPTS)('%s --help says its exit codes', async (_invocation, command) => {
    const io = captureIo({env: {}})
    await runCommand(command, ['--help'], io)
    expect(io.out()).toMatch(/^Exit codes: 0 [^·]+ · 1 [^·]+ · 2 \S/m)
  })

  it('npm run lake -- --help lists every command', async () => {
    const {code, out, err} = await runLake('--help')
    expect(code).toBe(EXIT.SUCCESS)
    for (const name of LAKE_SUBCOMMANDS) expect(out).toMatch(new RegExp(`^  ${name} `, 'm'))
    expect(out).toContain('Examples:')
    expect(err).toBe('')
  })

  it.each(LAKE_SUBCOMMANDS)(
    'npm run lake -- %s --help prints its usage with examples',
    async (name) => {
      const {code, out, err} = await runLake(name, '--help')
      expect(code).toBe(EXIT.SUCCESS)
      expect(out).toMatch(
        new RegExp(`npm run (-s )?lake -- ${name === 'start' ? '\\[start\\]' : name}`),
      )
      expect(out).toContain('Examples:')
      expect(err).toBe('')
    },
  )

  // start, env, trust, users and tokens said no exit codes; users and tokens described none of
  // their flags, datasets not --force.
  it.each(LAKE_SUBCOMMANDS)(
    'npm run lake -- %s --help describes every flag of its usage and says its exit codes',
    async (name) => {
      const {out} = await runLake(name, '--help')
      const usage = out.slice(0, out.indexOf('\n\n'))
      const described = new Set([...out.matchAll(/^ {2}(--[a-z-]+)/gm)].map((match) => match[1]))
      const named = new Set([...usage.matchAll(/--[a-z][a-z-]*/g)].map((match) => match[0]))
      expect(named.size).toBeGreaterThan(0)
      expect([...named].filter((flag) => !described.has(flag))).toEqual([])
      expect(out).toMatch(/^Exit codes: 0 [^·]+ · 1 [^·]+ · 2 \S/m)
    },
  )

  it('npm run lake -- --help says the exit codes', async () => {
    expect((await runLake('--help')).out).toMatch(/^Exit codes: 0 [^·]+ · 1 [^·]+ · 2 \S/m)
  })

  // Issue 10 found these printing "Unknown option '--help'".
  it.each([
    ['users', 'add'],
    ['users', 'list'],
    ['tokens', 'create'],
    ['tokens', 'revoke'],
  ])('npm run lake -- %s %s --help is the command help, not an error', async (name, action) => {
    const {code, out, err} = await runLake(name, action, '--help')
    expect(code).toBe(EXIT.SUCCESS)
    expect(out).toContain(`npm run lake -- ${name} ${action}`)
    expect(err).toBe('')
  })

  it('npm run lake -- start --help: the usage line names every flag the help describes', async () => {
    const {out} = await runLake('start', '--help')
    const usage = out.slice(0, out.indexOf('\n\n'))
    const described = [...out.matchAll(/^ {2}(--[a-z-]+)/gm)].map((match) => match[1])
    expect(described).toContain('--write-timeout')
    for (const flag of described) expect(usage).toContain(`[${flag}`)
  })

  // npm run dev's usage lacked --preview, which its list describes.
  it('npm run dev -- --help: the usage names every flag the help describes', async () => {
    const io = captureIo({env: {}})
    await runCommand(devCommand, ['--help'], io)
    const usage = io.out().slice(0, io.out().indexOf('\n\n'))
    const described = [...io.out().matchAll(/^ {2}(--[a-z-]+)/gm)].map((match) => match[1])
    expect(described).toContain('--preview')
    for (const flag of described) expect(usage).toContain(`[${flag}`)
  })

  it('a --help after -- is an argument, not a request for help', () => {
    expect(wantsHelp(['--', '--help'])).toBe(false)
    expect(wantsHelp(['a', '-h'])).toBe(true)
  })
})

// The start message's hint printed `env --export` alone, which describes the default lake
// (https://localhost:3334, .lake/) whatever port, folder or --no-tls this one was started with.
describe("npm run lake -- start's hint names the env command of the lake it started", () => {
  it.each([
    [{port: 3334, host: '127.0.0.1', data: '.lake', tls: true}, ''],
    [
      {port: 4544, host: '127.0.0.1', data: '/tmp/lake', tls: false},
      ' --port 4544 --data /tmp/lake --no-tls',
    ],
    [
      {port: 3334, host: '0.0.0.0', data: "my lake's", tls: true},
      ` --host 0.0.0.0 --data 'my lake'\\''s'`,
    ],
  ])('%j', (lake, flags) => {
    expect(envCommandFor(lake)).toBe(`eval "$(npm run -s lake -- env --export${flags})"`)
  })
})

// Its last step named https://localhost:3334 whatever lake it was run for.
describe("npm run lake -- trust's check names the lake's port", () => {
  it.each([
    [[], {}, 3334],
    [['--port', '4544'], {}, 4544],
    [[], {LAKE_PORT: '4545'}, 4545],
  ])('%j with %j: https://localhost:%i', async (flags, env, port) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'trust-'))
    try {
      const io = captureIo({env})
      const argv = ['trust', '--dry-run', '--data', dataDir, ...flags]
      expect(await runCommand(lakeCommand, argv, io)).toBe(EXIT.SUCCESS)
      expect([...io.out().matchAll(/https:\/\/localhost:\d+/g)].map((m) => m[0])).toEqual([
        `https://localhost:${port}`,
      ])
      // Its env command said `npm run -s lake -- env` alone: the CA of .lake/, not this folder's.
      const portFlag = port === 3334 ? '' : ` --port ${port}`
      expect(io.out()).toContain(
        `(printed by: eval "$(npm run -s lake -- env --export${portFlag} --data ${dataDir})")`,
      )
    } finally {
      rmSync(dataDir, {recursive: true, force: true})
    }
  })
})

// npm run bench and npm run example parse their own flags (no lake to start before --help).
describe.each([
  ['npm run bench', 'bench/run.ts'],
  ['npm run example', 'examples/front-page/run.ts'],
])('%s', (invocation, file) => {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [file, ...args], {cwd: root, encoding: 'utf8', timeout: 60_000})

  it('answers --help with its usage and examples, and does nothing else', () => {
    const {status, stdout, stderr} = run('--help')
    expect(stderr).toBe('')
    expect(status).toBe(EXIT.SUCCESS)
    expect(stdout).toContain(`Usage: ${invocation} --`)
    expect(stdout).toContain('Examples:')
    expect(stdout).toMatch(/^Exit codes: 0 [^·]+ · 1 [^·]+ · 2 \S/m)
  })

  it('an unknown flag is exit 2, the problem and where the help is', () => {
    const {status, stdout, stderr} = run('--bogus')
    expect(status).toBe(EXIT.USAGE_ERROR)
    expect(stdout).toBe('')
    expect(stderr).toContain("Unknown option '--bogus'")
    expect(stderr).toContain(`Run \`${invocation} -- --help\``)
  })
})

describe('usage errors', () => {
  it.each([
    [['users', '--bogus'], "Unknown option '--bogus'", 'npm run lake -- users --help'],
    [
      ['tokens', 'create', '--role', 'owner'],
      'Unknown role "owner"',
      'npm run lake -- tokens --help',
    ],
    [['users'], 'Missing action', 'npm run lake -- users --help'],
    [['start', '--port', 'x'], '--port must be a port number', 'npm run lake -- start --help'],
    [
      ['start', '--studio-url', 'localhost:3333'],
      '--studio-url takes an http(s) URL like http://localhost:3333, got "localhost:3333"',
      'npm run lake -- start --help',
    ],
    [
      ['start', '--order-index', 'position sideways'],
      '--order-index takes an attribute path, then asc or desc, like "position" or "name desc", got "position sideways"',
      'npm run lake -- start --help',
    ],
    [
      ['start', '--order-index', '_id desc'],
      '--order-index _id: every type is already read in _id order off its id index, got "_id desc"',
      'npm run lake -- start --help',
    ],
    [['env', '--port', '0'], '--port must be a port number', 'npm run lake -- env --help'],
    [['serve'], 'Unknown command "serve"', 'npm run lake -- --help'],
  ])(
    'npm run lake -- %j: exit 2, the problem and where the help is',
    async (argv, problem, help) => {
      const {code, out, err} = await runLake(...argv)
      expect(code).toBe(EXIT.USAGE_ERROR)
      expect(err).toContain(problem)
      expect(err).toContain(`Run \`${help}\``)
      expect(out).toBe('')
    },
  )

  // An empty --data resolved to the project folder itself (an empty LAKE_DATA is an unset one):
  // on main `start` wrote auth.sqlite, token and tls/ there and served it. trust runs dry here, so
  // a regression cannot add a CA to this machine's trust store.
  it.each([
    ...LAKE_SUBCOMMANDS.map((name) =>
      name === 'trust' ? [name, '--dry-run', '--data', ''] : [name, '--data', ''],
    ),
    ['start', '--data='],
  ])('npm run lake -- %s %s %j: exit 2, saying what to pass, nothing done', async (...argv) => {
    const {code, out, err} = await runLake(...argv)
    expect(code).toBe(EXIT.USAGE_ERROR)
    expect(err).toContain('--data needs a folder')
    expect(err).toContain('--data .lake')
    expect(out).toBe('')
  })

  // `--data .` in a project (or a home folder): on main start made every file under it 0600.
  it.each([['start'], ['env'], ['users', 'list'], ['tokens', 'list']])(
    'npm run lake -- %s --data <a project folder>: exit 2, naming what is foreign, nothing changed',
    async (...argv) => {
      const dir = mkdtempSync(join(tmpdir(), 'lake-project-'))
      try {
        writeFileSync(join(dir, 'package.json'), '{}', {mode: 0o644})
        const {code, out, err} = await runLake(...argv, '--data', dir)
        expect(code).toBe(EXIT.USAGE_ERROR)
        expect(err).toContain(
          `The data folder ${dir} holds entries the lake did not make (package.json)`,
        )
        expect(out).toBe('')
        expect(readdirSync(dir)).toEqual(['package.json'])
        expect(statSync(join(dir, 'package.json')).mode & 0o777).toBe(0o644)
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    },
  )

  it('npm run dev -- --data "": exit 2, saying what to pass, nothing started', async () => {
    const io = captureIo({env: {LAKE_DATA: 'elsewhere'}})
    expect(await runCommand(devCommand, ['--data', ''], io)).toBe(EXIT.USAGE_ERROR)
    expect(io.err()).toContain('--data needs a folder')
    expect(io.err()).toContain('Run `npm run dev -- --help`')
    expect(io.out()).toBe('')
  })

  it.each(SCRIPTS)(
    '%s with an unknown flag: exit 2 and the same report',
    async (invocation, command) => {
      const io = captureIo({env: {}})
      expect(await runCommand(command, ['--no-such-flag'], io)).toBe(EXIT.USAGE_ERROR)
      expect(io.err()).toContain("Unknown option '--no-such-flag'")
      expect(io.err()).toContain(`Run \`${invocation} --help\``)
    },
  )
})

describe('runCommand and commandGroup', () => {
  const echo: Command = {
    invocation: 'echo --',
    help: 'Usage: echo\n\nExamples:\n  echo a\n',
    async run(argv, io) {
      if (argv[0] === 'bad') throw new UsageError('bad is bad.')
      if (argv[0] === 'boom') throw new Error('not the user')
      io.stdout.write(argv.join(' '))
      return EXIT.SUCCESS
    },
  }
  const group = commandGroup({
    invocation: 'tool --',
    intro: 'Usage: tool [command]',
    commands: {echo: {summary: 'prints its arguments', load: async () => echo}},
    fallback: 'echo',
  })

  it('runs the named subcommand, or the fallback with all arguments', async () => {
    let io = captureIo({env: {}})
    expect(await runCommand(group, ['echo', 'a', 'b'], io)).toBe(EXIT.SUCCESS)
    expect(io.out()).toBe('a b')
    io = captureIo({env: {}})
    expect(await runCommand(group, ['--x'], io)).toBe(EXIT.SUCCESS)
    expect(io.out()).toBe('--x')
  })

  it('turns a UsageError into exit 2 and lets any other error through', async () => {
    const io = captureIo({env: {}})
    expect(await runCommand(echo, ['bad'], io)).toBe(EXIT.USAGE_ERROR)
    expect(io.err()).toBe('bad is bad.\nRun `echo -- --help` for the usage.\n')
    await expect(runCommand(echo, ['boom'], captureIo({env: {}}))).rejects.toThrow('not the user')
  })
})

describe('defineCommand', () => {
  const greet = (positionals?: boolean) =>
    defineCommand({
      invocation: 'greet --',
      help: 'Usage: greet [NAME]\n\nExamples:\n  greet রহিম\n',
      options: {loud: {type: 'boolean', default: false}, times: {type: 'string', default: '1'}},
      positionals,
      allowNegative: true,
      async run({values, positionals: names}, io) {
        const line = `নমস্কার ${names.join(' ')}`.trim()
        io.stdout.write(`${values.loud ? line.toUpperCase() : line}×${values.times}`)
        return EXIT.SUCCESS
      },
    })

  it('hands run the parsed flags with their defaults, and --no-<flag> turns a boolean off', async () => {
    let io = captureIo({env: {}})
    expect(await runCommand(greet(true), ['রহিম', '--times', '2'], io)).toBe(EXIT.SUCCESS)
    expect(io.out()).toBe('নমস্কার রহিম×2')
    io = captureIo({env: {}})
    expect(await runCommand(greet(true), ['--loud', '--no-loud'], io)).toBe(EXIT.SUCCESS)
    expect(io.out()).toBe('নমস্কার×1')
  })

  it('refuses words a command does not take, and bad flags, as usage errors before run', async () => {
    for (const argv of [['রহিম'], ['--times'], ['--loud=yes']]) {
      const io = captureIo({env: {}})
      expect(await runCommand(greet(false), argv, io)).toBe(EXIT.USAGE_ERROR)
      expect(io.out()).toBe('')
      expect(io.err()).toContain('Run `greet -- --help` for the usage.')
    }
  })
})
