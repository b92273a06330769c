/**
 * The one command-line kit of the project: the lake's commands (`npm run lake -- …`) and the
 * scripts (`npm run import`, `query`, `export`, `dev`) are each a {@link Command} whose
 * `run(argv, io)` takes its I/O as an argument, so tests run every command in-process. `--help`,
 * usage errors and exit codes behave the same in all of them.
 */
import {parseArgs, type ParseArgsConfig, type ParseArgsOptionsConfig} from 'node:util'

/** Exit codes, as in the Sanity CLI. */
export const EXIT = {
  /** Done. */
  SUCCESS: 0,
  /** Not the user's input: could not reach or write to the target, or a command failed. */
  RUNTIME_ERROR: 1,
  /** Bad input or bad arguments. */
  USAGE_ERROR: 2,
} as const

/** One of the EXIT values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** Environment variables (process.env, or a plain object in tests). */
export type Env = Readonly<Record<string, string | undefined>>

/** A writable text stream (process.stdout, or a buffer in tests). */
export type Output = {write(chunk: string): unknown; isTTY?: boolean}

/** Everything a command touches outside itself. */
export type Io = {
  stdout: Output
  stderr: Output
  env: Env
  cwd: string
  /** The current instant (tests pin it). */
  now: () => Date
}

/**
 * The folder the user typed the command in, where the files and folders they name are: npm run
 * starts every script in the project's folder and passes the caller's as INIT_CWD. Every child
 * inherits INIT_CWD, so it counts only in the process npm started for `script` (npm names it in
 * npm_lifecycle_event): a script the project runs itself (dev's seed import, a plain `node
 * scripts/…`) reads its paths from its own folder. (The data folder stays the project's: `cwd`.)
 */
export function typedIn(io: Io, script: string): string {
  return io.env.npm_lifecycle_event === script ? (io.env.INIT_CWD ?? io.cwd) : io.cwd
}

/** The real process's I/O. */
export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
  }
}

export interface Command {
  /** What a user types before the arguments: `npm run import --`, `npm run lake -- users`. */
  invocation: string
  /** The full help: usage, flags, examples. Printed for `--help` and `-h`. */
  help: string
  /**
   * Runs the command with its arguments (the `--help` check and usage errors are handled around
   * it by {@link runCommand}); throws {@link UsageError} for bad arguments.
   */
  run(argv: string[], io: Io): Promise<ExitCode>
  /** A group answers `--help` itself: `npm run lake -- users --help` is the subcommand's help. */
  group?: true
}

/** Thrown for bad arguments; the message says what is wrong and how to fix it. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Whether the arguments ask for help: `--help` or `-h` anywhere before a `--`. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h')
}

/**
 * Runs a command as every CLI of the project does: help on `--help`, the usage-error report (the
 * problem and where the help is) with exit code 2, and the command's own exit code otherwise.
 */
export async function runCommand(command: Command, argv: string[], io: Io): Promise<ExitCode> {
  if (!command.group && wantsHelp(argv)) {
    io.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`)
    return EXIT.SUCCESS
  }
  try {
    return await command.run(argv, io)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    writeLine(io.stderr, `${error.message}\nRun \`${command.invocation} --help\` for the usage.`)
    return EXIT.USAGE_ERROR
  }
}

/** A command's in-process entry, `run(argv, io)`: what its tests call and what `runMain` runs. */
export function runnerOf(command: Command): (argv: string[], io?: Io) => Promise<ExitCode> {
  return (argv, io = processIo()) => runCommand(command, argv, io)
}

/** `node:util`'s parseArgs, with its errors (unknown option, missing value) as UsageErrors. */
export function parseOptions<T extends ParseArgsConfig>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config)
  } catch (error) {
    if ((error as {code?: string}).code?.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError((error as Error).message)
    }
    throw error
  }
}

/** A command's flags as parsed: `values` by flag name (typed from the declaration), `positionals`. */
export type ParsedArgs<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{options: O; allowPositionals: true; strict: true}>
>

/**
 * Declares a command: its help, its flags (as `node:util` parseArgs reads them) and what it does
 * with them. Bad flags become usage errors before `run` is called.
 */
export function defineCommand<const O extends ParseArgsOptionsConfig>(spec: {
  invocation: string
  help: string
  options: O
  /** Whether words other than flags are taken (`tokens create`, a query, files). */
  positionals?: boolean
  /** Whether a boolean flag can be turned off with `--no-<flag>`. */
  allowNegative?: boolean
  run(args: ParsedArgs<O>, io: Io): Promise<ExitCode>
}): Command {
  const {options, positionals = false, allowNegative = false} = spec
  return {
    invocation: spec.invocation,
    help: spec.help,
    run: (argv, io) => {
      const parsed = parseOptions({
        args: argv,
        options,
        allowPositionals: positionals,
        allowNegative,
      })
      // resolve('') is the project folder itself: the lake's files would land among the sources.
      if ('data' in options && (parsed.values as {data?: unknown}).data === '') {
        throw new UsageError(
          '--data needs a folder: pass one (--data .lake is the default) or leave the flag out.',
        )
      }
      return spec.run(parsed as ParsedArgs<O>, io)
    },
  }
}

/** A subcommand as a group lists it: loaded only when it runs, so `--help` stays fast. */
export interface Subcommand {
  summary: string
  load: () => Promise<Command>
}

/**
 * A command made of subcommands (`npm run lake -- users …`). Without a subcommand, `fallback` runs
 * (`npm run lake` starts the lake); `--help` before any subcommand lists them.
 */
export function commandGroup(options: {
  invocation: string
  /** The first lines of the help: what the group is, its usage line. */
  intro: string
  commands: Record<string, Subcommand>
  fallback?: string
}): Command {
  const {invocation, intro, commands, fallback} = options
  const names = Object.keys(commands)
  const help = [
    intro.trimEnd(),
    '',
    'Commands:',
    ...names.map((name) => `  ${name.padEnd(10)} ${commands[name]!.summary}`),
    '',
    `Run \`${invocation} <command> --help\` for a command's flags and examples.`,
    '',
  ].join('\n')
  return {
    invocation,
    help,
    group: true,
    async run(argv, io) {
      const [first] = argv
      const named = first !== undefined && !first.startsWith('-')
      if (first === '--help' || first === '-h' || first === 'help') {
        io.stdout.write(help)
        return EXIT.SUCCESS
      }
      const name = named ? first : fallback
      if (name === undefined) throw new UsageError(`Name a command: ${names.join(', ')}.`)
      const subcommand = commands[name]
      if (!subcommand)
        throw new UsageError(`Unknown command "${name}". Commands: ${names.join(', ')}.`)
      return runCommand(await subcommand.load(), named ? argv.slice(1) : argv, io)
    },
  }
}

/**
 * Runs a command as the process's main module: real I/O, `process.exitCode`, quiet on a closed
 * stdout pipe, and a one-line message (exit code 1) for an error the command did not expect.
 */
export async function runMain(command: Command, name: string): Promise<void> {
  exitQuietlyOnClosedStdout()
  try {
    process.exitCode = await runCommand(command, process.argv.slice(2), processIo())
  } catch (error) {
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = EXIT.RUNTIME_ERROR
  }
}

/**
 * Ends quietly when stdout is closed early (`npm run -s import -- --dry-run | head`), as Unix
 * tools do, instead of failing with an EPIPE stack trace.
 */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.SUCCESS)
    throw error
  })
}

/** A TCP port from a flag's value; `min` is 0 where the system may pick one. */
export function parsePort(value: string, min: 0 | 1 = 1, flag = '--port'): number {
  const port = Number(value)
  if (Number.isInteger(port) && port >= min && port <= 65535) return port
  throw new UsageError(`${flag} must be a port number (${min}–65535), got "${value}".`)
}

/** A word for a POSIX shell: as is when that is safe, else single-quoted. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`
}

/** Writes one line to a stream. */
export function writeLine(out: Output, line = ''): void {
  out.write(line + '\n')
}

/** Formats a count with its noun: 1 file, 2 files. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`
}
