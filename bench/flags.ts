/**
 * The flags of a bench script run on its own (`npx node bench/<script>.ts`), read as every command
 * of the project reads them: `--help` prints the usage and exits 0; a flag the script does not take,
 * or a bad value (usageError), is a usage error, exit 2, naming what to run for the usage.
 */
import {readFileSync} from 'node:fs'
import {relative} from 'node:path'
import type {parseArgs, ParseArgsOptionsConfig} from 'node:util'
import {EXIT, parseOptions, UsageError} from '../kit/cli.ts'
import {ARCHIVE} from './data.ts'

const HELP_FLAG = {help: {type: 'boolean', short: 'h'}} as const

type Values<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{options: O & typeof HELP_FLAG}>
>['values']

/**
 * The script's flags as parsed. Its usage is `help`, or else the doc comment that opens the
 * script's file, where each script says what it measures and what its flags do.
 */
export function benchFlags<const O extends ParseArgsOptionsConfig>(
  script: string,
  options: O,
  help?: string,
): Values<O> {
  let values: Values<O>
  try {
    values = parseOptions<{options: O & typeof HELP_FLAG}>({
      options: {...options, ...HELP_FLAG},
    }).values
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    usageError(script, error.message)
  }
  if ((values as {help?: boolean}).help) {
    process.stdout.write(help ?? openingComment(script))
    process.exit(EXIT.SUCCESS)
  }
  return values
}

/**
 * `--size` articles (`--full`: the archive's; else `size`), `--rounds` and `--runs` as numbers;
 * a usage error unless each is a whole number of at least 1.
 */
export function sizeRoundsRuns(
  script: string,
  flags: {size?: string; full?: boolean; rounds: string; runs: string},
  size: number,
): {articles: number; rounds: number; runs: number} {
  const counts = {
    articles: flags.full ? ARCHIVE.articles : Number(flags.size ?? size),
    rounds: Number(flags.rounds),
    runs: Number(flags.runs),
  }
  if (!Object.values(counts).every((n) => Number.isInteger(n) && n >= 1)) {
    usageError(script, '--size, --rounds and --runs must be whole numbers of at least 1')
  }
  return counts
}

/** Ends the script with a usage error: the message, then what to run for the usage. */
export function usageError(script: string, message: string): never {
  console.error(`${message}\nRun \`npx node ${scriptName(script)} --help\` for the usage.`)
  process.exit(EXIT.USAGE_ERROR)
}

const scriptName = (script: string) => relative(process.cwd(), script) || script

/** The file's first doc comment, without its `/**`, `*` and `*\/`. */
function openingComment(script: string): string {
  const source = readFileSync(script, 'utf8')
  const comment = /\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? ''
  return `${comment
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim()}\n`
}
