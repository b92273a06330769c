/**
 * `npm run lake -- [command] [options]`. Each command lives in lake/cli/<name>.ts and exports
 * `summary` and `run(argv): Promise<number>` (the exit code). Without a command, `start` runs.
 */
interface Command {
  summary: string
  run(argv: string[]): Promise<number>
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  start: () => import('./cli/start.ts'),
  env: () => import('./cli/env.ts'),
  trust: () => import('./cli/trust.ts'),
  users: () => import('./cli/users.ts'),
  tokens: () => import('./cli/tokens.ts'),
  datasets: () => import('./cli/datasets.ts'),
}

/** Exit codes as in the Sanity CLI. */
export const EXIT = {SUCCESS: 0, RUNTIME_ERROR: 1, USAGE_ERROR: 2, USER_ABORT: 3, SIGINT: 130}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === 'help' || first === '--help' || first === '-h') {
    process.stdout.write(await usage())
    return EXIT.SUCCESS
  }
  const name = first === undefined || first.startsWith('-') ? 'start' : first
  const load = COMMANDS[name]
  if (!load) {
    process.stderr.write(`Unknown command "${name}".\n\n${await usage()}`)
    return EXIT.USAGE_ERROR
  }
  const command = await load()
  return command.run(name === first ? rest : argv)
}

async function usage(): Promise<string> {
  const lines = ['Usage: npm run lake -- [command] [options]', '', 'Commands:']
  for (const [name, load] of Object.entries(COMMANDS)) {
    lines.push(`  ${name.padEnd(10)} ${(await load()).summary}`)
  }
  return lines.join('\n') + '\n'
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`lake: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = EXIT.RUNTIME_ERROR
  },
)
