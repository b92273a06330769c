/**
 * What the command-line scripts share: exit codes (as in the Sanity CLI) and injectable I/O, so
 * tests run a command in-process without mocking modules.
 */
import type {Env} from './target.ts'

/** Exit codes, as in the Sanity CLI. */
export const EXIT = {
  /** Done. */
  SUCCESS: 0,
  /** Not the user's input: could not reach or write to the target. */
  RUNTIME_ERROR: 1,
  /** Bad input or bad arguments. */
  USAGE_ERROR: 2,
} as const

/** One of the EXIT values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

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

/** Writes one line to a stream. */
export function writeLine(out: Output, line = ''): void {
  out.write(line + '\n')
}

/** Thrown by argument parsing; the message names the fix. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/**
 * Reports a bad argument (a UsageError or one of parseArgs's errors) with a pointer to `--help` and
 * returns the usage exit code; anything else is not the user's mistake and is thrown again.
 */
export function reportUsageError(error: unknown, io: Io, script: string): ExitCode {
  const fromParseArgs = (error as {code?: string}).code?.startsWith('ERR_PARSE_ARGS')
  if (!(error instanceof UsageError) && !fromParseArgs) throw error
  writeLine(
    io.stderr,
    `${(error as Error).message}\nRun \`npm run ${script} -- --help\` for the flags.`,
  )
  return EXIT.USAGE_ERROR
}

/** Formats a count with its noun: 1 file, 2 files. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`
}
